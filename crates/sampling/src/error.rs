//! One error for every sampling-rules use case; the server maps it to HTTP in one place.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SamplingError {
    /// A request field breaks a rule of spec §4.1–4.3 / 4.5 (`attr`, DRF-style `code`).
    #[error("{detail}")]
    Invalid { attr: Option<&'static str>, code: &'static str, detail: String },
    #[error("Not found.")]
    NotFound,
    /// The rule changed since it was read (optimistic concurrency); the caller retries.
    #[error("The sampling rule was changed concurrently; retry.")]
    Conflict,
    #[error("storage failure: {0}")]
    Storage(String),
    /// The approvals gate stopped the write (a change request, a policy conflict, ...).
    #[error("the change needs approval")]
    Gated(Box<approvals::Gated>),
    /// The log store could not be read (simulate).
    #[error(transparent)]
    Logs(#[from] logs_query::StoreError),
}

impl SamplingError {
    pub fn invalid(attr: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr: Some(attr), code: "invalid_input", detail: detail.into() }
    }
    pub(crate) fn coded(attr: &'static str, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr: Some(attr), code, detail: detail.into() }
    }
}

pub type Result<T> = std::result::Result<T, SamplingError>;
