//! Recording scheduled checks, several per transaction: each alert's guarded state update,
//! then one statement each for the events, the quiet-check pruning and the deliveries of
//! the whole batch (a tick writes a thousand checks; statements, not rows, are the cost).

use std::collections::HashMap;

use alerts_engine::repo::{AlertRepoError, CheckWrite, DeliveryStatus, MAX_QUIET_CHECKS, NewEvent};
use alerts_engine::state::EventKind;
use diesel::prelude::*;

use super::TxResult;
use super::claim::release;
use super::queue_rows::{DeliveryRow, DestinationRow};
use super::rows::{EventRow, state_text};
use crate::db::AnyConnection;
use crate::rows::{to_us, uuid_text};
use crate::schema::{
    logs_alert_deliveries as dl, logs_alert_destinations as ds, logs_alert_events as ev, logs_alerts as la,
};

fn storage(msg: String) -> AlertRepoError {
    AlertRepoError::Storage(msg)
}

fn is_quiet(e: &NewEvent) -> bool {
    let ev = &e.event;
    ev.kind == EventKind::Check && ev.error_message.is_none() && ev.state_before == ev.state_after
}

/// Runs inside the caller's write transaction; any error rolls back the whole batch.
pub(super) fn record_checks(c: &mut AnyConnection, writes: &[CheckWrite]) -> TxResult<Vec<bool>> {
    let mut applied = Vec::with_capacity(writes.len());
    for w in writes {
        applied.push(update_state(c, w)?);
    }
    let done: Vec<&CheckWrite> = writes.iter().zip(&applied).filter(|(_, ok)| **ok).map(|(w, _)| w).collect();
    if done.is_empty() {
        return Ok(applied);
    }
    let ids: Vec<String> = done.iter().map(|w| uuid_text(w.alert_id)).collect();
    let teams: HashMap<String, i64> =
        la::table.filter(la::id.eq_any(&ids)).select((la::id, la::team_id)).load(c)?.into_iter().collect();
    let mut events = Vec::new();
    let mut quiet = Vec::new();
    for w in &done {
        let Some(e) = &w.event else { continue };
        let id = uuid_text(w.alert_id);
        let team = *teams.get(&id).ok_or_else(|| storage(format!("alert {id} vanished mid-transaction")))?;
        events.push(EventRow::from_new(team, w.alert_id, e)?);
        if is_quiet(e) {
            quiet.push(id);
        }
    }
    insert_events(c, &events)?;
    prune_quiet_checks(c, &quiet)?;
    insert_deliveries(c, &done)?;
    Ok(applied)
}

/// The guarded update; false (and the claim released) when the alert was edited or
/// deleted since it was claimed.
fn update_state(c: &mut AnyConnection, w: &CheckWrite) -> TxResult<bool> {
    let target = la::table.filter(la::id.eq(uuid_text(w.alert_id))).filter(la::version.eq(w.version));
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
        release(c, w.alert_id)?;
    }
    Ok(n == 1)
}

/// Multi-row INSERT is not available through `AnyConnection`'s backend; each connection
/// type has it.
fn insert_events(c: &mut AnyConnection, rows: &[EventRow]) -> TxResult<()> {
    if !rows.is_empty() {
        match c {
            AnyConnection::Sqlite(c) => diesel::insert_into(ev::table).values(rows).execute(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(ev::table).values(rows).execute(c)?,
        };
    }
    Ok(())
}

/// Keeps the newest [`MAX_QUIET_CHECKS`] quiet `check` rows of each of these alerts.
fn prune_quiet_checks(c: &mut AnyConnection, alert_ids: &[String]) -> TxResult<()> {
    if alert_ids.is_empty() {
        return Ok(());
    }
    let check: &'static str = "check";
    let rows: Vec<(String, String)> = ev::table
        .filter(ev::alert_id.eq_any(alert_ids))
        .filter(ev::kind.eq(check))
        .filter(ev::error_message.is_null())
        .filter(ev::state_before.eq(ev::state_after))
        .order_by((ev::alert_id.asc(), ev::created_at.desc(), ev::id.desc()))
        .select((ev::alert_id, ev::id))
        .load(c)?;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let old: Vec<&String> = rows
        .iter()
        .filter(|(alert, _)| {
            let n = seen.entry(alert.as_str()).or_default();
            *n += 1;
            *n > MAX_QUIET_CHECKS
        })
        .map(|(_, id)| id)
        .collect();
    if !old.is_empty() {
        diesel::delete(ev::table.filter(ev::id.eq_any(old))).execute(c)?;
    }
    Ok(())
}

/// Each delivery belongs to its check's event and to a destination of the same alert;
/// team, alert, type and kind are copied from the destination row.
fn insert_deliveries(c: &mut AnyConnection, done: &[&CheckWrite]) -> TxResult<()> {
    let wanted: Vec<String> =
        done.iter().flat_map(|w| w.deliveries.iter().map(|d| uuid_text(d.destination_id))).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let dests: HashMap<String, DestinationRow> = ds::table
        .filter(ds::id.eq_any(&wanted))
        .select(DestinationRow::as_select())
        .load(c)?
        .into_iter()
        .map(|d| (d.id.clone(), d))
        .collect();
    let mut rows = Vec::with_capacity(wanted.len());
    for w in done.iter().filter(|w| !w.deliveries.is_empty()) {
        let alert = uuid_text(w.alert_id);
        let event_id = match &w.event {
            Some(e) => uuid_text(e.id),
            None => return Err(storage("a notification needs the check's event".into()).into()),
        };
        for d in &w.deliveries {
            let dest = dests
                .get(&uuid_text(d.destination_id))
                .ok_or_else(|| storage(format!("unknown destination {}", d.destination_id)))?;
            if dest.alert_id != alert {
                return Err(
                    storage(format!("destination {} is not one of alert {alert}", d.destination_id)).into()
                );
            }
            rows.push(DeliveryRow {
                id: uuid_text(d.id),
                team_id: dest.team_id,
                alert_id: dest.alert_id.clone(),
                event_id: event_id.clone(),
                destination_id: dest.id.clone(),
                dtype: dest.dtype.clone(),
                kind: dest.kind.clone(),
                payload: d.payload.to_string(),
                status: DeliveryStatus::Pending.as_str().to_owned(),
                attempts: 0,
                next_attempt_at: to_us(d.created_at),
                lease_until: None,
                last_error: None,
                delivered_at: None,
                created_at: to_us(d.created_at),
            });
        }
    }
    match c {
        AnyConnection::Sqlite(c) => diesel::insert_into(dl::table).values(&rows).execute(c)?,
        AnyConnection::Postgresql(c) => diesel::insert_into(dl::table).values(&rows).execute(c)?,
    };
    Ok(())
}
