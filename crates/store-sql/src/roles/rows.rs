//! The `roles` and `role_memberships` rows and their conversions. Conventions as in
//! `crate::rows`; a value that does not decode becomes `OrgsError::Storage`.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use orgs::{OrgId, OrgsError, Role, RoleMembership, UserId};
use uuid::Uuid;

use crate::rows::{from_us, to_us, uuid_text};
use crate::schema::{role_memberships, roles};

type Result<T> = std::result::Result<T, OrgsError>;

fn parse_uuid(s: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| OrgsError::Storage(format!("corrupt {what} {s:?} in the database: {e}")))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = roles, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct RoleRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&Role> for RoleRow {
    fn from(r: &Role) -> Self {
        Self {
            id: uuid_text(r.id),
            organization_id: uuid_text(r.organization_id.0),
            name: r.name.clone(),
            created_by: r.created_by.map(|u| u.0),
            created_at: to_us(r.created_at),
            updated_at: to_us(r.updated_at),
        }
    }
}

impl RoleRow {
    pub fn into_domain(self) -> Result<Role> {
        Ok(Role {
            id: parse_uuid(&self.id, "roles.id")?,
            organization_id: OrgId(parse_uuid(&self.organization_id, "roles.organization_id")?),
            name: self.name,
            created_by: self.created_by.map(UserId),
            created_at: from_us(self.created_at, "roles.created_at")?,
            updated_at: from_us(self.updated_at, "roles.updated_at")?,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = role_memberships, check_for_backend(Sqlite, Pg))]
pub(super) struct RoleMembershipRow {
    pub id: String,
    pub role_id: String,
    pub user_id: i64,
    pub joined_at: i64,
    pub updated_at: i64,
}

impl From<&RoleMembership> for RoleMembershipRow {
    fn from(m: &RoleMembership) -> Self {
        Self {
            id: uuid_text(m.id),
            role_id: uuid_text(m.role_id),
            user_id: m.user_id.0,
            joined_at: to_us(m.joined_at),
            updated_at: to_us(m.updated_at),
        }
    }
}

impl RoleMembershipRow {
    pub fn into_domain(self) -> Result<RoleMembership> {
        Ok(RoleMembership {
            id: parse_uuid(&self.id, "role_memberships.id")?,
            role_id: parse_uuid(&self.role_id, "role_memberships.role_id")?,
            user_id: UserId(self.user_id),
            joined_at: from_us(self.joined_at, "role_memberships.joined_at")?,
            updated_at: from_us(self.updated_at, "role_memberships.updated_at")?,
        })
    }
}
