//! What a resource's write calls after its own validation (§4.5). `Ok(())`: write as
//! usual. `Err(Gated)`: answer it and write nothing (a change request may have been made).
//! `service::ApprovalService` implements [`Gate`]; a use case without a gate (an apply,
//! or an embedder without approvals) simply has none.

use activity_log::audit::Author;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::ApprovalError;
use crate::model::ApproverConfig;
use crate::registry::Proposal;

/// Who writes, and where: organization-level writes (member levels) have no team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Who {
    pub org: Uuid,
    pub team: Option<i64>,
    pub author: Author,
}

/// The 409 of §4.5 (`approval_required`, or `change_request_pending` for a duplicate).
#[derive(Debug, Clone, PartialEq)]
pub struct GateReply {
    pub code: &'static str,
    pub message: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    /// The request, rendered without a caller context (the computed fields false/null).
    pub change_request: Value,
    pub change_request_id: Uuid,
    /// None for the duplicate (rendered `{}`).
    pub required_approvers: Option<ApproverConfig>,
}

/// The 400 `policy_conflict` of §4.5 step 5: `(id, name)` of each matching policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub policies: Vec<(Uuid, String)>,
}

#[derive(Debug)]
pub enum Gated {
    /// 409: approval is needed; nothing was written but the change request.
    Required(Box<GateReply>),
    /// 400 `policy_conflict`.
    Conflict(Conflict),
    /// 400: the intent failed the resource's validation (step 4), or storage failed (500).
    Error(ApprovalError),
    /// 500 `{"error": "Failed to process approval request"}` (step 3).
    IntentFailed(String),
}

impl From<ApprovalError> for Gated {
    fn from(e: ApprovalError) -> Self {
        Gated::Error(e)
    }
}

pub trait Gate: Send + Sync {
    fn check(&self, who: &Who, proposal: &Proposal, now: OffsetDateTime) -> Result<(), Gated>;
}
