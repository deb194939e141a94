use approvals::{Gate, Op, Proposal, Who};
use auth_scopes::{Scope, ScopeObject, generate_project_token};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::{Actor, OrgRef, ProjectRef, org_access, org_membership, project_access};
use super::audit::{self, Place, What, entry, one};
use super::organizations::DEFAULT_RETENTION_DAYS;
use crate::repo::Result;
use crate::rules::{
    MAX_PROJECT_NAME, require_admin, validate_name, validate_retention_days, validate_timezone,
};
use crate::{NewProject, OrgsError, Page, PageReq, Project, ProjectId, Repos};

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
    let teams = match &actor.access {
        auth_scopes::Access::Key(k) => k.scoped_teams.clone(),
        auth_scopes::Access::Session => None,
    };
    let Some(teams) = teams else {
        let (o, _) = org_access(repo, actor, org, READ)?;
        return repo.projects_in(o.id, page);
    };
    // A project-limited key lists only its own projects of the organization.
    let (o, _) = org_membership(repo, actor, org)?;
    if let Some(orgs) = actor.access.organization_filter()
        && !orgs.contains(&o.id.to_string())
    {
        return Err(auth_scopes::AuthError::OrganizationNotInKey(o.id.to_string()).into());
    }
    let all = repo.projects_in(o.id, PageReq { limit: i64::MAX, offset: 0 })?.items;
    let mine: Vec<Project> = all.into_iter().filter(|p| teams.contains(&p.id.0)).collect();
    let count = mine.len() as i64;
    let items = mine.into_iter().skip(page.offset as usize).take(page.limit as usize).collect();
    Ok(Page { items, count })
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
    let record = |p: &Project| {
        let place = Place { org: Some(p.organization_id), team: Some(p.id) };
        let what = What::Created(audit::project(p));
        one(entry(actor, place, audit::SCOPE_PROJECT, p.id.0.to_string(), &p.name, what, now))
    };
    repo.create_project(new, &record)
}

/// Writes the project and records what changed.
fn save(
    repo: &dyn Repos,
    actor: &Actor,
    before: &Project,
    after: &Project,
    now: OffsetDateTime,
) -> Result<Project> {
    let place = Place { org: Some(after.organization_id), team: Some(after.id) };
    let what = What::Updated(audit::project(before), audit::project(after));
    let log = one(entry(actor, place, audit::SCOPE_PROJECT, after.id.0.to_string(), &after.name, what, now));
    repo.update_project(after, &log)
}

/// The approvals resource type of projects (`approvals::actions`).
pub const PROJECT_RESOURCE: &str = "project";

/// PATCH of a project; `gate` (the approvals gate) is asked after validation.
pub fn update_project(
    repo: &dyn Repos,
    gate: Option<&dyn Gate>,
    actor: &Actor,
    project: ProjectRef,
    patch: ProjectPatch,
    now: OffsetDateTime,
) -> Result<Project> {
    let (before, m) = project_access(repo, actor, project, WRITE)?;
    require_admin(m.level)?;
    let mut p = before.clone();
    let mut request = serde_json::Map::new();
    if let Some(name) = patch.name {
        p.name = validate_name("name", &name, MAX_PROJECT_NAME)?;
        request.insert("name".into(), json!(p.name));
    }
    if let Some(tz) = patch.timezone {
        p.timezone = validate_timezone(&tz)?;
        request.insert("timezone".into(), json!(p.timezone));
    }
    if let Some(days) = patch.retention_days {
        p.retention_days = validate_retention_days(days)?;
        request.insert("retention_days".into(), json!(days));
    }
    p.updated_at = now;
    if let Some(gate) = gate {
        let snapshot =
            |p: &Project| json!({"name": p.name, "timezone": p.timezone, "retention_days": p.retention_days});
        let proposal = Proposal {
            resource_type: PROJECT_RESOURCE.to_string(),
            op: Op::Update,
            resource_id: Some(before.id.0.to_string()),
            resource_name: before.name.clone(),
            before: Some(snapshot(&before)),
            after: Some(snapshot(&p)),
            request: request.into(),
            http_method: "PATCH".to_string(),
            preconditions: json!({"retention_days": before.retention_days}),
        };
        let who = Who { org: before.organization_id.0, team: Some(before.id.0), author: actor.author() };
        gate.check(&who, &proposal, now).map_err(|g| OrgsError::Gated(Box::new(g)))?;
    }
    save(repo, actor, &before, &p, now)
}

/// A new ingestion token; the old one stops working at once.
pub fn reset_project_token(
    repo: &dyn Repos,
    actor: &Actor,
    project: ProjectRef,
    now: OffsetDateTime,
) -> Result<Project> {
    let (before, m) = project_access(repo, actor, project, WRITE)?;
    require_admin(m.level)?;
    let p = Project { api_token: generate_project_token(), updated_at: now, ..before.clone() };
    save(repo, actor, &before, &p, now)
}

/// Data a project owns outside the repositories (its logs): dropped with the project.
pub trait ProjectData: Send + Sync {
    fn drop_project_data(&self, project: ProjectId) -> std::result::Result<(), String>;
}

/// A deleted project, and why its data could not be dropped, if it could not.
#[derive(Debug)]
pub struct DeletedProject {
    pub id: ProjectId,
    /// The rows are unreachable (no token or key names the project), so a failure here is
    /// reported for the log, not returned as an error.
    pub data_error: Option<String>,
}

pub fn delete_project(
    repo: &dyn Repos,
    data: &dyn ProjectData,
    actor: &Actor,
    project: ProjectRef,
    now: OffsetDateTime,
) -> Result<DeletedProject> {
    let (p, m) = project_access(repo, actor, project, WRITE)?;
    require_admin(m.level)?;
    let place = Place { org: Some(p.organization_id), team: Some(p.id) };
    let what = What::Deleted(audit::project(&p));
    let log = one(entry(actor, place, audit::SCOPE_PROJECT, p.id.0.to_string(), &p.name, what, now));
    repo.delete_project(p.id, &log)?;
    Ok(DeletedProject { id: p.id, data_error: data.drop_project_data(p.id).err() })
}

/// The project a capture token (`phc_...`) names, if any: how ingestion authenticates.
pub fn project_for_token(repos: &dyn Repos, token: &str) -> Result<Option<Project>> {
    repos.project_by_token(token)
}
