//! Organization roles (PostHog's RBAC roles): a named group of members. Approval policies
//! name roles as approvers (`approver_config.roles`) and as bypassers (`bypass_roles`).

use activity_log::ActivityEntry;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::repo::Result;
use crate::{OrgId, OrgsError, Page, PageReq, User, UserId};

/// PostHog's `Role.name` max_length.
pub const MAX_ROLE_NAME: usize = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub id: Uuid,
    pub organization_id: OrgId,
    pub name: String,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RoleMembership {
    pub id: Uuid,
    pub role_id: Uuid,
    pub user_id: UserId,
    pub joined_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Role memberships count only while the user is still a member of the role's
/// organization (PostHog's `valid_for_authorization`): every read below filters on that,
/// so a user who left loses their roles even though the row stays.
pub trait RoleRepo: Send + Sync {
    /// Oldest first.
    fn roles_in(&self, org: OrgId, page: PageReq) -> Result<Page<Role>>;
    fn role(&self, org: OrgId, id: Uuid) -> Result<Option<Role>>;
    /// The roles among `ids` that exist, in any organization.
    fn roles_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Role>>;
    /// Ids of the roles `user` holds in `org`.
    fn roles_of(&self, org: OrgId, user: UserId) -> Result<Vec<Uuid>>;
    /// `name_taken()` when the organization has a role of exactly this name.
    fn create_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role>;
    /// Writes `name` and `updated_at` of the role (`role.id` in `role.organization_id`).
    fn update_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role>;
    /// Removes the role and its memberships; `NotFound` when it is not in `org`.
    fn delete_role(&self, org: OrgId, id: Uuid, audit: &[ActivityEntry]) -> Result<()>;
    /// Members of the role, oldest first, with their users.
    fn role_members(&self, role: Uuid, page: PageReq) -> Result<Page<(RoleMembership, User)>>;
    /// Members of each of `roles`, oldest first (for embedding them in the roles).
    fn members_of_roles(&self, roles: &[Uuid]) -> Result<Vec<(RoleMembership, User)>>;
    fn role_membership(&self, role: Uuid, id: Uuid) -> Result<Option<(RoleMembership, User)>>;
    /// `already_in_role()` when the user holds the role.
    fn add_role_member(&self, membership: &RoleMembership, audit: &[ActivityEntry]) -> Result<()>;
    fn remove_role_member(&self, role: Uuid, membership: Uuid, audit: &[ActivityEntry]) -> Result<()>;
}

/// A second role of the same name in an organization (PostHog's message).
pub fn name_taken() -> OrgsError {
    OrgsError::invalid("name", "unique", "There is already a role with this name.")
}

/// The user already holds the role (PostHog's message; a non-field error).
pub fn already_in_role() -> OrgsError {
    OrgsError::Invalid { attr: None, code: "invalid", detail: "User is already part of the role.".into() }
}
