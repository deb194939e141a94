//! Field-level (de)serialisers for `LogsQuery`: PostHog clients send `null` for "unset",
//! numbers as strings and the reverse, so each field accepts what they send.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};
use serde_json::Value;

use super::{DEFAULT_LIMIT, DEFAULT_TARGET_BUCKETS, MAX_LIMIT, MAX_TARGET_BUCKETS};
use crate::cursor::LogCursor;

/// `null` means the field's default.
pub fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn clamped<'de, D: Deserializer<'de>>(d: D, default: u32, max: u32) -> Result<u32, D::Error> {
    let Some(n) = Option::<i64>::deserialize(d)? else { return Ok(default) };
    Ok(u32::try_from(n.clamp(1, i64::from(max))).unwrap_or(default))
}

/// Clamped to 1..=MAX_LIMIT.
pub fn limit<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    clamped(d, DEFAULT_LIMIT, MAX_LIMIT)
}

/// Clamped to 1..=MAX_TARGET_BUCKETS.
pub fn target_buckets<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    clamped(d, DEFAULT_TARGET_BUCKETS, MAX_TARGET_BUCKETS)
}

/// An empty string is no cursor; anything else must decode.
pub fn cursor<'de, D: Deserializer<'de>>(d: D) -> Result<Option<LogCursor>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) if !s.trim().is_empty() => LogCursor::decode(&s).map(Some).map_err(D::Error::custom),
        _ => Ok(None),
    }
}

/// Person ids may be UUIDs or integers; session ids are strings.
pub fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s).filter(|s| !s.is_empty())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(D::Error::custom("expected a string or a number")),
    }
}

pub mod severities {
    use super::*;
    use crate::record::Severity;

    pub fn serialize<S: Serializer>(v: &[Severity], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|l| l.as_str()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Severity>, D::Error> {
        let names: Vec<String> = super::null_default(d)?;
        names
            .iter()
            .map(|n| {
                Severity::parse(n).filter(|s| *s != Severity::Unknown).ok_or_else(|| {
                    D::Error::custom(format!(
                        "Invalid severityLevels: unknown level '{n}', expected trace, debug, info, warn, error or fatal"
                    ))
                })
            })
            .collect()
    }
}

/// ISO 8601 in, `2025-12-16T10:23:15.000000+00:00` out.
pub mod iso_time {
    use super::*;
    use crate::timefmt::{format_iso_us, parse_absolute, to_us};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(v: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&format_iso_us(to_us(*t))),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            Some(s) if !s.trim().is_empty() => parse_absolute(&s)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("'{s}' is not an ISO 8601 date-time"))),
            _ => Ok(None),
        }
    }
}

/// A decimal string (u64 does not survive JavaScript numbers); plain numbers accepted too.
pub mod fingerprint {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_str(&n.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        let bad = || D::Error::custom("expected a non-negative integer as a decimal string");
        match Option::<Value>::deserialize(d)? {
            None => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(bad),
            Some(_) => Err(bad()),
        }
    }
}
