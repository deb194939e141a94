use thiserror::Error;

#[derive(Debug, Error)]
pub enum ActivityError {
    /// A query parameter or filter is invalid; `attr` names it (DRF style, `users__0`).
    #[error("{detail}")]
    InvalidFilter { attr: Option<String>, code: &'static str, detail: String },
    /// Page-number mode past the last page.
    #[error("Invalid page.")]
    InvalidPage,
    #[error("storage failure: {0}")]
    Storage(String),
}

impl ActivityError {
    pub fn invalid(attr: &str, detail: impl Into<String>) -> Self {
        Self::InvalidFilter { attr: Some(attr.to_string()), code: "invalid_input", detail: detail.into() }
    }
}
