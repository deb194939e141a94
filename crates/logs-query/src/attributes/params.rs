//! The query strings of `GET .../logs/attributes/` and `.../logs/values/` (specs/logs.md
//! 2.7, 2.8). Lenient as PostHog is: a malformed optional parameter falls back to its
//! default instead of failing the request; only a missing `key` on `values/` is an error.

use serde_json::Value;

use super::{AttributeWindow, AttributesQuery, ValuesQuery};
use crate::date_range::DateRange;
use crate::error::QueryError;
use crate::filter::{AttributeScope, FilterGroup};

pub const DEFAULT_LIMIT: usize = 100;
/// The published contract for `attributes/` (1..=100).
pub const MAX_ATTRIBUTES_LIMIT: usize = 100;
/// PostHog does not cap `values/`; a cap keeps one request's answer bounded.
pub const MAX_VALUES_LIMIT: usize = 1000;

/// Query-string pairs; as in Django's `QueryDict.get`, the last of repeated keys wins.
struct Params<'a>(&'a [(String, String)]);

impl Params<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Non-numbers fall back to the default; the result is clamped to `min..=max`.
    fn number(&self, key: &str, default: usize, min: usize, max: usize) -> usize {
        let n = self.get(key).and_then(|v| v.trim().parse::<i64>().ok());
        n.map_or(default, |n| usize::try_from(n.max(0)).unwrap_or(max)).clamp(min, max)
    }
}

fn scope(p: &Params<'_>) -> AttributeScope {
    // Anything but `resource` means `log`, as in PostHog.
    if p.get("attribute_type") == Some("resource") { AttributeScope::Resource } else { AttributeScope::Log }
}

/// `dateRange` (a JSON object) wins; without it the top-level `date_from`/`date_to`; anything
/// malformed means the last hour.
fn date_range(p: &Params<'_>) -> DateRange {
    let parsed = match p.get("dateRange") {
        Some(raw) => serde_json::from_str::<DateRange>(raw).ok(),
        None if p.get("date_from").is_none() && p.get("date_to").is_none() => None,
        None => Some(DateRange {
            date_from: p.get("date_from").map(str::to_owned),
            date_to: p.get("date_to").map(str::to_owned),
            explicit_date: None,
        }),
    };
    parsed.filter(|d| d.validate().is_ok()).unwrap_or_else(DateRange::last_hour)
}

/// A JSON array; strings and numbers are taken as names, anything malformed means none.
fn service_names(p: &Params<'_>) -> Vec<String> {
    let Some(Ok(Value::Array(items))) = p.get("serviceNames").map(serde_json::from_str::<Value>) else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|v| match v {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// Either filter-group shape; a malformed one is ignored (PostHog drops it silently).
fn filter_group(p: &Params<'_>) -> FilterGroup {
    p.get("filterGroup")
        .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
        .and_then(|v| FilterGroup::from_json(&v).ok())
        .unwrap_or_default()
}

fn window(p: &Params<'_>) -> AttributeWindow {
    AttributeWindow {
        scope: scope(p),
        date_range: date_range(p),
        service_names: service_names(p),
        filter_group: filter_group(p),
    }
}

impl AttributesQuery {
    pub fn from_params(pairs: &[(String, String)]) -> Self {
        let p = Params(pairs);
        let keys = p
            .get("keys")
            .map(|raw| raw.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        Self {
            window: window(&p),
            search: p.get("search").unwrap_or_default().to_owned(),
            search_values: p.get("search_values").is_some_and(|v| v.eq_ignore_ascii_case("true")),
            keys,
            limit: p.number("limit", DEFAULT_LIMIT, 1, MAX_ATTRIBUTES_LIMIT),
            offset: p.number("offset", 0, 0, usize::MAX),
        }
    }
}

impl ValuesQuery {
    /// `key` is required (PostHog answers 400 "key is required").
    pub fn from_params(pairs: &[(String, String)]) -> Result<Self, QueryError> {
        let p = Params(pairs);
        let key = p
            .get("key")
            .filter(|k| !k.is_empty())
            .ok_or_else(|| QueryError::for_attr("key", "key is required"))?;
        Ok(Self {
            window: window(&p),
            key: key.to_owned(),
            search: p.get("value").unwrap_or_default().to_owned(),
            limit: p.number("limit", DEFAULT_LIMIT, 1, MAX_VALUES_LIMIT),
            offset: p.number("offset", 0, 0, usize::MAX),
        })
    }
}
