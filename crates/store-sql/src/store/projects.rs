use diesel::prelude::*;
use orgs::{NewProject, OrgId, OrgsError, Page, PageReq, Project, ProjectId, ProjectRepo};

use activity_log::ActivityEntry;
use orgs::repo::AuditFor;

use super::{Fail, Result, SqlStore, bounds, found, record};
use crate::db::AnyConnection;
use crate::rows::{NewProjectRow, ProjectRow, to_us, uuid_text};
use crate::schema::{projects, users};

/// Inserts the project and reads it back by its unique uuid (`projects.id` is assigned by
/// the database; RETURNING is not portable through `AnyConnection`).
pub(super) fn insert_project(c: &mut AnyConnection, new: NewProject) -> std::result::Result<Project, Fail> {
    let row = NewProjectRow::from(new);
    diesel::insert_into(projects::table).values(&row).execute(c)?;
    let stored =
        projects::table.filter(projects::uuid.eq(&row.uuid)).select(ProjectRow::as_select()).first(c)?;
    Ok(stored.into_domain()?)
}

fn load(c: &mut AnyConnection, id: i64) -> std::result::Result<Option<Project>, Fail> {
    let row = projects::table.find(id).select(ProjectRow::as_select()).first(c).optional()?;
    Ok(row.map(ProjectRow::into_domain).transpose()?)
}

impl ProjectRepo for SqlStore {
    fn create_project(&self, new: NewProject, audit: AuditFor<'_, Project>) -> Result<Project> {
        self.tx(|c| {
            let project = insert_project(c, new)?;
            record(c, &audit(&project))?;
            Ok(project)
        })
    }

    fn project(&self, id: ProjectId) -> Result<Option<Project>> {
        self.run(|c| load(c, id.0))
    }

    fn project_by_token(&self, token: &str) -> Result<Option<Project>> {
        self.run(|c| {
            let row = projects::table
                .filter(projects::api_token.eq(token))
                .select(ProjectRow::as_select())
                .first(c)
                .optional()?;
            Ok(row.map(ProjectRow::into_domain).transpose()?)
        })
    }

    fn projects_in(&self, org: OrgId, page: PageReq) -> Result<Page<Project>> {
        let org = uuid_text(org.0);
        let (limit, offset) = bounds(page);
        self.run(|c| {
            let in_org = || projects::table.filter(projects::organization_id.eq(&org));
            let count: i64 = in_org().count().get_result(c)?;
            let rows: Vec<ProjectRow> = in_org()
                .select(ProjectRow::as_select())
                .order(projects::id.asc())
                .limit(limit)
                .offset(offset)
                .load(c)?;
            let items = rows.into_iter().map(ProjectRow::into_domain).collect::<Result<Vec<_>>>()?;
            Ok(Page { items, count })
        })
    }

    fn retention_policies(&self) -> Result<Vec<(ProjectId, i32)>> {
        self.run(|c| {
            let rows: Vec<(i64, i32)> = projects::table
                .select((projects::id, projects::retention_days))
                .order(projects::id.asc())
                .load(c)?;
            Ok(rows.into_iter().map(|(id, days)| (ProjectId(id), days)).collect())
        })
    }

    fn update_project(&self, project: &Project, audit: &[ActivityEntry]) -> Result<Project> {
        self.logged(audit, |c| {
            let n = diesel::update(projects::table.find(project.id.0))
                .set((
                    projects::name.eq(&project.name),
                    projects::timezone.eq(&project.timezone),
                    projects::retention_days.eq(project.retention_days),
                    projects::api_token.eq(&project.api_token),
                    projects::updated_at.eq(to_us(project.updated_at)),
                ))
                .execute(c)?;
            found(n)?;
            load(c, project.id.0)?.ok_or(Fail(OrgsError::NotFound))
        })
    }

    fn delete_project(&self, id: ProjectId, audit: &[ActivityEntry]) -> Result<()> {
        self.logged(audit, |c| {
            // No user keeps pointing at a project that is gone.
            diesel::update(users::table.filter(users::current_project_id.eq(id.0)))
                .set(users::current_project_id.eq(None::<i64>))
                .execute(c)?;
            found(diesel::delete(projects::table.find(id.0)).execute(c)?)
        })
    }
}
