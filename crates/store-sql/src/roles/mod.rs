//! `RoleRepo for SqlStore`: organization roles and their members.

use activity_log::ActivityEntry;
use orgs::repo::Result;
use orgs::{OrgId, Page, PageReq, Role, RoleMembership, RoleRepo, User, UserId};
use uuid::Uuid;

use crate::store::SqlStore;

#[allow(unused_variables)]
impl RoleRepo for SqlStore {
    fn roles_in(&self, org: OrgId, page: PageReq) -> Result<Page<Role>> {
        todo!("helper: store-sql roles")
    }
    fn role(&self, org: OrgId, id: Uuid) -> Result<Option<Role>> {
        todo!("helper: store-sql roles")
    }
    fn roles_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Role>> {
        todo!("helper: store-sql roles")
    }
    fn roles_of(&self, org: OrgId, user: UserId) -> Result<Vec<Uuid>> {
        todo!("helper: store-sql roles")
    }
    fn create_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role> {
        todo!("helper: store-sql roles")
    }
    fn update_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role> {
        todo!("helper: store-sql roles")
    }
    fn delete_role(&self, org: OrgId, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        todo!("helper: store-sql roles")
    }
    fn role_members(&self, role: Uuid, page: PageReq) -> Result<Page<(RoleMembership, User)>> {
        todo!("helper: store-sql roles")
    }
    fn add_role_member(&self, membership: &RoleMembership, audit: &[ActivityEntry]) -> Result<()> {
        todo!("helper: store-sql roles")
    }
    fn remove_role_member(&self, role: Uuid, membership: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        todo!("helper: store-sql roles")
    }
}
