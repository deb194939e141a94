//! Storage contract for saved views. `store-sql` implements it on SQLite and PostgreSQL.
//! Every mutation takes the activity-log entries to write in the same transaction.

use activity_log::ActivityEntry;

use crate::error::Result;
use crate::model::LogsView;

/// A page of a LimitOffset list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub count: u64,
    pub results: Vec<T>,
}

pub trait LogsViewRepo: Send + Sync {
    /// Inserts `view` (every field set by the caller, `version` 1). `ShortIdTaken` when the
    /// team already has a view with its short id; `NotFound` when the team does not exist.
    fn create_view(&self, view: &LogsView, audit: &[ActivityEntry]) -> Result<LogsView>;
    /// The team's view with this short id.
    fn view(&self, team_id: i64, short_id: &str) -> Result<Option<LogsView>>;
    /// The team's views, newest first (`-created_at`, then `-id`).
    fn list_views(&self, team_id: i64, limit: i64, offset: i64) -> Result<Page<LogsView>>;
    /// Writes name, filters, pinned, columns and `updated_at` if the stored version is
    /// still `view.version`, bumping it; `Conflict` otherwise, `NotFound` if it is gone.
    fn update_view(&self, view: &LogsView, audit: &[ActivityEntry]) -> Result<LogsView>;
    /// `NotFound` when the team has no view with this short id.
    fn delete_view(&self, team_id: i64, short_id: &str, audit: &[ActivityEntry]) -> Result<()>;
}
