//! Asynchronous exports: a job row, claimed by a background worker that writes the file
//! into the data directory; clients poll the job and download the content. Pure: storage
//! implements [`ExportRepo`], the server runs the worker.

use serde_json::Value;
use thiserror::Error;
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" | "text/csv" => Some(Self::Csv),
            "json" | "application/json" => Some(Self::Json),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
    /// PostHog's `export_format` values are MIME types.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Csv => "text/csv",
            Self::Json => "application/json",
        }
    }
    pub fn extension(self) -> &'static str {
        self.as_str()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Running,
    Complete,
    Failed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Complete => "complete",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Running, Self::Complete, Self::Failed].into_iter().find(|x| x.as_str() == s)
    }
}

/// What an export is of; the worker dispatches on it.
pub const KIND_ACTIVITY_LOG: &str = "activity_log";
pub const KIND_LOGS: &str = "logs";

#[derive(Debug, Clone, PartialEq)]
pub struct NewExport {
    pub organization_id: uuid::Uuid,
    /// None for organization-level exports.
    pub team_id: Option<i64>,
    pub created_by: Option<i64>,
    pub kind: String,
    pub format: Format,
    /// What to export (e.g. the serialized filters), as the worker needs it.
    pub params: Value,
    pub filename: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportJob {
    pub id: i64,
    pub organization_id: uuid::Uuid,
    pub team_id: Option<i64>,
    pub created_by: Option<i64>,
    pub kind: String,
    pub format: Format,
    pub params: Value,
    pub filename: String,
    pub state: State,
    /// Path of the finished file, relative to the exports directory.
    pub path: Option<String>,
    pub rows: Option<i64>,
    pub bytes: Option<i64>,
    pub error: Option<String>,
    pub created_at: OffsetDateTime,
    pub started_at: Option<OffsetDateTime>,
    pub finished_at: Option<OffsetDateTime>,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("Not found.")]
    NotFound,
    #[error("storage failure: {0}")]
    Storage(String),
}

pub type Result<T> = std::result::Result<T, ExportError>;

pub trait ExportRepo: Send + Sync {
    fn create_export(&self, new: &NewExport) -> Result<ExportJob>;
    /// A job of this organization (and of this team, when given).
    fn export(&self, organization_id: uuid::Uuid, team_id: Option<i64>, id: i64)
    -> Result<Option<ExportJob>>;
    /// Atomically moves the oldest pending job to running (safe with several servers on
    /// one PostgreSQL: `FOR UPDATE SKIP LOCKED`). Jobs left running since before
    /// `stale_before` (a crashed worker) are claimed again.
    fn claim_export(&self, now: OffsetDateTime, stale_before: OffsetDateTime) -> Result<Option<ExportJob>>;
    fn complete_export(&self, id: i64, path: &str, rows: i64, bytes: i64, now: OffsetDateTime) -> Result<()>;
    fn fail_export(&self, id: i64, error: &str, now: OffsetDateTime) -> Result<()>;
    /// Jobs whose `expires_at` has passed, so their files can be removed; then deleted.
    fn expired_exports(&self, now: OffsetDateTime) -> Result<Vec<ExportJob>>;
    fn delete_export(&self, id: i64) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_states_round_trip() {
        for f in [Format::Csv, Format::Json] {
            assert_eq!(Format::parse(f.as_str()), Some(f));
            assert_eq!(Format::parse(f.mime()), Some(f));
        }
        assert_eq!(Format::parse("xlsx"), None);
        for s in [State::Pending, State::Running, State::Complete, State::Failed] {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }
}
