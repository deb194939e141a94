use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Numeric user id (PostHog exposes integers for users).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

/// Organization ids are UUIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrgId(pub Uuid);

/// A project and its team/environment share this one numeric id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProjectId(pub i64);

impl std::fmt::Display for OrgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Membership level; the integers are the wire values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Member = 1,
    Admin = 8,
    Owner = 15,
}

impl Level {
    pub fn from_i32(v: i32) -> Option<Self> {
        match v {
            1 => Some(Self::Member),
            8 => Some(Self::Admin),
            15 => Some(Self::Owner),
            _ => None,
        }
    }
    pub fn as_i32(self) -> i32 {
        self as i32
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub uuid: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub current_organization_id: Option<OrgId>,
    pub current_project_id: Option<ProjectId>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub uuid: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: String,
    pub created_at: OffsetDateTime,
}

/// The writable settings of an organization (PostHog's field names).
#[derive(Debug, Clone, PartialEq)]
pub struct OrgSettings {
    pub enforce_2fa: Option<bool>,
    pub members_can_invite: Option<bool>,
    pub members_can_use_personal_api_keys: bool,
    pub allow_publicly_shared_resources: bool,
    pub is_ai_data_processing_approved: Option<bool>,
    pub default_anonymize_ips: bool,
    pub default_experiment_stats_method: Option<String>,
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            enforce_2fa: None,
            members_can_invite: Some(true),
            members_can_use_personal_api_keys: true,
            allow_publicly_shared_resources: true,
            is_ai_data_processing_approved: None,
            default_anonymize_ips: false,
            default_experiment_stats_method: Some("bayesian".to_string()),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub slug: String,
    pub settings: OrgSettings,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub user_id: UserId,
    pub level: Level,
    pub joined_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: ProjectId,
    pub uuid: Uuid,
    pub organization_id: OrgId,
    pub name: String,
    pub api_token: String,
    pub timezone: String,
    pub retention_days: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub uuid: Uuid,
    pub organization_id: OrgId,
    pub name: String,
    pub api_token: String,
    pub timezone: String,
    pub retention_days: i32,
    pub created_at: OffsetDateTime,
}

/// A stored personal API key. The plain value is never stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonalApiKey {
    pub id: String,
    pub user_id: UserId,
    pub label: String,
    pub mask_value: String,
    pub secure_value: String,
    pub scopes: Vec<String>,
    pub scoped_teams: Option<Vec<i64>>,
    pub scoped_organizations: Option<Vec<String>>,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub last_rolled_at: Option<OffsetDateTime>,
}

/// A page request (limit/offset) and its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageReq {
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub count: i64,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), count: self.count }
    }
}
