//! The notification delivery queue: claim under a lease, then delivered, retried or dead.

use alerts_engine::repo::{AlertRepoError, Delivery, DeliveryStatus};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use super::queue_rows::DeliveryRow;
use super::{MAX_LIMIT, TxResult, write_tx};
use crate::db::AnyConnection;
use crate::rows::{to_us, uuid_text};
use crate::schema::logs_alert_deliveries as dl;

/// Due pending rows, and sending rows whose worker's lease ran out.
#[diesel::dsl::auto_type]
fn claimable(now: i64) -> _ {
    let pending: &'static str = "pending";
    let sending: &'static str = "sending";
    (dl::status.eq(pending).and(dl::next_attempt_at.le(now)))
        .or(dl::status.eq(sending).and(dl::lease_until.le(now)))
}

fn decode(rows: Vec<DeliveryRow>) -> TxResult<Vec<Delivery>> {
    Ok(rows.into_iter().map(DeliveryRow::into_domain).collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn claim(
    c: &mut AnyConnection,
    now: OffsetDateTime,
    lease_until: OffsetDateTime,
    limit: i64,
) -> TxResult<Vec<Delivery>> {
    let (now, lease) = (to_us(now), to_us(lease_until));
    let limit = limit.clamp(0, MAX_LIMIT);
    write_tx(c, |c| {
        let q = dl::table
            .select(dl::id)
            .filter(claimable(now))
            .order_by((dl::next_attempt_at.asc(), dl::id.asc()))
            .limit(limit);
        let ids: Vec<String> = match c {
            AnyConnection::Postgresql(pg) => q.for_update().skip_locked().load(pg)?,
            AnyConnection::Sqlite(sqlite) => q.load(sqlite)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(dl::table.filter(dl::id.eq_any(&ids)).filter(claimable(now)))
            .set((dl::status.eq(DeliveryStatus::Sending.as_str()), dl::lease_until.eq(Some(lease))))
            .execute(c)?;
        let rows = dl::table
            .select(DeliveryRow::as_select())
            .filter(dl::id.eq_any(&ids))
            .filter(dl::lease_until.eq(Some(lease)))
            .order_by((dl::next_attempt_at.asc(), dl::id.asc()))
            .load(c)?;
        decode(rows)
    })
}

fn found(n: usize) -> TxResult<()> {
    if n == 0 { Err(AlertRepoError::NotFound.into()) } else { Ok(()) }
}

pub(super) fn succeeded(c: &mut AnyConnection, id: Uuid, now: OffsetDateTime) -> TxResult<()> {
    let n = diesel::update(dl::table.find(uuid_text(id)))
        .set((
            dl::status.eq(DeliveryStatus::Delivered.as_str()),
            dl::attempts.eq(dl::attempts + 1),
            dl::delivered_at.eq(Some(to_us(now))),
            dl::lease_until.eq(None::<i64>),
        ))
        .execute(c)?;
    found(n)
}

pub(super) fn failed(
    c: &mut AnyConnection,
    id: Uuid,
    error: &str,
    retry_at: Option<OffsetDateTime>,
) -> TxResult<()> {
    let target = dl::table.find(uuid_text(id));
    let common =
        (dl::attempts.eq(dl::attempts + 1), dl::last_error.eq(Some(error)), dl::lease_until.eq(None::<i64>));
    let n = match retry_at {
        Some(at) => diesel::update(target)
            .set((common, dl::status.eq(DeliveryStatus::Pending.as_str()), dl::next_attempt_at.eq(to_us(at))))
            .execute(c)?,
        None => {
            diesel::update(target).set((common, dl::status.eq(DeliveryStatus::Dead.as_str()))).execute(c)?
        }
    };
    found(n)
}

pub(super) fn for_events(c: &mut AnyConnection, event_ids: &[Uuid]) -> TxResult<Vec<Delivery>> {
    if event_ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = event_ids.iter().copied().map(uuid_text).collect();
    let rows = dl::table
        .select(DeliveryRow::as_select())
        .filter(dl::event_id.eq_any(ids))
        .order_by((dl::created_at.asc(), dl::id.asc()))
        .load(c)?;
    decode(rows)
}
