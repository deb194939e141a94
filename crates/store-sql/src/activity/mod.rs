//! Activity log storage: the `activity_log` rows, [`insert_activity`] (which mutations call
//! inside their own transaction) and `ActivityRepo for SqlStore` (in `repo.rs`, on top of
//! the filtered keyset queries of `query.rs`).
//!
//! Conventions as everywhere in this crate: ids and organization ids are lower-case
//! hyphenated TEXT, `created_at` is BIGINT microseconds, `detail` is JSON text.

mod query;
mod repo;

use ::activity_log::{ActivityEntry, ActivityError, ActivityRow, UserSummary};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::AnyConnection;
use crate::rows::{to_us, uuid_text};
use crate::schema::activity_log as al;
use crate::schema::users;

/// Rows per INSERT statement: 12 columns each stays far below SQLite's 32,766 and
/// PostgreSQL's 65,535 bind parameters.
const INSERT_CHUNK: usize = 1000;

/// Inserts the entries on `conn`, as part of whatever transaction `conn` is in (the
/// caller's: a mutation records its activity atomically with the change). Entries whose
/// `detail` is `Some(Value::Null)` are stored without a detail (SQL NULL).
pub(crate) fn insert_activity(conn: &mut AnyConnection, entries: &[ActivityEntry]) -> QueryResult<()> {
    for chunk in entries.chunks(INSERT_CHUNK) {
        let rows: Vec<ActivityLogRow> = chunk.iter().map(ActivityLogRow::from_entry).collect();
        // Multi-row INSERT is not available through `AnyConnection`'s backend; each
        // connection type has it.
        match conn {
            AnyConnection::Sqlite(c) => diesel::insert_into(al::table).values(&rows).execute(c)?,
            AnyConnection::Postgresql(c) => diesel::insert_into(al::table).values(&rows).execute(c)?,
        };
    }
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = al, check_for_backend(Sqlite, Pg))]
// NULL for `None` (not DEFAULT, which SQLite lacks): lets SQLite insert many rows at once.
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct ActivityLogRow {
    pub id: String,
    pub organization_id: Option<String>,
    pub team_id: Option<i64>,
    pub user_id: Option<i64>,
    pub scope: String,
    pub activity: String,
    pub item_id: Option<String>,
    pub detail: Option<String>,
    pub client: Option<String>,
    pub is_system: bool,
    pub was_impersonated: bool,
    pub created_at: i64,
}

impl ActivityLogRow {
    pub(crate) fn from_entry(e: &ActivityEntry) -> Self {
        Self {
            id: uuid_text(e.id),
            organization_id: e.organization_id.map(uuid_text),
            team_id: e.team_id,
            user_id: e.user_id,
            scope: e.scope.clone(),
            activity: e.activity.clone(),
            item_id: e.item_id.clone(),
            // `Value`'s Display is its compact JSON text (infallible, unlike to_string of
            // arbitrary Serialize types).
            detail: e.detail.as_ref().filter(|d| !d.is_null()).map(|d| d.to_string()),
            client: e.client.clone(),
            is_system: e.is_system,
            was_impersonated: e.was_impersonated,
            created_at: to_us(e.created_at),
        }
    }

    pub(crate) fn into_entry(self) -> Result<ActivityEntry, ActivityError> {
        Ok(ActivityEntry {
            id: parse_uuid(&self.id, "activity_log.id")?,
            organization_id: self
                .organization_id
                .map(|s| parse_uuid(&s, "activity_log.organization_id"))
                .transpose()?,
            team_id: self.team_id,
            user_id: self.user_id,
            scope: self.scope,
            activity: self.activity,
            item_id: self.item_id,
            detail: self.detail.map(|d| parse_json(&d, "activity_log.detail")).transpose()?,
            client: self.client,
            is_system: self.is_system,
            was_impersonated: self.was_impersonated,
            created_at: from_us(self.created_at, "activity_log.created_at")?,
        })
    }
}

/// The acting user's columns, LEFT JOINed to every listed row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(Sqlite, Pg))]
pub(crate) struct UserBrief {
    pub id: i64,
    pub uuid: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

impl UserBrief {
    pub(crate) fn into_summary(self) -> Result<UserSummary, ActivityError> {
        Ok(UserSummary {
            id: self.id,
            uuid: parse_uuid(&self.uuid, "users.uuid")?,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
        })
    }
}

/// A listed row and its keyset position.
pub(crate) struct Keyed {
    pub key: (i64, Uuid),
    pub row: ActivityRow,
}

pub(crate) fn decode(row: ActivityLogRow, user: Option<UserBrief>) -> Result<Keyed, ActivityError> {
    let at = row.created_at;
    let entry = row.into_entry()?;
    let user = user.map(UserBrief::into_summary).transpose()?;
    Ok(Keyed { key: (at, entry.id), row: ActivityRow { entry, user } })
}

pub(crate) fn storage(e: impl std::fmt::Display) -> ActivityError {
    ActivityError::Storage(e.to_string())
}

fn corrupt(what: &str, value: &str, e: impl std::fmt::Display) -> ActivityError {
    ActivityError::Storage(format!("corrupt {what} {value:?} in the database: {e}"))
}

fn parse_uuid(s: &str, what: &str) -> Result<Uuid, ActivityError> {
    Uuid::parse_str(s).map_err(|e| corrupt(what, s, e))
}

pub(crate) fn parse_json(s: &str, what: &str) -> Result<serde_json::Value, ActivityError> {
    serde_json::from_str(s).map_err(|e| corrupt(what, s, e))
}

fn from_us(us: i64, what: &str) -> Result<OffsetDateTime, ActivityError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(what, &us.to_string(), e))
}

/// The first whole microsecond at or after `t`: `created_at >= t` for microsecond rows.
pub(crate) fn ceil_us(t: OffsetDateTime) -> i64 {
    let nanos = t.unix_timestamp_nanos();
    (nanos.div_euclid(1000) + i128::from(nanos.rem_euclid(1000) != 0)) as i64
}
