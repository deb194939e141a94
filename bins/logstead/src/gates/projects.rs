//! Projects: replay a retention decrease; evidence is how many stored records and bytes
//! the lower retention would delete (from the log store's per-minute rollups).

use std::sync::Arc;

use approvals::{Applied, Applier, ApplyError, ChangeRequest};
use logs_query::LogStore;
use orgs::service::{Actor, ProjectPatch, ProjectRef, update_project};
use orgs::{OrgsError, ProjectId, Repos, UserId};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::check_preconditions;

const US_PER_DAY: i64 = 86_400 * 1_000_000;
const MINUTE_US: i64 = 60_000_000;

pub struct ProjectApplier {
    pub repos: Arc<dyn Repos>,
    pub logs: Arc<dyn LogStore>,
}

fn project_id(cr: &ChangeRequest) -> Result<ProjectId, ApplyError> {
    cr.resource_id
        .as_deref()
        .and_then(|s| s.parse().ok())
        .map(ProjectId)
        .ok_or_else(|| ApplyError::Other("The change request names no project.".into()))
}

fn failed(e: OrgsError) -> ApplyError {
    match e {
        OrgsError::Invalid { .. } => ApplyError::Validation(e.to_string()),
        OrgsError::NotFound | OrgsError::ProjectNotFound => {
            ApplyError::Precondition("Project no longer exists".into())
        }
        other => ApplyError::Other(other.to_string()),
    }
}

/// The requester with their full rights: the replay re-checks their membership level.
pub(super) fn requester_actor(repos: &dyn Repos, cr: &ChangeRequest) -> Result<Actor, ApplyError> {
    let user = repos.user(UserId(cr.created_by)).map_err(|e| ApplyError::Other(e.to_string()))?;
    let user = user.ok_or_else(|| ApplyError::Other("The requester no longer exists.".into()))?;
    Ok(Actor::system(user))
}

impl Applier for ProjectApplier {
    fn apply(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Result<Applied, ApplyError> {
        let id = project_id(cr)?;
        let current = self.preconditions(cr).map_err(ApplyError::Other)?;
        let current = current.ok_or_else(|| ApplyError::Precondition("Project no longer exists".into()))?;
        check_preconditions(cr, &current, "Project")?;
        let body = cr.intent.get("full_request_data").cloned().unwrap_or(Value::Null);
        let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
        let patch = ProjectPatch {
            name: text("name"),
            timezone: text("timezone"),
            retention_days: body
                .get("retention_days")
                .and_then(Value::as_i64)
                .and_then(|d| i32::try_from(d).ok()),
        };
        let actor = requester_actor(&*self.repos, cr)?;
        let p = update_project(&*self.repos, None, &actor, ProjectRef::Id(id), patch, now).map_err(failed)?;
        Ok(Applied {
            resource_id: json!(p.id.0),
            resource_version: json!({"retention_days": p.retention_days}),
        })
    }

    fn preconditions(&self, cr: &ChangeRequest) -> Result<Option<Value>, String> {
        let Ok(id) = project_id(cr) else { return Ok(None) };
        let p = self.repos.project(id).map_err(|e| e.to_string())?;
        Ok(p.map(|p| json!({"retention_days": p.retention_days})))
    }

    /// Records stored between the current and the requested retention horizon.
    fn evidence(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Option<Value> {
        let id = project_id(cr).ok()?;
        let days = |v: Option<&Value>| v.and_then(|v| v.get("retention_days")).and_then(Value::as_i64);
        let before = days(cr.intent.get("current_state"))?;
        let after = days(cr.intent.get("gated_changes"))?;
        let now_us = logs_query::timefmt::to_us(now);
        let floor = |us: i64| us.div_euclid(MINUTE_US) * MINUTE_US;
        let from = floor(now_us.saturating_sub(before.saturating_mul(US_PER_DAY)));
        let to = floor(now_us.saturating_sub(after.saturating_mul(US_PER_DAY)));
        let (mut records, mut bytes) = (0u64, 0u64);
        let counted = self.logs.rollups(id.0, from.min(to), to, &mut |c| {
            records += c.count;
            bytes += c.bytes;
        });
        Some(match counted {
            Ok(()) => json!({
                "retention_days_before": before,
                "retention_days_after": after,
                "records_deleted": records,
                "bytes_deleted": bytes,
            }),
            Err(e) => json!({"error": format!("The stored records could not be counted: {e}")}),
        })
    }
}
