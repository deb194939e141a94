//! The storage the logs endpoints ask. Implementations: `log-store` (embedded).

use thiserror::Error;

use crate::filter::AttributeScope;
use crate::{LogCursor, LogRecord, OrderBy, RowFilter, Severity};

#[derive(Debug, Error)]
pub enum StoreError {
    /// The record could not be made durable; nothing was acknowledged.
    #[error("log store write failed: {0}")]
    Write(String),
    #[error("log store read failed: {0}")]
    Read(String),
    /// This server has no log store (it serves the API only); the text says where logs are.
    #[error("{0}")]
    Unavailable(String),
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

/// Every row of `team_id` with `from_us <= timestamp < to_us` matching `filter`, in no
/// particular order.
#[derive(Debug, Clone, Copy)]
pub struct ScanRequest<'a> {
    pub team_id: i64,
    pub from_us: i64,
    pub to_us: i64,
    pub filter: &'a RowFilter,
}

/// One per-minute rollup cell: rows of one (service, severity) in one minute. Cells carry no
/// resource: keyed by resource, a day of short-lived pods holds millions of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountCell<'a> {
    /// Start of the minute (µs, a multiple of 60 s).
    pub minute_us: i64,
    pub service_name: &'a str,
    pub severity: Severity,
    pub count: u64,
    /// Sum of `LogRecord::bytes`.
    pub bytes: u64,
}

/// Which attribute statistics [`LogStore::attribute_stats`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsMode<'a> {
    /// Every key with its row count; `value` is `None`.
    Keys,
    /// Every (value, count) of one key.
    ValuesOf(&'a str),
    /// Every (key, value, count).
    AllValues,
}

#[derive(Debug, Clone, Copy)]
pub struct AttributeStatsRequest<'a> {
    pub team_id: i64,
    pub from_us: i64,
    pub to_us: i64,
    pub scope: AttributeScope,
    pub mode: StatsMode<'a>,
}

pub trait LogStore: Send + Sync {
    /// Appends records of one team. Returns once they are durable (survive kill -9) and
    /// visible to queries.
    fn append(&self, team_id: i64, records: Vec<LogRecord>) -> Result<(), StoreError>;
    fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError>;
    /// Calls `visit` for each matching row until it returns `false`.
    fn scan(
        &self,
        req: &ScanRequest<'_>,
        visit: &mut dyn FnMut(&LogRecord) -> bool,
    ) -> Result<(), StoreError>;
    /// The exact number of rows `scan(req)` would visit, when the store can count them
    /// without visiting them (from indexes); `None`: the caller scans.
    fn count_matching(&self, req: &ScanRequest<'_>) -> Result<Option<u64>, StoreError> {
        let _ = req;
        Ok(None)
    }
    /// Rollup cells of every minute in `[from_us, to_us)`; both bounds must be multiples of
    /// 60 s (callers scan partial minutes). Several cells may share a key: callers add them.
    /// Cells hold no resource, so resource-filtered counts scan rows instead.
    fn rollups(
        &self,
        team_id: i64,
        from_us: i64,
        to_us: i64,
        visit: &mut dyn FnMut(&CountCell<'_>),
    ) -> Result<(), StoreError>;
    /// Attribute key/value row counts of the data overlapping `[from_us, to_us)`. Stores may
    /// answer at a coarser time granularity (whole segments), never a finer one. Several
    /// calls of `visit` may share a (key, value): callers add them.
    fn attribute_stats(
        &self,
        req: &AttributeStatsRequest<'_>,
        visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) -> Result<(), StoreError>;
    fn has_logs(&self, team_id: i64) -> Result<bool, StoreError>;
    /// Everything observed before this instant (µs) is queryable: the live-tail checkpoint.
    fn checkpoint_us(&self) -> i64;
    /// Retention: drops the team's data older than `cutoff_us`, in whole units (segments),
    /// so rows a little older may remain until their unit is wholly expired. Returns the
    /// number of rows dropped.
    fn drop_before(&self, team_id: i64, cutoff_us: i64) -> Result<u64, StoreError>;
}
