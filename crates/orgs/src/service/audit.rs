//! Activity entries for platform mutations: snapshots of objects (secrets masked) and the
//! entry that records a change by an actor.

use activity_log::diff::{changes, created, deleted, mask_secrets};
use activity_log::{ActivityEntry, Detail};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::Actor;
use crate::{Membership, OrgId, Organization, PersonalApiKey, Project, ProjectId, User};

pub const SCOPE_ORGANIZATION: &str = "Organization";
pub const SCOPE_MEMBERSHIP: &str = "OrganizationMembership";
pub const SCOPE_PROJECT: &str = "Project";
pub const SCOPE_KEY: &str = "PersonalAPIKey";

/// Where an entry belongs: organization rows have no team.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub org: Option<OrgId>,
    pub team: Option<ProjectId>,
}

/// What changed, in the detail's terms.
pub enum What {
    Created(Value),
    Updated(Value, Value),
    Deleted(Value),
}

pub fn entry(
    actor: &Actor,
    place: Place,
    scope: &str,
    item_id: String,
    name: &str,
    what: What,
    now: OffsetDateTime,
) -> Option<ActivityEntry> {
    let (activity, changes) = match what {
        What::Created(after) => ("created", created(scope, &after)),
        What::Deleted(before) => ("deleted", deleted(scope, &before)),
        What::Updated(before, after) => ("updated", changes(scope, &before, &after)),
    };
    if activity == "updated" && changes.is_empty() {
        return None; // An update that changed nothing is not recorded.
    }
    let detail = Detail { name: Some(name.to_string()), changes, ..Detail::default() };
    Some(ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: place.org.map(|o| o.0),
        team_id: place.team.map(|t| t.0),
        user_id: Some(actor.user.id.0),
        scope: scope.to_string(),
        activity: activity.to_string(),
        item_id: Some(item_id),
        detail: Some(detail.into_value()),
        client: Some(actor.client.as_str().to_string()),
        is_system: actor.client == activity_log::Client::System,
        was_impersonated: false,
        created_at: now,
    })
}

fn masked(mut v: Value) -> Value {
    mask_secrets(&mut v);
    v
}

pub fn organization(o: &Organization) -> Value {
    let s = &o.settings;
    json!({
        "name": o.name,
        "slug": o.slug,
        "enforce_2fa": s.enforce_2fa,
        "members_can_invite": s.members_can_invite,
        "members_can_use_personal_api_keys": s.members_can_use_personal_api_keys,
        "allow_publicly_shared_resources": s.allow_publicly_shared_resources,
        "is_ai_data_processing_approved": s.is_ai_data_processing_approved,
        "default_anonymize_ips": s.default_anonymize_ips,
        "default_experiment_stats_method": s.default_experiment_stats_method,
    })
}

pub fn project(p: &Project) -> Value {
    masked(json!({
        "name": p.name,
        "timezone": p.timezone,
        "retention_days": p.retention_days,
        "api_token": p.api_token,
    }))
}

pub fn membership(m: &Membership, user: &User) -> Value {
    json!({"user_email": user.email, "user_uuid": user.uuid, "level": m.level.as_i32()})
}

pub fn key(k: &PersonalApiKey) -> Value {
    masked(json!({
        "label": k.label,
        "mask_value": k.mask_value,
        "scopes": k.scopes,
        "scoped_teams": k.scoped_teams,
        "scoped_organizations": k.scoped_organizations,
    }))
}

/// `Some(e)` → `[e]`, `None` → `[]`.
pub fn one(e: Option<ActivityEntry>) -> Vec<ActivityEntry> {
    e.into_iter().collect()
}
