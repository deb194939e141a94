//! `ExportRepo for SqlStore`: export jobs in the `exports` table.
//!
//! `claim_export` is the only concurrent writer pattern: on PostgreSQL the candidate is
//! locked with `FOR UPDATE SKIP LOCKED` (several servers claim different jobs without
//! waiting on each other); on SQLite the claim runs in an IMMEDIATE transaction (the write
//! lock is taken before the candidate is read) and the UPDATE is guarded by the state read,
//! its affected-row count re-checked.

use ::exports::{ExportError, ExportJob, ExportRepo, Format, NewExport, State};
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::sqlite::{Sqlite, SqliteConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{AnyConnection, DbConn};
use crate::rows::{to_us, uuid_text};
use crate::schema::exports as jobs;
use crate::store::SqlStore;

type Result<T> = std::result::Result<T, ExportError>;

/// How often a SQLite claim retries when its guarded update lost a race (it cannot under
/// an IMMEDIATE transaction; the guard is defence in depth).
const CLAIM_ATTEMPTS: usize = 5;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs, check_for_backend(Sqlite, Pg))]
struct ExportRow {
    id: i64,
    organization_id: String,
    team_id: Option<i64>,
    created_by: Option<i64>,
    kind: String,
    format: String,
    params: String,
    filename: String,
    state: String,
    path: Option<String>,
    rows: Option<i64>,
    bytes: Option<i64>,
    error: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    expires_at: i64,
}

/// `exports.id` is assigned by the database.
#[derive(Debug, Insertable)]
#[diesel(table_name = jobs)]
struct NewExportRow {
    uuid: String,
    organization_id: String,
    team_id: Option<i64>,
    created_by: Option<i64>,
    kind: String,
    format: String,
    params: String,
    filename: String,
    state: String,
    created_at: i64,
    expires_at: i64,
}

fn storage(e: impl std::fmt::Display) -> ExportError {
    ExportError::Storage(e.to_string())
}

fn corrupt(what: &str, value: &str, e: impl std::fmt::Display) -> ExportError {
    ExportError::Storage(format!("corrupt {what} {value:?} in the database: {e}"))
}

fn from_us(us: i64, what: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(what, &us.to_string(), e))
}

impl ExportRow {
    fn into_domain(self) -> Result<ExportJob> {
        Ok(ExportJob {
            id: self.id,
            organization_id: Uuid::parse_str(&self.organization_id)
                .map_err(|e| corrupt("exports.organization_id", &self.organization_id, e))?,
            team_id: self.team_id,
            created_by: self.created_by,
            kind: self.kind,
            format: Format::parse(&self.format)
                .ok_or_else(|| corrupt("exports.format", &self.format, "unknown format"))?,
            params: serde_json::from_str(&self.params)
                .map_err(|e| corrupt("exports.params", &self.params, e))?,
            filename: self.filename,
            state: State::parse(&self.state)
                .ok_or_else(|| corrupt("exports.state", &self.state, "unknown state"))?,
            path: self.path,
            rows: self.rows,
            bytes: self.bytes,
            error: self.error,
            created_at: from_us(self.created_at, "exports.created_at")?,
            started_at: self.started_at.map(|t| from_us(t, "exports.started_at")).transpose()?,
            finished_at: self.finished_at.map(|t| from_us(t, "exports.finished_at")).transpose()?,
            expires_at: from_us(self.expires_at, "exports.expires_at")?,
        })
    }
}

impl SqlStore {
    fn export_conn(&self) -> Result<DbConn> {
        self.pool().get().map_err(|e| ExportError::Storage(format!("database pool: {e}")))
    }
}

fn load(c: &mut AnyConnection, id: i64) -> Result<Option<ExportJob>> {
    let row = jobs::table.find(id).select(ExportRow::as_select()).first(c).optional().map_err(storage)?;
    row.map(ExportRow::into_domain).transpose()
}

/// `NotFound` when a write by id touched no row.
fn found(n: usize) -> Result<()> {
    if n == 0 { Err(ExportError::NotFound) } else { Ok(()) }
}

/// Pending, or running since before `stale_before` (its worker is presumed dead).
#[diesel::dsl::auto_type]
fn claimable(stale_before: i64) -> _ {
    let pending: &'static str = "pending";
    let running: &'static str = "running";
    jobs::state.eq(pending).or(jobs::state.eq(running).and(jobs::started_at.lt(stale_before)))
}

/// The claim on PostgreSQL: the oldest claimable row, locked, skipping rows other
/// claimers hold; then moved to running in the same transaction.
fn claim_pg(c: &mut PgConnection, now: i64, stale_before: i64) -> QueryResult<Option<i64>> {
    c.transaction(|c| {
        let id: Option<i64> = jobs::table
            .select(jobs::id)
            .filter(claimable(stale_before))
            .order_by((jobs::created_at.asc(), jobs::id.asc()))
            .limit(1)
            .for_update()
            .skip_locked()
            .first(c)
            .optional()?;
        if let Some(id) = id {
            diesel::update(jobs::table.find(id))
                .set((jobs::state.eq(State::Running.as_str()), jobs::started_at.eq(Some(now))))
                .execute(c)?;
        }
        Ok(id)
    })
}

/// The claim on SQLite: IMMEDIATE takes the write lock first, so no other claimer runs
/// between the read and the guarded update.
fn claim_sqlite(c: &mut SqliteConnection, now: i64, stale_before: i64) -> QueryResult<Option<i64>> {
    c.immediate_transaction(|c| {
        for _ in 0..CLAIM_ATTEMPTS {
            let candidate: Option<(i64, String)> = jobs::table
                .select((jobs::id, jobs::state))
                .filter(claimable(stale_before))
                .order_by((jobs::created_at.asc(), jobs::id.asc()))
                .first(c)
                .optional()?;
            let Some((id, old_state)) = candidate else { return Ok(None) };
            // Only if the row is still claimable and in the state read.
            let guard = jobs::table
                .filter(jobs::id.eq(id))
                .filter(jobs::state.eq(old_state))
                .filter(claimable(stale_before));
            let n = diesel::update(guard)
                .set((jobs::state.eq(State::Running.as_str()), jobs::started_at.eq(Some(now))))
                .execute(c)?;
            if n == 1 {
                return Ok(Some(id));
            }
        }
        Ok(None)
    })
}

impl ExportRepo for SqlStore {
    fn create_export(&self, new: &NewExport) -> Result<ExportJob> {
        let params = serde_json::to_string(&new.params).map_err(storage)?;
        let row = NewExportRow {
            uuid: uuid_text(Uuid::new_v4()),
            organization_id: uuid_text(new.organization_id),
            team_id: new.team_id,
            created_by: new.created_by,
            kind: new.kind.clone(),
            format: new.format.as_str().to_string(),
            params,
            filename: new.filename.clone(),
            state: State::Pending.as_str().to_string(),
            created_at: to_us(new.created_at),
            expires_at: to_us(new.expires_at),
        };
        let mut conn = self.export_conn()?;
        // Inserted, then read back by the unique uuid: RETURNING is not portable through
        // `AnyConnection`.
        let stored = conn
            .transaction(|c| {
                diesel::insert_into(jobs::table).values(&row).execute(c)?;
                jobs::table.filter(jobs::uuid.eq(&row.uuid)).select(ExportRow::as_select()).first(c)
            })
            .map_err(storage)?;
        stored.into_domain()
    }

    fn export(&self, organization_id: Uuid, team_id: Option<i64>, id: i64) -> Result<Option<ExportJob>> {
        let mut conn = self.export_conn()?;
        let mut q = jobs::table
            .select(ExportRow::as_select())
            .filter(jobs::id.eq(id))
            .filter(jobs::organization_id.eq(uuid_text(organization_id)))
            .into_boxed::<crate::db::MultiBackend>();
        if let Some(team) = team_id {
            q = q.filter(jobs::team_id.eq(team));
        }
        let row = q.first(&mut *conn).optional().map_err(storage)?;
        row.map(ExportRow::into_domain).transpose()
    }

    fn claim_export(&self, now: OffsetDateTime, stale_before: OffsetDateTime) -> Result<Option<ExportJob>> {
        let (now, stale_before) = (to_us(now), to_us(stale_before));
        let mut conn = self.export_conn()?;
        let claimed = match &mut *conn {
            AnyConnection::Postgresql(c) => claim_pg(c, now, stale_before),
            AnyConnection::Sqlite(c) => claim_sqlite(c, now, stale_before),
        }
        .map_err(storage)?;
        match claimed {
            Some(id) => load(&mut conn, id),
            None => Ok(None),
        }
    }

    fn complete_export(&self, id: i64, path: &str, rows: i64, bytes: i64, now: OffsetDateTime) -> Result<()> {
        let mut conn = self.export_conn()?;
        let n = diesel::update(jobs::table.find(id))
            .set((
                jobs::state.eq(State::Complete.as_str()),
                jobs::path.eq(Some(path)),
                jobs::rows.eq(Some(rows)),
                jobs::bytes.eq(Some(bytes)),
                jobs::error.eq(None::<String>),
                jobs::finished_at.eq(Some(to_us(now))),
            ))
            .execute(&mut *conn)
            .map_err(storage)?;
        found(n)
    }

    fn fail_export(&self, id: i64, error: &str, now: OffsetDateTime) -> Result<()> {
        let mut conn = self.export_conn()?;
        let n = diesel::update(jobs::table.find(id))
            .set((
                jobs::state.eq(State::Failed.as_str()),
                jobs::error.eq(Some(error)),
                jobs::finished_at.eq(Some(to_us(now))),
            ))
            .execute(&mut *conn)
            .map_err(storage)?;
        found(n)
    }

    fn expired_exports(&self, now: OffsetDateTime) -> Result<Vec<ExportJob>> {
        let mut conn = self.export_conn()?;
        let rows: Vec<ExportRow> = jobs::table
            .select(ExportRow::as_select())
            .filter(jobs::expires_at.le(to_us(now)))
            .order_by((jobs::expires_at.asc(), jobs::id.asc()))
            .load(&mut *conn)
            .map_err(storage)?;
        rows.into_iter().map(ExportRow::into_domain).collect()
    }

    fn delete_export(&self, id: i64) -> Result<()> {
        let mut conn = self.export_conn()?;
        found(diesel::delete(jobs::table.find(id)).execute(&mut *conn).map_err(storage)?)
    }
}
