//! Response shapes (PostHog's field names) and their conversion from domain types.

use orgs::service::OrgView;
use orgs::{Membership, Organization, PersonalApiKey, Project, User};
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// ISO 8601 in UTC with a `Z`, e.g. `2024-05-01T10:00:00.123456Z`.
pub mod iso {
    use serde::Serializer;
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let text = t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserBasic {
    pub id: i64,
    pub uuid: Uuid,
    pub distinct_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub is_email_verified: Option<bool>,
    #[schema(value_type = Option<Object>)]
    pub hedgehog_config: Option<Value>,
    pub role_at_organization: Option<String>,
}

impl From<&User> for UserBasic {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.0,
            uuid: u.uuid,
            distinct_id: u.uuid.to_string(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            is_email_verified: None,
            hedgehog_config: None,
            role_at_organization: None,
        }
    }
}

/// PostHog's TeamBasic, as embedded in an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamBasic {
    pub id: i64,
    pub uuid: Uuid,
    pub organization: Uuid,
    pub project_id: i64,
    pub api_token: String,
    pub name: String,
    pub completed_snippet_onboarding: bool,
    #[schema(value_type = Option<Object>)]
    pub has_completed_onboarding_for: Option<Value>,
    pub ingested_event: bool,
    pub is_demo: bool,
    pub timezone: String,
    pub access_control: bool,
}

impl From<&Project> for TeamBasic {
    fn from(p: &Project) -> Self {
        Self {
            id: p.id.0,
            uuid: p.uuid,
            organization: p.organization_id.0,
            project_id: p.id.0,
            api_token: p.api_token.clone(),
            name: p.name.clone(),
            completed_snippet_onboarding: false,
            has_completed_onboarding_for: None,
            ingested_event: false,
            is_demo: false,
            timezone: p.timezone.clone(),
            access_control: false,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectBasic {
    pub id: i64,
    pub organization_id: Uuid,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationDto {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub logo_media_id: Option<Uuid>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub membership_level: Option<i32>,
    pub plugins_access_level: i32,
    pub teams: Vec<TeamBasic>,
    pub projects: Vec<ProjectBasic>,
    #[schema(value_type = Vec<Object>)]
    pub available_product_features: Vec<Value>,
    pub is_member_join_email_enabled: bool,
    #[schema(value_type = Object)]
    pub metadata: Value,
    pub customer_id: Option<String>,
    pub enforce_2fa: Option<bool>,
    pub members_can_invite: Option<bool>,
    pub members_can_use_personal_api_keys: bool,
    pub allow_publicly_shared_resources: bool,
    pub member_count: i64,
    pub is_ai_data_processing_approved: Option<bool>,
    pub default_experiment_stats_method: Option<String>,
    pub default_anonymize_ips: bool,
    pub default_role_id: Option<String>,
    pub is_hipaa: Option<bool>,
    pub is_active: Option<bool>,
    pub is_not_active_reason: Option<String>,
    pub is_pending_deletion: Option<bool>,
}

impl From<OrgView> for OrganizationDto {
    fn from(v: OrgView) -> Self {
        let Organization { id, name, slug, settings: s, created_at, updated_at } = v.organization;
        Self {
            id: id.0,
            name,
            slug,
            logo_media_id: None,
            created_at,
            updated_at,
            membership_level: Some(v.level.as_i32()),
            // Self-hosted: full plugin access, as PostHog gives self-hosted organizations.
            plugins_access_level: 9,
            teams: v.projects.iter().map(TeamBasic::from).collect(),
            projects: v
                .projects
                .iter()
                .map(|p| ProjectBasic {
                    id: p.id.0,
                    organization_id: p.organization_id.0,
                    name: p.name.clone(),
                })
                .collect(),
            available_product_features: Vec::new(),
            is_member_join_email_enabled: true,
            metadata: json!({"instance_tag": "none"}),
            customer_id: None,
            enforce_2fa: s.enforce_2fa,
            members_can_invite: s.members_can_invite,
            members_can_use_personal_api_keys: s.members_can_use_personal_api_keys,
            allow_publicly_shared_resources: s.allow_publicly_shared_resources,
            member_count: v.member_count,
            is_ai_data_processing_approved: s.is_ai_data_processing_approved,
            default_experiment_stats_method: s.default_experiment_stats_method,
            default_anonymize_ips: s.default_anonymize_ips,
            default_role_id: None,
            is_hipaa: Some(false),
            is_active: Some(true),
            is_not_active_reason: None,
            is_pending_deletion: Some(false),
        }
    }
}

/// A project (= its team/environment; they share the id).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDto {
    pub id: i64,
    pub uuid: Uuid,
    pub organization: Uuid,
    pub project_id: i64,
    pub api_token: String,
    pub name: String,
    pub timezone: String,
    /// Days logs are kept (Logstead's own field).
    pub retention_days: i32,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<Project> for ProjectDto {
    fn from(p: Project) -> Self {
        Self {
            id: p.id.0,
            uuid: p.uuid,
            organization: p.organization_id.0,
            project_id: p.id.0,
            api_token: p.api_token,
            name: p.name,
            timezone: p.timezone,
            retention_days: p.retention_days,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    pub id: Uuid,
    pub user: UserBasic,
    pub level: i32,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub is_2fa_enabled: bool,
    pub has_social_auth: bool,
}

impl From<(Membership, User)> for MemberDto {
    fn from((m, u): (Membership, User)) -> Self {
        Self {
            id: m.id,
            user: UserBasic::from(&u),
            level: m.level.as_i32(),
            joined_at: m.joined_at,
            updated_at: m.updated_at,
            is_2fa_enabled: false,
            has_social_auth: false,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalApiKeyDto {
    pub id: String,
    pub label: String,
    /// The plain key: present only in the response that created or rolled it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub mask_value: String,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_rolled_at: Option<OffsetDateTime>,
    pub user_id: i64,
    pub scopes: Vec<String>,
    pub scoped_teams: Option<Vec<i64>>,
    pub scoped_organizations: Option<Vec<String>>,
}

impl PersonalApiKeyDto {
    pub fn new(k: PersonalApiKey, value: Option<String>) -> Self {
        Self {
            id: k.id,
            label: k.label,
            value,
            mask_value: k.mask_value,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            last_rolled_at: k.last_rolled_at,
            user_id: k.user_id.0,
            scopes: k.scopes,
            scoped_teams: k.scoped_teams,
            scoped_organizations: k.scoped_organizations,
        }
    }
}
