//! Use cases of log alerts: what the HTTP handlers (or any Rust service embedding this
//! crate) call. Each one validates, reads, applies the domain rules, builds the activity
//! entries and writes through [`AlertRepo`] in one call; callers only authorize first.

mod alerts;
mod destinations;
mod error;
mod integrations;
mod simulate;
mod view;

use std::sync::Arc;

use activity_log::ActivityEntry;
use activity_log::audit::{self, Author, Place, What};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::repo::AlertRepo;

pub use destinations::{CreatedDestination, DestinationInput};
pub use error::{ServiceError, ServiceResult};
pub use integrations::IntegrationInput;
pub use simulate::{CountSource, SimulateInput, simulate};
pub use view::{AlertView, EventsPage, destination_groups, url_origin};

/// Who acts, and in which project (`team`) of which organization.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub author: Author,
    pub org: Option<Uuid>,
    pub team: i64,
}

impl Caller {
    fn audit(
        &self,
        scope: &str,
        item_id: String,
        name: &str,
        what: What,
        now: OffsetDateTime,
    ) -> Vec<ActivityEntry> {
        let place = Place { org: self.org, team: Some(self.team) };
        audit::one(audit::entry(self.author, place, scope, item_id, name, what, now))
    }
}

/// Failure of the user directory (a storage error in the embedding service).
pub type DirectoryError = Box<dyn std::error::Error + Send + Sync>;

/// Users as the embedding service knows them: alerts name their creator by id, and
/// responses show the user (`U`, whatever the service renders).
pub trait Users: Send + Sync {
    type User: Clone;
    fn user(&self, id: i64) -> Result<Option<Self::User>, DirectoryError>;
    fn user_id_by_uuid(&self, uuid: Uuid) -> Result<Option<i64>, DirectoryError>;
}

/// Limits and switches the use cases apply.
#[derive(Debug, Clone, Copy)]
pub struct AlertSettings {
    pub max_alerts_per_project: usize,
    /// Plain-http webhook URLs (tests, private networks); https only otherwise.
    pub allow_http_webhooks: bool,
}

/// The alerts use cases over one repository and one user directory.
pub struct AlertService<U> {
    pub repo: Arc<dyn AlertRepo>,
    pub users: Arc<dyn Users<User = U>>,
    pub settings: AlertSettings,
}

impl<U> Clone for AlertService<U> {
    fn clone(&self) -> Self {
        Self { repo: self.repo.clone(), users: self.users.clone(), settings: self.settings }
    }
}
