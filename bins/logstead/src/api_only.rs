//! API-only servers (`--api-only`): the metadata API without a log store, for extra nodes
//! behind a load balancer while logs live in one server's data directory. Every use of the
//! log store answers 503 with a message saying so, instead of an empty (wrong) answer.

use logs_query::store::{AttributeStatsRequest, CountCell, ListRequest, ScanRequest};
use logs_query::{LogRecord, LogStore, StoreError};

use crate::error::ApiError;
use crate::state::AppState;

/// The detail of every refused log route.
pub const DETAIL: &str = "This Logstead server serves the API only (started with --api-only): it has no \
     log store. Send log ingestion, log queries, alert and sampling simulations and log explanations to the \
     server that serves the embedded log store.";

/// Export files are written by the server that serves the log store, into its data directory.
pub const EXPORT_DETAIL: &str = "This Logstead server serves the API only (started with --api-only): export \
     files are kept by the server that serves the embedded log store. Download them from that server.";

/// Deleting a project drops its logs: refused rather than leaving them behind on the log
/// store's server.
pub const PROJECT_DELETE_DETAIL: &str = "This Logstead server serves the API only (started with \
     --api-only): deleting a project also deletes its logs, which are kept by the server that serves the \
     embedded log store. Delete the project through that server.";

fn refused() -> StoreError {
    StoreError::Unavailable(DETAIL.to_string())
}

/// 503 when this server serves the API only: for handlers that would do other work (decode a
/// body, count sampling decisions) before reaching the store.
pub fn refuse_logs(st: &AppState) -> Result<(), ApiError> {
    if st.api_only { Err(refused().into()) } else { Ok(()) }
}

/// 503 for export downloads on an API-only server: the file is on the log store's server.
pub fn refuse_export_files(st: &AppState) -> Result<(), ApiError> {
    if st.api_only { Err(StoreError::Unavailable(EXPORT_DETAIL.to_string()).into()) } else { Ok(()) }
}

/// 503 for project deletion on an API-only server (see [`PROJECT_DELETE_DETAIL`]).
pub fn refuse_project_delete(st: &AppState) -> Result<(), ApiError> {
    if st.api_only { Err(StoreError::Unavailable(PROJECT_DELETE_DETAIL.to_string()).into()) } else { Ok(()) }
}

/// The log store of an API-only server: refuses everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoLogStore;

impl LogStore for NoLogStore {
    fn append(&self, _team_id: i64, _records: Vec<LogRecord>) -> Result<(), StoreError> {
        Err(refused())
    }
    fn list(&self, _req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError> {
        Err(refused())
    }
    fn scan(
        &self,
        _req: &ScanRequest<'_>,
        _visit: &mut dyn FnMut(&LogRecord) -> bool,
    ) -> Result<(), StoreError> {
        Err(refused())
    }
    fn rollups(
        &self,
        _team_id: i64,
        _from_us: i64,
        _to_us: i64,
        _visit: &mut dyn FnMut(&CountCell<'_>),
    ) -> Result<(), StoreError> {
        Err(refused())
    }
    fn attribute_stats(
        &self,
        _req: &AttributeStatsRequest<'_>,
        _visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) -> Result<(), StoreError> {
        Err(refused())
    }
    fn has_logs(&self, _team_id: i64) -> Result<bool, StoreError> {
        Err(refused())
    }
    /// Nothing is ever queryable here; every query fails before using it.
    fn checkpoint_us(&self) -> i64 {
        0
    }
    fn drop_before(&self, _team_id: i64, _cutoff_us: i64) -> Result<u64, StoreError> {
        Err(refused())
    }
}
