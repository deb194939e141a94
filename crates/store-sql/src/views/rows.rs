//! The `logs_views` row and its conversions to and from `logs_views::LogsView`.
//! Conventions as in `crate::rows`; a value that does not decode becomes
//! `ViewsError::Storage`, never a panic.

use ::logs_views::{Column, LogsView, ViewsError};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::rows::{to_us, uuid_text};
use crate::schema::logs_views;

type Result<T> = std::result::Result<T, ViewsError>;

fn corrupt(what: &str, value: &str, e: impl std::fmt::Display) -> ViewsError {
    ViewsError::Storage(format!("corrupt {what} {value:?} in the database: {e}"))
}

fn time(us: i64, what: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(what, &us.to_string(), e))
}

fn to_json<T: serde::Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ViewsError::Storage(format!("cannot store {what}: {e}")))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = logs_views, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_default_value = false)]
pub(super) struct ViewRow {
    pub id: String,
    pub team_id: i64,
    pub short_id: String,
    #[diesel(embed)]
    pub fields: ViewChanges,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub version: i64,
}

/// What an edit writes (NULL columns included).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = logs_views, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct ViewChanges {
    pub name: String,
    pub filters: String,
    pub pinned: bool,
    pub column_config: Option<String>,
    pub updated_at: i64,
}

impl ViewChanges {
    pub fn from_domain(v: &LogsView) -> Result<Self> {
        Ok(Self {
            name: v.name.clone(),
            filters: to_json(&v.filters, "filters")?,
            pinned: v.pinned,
            column_config: v.columns.as_ref().map(|c| to_json(c, "columns")).transpose()?,
            updated_at: to_us(v.updated_at),
        })
    }
}

impl ViewRow {
    pub fn from_domain(v: &LogsView) -> Result<Self> {
        Ok(Self {
            id: uuid_text(v.id),
            team_id: v.team_id,
            short_id: v.short_id.clone(),
            fields: ViewChanges::from_domain(v)?,
            created_by: v.created_by,
            created_at: to_us(v.created_at),
            version: v.version,
        })
    }

    pub fn into_domain(self) -> Result<LogsView> {
        let f = self.fields;
        let filters: Map<String, Value> =
            serde_json::from_str(&f.filters).map_err(|e| corrupt("logs_views.filters", &f.filters, e))?;
        let columns: Option<Vec<Column>> = f
            .column_config
            .as_deref()
            .map(|s| serde_json::from_str(s).map_err(|e| corrupt("logs_views.column_config", s, e)))
            .transpose()?;
        Ok(LogsView {
            id: Uuid::parse_str(&self.id).map_err(|e| corrupt("logs_views.id", &self.id, e))?,
            short_id: self.short_id,
            team_id: self.team_id,
            name: f.name,
            filters,
            pinned: f.pinned,
            columns,
            created_at: time(self.created_at, "logs_views.created_at")?,
            created_by: self.created_by,
            updated_at: time(f.updated_at, "logs_views.updated_at")?,
            version: self.version,
        })
    }
}
