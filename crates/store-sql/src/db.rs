//! The connection pool over SQLite or PostgreSQL, chosen by URL, and migrations.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::StoreError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
/// Any fixed number; only Logstead's migrator takes this advisory lock.
const MIGRATION_LOCK: i64 = 0x6c6f_6773_7465_6164;

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<AnyManager>;
pub type DbConn = PooledConnection<AnyManager>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Opens connections of the backend the URL names. (diesel's generic manager would try
/// PostgreSQL and then SQLite, and could create a file named like a Postgres URL.)
#[derive(Debug, Clone)]
pub struct AnyManager {
    backend: Backend,
    conn_str: String,
}

impl ManageConnection for AnyManager {
    type Connection = AnyConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, Self::Error> {
        match self.backend {
            Backend::Postgres => PgConnection::establish(&self.conn_str)
                .map(AnyConnection::Postgresql)
                .map_err(diesel::r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.conn_str)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // Enforce foreign keys, wait on a busy writer instead of failing, and use
                // WAL so readers do not block the writer.
                c.batch_execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), Self::Error> {
        conn.batch_execute("SELECT 1").map_err(diesel::r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// Strips the `sqlite://` prefix diesel's SQLite connection does not understand.
fn connection_string(url: &str) -> String {
    match Backend::of_url(url) {
        Backend::Postgres => url.to_string(),
        Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_string(),
    }
}

/// Builds the pool; `build` opens a first connection, so a bad URL fails at start.
pub fn connect(url: &str, max_size: u32) -> Result<DbPool, StoreError> {
    let manager = AnyManager { backend: Backend::of_url(url), conn_str: connection_string(url) };
    Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .map_err(|e| StoreError::Connect(e.to_string()))
}

/// Runs pending migrations; on PostgreSQL under an advisory lock so that several servers
/// starting together migrate once.
pub fn migrate(pool: &DbPool) -> Result<usize, StoreError> {
    let mut conn = pool.get().map_err(|e| StoreError::Connect(e.to_string()))?;
    let applied = match &mut *conn {
        AnyConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| StoreError::Migration(e.to_string()))?
            .len(),
        AnyConnection::Postgresql(c) => {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(c)
                .map_err(StoreError::from)?;
            let result = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .execute(c)
                .map_err(StoreError::from)?;
            result.map_err(|e| StoreError::Migration(e.to_string()))?
        }
    };
    Ok(applied)
}

pub fn backend(conn: &AnyConnection) -> Backend {
    match conn {
        AnyConnection::Postgresql(_) => Backend::Postgres,
        AnyConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// A cheap round trip, for readiness.
pub fn ping(pool: &DbPool) -> Result<(), StoreError> {
    let mut conn = pool.get().map_err(|e| StoreError::Connect(e.to_string()))?;
    diesel::sql_query("SELECT 1").execute(&mut *conn).map_err(StoreError::from)?;
    Ok(())
}
