use auth_scopes::{Scope, ScopeObject, generate_project_token};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::{Actor, OrgRef, ProjectRef, org_access, project_access};
use super::organizations::DEFAULT_RETENTION_DAYS;
use crate::repo::Result;
use crate::rules::{
    MAX_PROJECT_NAME, require_admin, validate_name, validate_retention_days, validate_timezone,
};
use crate::{NewProject, Page, PageReq, Project, Repos};

const READ: Scope = Scope::read(ScopeObject::Project);
const WRITE: Scope = Scope::write(ScopeObject::Project);

#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub name: String,
    pub timezone: Option<String>,
    pub retention_days: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct ProjectPatch {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub retention_days: Option<i32>,
}

/// Projects of an organization (the caller's current one for `/api/projects/`).
pub fn list_projects(repo: &dyn Repos, actor: &Actor, org: OrgRef, page: PageReq) -> Result<Page<Project>> {
    actor.access.require(READ)?;
    let (o, _) = org_access(repo, actor, org, READ)?;
    let mut found = repo.projects_in(o.id, page)?;
    if let auth_scopes::Access::Key(k) = &actor.access
        && let Some(teams) = &k.scoped_teams
    {
        // A project-limited key lists only its projects; the count follows.
        found.items.retain(|p| teams.contains(&p.id.0));
        found.count = found.items.len() as i64;
    }
    Ok(found)
}

pub fn get_project(repo: &dyn Repos, actor: &Actor, project: ProjectRef) -> Result<Project> {
    project_access(repo, actor, project, READ).map(|(p, _)| p)
}

/// Admins and owners create projects in an organization.
pub fn create_project(
    repo: &dyn Repos,
    actor: &Actor,
    org: OrgRef,
    input: ProjectInput,
    now: OffsetDateTime,
) -> Result<Project> {
    actor.access.require(WRITE)?;
    let (o, m) = org_access(repo, actor, org, WRITE)?;
    require_admin(m.level)?;
    let new = NewProject {
        uuid: Uuid::now_v7(),
        organization_id: o.id,
        name: validate_name("name", &input.name, MAX_PROJECT_NAME)?,
        api_token: generate_project_token(),
        timezone: validate_timezone(input.timezone.as_deref().unwrap_or("UTC"))?,
        retention_days: validate_retention_days(input.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS))?,
        created_at: now,
    };
    repo.create_project(new)
}

pub fn update_project(
    repo: &dyn Repos,
    actor: &Actor,
    project: ProjectRef,
    patch: ProjectPatch,
    now: OffsetDateTime,
) -> Result<Project> {
    let (mut p, m) = project_access(repo, actor, project, WRITE)?;
    require_admin(m.level)?;
    if let Some(name) = patch.name {
        p.name = validate_name("name", &name, MAX_PROJECT_NAME)?;
    }
    if let Some(tz) = patch.timezone {
        p.timezone = validate_timezone(&tz)?;
    }
    if let Some(days) = patch.retention_days {
        p.retention_days = validate_retention_days(days)?;
    }
    p.updated_at = now;
    repo.update_project(&p)
}

/// A new ingestion token; the old one stops working at once.
pub fn reset_project_token(
    repo: &dyn Repos,
    actor: &Actor,
    project: ProjectRef,
    now: OffsetDateTime,
) -> Result<Project> {
    let (mut p, m) = project_access(repo, actor, project, WRITE)?;
    require_admin(m.level)?;
    p.api_token = generate_project_token();
    p.updated_at = now;
    repo.update_project(&p)
}

pub fn delete_project(repo: &dyn Repos, actor: &Actor, project: ProjectRef) -> Result<()> {
    let (p, m) = project_access(repo, actor, project, WRITE)?;
    require_admin(m.level)?;
    repo.delete_project(p.id)
}
