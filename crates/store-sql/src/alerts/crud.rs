//! Alerts: create under the per-team limit, read, list, optimistic update, delete.

use alerts_engine::repo::{Alert, AlertRepoError, NewEvent, Page};
use diesel::prelude::*;
use uuid::Uuid;

use super::rows::{AlertChanges, AlertRow, EventRow};
use super::{TxResult, bounds};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::uuid_text;
use crate::schema::{logs_alert_events, logs_alerts as la, projects};

/// Locks the team row for the rest of the transaction. On SQLite the IMMEDIATE
/// transaction already holds the database's write lock; only existence is checked.
fn lock_team(c: &mut AnyConnection, team_id: i64) -> TxResult<bool> {
    let q = projects::table.find(team_id).select(projects::id);
    let found = match c {
        AnyConnection::Postgresql(pg) => q.for_update().first::<i64>(pg).optional()?,
        AnyConnection::Sqlite(sqlite) => q.first::<i64>(sqlite).optional()?,
    };
    Ok(found.is_some())
}

pub(super) fn create(c: &mut AnyConnection, alert: &Alert, max: usize) -> TxResult<Alert> {
    if !lock_team(c, alert.team_id)? {
        return Err(AlertRepoError::NotFound.into());
    }
    let n: i64 = la::table.filter(la::team_id.eq(alert.team_id)).count().get_result(c)?;
    if usize::try_from(n).map_or(true, |n| n >= max) {
        return Err(AlertRepoError::LimitReached(max).into());
    }
    diesel::insert_into(la::table).values(AlertRow::from_domain(alert)?).execute(c)?;
    get(c, Some(alert.team_id), alert.id)?
        .ok_or_else(|| AlertRepoError::Storage("inserted alert not found".into()).into())
}

/// The alert, of `team_id` when given.
pub(super) fn get(c: &mut AnyConnection, team_id: Option<i64>, id: Uuid) -> TxResult<Option<Alert>> {
    let mut q =
        la::table.select(AlertRow::as_select()).filter(la::id.eq(uuid_text(id))).into_boxed::<MultiBackend>();
    if let Some(team) = team_id {
        q = q.filter(la::team_id.eq(team));
    }
    let row = q.first(c).optional()?;
    Ok(row.map(AlertRow::into_domain).transpose()?)
}

pub(super) fn list(
    c: &mut AnyConnection,
    team_id: i64,
    created_by: Option<i64>,
    limit: i64,
    offset: i64,
) -> TxResult<Page<Alert>> {
    let (limit, offset) = bounds(limit, offset);
    let filtered = || {
        let mut q = la::table.filter(la::team_id.eq(team_id)).into_boxed::<MultiBackend>();
        if let Some(user) = created_by {
            q = q.filter(la::created_by.eq(user));
        }
        q
    };
    let count: i64 = filtered().count().get_result(c)?;
    let rows: Vec<AlertRow> = filtered()
        .select(AlertRow::as_select())
        .order_by((la::created_at.desc(), la::id.desc()))
        .limit(limit)
        .offset(offset)
        .load(c)?;
    let results = rows.into_iter().map(AlertRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { count: u64::try_from(count).unwrap_or(0), results })
}

/// Whether the alert exists in the team (to tell `NotFound` from `Conflict`).
fn exists(c: &mut AnyConnection, team_id: i64, id: Uuid) -> TxResult<bool> {
    let n: i64 =
        la::table.filter(la::id.eq(uuid_text(id))).filter(la::team_id.eq(team_id)).count().get_result(c)?;
    Ok(n > 0)
}

pub(super) fn update(c: &mut AnyConnection, alert: &Alert, event: Option<&NewEvent>) -> TxResult<Alert> {
    let changes = AlertChanges::from_domain(alert)?;
    let target = la::table
        .filter(la::id.eq(uuid_text(alert.id)))
        .filter(la::team_id.eq(alert.team_id))
        .filter(la::version.eq(alert.version));
    let n = diesel::update(target).set((&changes, la::version.eq(la::version + 1))).execute(c)?;
    if n == 0 {
        let e = if exists(c, alert.team_id, alert.id)? {
            AlertRepoError::Conflict
        } else {
            AlertRepoError::NotFound
        };
        return Err(e.into());
    }
    if let Some(ev) = event {
        let row = EventRow::from_new(alert.team_id, alert.id, ev)?;
        diesel::insert_into(logs_alert_events::table).values(row).execute(c)?;
    }
    get(c, Some(alert.team_id), alert.id)?
        .ok_or_else(|| AlertRepoError::Storage("updated alert not found".into()).into())
}

/// Events, destinations and deliveries go with it (ON DELETE CASCADE).
pub(super) fn delete(c: &mut AnyConnection, team_id: i64, id: Uuid) -> TxResult<()> {
    let n = diesel::delete(la::table.filter(la::id.eq(uuid_text(id))).filter(la::team_id.eq(team_id)))
        .execute(c)?;
    if n == 0 { Err(AlertRepoError::NotFound.into()) } else { Ok(()) }
}
