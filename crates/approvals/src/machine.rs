//! The change-request state machine (§5.2) and the caller's computed fields (§5.1). Pure
//! functions from a request (as locked by the store) to its next row and vote.

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::Result;
use crate::model::{ChangeRequest, Decision, Vote};
use crate::registry::{Applied, ApplyError};

/// The caller as the approver checks see them: their user id and the roles they hold in
/// the request's organization.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    pub user_id: i64,
    pub roles: Vec<Uuid>,
}

/// `can_approve`, `can_cancel`, `is_requester`, `user_decision` (§5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Viewer {
    pub can_approve: bool,
    pub can_cancel: bool,
    pub is_requester: bool,
    pub user_decision: Option<Decision>,
}

/// The computed fields for `caller` (None: no user context, everything false/null).
pub fn viewer(request: &ChangeRequest, caller: Option<&Actor>) -> Viewer {
    let _ = (request, caller);
    todo!("helper: machine::viewer")
}

/// Whether the actor is in the snapshot's approver set (users, or a role; ids compared as
/// strings), ignoring self-approval.
pub fn in_approver_set(policy_snapshot: &Value, actor: &Actor) -> bool {
    let _ = (policy_snapshot, actor);
    todo!("helper: machine::in_approver_set")
}

/// The 403 checks approve and reject run first (§5.3), in order: not pending, own request
/// without self-approval, not in the approver set.
pub fn check_voter(request: &ChangeRequest, actor: &Actor) -> Result<()> {
    let _ = (request, actor);
    todo!("helper: machine::check_voter")
}

/// What an approve does under the row lock: re-check pending (400 "This change request can
/// no longer be approved."), one vote per user (400 "You have already voted on this change
/// request."), then count: at quorum the next row is `approved`.
#[derive(Debug, Clone, PartialEq)]
pub struct Voted {
    pub next: ChangeRequest,
    pub vote: Vote,
    pub quorum_reached: bool,
    /// Approved votes including this one.
    pub approvals: usize,
}

pub fn approve(request: &ChangeRequest, actor: &Actor, reason: &str, now: OffsetDateTime) -> Result<Voted> {
    let _ = (request, actor, reason, now);
    todo!("helper: machine::approve")
}

/// A reject under the row lock: reason required (400 "A reason is required for
/// rejection."), pending (400 "This change request can no longer be rejected."), one vote
/// per user; one rejection ends the request.
pub fn reject(
    request: &ChangeRequest,
    actor: &Actor,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<(ChangeRequest, Vote)> {
    let _ = (request, actor, reason, now);
    todo!("helper: machine::reject")
}

/// The 403 of cancel ("You cannot cancel this change request") unless `can_cancel`.
pub fn check_cancel(request: &ChangeRequest, actor: &Actor) -> Result<()> {
    let _ = (request, actor);
    todo!("helper: machine::check_cancel")
}

/// A cancel under the row lock: a `rejected` vote with the reason (default "Canceled by
/// requester"), replacing the requester's own earlier vote, then `rejected`. 400 "This
/// change request can no longer be canceled." when no longer pending.
pub fn cancel(
    request: &ChangeRequest,
    actor: &Actor,
    reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<(ChangeRequest, Vote)> {
    let _ = (request, actor, reason, now);
    todo!("helper: machine::cancel")
}

/// `expired` when pending/approved and `expires_at <= now`; None otherwise.
pub fn expire(request: &ChangeRequest, now: OffsetDateTime) -> Option<ChangeRequest> {
    let _ = (request, now);
    todo!("helper: machine::expire")
}

/// `validation_status = stale` with the staleness error, when pending and not stale yet.
pub fn mark_stale(request: &ChangeRequest, now: OffsetDateTime) -> Option<ChangeRequest> {
    let _ = (request, now);
    todo!("helper: machine::mark_stale")
}

/// `applied` with `applied_at`, `applied_by` = requester and `result_data`.
pub fn applied(request: &ChangeRequest, result: &Applied, now: OffsetDateTime) -> ChangeRequest {
    let _ = (request, result, now);
    todo!("helper: machine::applied")
}

/// `failed` with `apply_error`.
pub fn failed(request: &ChangeRequest, error: &ApplyError, now: OffsetDateTime) -> ChangeRequest {
    let _ = (request, error, now);
    todo!("helper: machine::failed")
}
