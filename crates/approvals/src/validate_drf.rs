//! DRF-like field primitives of the policy validation: PostHog's codes and messages for
//! required, null, wrong JSON types, lists, integers, UUIDs, booleans and durations.

use serde_json::Value;
use time::Duration;
use uuid::Uuid;

use super::Mode;
use crate::duration::{self, ParseError};
use crate::error::{ApprovalError, Result};

pub(super) fn invalid(attr: &str, detail: impl Into<String>) -> ApprovalError {
    ApprovalError::invalid(attr, "invalid_input", detail)
}

/// The value of a field the serializer requires (on create and PUT); `null` is refused.
pub(super) fn required<'v>(v: Option<&'v Value>, attr: &str, mode: Mode) -> Result<Option<&'v Value>> {
    match v {
        None if mode == Mode::Partial => Ok(None),
        None => Err(ApprovalError::invalid(attr, "required", "This field is required.")),
        Some(v) => not_null(attr, v).map(Some),
    }
}

pub(super) fn not_null<'v>(attr: &str, v: &'v Value) -> Result<&'v Value> {
    match v {
        Value::Null => Err(ApprovalError::invalid(attr, "null", "This field may not be null.")),
        v => Ok(v),
    }
}

/// Python's name of a JSON value's type, as DRF's messages show it.
pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

pub(super) fn list<'v>(attr: &str, v: &'v Value) -> Result<&'v [Value]> {
    match not_null(attr, v)? {
        Value::Array(items) => Ok(items),
        other => {
            let detail = format!("Expected a list of items but got type \"{}\".", type_name(other));
            Err(ApprovalError::invalid(attr, "not_a_list", detail))
        }
    }
}

/// An integer as Python's `int()` takes it from JSON: integers, integral floats and
/// integer strings; never a boolean.
pub(super) fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            // The bounds keep the cast exact; i64::MAX itself is not representable.
            (f.fract() == 0.0 && (-9.2e18..=9.2e18).contains(&f)).then_some(f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn uuid(v: &Value) -> Option<Uuid> {
    v.as_str().and_then(|s| Uuid::try_parse(s.trim()).ok())
}

pub(super) fn boolean(attr: &str, v: &Value) -> Result<bool> {
    match not_null(attr, v)? {
        Value::Bool(b) => Ok(*b),
        _ => Err(invalid(attr, "Must be a valid boolean.")),
    }
}

/// A Django duration as a string or a number of seconds (`3600`, `3600.5`).
pub(super) fn expires_after(v: &Value) -> Result<Duration> {
    let text = match not_null("expires_after", v)? {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    duration::parse_checked(&text).map_err(|e| {
        invalid(
            "expires_after",
            match e {
                ParseError::Format => {
                    "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu]."
                        .to_string()
                }
                ParseError::Negative => "Ensure this value is greater than or equal to 0:00:00.".to_string(),
                ParseError::TooLong => {
                    format!(
                        "Ensure this value is less than or equal to {} days, 0:00:00.",
                        duration::MAX_DAYS
                    )
                }
            },
        )
    })
}
