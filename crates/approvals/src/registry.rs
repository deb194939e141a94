//! Gated actions (§4.3): each declares its key, version and resource type, how to detect a
//! matching write, how to extract its intent and render it for approvers; its `Applier`
//! (implemented by the embedding service) replays it at quorum, reports the resource's
//! current preconditions (staleness) and may add evidence. Logstead registers its own in
//! `actions::logstead`; another Rust service registers its own the same way.

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;

use crate::error::ApprovalError;
use crate::model::ChangeRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
}

/// A write a resource's use case is about to make, after its own validation: what the
/// gate and the actions look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub resource_type: String,
    pub op: Op,
    /// None for creates.
    pub resource_id: Option<String>,
    /// What descriptions call it (a rule's name, a project's name, a member's email).
    pub resource_name: String,
    /// The stored resource (the use case's snapshot; None for creates).
    pub before: Option<Value>,
    /// The resource as the write would store it (None for deletes).
    pub after: Option<Value>,
    /// The request body as sent: `full_request_data`, replayed at apply.
    pub request: Value,
    /// `PATCH`, `PUT`, `POST` or `DELETE`.
    pub http_method: String,
    /// What must still hold at apply (e.g. `{"version": 3}`); compared by staleness.
    pub preconditions: Value,
}

pub trait GatedAction: Send + Sync {
    fn key(&self) -> &'static str;
    fn version(&self) -> i32 {
        1
    }
    fn resource_type(&self) -> &'static str;
    /// Whether this write is this action (the resource type already matches).
    fn detect(&self, proposal: &Proposal) -> bool;
    /// The stored intent: `current_state`, `gated_changes`, `full_request_data`,
    /// `preconditions` and the resource's ids (the gate adds `http_method`). An error is
    /// §4.5 step 3's 500.
    fn intent(&self, proposal: &Proposal) -> Result<Value, String>;
    /// §4.5 step 4: the intent against the resource's own rules (400 on failure).
    fn validate(&self, _intent: &Value) -> Result<(), ApprovalError> {
        Ok(())
    }
    /// `{description, before, after}` for approvers.
    fn display(&self, intent: &Value) -> Value;
    /// True for actions on organization-level resources (member levels): their policies
    /// and requests have no team.
    fn organization_level(&self) -> bool {
        false
    }
    /// False for enable/disable/delete: any non-empty `conditions` then mean "always"
    /// (§4.4).
    fn supports_conditions(&self) -> bool {
        false
    }
}

/// `result_data` after a successful apply.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    pub resource_id: Value,
    pub resource_version: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// Stored as `"Validation failed: <msg>"`.
    Validation(String),
    /// Stored as `"Precondition failed: <msg>"`.
    Precondition(String),
    /// Stored as the message itself.
    Other(String),
}

impl ApplyError {
    /// `apply_error` as §5.3 words it.
    pub fn message(&self) -> String {
        match self {
            ApplyError::Validation(m) => format!("Validation failed: {m}"),
            ApplyError::Precondition(m) => format!("Precondition failed: {m}"),
            ApplyError::Other(m) => m.clone(),
        }
    }
}

/// The embedding service's side of an action.
pub trait Applier: Send + Sync {
    /// Replays `request.intent` as the requester (`request.created_by`), without the gate,
    /// after checking `intent.preconditions` against the live resource. An already
    /// applied change (the resource already in the target state) is `Ok`.
    fn apply(&self, request: &ChangeRequest, now: OffsetDateTime) -> Result<Applied, ApplyError>;
    /// The resource's preconditions now, in the intent's shape; None when it is gone.
    fn preconditions(&self, request: &ChangeRequest) -> Result<Option<Value>, String>;
    /// Evidence for approvers, computed when the request is made (stored under
    /// `intent_display.evidence`). None: nothing measurable.
    fn evidence(&self, _request: &ChangeRequest, _now: OffsetDateTime) -> Option<Value> {
        None
    }
}

/// One registered action and its applier.
#[derive(Clone)]
pub struct Entry {
    pub action: Arc<dyn GatedAction>,
    pub applier: Arc<dyn Applier>,
}

/// Registered actions in registration order (detection takes the first match, §4.5).
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<Entry>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an action; a second action with the same key replaces the first.
    pub fn register(&mut self, action: Arc<dyn GatedAction>, applier: Arc<dyn Applier>) -> &mut Self {
        self.entries.retain(|e| e.action.key() != action.key());
        self.entries.push(Entry { action, applier });
        self
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.action.key() == key)
    }

    /// Every registered key, in registration order.
    pub fn keys(&self) -> Vec<&'static str> {
        self.entries.iter().map(|e| e.action.key()).collect()
    }

    /// Actions whose resource type is the proposal's and whose detector matches it.
    pub fn detect<'a>(&'a self, proposal: &'a Proposal) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.action.resource_type() == proposal.resource_type && e.action.detect(proposal))
    }
}
