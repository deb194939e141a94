//! The scheduler's side: claiming due alerts under a lease and recording a check.

use alerts_engine::repo::{Alert, AlertRepoError, CheckWrite, DeliveryStatus};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use super::events::prune_quiet_checks;
use super::queue_rows::{DeliveryRow, DestinationRow};
use super::rows::{AlertRow, EventRow, state_text};
use super::{MAX_LIMIT, TxResult, write_tx};
use crate::db::AnyConnection;
use crate::rows::{to_us, uuid_text};
use crate::schema::{
    logs_alert_deliveries, logs_alert_destinations as ds, logs_alert_events, logs_alerts as la,
};

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

fn storage(msg: String) -> AlertRepoError {
    AlertRepoError::Storage(msg)
}

/// Runs inside the caller's write transaction.
pub(super) fn record_check(c: &mut AnyConnection, w: &CheckWrite) -> TxResult<bool> {
    let id = uuid_text(w.alert_id);
    let target = la::table.filter(la::id.eq(&id)).filter(la::version.eq(w.version));
    let n = diesel::update(target)
        .set((
            la::state.eq(state_text(w.state)?),
            la::consecutive_failures.eq(i64::from(w.consecutive_failures)),
            la::last_error_message.eq(w.last_error_message.as_deref()),
            la::last_notified_at.eq(w.last_notified_at.map(to_us)),
            la::last_checked_at.eq(Some(to_us(w.last_checked_at))),
            la::next_check_at.eq(Some(to_us(w.next_check_at))),
            la::claimed_until.eq(None::<i64>),
            // A user edit that read the alert before this check must not overwrite its state.
            la::version.eq(la::version + 1),
        ))
        .execute(c)?;
    if n == 0 {
        // Edited (or deleted) since the claim: discard the check, free the alert.
        release(c, w.alert_id)?;
        return Ok(false);
    }
    let team_id: i64 = la::table.find(&id).select(la::team_id).first(c)?;
    if let Some(event) = &w.event {
        let row = EventRow::from_new(team_id, w.alert_id, event)?;
        diesel::insert_into(logs_alert_events::table).values(row).execute(c)?;
        prune_quiet_checks(c, w.alert_id)?;
    }
    if w.deliveries.is_empty() {
        return Ok(true);
    }
    let event_id = match &w.event {
        Some(e) => uuid_text(e.id),
        None => return Err(storage("a notification needs the check's event".into()).into()),
    };
    for d in &w.deliveries {
        let dest: Option<DestinationRow> = ds::table
            .find(uuid_text(d.destination_id))
            .select(DestinationRow::as_select())
            .first(c)
            .optional()?;
        let dest = dest.ok_or_else(|| storage(format!("unknown destination {}", d.destination_id)))?;
        if dest.alert_id != id {
            return Err(storage(format!("destination {} is not one of alert {id}", d.destination_id)).into());
        }
        let row = DeliveryRow {
            id: uuid_text(d.id),
            team_id: dest.team_id,
            alert_id: dest.alert_id,
            event_id: event_id.clone(),
            destination_id: dest.id,
            dtype: dest.dtype,
            kind: dest.kind,
            payload: d.payload.to_string(),
            status: DeliveryStatus::Pending.as_str().to_owned(),
            attempts: 0,
            next_attempt_at: to_us(d.created_at),
            lease_until: None,
            last_error: None,
            delivered_at: None,
            created_at: to_us(d.created_at),
        };
        diesel::insert_into(logs_alert_deliveries::table).values(row).execute(c)?;
    }
    Ok(true)
}
