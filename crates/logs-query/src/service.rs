//! The logs list use case: from a parsed `LogsQuery` to a page of rows with its cursor.

use serde_json::Value;
use thiserror::Error;
use time::OffsetDateTime;

use crate::{ListRequest, LogCursor, LogRecord, LogStore, LogsQuery, QueryError, StoreError};

#[derive(Debug, Error)]
pub enum LogsError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One page of `POST .../logs/query/`.
#[derive(Debug)]
pub struct ListPage {
    pub rows: Vec<LogRecord>,
    pub has_more: bool,
    /// Cursor of the last row when more follow.
    pub next_cursor: Option<String>,
    /// The live-tail checkpoint to send back as `liveLogsCheckpoint`.
    pub checkpoint_us: i64,
    /// The `customColumns` aliases, in request order (empty when none were asked for).
    pub columns: Vec<String>,
    /// Per row, each custom column's value, aligned with `columns`.
    pub custom: Vec<Vec<Value>>,
}

/// Fetches `limit + 1` rows to know whether more follow; the cursor continues strictly
/// after the last returned row.
pub fn list_page(
    store: &dyn LogStore,
    team_id: i64,
    q: &LogsQuery,
    now: OffsetDateTime,
) -> Result<ListPage, LogsError> {
    let (from_us, to_us) = q.time_range_us(now)?;
    let columns = q.custom_columns()?;
    let filter = q.row_filter();
    let limit = q.limit as usize;
    let checkpoint_us = store.checkpoint_us();
    let mut rows = store.list(&ListRequest {
        team_id,
        from_us,
        to_us,
        filter: &filter,
        order: q.order_by,
        after: q.after,
        observed_from_us: q.live_logs_checkpoint_us(),
        limit: limit + 1,
    })?;
    let has_more = rows.len() > limit;
    rows.truncate(limit);
    let next_cursor = if has_more { rows.last().map(|r| LogCursor::after_record(r).encode()) } else { None };
    let custom =
        if columns.is_empty() { Vec::new() } else { rows.iter().map(|r| columns.values(r)).collect() };
    Ok(ListPage { rows, has_more, next_cursor, checkpoint_us, columns: columns.aliases(), custom })
}
