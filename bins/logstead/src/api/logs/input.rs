//! What the logs endpoints accept, for the OpenAPI document. The handlers do not deserialize
//! these types: bodies go through `logs_query::parse_body` / `prepare_export` (lenient, as
//! PostHog is, with errors that name the field), and query strings through `from_params`
//! (the last of repeated keys wins; a malformed value falls back to its default), which a
//! typed extractor would turn into 400s.

use logs_query::cursor::OrderBy;
use logs_query::filter::{FilterType, GroupType, Operator};
use logs_query::query::{SparklineBreakdownBy, SparklineRankBy};
use logs_query::record::Severity;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// `{"query": {...}}`: the body of `query/`, `count/`, `count-ranges/`, `sparkline/` and
/// `services/`.
#[derive(Debug, ToSchema)]
pub struct LogsQueryBody {
    pub query: LogsQueryInput,
}

/// `POST .../logs/export/`.
#[derive(Debug, ToSchema)]
pub struct LogsExportBody {
    pub query: LogsQueryInput,
    /// `timestamp`, `body`, `attributes.<key>`, ...; absent, null or empty means the default set.
    pub columns: Option<Vec<String>>,
}

/// The fields of `query`; each endpoint reads the ones it needs and ignores unknown ones.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct LogsQueryInput {
    /// Required by `query/` and `services/`; elsewhere the last hour.
    pub date_range: Option<LogsDateRange>,
    /// Exact match on `severity_text`.
    pub severity_levels: Option<Vec<Severity>>,
    pub service_names: Option<Vec<String>>,
    /// Case-insensitive substring of the body.
    pub search_term: Option<String>,
    /// A flat list of filters (all ANDed) or a PropertyGroupFilter.
    pub filter_group: Option<LogsFilterGroup>,
    /// `query/`: `latest` (default) or `earliest`.
    pub order_by: Option<OrderBy>,
    /// `query/`: rows per page, clamped to 1..1000 (default 100).
    pub limit: Option<i64>,
    /// `query/`: the `nextCursor` of the previous page.
    pub after: Option<String>,
    /// `query/`: live tail, rows observed at or after this time.
    #[schema(format = DateTime)]
    pub live_logs_checkpoint: Option<String>,
    /// A u64 as a decimal string (a number is accepted too).
    pub resource_fingerprint: Option<String>,
    /// `query/`: answer `{}` for both attribute maps.
    pub exclude_attributes: Option<bool>,
    /// At most 50: `attributes.<key>`, `resource_attributes.<key>`, `body.<json.path>` or a
    /// per-row HogQL expression (see the API notes); each row gets one key per alias.
    pub custom_columns: Option<Vec<String>>,
    /// The distinct id: rows whose attribute under a configured person key equals it.
    pub person_id: Option<String>,
    /// Rows whose attribute under a configured session key equals it.
    pub session_id: Option<String>,
    /// `count-ranges/`: buckets wanted, clamped to 1..100 (default 10).
    pub target_buckets: Option<i64>,
    /// `sparkline/`: `severity` (default) or `service`.
    pub sparkline_breakdown_by: Option<SparklineBreakdownBy>,
    /// `sparkline/`: which series are the top 10, by `count` (default) or `bytes`.
    pub sparkline_rank_by: Option<SparklineRankBy>,
    /// `services/`: case-insensitive substring of the service name, at most 200 characters.
    #[schema(max_length = 200)]
    pub service_name_search: Option<String>,
}

/// Absolute ISO 8601 or relative (`-1h`, `-7d`, `-1mStart`); `date_to` null means now.
#[derive(Debug, ToSchema)]
pub struct LogsDateRange {
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    #[schema(rename = "explicitDate")]
    pub explicit_date: Option<bool>,
}

/// Either shape PostHog clients send.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
pub enum LogsFilterGroup {
    List(Vec<LogsPropertyFilter>),
    Group(LogsPropertyGroupFilter),
}

/// PostHog's PropertyGroupFilter; `OR` is honoured.
#[derive(Debug, ToSchema)]
pub struct LogsPropertyGroupFilter {
    #[schema(rename = "type")]
    pub group_type: GroupType,
    pub values: Vec<LogsFilterNode>,
}

#[derive(Debug, ToSchema)]
#[serde(untagged)]
pub enum LogsFilterNode {
    // Collected once, through `LogsFilterGroup`; following it here would never end.
    #[schema(no_recursion)]
    Group(LogsPropertyGroupFilter),
    Filter(LogsPropertyFilter),
}

/// One condition. `type: log` keys: `message` (the body), `severity_level`, `service_name`,
/// `trace_id`, `span_id` (hex).
#[derive(Debug, ToSchema)]
pub struct LogsPropertyFilter {
    pub key: String,
    #[schema(rename = "type")]
    pub filter_type: FilterType,
    /// Default `exact`.
    pub operator: Option<Operator>,
    /// A string, number, bool or a list of those (any of / none of); absent for `is_set`.
    pub value: Option<serde_json::Value>,
}

/// `log` (default; any other value too) or `resource`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogsAttributeType {
    Log,
    Resource,
}

/// The window and filters both attribute endpoints take (listed next to each endpoint's own
/// parameters: `IntoParams` cannot flatten); JSON values arrive as strings.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsWindowParams {
    #[param(inline)]
    pub attribute_type: Option<LogsAttributeType>,
    /// A JSON DateRange; malformed means the last hour. Wins over `date_from`/`date_to`.
    #[serde(rename = "dateRange")]
    pub date_range: Option<String>,
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    /// A JSON array of service names.
    #[serde(rename = "serviceNames")]
    pub service_names: Option<String>,
    /// A JSON filter group (either shape); malformed is ignored.
    #[serde(rename = "filterGroup")]
    pub filter_group: Option<String>,
}

/// `GET .../logs/attributes/`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsAttributesParams {
    /// Case-insensitive substring of the key.
    pub search: Option<String>,
    /// Also match values (a search of 4+ characters).
    pub search_values: Option<bool>,
    /// Comma-separated exact keys to restrict to.
    pub keys: Option<String>,
    /// 1..100, default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// `GET .../logs/values/`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsValuesParams {
    /// The attribute key.
    pub key: String,
    /// Case-insensitive substring of the value.
    pub value: Option<String>,
    /// 1..1000, default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// OTLP ingestion: the project token, when there is no `Authorization` header.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IngestParams {
    /// `phc_...`.
    pub token: Option<String>,
}
