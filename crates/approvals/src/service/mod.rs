//! Use cases of approval policies and change requests: what the HTTP handlers (or a Rust
//! service embedding this crate) call, after authenticating the caller and checking their
//! scope and project access. Each checks the level/approver rules, decides with
//! `validate` / `machine`, and writes with its activity entries through `ApprovalRepo`.
//! `ApprovalService` is also the [`crate::Gate`] resource use cases call.

mod gate;
mod jobs;
mod policies;
mod record;
pub mod requests;
mod support;

use std::sync::Arc;

pub use activity_log::audit::{Caller, DirectoryError, Users};
use serde::Deserialize;
use serde_json::Value;

use crate::machine::Viewer;
use crate::model::{ChangeRequest, Policy, Vote};
use crate::registry::Registry;
use crate::repo::{ApprovalRepo, Directory};

pub use jobs::{EXPIRY_JOB, JobReport, STALENESS_JOB};

/// Operator settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalSettings {
    /// The availability switch of §4.5 step 1 (default on): off, the gate lets every
    /// write through.
    pub enabled: bool,
}

impl Default for ApprovalSettings {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// A policy with its creator.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyView<U> {
    pub policy: Policy,
    pub created_by: Option<U>,
}

/// A change request with its users and the caller's computed fields.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestView<U> {
    pub request: ChangeRequest,
    pub created_by: Option<U>,
    pub applied_by: Option<U>,
    /// Votes oldest first, each with its voter.
    pub votes: Vec<(Vote, Option<U>)>,
    pub viewer: Viewer,
}

/// The reply of approve / reject / cancel (§5.3): `status`, `message`, the request in the
/// caller's context, and `result` when applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome<U> {
    pub status: &'static str,
    pub message: String,
    pub view: RequestView<U>,
    pub result: Option<Value>,
}

/// `GET change_requests/` query string as sent (parsed by `requests::filter`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestQuery {
    pub state: Option<String>,
    pub action_key: Option<String>,
    /// The older alias of `action_key`.
    pub action_type: Option<String>,
    pub requester: Option<String>,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
}

/// `GET approval_policies/` query string as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyQuery {
    pub action_key: Option<String>,
    /// `true` (any case) is true; any other value false (§4.6).
    pub enabled: Option<String>,
}

/// Body of approve / reject / cancel.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VoteInput {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Renders a request for the 409 of the gate (no caller context): the embedding service's
/// response shape.
pub type Render<U> = Arc<dyn Fn(&RequestView<U>) -> Value + Send + Sync>;

pub struct ApprovalService<U> {
    pub repo: Arc<dyn ApprovalRepo>,
    pub directory: Arc<dyn Directory>,
    pub users: Arc<dyn Users<User = U>>,
    pub registry: Arc<Registry>,
    pub settings: ApprovalSettings,
    pub render: Render<U>,
}

impl<U> Clone for ApprovalService<U> {
    fn clone(&self) -> Self {
        Self {
            repo: self.repo.clone(),
            directory: self.directory.clone(),
            users: self.users.clone(),
            registry: self.registry.clone(),
            settings: self.settings,
            render: self.render.clone(),
        }
    }
}
