//! Notification destinations (one row per kind, soft-deleted) and Slack integrations.

use std::collections::BTreeSet;

use alerts_engine::repo::{AlertRepoError, Destination, Integration, NewIntegration};
use diesel::prelude::*;
use time::OffsetDateTime;
use uuid::Uuid;

use super::TxResult;
use super::queue_rows::{DestinationRow, IntegrationRow, NewIntegrationRow};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::{to_us, uuid_text};
use crate::schema::{integrations as ig, logs_alert_destinations as ds, logs_alerts as la};
use crate::secrets::SecretBox;

diesel::define_sql_function! {
    /// SQLite: the rowid of this connection's latest INSERT.
    fn last_insert_rowid() -> diesel::sql_types::BigInt;
}

pub(super) fn create(
    c: &mut AnyConnection,
    team_id: i64,
    alert_id: Uuid,
    rows: &[Destination],
    secrets: Option<&SecretBox>,
) -> TxResult<()> {
    let n: i64 = la::table
        .filter(la::id.eq(uuid_text(alert_id)))
        .filter(la::team_id.eq(team_id))
        .count()
        .get_result(c)?;
    if n == 0 {
        return Err(AlertRepoError::NotFound.into());
    }
    // Single-row inserts: multi-row INSERT is not available through `AnyConnection`, and
    // there are at most a handful of rows.
    for d in rows {
        diesel::insert_into(ds::table)
            .values(DestinationRow::from_domain(team_id, alert_id, d, secrets)?)
            .execute(c)?;
    }
    Ok(())
}

pub(super) fn delete(
    c: &mut AnyConnection,
    team_id: i64,
    alert_id: Uuid,
    ids: &[Uuid],
    now: OffsetDateTime,
) -> TxResult<()> {
    let ids: BTreeSet<String> = ids.iter().copied().map(uuid_text).collect();
    let live = || {
        ds::table
            .filter(ds::id.eq_any(ids.iter().cloned().collect::<Vec<_>>()))
            .filter(ds::team_id.eq(team_id))
            .filter(ds::alert_id.eq(uuid_text(alert_id)))
            .filter(ds::deleted_at.is_null())
    };
    let n: i64 = live().count().get_result(c)?;
    if usize::try_from(n).ok() != Some(ids.len()) {
        return Err(AlertRepoError::NotOwned.into());
    }
    let updated = diesel::update(live()).set(ds::deleted_at.eq(Some(to_us(now)))).execute(c)?;
    // The count was read in this write transaction; a mismatch means a concurrent writer.
    if updated != ids.len() {
        return Err(AlertRepoError::NotOwned.into());
    }
    Ok(())
}

fn decode(rows: Vec<DestinationRow>, secrets: Option<&SecretBox>) -> TxResult<Vec<Destination>> {
    Ok(rows.into_iter().map(|r| r.into_domain(secrets)).collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn live(
    c: &mut AnyConnection,
    team_id: i64,
    alert_ids: &[Uuid],
    secrets: Option<&SecretBox>,
) -> TxResult<Vec<Destination>> {
    if alert_ids.is_empty() {
        return Ok(Vec::new());
    }
    let alerts: Vec<String> = alert_ids.iter().copied().map(uuid_text).collect();
    let rows = ds::table
        .select(DestinationRow::as_select())
        .filter(ds::team_id.eq(team_id))
        .filter(ds::alert_id.eq_any(alerts))
        .filter(ds::deleted_at.is_null())
        .order_by((ds::created_at.asc(), ds::id.asc()))
        .load(c)?;
    decode(rows, secrets)
}

pub(super) fn by_id(
    c: &mut AnyConnection,
    id: Uuid,
    secrets: Option<&SecretBox>,
) -> TxResult<Option<Destination>> {
    let row = ds::table.find(uuid_text(id)).select(DestinationRow::as_select()).first(c).optional()?;
    Ok(row.map(|r| r.into_domain(secrets)).transpose()?)
}

pub(super) fn create_integration(
    c: &mut AnyConnection,
    new: &NewIntegration,
    secrets: Option<&SecretBox>,
) -> TxResult<Integration> {
    let row = NewIntegrationRow::from_domain(new, secrets)?;
    // The database assigns the id; RETURNING is not portable through `AnyConnection`.
    let id: i64 = match c {
        AnyConnection::Postgresql(pg) => {
            diesel::insert_into(ig::table).values(&row).returning(ig::id).get_result(pg)?
        }
        AnyConnection::Sqlite(sqlite) => {
            diesel::insert_into(ig::table).values(&row).execute(sqlite)?;
            diesel::select(last_insert_rowid()).get_result(sqlite)?
        }
    };
    integrations(c, new.team_id, Some(id), secrets)?
        .into_iter()
        .next()
        .ok_or_else(|| AlertRepoError::Storage("inserted integration not found".into()).into())
}

/// The team's integrations, oldest first, or only `id`.
pub(super) fn integrations(
    c: &mut AnyConnection,
    team_id: i64,
    id: Option<i64>,
    secrets: Option<&SecretBox>,
) -> TxResult<Vec<Integration>> {
    let mut q = ig::table
        .select(IntegrationRow::as_select())
        .filter(ig::team_id.eq(team_id))
        .into_boxed::<MultiBackend>();
    if let Some(id) = id {
        q = q.filter(ig::id.eq(id));
    }
    let rows: Vec<IntegrationRow> = q.order_by(ig::id.asc()).load(c)?;
    Ok(rows.into_iter().map(|r| r.into_domain(secrets)).collect::<Result<Vec<_>, _>>()?)
}

pub(super) fn delete_integration(c: &mut AnyConnection, team_id: i64, id: i64) -> TxResult<()> {
    let n = diesel::delete(ig::table.filter(ig::id.eq(id)).filter(ig::team_id.eq(team_id))).execute(c)?;
    if n == 0 { Err(AlertRepoError::NotFound.into()) } else { Ok(()) }
}
