//! One error for every alerts use case; the server maps it to HTTP in one place.

use logs_query::{QueryError, StoreError};
use thiserror::Error;

use super::DirectoryError;
use crate::config::ConfigError;
use crate::repo::AlertRepoError;

#[derive(Debug, Error)]
pub enum ServiceError {
    #[error(transparent)]
    Repo(#[from] AlertRepoError),
    /// An alert field breaks a configuration rule (spec §3.1).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The filters do not parse as logs query filters.
    #[error(transparent)]
    Filters(#[from] QueryError),
    /// Another request field is wrong (`attr`, DRF-style `code`).
    #[error("{detail}")]
    Invalid { attr: &'static str, code: &'static str, detail: String },
    /// The log store could not count (simulate).
    #[error(transparent)]
    Counts(#[from] StoreError),
    /// The approvals gate stopped the write (a change request, a policy conflict, ...).
    #[error("the change needs approval")]
    Gated(Box<approvals::Gated>),
    #[error("user directory failed: {0}")]
    Directory(DirectoryError),
}

impl ServiceError {
    pub(crate) fn invalid(attr: &'static str, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr, code, detail: detail.into() }
    }
    pub(crate) fn required(attr: &'static str) -> Self {
        Self::invalid(attr, "required", "This field is required.")
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
