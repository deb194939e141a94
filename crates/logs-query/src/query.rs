//! `LogsQuery`: the body every logs read endpoint takes inside `{"query": {...}}`
//! (specs/logs.md 2.2–2.6, 2.10). Unknown keys are ignored, as PostHog's schema does.

mod alert_filters;
mod fields;
mod identity;

pub use alert_filters::parse_alert_filters;
pub use identity::{DEFAULT_PERSON_ID_KEYS, DEFAULT_SESSION_ID_KEYS, IdentityKeys};
// The page order lives with the cursor it orders; re-exported where callers look for it.
pub use crate::cursor::OrderBy;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::columns::CustomColumns;
use crate::cursor::LogCursor;
use crate::date_range::{DEFAULT_DATE_FROM, DateRange};
use crate::error::QueryError;
use crate::filter::{FilterGroup, FilterNode, GroupType};
use crate::record::Severity;
use crate::timefmt::to_us;

/// Published contract: 1..=1000, default 100. PostHog's code defaults to 1000 and caps at
/// 2000; we follow the contract, and clamp instead of rejecting (as PostHog's cap does), so
/// a client asking for 2000 gets 1000 rows and pages on with `nextCursor`.
pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 1000;
pub const DEFAULT_TARGET_BUCKETS: u32 = 10;
pub const MAX_TARGET_BUCKETS: u32 = 100;
pub const MAX_CUSTOM_COLUMNS: usize = 50;
pub const MAX_SERVICE_NAME_SEARCH: usize = 200;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LogsSparklineBreakdownBy))]
#[serde(rename_all = "lowercase")]
pub enum SparklineBreakdownBy {
    #[default]
    Severity,
    Service,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LogsSparklineRankBy))]
#[serde(rename_all = "lowercase")]
pub enum SparklineRankBy {
    #[default]
    Count,
    Bytes,
}

/// Serialises to the camelCase echo the API returns under `query`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LogsQuery {
    #[serde(deserialize_with = "fields::null_default")]
    pub date_range: DateRange,
    /// Exact `severity_text IN (...)`; unknown names are rejected, as PostHog's enum does.
    #[serde(with = "fields::severities")]
    pub severity_levels: Vec<Severity>,
    #[serde(deserialize_with = "fields::null_default")]
    pub service_names: Vec<String>,
    pub search_term: Option<String>,
    #[serde(deserialize_with = "fields::null_default")]
    pub filter_group: FilterGroup,
    pub order_by: OrderBy,
    #[serde(deserialize_with = "fields::limit")]
    pub limit: u32,
    #[serde(deserialize_with = "fields::cursor")]
    pub after: Option<LogCursor>,
    #[serde(with = "fields::iso_time")]
    pub live_logs_checkpoint: Option<OffsetDateTime>,
    #[serde(with = "fields::fingerprint")]
    pub resource_fingerprint: Option<u64>,
    #[serde(deserialize_with = "fields::null_default")]
    pub exclude_attributes: bool,
    /// As sent; validated by `validate`, evaluated through [`LogsQuery::custom_columns`].
    #[serde(deserialize_with = "fields::null_default")]
    pub custom_columns: Vec<String>,
    #[serde(deserialize_with = "fields::id_string")]
    pub person_id: Option<String>,
    #[serde(deserialize_with = "fields::id_string")]
    pub session_id: Option<String>,
    #[serde(deserialize_with = "fields::target_buckets")]
    pub target_buckets: u32,
    #[serde(deserialize_with = "fields::null_default")]
    pub sparkline_breakdown_by: SparklineBreakdownBy,
    #[serde(deserialize_with = "fields::null_default")]
    pub sparkline_rank_by: SparklineRankBy,
    pub service_name_search: Option<String>,
    /// Server configuration, not part of the body: the keys `personId` / `sessionId` match.
    #[serde(skip)]
    pub identity_keys: IdentityKeys,
}

impl Default for LogsQuery {
    fn default() -> Self {
        Self {
            date_range: DateRange::last_hour(),
            severity_levels: Vec::new(),
            service_names: Vec::new(),
            search_term: None,
            filter_group: FilterGroup::default(),
            order_by: OrderBy::Latest,
            limit: DEFAULT_LIMIT,
            after: None,
            live_logs_checkpoint: None,
            resource_fingerprint: None,
            exclude_attributes: false,
            custom_columns: Vec::new(),
            person_id: None,
            session_id: None,
            target_buckets: DEFAULT_TARGET_BUCKETS,
            sparkline_breakdown_by: SparklineBreakdownBy::Severity,
            sparkline_rank_by: SparklineRankBy::Count,
            service_name_search: None,
            identity_keys: IdentityKeys::default(),
        }
    }
}

/// Reads `{"query": {...}}`. `require_date_range` is true for `logs/query/` and `export/`;
/// elsewhere a missing `dateRange` means the last hour.
pub fn parse_body(body: &Value, require_date_range: bool) -> Result<LogsQuery, QueryError> {
    let query = match body.get("query") {
        None | Some(Value::Null) => return Err(QueryError::new("No query provided")),
        Some(q @ Value::Object(_)) => q,
        Some(_) => return Err(QueryError::for_attr("query", "query must be an object")),
    };
    // serde would read a struct from a list (`[from, to]`); DRF wants a dictionary.
    if let Some(v) = query.get("dateRange").filter(|v| !v.is_null() && !v.is_object()) {
        let got = match v {
            Value::Array(_) => "list",
            Value::Bool(_) => "bool",
            Value::Number(n) if n.is_f64() => "float",
            Value::Number(_) => "int",
            _ => "str",
        };
        let detail = format!("Expected a dictionary of items but got type \"{got}\".");
        return Err(QueryError::for_attr("dateRange", detail));
    }
    let has_date_range = query.get("dateRange").is_some_and(|v| !v.is_null());
    if require_date_range && !has_date_range {
        return Err(QueryError::for_attr("dateRange", "dateRange is required"));
    }
    let mut query = query.clone();
    crate::serde_wording::integral_floats(&mut query);
    let mut parsed: LogsQuery = serde_path_to_error::deserialize(query).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        // Our own deserializers already say which field and what is wrong.
        let detail = match crate::serde_wording::drf_message(&inner) {
            _ if inner.starts_with("Invalid ") => inner,
            Some(drf) => drf,
            None => format!("Invalid {path}: {inner}"),
        };
        QueryError::for_attr(path, detail)
    })?;
    if !has_date_range {
        parsed.date_range = DateRange::last_hour();
    }
    parsed.validate()?;
    Ok(parsed)
}

impl LogsQuery {
    /// The checks serde cannot express. `parse_body` runs them; call it on hand-built queries.
    pub fn validate(&self) -> Result<(), QueryError> {
        self.date_range.validate()?;
        self.filter_group.compile()?;
        self.custom_columns()?;
        if self.service_name_search.as_ref().is_some_and(|s| s.chars().count() > MAX_SERVICE_NAME_SEARCH) {
            return Err(QueryError::for_attr(
                "serviceNameSearch",
                format!("serviceNameSearch must be at most {MAX_SERVICE_NAME_SEARCH} characters"),
            ));
        }
        Ok(())
    }

    /// The parsed `customColumns` (at most [`MAX_CUSTOM_COLUMNS`], each a supported
    /// per-row expression).
    pub fn custom_columns(&self) -> Result<CustomColumns, QueryError> {
        CustomColumns::parse(&self.custom_columns)
    }

    /// What rows must match besides the time range: `filterGroup`, ANDed with the
    /// `personId` / `sessionId` groups over [`LogsQuery::identity_keys`] when set.
    pub fn match_group(&self) -> Cow<'_, FilterGroup> {
        let ids = self.identity_keys.group(self.person_id.as_deref(), self.session_id.as_deref());
        match ids {
            None => Cow::Borrowed(&self.filter_group),
            Some(ids) => Cow::Owned(FilterGroup {
                group_type: GroupType::And,
                values: vec![FilterNode::Group(self.filter_group.clone()), FilterNode::Group(ids)],
            }),
        }
    }

    /// `[from, to]` in µs; a missing `date_from` means the last hour.
    pub fn time_range_us(&self, now: OffsetDateTime) -> Result<(i64, i64), QueryError> {
        let (from, to) = self.date_range.resolve(now, DEFAULT_DATE_FROM)?;
        Ok((to_us(from), to_us(to)))
    }

    pub fn live_logs_checkpoint_us(&self) -> Option<i64> {
        self.live_logs_checkpoint.map(to_us)
    }

    /// Non-empty, lower-cased `serviceNameSearch` (substring match on service names).
    pub fn service_name_search_lower(&self) -> Option<String> {
        self.service_name_search.as_deref().filter(|s| !s.is_empty()).map(str::to_lowercase)
    }
}

#[cfg(test)]
mod tests;
