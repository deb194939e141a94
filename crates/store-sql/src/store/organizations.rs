use diesel::prelude::*;
use orgs::{
    Level, Membership, NewProject, NewUser, OrgId, OrgRepo, OrgSettings, Organization, OrgsError, Page,
    PageReq, Project, User, UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::projects::insert_project;
use super::users::insert_user;
use activity_log::ActivityEntry;
use orgs::repo::AuditFor;

use super::{Fail, Result, SqlStore, bounds, found, record};
use crate::db::AnyConnection;
use crate::rows::{MembershipRow, OrgRow, UserRow, to_us, uuid_text};
use crate::schema::{organization_memberships as m, organizations as o, projects, users};

fn load_org(c: &mut AnyConnection, id: &str) -> std::result::Result<Option<Organization>, Fail> {
    let row = o::table.find(id).select(OrgRow::as_select()).first(c).optional()?;
    Ok(row.map(OrgRow::into_domain).transpose()?)
}

fn load_membership(
    c: &mut AnyConnection,
    org: &str,
    user: i64,
) -> std::result::Result<Option<Membership>, Fail> {
    let row = m::table
        .filter(m::organization_id.eq(org))
        .filter(m::user_id.eq(user))
        .select(MembershipRow::as_select())
        .first(c)
        .optional()?;
    Ok(row.map(MembershipRow::into_domain).transpose()?)
}

impl OrgRepo for SqlStore {
    fn create_organization(
        &self,
        org: &Organization,
        owner: UserId,
        first_project: NewProject,
        audit: AuditFor<'_, Project>,
    ) -> Result<Project> {
        let org_row = OrgRow::from(org);
        // The first project belongs to this organization, whatever the caller filled in.
        let first_project = NewProject { organization_id: org.id, ..first_project };
        let owner_membership = MembershipRow::from(&Membership {
            id: Uuid::now_v7(),
            organization_id: org.id,
            user_id: owner,
            level: Level::Owner,
            joined_at: org.created_at,
            updated_at: org.created_at,
        });
        self.tx(|c| {
            // The org goes first: a taken slug fails before anything else is written.
            diesel::insert_into(o::table).values(&org_row).execute(c)?;
            let project = insert_project(c, first_project)?;
            diesel::insert_into(m::table).values(&owner_membership).execute(c)?;
            let n = diesel::update(users::table.find(owner.0))
                .set((
                    users::current_organization_id.eq(Some(&org_row.id)),
                    users::current_project_id.eq(Some(project.id.0)),
                ))
                .execute(c)?;
            found(n)?;
            record(c, &audit(&project))?;
            Ok(project)
        })
    }

    fn organization(&self, id: OrgId) -> Result<Option<Organization>> {
        self.run(|c| load_org(c, &uuid_text(id.0)))
    }

    fn organizations_of(
        &self,
        user: UserId,
        only: Option<&[OrgId]>,
        page: PageReq,
    ) -> Result<Page<(Organization, Level)>> {
        let only: Option<Vec<String>> = only.map(|ids| ids.iter().map(|i| uuid_text(i.0)).collect());
        if only.as_ref().is_some_and(Vec::is_empty) {
            return Ok(Page { items: Vec::new(), count: 0 });
        }
        let (limit, offset) = bounds(page);
        self.run(|c| {
            // Built twice (count, then page): boxed queries are not Clone.
            let base = || {
                let mut q = m::table.inner_join(o::table).filter(m::user_id.eq(user.0)).into_boxed();
                if let Some(ids) = &only {
                    q = q.filter(o::id.eq_any(ids.clone()));
                }
                q
            };
            let count: i64 = base().count().get_result(c)?;
            let rows: Vec<(OrgRow, i32)> = base()
                .select((OrgRow::as_select(), m::level))
                .order((m::joined_at.asc(), o::id.asc()))
                .limit(limit)
                .offset(offset)
                .load(c)?;
            let items = rows
                .into_iter()
                .map(|(org, level)| Ok((org.into_domain()?, crate::rows::level_from_i32(level)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, count })
        })
    }

    fn update_organization(
        &self,
        id: OrgId,
        name: &str,
        settings: &OrgSettings,
        now: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<Organization> {
        let id = uuid_text(id.0);
        self.logged(audit, |c| {
            let n = diesel::update(o::table.find(&id))
                .set((
                    o::name.eq(name),
                    o::enforce_2fa.eq(settings.enforce_2fa),
                    o::members_can_invite.eq(settings.members_can_invite),
                    o::members_can_use_personal_api_keys.eq(settings.members_can_use_personal_api_keys),
                    o::allow_publicly_shared_resources.eq(settings.allow_publicly_shared_resources),
                    o::is_ai_data_processing_approved.eq(settings.is_ai_data_processing_approved),
                    o::default_anonymize_ips.eq(settings.default_anonymize_ips),
                    o::default_experiment_stats_method.eq(&settings.default_experiment_stats_method),
                    o::updated_at.eq(to_us(now)),
                ))
                .execute(c)?;
            found(n)?;
            load_org(c, &id)?.ok_or(Fail(OrgsError::NotFound))
        })
    }

    fn delete_organization(&self, id: OrgId, audit: &[ActivityEntry]) -> Result<()> {
        let id = uuid_text(id.0);
        self.logged(audit, |c| {
            let its_projects = || projects::table.filter(projects::organization_id.eq(&id));
            diesel::update(users::table.filter(users::current_organization_id.eq(&id)))
                .set(users::current_organization_id.eq(None::<String>))
                .execute(c)?;
            diesel::update(
                users::table
                    .filter(users::current_project_id.eq_any(its_projects().select(projects::id.nullable()))),
            )
            .set(users::current_project_id.eq(None::<i64>))
            .execute(c)?;
            // Explicit rather than relying on ON DELETE CASCADE (off unless SQLite's
            // foreign_keys pragma is set on that connection).
            diesel::delete(m::table.filter(m::organization_id.eq(&id))).execute(c)?;
            diesel::delete(its_projects()).execute(c)?;
            found(diesel::delete(o::table.find(&id)).execute(c)?)
        })
    }

    fn membership(&self, org: OrgId, user: UserId) -> Result<Option<Membership>> {
        self.run(|c| load_membership(c, &uuid_text(org.0), user.0))
    }

    fn members(&self, org: OrgId, page: PageReq) -> Result<Page<(Membership, User)>> {
        let org = uuid_text(org.0);
        let (limit, offset) = bounds(page);
        self.run(|c| {
            let count: i64 = m::table.filter(m::organization_id.eq(&org)).count().get_result(c)?;
            let rows: Vec<(MembershipRow, UserRow)> = m::table
                .inner_join(users::table)
                .filter(m::organization_id.eq(&org))
                .select((MembershipRow::as_select(), UserRow::as_select()))
                .order((m::joined_at.asc(), users::id.asc()))
                .limit(limit)
                .offset(offset)
                .load(c)?;
            let items = rows
                .into_iter()
                .map(|(mr, ur)| Ok((mr.into_domain()?, ur.into_user()?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(Page { items, count })
        })
    }

    fn member_count(&self, org: OrgId) -> Result<i64> {
        let org = uuid_text(org.0);
        self.run(|c| Ok(m::table.filter(m::organization_id.eq(org)).count().get_result(c)?))
    }

    fn add_member(&self, membership: &Membership, audit: &[ActivityEntry]) -> Result<()> {
        let row = MembershipRow::from(membership);
        self.logged(audit, |c| {
            diesel::insert_into(m::table).values(&row).execute(c)?;
            Ok(())
        })
    }

    fn add_new_member(&self, user: NewUser, membership: Membership, audit: &[ActivityEntry]) -> Result<User> {
        self.logged(audit, |c| {
            let user = insert_user(c, user)?;
            let row = MembershipRow::from(&Membership { user_id: user.id, ..membership });
            diesel::insert_into(m::table).values(&row).execute(c)?;
            Ok(user)
        })
    }

    fn set_member_level(
        &self,
        org: OrgId,
        user: UserId,
        level: Level,
        now: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<Membership> {
        let org = uuid_text(org.0);
        self.logged(audit, |c| {
            let n =
                diesel::update(m::table.filter(m::organization_id.eq(&org)).filter(m::user_id.eq(user.0)))
                    .set((m::level.eq(level.as_i32()), m::updated_at.eq(to_us(now))))
                    .execute(c)?;
            found(n)?;
            load_membership(c, &org, user.0)?.ok_or(Fail(OrgsError::NotFound))
        })
    }

    fn remove_member(&self, org: OrgId, user: UserId, audit: &[ActivityEntry]) -> Result<()> {
        let org = uuid_text(org.0);
        self.logged(audit, |c| {
            let target = m::table.filter(m::organization_id.eq(&org)).filter(m::user_id.eq(user.0));
            found(diesel::delete(target).execute(c)?)
        })
    }
}
