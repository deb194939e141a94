//! What the periodic jobs read (requests due for expiry, pending ones to re-validate) and
//! their once-per-due-time claims (`scheduled_jobs`).

use ::approvals::model::{ChangeRequest, State, ValidationStatus};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::parse_uuid;
use super::{MAX_LIMIT, TxResult, requests};
use crate::db::AnyConnection;
use crate::rows::to_us;
use crate::schema::{change_requests as cr, scheduled_jobs as sj};

pub(super) fn due_for_expiry(c: &mut AnyConnection, now: OffsetDateTime, limit: i64) -> TxResult<Vec<Uuid>> {
    let open = [State::Pending.as_str(), State::Approved.as_str()];
    let ids: Vec<String> = cr::table
        .filter(cr::state.eq_any(open))
        .filter(cr::expires_at.le(to_us(now)))
        .order_by((cr::expires_at.asc(), cr::id.asc()))
        .limit(limit.clamp(0, MAX_LIMIT))
        .select(cr::id)
        .load(c)?;
    Ok(ids.iter().map(|s| parse_uuid(s, "change_requests.id")).collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn pending_valid(c: &mut AnyConnection, limit: i64) -> TxResult<Vec<ChangeRequest>> {
    let q = cr::table
        .filter(cr::state.eq(State::Pending.as_str()))
        .filter(cr::validation_status.eq(ValidationStatus::Valid.as_str()))
        .order_by((cr::created_at.asc(), cr::id.asc()))
        .limit(limit.clamp(0, MAX_LIMIT))
        .into_boxed();
    requests::load(c, q)
}

/// Inside the caller's write transaction: makes sure the job has a row (a job never seen is
/// due now), then moves a due time that has come to `next`. Only one UPDATE can match: on
/// PostgreSQL a concurrent one waits for the row lock and re-checks `due_at`, on SQLite
/// `BEGIN IMMEDIATE` runs the claims one after another.
pub(super) fn claim(
    c: &mut AnyConnection,
    name: &str,
    now: OffsetDateTime,
    next: OffsetDateTime,
) -> TxResult<bool> {
    let (now, next) = (to_us(now), to_us(next));
    let first = (sj::name.eq(name), sj::due_at.eq(now));
    // ON CONFLICT is not expressible through `AnyConnection`'s backend; each connection has it.
    match c {
        AnyConnection::Postgresql(pg) => {
            diesel::insert_into(sj::table).values(first).on_conflict_do_nothing().execute(pg)?
        }
        AnyConnection::Sqlite(sqlite) => {
            diesel::insert_into(sj::table).values(first).on_conflict_do_nothing().execute(sqlite)?
        }
    };
    let n = diesel::update(sj::table.filter(sj::name.eq(name)).filter(sj::due_at.le(now)))
        .set(sj::due_at.eq(next))
        .execute(c)?;
    Ok(n == 1)
}
