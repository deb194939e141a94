//! The one error of this crate: a request that cannot be turned into a logs query.

use thiserror::Error;

/// A client mistake in a logs request. The API answers 400 with `detail`; `attr` names the
/// offending field (`dateRange`, `filterGroup`, `limit`, ...) when one is to blame.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{detail}")]
pub struct QueryError {
    pub attr: Option<String>,
    pub detail: String,
}

impl QueryError {
    pub fn new(detail: impl Into<String>) -> Self {
        Self { attr: None, detail: detail.into() }
    }

    pub fn for_attr(attr: impl Into<String>, detail: impl Into<String>) -> Self {
        Self { attr: Some(attr.into()), detail: detail.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_the_detail_only() {
        let e = QueryError::for_attr("limit", "limit must be a number");
        assert_eq!(e.to_string(), "limit must be a number");
        assert_eq!(e.attr.as_deref(), Some("limit"));
        assert_eq!(QueryError::new("No query provided").attr, None);
    }
}
