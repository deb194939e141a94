//! Attribute discovery: `GET .../logs/attributes/` (keys) and `.../logs/values/` (values of
//! one key), specs/logs.md 2.7 and 2.8.
//!
//! Without `serviceNames`/`filterGroup` the answer comes from the store's attribute
//! statistics (cheap, segment-granular, like PostHog's `log_attributes` rollup); with them,
//! from a scan of the matching rows, which is exact.

mod params;

use std::cmp::Reverse;
use std::collections::HashMap;

use time::OffsetDateTime;

use crate::date_range::{DEFAULT_DATE_FROM, DateRange};
use crate::filter::{AttributeScope, FilterGroup, contains_ci};
use crate::timefmt::to_us;
use crate::{AttributeStatsRequest, LogRecord, LogStore, LogsQuery, ScanRequest, StatsMode, StoreError};

pub use params::{DEFAULT_LIMIT, MAX_ATTRIBUTES_LIMIT, MAX_VALUES_LIMIT};

/// Value search is an expensive probe; short terms (`id`) would match nearly everything.
pub const MIN_VALUE_SEARCH_LENGTH: usize = 4;

/// Which rows the statistics cover; shared by both endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeWindow {
    pub scope: AttributeScope,
    pub date_range: DateRange,
    pub service_names: Vec<String>,
    pub filter_group: FilterGroup,
}

impl Default for AttributeWindow {
    fn default() -> Self {
        Self {
            scope: AttributeScope::Log,
            date_range: DateRange::last_hour(),
            service_names: Vec::new(),
            filter_group: FilterGroup::default(),
        }
    }
}

/// `GET .../logs/attributes/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttributesQuery {
    pub window: AttributeWindow,
    /// Case-insensitive substring of the key (and, with `search_values`, of a value).
    pub search: String,
    pub search_values: bool,
    /// Exact-key allow-list; empty means every key.
    pub keys: Vec<String>,
    pub limit: usize,
    pub offset: usize,
}

/// `GET .../logs/values/`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ValuesQuery {
    pub window: AttributeWindow,
    pub key: String,
    /// Case-insensitive substring of the value.
    pub search: String,
    pub limit: usize,
    pub offset: usize,
}

/// The filter `type` a client uses for keys of this scope.
pub fn property_filter_type(scope: AttributeScope) -> &'static str {
    match scope {
        AttributeScope::Log => "log_attribute",
        AttributeScope::Resource => "log_resource_attribute",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchedOn {
    Key,
    /// The key matched through a value: the most frequent matching one.
    Value(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeKey {
    pub name: String,
    pub matched_on: MatchedOn,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeKeysPage {
    pub results: Vec<AttributeKey>,
    /// As PostHog reports it: in key-only mode the number of matching keys (at least
    /// `offset`); in value-search mode only `offset + page size`, a lower bound.
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueCount {
    pub value: String,
    pub count: u64,
}

impl AttributesQuery {
    /// Whether values are searched too (`search_values` with a term of 4+ characters).
    pub fn searches_values(&self) -> bool {
        self.search_values && self.search.chars().count() >= MIN_VALUE_SEARCH_LENGTH
    }
}

impl AttributeWindow {
    /// `[from, to)` in µs; a range that cannot be resolved means the last hour.
    pub fn range_us(&self, now: OffsetDateTime) -> (i64, i64) {
        let (from, to) = self
            .date_range
            .resolve(now, DEFAULT_DATE_FROM)
            .or_else(|_| DateRange::last_hour().resolve(now, DEFAULT_DATE_FROM))
            .unwrap_or((now, now));
        (to_us(from), to_us(to))
    }

    /// Calls `visit(key, value, rows)` for the window's attributes; pairs may repeat.
    fn stats(
        &self,
        store: &dyn LogStore,
        team_id: i64,
        mode: StatsMode<'_>,
        now: OffsetDateTime,
        visit: &mut dyn FnMut(&str, Option<&str>, u64),
    ) -> Result<(), StoreError> {
        let (from_us, to_us) = self.range_us(now);
        let q = LogsQuery {
            service_names: self.service_names.clone(),
            filter_group: self.filter_group.clone(),
            ..LogsQuery::default()
        };
        let filter = q.row_filter();
        if filter.is_match_all() {
            let req = AttributeStatsRequest { team_id, from_us, to_us, scope: self.scope, mode };
            return store.attribute_stats(&req, visit);
        }
        let scope = self.scope;
        let req = ScanRequest { team_id, from_us, to_us, filter: &filter };
        store.scan(&req, &mut |r| {
            match mode {
                StatsMode::Keys => attrs(scope, r).iter().for_each(|(k, _)| visit(k, None, 1)),
                StatsMode::ValuesOf(key) => {
                    let v = match scope {
                        AttributeScope::Log => r.attribute(key),
                        AttributeScope::Resource => r.resource_attribute(key),
                    };
                    if let Some(v) = v {
                        visit(key, Some(v), 1);
                    }
                }
                StatsMode::AllValues => attrs(scope, r).iter().for_each(|(k, v)| visit(k, Some(v), 1)),
            }
            true
        })
    }
}

fn attrs(scope: AttributeScope, r: &LogRecord) -> &[(String, String)] {
    match scope {
        AttributeScope::Log => &r.attributes,
        AttributeScope::Resource => &r.resource_attributes,
    }
}

fn add(counts: &mut HashMap<String, u64>, key: &str, n: u64) {
    match counts.get_mut(key) {
        Some(c) => *c += n,
        None => {
            counts.insert(key.to_owned(), n);
        }
    }
}

/// Whether one of the key's alphanumeric tokens equals the (lower-cased) search, as
/// ClickHouse's `has(splitByNonAlpha(lower(key)), lower(search))`.
fn has_token(key_lower: &str, search_lower: &str) -> bool {
    key_lower.split(|c: char| !c.is_alphanumeric()).any(|t| !t.is_empty() && t == search_lower)
}

/// Attribute keys: key matches first (exact, then whole-token, then by rows desc, then
/// name), then keys found only through a value (same order). Paged by `limit`/`offset`.
pub fn attribute_keys(
    store: &dyn LogStore,
    team_id: i64,
    q: &AttributesQuery,
    now: OffsetDateTime,
) -> Result<AttributeKeysPage, StoreError> {
    let search_lower = q.search.to_lowercase();
    let values_too = q.searches_values();
    let allowed = |k: &str| q.keys.is_empty() || q.keys.iter().any(|a| a == k);
    // Keys matching by name, with their row counts.
    let mut by_key: HashMap<String, u64> = HashMap::new();
    // Keys matching only through values: key -> matching value -> rows.
    let mut by_value: HashMap<String, HashMap<String, u64>> = HashMap::new();
    let mode = if values_too { StatsMode::AllValues } else { StatsMode::Keys };
    q.window.stats(store, team_id, mode, now, &mut |k, v, n| {
        if !allowed(k) {
            return;
        }
        if contains_ci(k, &search_lower) {
            add(&mut by_key, k, n);
        } else if let Some(v) = v.filter(|v| values_too && contains_ci(v, &search_lower)) {
            match by_value.get_mut(k) {
                Some(values) => add(values, v, n),
                None => {
                    by_value.insert(k.to_owned(), HashMap::from([(v.to_owned(), n)]));
                }
            }
        }
    })?;
    let total_keys = by_key.len();
    let mut ranked: Vec<(AttributeKey, u64)> =
        by_key.into_iter().map(|(name, n)| (AttributeKey { name, matched_on: MatchedOn::Key }, n)).collect();
    ranked.extend(by_value.into_iter().filter_map(|(name, values)| {
        let total = values.values().sum();
        // The most frequent matching value; ties go to the smallest, for stable answers.
        let (sample, _) = values.into_iter().max_by_key(|(v, n)| (*n, Reverse(v.clone())))?;
        Some((AttributeKey { name, matched_on: MatchedOn::Value(sample) }, total))
    }));
    ranked.sort_by_cached_key(|(k, n)| {
        let lower = k.name.to_lowercase();
        (
            matches!(k.matched_on, MatchedOn::Value(_)),
            lower != search_lower,
            !has_token(&lower, &search_lower),
            Reverse(*n),
            k.name.clone(),
        )
    });
    let results: Vec<AttributeKey> =
        ranked.into_iter().skip(q.offset).take(q.limit).map(|(k, _)| k).collect();
    let count = if values_too { results.len().saturating_add(q.offset) } else { total_keys.max(q.offset) };
    Ok(AttributeKeysPage { results, count })
}

/// Distinct values of one key containing the search, by rows desc then value.
pub fn attribute_values(
    store: &dyn LogStore,
    team_id: i64,
    q: &ValuesQuery,
    now: OffsetDateTime,
) -> Result<Vec<ValueCount>, StoreError> {
    let search_lower = q.search.to_lowercase();
    let mut counts: HashMap<String, u64> = HashMap::new();
    q.window.stats(store, team_id, StatsMode::ValuesOf(&q.key), now, &mut |k, v, n| {
        if let Some(v) = v.filter(|v| k == q.key && contains_ci(v, &search_lower)) {
            add(&mut counts, v, n);
        }
    })?;
    let mut values: Vec<ValueCount> =
        counts.into_iter().map(|(value, count)| ValueCount { value, count }).collect();
    values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    Ok(values.into_iter().skip(q.offset).take(q.limit).collect())
}

#[cfg(test)]
mod tests;
