//! Alert writes as the approvals gate sees them (`approvals::actions`: disable, delete,
//! threshold/window updates). Checks bump `version` every few minutes, so the
//! precondition is `updated_at`, which only edits move.

use approvals::{Op, Proposal, Who};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{AlertService, Caller, ServiceError, ServiceResult};
use crate::edit::{self, AlertInput, Mode};
use crate::repo::Alert;

/// The approvals resource type of alerts.
pub const RESOURCE_TYPE: &str = "logs_alert";

/// `{"updated_at": <rfc3339>}`: what an apply and the staleness job compare.
pub fn preconditions(alert: &Alert) -> serde_json::Value {
    json!({"updated_at": alert.updated_at.format(&Rfc3339).unwrap_or_default()})
}

impl<U> AlertService<U> {
    /// §4.5 of platform.md, after the write's own validation; `after` None for deletes.
    pub(super) fn check_gate(
        &self,
        caller: &Caller,
        before: &Alert,
        after: Option<&Alert>,
        request: Option<(&AlertInput, Mode)>,
        now: OffsetDateTime,
    ) -> ServiceResult<()> {
        let (Some(gate), Some(org)) = (&self.gate, caller.org) else { return Ok(()) };
        let method = match (after, request) {
            (None, _) => "DELETE",
            (Some(_), Some((_, Mode::Full))) => "PUT",
            (Some(_), _) => "PATCH",
        };
        let p = Proposal {
            resource_type: RESOURCE_TYPE.to_string(),
            op: if after.is_some() { Op::Update } else { Op::Delete },
            resource_id: Some(before.id.to_string()),
            resource_name: before.config.name.clone(),
            before: Some(edit::snapshot(before)),
            after: after.map(edit::snapshot),
            request: request.map_or(json!({}), |(i, _)| serde_json::to_value(i).unwrap_or_default()),
            http_method: method.to_string(),
            preconditions: preconditions(before),
        };
        let who = Who { org, team: Some(caller.team), author: caller.author };
        gate.check(&who, &p, now).map_err(|g| ServiceError::Gated(Box::new(g)))
    }
}
