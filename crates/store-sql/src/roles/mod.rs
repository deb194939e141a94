//! `RoleRepo for SqlStore`: organization roles and their members.
//!
//! A membership counts only while its user is a member of the role's organization and has
//! been since before getting the role (`valid_members!`): a user who leaves loses their
//! roles, and does not get them back by being added to the organization again. Write
//! transactions start with their write, so SQLite never has to upgrade a read lock.

mod rows;

use activity_log::ActivityEntry;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use orgs::repo::Result;
use orgs::roles::{already_in_role, name_taken};
use orgs::{OrgId, OrgsError, Page, PageReq, Role, RoleMembership, RoleRepo, User, UserId};
use uuid::Uuid;

use self::rows::{RoleMembershipRow, RoleRow};
use crate::db::AnyConnection;
use crate::rows::{UserRow, to_us, uuid_text};
use crate::schema::{organization_memberships as m, role_memberships as rm, roles as r, users};
use crate::store::{Fail, SqlStore, record};

type TxResult<T> = std::result::Result<T, Fail>;

/// Biggest page we ask SQL for; callers pass `i64::MAX` to mean "all".
const MAX_LIMIT: i64 = 1_000_000;

/// role_memberships ⋈ roles ⋈ users, keeping the memberships that count (module doc).
macro_rules! valid_members {
    () => {
        rm::table.inner_join(r::table).inner_join(users::table).inner_join(
            m::table.on(m::user_id
                .eq(rm::user_id)
                .and(m::organization_id.eq(r::organization_id))
                .and(m::joined_at.le(rm::joined_at))),
        )
    };
}

impl SqlStore {
    fn roles_run<T>(&self, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> Result<T> {
        let mut conn = self.pool().get().map_err(|e| OrgsError::Storage(format!("database pool: {e}")))?;
        f(&mut conn).map_err(|f| f.0)
    }

    /// `f`, then its activity entries, in one transaction.
    fn roles_logged<T>(
        &self,
        audit: &[ActivityEntry],
        f: impl FnOnce(&mut AnyConnection) -> TxResult<T>,
    ) -> Result<T> {
        self.roles_run(|c| {
            c.transaction(|c| {
                let out = f(c)?;
                record(c, audit)?;
                Ok(out)
            })
        })
    }
}

fn bounds(page: PageReq) -> (i64, i64) {
    (page.limit.clamp(0, MAX_LIMIT), page.offset.max(0))
}

/// Unique and foreign-key violations by meaning: `unique` is what a duplicate means here;
/// a missing parent (organization, role, user) is `NotFound`.
fn write_error(e: DieselError, unique: fn() -> OrgsError) -> Fail {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Fail(unique()),
        DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => Fail(OrgsError::NotFound),
        e => e.into(),
    }
}

fn load_role(c: &mut AnyConnection, org: &str, id: &str) -> TxResult<Option<Role>> {
    let row: Option<RoleRow> = r::table
        .filter(r::id.eq(id))
        .filter(r::organization_id.eq(org))
        .select(RoleRow::as_select())
        .first(c)
        .optional()?;
    Ok(row.map(RoleRow::into_domain).transpose()?)
}

fn stored_role(c: &mut AnyConnection, org: &str, id: &str) -> TxResult<Role> {
    load_role(c, org, id)?.ok_or(Fail(OrgsError::NotFound))
}

fn members(rows: Vec<(RoleMembershipRow, UserRow)>) -> Result<Vec<(RoleMembership, User)>> {
    rows.into_iter().map(|(rm, u)| Ok((rm.into_domain()?, u.into_user()?))).collect()
}

impl RoleRepo for SqlStore {
    fn roles_in(&self, org: OrgId, page: PageReq) -> Result<Page<Role>> {
        let org = uuid_text(org.0);
        let (limit, offset) = bounds(page);
        self.roles_run(|c| {
            let count: i64 = r::table.filter(r::organization_id.eq(&org)).count().get_result(c)?;
            let rows: Vec<RoleRow> = r::table
                .filter(r::organization_id.eq(&org))
                .select(RoleRow::as_select())
                .order((r::created_at.asc(), r::id.asc()))
                .limit(limit)
                .offset(offset)
                .load(c)?;
            let items = rows.into_iter().map(RoleRow::into_domain).collect::<Result<Vec<_>>>()?;
            Ok(Page { items, count })
        })
    }

    fn role(&self, org: OrgId, id: Uuid) -> Result<Option<Role>> {
        self.roles_run(|c| load_role(c, &uuid_text(org.0), &uuid_text(id)))
    }

    fn roles_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Role>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(|i| uuid_text(*i)).collect();
        self.roles_run(|c| {
            let rows: Vec<RoleRow> = r::table
                .filter(r::id.eq_any(&ids))
                .select(RoleRow::as_select())
                .order((r::created_at.asc(), r::id.asc()))
                .load(c)?;
            Ok(rows.into_iter().map(RoleRow::into_domain).collect::<Result<Vec<_>>>()?)
        })
    }

    fn roles_of(&self, org: OrgId, user: UserId) -> Result<Vec<Uuid>> {
        let org = uuid_text(org.0);
        self.roles_run(|c| {
            let ids: Vec<String> = valid_members!()
                .filter(r::organization_id.eq(&org))
                .filter(rm::user_id.eq(user.0))
                .select(r::id)
                .order((r::created_at.asc(), r::id.asc()))
                .load(c)?;
            ids.iter()
                .map(|s| {
                    Uuid::parse_str(s).map_err(|e| Fail(OrgsError::Storage(format!("corrupt roles.id: {e}"))))
                })
                .collect()
        })
    }

    fn create_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role> {
        let row = RoleRow::from(role);
        self.roles_logged(audit, |c| {
            diesel::insert_into(r::table).values(&row).execute(c).map_err(|e| write_error(e, name_taken))?;
            stored_role(c, &row.organization_id, &row.id)
        })
    }

    fn update_role(&self, role: &Role, audit: &[ActivityEntry]) -> Result<Role> {
        let (id, org) = (uuid_text(role.id), uuid_text(role.organization_id.0));
        self.roles_logged(audit, |c| {
            let n = diesel::update(r::table.filter(r::id.eq(&id)).filter(r::organization_id.eq(&org)))
                .set((r::name.eq(&role.name), r::updated_at.eq(to_us(role.updated_at))))
                .execute(c)
                .map_err(|e| write_error(e, name_taken))?;
            if n == 0 {
                return Err(Fail(OrgsError::NotFound));
            }
            stored_role(c, &org, &id)
        })
    }

    fn delete_role(&self, org: OrgId, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        let (id, org) = (uuid_text(id), uuid_text(org.0));
        self.roles_logged(audit, |c| {
            let in_org = r::table.filter(r::id.eq(&id)).filter(r::organization_id.eq(&org)).select(r::id);
            // Explicit, rather than relying on ON DELETE CASCADE being enabled.
            diesel::delete(rm::table.filter(rm::role_id.eq_any(in_org))).execute(c)?;
            let n = diesel::delete(r::table.filter(r::id.eq(&id)).filter(r::organization_id.eq(&org)))
                .execute(c)?;
            if n == 0 { Err(Fail(OrgsError::NotFound)) } else { Ok(()) }
        })
    }

    fn role_members(&self, role: Uuid, page: PageReq) -> Result<Page<(RoleMembership, User)>> {
        let role = uuid_text(role);
        let (limit, offset) = bounds(page);
        self.roles_run(|c| {
            let count: i64 = valid_members!().filter(rm::role_id.eq(&role)).count().get_result(c)?;
            let rows: Vec<(RoleMembershipRow, UserRow)> = valid_members!()
                .filter(rm::role_id.eq(&role))
                .select((RoleMembershipRow::as_select(), UserRow::as_select()))
                .order((rm::joined_at.asc(), rm::id.asc()))
                .limit(limit)
                .offset(offset)
                .load(c)?;
            Ok(Page { items: members(rows)?, count })
        })
    }

    fn members_of_roles(&self, roles: &[Uuid]) -> Result<Vec<(RoleMembership, User)>> {
        if roles.is_empty() {
            return Ok(Vec::new());
        }
        let roles: Vec<String> = roles.iter().map(|i| uuid_text(*i)).collect();
        self.roles_run(|c| {
            let rows: Vec<(RoleMembershipRow, UserRow)> = valid_members!()
                .filter(rm::role_id.eq_any(&roles))
                .select((RoleMembershipRow::as_select(), UserRow::as_select()))
                .order((rm::joined_at.asc(), rm::id.asc()))
                .load(c)?;
            Ok(members(rows)?)
        })
    }

    fn role_membership(&self, role: Uuid, id: Uuid) -> Result<Option<(RoleMembership, User)>> {
        let (role, id) = (uuid_text(role), uuid_text(id));
        self.roles_run(|c| {
            let row: Option<(RoleMembershipRow, UserRow)> = valid_members!()
                .filter(rm::role_id.eq(&role))
                .filter(rm::id.eq(&id))
                .select((RoleMembershipRow::as_select(), UserRow::as_select()))
                .first(c)
                .optional()?;
            Ok(members(row.into_iter().collect())?.pop())
        })
    }

    fn add_role_member(&self, membership: &RoleMembership, audit: &[ActivityEntry]) -> Result<()> {
        let row = RoleMembershipRow::from(membership);
        self.roles_logged(audit, |c| {
            // A row left from before the user last joined the organization no longer
            // counts; it makes way for the new one instead of colliding with it.
            let joined = m::table
                .inner_join(r::table.on(r::organization_id.eq(m::organization_id)))
                .filter(r::id.eq(&row.role_id))
                .filter(m::user_id.eq(row.user_id))
                .select(m::joined_at)
                .single_value();
            let stale = rm::table
                .filter(rm::role_id.eq(&row.role_id))
                .filter(rm::user_id.eq(row.user_id))
                .filter(rm::joined_at.nullable().lt(joined));
            diesel::delete(stale).execute(c)?;
            diesel::insert_into(rm::table)
                .values(&row)
                .execute(c)
                .map_err(|e| write_error(e, already_in_role))?;
            Ok(())
        })
    }

    fn remove_role_member(&self, role: Uuid, membership: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        let (role, id) = (uuid_text(role), uuid_text(membership));
        self.roles_logged(audit, |c| {
            let n =
                diesel::delete(rm::table.filter(rm::role_id.eq(&role)).filter(rm::id.eq(&id))).execute(c)?;
            if n == 0 { Err(Fail(OrgsError::NotFound)) } else { Ok(()) }
        })
    }
}
