//! Members of a role: listed and shown to any member of the organization, given and
//! taken by admins and owners.

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{RoleMemberView, SCOPE_ROLE, access, found_role, member_views, org_members, place};
use crate::repo::Result;
use crate::service::access::{Actor, OrgRef};
use crate::service::audit::{What, entry, one};
use crate::{OrgId, OrgsError, Page, PageReq, Repos, RoleMembership, RoleRepo, User};

pub(super) fn member_snapshot(user: &User) -> Value {
    json!({"members": {"user_uuid": user.uuid, "user_email": user.email}})
}

pub fn list_role_members(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    role: Uuid,
    page: PageReq,
) -> Result<Page<RoleMemberView>> {
    let o = access(repos, actor, org, false)?;
    let role = found_role(roles, o.id, role)?;
    let found = roles.role_members(role.id, page)?;
    let items = member_views(found.items, &org_members(repos, o.id)?);
    Ok(Page { items, count: found.count })
}

fn one_member(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    org: OrgId,
    role: Uuid,
    id: Uuid,
) -> Result<RoleMemberView> {
    let found = roles.role_membership(role, id)?.ok_or(OrgsError::NotFound)?;
    member_views(vec![found], &org_members(repos, org)?).pop().ok_or(OrgsError::NotFound)
}

pub fn get_role_member(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    role: Uuid,
    id: Uuid,
) -> Result<RoleMemberView> {
    let o = access(repos, actor, org, false)?;
    let role = found_role(roles, o.id, role)?;
    one_member(repos, roles, o.id, role.id, id)
}

/// Adds an active member of the organization (by user uuid) to the role. Anyone else is
/// PostHog's 400 "User does not exist.".
pub fn add_role_member(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    role: Uuid,
    user_uuid: Uuid,
    now: OffsetDateTime,
) -> Result<RoleMemberView> {
    let o = access(repos, actor, org, true)?;
    let role = found_role(roles, o.id, role)?;
    let no_user =
        || OrgsError::Invalid { attr: None, code: "invalid", detail: "User does not exist.".into() };
    let user = repos.user_by_uuid(user_uuid)?.filter(|u| u.is_active).ok_or_else(no_user)?;
    let org_member = repos.membership(o.id, user.id)?.ok_or_else(no_user)?;
    let membership = RoleMembership {
        id: Uuid::now_v7(),
        role_id: role.id,
        user_id: user.id,
        joined_at: now,
        updated_at: now,
    };
    let what = What::Updated(json!({}), member_snapshot(&user));
    let log = one(entry(actor, place(o.id), SCOPE_ROLE, role.id.to_string(), &role.name, what, now));
    roles.add_role_member(&membership, &log)?;
    Ok(RoleMemberView { membership, user, org_member })
}

pub fn remove_role_member(
    repos: &dyn Repos,
    roles: &dyn RoleRepo,
    actor: &Actor,
    org: OrgRef,
    role: Uuid,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<()> {
    let o = access(repos, actor, org, true)?;
    let role = found_role(roles, o.id, role)?;
    let (_, user) = roles.role_membership(role.id, id)?.ok_or(OrgsError::NotFound)?;
    let what = What::Updated(member_snapshot(&user), json!({}));
    let log = one(entry(actor, place(o.id), SCOPE_ROLE, role.id.to_string(), &role.name, what, now));
    roles.remove_role_member(role.id, id, &log)
}
