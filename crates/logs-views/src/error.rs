//! The one error of saved views; the server maps it to HTTP in one place.

use thiserror::Error;

/// Failure of the user directory (a storage error in the embedding service).
pub use activity_log::audit::DirectoryError;

#[derive(Debug, Error)]
pub enum ViewsError {
    /// No view with that short id in the team.
    #[error("Not found.")]
    NotFound,
    /// A request field is wrong: `attr` names it (nested as `columns__0__type`), `code` is
    /// DRF's.
    #[error("{detail}")]
    Invalid { attr: String, code: &'static str, detail: String },
    /// The short id is already used in the team (the service draws another).
    #[error("short_id {0:?} is already used in this team")]
    ShortIdTaken(String),
    /// The row changed since it was read (optimistic concurrency).
    #[error("The view was changed concurrently; retry.")]
    Conflict,
    #[error("storage failure: {0}")]
    Storage(String),
    #[error("user directory failed: {0}")]
    Directory(DirectoryError),
}

impl ViewsError {
    pub fn invalid(attr: impl Into<String>, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr: attr.into(), code, detail: detail.into() }
    }
}

pub type Result<T> = std::result::Result<T, ViewsError>;
