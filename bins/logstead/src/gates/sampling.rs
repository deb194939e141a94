//! Sampling rules: replay a create/update/delete; evidence is the simulated drop over the
//! last 24 hours (the sampling simulate), or for a delete what the rule dropped then.

use std::sync::Arc;

use approvals::{Applied, Applier, ApplyError, ChangeRequest};
use logs_query::LogStore;
use sampling::service::{SamplingService, SimulateInput};
use sampling::simulate::{self, DEFAULT_MAX_ROWS, Report};
use sampling::validate::{self, Ctx, Mode, RuleInput};
use sampling::{SamplingError, SamplingRuleRepo};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{check_preconditions, intent_str, request_body, requester, resource_uuid};

pub struct RuleApplier {
    pub repo: Arc<dyn SamplingRuleRepo>,
    pub logs: Arc<dyn LogStore>,
}

fn failed(e: SamplingError) -> ApplyError {
    match e {
        SamplingError::Invalid { .. } => ApplyError::Validation(e.to_string()),
        SamplingError::NotFound => ApplyError::Precondition("Sampling rule no longer exists".into()),
        SamplingError::Conflict => ApplyError::Precondition("Sampling rule version changed".into()),
        other => ApplyError::Other(other.to_string()),
    }
}

fn drop_estimate(r: &Report) -> Value {
    json!({
        "window": "last 24 hours",
        "records_in_window": r.rows_in_window,
        "estimated_records_dropped": r.weighted.records_dropped.round(),
        "estimated_bytes_dropped": r.weighted.bytes_dropped.round(),
        "estimated_reduction_pct": r.estimated_reduction_pct(),
        "estimated_bytes_reduction_pct": r.estimated_bytes_reduction_pct(),
        "sampled": r.sampled,
    })
}

impl RuleApplier {
    fn service(&self) -> SamplingService {
        SamplingService::new(self.repo.clone())
    }

    fn simulate(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Result<Value, SamplingError> {
        let team = cr.team_id.unwrap_or_default();
        let draft: RuleInput = request_body(cr).map_err(|e| SamplingError::invalid("body", e.message()))?;
        if intent_str(cr, "http_method") == "DELETE" {
            let id = resource_uuid(cr).map_err(|_| SamplingError::NotFound)?;
            let c = self.service().get(team, id, now)?.last_24h;
            return Ok(json!({
                "window": "last 24 hours",
                "records_dropped_by_rule": c.dropped_records,
                "bytes_dropped_by_rule": c.dropped_bytes,
                "records_kept_by_rule": c.kept_records,
            }));
        }
        let report = match resource_uuid(cr) {
            Ok(id) => {
                let input = SimulateInput { draft, date_from: None, date_to: None };
                self.service().simulate(team, id, &input, &*self.logs, DEFAULT_MAX_ROWS, now)?
            }
            Err(_) => {
                let ctx = Ctx {
                    team_id: team,
                    author: None,
                    new_id: uuid::Uuid::nil(),
                    next_priority: i64::MAX,
                    now,
                };
                let rule = validate::apply(None, &draft, Mode::Create, ctx)?;
                let to = logs_query::timefmt::to_us(now);
                let from = to - 24 * 3_600_000_000;
                let others = self.repo.enabled(team)?;
                simulate::run(&*self.logs, &others, &rule, from, to, DEFAULT_MAX_ROWS)?
            }
        };
        Ok(drop_estimate(&report))
    }
}

impl Applier for RuleApplier {
    fn apply(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Result<Applied, ApplyError> {
        let caller = requester(cr)?;
        let svc = self.service();
        let method = intent_str(cr, "http_method");
        if method == "POST" {
            let input: RuleInput = request_body(cr)?;
            let view = svc.create(&caller, &input, now).map_err(failed)?;
            return Ok(Applied {
                resource_id: json!(view.rule.id),
                resource_version: json!(view.rule.version),
            });
        }
        let id = resource_uuid(cr)?;
        let current = self.preconditions(cr).map_err(ApplyError::Other)?;
        let current =
            current.ok_or_else(|| ApplyError::Precondition("Sampling rule no longer exists".into()))?;
        check_preconditions(cr, &current, "Sampling rule")?;
        if method == "DELETE" {
            svc.delete(&caller, id, now).map_err(failed)?;
            return Ok(Applied { resource_id: json!(id), resource_version: Value::Null });
        }
        let input: RuleInput = request_body(cr)?;
        let mode = if method == "PUT" { Mode::Full } else { Mode::Partial };
        let view = svc.update(&caller, id, &input, mode, now).map_err(failed)?;
        Ok(Applied { resource_id: json!(id), resource_version: json!(view.rule.version) })
    }

    fn preconditions(&self, cr: &ChangeRequest) -> Result<Option<Value>, String> {
        let Ok(id) = resource_uuid(cr) else { return Ok(Some(json!({}))) };
        let rule = self.repo.get(cr.team_id.unwrap_or_default(), id).map_err(|e| e.to_string())?;
        Ok(rule.map(|r| json!({"version": r.version})))
    }

    fn evidence(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Option<Value> {
        match self.simulate(cr, now) {
            Ok(v) => Some(v),
            Err(e) => Some(json!({"error": format!("The drop estimate could not be computed: {e}")})),
        }
    }
}
