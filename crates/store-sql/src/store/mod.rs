//! `SqlStore`: the domain's repository traits over the pool, on either backend.

mod keys;
mod organizations;
mod projects;
mod users;

use activity_log::ActivityEntry;
use diesel::Connection;
use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use orgs::{OrgsError, PageReq};

use crate::db::{AnyConnection, DbPool};

type Result<T> = std::result::Result<T, OrgsError>;

/// Biggest page we ask SQL for; callers may pass `i64::MAX` to mean "all".
const MAX_LIMIT: i64 = 1_000_000;

pub struct SqlStore {
    pool: DbPool,
    /// Seals the secret columns; `None` writes them as given (tests, tools that touch no
    /// secrets) and cannot read sealed ones.
    secrets: Option<std::sync::Arc<crate::secrets::SecretBox>>,
}

impl SqlStore {
    /// A store without a secrets key: what the server runs is [`SqlStore::with_secrets`].
    pub fn new(pool: DbPool) -> Self {
        Self { pool, secrets: None }
    }

    /// A store sealing Slack tokens and webhook signing secrets with `secrets`.
    pub fn with_secrets(pool: DbPool, secrets: std::sync::Arc<crate::secrets::SecretBox>) -> Self {
        Self { pool, secrets: Some(secrets) }
    }

    pub fn secrets(&self) -> Option<&crate::secrets::SecretBox> {
        self.secrets.as_deref()
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }

    /// The database answers (readiness).
    pub fn ping(&self) -> std::result::Result<(), crate::StoreError> {
        crate::db::ping(&self.pool)
    }

    /// Which database this is, read from a pooled connection.
    pub fn backend(&self) -> std::result::Result<crate::Backend, crate::StoreError> {
        let conn = self.pool.get().map_err(|e| crate::StoreError::Connect(e.to_string()))?;
        Ok(crate::db::backend(&conn))
    }

    /// The pool's size: how many statements can run at once.
    pub fn max_connections(&self) -> u32 {
        self.pool.max_size()
    }

    /// Runs `f` on a pooled connection, outside any transaction.
    fn run<T>(&self, f: impl FnOnce(&mut AnyConnection) -> std::result::Result<T, Fail>) -> Result<T> {
        let mut conn = self.pool.get().map_err(|e| OrgsError::Storage(format!("database pool: {e}")))?;
        f(&mut conn).map_err(|f| f.0)
    }

    /// Runs `f` in one transaction: any error rolls back everything it wrote.
    fn tx<T>(&self, f: impl FnOnce(&mut AnyConnection) -> std::result::Result<T, Fail>) -> Result<T> {
        self.run(|c| c.transaction(f))
    }

    /// Runs `f` and writes its activity entries in the same transaction: a change is never
    /// stored without its entry, nor an entry without its change.
    fn logged<T>(
        &self,
        audit: &[ActivityEntry],
        f: impl FnOnce(&mut AnyConnection) -> std::result::Result<T, Fail>,
    ) -> Result<T> {
        self.tx(|c| {
            let out = f(c)?;
            record(c, audit)?;
            Ok(out)
        })
    }
}

pub(crate) fn record(c: &mut AnyConnection, audit: &[ActivityEntry]) -> std::result::Result<(), Fail> {
    crate::activity::insert_activity(c, audit).map_err(|e| Fail(OrgsError::Storage(e.to_string())))
}

/// An `OrgsError` that diesel errors convert into (by meaning), so closures can use `?` on
/// both, and which `Connection::transaction` accepts.
pub(crate) struct Fail(pub OrgsError);

impl From<OrgsError> for Fail {
    fn from(e: OrgsError) -> Self {
        Fail(e)
    }
}

impl From<DieselError> for Fail {
    fn from(e: DieselError) -> Self {
        Fail(classify(e))
    }
}

/// Unique violations become the domain error they mean; anything else is a storage failure.
fn classify(e: DieselError) -> OrgsError {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &e {
        // SQLite: "UNIQUE constraint failed: organizations.slug"; PostgreSQL: constraint
        // "organizations_slug_key". Normalise '.' to '_' and look for table_column.
        let text = violated(info.as_ref());
        if text.contains("organizations_slug") {
            return OrgsError::SlugTaken;
        }
        if text.contains("users_email") {
            return OrgsError::EmailTaken;
        }
        if text.contains("organization_memberships_organization_id") && text.contains("user_id") {
            return OrgsError::AlreadyMember;
        }
    }
    OrgsError::Storage(e.to_string())
}

fn violated(info: &(dyn DatabaseErrorInformation + Send + Sync)) -> String {
    let mut text = info.message().to_string();
    if let Some(c) = info.constraint_name() {
        text.push(' ');
        text.push_str(c);
    }
    text.replace('.', "_")
}

/// (limit, offset) safe to bind: non-negative and capped.
fn bounds(page: PageReq) -> (i64, i64) {
    (page.limit.clamp(0, MAX_LIMIT), page.offset.max(0))
}

/// `NotFound` when a write touched no row.
fn found(rows: usize) -> std::result::Result<(), Fail> {
    if rows == 0 { Err(Fail(OrgsError::NotFound)) } else { Ok(()) }
}
