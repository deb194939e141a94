//! Approval policies: lists and lookups at a project (its rows and the organization-wide
//! ones), and the writes with the duplicate 400 of §4.1.

use ::approvals::error::{ApprovalError, Result};
use ::approvals::model::Policy;
use ::approvals::repo::{Page, PolicyFilter, Where};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use super::rows::PolicyRow;
use super::{Fail, TxResult, bounds, count};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::uuid_text;
use crate::schema::{approval_policies as ap, organizations, projects};

/// The 400 of §4.1 (a non-field error).
const DUPLICATE: &str = "A policy for this action already exists. You can edit the existing policy instead.";

/// The unique index on (organization, COALESCE(team, 0), action_key).
const UNIQUE_INDEX: &str = "approval_policies_unique";

type Boxed = ap::BoxedQuery<'static, MultiBackend>;

/// The project's policies and its organization's organization-wide ones.
fn at_project(at: Where) -> Boxed {
    ap::table
        .filter(ap::organization_id.eq(uuid_text(at.org)))
        .filter(ap::team_id.eq(at.team).or(ap::team_id.is_null()))
        .into_boxed()
}

fn filtered(at: Where, filter: &PolicyFilter) -> Boxed {
    let mut q = at_project(at);
    if let Some(key) = &filter.action_key {
        q = q.filter(ap::action_key.eq(key.clone()));
    }
    if let Some(enabled) = filter.enabled {
        q = q.filter(ap::enabled.eq(enabled));
    }
    q
}

fn load(c: &mut AnyConnection, q: Boxed) -> TxResult<Vec<Policy>> {
    let rows: Vec<PolicyRow> = q.select(PolicyRow::as_select()).load(c)?;
    Ok(rows.into_iter().map(PolicyRow::into_domain).collect::<Result<Vec<_>>>()?)
}

pub(super) fn list(
    c: &mut AnyConnection,
    at: Where,
    filter: &PolicyFilter,
    limit: i64,
    offset: i64,
) -> TxResult<Page<Policy>> {
    let (limit, offset) = bounds(limit, offset);
    let total: i64 = filtered(at, filter).count().get_result(c)?;
    let q = filtered(at, filter).order_by((ap::created_at.desc(), ap::id.asc())).limit(limit).offset(offset);
    Ok(Page { count: count(total), results: load(c, q)? })
}

pub(super) fn get(c: &mut AnyConnection, at: Where, id: Uuid) -> TxResult<Option<Policy>> {
    Ok(load(c, at_project(at).filter(ap::id.eq(uuid_text(id))))?.pop())
}

/// The row as written, whichever project it belongs to.
fn stored(c: &mut AnyConnection, id: Uuid) -> TxResult<Policy> {
    load(c, ap::table.filter(ap::id.eq(uuid_text(id))).into_boxed())?
        .pop()
        .ok_or_else(|| Fail(ApprovalError::Storage("written approval policy not found".into())))
}

/// The duplicate 400 for a violation of the unique index; anything else is a storage failure.
fn classify(e: DieselError) -> Fail {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &e {
        // SQLite: "UNIQUE constraint failed: index 'approval_policies_unique'"; PostgreSQL
        // names the constraint.
        let named = info.message().contains(UNIQUE_INDEX) || info.constraint_name() == Some(UNIQUE_INDEX);
        if named {
            return Fail(ApprovalError::non_field("invalid", DUPLICATE));
        }
    }
    e.into()
}

pub(super) fn create(c: &mut AnyConnection, policy: &Policy) -> TxResult<Policy> {
    let org = uuid_text(policy.organization_id);
    let org_exists: i64 = organizations::table.filter(organizations::id.eq(&org)).count().get_result(c)?;
    let team_exists = match policy.team_id {
        None => true,
        Some(team) => {
            let n: i64 = projects::table
                .filter(projects::id.eq(team))
                .filter(projects::organization_id.eq(&org))
                .count()
                .get_result(c)?;
            n > 0
        }
    };
    if org_exists == 0 || !team_exists {
        return Err(ApprovalError::NotFound.into());
    }
    let row = PolicyRow::from_domain(policy)?;
    diesel::insert_into(ap::table).values(&row).execute(c).map_err(classify)?;
    stored(c, policy.id)
}

pub(super) fn update(c: &mut AnyConnection, policy: &Policy) -> TxResult<Policy> {
    let row = PolicyRow::from_domain(policy)?;
    let target = ap::table
        .filter(ap::id.eq(row.id.clone()))
        .filter(ap::organization_id.eq(row.organization_id.clone()));
    let n = diesel::update(target).set(row.changes()).execute(c).map_err(classify)?;
    if n == 0 {
        return Err(ApprovalError::NotFound.into());
    }
    stored(c, policy.id)
}

pub(super) fn delete(c: &mut AnyConnection, at: Where, id: Uuid) -> TxResult<()> {
    let target = ap::table
        .filter(ap::id.eq(uuid_text(id)))
        .filter(ap::organization_id.eq(uuid_text(at.org)))
        .filter(ap::team_id.eq(at.team).or(ap::team_id.is_null()));
    let n = diesel::delete(target).execute(c)?;
    if n == 0 { Err(ApprovalError::NotFound.into()) } else { Ok(()) }
}

/// The team's policy first, then the organization-wide one (at most one each: the unique
/// index). `false < true` on both backends puts the team's row first.
pub(super) fn enabled(
    c: &mut AnyConnection,
    org: Uuid,
    team: Option<i64>,
    action_key: &str,
) -> TxResult<Vec<Policy>> {
    let mut q = ap::table
        .filter(ap::organization_id.eq(uuid_text(org)))
        .filter(ap::action_key.eq(action_key.to_string()))
        .filter(ap::enabled.eq(true))
        .into_boxed();
    q = match team {
        Some(t) => q.filter(ap::team_id.eq(t).or(ap::team_id.is_null())),
        None => q.filter(ap::team_id.is_null()),
    };
    load(c, q.order_by((ap::team_id.is_null(), ap::created_at.desc(), ap::id.asc())))
}
