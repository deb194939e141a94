//! The storage the logs endpoints ask. Implementations: `log-store` (embedded).

use thiserror::Error;

use crate::{LogCursor, LogRecord, OrderBy, RowFilter};

#[derive(Debug, Error)]
pub enum StoreError {
    /// The record could not be made durable; nothing was acknowledged.
    #[error("log store write failed: {0}")]
    Write(String),
    #[error("log store read failed: {0}")]
    Read(String),
}

/// A page of rows: `team_id`'s rows with `from_us <= timestamp < to_us` matching `filter`,
/// in `order`, strictly after `after`, observed at or after `observed_from_us` (live tail),
/// at most `limit`.
#[derive(Debug)]
pub struct ListRequest<'a> {
    pub team_id: i64,
    pub from_us: i64,
    pub to_us: i64,
    pub filter: &'a RowFilter,
    pub order: OrderBy,
    pub after: Option<LogCursor>,
    pub observed_from_us: Option<i64>,
    pub limit: usize,
}

pub trait LogStore: Send + Sync {
    /// Appends records of one team. Returns once they are durable (survive kill -9) and
    /// visible to queries.
    fn append(&self, team_id: i64, records: Vec<LogRecord>) -> Result<(), StoreError>;
    fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError>;
    fn has_logs(&self, team_id: i64) -> Result<bool, StoreError>;
    /// Everything observed before this instant (µs) is queryable: the live-tail checkpoint.
    fn checkpoint_us(&self) -> i64;
}
