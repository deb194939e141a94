//! The scheduler's side: claiming due alerts under a lease (recording checks: `record.rs`).

use alerts_engine::repo::Alert;
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use super::rows::AlertRow;
use super::{MAX_LIMIT, TxResult, write_tx};
use crate::db::AnyConnection;
use crate::rows::{to_us, uuid_text};
use crate::schema::logs_alerts as la;

/// Spec §3.3's due predicate, and no live claim. A snoozed alert without `snooze_until`
/// counts as expired, as the state machine treats it.
#[diesel::dsl::auto_type]
fn due(now: i64) -> _ {
    let broken: &'static str = "broken";
    let snoozed: &'static str = "snoozed";
    la::enabled
        .eq(true)
        .and(la::next_check_at.is_null().or(la::next_check_at.le(now)))
        .and(la::state.ne(broken))
        .and(la::state.ne(snoozed).or(la::snooze_until.is_null()).or(la::snooze_until.le(now)))
        .and(la::claimed_until.is_null().or(la::claimed_until.le(now)))
}

/// Oldest schedule first, never-scheduled (NULL) before all: `false < true` on both
/// backends, where NULLs would sort first on SQLite but last on PostgreSQL.
pub(super) fn claim_due(
    c: &mut AnyConnection,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> TxResult<Vec<Alert>> {
    let (now, lease) = (to_us(now), to_us(lease_until));
    let limit = limit.clamp(0, MAX_LIMIT);
    write_tx(c, |c| {
        let q = la::table
            .select(la::id)
            .filter(due(now))
            .order_by((la::next_check_at.is_not_null(), la::next_check_at.asc(), la::id.asc()))
            .limit(limit);
        let ids: Vec<String> = match c {
            AnyConnection::Postgresql(pg) => q.for_update().skip_locked().load(pg)?,
            AnyConnection::Sqlite(sqlite) => q.load(sqlite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(la::table.filter(la::id.eq_any(&ids)).filter(due(now)))
            .set(la::claimed_until.eq(Some(lease)))
            .execute(c)?;
        let rows: Vec<AlertRow> = la::table
            .select(AlertRow::as_select())
            .filter(la::id.eq_any(&ids))
            .filter(la::claimed_until.eq(Some(lease)))
            .load(c)?;
        let mut alerts = rows.into_iter().map(AlertRow::into_domain).collect::<Result<Vec<_>, _>>()?;
        alerts.sort_by_key(|a| ids.iter().position(|id| *id == uuid_text(a.id)));
        Ok(alerts)
    })
}

pub(super) fn release(c: &mut AnyConnection, alert_id: Uuid) -> TxResult<()> {
    diesel::update(la::table.find(uuid_text(alert_id))).set(la::claimed_until.eq(None::<i64>)).execute(c)?;
    Ok(())
}
