//! Change requests with their votes: lists, lookups, the duplicate check of §4.5 step 7,
//! creation and the locked transition.

use std::collections::HashMap;

use ::approvals::error::{ApprovalError, Result};
use ::approvals::model::{ChangeRequest, State, Vote};
use ::approvals::repo::{Page, RequestFilter, TransitionFn, Where};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use super::rows::{RequestRow, VoteRow, parse_uuid};
use super::{Fail, TxResult, bounds, count};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::uuid_text;
use crate::schema::{change_request_votes as cv, change_requests as cr};

type Boxed = cr::BoxedQuery<'static, MultiBackend>;

/// The project's requests and its organization's organization-level ones.
fn at_project(at: Where) -> Boxed {
    cr::table
        .filter(cr::organization_id.eq(uuid_text(at.org)))
        .filter(cr::team_id.eq(at.team).or(cr::team_id.is_null()))
        .into_boxed()
}

fn filtered(at: Where, f: &RequestFilter) -> Boxed {
    let mut q = at_project(at);
    // Stored states are known names, so an unknown one in the filter matches nothing.
    if let Some(states) = &f.states {
        q = q.filter(cr::state.eq_any(states.clone()));
    }
    if let Some(key) = &f.action_key {
        q = q.filter(cr::action_key.eq(key.clone()));
    }
    if let Some(user) = f.requester {
        q = q.filter(cr::created_by.eq(user));
    }
    if let Some(t) = &f.resource_type {
        q = q.filter(cr::resource_type.eq(t.clone()));
    }
    if let Some(id) = &f.resource_id {
        q = q.filter(cr::resource_id.eq(id.clone()));
    }
    q
}

/// The requests `q` selects, in its order, each with its votes oldest first.
pub(super) fn load(c: &mut AnyConnection, q: Boxed) -> TxResult<Vec<ChangeRequest>> {
    let rows: Vec<RequestRow> = q.select(RequestRow::as_select()).load(c)?;
    let mut requests = rows.into_iter().map(RequestRow::into_domain).collect::<Result<Vec<_>>>()?;
    if requests.is_empty() {
        return Ok(requests);
    }
    let ids: Vec<String> = requests.iter().map(|r| uuid_text(r.id)).collect();
    let votes: Vec<VoteRow> = cv::table
        .filter(cv::change_request_id.eq_any(&ids))
        .select(VoteRow::as_select())
        .order_by((cv::created_at.asc(), cv::id.asc()))
        .load(c)?;
    let mut by_request: HashMap<Uuid, Vec<Vote>> = HashMap::new();
    for v in votes {
        let request = parse_uuid(&v.change_request_id, "change_request_votes.change_request_id")?;
        by_request.entry(request).or_default().push(v.into_domain()?);
    }
    for r in &mut requests {
        r.votes = by_request.remove(&r.id).unwrap_or_default();
    }
    Ok(requests)
}

pub(super) fn list(
    c: &mut AnyConnection,
    at: Where,
    filter: &RequestFilter,
    limit: i64,
    offset: i64,
) -> TxResult<Page<ChangeRequest>> {
    let (limit, offset) = bounds(limit, offset);
    let total: i64 = filtered(at, filter).count().get_result(c)?;
    let q = filtered(at, filter).order_by((cr::created_at.desc(), cr::id.asc())).limit(limit).offset(offset);
    Ok(Page { count: count(total), results: load(c, q)? })
}

pub(super) fn get(c: &mut AnyConnection, at: Where, id: Uuid) -> TxResult<Option<ChangeRequest>> {
    Ok(load(c, at_project(at).filter(cr::id.eq(uuid_text(id))))?.pop())
}

fn by_id(c: &mut AnyConnection, id: Uuid) -> TxResult<Option<ChangeRequest>> {
    Ok(load(c, cr::table.filter(cr::id.eq(uuid_text(id))).into_boxed())?.pop())
}

fn stored(c: &mut AnyConnection, id: Uuid) -> TxResult<ChangeRequest> {
    by_id(c, id)?.ok_or_else(|| Fail(ApprovalError::Storage("written change request not found".into())))
}

/// Newest first, should several be open (the gate creates at most one).
pub(super) fn open(
    c: &mut AnyConnection,
    org: Uuid,
    team: Option<i64>,
    action_key: &str,
    resource_type: &str,
    resource_id: Option<&str>,
) -> TxResult<Option<ChangeRequest>> {
    let open = [State::Pending.as_str(), State::Approved.as_str()];
    let mut q = cr::table
        .filter(cr::organization_id.eq(uuid_text(org)))
        .filter(cr::action_key.eq(action_key.to_string()))
        .filter(cr::resource_type.eq(resource_type.to_string()))
        .filter(cr::state.eq_any(open))
        .into_boxed();
    q = match team {
        Some(t) => q.filter(cr::team_id.eq(t)),
        None => q.filter(cr::team_id.is_null()),
    };
    q = match resource_id {
        Some(id) => q.filter(cr::resource_id.eq(id.to_string())),
        None => q.filter(cr::resource_id.is_null()),
    };
    Ok(load(c, q.order_by((cr::created_at.desc(), cr::id.asc())).limit(1))?.pop())
}

/// Votes are written only by transitions, so `request.votes` is not stored here.
pub(super) fn create(c: &mut AnyConnection, request: &ChangeRequest) -> TxResult<ChangeRequest> {
    let row = RequestRow::from_domain(request)?;
    match diesel::insert_into(cr::table).values(&row).execute(c) {
        Ok(_) => stored(c, request.id),
        // The organization, team, policy or requester does not exist.
        Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            Err(ApprovalError::NotFound.into())
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads the request under its row lock (the caller's write transaction: `BEGIN IMMEDIATE`
/// already holds SQLite's write lock), then writes what `f` decides.
pub(super) fn transition(c: &mut AnyConnection, id: Uuid, f: TransitionFn<'_>) -> TxResult<ChangeRequest> {
    let q = cr::table.filter(cr::id.eq(uuid_text(id))).select(cr::id);
    let locked: Option<String> = match c {
        AnyConnection::Postgresql(pg) => q.for_update().first(pg).optional()?,
        AnyConnection::Sqlite(sqlite) => q.first(sqlite).optional()?,
    };
    if locked.is_none() {
        return Err(ApprovalError::NotFound.into());
    }
    let current = stored(c, id)?;
    let Some(t) = f(&current)? else {
        return Ok(current);
    };
    let changes = RequestRow::from_domain(&t.request)?.changes();
    diesel::update(cr::table.filter(cr::id.eq(uuid_text(id)))).set(changes).execute(c)?;
    if let Some(vote) = &t.vote {
        let mine = cv::table
            .filter(cv::change_request_id.eq(uuid_text(id)))
            .filter(cv::created_by.eq(vote.created_by));
        diesel::delete(mine).execute(c)?;
        diesel::insert_into(cv::table).values(VoteRow::from_domain(id, vote)).execute(c)?;
    }
    crate::activity::insert_activity(c, &t.audit)?;
    stored(c, id)
}
