//! Export columns: the row fields of `logs/query/` by name, plus one attribute per column
//! with `attributes.<key>` / `resource_attributes.<key>`.

use serde_json::{Map, Value};

use crate::ids::{span_id_hex, trace_id_hex};
use crate::timefmt::format_iso_us;
use crate::{LogRecord, QueryError};

/// What an export holds when the request names no columns.
pub const DEFAULT_COLUMNS: [&str; 8] = [
    "timestamp",
    "level",
    "service_name",
    "body",
    "trace_id",
    "span_id",
    "attributes",
    "resource_attributes",
];

/// A row field of `logs/query/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Uuid,
    Timestamp,
    ObservedTimestamp,
    Body,
    SeverityText,
    SeverityNumber,
    Level,
    ServiceName,
    TraceId,
    SpanId,
    TraceFlags,
    Attributes,
    ResourceAttributes,
    ResourceFingerprint,
    InstrumentationScope,
    EventName,
}

const FIELDS: [(&str, Field); 16] = [
    ("uuid", Field::Uuid),
    ("timestamp", Field::Timestamp),
    ("observed_timestamp", Field::ObservedTimestamp),
    ("body", Field::Body),
    ("severity_text", Field::SeverityText),
    ("severity_number", Field::SeverityNumber),
    ("level", Field::Level),
    ("service_name", Field::ServiceName),
    ("trace_id", Field::TraceId),
    ("span_id", Field::SpanId),
    ("trace_flags", Field::TraceFlags),
    ("attributes", Field::Attributes),
    ("resource_attributes", Field::ResourceAttributes),
    ("resource_fingerprint", Field::ResourceFingerprint),
    ("instrumentation_scope", Field::InstrumentationScope),
    ("event_name", Field::EventName),
];

impl Field {
    pub fn parse(name: &str) -> Option<Self> {
        FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        FIELDS.iter().find(|(_, x)| *x == self).map_or("", |(n, _)| n)
    }

    /// The field as a `logs/query/` row shows it (custom columns read fields through this).
    pub fn value(self, r: &LogRecord) -> Value {
        match self {
            Self::SeverityNumber => r.severity_number.into(),
            Self::TraceFlags => r.trace_flags.into(),
            Self::Attributes => json_map(&r.attributes),
            Self::ResourceAttributes => json_map(&r.resource_attributes),
            other => other.text(r).into(),
        }
    }

    fn text(self, r: &LogRecord) -> String {
        match self {
            Self::Uuid => r.uuid.to_string(),
            Self::Timestamp => format_iso_us(r.timestamp_us),
            Self::ObservedTimestamp => format_iso_us(r.observed_timestamp_us),
            Self::Body => r.body.clone(),
            Self::SeverityText | Self::Level => r.severity.as_str().to_owned(),
            Self::SeverityNumber => r.severity_number.to_string(),
            Self::ServiceName => r.service_name.clone(),
            Self::TraceId => trace_id_hex(&r.trace_id),
            Self::SpanId => span_id_hex(&r.span_id),
            Self::TraceFlags => r.trace_flags.to_string(),
            Self::Attributes => json_map(&r.attributes).to_string(),
            Self::ResourceAttributes => json_map(&r.resource_attributes).to_string(),
            Self::ResourceFingerprint => r.resource_fingerprint.to_string(),
            Self::InstrumentationScope => r.instrumentation_scope.clone(),
            Self::EventName => r.event_name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Field(Field),
    Attribute(String),
    ResourceAttribute(String),
}

impl Column {
    /// An unknown name is a 400 at request time rather than a failed job later.
    pub fn parse(name: &str) -> Result<Self, QueryError> {
        if let Some(f) = Field::parse(name) {
            return Ok(Self::Field(f));
        }
        let attr = |prefix: &str| name.strip_prefix(prefix).filter(|k| !k.is_empty()).map(str::to_owned);
        if let Some(k) = attr("attributes.") {
            return Ok(Self::Attribute(k));
        }
        if let Some(k) = attr("resource_attributes.") {
            return Ok(Self::ResourceAttribute(k));
        }
        Err(QueryError::for_attr(
            "columns",
            format!(
                "Unknown export column '{name}': use one of {}, attributes.<key> or resource_attributes.<key>",
                FIELDS.map(|(n, _)| n).join(", ")
            ),
        ))
    }

    /// The header cell.
    pub fn name(&self) -> String {
        match self {
            Self::Field(f) => f.name().to_owned(),
            Self::Attribute(k) => format!("attributes.{k}"),
            Self::ResourceAttribute(k) => format!("resource_attributes.{k}"),
        }
    }

    /// The cell, formatted as `logs/query/` shows the field; a missing attribute is empty.
    pub fn cell(&self, r: &LogRecord) -> String {
        match self {
            Self::Attribute(k) => r.attribute(k).unwrap_or_default().to_owned(),
            Self::ResourceAttribute(k) => r.resource_attribute(k).unwrap_or_default().to_owned(),
            Self::Field(f) => f.text(r),
        }
    }
}

/// A JSON object, keys in stored (sorted) order.
fn json_map(pairs: &[(String, String)]) -> Value {
    Value::Object(pairs.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>())
}
