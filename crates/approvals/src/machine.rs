//! The change-request state machine (§5.2) and the caller's computed fields (§5.1). Pure
//! functions from a request (as locked by the store) to its next row and vote.

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{ApprovalError, Result};
use crate::model::{ChangeRequest, Decision, State, ValidationStatus, Vote};
use crate::registry::{Applied, ApplyError};

pub const NOT_PENDING: &str = "Only pending change requests can be approved";
pub const OWN_REQUEST: &str = "You cannot approve your own change request";
pub const NOT_APPROVER: &str = "You are not in the approver set for this change request";
pub const CANNOT_CANCEL: &str = "You cannot cancel this change request";
pub const NO_LONGER_APPROVABLE: &str = "This change request can no longer be approved.";
pub const ALREADY_VOTED: &str = "You have already voted on this change request.";
pub const REASON_REQUIRED: &str = "A reason is required for rejection.";
pub const NO_LONGER_REJECTABLE: &str = "This change request can no longer be rejected.";
pub const NO_LONGER_CANCELABLE: &str = "This change request can no longer be canceled.";
pub const CANCEL_REASON: &str = "Canceled by requester";
pub const STALENESS: &str = "Resource has been modified since this change request was created";

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
    let Some(actor) = caller else {
        return Viewer::default();
    };
    let is_requester = request.created_by == actor.user_id;
    let can_approve = (!is_requester || self_approve(&request.policy_snapshot))
        && in_approver_set(&request.policy_snapshot, actor);
    // Staleness re-enables cancel after approvals: the approved change is no longer the one
    // that would be applied.
    let can_cancel = request.state == State::Pending
        && is_requester
        && (request.approved_votes() == 0 || request.validation_status == ValidationStatus::Stale);
    Viewer {
        can_approve,
        can_cancel,
        is_requester,
        user_decision: own_vote(request, actor).map(|v| v.decision),
    }
}

/// `allow_self_approve` is on only when the snapshot says exactly `true`.
fn self_approve(policy_snapshot: &Value) -> bool {
    policy_snapshot.get("allow_self_approve") == Some(&Value::Bool(true))
}

fn own_vote<'a>(request: &'a ChangeRequest, actor: &Actor) -> Option<&'a Vote> {
    request.votes.iter().find(|v| v.created_by == actor.user_id)
}

/// Whether the actor is in the snapshot's approver set (users, or a role; ids compared as
/// strings), ignoring self-approval.
pub fn in_approver_set(policy_snapshot: &Value, actor: &Actor) -> bool {
    let list = |key: &str| policy_snapshot.get(key).and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let user = actor.user_id.to_string();
    let is_user = list("users").iter().any(|u| match u {
        Value::Number(n) => n.as_i64() == Some(actor.user_id),
        Value::String(s) => s.trim() == user,
        _ => false,
    });
    // Role ids as strings, case-insensitively (a UUID's text has one meaning).
    let has_role = list("roles")
        .iter()
        .filter_map(Value::as_str)
        .any(|r| actor.roles.iter().any(|held| held.to_string().eq_ignore_ascii_case(r.trim())));
    is_user || has_role
}

/// The 403 checks approve and reject run first (§5.3), in order: not pending, own request
/// without self-approval, not in the approver set.
pub fn check_voter(request: &ChangeRequest, actor: &Actor) -> Result<()> {
    let forbidden = |m: &str| Err(ApprovalError::Forbidden(m.to_string()));
    if request.state != State::Pending {
        return forbidden(NOT_PENDING);
    }
    if request.created_by == actor.user_id && !self_approve(&request.policy_snapshot) {
        return forbidden(OWN_REQUEST);
    }
    if !in_approver_set(&request.policy_snapshot, actor) {
        return forbidden(NOT_APPROVER);
    }
    Ok(())
}

fn refused<T>(message: &str) -> Result<T> {
    Err(ApprovalError::Refused(message.to_string()))
}

fn new_vote(actor: &Actor, decision: Decision, reason: &str, now: OffsetDateTime) -> Vote {
    Vote {
        id: Uuid::now_v7(),
        created_by: actor.user_id,
        decision,
        reason: reason.to_string(),
        created_at: now,
    }
}

/// The request with `vote` added (or replacing the voter's own) and `state`, at `now`.
fn with_vote(request: &ChangeRequest, vote: &Vote, state: State, now: OffsetDateTime) -> ChangeRequest {
    let mut next = request.clone();
    next.votes.retain(|v| v.created_by != vote.created_by);
    next.votes.push(vote.clone());
    next.state = state;
    next.updated_at = now;
    next
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
    if request.state != State::Pending {
        return refused(NO_LONGER_APPROVABLE);
    }
    if own_vote(request, actor).is_some() {
        return refused(ALREADY_VOTED);
    }
    let vote = new_vote(actor, Decision::Approved, reason, now);
    let approvals = request.approved_votes() + 1;
    let quorum_reached = i64::try_from(approvals).unwrap_or(i64::MAX) >= request.quorum();
    let state = if quorum_reached { State::Approved } else { State::Pending };
    Ok(Voted { next: with_vote(request, &vote, state, now), vote, quorum_reached, approvals })
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
    // A blank reason is no reason.
    let Some(reason) = reason.filter(|r| !r.trim().is_empty()) else {
        return refused(REASON_REQUIRED);
    };
    if request.state != State::Pending {
        return refused(NO_LONGER_REJECTABLE);
    }
    if own_vote(request, actor).is_some() {
        return refused(ALREADY_VOTED);
    }
    let vote = new_vote(actor, Decision::Rejected, reason, now);
    Ok((with_vote(request, &vote, State::Rejected, now), vote))
}

/// The 403 of cancel ("You cannot cancel this change request") unless `can_cancel`.
pub fn check_cancel(request: &ChangeRequest, actor: &Actor) -> Result<()> {
    if viewer(request, Some(actor)).can_cancel {
        Ok(())
    } else {
        Err(ApprovalError::Forbidden(CANNOT_CANCEL.to_string()))
    }
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
    // Under the lock the whole `can_cancel` rule is re-checked: an approval that arrived
    // since `check_cancel` makes this a race, answered as one.
    if !viewer(request, Some(actor)).can_cancel {
        return refused(NO_LONGER_CANCELABLE);
    }
    let reason = reason.filter(|r| !r.trim().is_empty()).unwrap_or(CANCEL_REASON);
    // The requester's own earlier vote (a self-approval on a stale request) is replaced:
    // the same vote id, now the cancel's decision, reason and time (upstream's unique
    // constraint made this a 500).
    let mut vote = new_vote(actor, Decision::Rejected, reason, now);
    if let Some(own) = own_vote(request, actor) {
        vote.id = own.id;
    }
    Ok((with_vote(request, &vote, State::Rejected, now), vote))
}

/// `expired` when pending/approved and `expires_at <= now`; None otherwise.
pub fn expire(request: &ChangeRequest, now: OffsetDateTime) -> Option<ChangeRequest> {
    let open = matches!(request.state, State::Pending | State::Approved);
    (open && request.expires_at <= now).then(|| {
        let mut next = request.clone();
        next.state = State::Expired;
        next.updated_at = now;
        next
    })
}

/// `validation_status = stale` with the staleness error, when pending and not stale yet.
pub fn mark_stale(request: &ChangeRequest, now: OffsetDateTime) -> Option<ChangeRequest> {
    let fresh = request.validation_status != ValidationStatus::Stale;
    (request.state == State::Pending && fresh).then(|| {
        let mut next = request.clone();
        next.validation_status = ValidationStatus::Stale;
        next.validation_errors = Some(json!({ "staleness": STALENESS }));
        next.validated_at = Some(now);
        next.updated_at = now;
        next
    })
}

/// `applied` with `applied_at`, `applied_by` = requester and `result_data`.
pub fn applied(request: &ChangeRequest, result: &Applied, now: OffsetDateTime) -> ChangeRequest {
    let mut next = request.clone();
    next.state = State::Applied;
    next.applied_at = Some(now);
    next.applied_by = Some(request.created_by);
    next.result_data =
        Some(json!({ "resource_id": result.resource_id, "resource_version": result.resource_version }));
    next.apply_error = String::new();
    next.updated_at = now;
    next
}

/// `failed` with `apply_error`.
pub fn failed(request: &ChangeRequest, error: &ApplyError, now: OffsetDateTime) -> ChangeRequest {
    let mut next = request.clone();
    next.state = State::Failed;
    next.apply_error = error.message();
    next.updated_at = now;
    next
}

#[cfg(test)]
#[path = "machine_tests.rs"]
mod tests;
