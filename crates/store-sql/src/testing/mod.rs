//! Throw-away, migrated databases for tests, on SQLite or PostgreSQL.
//!
//! PostgreSQL: the admin URL comes from `LOGSTEAD_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). The migrations are applied once into a
//! template database named after a hash of the migrations; every test then gets
//! `CREATE DATABASE … TEMPLATE …`, which is fast. Tests fail (never skip) when PostgreSQL
//! is unreachable.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::sql_types::BigInt;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use uuid::Uuid;

use crate::db::{Backend, DbPool, connect, migrate};

mod fixture;
pub use fixture::{TwoTeams, project};

/// A fixed secrets key for tests (`SqlStore::with_secrets`); never for a real server.
pub fn secret_box() -> std::sync::Arc<crate::secrets::SecretBox> {
    let key = crate::secrets::SecretKey::from_bytes(*b"logstead test secrets key 32 by.");
    std::sync::Arc::new(crate::secrets::SecretBox::new(key))
}

const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
/// Computed by build.rs from the migration files compiled into this crate.
const MIGRATIONS_FINGERPRINT: &str = env!("LOGSTEAD_MIGRATIONS_FINGERPRINT");
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Serialises template creation across test processes (nextest runs one per test).
const TEMPLATE_LOCK: i64 = 0x6c6f_6773_7465_6d70;
const POOL_SIZE: u32 = 4;

/// A fresh, migrated database, removed again when this is dropped.
///
/// Clones of `pool` that outlive the `TestDb` lose their database.
pub struct TestDb {
    pub pool: DbPool,
    pub url: String,
    pub backend: Backend,
    // Fields drop in declaration order: `pool` (its connections) goes before `_cleanup`
    // removes the database.
    _cleanup: Cleanup,
}

impl Drop for TestDb {
    // Cleanup happens in `Cleanup::drop`, after `pool` is gone. Implementing `Drop` here
    // forbids moving `pool` out, which would let the database vanish under it.
    fn drop(&mut self) {}
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => TestDb::sqlite(),
            Backend::Postgres => TestDb::postgres(),
        }
    }

    /// A migrated SQLite file under the system temp directory.
    pub fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("logstead-test-{}.sqlite3", Uuid::new_v4().simple()));
        let url = format!("sqlite://{}", path.display());
        let cleanup = Cleanup::Sqlite { path };
        let pool = connect(&url, POOL_SIZE)
            .unwrap_or_else(|e| panic!("cannot open test SQLite database {url}: {e}"));
        migrate(&pool).unwrap_or_else(|e| panic!("cannot migrate test SQLite database {url}: {e}"));
        TestDb { pool, url, backend: Backend::Sqlite, _cleanup: cleanup }
    }

    /// A new PostgreSQL database, copied from the migrated template.
    pub fn postgres() -> TestDb {
        let admin_url = admin_url();
        let template = template(&admin_url);
        let name = format!("logstead_test_{}", Uuid::new_v4().simple());
        let mut admin = admin_connection(&admin_url);
        create_database(&mut admin, &name, Some(&template));
        drop(admin);
        let url = with_database(&admin_url, &name);
        let cleanup = Cleanup::Postgres { admin_url, name };
        let pool =
            connect(&url, POOL_SIZE).unwrap_or_else(|e| panic!("cannot connect to test database {url}: {e}"));
        TestDb { pool, url, backend: Backend::Postgres, _cleanup: cleanup }
    }
}

impl TestDb {
    /// A database migrated only up to `version` (e.g. `"20261207000006"`, the folder
    /// name's date and number): the schema an older release left behind, for upgrade tests.
    /// `store_sql::migrate` then brings it up to date.
    pub fn at_version(backend: Backend, version: &str) -> TestDb {
        let db = match backend {
            Backend::Sqlite => {
                let path =
                    std::env::temp_dir().join(format!("logstead-test-{}.sqlite3", Uuid::new_v4().simple()));
                let url = format!("sqlite://{}", path.display());
                let pool = connect(&url, POOL_SIZE).unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
                TestDb { pool, url, backend, _cleanup: Cleanup::Sqlite { path } }
            }
            Backend::Postgres => {
                let admin_url = admin_url();
                let name = format!("logstead_test_{}", Uuid::new_v4().simple());
                let mut admin = admin_connection(&admin_url);
                create_database(&mut admin, &name, None);
                drop(admin);
                let url = with_database(&admin_url, &name);
                let pool =
                    connect(&url, POOL_SIZE).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
                TestDb { pool, url, backend, _cleanup: Cleanup::Postgres { admin_url, name } }
            }
        };
        let mut conn = db.pool.get().unwrap_or_else(|e| panic!("pool: {e}"));
        let applied = match &mut *conn {
            crate::db::AnyConnection::Sqlite(c) => run_up_to(c, SQLITE_MIGRATIONS, version),
            crate::db::AnyConnection::Postgresql(c) => run_up_to(c, PG_MIGRATIONS, version),
        };
        assert!(applied > 0, "no migration at or before {version}");
        drop(conn);
        db
    }
}

/// Runs the migrations whose version is at most `version`, in order; returns how many.
fn run_up_to<DB, C>(conn: &mut C, source: EmbeddedMigrations, version: &str) -> usize
where
    DB: diesel::backend::Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    use diesel::migration::MigrationSource;
    // Creates diesel's bookkeeping table, as the first `run_pending_migrations` would.
    conn.applied_migrations().unwrap_or_else(|e| panic!("migrations table: {e}"));
    let mut all = MigrationSource::<DB>::migrations(&source).unwrap_or_else(|e| panic!("migrations: {e}"));
    all.sort_by_key(|m| m.name().version().to_string());
    let mut n = 0;
    for m in all.iter().filter(|m| m.name().version().to_string().as_str() <= version) {
        conn.run_migration(&**m).unwrap_or_else(|e| panic!("migration {}: {e}", m.name()));
        n += 1;
    }
    n
}

enum Cleanup {
    Sqlite { path: PathBuf },
    Postgres { admin_url: String, name: String },
}

impl Drop for Cleanup {
    // Never panics: a failed cleanup only leaves garbage behind.
    fn drop(&mut self) {
        match self {
            Cleanup::Sqlite { path } => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                if let Ok(mut admin) = PgConnection::establish(admin_url) {
                    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    let _ = diesel::sql_query(sql).execute(&mut admin);
                }
            }
        }
    }
}

fn admin_url() -> String {
    std::env::var("LOGSTEAD_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ADMIN_URL.to_string())
}

fn admin_connection(admin_url: &str) -> PgConnection {
    PgConnection::establish(admin_url).unwrap_or_else(|e| {
        let e = e.to_string();
        panic!(
            "PostgreSQL is unreachable at {admin_url} ({}).\n\
             The store tests need it. Start it, e.g. \
             `pg_ctlcluster --skip-systemctl-redirect 15 main start`, or point \
             LOGSTEAD_TEST_POSTGRES_URL at a server where you may create databases.",
            e.trim_end()
        )
    })
}

/// The admin URL with its database (path) replaced by `db`, query string kept.
fn with_database(admin_url: &str, db: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Name of the migrated template, creating it if this machine has none for these
/// migrations yet. Checked once per process.
fn template(admin_url: &str) -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| ensure_template(admin_url)).clone()
}

fn ensure_template(admin_url: &str) -> String {
    let name = format!("logstead_tmpl_{MIGRATIONS_FINGERPRINT}");
    let mut admin = admin_connection(admin_url);
    // Session-level: released by the unlock below or when the connection ends (even on
    // panic), so a crashed process cannot wedge the others.
    run(&mut admin, &format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"));
    if !database_exists(&mut admin, &name) {
        // Built under another name and renamed when complete, so a process that dies
        // half-way never leaves a half-migrated template behind.
        let building = format!("{name}_building");
        run(&mut admin, &format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"));
        create_database(&mut admin, &building, None);
        {
            let url = with_database(admin_url, &building);
            let mut conn =
                PgConnection::establish(&url).unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
            conn.run_pending_migrations(PG_MIGRATIONS)
                .unwrap_or_else(|e| panic!("cannot migrate the template database {building}: {e}"));
            // `conn` closes here: CREATE DATABASE … TEMPLATE refuses while anyone is connected.
        }
        retry_while_in_use(|| {
            diesel::sql_query(format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""))
                .execute(&mut admin)
        })
        .unwrap_or_else(|e| panic!("cannot rename {building} to {name}: {e}"));
    }
    run(&mut admin, &format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"));
    name
}

fn create_database(admin: &mut PgConnection, name: &str, template: Option<&str>) {
    let sql = match template {
        Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
        None => format!("CREATE DATABASE \"{name}\" TEMPLATE template0"),
    };
    retry_while_in_use(|| diesel::sql_query(&sql).execute(admin))
        .unwrap_or_else(|e| panic!("{sql} failed: {e}"));
}

/// PostgreSQL refuses to copy or rename a database someone is connected to; a backend
/// whose client just disconnected may take a moment to exit.
fn retry_while_in_use<T>(mut f: impl FnMut() -> diesel::QueryResult<T>) -> diesel::QueryResult<T> {
    let mut attempt = 0;
    loop {
        match f() {
            Err(e) if attempt < 20 && e.to_string().contains("being accessed by other users") => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(250));
            }
            other => return other,
        }
    }
}

fn run(conn: &mut PgConnection, sql: &str) {
    if let Err(e) = diesel::sql_query(sql).execute(conn) {
        panic!("{sql} failed: {e}");
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn database_exists(admin: &mut PgConnection, name: &str) -> bool {
    let found: Count = diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result(admin)
        .unwrap_or_else(|e| panic!("cannot list databases: {e}"));
    found.n > 0
}

/// Runs each test function on both backends.
///
/// Each `fn name(db: TestDb) { … }` becomes `sqlite::name` and `postgres::name`, two
/// `#[test]`s that receive a fresh [`TestDb`]. Invoke it once per module (it defines the
/// modules `sqlite` and `postgres`); the generated modules `use super::*`. Attributes such
/// as `#[ignore]` are passed on.
///
/// ```no_run
/// use store_sql::testing::TestDb;
/// use store_sql::{SqlStore, both_backends};
///
/// both_backends! {
///     fn counts_users(db: TestDb) {
///         let store = SqlStore::new(db.pool.clone());
///         assert_eq!(orgs::UserRepo::count_users(&store).ok(), Some(0));
///     }
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! both_backends {
    ($($(#[$attr:meta])* fn $name:ident($db:ident : $ty:ty) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$attr])*
                #[test]
                fn $name() {
                    let $db: $ty = $crate::testing::TestDb::sqlite();
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                $(#[$attr])*
                #[test]
                fn $name() {
                    let $db: $ty = $crate::testing::TestDb::postgres();
                    $body
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_swapped_in_urls() {
        assert_eq!(with_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "x"),
            "postgresql://u:p@h/x?sslmode=disable"
        );
    }

    #[test]
    fn fingerprint_is_sixteen_hex_digits() {
        assert_eq!(MIGRATIONS_FINGERPRINT.len(), 16);
        assert!(MIGRATIONS_FINGERPRINT.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
