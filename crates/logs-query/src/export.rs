//! `POST .../logs/export/` (specs/logs.md 2.10): the request is validated and frozen into
//! job parameters; the worker replays them, streaming at most [`MAX_EXPORT_ROWS`] rows in
//! cursor pages into a CSV file.

mod columns;

use std::io::{self, Write};

use serde_json::{Value, json};
use thiserror::Error;
use time::{Date, OffsetDateTime};

use crate::{
    CustomColumns, IdentityKeys, ListRequest, LogCursor, LogStore, LogsQuery, QueryError, StoreError,
    parse_body,
};

pub use columns::{Column, DEFAULT_COLUMNS, Field};

/// PostHog's cap; the query's `limit` is forced to it.
pub const MAX_EXPORT_ROWS: usize = 10_000;
/// Rows fetched per store call.
pub const EXPORT_PAGE: usize = 1_000;

/// A validated export request: what the job stores.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRequest {
    /// The query as sent, with `limit` forced to [`MAX_EXPORT_ROWS`].
    pub query: Value,
    pub columns: Vec<String>,
    /// The window, resolved when the export was asked for: `-1h` means the hour before
    /// the click, not before the worker got to it.
    pub from_us: i64,
    pub to_us: i64,
    /// `logs-<svc>-<dates>`, without extension.
    pub filename_stem: String,
    /// The `personId` / `sessionId` keys in force when the export was asked for.
    pub identity_keys: IdentityKeys,
}

/// Reads `{"query": {...}, "columns": [...]}`. `query` is required; `dateRange` is not (the
/// last hour); `columns` absent, null or empty means [`DEFAULT_COLUMNS`]. The query's
/// `customColumns` follow the named columns in the file, one per alias.
pub fn prepare_export(
    body: &Value,
    now: OffsetDateTime,
    identity_keys: &IdentityKeys,
) -> Result<ExportRequest, QueryError> {
    let q = parse_body(body, false)?;
    let columns = match body.get("columns") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| QueryError::for_attr("columns", "columns must be a list of column names"))?,
        Some(_) => return Err(QueryError::for_attr("columns", "columns must be a list of column names")),
    };
    let columns = if columns.is_empty() { DEFAULT_COLUMNS.map(str::to_owned).to_vec() } else { columns };
    for c in &columns {
        Column::parse(c)?;
    }
    let (from_us, to_us) = q.time_range_us(now)?;
    let mut query = body.get("query").cloned().unwrap_or_default();
    if let Value::Object(m) = &mut query {
        m.insert("limit".into(), json!(MAX_EXPORT_ROWS));
    }
    let filename_stem = export_filename(&query, now.date());
    Ok(ExportRequest { query, columns, from_us, to_us, filename_stem, identity_keys: identity_keys.clone() })
}

impl ExportRequest {
    /// The job's `params`.
    pub fn params(&self) -> Value {
        json!({
            "query": self.query,
            "columns": self.columns,
            "from_us": self.from_us,
            "to_us": self.to_us,
            "row_limit": MAX_EXPORT_ROWS,
            "identity_keys": self.identity_keys,
        })
    }
}

/// `logs-<svc>-<dates>` from the query as sent (PostHog's rule): the one service name with
/// characters outside `[A-Za-z0-9_-]` replaced by `-` (at most 50), `<n>-services` or
/// `all-services`; then `<from[:10]>-to-<to[:10]>`, `from-<from[:10]>` or today's date.
pub fn export_filename(query: &Value, today: Date) -> String {
    let safe = |s: &str, max: usize| -> String {
        s.chars()
            .take(max)
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '-' })
            .collect()
    };
    let services: Vec<&str> = query["serviceNames"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let service = match services.as_slice() {
        [] => "all-services".to_owned(),
        [one] => safe(one, 50),
        many => format!("{}-services", many.len()),
    };
    let date = |key: &str| query["dateRange"][key].as_str().filter(|s| !s.is_empty()).map(|s| safe(s, 10));
    let dates = match (date("date_from"), date("date_to")) {
        (Some(from), Some(to)) => format!("{from}-to-{to}"),
        (Some(from), None) => format!("from-{from}"),
        _ => format!("{:04}-{:02}-{:02}", today.year(), u8::from(today.month()), today.day()),
    };
    format!("logs-{service}-{dates}")
}

/// What the worker replays.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportPlan {
    pub query: LogsQuery,
    pub columns: Vec<Column>,
    pub custom: CustomColumns,
    pub from_us: i64,
    pub to_us: i64,
}

impl ExportPlan {
    /// From the job's `params` (see [`ExportRequest::params`]).
    pub fn from_params(params: &Value) -> Result<Self, QueryError> {
        let mut query = parse_body(&json!({"query": params["query"]}), false)?;
        // Jobs queued before the keys were stored use the defaults.
        query.identity_keys = serde_json::from_value(params["identity_keys"].clone()).unwrap_or_default();
        let custom = query.custom_columns()?;
        let names = params["columns"].as_array().cloned().unwrap_or_default();
        let columns = names
            .iter()
            .map(|n| Column::parse(n.as_str().unwrap_or_default()))
            .collect::<Result<Vec<_>, _>>()?;
        let bound =
            |k: &str| params[k].as_i64().ok_or_else(|| QueryError::new(format!("export without {k}")));
        Ok(Self { query, columns, custom, from_us: bound("from_us")?, to_us: bound("to_us")? })
    }
}

#[derive(Debug, Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("export write failed: {0}")]
    Write(#[from] io::Error),
}

/// Writes the header and up to `max_rows` matching rows, in the query's order, fetching
/// `page` rows per store call. The cursor and live-tail checkpoint of the query are not
/// used: an export covers the whole window. Returns the rows written and the sink.
pub fn write_csv<W: Write>(
    store: &dyn LogStore,
    team_id: i64,
    plan: &ExportPlan,
    max_rows: usize,
    page: usize,
    out: W,
) -> Result<(usize, W), ExportError> {
    let mut wtr = csv_writer(out);
    let header = plan.columns.iter().map(Column::name).chain(plan.custom.iter().map(|c| c.alias.clone()));
    wtr.write_record(header).map_err(io::Error::from)?;
    let filter = plan.query.row_filter();
    let mut written = 0;
    let mut after: Option<LogCursor> = None;
    while written < max_rows {
        let limit = page.max(1).min(max_rows - written);
        let rows = store.list(&ListRequest {
            team_id,
            from_us: plan.from_us,
            to_us: plan.to_us,
            filter: &filter,
            order: plan.query.order_by,
            after,
            observed_from_us: None,
            limit,
        })?;
        for r in &rows {
            let cells = plan.columns.iter().map(|c| c.cell(r)).chain(plan.custom.iter().map(|c| c.cell(r)));
            wtr.write_record(cells).map_err(io::Error::from)?;
        }
        written += rows.len();
        match rows.last() {
            Some(last) if rows.len() == limit => after = Some(LogCursor::after_record(last)),
            _ => break,
        }
    }
    // Flushes the buffer and the sink.
    let out = wtr.into_inner().map_err(csv::IntoInnerError::into_error)?;
    Ok((written, out))
}

/// RFC 4180 with CRLF, as Python's `csv` writes: cells holding a comma, quote or line break
/// are quoted, quotes doubled (and a lone empty cell is `""`, so the row is not blank).
fn csv_writer<W: Write>(w: W) -> csv::Writer<W> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w)
}

#[cfg(test)]
mod tests;
