//! Response shapes of the logs endpoints (specs/logs.md 2.2–2.10), with PostHog's field
//! names, and their conversion from `logs_query` results. Request bodies and query strings
//! are in `input.rs`.

use logs_ingest::opentelemetry_proto::tonic::collector::logs::v1::ExportLogsPartialSuccess as OtlpPartialSuccess;
use logs_query::attributes::{AttributeKey, MatchedOn, ValueCount};
use logs_query::ids::{span_id_hex, trace_id_hex};
use logs_query::timefmt::format_iso_us;
use logs_query::{ListPage, LogRecord};
use serde::{Serialize, Serializer};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::input::LogsQueryInput;
use crate::api::dto::iso;

mod aggregates;
pub use aggregates::*;

/// One log row of `logs/query/`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogRow<'a> {
    pub uuid: Uuid,
    /// `2025-12-16T10:23:16.449937+00:00`.
    #[schema(format = DateTime)]
    pub timestamp: String,
    #[schema(format = DateTime)]
    pub observed_timestamp: String,
    pub body: &'a str,
    pub severity_text: &'static str,
    pub severity_number: i32,
    /// The same as `severity_text`.
    pub level: &'static str,
    /// 32 upper-case hex digits; all zeros when unset.
    pub trace_id: String,
    /// 16 upper-case hex digits; all zeros when unset.
    pub span_id: String,
    /// `{}` when the query sets `excludeAttributes`.
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub attributes: Attributes<'a>,
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub resource_attributes: Attributes<'a>,
    /// A u64 as a decimal string.
    pub resource_fingerprint: String,
    /// `<scope.name>@<scope.version>`, or empty.
    pub instrumentation_scope: &'a str,
    pub event_name: &'a str,
    /// Send it back as `liveLogsCheckpoint` to tail what arrives next.
    #[schema(format = DateTime)]
    pub live_logs_checkpoint: &'a str,
    /// One key per `customColumns` entry, named by its alias (`col_<12 hex digits>`, as
    /// listed in `columns`): a string, number, object or null.
    #[serde(flatten)]
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub custom: CustomValues<'a>,
}

/// The custom columns of one row: aliases paired with values.
#[derive(Debug)]
pub struct CustomValues<'a> {
    pub aliases: &'a [String],
    pub values: &'a [Value],
}

impl Serialize for CustomValues<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.aliases.iter().zip(self.values))
    }
}

/// An attribute map, written straight from the record's pairs: they are sorted by key and
/// unique (`LogRecord`'s invariant), so this is what a JSON object of them would be.
#[derive(Debug)]
pub struct Attributes<'a>(&'a [(String, String)]);

impl Serialize for Attributes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'a> LogRow<'a> {
    pub fn new(
        r: &'a LogRecord,
        exclude_attributes: bool,
        checkpoint: &'a str,
        custom: CustomValues<'a>,
    ) -> Self {
        let map = |pairs: &'a [(String, String)]| Attributes(if exclude_attributes { &[] } else { pairs });
        Self {
            uuid: r.uuid,
            timestamp: format_iso_us(r.timestamp_us),
            observed_timestamp: format_iso_us(r.observed_timestamp_us),
            body: &r.body,
            severity_text: r.severity.as_str(),
            severity_number: r.severity_number,
            level: r.severity.as_str(),
            trace_id: trace_id_hex(&r.trace_id),
            span_id: span_id_hex(&r.span_id),
            attributes: map(&r.attributes),
            resource_attributes: map(&r.resource_attributes),
            resource_fingerprint: r.resource_fingerprint.to_string(),
            instrumentation_scope: &r.instrumentation_scope,
            event_name: &r.event_name,
            live_logs_checkpoint: checkpoint,
            custom,
        }
    }

    /// The rows of a page, each with its custom column values.
    pub fn page(page: &'a ListPage, exclude_attributes: bool, checkpoint: &'a str) -> Vec<Self> {
        let row = |(i, r)| {
            let values = page.custom.get(i).map_or(&[][..], Vec::as_slice);
            Self::new(r, exclude_attributes, checkpoint, CustomValues { aliases: &page.columns, values })
        };
        page.rows.iter().enumerate().map(row).collect()
    }
}

/// A page of `logs/query/`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogsQueryResponse<'a> {
    /// The `query` object as sent.
    #[schema(value_type = LogsQueryInput)]
    pub query: Value,
    pub results: Vec<LogRow<'a>>,
    pub has_more: bool,
    /// Send it back as `after` for the next page; null when `hasMore` is false.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
    pub max_exportable_logs: u32,
    /// The aliases of `customColumns`, in request order (each row carries one key per
    /// alias); null when the query asked for none.
    #[schema(required = true)]
    pub columns: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HasLogsResponse {
    #[serde(rename = "hasLogs")]
    pub has_logs: bool,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogsMatchedOn {
    Key,
    Value,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogsAttribute {
    pub name: String,
    /// The filter `type` to use for this key: `log_attribute` or `log_resource_attribute`.
    #[schema(value_type = logs_query::filter::FilterType)]
    pub property_filter_type: &'static str,
    pub matched_on: LogsMatchedOn,
    /// With `matchedOn: value`: the most frequent matching value.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub matched_value: Option<String>,
}

impl LogsAttribute {
    pub fn new(k: AttributeKey, kind: &'static str) -> Self {
        let (matched_on, matched_value) = match k.matched_on {
            MatchedOn::Key => (LogsMatchedOn::Key, None),
            MatchedOn::Value(v) => (LogsMatchedOn::Value, Some(v)),
        };
        Self { name: k.name, property_filter_type: kind, matched_on, matched_value }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsAttributesResponse {
    pub results: Vec<LogsAttribute>,
    /// Matching keys + offset (key search), or page size + offset (value search).
    pub count: usize,
}

/// `id` and `name` are both the value.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogsValue {
    pub id: String,
    pub name: String,
    pub count: u64,
}

impl From<ValueCount> for LogsValue {
    fn from(v: ValueCount) -> Self {
        Self { id: v.value.clone(), name: v.value, count: v.count }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogsValuesResponse {
    /// Most frequent first.
    pub results: Vec<LogsValue>,
    /// Always false: values are read live, never from a cache being refreshed.
    pub refreshing: bool,
}

/// PostHog's exported-asset answer to a logs export.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogsExportCreated {
    pub id: i64,
    /// Always `text/csv`.
    pub export_format: String,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// False until the worker has written the file.
    pub has_content: bool,
    /// `logs-<service part>-<dates>.csv`.
    pub filename: String,
}

/// OTLP's `ExportLogsServiceResponse`, as JSON: `{}` when every record was stored as sent.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportLogsServiceResponse {
    /// Present when records were dropped (sampling rules) or their timestamps replaced.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub partial_success: Option<ExportLogsPartialSuccess>,
}

/// OTLP's `ExportLogsPartialSuccess`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportLogsPartialSuccess {
    /// Records not stored (a decimal string, as proto3 JSON writes int64); `"0"` when the
    /// message is only a warning.
    pub rejected_log_records: String,
    pub error_message: String,
}

impl From<Option<OtlpPartialSuccess>> for ExportLogsServiceResponse {
    fn from(p: Option<OtlpPartialSuccess>) -> Self {
        Self {
            partial_success: p.map(|p| ExportLogsPartialSuccess {
                rejected_log_records: p.rejected_log_records.to_string(),
                error_message: p.error_message,
            }),
        }
    }
}
