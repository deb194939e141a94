//! Activity entries for platform mutations: snapshots of objects (secrets masked), and the
//! entry of a change by an actor (built by `activity_log::audit`).

use activity_log::audit::Author;
pub use activity_log::audit::{What, entry, one};
use activity_log::diff::mask_secrets;
use serde_json::{Value, json};

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

impl From<Place> for activity_log::audit::Place {
    fn from(p: Place) -> Self {
        Self { org: p.org.map(|o| o.0), team: p.team.map(|t| t.0) }
    }
}

impl Actor {
    /// The actor as the activity log names an author.
    pub fn author(&self) -> Author {
        Author { user_id: self.user.id.0, client: self.client }
    }
}

/// Lets `entry` take the actor itself.
impl From<&Actor> for Author {
    fn from(a: &Actor) -> Self {
        a.author()
    }
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
