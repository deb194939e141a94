//! One error for every approvals use case; the server maps it to HTTP in one place.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum ApprovalError {
    /// A field failed validation (400, DRF body; `attr` None for non-field errors).
    #[error("{detail}")]
    Invalid { attr: Option<String>, code: &'static str, detail: String },
    /// The object does not exist or the caller may not know it exists (404).
    #[error("Not found.")]
    NotFound,
    /// A permission check of §4.6 / §5.3 (403, DRF body).
    #[error("{0}")]
    Forbidden(String),
    /// Approve / reject / cancel refused after the permission checks (400 `{"error": ...}`).
    #[error("{0}")]
    Refused(String),
    /// An unexpected failure with the message the endpoint answers (500 `{"error": ...}`).
    #[error("{0}")]
    Failed(&'static str),
    /// The database failed; the detail is logged, never shown (500).
    #[error("storage failure: {0}")]
    Storage(String),
    /// The embedding service's directory (levels, roles, users) failed (500).
    #[error("directory failure: {0}")]
    Directory(String),
}

impl ApprovalError {
    pub fn invalid(attr: &str, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr: Some(attr.to_string()), code, detail: detail.into() }
    }

    pub fn non_field(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr: None, code, detail: detail.into() }
    }
}

pub type Result<T> = std::result::Result<T, ApprovalError>;
