//! One row struct per table and the conversions to and from `orgs::model`.
//!
//! Storage conventions (both backends): UUIDs are lower-case hyphenated TEXT, times are
//! BIGINT microseconds since the Unix epoch (UTC), lists are JSON text and `Level` is its
//! integer. A row that does not decode (bad uuid, level, time or JSON) becomes
//! `OrgsError::Storage`, never a panic.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use orgs::{
    Level, Membership, NewProject, NewUser, OrgId, OrgSettings, Organization, OrgsError, PersonalApiKey,
    Project, ProjectId, User, UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::schema::{organization_memberships, organizations, personal_api_keys, projects, users};

type Result<T> = std::result::Result<T, OrgsError>;

fn corrupt(what: &str, value: &str, e: impl std::fmt::Display) -> OrgsError {
    OrgsError::Storage(format!("corrupt {what} {value:?} in the database: {e}"))
}

/// Microseconds since the epoch; sub-microsecond precision is dropped (floored).
pub(crate) fn to_us(t: OffsetDateTime) -> i64 {
    // OffsetDateTime spans about ±10,000 years, far inside i64 microseconds.
    t.unix_timestamp_nanos().div_euclid(1000) as i64
}

pub(crate) fn from_us(us: i64, what: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(what, &us.to_string(), e))
}

fn opt_from_us(us: Option<i64>, what: &str) -> Result<Option<OffsetDateTime>> {
    us.map(|v| from_us(v, what)).transpose()
}

pub(crate) fn uuid_text(u: Uuid) -> String {
    // `Hyphenated`'s Display is lower-case.
    u.hyphenated().to_string()
}

fn parse_uuid(s: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt(what, s, e))
}

fn to_json<T: serde::Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|e| OrgsError::Storage(format!("cannot encode {what}: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, s, e))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Sqlite, Pg))]
pub(crate) struct UserRow {
    pub id: i64,
    pub uuid: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: String,
    pub is_active: bool,
    pub current_organization_id: Option<String>,
    pub current_project_id: Option<i64>,
    pub created_at: i64,
}

impl UserRow {
    pub fn into_user(self) -> Result<User> {
        Ok(self.into_user_and_hash()?.0)
    }

    pub fn into_user_and_hash(self) -> Result<(User, String)> {
        let user = User {
            id: UserId(self.id),
            uuid: parse_uuid(&self.uuid, "users.uuid")?,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            is_active: self.is_active,
            current_organization_id: self
                .current_organization_id
                .map(|s| parse_uuid(&s, "users.current_organization_id").map(OrgId))
                .transpose()?,
            current_project_id: self.current_project_id.map(ProjectId),
            created_at: from_us(self.created_at, "users.created_at")?,
        };
        Ok((user, self.password_hash))
    }
}

/// `users.id` is assigned by the database.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub(crate) struct NewUserRow {
    pub uuid: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub password_hash: String,
    pub is_active: bool,
    pub created_at: i64,
}

impl From<NewUser> for NewUserRow {
    fn from(n: NewUser) -> Self {
        Self {
            uuid: uuid_text(n.uuid),
            // Lower-cased here too, so the unique index is case-insensitive in effect.
            email: n.email.to_lowercase(),
            first_name: n.first_name,
            last_name: n.last_name,
            password_hash: n.password_hash,
            is_active: true,
            created_at: to_us(n.created_at),
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations, check_for_backend(Sqlite, Pg))]
pub(crate) struct OrgRow {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub enforce_2fa: Option<bool>,
    pub members_can_invite: Option<bool>,
    pub members_can_use_personal_api_keys: bool,
    pub allow_publicly_shared_resources: bool,
    pub is_ai_data_processing_approved: Option<bool>,
    pub default_anonymize_ips: bool,
    pub default_experiment_stats_method: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&Organization> for OrgRow {
    fn from(o: &Organization) -> Self {
        let s = &o.settings;
        Self {
            id: uuid_text(o.id.0),
            name: o.name.clone(),
            slug: o.slug.clone(),
            enforce_2fa: s.enforce_2fa,
            members_can_invite: s.members_can_invite,
            members_can_use_personal_api_keys: s.members_can_use_personal_api_keys,
            allow_publicly_shared_resources: s.allow_publicly_shared_resources,
            is_ai_data_processing_approved: s.is_ai_data_processing_approved,
            default_anonymize_ips: s.default_anonymize_ips,
            default_experiment_stats_method: s.default_experiment_stats_method.clone(),
            created_at: to_us(o.created_at),
            updated_at: to_us(o.updated_at),
        }
    }
}

impl OrgRow {
    pub fn into_domain(self) -> Result<Organization> {
        Ok(Organization {
            id: OrgId(parse_uuid(&self.id, "organizations.id")?),
            name: self.name,
            slug: self.slug,
            settings: OrgSettings {
                enforce_2fa: self.enforce_2fa,
                members_can_invite: self.members_can_invite,
                members_can_use_personal_api_keys: self.members_can_use_personal_api_keys,
                allow_publicly_shared_resources: self.allow_publicly_shared_resources,
                is_ai_data_processing_approved: self.is_ai_data_processing_approved,
                default_anonymize_ips: self.default_anonymize_ips,
                default_experiment_stats_method: self.default_experiment_stats_method,
            },
            created_at: from_us(self.created_at, "organizations.created_at")?,
            updated_at: from_us(self.updated_at, "organizations.updated_at")?,
        })
    }
}

pub(crate) fn level_from_i32(v: i32) -> Result<Level> {
    Level::from_i32(v).ok_or_else(|| corrupt("membership level", &v.to_string(), "unknown level"))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = organization_memberships, check_for_backend(Sqlite, Pg))]
pub(crate) struct MembershipRow {
    pub id: String,
    pub organization_id: String,
    pub user_id: i64,
    pub level: i32,
    pub joined_at: i64,
    pub updated_at: i64,
}

impl From<&Membership> for MembershipRow {
    fn from(m: &Membership) -> Self {
        Self {
            id: uuid_text(m.id),
            organization_id: uuid_text(m.organization_id.0),
            user_id: m.user_id.0,
            level: m.level.as_i32(),
            joined_at: to_us(m.joined_at),
            updated_at: to_us(m.updated_at),
        }
    }
}

impl MembershipRow {
    pub fn into_domain(self) -> Result<Membership> {
        Ok(Membership {
            id: parse_uuid(&self.id, "organization_memberships.id")?,
            organization_id: OrgId(parse_uuid(
                &self.organization_id,
                "organization_memberships.organization_id",
            )?),
            user_id: UserId(self.user_id),
            level: level_from_i32(self.level)?,
            joined_at: from_us(self.joined_at, "organization_memberships.joined_at")?,
            updated_at: from_us(self.updated_at, "organization_memberships.updated_at")?,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = projects, check_for_backend(Sqlite, Pg))]
pub(crate) struct ProjectRow {
    pub id: i64,
    pub uuid: String,
    pub organization_id: String,
    pub name: String,
    pub api_token: String,
    pub timezone: String,
    pub retention_days: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ProjectRow {
    pub fn into_domain(self) -> Result<Project> {
        Ok(Project {
            id: ProjectId(self.id),
            uuid: parse_uuid(&self.uuid, "projects.uuid")?,
            organization_id: OrgId(parse_uuid(&self.organization_id, "projects.organization_id")?),
            name: self.name,
            api_token: self.api_token,
            timezone: self.timezone,
            retention_days: self.retention_days,
            created_at: from_us(self.created_at, "projects.created_at")?,
            updated_at: from_us(self.updated_at, "projects.updated_at")?,
        })
    }
}

/// `projects.id` is assigned by the database.
#[derive(Debug, Insertable)]
#[diesel(table_name = projects)]
pub(crate) struct NewProjectRow {
    pub uuid: String,
    pub organization_id: String,
    pub name: String,
    pub api_token: String,
    pub timezone: String,
    pub retention_days: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<NewProject> for NewProjectRow {
    fn from(n: NewProject) -> Self {
        let at = to_us(n.created_at);
        Self {
            uuid: uuid_text(n.uuid),
            organization_id: uuid_text(n.organization_id.0),
            name: n.name,
            api_token: n.api_token,
            timezone: n.timezone,
            retention_days: n.retention_days,
            created_at: at,
            updated_at: at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = personal_api_keys, check_for_backend(Sqlite, Pg))]
pub(crate) struct KeyRow {
    pub id: String,
    pub user_id: i64,
    pub label: String,
    pub mask_value: String,
    pub secure_value: String,
    pub scopes: String,
    pub scoped_teams: Option<String>,
    pub scoped_organizations: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub last_rolled_at: Option<i64>,
}

impl KeyRow {
    pub fn from_domain(k: &PersonalApiKey) -> Result<Self> {
        Ok(Self {
            id: k.id.clone(),
            user_id: k.user_id.0,
            label: k.label.clone(),
            mask_value: k.mask_value.clone(),
            secure_value: k.secure_value.clone(),
            scopes: to_json(&k.scopes, "scopes")?,
            scoped_teams: k.scoped_teams.as_ref().map(|v| to_json(v, "scoped_teams")).transpose()?,
            scoped_organizations: k
                .scoped_organizations
                .as_ref()
                .map(|v| to_json(v, "scoped_organizations"))
                .transpose()?,
            created_at: to_us(k.created_at),
            last_used_at: k.last_used_at.map(to_us),
            last_rolled_at: k.last_rolled_at.map(to_us),
        })
    }

    pub fn into_domain(self) -> Result<PersonalApiKey> {
        Ok(PersonalApiKey {
            scopes: from_json(&self.scopes, "personal_api_keys.scopes")?,
            scoped_teams: self
                .scoped_teams
                .map(|s| from_json(&s, "personal_api_keys.scoped_teams"))
                .transpose()?,
            scoped_organizations: self
                .scoped_organizations
                .map(|s| from_json(&s, "personal_api_keys.scoped_organizations"))
                .transpose()?,
            created_at: from_us(self.created_at, "personal_api_keys.created_at")?,
            last_used_at: opt_from_us(self.last_used_at, "personal_api_keys.last_used_at")?,
            last_rolled_at: opt_from_us(self.last_rolled_at, "personal_api_keys.last_rolled_at")?,
            id: self.id,
            user_id: UserId(self.user_id),
            label: self.label,
            mask_value: self.mask_value,
            secure_value: self.secure_value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_round_trip_at_microsecond_precision() {
        for t in [
            datetime!(2026-11-22 03:04:05.123456 UTC),
            datetime!(1969-12-31 23:59:59.999999 UTC),
            datetime!(1970-01-01 00:00:00 UTC),
        ] {
            assert_eq!(from_us(to_us(t), "t").ok(), Some(t));
        }
        assert_eq!(to_us(datetime!(1970-01-01 00:00:01.000000999 UTC)), 1_000_000);
    }

    #[test]
    fn corrupt_rows_are_storage_errors() {
        let row = MembershipRow {
            id: uuid_text(Uuid::nil()),
            organization_id: "not-a-uuid".into(),
            user_id: 1,
            level: 15,
            joined_at: 0,
            updated_at: 0,
        };
        assert!(matches!(row.clone().into_domain(), Err(OrgsError::Storage(_))));
        let row = MembershipRow { organization_id: uuid_text(Uuid::nil()), level: 3, ..row };
        assert!(matches!(row.into_domain(), Err(OrgsError::Storage(_))));
        assert!(matches!(from_us(i64::MAX, "t"), Err(OrgsError::Storage(_))));
    }

    #[test]
    fn uuids_are_lower_case_hyphenated() {
        let u = Uuid::from_u128(0xABCDEF00_1234_5678_9ABC_DEF012345678);
        assert_eq!(uuid_text(u), "abcdef00-1234-5678-9abc-def012345678");
    }
}
