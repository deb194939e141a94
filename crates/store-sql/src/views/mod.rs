//! `LogsViewRepo for SqlStore`: saved views (table `logs_views`).
//!
//! Every write transaction starts with its write (INSERT, UPDATE or DELETE), so SQLite's
//! deferred transaction takes the write lock first and never has to upgrade a read lock
//! (the case that fails with SQLITE_BUSY despite the busy timeout).

mod rows;

use activity_log::ActivityEntry;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use logs_views::{LogsView, LogsViewRepo, Page, ViewsError};

use self::rows::{ViewChanges, ViewRow};
use crate::db::AnyConnection;
use crate::rows::uuid_text;
use crate::schema::logs_views as lv;
use crate::store::SqlStore;

type Result<T> = std::result::Result<T, ViewsError>;
type TxResult<T> = std::result::Result<T, Fail>;

/// Biggest page we ask SQL for.
const MAX_LIMIT: i64 = 1_000_000;

/// A `ViewsError` that diesel errors convert into, so `Connection::transaction` accepts it.
struct Fail(ViewsError);

impl From<ViewsError> for Fail {
    fn from(e: ViewsError) -> Self {
        Fail(e)
    }
}

impl From<DieselError> for Fail {
    fn from(e: DieselError) -> Self {
        Fail(ViewsError::Storage(e.to_string()))
    }
}

impl SqlStore {
    fn views_run<T>(&self, f: impl FnOnce(&mut AnyConnection) -> TxResult<T>) -> Result<T> {
        let mut conn = self.pool().get().map_err(|e| ViewsError::Storage(format!("database pool: {e}")))?;
        f(&mut conn).map_err(|f| f.0)
    }

    /// `f`, then its activity entries, in one transaction.
    fn views_logged<T>(
        &self,
        audit: &[ActivityEntry],
        f: impl FnOnce(&mut AnyConnection) -> TxResult<T>,
    ) -> Result<T> {
        self.views_run(|c| {
            c.transaction(|c| {
                let out = f(c)?;
                crate::activity::insert_activity(c, audit)?;
                Ok(out)
            })
        })
    }
}

fn get(c: &mut AnyConnection, team_id: i64, short_id: &str) -> TxResult<Option<LogsView>> {
    let row: Option<ViewRow> = lv::table
        .select(ViewRow::as_select())
        .filter(lv::team_id.eq(team_id))
        .filter(lv::short_id.eq(short_id))
        .first(c)
        .optional()?;
    Ok(row.map(ViewRow::into_domain).transpose()?)
}

fn stored(c: &mut AnyConnection, team_id: i64, short_id: &str) -> TxResult<LogsView> {
    get(c, team_id, short_id)?.ok_or_else(|| ViewsError::Storage("written view not found".into()).into())
}

fn insert(c: &mut AnyConnection, view: &LogsView) -> TxResult<LogsView> {
    let row = ViewRow::from_domain(view)?;
    match diesel::insert_into(lv::table).values(&row).execute(c) {
        Ok(_) => stored(c, view.team_id, &view.short_id),
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
            Err(ViewsError::ShortIdTaken(view.short_id.clone()).into())
        }
        // The team (or the creator) does not exist.
        Err(DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            Err(ViewsError::NotFound.into())
        }
        Err(e) => Err(e.into()),
    }
}

fn list(c: &mut AnyConnection, team_id: i64, limit: i64, offset: i64) -> TxResult<Page<LogsView>> {
    let (limit, offset) = (limit.clamp(0, MAX_LIMIT), offset.max(0));
    let count: i64 = lv::table.filter(lv::team_id.eq(team_id)).count().get_result(c)?;
    let rows: Vec<ViewRow> = lv::table
        .filter(lv::team_id.eq(team_id))
        .select(ViewRow::as_select())
        .order_by((lv::created_at.desc(), lv::id.desc()))
        .limit(limit)
        .offset(offset)
        .load(c)?;
    let results = rows.into_iter().map(ViewRow::into_domain).collect::<Result<Vec<_>>>()?;
    Ok(Page { count: u64::try_from(count).unwrap_or(0), results })
}

fn update(c: &mut AnyConnection, view: &LogsView) -> TxResult<LogsView> {
    let changes = ViewChanges::from_domain(view)?;
    let target = lv::table
        .filter(lv::id.eq(uuid_text(view.id)))
        .filter(lv::team_id.eq(view.team_id))
        .filter(lv::version.eq(view.version));
    let n = diesel::update(target).set((&changes, lv::version.eq(lv::version + 1))).execute(c)?;
    if n == 0 {
        let left: i64 = lv::table
            .filter(lv::id.eq(uuid_text(view.id)))
            .filter(lv::team_id.eq(view.team_id))
            .count()
            .get_result(c)?;
        return Err(if left > 0 { ViewsError::Conflict } else { ViewsError::NotFound }.into());
    }
    stored(c, view.team_id, &view.short_id)
}

fn delete(c: &mut AnyConnection, team_id: i64, short_id: &str) -> TxResult<()> {
    let n = diesel::delete(lv::table.filter(lv::team_id.eq(team_id)).filter(lv::short_id.eq(short_id)))
        .execute(c)?;
    if n == 0 { Err(ViewsError::NotFound.into()) } else { Ok(()) }
}

impl LogsViewRepo for SqlStore {
    fn create_view(&self, view: &LogsView, audit: &[ActivityEntry]) -> Result<LogsView> {
        self.views_logged(audit, |c| insert(c, view))
    }

    fn view(&self, team_id: i64, short_id: &str) -> Result<Option<LogsView>> {
        self.views_run(|c| get(c, team_id, short_id))
    }

    fn list_views(&self, team_id: i64, limit: i64, offset: i64) -> Result<Page<LogsView>> {
        self.views_run(|c| list(c, team_id, limit, offset))
    }

    fn update_view(&self, view: &LogsView, audit: &[ActivityEntry]) -> Result<LogsView> {
        self.views_logged(audit, |c| update(c, view))
    }

    fn delete_view(&self, team_id: i64, short_id: &str, audit: &[ActivityEntry]) -> Result<()> {
        self.views_logged(audit, |c| delete(c, team_id, short_id))
    }
}
