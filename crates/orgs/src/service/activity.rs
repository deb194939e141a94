//! Advanced activity logs and their exports (who may read which base set, then the store),
//! and the logs export job, which shares the exports queue.

use activity_log::query::{ActivityQuery, Paging, query_from_json};
use activity_log::{ActivityRepo, ActivityRow, Base, StaticValues};
use auth_scopes::{Scope, ScopeObject};
use exports::{ExportJob, ExportRepo, Format, KIND_ACTIVITY_LOG, KIND_LOGS, NewExport};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use super::access::{Actor, OrgRef, ProjectRef, org_access, project_access};
use crate::repo::Result;
use crate::{Level, OrgsError, Project, Repos, UserId};

const READ: Scope = Scope::read(ScopeObject::ActivityLog);
/// Finished export files are kept this long.
pub const EXPORT_TTL: Duration = Duration::days(7);

/// Which activity log: a project's, or a whole organization's.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Project(ProjectRef),
    Organization(OrgRef),
}

/// Authorizes and returns the base set. Organization-wide logs are for admins and owners.
pub fn base(repos: &dyn Repos, actor: &Actor, target: Target, include_org_level: bool) -> Result<Base> {
    match target {
        Target::Project(p) => {
            let (project, _) = project_access(repos, actor, p, READ)?;
            Ok(Base::Team {
                team_id: project.id.0,
                organization_id: project.organization_id.0,
                include_org_level,
            })
        }
        Target::Organization(o) => {
            let (org, m) = org_access(repos, actor, o, READ)?;
            if m.level < Level::Admin {
                return Err(OrgsError::Forbidden(
                    "Only organization admins and owners can view organization-wide activity logs.".into(),
                ));
            }
            Ok(Base::Organization(org.id.0))
        }
    }
}

/// One page of entries: page-number mode (with a count) or cursor mode (without).
pub struct ListResult {
    pub rows: Vec<ActivityRow>,
    pub count: Option<i64>,
    /// Cursor mode: whether more rows follow the last one.
    pub has_more: bool,
}

pub fn list(
    repos: &dyn Repos,
    activity: &dyn ActivityRepo,
    actor: &Actor,
    target: Target,
    query: &ActivityQuery,
) -> Result<ListResult> {
    let base = base(repos, actor, target, query.include_org_level)?;
    match query.paging {
        Paging::Page { page, page_size } => {
            let (rows, count) = activity.page(&base, &query.filter, query.order, page, page_size)?;
            Ok(ListResult { rows, count: Some(count), has_more: false })
        }
        Paging::Cursor { after, page_size } => {
            let mut rows = activity.after(&base, &query.filter, query.order, after, page_size + 1)?;
            let has_more = rows.len() > page_size as usize;
            rows.truncate(page_size as usize);
            Ok(ListResult { rows, count: None, has_more })
        }
    }
}

/// Distinct users/scopes/activities/clients of the base set, and the detail fields seen
/// across the organization (sampled from its newest `DETAIL_SAMPLE` entries).
pub fn available_filters(
    repos: &dyn Repos,
    activity: &dyn ActivityRepo,
    actor: &Actor,
    target: Target,
) -> Result<(StaticValues, Vec<(String, Value)>)> {
    const DETAIL_SAMPLE: u32 = 5_000;
    let base = base(repos, actor, target, false)?;
    let org = match &base {
        Base::Team { organization_id, .. } => *organization_id,
        Base::Organization(o) => *o,
    };
    Ok((activity.static_values(&base)?, activity.org_details(org, DETAIL_SAMPLE)?))
}

/// Queues an export of the filtered entries; the worker writes the file.
pub fn request_export(
    repos: &dyn Repos,
    exports: &dyn ExportRepo,
    actor: &Actor,
    target: Target,
    format: &str,
    filters: &Value,
    now: OffsetDateTime,
) -> Result<ExportJob> {
    let Some(format) = Format::parse(format) else {
        return Err(OrgsError::invalid(
            "format",
            "invalid_choice",
            format!("Unsupported export format: {format}"),
        ));
    };
    let is_org = matches!(target, Target::Organization(_));
    let query = query_from_json(filters, is_org)?;
    let base = base(repos, actor, target, query.include_org_level)?;
    let (organization_id, team_id) = match &base {
        Base::Team { organization_id, team_id, .. } => (*organization_id, Some(*team_id)),
        Base::Organization(o) => (*o, None),
    };
    let stem = activity_log::encode::export_filename(filters, now.date());
    let new = NewExport {
        organization_id,
        team_id,
        created_by: Some(actor.user.id.0),
        kind: KIND_ACTIVITY_LOG.to_string(),
        format,
        params: json!({"filters": filters, "organization_level": is_org}),
        filename: format!("{stem}.{}", format.extension()),
        created_at: now,
        expires_at: now + EXPORT_TTL,
    };
    Ok(exports.create_export(&new)?)
}

/// Queues a CSV export of a project's logs for `user`. `params` (the prepared query and
/// columns) are what the worker replays; the caller has checked the project is readable.
pub fn create_logs_export(
    exports: &dyn ExportRepo,
    project: &Project,
    user: UserId,
    params: Value,
    filename_stem: &str,
    now: OffsetDateTime,
) -> Result<ExportJob> {
    let new = NewExport {
        organization_id: project.organization_id.0,
        team_id: Some(project.id.0),
        created_by: Some(user.0),
        kind: KIND_LOGS.to_string(),
        format: Format::Csv,
        params,
        filename: format!("{filename_stem}.{}", Format::Csv.extension()),
        created_at: now,
        expires_at: now + EXPORT_TTL,
    };
    Ok(exports.create_export(&new)?)
}

/// An export job of a project the caller can read.
pub fn get_export(
    repos: &dyn Repos,
    exports: &dyn ExportRepo,
    actor: &Actor,
    project: ProjectRef,
    id: i64,
) -> Result<ExportJob> {
    let (p, m) = project_access(repos, actor, project, Scope::read(ScopeObject::Export))?;
    let job = exports.export(p.organization_id.0, None, id)?.ok_or(OrgsError::NotFound)?;
    // Organization-level jobs (no team) are reachable through any of the organization's
    // projects, by admins and owners.
    match job.team_id {
        Some(team) if team == p.id.0 => Ok(job),
        None if m.level >= Level::Admin => Ok(job),
        _ => Err(OrgsError::NotFound),
    }
}

/// The base set and query an export job was created with (the worker replays them).
pub fn export_plan(job: &ExportJob) -> Result<(Base, ActivityQuery)> {
    let org_level = job.params["organization_level"].as_bool().unwrap_or(false);
    let query = query_from_json(&job.params["filters"], org_level)?;
    let base = match job.team_id {
        Some(team_id) if !org_level => Base::Team {
            team_id,
            organization_id: job.organization_id,
            include_org_level: query.include_org_level,
        },
        _ => Base::Organization(job.organization_id),
    };
    Ok((base, query))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use exports::State;
    use time::macros::datetime;

    use super::*;
    use crate::{OrgId, ProjectId};

    /// Records the job it is asked to create; nothing else is called.
    #[derive(Default)]
    struct Recorder(Mutex<Option<NewExport>>);

    impl ExportRepo for Recorder {
        fn create_export(&self, new: &NewExport) -> exports::Result<ExportJob> {
            *self.0.lock().unwrap() = Some(new.clone());
            Ok(ExportJob {
                id: 7,
                organization_id: new.organization_id,
                team_id: new.team_id,
                created_by: new.created_by,
                kind: new.kind.clone(),
                format: new.format,
                params: new.params.clone(),
                filename: new.filename.clone(),
                state: State::Pending,
                path: None,
                rows: None,
                bytes: None,
                error: None,
                created_at: new.created_at,
                started_at: None,
                finished_at: None,
                expires_at: new.expires_at,
            })
        }
        fn export(&self, _: uuid::Uuid, _: Option<i64>, _: i64) -> exports::Result<Option<ExportJob>> {
            unreachable!()
        }
        fn claim_export(&self, _: OffsetDateTime, _: OffsetDateTime) -> exports::Result<Option<ExportJob>> {
            unreachable!()
        }
        fn complete_export(&self, _: i64, _: &str, _: i64, _: i64, _: OffsetDateTime) -> exports::Result<()> {
            unreachable!()
        }
        fn fail_export(&self, _: i64, _: &str, _: OffsetDateTime) -> exports::Result<()> {
            unreachable!()
        }
        fn expired_exports(&self, _: OffsetDateTime) -> exports::Result<Vec<ExportJob>> {
            unreachable!()
        }
        fn delete_export(&self, _: i64) -> exports::Result<()> {
            unreachable!()
        }
    }

    #[test]
    fn logs_export_is_a_csv_job_of_the_project_kept_for_the_ttl() {
        let now = datetime!(2026-04-26 10:00 UTC);
        let project = Project {
            id: ProjectId(3),
            uuid: uuid::Uuid::nil(),
            organization_id: OrgId(uuid::Uuid::from_u128(9)),
            name: "p".into(),
            api_token: "phc_x".into(),
            timezone: "UTC".into(),
            retention_days: 14,
            created_at: now,
            updated_at: now,
        };
        let repo = Recorder::default();
        let params = json!({"query": {"limit": 10000}, "columns": ["body"]});
        let job =
            create_logs_export(&repo, &project, UserId(5), params.clone(), "logs-api-2026", now).unwrap();
        assert_eq!(job.id, 7);
        let new = repo.0.lock().unwrap().take().unwrap();
        assert_eq!(
            (new.organization_id, new.team_id, new.created_by),
            (uuid::Uuid::from_u128(9), Some(3), Some(5))
        );
        assert_eq!((new.kind.as_str(), new.format), (KIND_LOGS, Format::Csv));
        assert_eq!(new.params, params);
        assert_eq!(new.filename, "logs-api-2026.csv");
        assert_eq!((new.created_at, new.expires_at), (now, datetime!(2026-05-03 10:00 UTC)));
    }
}
