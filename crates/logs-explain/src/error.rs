use logs_query::StoreError;
use thiserror::Error;

use crate::model::ModelError;

/// A model's answer that does not fit the explanation schema.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0}")]
pub struct AnswerError(pub String);

#[derive(Debug, Error)]
pub enum ExplainError {
    #[error("AI data processing must be approved by your organization before using log explanation")]
    NotApproved,
    #[error("Request was throttled. Expected available in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    /// A request field is wrong (`attr` names it).
    #[error("{detail}")]
    Invalid { attr: &'static str, code: &'static str, detail: String },
    #[error("Log not found")]
    NotFound,
    /// The provider failed (network, timeout, HTTP error).
    #[error("Failed to generate explanation")]
    Model(#[from] ModelError),
    /// The provider answered, but not with a valid explanation.
    #[error("The model's answer is not a valid explanation")]
    BadAnswer(#[from] AnswerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
