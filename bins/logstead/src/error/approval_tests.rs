//! The exact bodies of approval errors and gate answers.

use actix_web::ResponseError;
use approvals::gate::{Conflict, GateReply};
use approvals::{ApprovalError, ApproverConfig, Gated};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::ApiError;

async fn answer(e: ApiError) -> (u16, Value) {
    let resp = e.error_response();
    let status = resp.status().as_u16();
    let bytes = actix_web::body::to_bytes(resp.into_body()).await.unwrap_or_default();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn reply(code: &'static str, approvers: Option<ApproverConfig>) -> GateReply {
    GateReply {
        code,
        message: "A change request has been created and is pending approval.".into(),
        resource_type: "logs_sampling_rule".into(),
        resource_id: Some("r1".into()),
        change_request: json!({"id": "x", "state": "pending"}),
        change_request_id: Uuid::nil(),
        required_approvers: approvers,
    }
}

#[actix_web::test]
async fn approval_errors() {
    let (s, b) = answer(ApprovalError::Refused("A reason is required for rejection.".into()).into()).await;
    assert_eq!((s, b), (400, json!({"error": "A reason is required for rejection."})));
    let (s, b) = answer(ApprovalError::Failed("An error occurred while processing approval.").into()).await;
    assert_eq!((s, b), (500, json!({"error": "An error occurred while processing approval."})));
    let (s, b) =
        answer(ApprovalError::Forbidden("You cannot cancel this change request".into()).into()).await;
    assert_eq!(
        (s, b),
        (
            403,
            json!({"type": "authentication_error", "code": "permission_denied",
                   "detail": "You cannot cancel this change request", "attr": null})
        )
    );
    let (s, b) = answer(ApprovalError::NotFound.into()).await;
    assert_eq!((s, &b["code"], &b["detail"]), (404, &json!("not_found"), &json!("Not found.")));
    let (s, b) = answer(ApprovalError::invalid("requester", "invalid", "Enter a number.").into()).await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"type": "validation_error", "code": "invalid_input", "detail": "Enter a number.",
                   "attr": "requester"})
        )
    );
    let (s, b) = answer(ApprovalError::Storage("connection refused".into()).into()).await;
    assert_eq!((s, &b["detail"]), (500, &json!("A server error occurred.")), "no storage detail leaks");
}

#[actix_web::test]
async fn gate_answers() {
    let approvers = ApproverConfig { quorum: 1, users: vec![7], roles: vec![] };
    let (s, b) = answer(Gated::Required(Box::new(reply("approval_required", Some(approvers)))).into()).await;
    let message = "A change request has been created and is pending approval.";
    assert_eq!(
        (s, b),
        (
            409,
            json!({"code": "approval_required", "status": "approval_required", "detail": message,
                   "message": message, "resource_type": "logs_sampling_rule", "resource_id": "r1",
                   "change_request_id": Uuid::nil(), "change_request": {"id": "x", "state": "pending"},
                   "required_approvers": {"quorum": 1, "users": [7], "roles": []}})
        )
    );
    let (s, b) = answer(Gated::Required(Box::new(reply("change_request_pending", None))).into()).await;
    assert_eq!(
        (s, &b["code"], &b["status"]),
        (409, &json!("change_request_pending"), &json!("approval_required"))
    );
    assert_eq!(b["required_approvers"], json!({}));

    let id = Uuid::new_v4();
    let conflict = Conflict { policies: vec![(id, "ApprovalPolicy(logs_alert.update, Team 2)".into())] };
    let (s, b) = answer(Gated::Conflict(conflict).into()).await;
    assert_eq!(
        (s, b),
        (
            400,
            json!({"code": "policy_conflict", "error": "This change matches multiple approval policies",
                   "conflicting_policies": [{"id": id, "name": "ApprovalPolicy(logs_alert.update, Team 2)"}],
                   "guidance": "Split your changes into separate API calls to address each policy independently"})
        )
    );
    let (s, b) = answer(Gated::IntentFailed("no flag".into()).into()).await;
    assert_eq!((s, b), (500, json!({"error": "Failed to process approval request"})));
    let invalid = ApprovalError::invalid("config", "invalid_input", "Bad rule.");
    let (s, b) = answer(Gated::Error(invalid).into()).await;
    assert_eq!((s, &b["type"], &b["attr"]), (400, &json!("validation_error"), &json!("config")));
}
