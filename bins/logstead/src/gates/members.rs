//! Organization members: replay a level change (promotion to admin or owner).

use std::sync::Arc;

use approvals::{Applied, Applier, ApplyError, ChangeRequest};
use orgs::service::{OrgRef, set_member_level};
use orgs::{Level, OrgId, OrgsError, Repos};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::projects::requester_actor;
use super::{check_preconditions, resource_uuid};

pub struct MemberApplier {
    pub repos: Arc<dyn Repos>,
}

fn failed(e: OrgsError) -> ApplyError {
    match e {
        OrgsError::Invalid { .. } | OrgsError::Forbidden(_) => ApplyError::Validation(e.to_string()),
        OrgsError::NotFound => ApplyError::Precondition("Member no longer exists".into()),
        other => ApplyError::Other(other.to_string()),
    }
}

impl Applier for MemberApplier {
    fn apply(&self, cr: &ChangeRequest, now: OffsetDateTime) -> Result<Applied, ApplyError> {
        let user = resource_uuid(cr)?;
        let current = self.preconditions(cr).map_err(ApplyError::Other)?;
        let current = current.ok_or_else(|| ApplyError::Precondition("Member no longer exists".into()))?;
        check_preconditions(cr, &current, "Member")?;
        let body = cr.intent.get("full_request_data").cloned().unwrap_or(Value::Null);
        let level = body
            .get("level")
            .and_then(Value::as_i64)
            .and_then(|l| i32::try_from(l).ok())
            .and_then(Level::from_i32)
            .ok_or_else(|| ApplyError::Validation("level is not a membership level".into()))?;
        let actor = requester_actor(&*self.repos, cr)?;
        let org = OrgRef::Id(OrgId(cr.organization_id));
        let (ms, _) = set_member_level(&*self.repos, None, &actor, org, user, level, now).map_err(failed)?;
        Ok(Applied { resource_id: json!(user), resource_version: json!({"level": ms.level.as_i32()}) })
    }

    fn preconditions(&self, cr: &ChangeRequest) -> Result<Option<Value>, String> {
        let Ok(user) = resource_uuid(cr) else { return Ok(None) };
        let Some(u) = self.repos.user_by_uuid(user).map_err(|e| e.to_string())? else { return Ok(None) };
        let ms = self.repos.membership(OrgId(cr.organization_id), u.id).map_err(|e| e.to_string())?;
        Ok(ms.map(|m| json!({"level": m.level.as_i32()})))
    }
}
