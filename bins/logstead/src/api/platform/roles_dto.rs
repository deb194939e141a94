//! Request and response shapes of organization roles (PostHog's `RoleSerializer` and
//! `RoleMembershipSerializer`).

use orgs::service::{RoleMemberView, RoleView};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::dto::{MemberDto, UserBasic, iso};
use crate::extract::{RequestBody, double_option};

/// Create (POST) and replace (PUT) body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// Unique in the organization, ignoring case; at most 200 characters.
    pub name: String,
}

const ROLE_READ_ONLY: &[&str] = &["id", "created_at", "created_by", "members", "is_default"];

impl RequestBody for RoleBody {
    const READ_ONLY: &'static [&'static str] = ROLE_READ_ONLY;
}

/// PATCH body: a role without `name` is left as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatchBody {
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
}

impl RequestBody for RolePatchBody {
    const READ_ONLY: &'static [&'static str] = ROLE_READ_ONLY;
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleMembershipBody {
    /// The `uuid` of an active member of the organization.
    pub user_uuid: String,
}

impl RequestBody for RoleMembershipBody {
    const READ_ONLY: &'static [&'static str] =
        &["id", "role_id", "organization_member", "user", "joined_at", "updated_at"];
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleMembershipDto {
    pub id: Uuid,
    pub role_id: Uuid,
    /// The user's membership of the organization.
    pub organization_member: MemberDto,
    pub user: UserBasic,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl From<RoleMemberView> for RoleMembershipDto {
    fn from(v: RoleMemberView) -> Self {
        let user = UserBasic::from(&v.user);
        Self {
            id: v.membership.id,
            role_id: v.membership.role_id,
            organization_member: MemberDto::from((v.org_member, v.user)),
            user,
            joined_at: v.membership.joined_at,
            updated_at: v.membership.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDto {
    pub id: Uuid,
    pub name: String,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserBasic>,
    /// The role's memberships, oldest first.
    pub members: Vec<RoleMembershipDto>,
    /// Always false: Logstead organizations have no default role.
    pub is_default: bool,
}

impl From<RoleView> for RoleDto {
    fn from(v: RoleView) -> Self {
        Self {
            id: v.role.id,
            name: v.role.name,
            created_at: v.role.created_at,
            created_by: v.created_by.as_ref().map(UserBasic::from),
            members: v.members.into_iter().map(RoleMembershipDto::from).collect(),
            is_default: false,
        }
    }
}
