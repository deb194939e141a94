//! `customColumns` of `logs/query/` and `logs/export/` (specs/logs.md 2.2): each entry is
//! shorthand (`attributes.<key>`, `resource_attributes.<key>`, `body.<json.path>`) or a
//! scalar HogQL expression over one row, evaluated here per record. Each column is named
//! by its canonical alias, `col_` + the first 12 hex digits of the SHA-256 of the trimmed
//! text (PostHog's `canonical_key`), so equal setups give equal aliases.

mod eval;
mod parse;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::query::MAX_CUSTOM_COLUMNS;
use crate::{LogRecord, QueryError};

/// What the 400 of an unsupported column names as supported.
pub const SUPPORTED: &str = "attributes.<key>, resource_attributes.<key>, body.<json.path>, \
attributes['<key>'], resource_attributes['<key>'], the fields uuid, timestamp, observed_timestamp, \
body, level, severity_text, severity_number, service_name, trace_id, span_id, trace_flags, \
attributes, resource_attributes, resource_fingerprint, instrumentation_scope, event_name, \
string/number/null literals, the operators || + - * / %, and the functions upper, lower, \
length, lengthUTF8, trim, concat, coalesce, ifNull, toString, toInt, toFloat, substring, \
replaceAll, JSONExtractString, JSONExtractRaw";

/// One parsed column.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomColumn {
    /// As sent.
    pub text: String,
    pub alias: String,
    expr: parse::Expr,
}

/// The columns of one request, in request order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CustomColumns(Vec<CustomColumn>);

/// `col_<first 12 hex digits of sha256(trimmed text)>`.
pub fn alias(text: &str) -> String {
    let digest = Sha256::digest(text.trim().as_bytes());
    format!("col_{}", &hex::encode(digest)[..12])
}

impl CustomColumns {
    /// At most [`MAX_CUSTOM_COLUMNS`]; every one must be a supported per-row expression.
    pub fn parse(texts: &[String]) -> Result<Self, QueryError> {
        if texts.len() > MAX_CUSTOM_COLUMNS {
            return Err(QueryError::for_attr(
                "customColumns",
                format!("customColumns accepts at most {MAX_CUSTOM_COLUMNS} columns"),
            ));
        }
        let columns = texts
            .iter()
            .map(|text| {
                let expr = parse::parse(text).map_err(|why| {
                    QueryError::for_attr(
                        "customColumns",
                        format!("Invalid custom column '{text}': {why}. Supported: {SUPPORTED}"),
                    )
                })?;
                Ok(CustomColumn { text: text.clone(), alias: alias(text), expr })
            })
            .collect::<Result<_, QueryError>>()?;
        Ok(Self(columns))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CustomColumn> {
        self.0.iter()
    }

    /// The aliases in request order: the response's `columns` (null when there are none).
    pub fn aliases(&self) -> Vec<String> {
        self.0.iter().map(|c| c.alias.clone()).collect()
    }

    /// Each column's value for `r`, in request order.
    pub fn values(&self, r: &LogRecord) -> Vec<Value> {
        self.0.iter().map(|c| c.value(r)).collect()
    }
}

impl CustomColumn {
    /// A string, number, object or null (a missing attribute or path, a failed conversion).
    pub fn value(&self, r: &LogRecord) -> Value {
        eval::eval(&self.expr, r)
    }

    /// The CSV cell: text as is, numbers as written, null empty, objects as JSON.
    pub fn cell(&self, r: &LogRecord) -> String {
        eval::to_text(&self.value(r)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
