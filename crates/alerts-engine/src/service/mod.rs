//! Use cases of log alerts: what the HTTP handlers (or any Rust service embedding this
//! crate) call. Each one validates, reads, applies the domain rules, builds the activity
//! entries and writes through [`AlertRepo`] in one call; callers only authorize first.

mod alerts;
mod destinations;
mod error;
mod gate;
mod integrations;
mod simulate;
mod view;

use std::sync::Arc;

pub use activity_log::audit::{Caller, DirectoryError, Users};

use crate::repo::AlertRepo;

pub use destinations::{CreatedDestination, DestinationInput};
pub use error::{ServiceError, ServiceResult};
pub use gate::{RESOURCE_TYPE, preconditions};
pub use integrations::IntegrationInput;
pub use simulate::{BucketGrid, CountSource, SimulateInput, simulate};
pub use view::{AlertView, EventsPage, destination_groups, url_origin};

/// Limits and switches the use cases apply.
#[derive(Debug, Clone, Copy)]
pub struct AlertSettings {
    pub max_alerts_per_project: usize,
    /// Plain-http webhook URLs (tests, private networks); https only otherwise.
    pub allow_http_webhooks: bool,
    /// Webhook hosts on loopback, private, link-local or metadata addresses (tests,
    /// on-premise receivers); refused otherwise (see `ssrf`).
    pub allow_private_webhook_targets: bool,
}

/// The alerts use cases over one repository and one user directory.
pub struct AlertService<U> {
    pub repo: Arc<dyn AlertRepo>,
    pub users: Arc<dyn Users<User = U>>,
    pub settings: AlertSettings,
    /// Asked before updates and deletes (None: no approvals, e.g. when a change request
    /// is applied).
    pub gate: Option<Arc<dyn approvals::Gate>>,
}

impl<U> Clone for AlertService<U> {
    fn clone(&self) -> Self {
        Self {
            repo: self.repo.clone(),
            users: self.users.clone(),
            settings: self.settings,
            gate: self.gate.clone(),
        }
    }
}
