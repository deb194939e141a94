use activity_log::Client;
use auth_scopes::{Access, Scope};

use crate::repo::Result;
use crate::{Membership, OrgId, Organization, OrgsError, PageReq, Project, ProjectId, Repos, User};

/// Who is acting, through which credential, and from where (recorded as `client`).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub access: Access,
    pub client: Client,
}

impl Actor {
    pub fn with_key(user: User, grant: auth_scopes::KeyGrant) -> Self {
        Self { user, access: Access::Key(grant), client: Client::ApiKey }
    }
    pub fn session(user: User) -> Self {
        Self { user, access: Access::Session, client: Client::Web }
    }
    /// The command line on the server: the user's full rights.
    pub fn cli(user: User) -> Self {
        Self { user, access: Access::Session, client: Client::Cli }
    }
    /// A background job acting for a user (entries get `is_system`).
    pub fn system(user: User) -> Self {
        Self { user, access: Access::Session, client: Client::System }
    }
}

/// An organization in a path: an id or `@current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgRef {
    Current,
    Id(OrgId),
}

/// A project in a path: an id or `@current`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectRef {
    Current,
    Id(ProjectId),
}

/// The user's current organization, else their oldest membership.
pub(crate) fn current_org(repo: &dyn Repos, user: &User) -> Result<Option<OrgId>> {
    if let Some(id) = user.current_organization_id
        && repo.membership(id, user.id)?.is_some()
    {
        return Ok(Some(id));
    }
    let first = repo.organizations_of(user.id, None, PageReq { limit: 1, offset: 0 })?;
    Ok(first.items.into_iter().next().map(|(o, _)| o.id))
}

/// The organization and the caller's membership, without the key's organization limit
/// (for lists that a project-limited key may still see a filtered part of).
pub(crate) fn org_membership(
    repo: &dyn Repos,
    actor: &Actor,
    org: OrgRef,
) -> Result<(Organization, Membership)> {
    let id = match org {
        OrgRef::Id(id) => id,
        OrgRef::Current => current_org(repo, &actor.user)?.ok_or(OrgsError::OrganizationNotFound)?,
    };
    let membership = repo.membership(id, actor.user.id)?.ok_or(OrgsError::NotFound)?;
    let organization = repo.organization(id)?.ok_or(OrgsError::NotFound)?;
    Ok((organization, membership))
}

/// Authorizes an organization route: scope, key limits, then membership (404 when not a
/// member, so other organizations cannot be discovered).
pub fn org_access(
    repo: &dyn Repos,
    actor: &Actor,
    org: OrgRef,
    scope: Scope,
) -> Result<(Organization, Membership)> {
    actor.access.require(scope)?;
    let id = match org {
        OrgRef::Id(id) => id,
        OrgRef::Current => current_org(repo, &actor.user)?.ok_or(OrgsError::OrganizationNotFound)?,
    };
    actor.access.require_organization(&id.to_string())?;
    let membership = repo.membership(id, actor.user.id)?.ok_or(OrgsError::NotFound)?;
    let organization = repo.organization(id)?.ok_or(OrgsError::NotFound)?;
    Ok((organization, membership))
}

/// Authorizes a project route. A project that does not exist is 404; one in an
/// organization the caller is not in is 403 "You don't have access to the project.".
pub fn project_access(
    repo: &dyn Repos,
    actor: &Actor,
    project: ProjectRef,
    scope: Scope,
) -> Result<(Project, Membership)> {
    actor.access.require(scope)?;
    let found = match project {
        ProjectRef::Id(id) => repo.project(id)?,
        ProjectRef::Current => current_project(repo, &actor.user)?,
    };
    let project = found.ok_or(OrgsError::ProjectNotFound)?;
    actor.access.require_project(project.id.0, &project.organization_id.to_string())?;
    let membership =
        repo.membership(project.organization_id, actor.user.id)?.ok_or(OrgsError::NoProjectAccess)?;
    Ok((project, membership))
}

pub(crate) fn current_project(repo: &dyn Repos, user: &User) -> Result<Option<Project>> {
    if let Some(id) = user.current_project_id
        && let Some(p) = repo.project(id)?
        && repo.membership(p.organization_id, user.id)?.is_some()
    {
        return Ok(Some(p));
    }
    let Some(org) = current_org(repo, user)? else { return Ok(None) };
    let first = repo.projects_in(org, PageReq { limit: 1, offset: 0 })?;
    Ok(first.items.into_iter().next())
}
