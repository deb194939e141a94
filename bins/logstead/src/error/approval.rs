//! Approval errors and the gate's answers: statuses, and the bespoke bodies of spec §4.5
//! and §5.3 that do not use PostHog's `{type, code, detail, attr}`.

use actix_web::http::StatusCode;
use approvals::gate::{Conflict, GateReply};
use approvals::{ApprovalError, Gated};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Parts, PlainBody, forbidden, server_error};

/// `{"error": "..."}`: approve / reject / cancel refusals and failures, and the gate's 500.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorMessageBody {
    pub error: String,
}

/// `required_approvers` of the 409: the policy's approvers, or `{}` for a duplicate.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequiredApprovers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

/// 409 of a gated write (spec §4.5): a change request was made (or one is already open,
/// `code` "change_request_pending") and nothing else was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalRequiredBody {
    /// `approval_required`, or `change_request_pending` for a duplicate.
    pub code: &'static str,
    /// Always `approval_required` (PostHog's `ApprovalHandlingMixin`).
    pub status: &'static str,
    pub detail: String,
    /// The same text as `detail`.
    pub message: String,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub change_request_id: Uuid,
    /// Rendered without a caller context: `can_approve`, `can_cancel`, `is_requester` false.
    #[schema(value_type = crate::api::approvals::dto::ChangeRequestDto)]
    pub change_request: Value,
    pub required_approvers: RequiredApprovers,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictingPolicy {
    pub id: Uuid,
    /// e.g. `ApprovalPolicy(logs_alert.update, Team 2)`.
    pub name: String,
}

/// 400 when one change matches several enabled policies (spec §4.5 step 5).
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyConflictBody {
    /// Always `policy_conflict`.
    pub code: &'static str,
    pub error: String,
    pub conflicting_policies: Vec<ConflictingPolicy>,
    pub guidance: String,
}

const CONFLICT: &str = "This change matches multiple approval policies";
const GUIDANCE: &str = "Split your changes into separate API calls to address each policy independently";
const INTENT_FAILED: &str = "Failed to process approval request";

/// What the error log says of a gate answer.
pub(super) fn gated_message(g: &Gated) -> String {
    match g {
        Gated::Required(r) => r.message.clone(),
        Gated::Conflict(_) => CONFLICT.into(),
        Gated::Error(e) => e.to_string(),
        Gated::IntentFailed(why) => format!("{INTENT_FAILED}: {why}"),
    }
}

pub(super) fn approval_parts(e: &ApprovalError) -> Parts {
    let msg = e.to_string();
    match e {
        ApprovalError::Invalid { attr, code, detail } => {
            // drf-exceptions-hog renames DRF's generic `invalid` (spec §1.5).
            let code = if *code == "invalid" { "invalid_input" } else { code };
            (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), attr.clone())
        }
        ApprovalError::NotFound => (StatusCode::NOT_FOUND, "invalid_request", "not_found", msg, None),
        ApprovalError::Forbidden(_) => forbidden(msg),
        // The body is `{"error": ...}` (approval_body); these parts give the status.
        ApprovalError::Refused(_) => {
            (StatusCode::BAD_REQUEST, "validation_error", "invalid_input", msg, None)
        }
        ApprovalError::Failed(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "error", msg, None),
        ApprovalError::Storage(_) | ApprovalError::Directory(_) => server_error(),
    }
}

pub(super) fn gated_parts(g: &Gated) -> Parts {
    match g {
        Gated::Required(r) => (StatusCode::CONFLICT, "server_error", r.code, r.message.clone(), None),
        Gated::Conflict(_) => {
            (StatusCode::BAD_REQUEST, "validation_error", "policy_conflict", CONFLICT.into(), None)
        }
        Gated::Error(e) => approval_parts(e),
        Gated::IntentFailed(_) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "error", INTENT_FAILED.into(), None)
        }
    }
}

/// The bespoke body of an approval error, or None for PostHog's usual one.
pub(super) fn approval_body(e: &ApprovalError) -> Option<PlainBody> {
    match e {
        ApprovalError::Refused(m) => Some(message(m.clone())),
        ApprovalError::Failed(m) => Some(message((*m).to_string())),
        _ => None,
    }
}

pub(super) fn gated_body(g: &Gated) -> Option<PlainBody> {
    match g {
        Gated::Required(r) => Some(PlainBody::ApprovalRequired(required(r))),
        Gated::Conflict(c) => Some(PlainBody::PolicyConflict(conflict(c))),
        Gated::Error(e) => approval_body(e),
        Gated::IntentFailed(_) => Some(message(INTENT_FAILED.into())),
    }
}

fn message(error: String) -> PlainBody {
    PlainBody::Message(ErrorMessageBody { error })
}

fn required(r: &GateReply) -> ApprovalRequiredBody {
    let approvers = r.required_approvers.as_ref();
    ApprovalRequiredBody {
        code: r.code,
        status: "approval_required",
        detail: r.message.clone(),
        message: r.message.clone(),
        resource_type: r.resource_type.clone(),
        resource_id: r.resource_id.clone(),
        change_request_id: r.change_request_id,
        change_request: r.change_request.clone(),
        required_approvers: RequiredApprovers {
            quorum: approvers.map(|a| a.quorum),
            users: approvers.map(|a| a.users.clone()),
            roles: approvers.map(|a| a.roles.clone()),
        },
    }
}

fn conflict(c: &Conflict) -> PolicyConflictBody {
    PolicyConflictBody {
        code: "policy_conflict",
        error: CONFLICT.into(),
        conflicting_policies: c
            .policies
            .iter()
            .map(|(id, name)| ConflictingPolicy { id: *id, name: name.clone() })
            .collect(),
        guidance: GUIDANCE.into(),
    }
}

#[cfg(test)]
#[path = "approval_tests.rs"]
mod tests;
