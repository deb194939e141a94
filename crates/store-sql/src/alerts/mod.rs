//! `AlertRepo for SqlStore`: alerts, their events, destinations, Slack integrations and the
//! notification delivery queue (tables `logs_alert*` and `integrations`).
//!
//! Write transactions start with the write lock on SQLite (`BEGIN IMMEDIATE`): a deferred
//! transaction that reads and then writes can fail with SQLITE_BUSY when another writer got
//! in between, which a busy timeout does not cure. PostgreSQL locks rows instead (the team
//! row for the alert limit, `FOR UPDATE SKIP LOCKED` for the claims).

mod claim;
mod crud;
mod deliveries;
mod destinations;
mod events;
mod queue_rows;
mod record;
mod rows;
mod secret_rows;
pub use secret_rows::SealReport;

use activity_log::ActivityEntry;
use alerts_engine::repo::{
    Alert, AlertRepo, AlertRepoError, CheckWrite, Delivery, Destination, Integration, NewEvent,
    NewIntegration, Page, StoredEvent,
};
use alerts_engine::state::EventKind;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::Error as DieselError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::store::SqlStore;

type Result<T> = std::result::Result<T, AlertRepoError>;
type TxResult<T> = std::result::Result<T, Fail>;

/// Biggest page we ask SQL for.
const MAX_LIMIT: i64 = 1_000_000;

/// An `AlertRepoError` diesel errors convert into, so closures can use `?` on both and
/// `Connection::transaction` accepts it.
pub(crate) struct Fail(pub AlertRepoError);

impl From<AlertRepoError> for Fail {
    fn from(e: AlertRepoError) -> Self {
        Fail(e)
    }
}

impl From<DieselError> for Fail {
    fn from(e: DieselError) -> Self {
        Fail(AlertRepoError::Storage(e.to_string()))
    }
}

/// (limit, offset) safe to bind: non-negative and capped.
fn bounds(limit: i64, offset: i64) -> (i64, i64) {
    (limit.clamp(0, MAX_LIMIT), offset.max(0))
}

fn record(c: &mut AnyConnection, audit: &[ActivityEntry]) -> TxResult<()> {
    crate::activity::insert_activity(c, audit)?;
    Ok(())
}

/// Runs `f` in one write transaction (see the module docs); any error rolls it back.
fn write_tx<T>(c: &mut AnyConnection, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> TxResult<T> {
    use diesel::Connection;
    match c {
        AnyConnection::Postgresql(_) => c.transaction(f),
        AnyConnection::Sqlite(sqlite) => {
            // What `SqliteConnection::immediate_transaction` does, keeping `AnyConnection`
            // for `f` (its transaction manager delegates to the SQLite connection's).
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            match f(c) {
                Ok(v) => {
                    if let AnyConnection::Sqlite(sqlite) = c {
                        AnsiTransactionManager::commit_transaction(sqlite)?;
                    }
                    Ok(v)
                }
                Err(e) => {
                    if let AnyConnection::Sqlite(sqlite) = c {
                        AnsiTransactionManager::rollback_transaction(sqlite)?;
                    }
                    Err(e)
                }
            }
        }
    }
}

impl SqlStore {
    fn alerts_run<T>(&self, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> Result<T> {
        let mut conn =
            self.pool().get().map_err(|e| AlertRepoError::Storage(format!("database pool: {e}")))?;
        f(&mut conn).map_err(|f| f.0)
    }

    fn alerts_tx<T>(&self, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> Result<T> {
        self.alerts_run(|c| write_tx(c, f))
    }

    /// `f` and its activity entries in one write transaction.
    fn alerts_logged<T>(
        &self,
        audit: &[ActivityEntry],
        f: impl FnOnce(&mut AnyConnection) -> TxResult<T>,
    ) -> Result<T> {
        self.alerts_tx(|c| {
            let out = f(c)?;
            record(c, audit)?;
            Ok(out)
        })
    }
}

impl AlertRepo for SqlStore {
    fn create_alert(&self, alert: &Alert, max: usize, audit: &[ActivityEntry]) -> Result<Alert> {
        self.alerts_logged(audit, |c| crud::create(c, alert, max))
    }

    fn alert(&self, team_id: i64, id: Uuid) -> Result<Option<Alert>> {
        self.alerts_run(|c| crud::get(c, Some(team_id), id))
    }

    fn list_alerts(
        &self,
        team_id: i64,
        created_by: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Alert>> {
        self.alerts_run(|c| crud::list(c, team_id, created_by, limit, offset))
    }

    fn update_alert(
        &self,
        alert: &Alert,
        event: Option<&NewEvent>,
        audit: &[ActivityEntry],
    ) -> Result<Alert> {
        self.alerts_logged(audit, |c| crud::update(c, alert, event))
    }

    fn delete_alert(&self, team_id: i64, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        self.alerts_logged(audit, |c| crud::delete(c, team_id, id))
    }

    fn events(
        &self,
        team_id: i64,
        alert_id: Uuid,
        kind: Option<EventKind>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<StoredEvent>> {
        self.alerts_run(|c| events::page(c, team_id, alert_id, kind, limit, offset))
    }

    fn timeline_events(
        &self,
        alert_id: Uuid,
        from: OffsetDateTime,
    ) -> Result<(Option<EventKind>, Vec<StoredEvent>)> {
        self.alerts_run(|c| events::timeline(c, alert_id, from))
    }

    fn prune_events(&self, before: OffsetDateTime) -> Result<u64> {
        self.alerts_run(|c| events::prune_before(c, before))
    }

    fn create_destinations(
        &self,
        team_id: i64,
        alert_id: Uuid,
        rows: &[Destination],
        audit: &[ActivityEntry],
    ) -> Result<()> {
        self.alerts_logged(audit, |c| destinations::create(c, team_id, alert_id, rows, self.secrets()))
    }

    fn delete_destinations(
        &self,
        team_id: i64,
        alert_id: Uuid,
        ids: &[Uuid],
        audit: &[ActivityEntry],
    ) -> Result<()> {
        self.alerts_logged(audit, |c| {
            destinations::delete(c, team_id, alert_id, ids, OffsetDateTime::now_utc())
        })
    }

    fn destinations(&self, team_id: i64, alert_ids: &[Uuid]) -> Result<Vec<Destination>> {
        self.alerts_run(|c| destinations::live(c, team_id, alert_ids, self.secrets()))
    }

    fn destination(&self, id: Uuid) -> Result<Option<Destination>> {
        self.alerts_run(|c| destinations::by_id(c, id, self.secrets()))
    }

    fn create_integration(&self, new: &NewIntegration, audit: &[ActivityEntry]) -> Result<Integration> {
        self.alerts_logged(audit, |c| destinations::create_integration(c, new, self.secrets()))
    }

    fn integrations(&self, team_id: i64) -> Result<Vec<Integration>> {
        self.alerts_run(|c| destinations::integrations(c, team_id, None, self.secrets()))
    }

    fn integration(&self, team_id: i64, id: i64) -> Result<Option<Integration>> {
        self.alerts_run(|c| {
            Ok(destinations::integrations(c, team_id, Some(id), self.secrets())?.into_iter().next())
        })
    }

    fn delete_integration(&self, team_id: i64, id: i64, audit: &[ActivityEntry]) -> Result<()> {
        self.alerts_logged(audit, |c| destinations::delete_integration(c, team_id, id))
    }

    fn claim_due_alerts(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Alert>> {
        self.alerts_run(|c| claim::claim_due(c, now, lease_until, limit))
    }

    fn record_check(&self, write: &CheckWrite) -> Result<bool> {
        let mut applied = self.alerts_tx(|c| record::record_checks(c, std::slice::from_ref(write)))?;
        Ok(applied.pop().unwrap_or(false))
    }

    fn record_checks(&self, writes: &[CheckWrite]) -> Result<Vec<bool>> {
        self.alerts_tx(|c| record::record_checks(c, writes))
    }

    fn release_claim(&self, alert_id: Uuid) -> Result<()> {
        self.alerts_run(|c| claim::release(c, alert_id))
    }

    fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        self.alerts_run(|c| deliveries::claim(c, now, lease_until, limit))
    }

    fn delivery_succeeded(&self, id: Uuid, now: OffsetDateTime) -> Result<()> {
        self.alerts_run(|c| deliveries::succeeded(c, id, now))
    }

    fn delivery_failed(&self, id: Uuid, error: &str, retry_at: Option<OffsetDateTime>) -> Result<()> {
        self.alerts_run(|c| deliveries::failed(c, id, error, retry_at))
    }

    fn deliveries_for_events(&self, event_ids: &[Uuid]) -> Result<Vec<Delivery>> {
        self.alerts_run(|c| deliveries::for_events(c, event_ids))
    }
}
