//! Organization roles and their members (PostHog's `ee/api/rbac/role.py`): any member of
//! the organization reads, admins and owners change (scope object `organization`). Every
//! change is recorded under scope `Role`, item the role id; adding or removing a member is
//! an `updated` entry whose change is on the field `members`.

mod members;

pub use members::{add_role_member, get_role_member, list_role_members, remove_role_member};

use std::collections::HashMap;

use auth_scopes::{Scope, ScopeObject};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::{Actor, OrgRef, org_access};
use super::audit::{Place, What, entry, one};
use crate::repo::Result;
use crate::roles::{MAX_ROLE_NAME, name_taken};
use crate::rules::{require_admin, validate_name};
use crate::{
    Membership, OrgId, Organization, OrgsError, Page, PageReq, Repos, Role, RoleMembership, RoleRepo,
};
use crate::{User, UserId};

const READ: Scope = Scope::read(ScopeObject::Organization);
const WRITE: Scope = Scope::write(ScopeObject::Organization);
pub const SCOPE_ROLE: &str = "Role";
const ALL: PageReq = PageReq { limit: i64::MAX, offset: 0 };

/// A member of a role as shown: the role membership, its user and their organization
/// membership (PostHog's `organization_member`).
#[derive(Debug, Clone, PartialEq)]
pub struct RoleMemberView {
    pub membership: RoleMembership,
    pub user: User,
    pub org_member: Membership,
}

/// A role as shown: its creator (None once deleted) and its members, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleView {
    pub role: Role,
    pub created_by: Option<User>,
    pub members: Vec<RoleMemberView>,
}

/// The organization for a read, or for a write by an admin or owner.
fn access(repos: &dyn Repos, actor: &Actor, org: OrgRef, write: bool) -> Result<Organization> {
    let (o, m) = org_access(repos, actor, org, if write { WRITE } else { READ })?;
    if write {
        require_admin(m.level)?;
    }
    Ok(o)
}

fn found_role(roles: &dyn RoleRepo, org: OrgId, id: Uuid) -> Result<Role> {
    roles.role(org, id)?.ok_or(OrgsError::NotFound)
}

/// Role names are unique per organization, ignoring case (PostHog's `name__iexact`).
pub(crate) fn check_name_free(existing: &[Role], name: &str, except: Option<Uuid>) -> Result<()> {
    let lower = name.to_lowercase();
    let taken = existing.iter().any(|r| Some(r.id) != except && r.name.to_lowercase() == lower);
    if taken { Err(name_taken()) } else { Ok(()) }
}

pub(crate) fn snapshot(role: &Role) -> Value {
    json!({"name": role.name})
}

fn place(org: OrgId) -> Place {
    Place { org: Some(org), team: None }
}

/// Organization memberships by user, to show each role member's.
fn org_members(repos: &dyn Repos, org: OrgId) -> Result<HashMap<UserId, Membership>> {
    Ok(repos.members(org, ALL)?.items.into_iter().map(|(m, u)| (u.id, m)).collect())
}

/// Joins role memberships to organization memberships; the store only returns members
/// of the organization, so one missing here left in between and is skipped.
fn member_views(
    found: Vec<(RoleMembership, User)>,
    org_members: &HashMap<UserId, Membership>,
) -> Vec<RoleMemberView> {
    found
        .into_iter()
        .filter_map(|(membership, user)| {
            let org_member = org_members.get(&user.id)?.clone();
            Some(RoleMemberView { membership, user, org_member })
        })
        .collect()
}

fn role_views(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    org: OrgId,
    found: Vec<Role>,
) -> Result<Vec<RoleView>> {
    let ids: Vec<Uuid> = found.iter().map(|r| r.id).collect();
    let org_members = org_members(repos, org)?;
    let mut by_role: HashMap<Uuid, Vec<RoleMemberView>> = HashMap::new();
    for view in member_views(roles.members_of_roles(&ids)?, &org_members) {
        by_role.entry(view.membership.role_id).or_default().push(view);
    }
    let mut creators: HashMap<UserId, Option<User>> = HashMap::new();
    let mut out = Vec::with_capacity(found.len());
    for role in found {
        let created_by = match role.created_by {
            Some(id) if !creators.contains_key(&id) => {
                let user = repos.user(id)?;
                creators.entry(id).or_insert(user).clone()
            }
            Some(id) => creators.get(&id).cloned().flatten(),
            None => None,
        };
        let members = by_role.remove(&role.id).unwrap_or_default();
        out.push(RoleView { role, created_by, members });
    }
    Ok(out)
}

fn role_view(repos: &dyn Repos, roles: &dyn RoleRepo, role: Role) -> Result<RoleView> {
    let org = role.organization_id;
    role_views(repos, roles, org, vec![role])?.pop().ok_or(OrgsError::NotFound)
}

pub fn list_roles(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    page: PageReq,
) -> Result<Page<RoleView>> {
    let o = access(repos, actor, org, false)?;
    let found = roles.roles_in(o.id, page)?;
    let items = role_views(repos, roles, o.id, found.items)?;
    Ok(Page { items, count: found.count })
}

pub fn get_role(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    id: Uuid,
) -> Result<RoleView> {
    let o = access(repos, actor, org, false)?;
    role_view(repos, roles, found_role(roles, o.id, id)?)
}

pub fn create_role(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    name: &str,
    now: OffsetDateTime,
) -> Result<RoleView> {
    let o = access(repos, actor, org, true)?;
    let name = validate_name("name", name, MAX_ROLE_NAME)?;
    check_name_free(&roles.roles_in(o.id, ALL)?.items, &name, None)?;
    let role = Role {
        id: Uuid::now_v7(),
        organization_id: o.id,
        name,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let what = What::Created(snapshot(&role));
    let log = one(entry(actor, place(o.id), SCOPE_ROLE, role.id.to_string(), &role.name, what, now));
    let created = roles.create_role(&role, &log)?;
    role_view(repos, roles, created)
}

/// Renames the role; `None` (a PATCH without `name`) changes nothing.
pub fn update_role(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    id: Uuid,
    name: Option<&str>,
    now: OffsetDateTime,
) -> Result<RoleView> {
    let o = access(repos, actor, org, true)?;
    let before = found_role(roles, o.id, id)?;
    let Some(name) = name else { return role_view(repos, roles, before) };
    let name = validate_name("name", name, MAX_ROLE_NAME)?;
    check_name_free(&roles.roles_in(o.id, ALL)?.items, &name, Some(id))?;
    let after = Role { name, updated_at: now, ..before.clone() };
    let what = What::Updated(snapshot(&before), snapshot(&after));
    let log = one(entry(actor, place(o.id), SCOPE_ROLE, id.to_string(), &after.name, what, now));
    let updated = roles.update_role(&after, &log)?;
    role_view(repos, roles, updated)
}

pub fn delete_role(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<()> {
    let o = access(repos, actor, org, true)?;
    let role = found_role(roles, o.id, id)?;
    let what = What::Deleted(snapshot(&role));
    let log = one(entry(actor, place(o.id), SCOPE_ROLE, id.to_string(), &role.name, what, now));
    roles.delete_role(o.id, id, &log)
}

#[cfg(test)]
mod tests;
