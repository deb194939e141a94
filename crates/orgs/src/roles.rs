//! Organization roles (PostHog's RBAC roles): a named group of members. Approval policies
//! name roles as approvers (`approver_config.roles`) and as bypassers (`bypass_roles`).

use activity_log::ActivityEntry;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::repo::Result;
use crate::{OrgId, Page, PageReq, User, UserId};

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

pub trait RoleRepo: Send + Sync {
    /// Oldest first.
    fn roles_in(&self, org: OrgId, page: PageReq) -> Result<Page<Role>>;
    fn role(&self, org: OrgId, id: Uuid) -> Result<Option<Role>>;
    /// The roles among `ids` that exist, in any organization.
    fn roles_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Role>>;
    /// Ids of the roles `user` holds in `org`.
    fn roles_of(&self, org: OrgId, user: UserId) -> Result<Vec<Uuid>>;
    fn create_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role>;
    fn update_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role>;
    fn delete_role(&self, org: OrgId, id: Uuid, audit: &[ActivityEntry]) -> Result<()>;
    /// Members of the role, oldest first, with their users.
    fn role_members(&self, role: Uuid, page: PageReq) -> Result<Page<(RoleMembership, User)>>;
    fn add_role_member(&self, membership: &RoleMembership, audit: &[ActivityEntry]) -> Result<()>;
    fn remove_role_member(&self, role: Uuid, membership: Uuid, audit: &[ActivityEntry]) -> Result<()>;
}
