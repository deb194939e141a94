use auth_scopes::{Scope, ScopeObject, generate_project_token};
use time::OffsetDateTime;
use uuid::Uuid;

use super::access::{Actor, OrgRef, ProjectRef, org_access, project_access};
use super::audit::{self, Place, What, entry, one};
use crate::repo::Result;
use crate::rules::{MAX_ORG_NAME, require_admin, require_owner, validate_name};
use crate::slug::{slugify, with_random_suffix};
use crate::{Level, NewProject, OrgId, OrgSettings, Organization, OrgsError, Page, PageReq, Project, Repos};

const READ: Scope = Scope::read(ScopeObject::Organization);
const WRITE: Scope = Scope::write(ScopeObject::Organization);
const SLUG_ATTEMPTS: usize = 10;
pub const DEFAULT_PROJECT_NAME: &str = "Default project";
pub const DEFAULT_RETENTION_DAYS: i32 = 30;

/// Writable fields of an organization; `None` leaves a field as it is. Nullable fields are
/// `Some(None)` to clear them.
#[derive(Debug, Clone, Default)]
pub struct OrgInput {
    pub name: Option<String>,
    pub enforce_2fa: Option<Option<bool>>,
    pub members_can_invite: Option<Option<bool>>,
    pub members_can_use_personal_api_keys: Option<bool>,
    pub allow_publicly_shared_resources: Option<bool>,
    pub is_ai_data_processing_approved: Option<Option<bool>>,
    pub default_anonymize_ips: Option<bool>,
    pub default_experiment_stats_method: Option<Option<String>>,
}

impl OrgInput {
    fn apply(self, s: &mut OrgSettings) -> Result<()> {
        if let Some(Some(m)) = &self.default_experiment_stats_method
            && !["bayesian", "frequentist", ""].contains(&m.as_str())
        {
            return Err(OrgsError::invalid(
                "default_experiment_stats_method",
                "invalid_choice",
                format!("\"{m}\" is not a valid choice."),
            ));
        }
        set(&mut s.enforce_2fa, self.enforce_2fa);
        set(&mut s.members_can_invite, self.members_can_invite);
        set(&mut s.members_can_use_personal_api_keys, self.members_can_use_personal_api_keys);
        set(&mut s.allow_publicly_shared_resources, self.allow_publicly_shared_resources);
        set(&mut s.is_ai_data_processing_approved, self.is_ai_data_processing_approved);
        set(&mut s.default_anonymize_ips, self.default_anonymize_ips);
        set(&mut s.default_experiment_stats_method, self.default_experiment_stats_method);
        Ok(())
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

/// An organization as the caller sees it: with their level and the projects they see.
#[derive(Debug, Clone)]
pub struct OrgView {
    pub organization: Organization,
    pub level: Level,
    pub projects: Vec<Project>,
    pub member_count: i64,
}

fn view(repo: &dyn Repos, organization: Organization, level: Level) -> Result<OrgView> {
    let projects = repo.projects_in(organization.id, PageReq { limit: 1000, offset: 0 })?.items;
    let member_count = repo.member_count(organization.id)?;
    Ok(OrgView { organization, level, projects, member_count })
}

pub fn list_organizations(repo: &dyn Repos, actor: &Actor, page: PageReq) -> Result<Page<OrgView>> {
    actor.access.require(READ)?;
    actor.access.require_unscoped_route()?;
    let only: Option<Vec<OrgId>> = actor
        .access
        .organization_filter()
        .map(|ids| ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).map(OrgId).collect());
    let found = repo.organizations_of(actor.user.id, only.as_deref(), page)?;
    let count = found.count;
    let items = found.items.into_iter().map(|(o, level)| view(repo, o, level)).collect::<Result<Vec<_>>>()?;
    Ok(Page { items, count })
}

/// A project route's project and its organization, whose settings gate some features
/// (`is_ai_data_processing_approved` for explainLogWithAI).
pub fn project_with_organization(
    repo: &dyn Repos,
    actor: &Actor,
    project: ProjectRef,
    scope: Scope,
) -> Result<(Project, Organization)> {
    let (p, _) = project_access(repo, actor, project, scope)?;
    let o = repo.organization(p.organization_id)?.ok_or(OrgsError::OrganizationNotFound)?;
    Ok((p, o))
}

pub fn get_organization(repo: &dyn Repos, actor: &Actor, org: OrgRef) -> Result<OrgView> {
    let (o, m) = org_access(repo, actor, org, READ)?;
    view(repo, o, m.level)
}

/// Creates the organization with a default project; the creator becomes its owner.
pub fn create_organization(
    repo: &dyn Repos,
    actor: &Actor,
    input: OrgInput,
    now: OffsetDateTime,
) -> Result<OrgView> {
    actor.access.require(WRITE)?;
    actor.access.require_unscoped_route()?;
    let Some(name) = input.name.as_deref() else {
        return Err(OrgsError::invalid("name", "required", "This field is required."));
    };
    let name = validate_name("name", name, MAX_ORG_NAME)?;
    let mut settings = OrgSettings::default();
    input.apply(&mut settings)?;
    let base = slugify(&name);
    for attempt in 0..SLUG_ATTEMPTS {
        let slug = if attempt == 0 && !base.is_empty() { base.clone() } else { with_random_suffix(&base) };
        let org = Organization {
            id: OrgId(Uuid::new_v4()),
            name: name.clone(),
            slug,
            settings: settings.clone(),
            created_at: now,
            updated_at: now,
        };
        let project = NewProject {
            uuid: Uuid::now_v7(),
            organization_id: org.id,
            name: DEFAULT_PROJECT_NAME.to_string(),
            api_token: generate_project_token(),
            timezone: "UTC".to_string(),
            retention_days: DEFAULT_RETENTION_DAYS,
            created_at: now,
        };
        let record = |p: &Project| {
            let org_place = Place { org: Some(org.id), team: None };
            let project_place = Place { org: Some(org.id), team: Some(p.id) };
            let org_entry = What::Created(audit::organization(&org));
            let project_entry = What::Created(audit::project(p));
            let id = org.id.to_string();
            let mut entries =
                one(entry(actor, org_place, audit::SCOPE_ORGANIZATION, id, &org.name, org_entry, now));
            let pid = p.id.0.to_string();
            entries.extend(entry(
                actor,
                project_place,
                audit::SCOPE_PROJECT,
                pid,
                &p.name,
                project_entry,
                now,
            ));
            entries
        };
        match repo.create_organization(&org, actor.user.id, project, &record) {
            Ok(_) => return view(repo, org, Level::Owner),
            Err(OrgsError::SlugTaken) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(OrgsError::Storage("could not find a free organization slug".into()))
}

pub fn update_organization(
    repo: &dyn Repos,
    actor: &Actor,
    org: OrgRef,
    input: OrgInput,
    now: OffsetDateTime,
) -> Result<OrgView> {
    let (o, m) = org_access(repo, actor, org, WRITE)?;
    require_admin(m.level)?;
    let name = match &input.name {
        Some(n) => validate_name("name", n, MAX_ORG_NAME)?,
        None => o.name.clone(),
    };
    let mut settings = o.settings.clone();
    input.apply(&mut settings)?;
    let after = Organization { name: name.clone(), settings: settings.clone(), ..o.clone() };
    let place = Place { org: Some(o.id), team: None };
    let what = What::Updated(audit::organization(&o), audit::organization(&after));
    let log = one(entry(actor, place, audit::SCOPE_ORGANIZATION, o.id.to_string(), &name, what, now));
    let updated = repo.update_organization(o.id, &name, &settings, now, &log)?;
    view(repo, updated, m.level)
}

pub fn delete_organization(repo: &dyn Repos, actor: &Actor, org: OrgRef, now: OffsetDateTime) -> Result<()> {
    let (o, m) = org_access(repo, actor, org, WRITE)?;
    require_owner(m.level)?;
    let place = Place { org: Some(o.id), team: None };
    let what = What::Deleted(audit::organization(&o));
    let log = one(entry(actor, place, audit::SCOPE_ORGANIZATION, o.id.to_string(), &o.name, what, now));
    repo.delete_organization(o.id, &log)
}
