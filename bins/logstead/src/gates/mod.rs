//! Logstead's side of its gated actions (`approvals::actions`): one `Applier` per resource
//! type replays an approved change as the requester (without the gate), reports the
//! resource's current preconditions for the staleness job, and computes the evidence
//! approvers see (`intent_display.evidence`).

mod alerts;
mod members;
mod projects;
mod sampling;

use std::sync::Arc;

use activity_log::Client;
use activity_log::audit::{Author, Caller};
use approvals::actions::{LogsteadAppliers, logstead};
use approvals::{ApplyError, ChangeRequest, Registry};
use serde_json::Value;

use crate::state::AppState;

/// Logstead's eight gated actions over the state's stores.
pub fn registry(st: &AppState) -> Registry {
    logstead(LogsteadAppliers {
        sampling_rule: Arc::new(sampling::RuleApplier {
            repo: st.sampling.repo.clone(),
            logs: st.logs.clone(),
        }),
        alert: Arc::new(alerts::AlertApplier { state: st.clone() }),
        project: Arc::new(projects::ProjectApplier { repos: st.repos.clone(), logs: st.logs.clone() }),
        member: Arc::new(members::MemberApplier { repos: st.repos.clone() }),
    })
}

/// The requester acting in the request's project: applied changes are audited as theirs,
/// marked as coming from the approvals job.
fn requester(cr: &ChangeRequest) -> Result<Caller, ApplyError> {
    let team = cr.team_id.ok_or_else(|| ApplyError::Other("The change request has no project.".into()))?;
    Ok(Caller {
        author: Author { user_id: cr.created_by, client: Client::System },
        org: Some(cr.organization_id),
        team,
    })
}

fn intent_str<'a>(cr: &'a ChangeRequest, key: &str) -> &'a str {
    cr.intent.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The stored request body, typed for the replay.
fn request_body<T: serde::de::DeserializeOwned>(cr: &ChangeRequest) -> Result<T, ApplyError> {
    let body = cr.intent.get("full_request_data").cloned().unwrap_or(Value::Object(Default::default()));
    serde_json::from_value(body).map_err(|e| ApplyError::Validation(e.to_string()))
}

/// `Precondition failed: <what> mismatch: expected X, got Y` unless the stored
/// preconditions still hold.
fn check_preconditions(cr: &ChangeRequest, now: &Value, what: &str) -> Result<(), ApplyError> {
    let expected = cr.intent.get("preconditions").cloned().unwrap_or(Value::Null);
    let Some(fields) = expected.as_object() else { return Ok(()) };
    for (k, want) in fields {
        let got = now.get(k).unwrap_or(&Value::Null);
        if got != want {
            return Err(ApplyError::Precondition(format!("{what} {k} mismatch: expected {want}, got {got}")));
        }
    }
    Ok(())
}

fn resource_uuid(cr: &ChangeRequest) -> Result<uuid::Uuid, ApplyError> {
    cr.resource_id
        .as_deref()
        .and_then(|s| uuid::Uuid::parse_str(s).ok())
        .ok_or_else(|| ApplyError::Other("The change request names no resource.".into()))
}
