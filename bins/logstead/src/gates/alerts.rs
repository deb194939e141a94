//! Alerts: replay an update/disable/delete; evidence is how often the alert would have
//! fired over the last 7 days with the stored and with the requested settings (the alert
//! simulate, the same evaluator the scheduler runs).

use alerts_engine::edit::{AlertInput, Mode};
use alerts_engine::repo::{Alert, AlertRepoError};
use alerts_engine::service::{AlertService, ServiceError, SimulateInput, simulate};
use approvals::{Applied, Applier, ApplyError, ChangeRequest};
use orgs::User;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{check_preconditions, intent_str, request_body, requester, resource_uuid};
use crate::state::AppState;

pub struct AlertApplier {
    pub state: AppState,
}

fn failed(e: ServiceError) -> ApplyError {
    match e {
        ServiceError::Repo(AlertRepoError::NotFound) => {
            ApplyError::Precondition("Alert no longer exists".into())
        }
        ServiceError::Config(_) | ServiceError::Invalid { .. } | ServiceError::Filters(_) => {
            ApplyError::Validation(e.to_string())
        }
        other => ApplyError::Other(other.to_string()),
    }
}

/// Fires over the last 7 days of an alert configured as `snapshot` (an
/// `alerts_engine::edit::snapshot`).
fn fires(st: &AppState, team: i64, snapshot: &Value, now: OffsetDateTime) -> Result<usize, ServiceError> {
    let int = |k: &str| snapshot.get(k).and_then(Value::as_i64);
    let input = SimulateInput {
        filters: snapshot.get("filters").cloned(),
        threshold_count: int("threshold_count"),
        threshold_operator: snapshot.get("threshold_operator").and_then(Value::as_str).map(str::to_string),
        window_minutes: int("window_minutes"),
        check_interval_minutes: None,
        evaluation_periods: int("evaluation_periods"),
        datapoints_to_alarm: int("datapoints_to_alarm"),
        cooldown_minutes: int("cooldown_minutes"),
        date_from: Some("-7d".to_string()),
    };
    Ok(simulate(&*st.logs, team, input, now)?.fire_count)
}

impl AlertApplier {
    fn service(&self) -> AlertService<User> {
        AlertService { gate: None, ..self.state.alert_service() }
    }

    fn current(&self, cr: &ChangeRequest) -> Result<Option<Alert>, String> {
        let Ok(id) = resource_uuid(cr) else { return Ok(None) };
        self.state.alerts.alert(cr.team_id.unwrap_or_default(), id).map_err(|e| e.to_string())
    }
}

impl Applier for AlertApplier {
    fn apply(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Result<Applied, ApplyError> {
        let caller = requester(cr)?;
        let id = resource_uuid(cr)?;
        let current = self.preconditions(cr).map_err(ApplyError::Other)?;
        let current = current.ok_or_else(|| ApplyError::Precondition("Alert no longer exists".into()))?;
        check_preconditions(cr, &current, "Alert")?;
        let svc = self.service();
        if intent_str(cr, "http_method") == "DELETE" {
            svc.delete(&caller, id, now).map_err(failed)?;
            return Ok(Applied { resource_id: json!(id), resource_version: Value::Null });
        }
        let input: AlertInput = request_body(cr)?;
        let mode = if intent_str(cr, "http_method") == "PUT" { Mode::Full } else { Mode::Partial };
        let view = svc.update(&caller, id, &input, mode, now).map_err(failed)?;
        Ok(Applied { resource_id: json!(id), resource_version: json!(view.alert.version) })
    }

    fn preconditions(&self, cr: &ChangeRequest) -> Result<Option<Value>, String> {
        Ok(self.current(cr)?.map(|a| alerts_engine::service::preconditions(&a)))
    }

    fn evidence(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Option<Value> {
        let team = cr.team_id?;
        let alert = self.current(cr).ok()??;
        let before = alerts_engine::edit::snapshot(&alert);
        let before_fires = fires(&self.state, team, &before, now);
        let after_fires = match intent_str(cr, "http_method") {
            "DELETE" => Ok(0),
            _ => {
                let input: AlertInput = request_body(cr).ok()?;
                let mode = if intent_str(cr, "http_method") == "PUT" { Mode::Full } else { Mode::Partial };
                let next = alerts_engine::edit::update(&alert, &input, mode, now, uuid::Uuid::nil()).ok()?;
                if next.alert.config.enabled {
                    fires(&self.state, team, &alerts_engine::edit::snapshot(&next.alert), now)
                } else {
                    Ok(0)
                }
            }
        };
        Some(match (before_fires, after_fires) {
            (Ok(b), Ok(a)) => json!({"window": "last 7 days", "fires_before": b, "fires_after": a}),
            (Err(e), _) | (_, Err(e)) => json!({"error": format!("The alert simulation failed: {e}")}),
        })
    }
}
