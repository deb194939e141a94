//! `ApprovalRepo for SqlStore`: policies (`approval_policies`), change requests
//! (`change_requests`) with their votes (`change_request_votes`), and job claims
//! (`scheduled_jobs`).
//!
//! Writes and their activity entries share one transaction, begun with the write lock on
//! SQLite (`BEGIN IMMEDIATE`: a deferred transaction that reads and then writes can fail
//! with SQLITE_BUSY, which the busy timeout does not cure). On PostgreSQL `transition`
//! locks its row with `SELECT … FOR UPDATE`.

mod jobs;
mod policies;
mod requests;
mod rows;

use ::approvals::ApprovalRepo;
use ::approvals::error::{ApprovalError, Result};
use ::approvals::model::{ChangeRequest, Policy};
use ::approvals::repo::{Page, PolicyFilter, RequestFilter, TransitionFn, Where};
use activity_log::ActivityEntry;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::store::SqlStore;

type TxResult<T> = std::result::Result<T, Fail>;

/// Biggest page we ask SQL for.
const MAX_LIMIT: i64 = 1_000_000;

/// An `ApprovalError` diesel errors convert into, so closures can use `?` on both.
struct Fail(ApprovalError);

impl From<ApprovalError> for Fail {
    fn from(e: ApprovalError) -> Self {
        Fail(e)
    }
}

impl From<DieselError> for Fail {
    fn from(e: DieselError) -> Self {
        Fail(ApprovalError::Storage(e.to_string()))
    }
}

/// (limit, offset) safe to bind: non-negative and capped.
fn bounds(limit: i64, offset: i64) -> (i64, i64) {
    (limit.clamp(0, MAX_LIMIT), offset.max(0))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// One write transaction; any error rolls it back (`sampling::write_tx` for this error type).
fn write_tx<T>(c: &mut AnyConnection, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> TxResult<T> {
    match c {
        AnyConnection::Postgresql(_) => c.transaction(f),
        AnyConnection::Sqlite(sqlite) => {
            AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
            let out = f(c);
            if let AnyConnection::Sqlite(sqlite) = c {
                match &out {
                    Ok(_) => AnsiTransactionManager::commit_transaction(sqlite)?,
                    Err(_) => AnsiTransactionManager::rollback_transaction(sqlite)?,
                }
            }
            out
        }
    }
}

impl SqlStore {
    fn approvals_run<T>(&self, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> Result<T> {
        let mut conn =
            self.pool().get().map_err(|e| ApprovalError::Storage(format!("database pool: {e}")))?;
        f(&mut conn).map_err(|f| f.0)
    }

    /// `f` and its activity entries in one write transaction.
    fn approvals_logged<T>(
        &self,
        audit: &[ActivityEntry],
        f: impl FnOnce(&mut AnyConnection) -> TxResult<T>,
    ) -> Result<T> {
        self.approvals_run(|c| {
            write_tx(c, |c| {
                let out = f(c)?;
                crate::activity::insert_activity(c, audit)?;
                Ok(out)
            })
        })
    }
}

impl ApprovalRepo for SqlStore {
    fn list_policies(
        &self,
        at: Where,
        filter: &PolicyFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Policy>> {
        self.approvals_run(|c| policies::list(c, at, filter, limit, offset))
    }

    fn get_policy(&self, at: Where, id: Uuid) -> Result<Option<Policy>> {
        self.approvals_run(|c| policies::get(c, at, id))
    }

    fn create_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy> {
        self.approvals_logged(audit, |c| policies::create(c, policy))
    }

    fn update_policy(&self, policy: &Policy, audit: &[ActivityEntry]) -> Result<Policy> {
        self.approvals_logged(audit, |c| policies::update(c, policy))
    }

    fn delete_policy(&self, at: Where, id: Uuid, audit: &[ActivityEntry]) -> Result<()> {
        self.approvals_logged(audit, |c| policies::delete(c, at, id))
    }

    fn enabled_policies(&self, org: Uuid, team: Option<i64>, action_key: &str) -> Result<Vec<Policy>> {
        self.approvals_run(|c| policies::enabled(c, org, team, action_key))
    }

    fn list_requests(
        &self,
        at: Where,
        filter: &RequestFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Page<ChangeRequest>> {
        self.approvals_run(|c| requests::list(c, at, filter, limit, offset))
    }

    fn get_request(&self, at: Where, id: Uuid) -> Result<Option<ChangeRequest>> {
        self.approvals_run(|c| requests::get(c, at, id))
    }

    fn open_request(
        &self,
        org: Uuid,
        team: Option<i64>,
        action_key: &str,
        resource_type: &str,
        resource_id: Option<&str>,
    ) -> Result<Option<ChangeRequest>> {
        self.approvals_run(|c| requests::open(c, org, team, action_key, resource_type, resource_id))
    }

    fn create_request(&self, request: &ChangeRequest, audit: &[ActivityEntry]) -> Result<ChangeRequest> {
        self.approvals_logged(audit, |c| requests::create(c, request))
    }

    fn transition(&self, id: Uuid, f: TransitionFn<'_>) -> Result<ChangeRequest> {
        self.approvals_run(|c| write_tx(c, |c| requests::transition(c, id, f)))
    }

    fn due_for_expiry(&self, now: OffsetDateTime, limit: i64) -> Result<Vec<Uuid>> {
        self.approvals_run(|c| jobs::due_for_expiry(c, now, limit))
    }

    fn pending_valid(&self, limit: i64) -> Result<Vec<ChangeRequest>> {
        self.approvals_run(|c| jobs::pending_valid(c, limit))
    }

    fn claim_job(&self, name: &str, now: OffsetDateTime, next: OffsetDateTime) -> Result<bool> {
        self.approvals_run(|c| write_tx(c, |c| jobs::claim(c, name, now, next)))
    }
}
