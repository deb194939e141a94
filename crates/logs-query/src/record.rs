//! One stored log line (specs/logs.md 1.1), after ingestion mapping (1.3).

use std::sync::Arc;

use uuid::Uuid;

/// Normalized severity. `Unknown` only comes from out-of-range OTLP severity numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = LogsSeverity, rename_all = "lowercase"))]
pub enum Severity {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
    // Never accepted in a query (`severityLevels`).
    #[cfg_attr(feature = "openapi", serde(skip))]
    #[default]
    Unknown,
}

impl Severity {
    pub const ALL: [Severity; 7] =
        [Self::Trace, Self::Debug, Self::Info, Self::Warn, Self::Error, Self::Fatal, Self::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::Fatal => "fatal",
            Self::Unknown => "unknown",
        }
    }

    /// The exact stored text (`severityLevels` match is exact and case-sensitive).
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// The number a level implies when the client sent none (1.3 rule 3).
    pub fn default_number(self) -> i32 {
        match self {
            Self::Trace => 1,
            Self::Debug => 5,
            Self::Info => 9,
            Self::Warn => 13,
            Self::Error => 17,
            Self::Fatal => 21,
            Self::Unknown => 0,
        }
    }
}

/// A log record as stored. Times are microseconds since the Unix epoch (UTC). Attribute
/// maps are sorted by key; values are the decoded strings users see (`api`, `123`, `true`).
/// `Default`: a nil uuid, zeros and empty strings, severity `Unknown` (an empty record).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogRecord {
    /// UUIDv7, set by the server at ingestion.
    pub uuid: Uuid,
    pub team_id: i64,
    pub timestamp_us: i64,
    /// When the server received the record.
    pub observed_timestamp_us: i64,
    pub body: String,
    pub severity: Severity,
    pub severity_number: i32,
    pub service_name: String,
    /// Shared by every record of one resource (one OTLP `ResourceLogs`): a pod's attributes
    /// are kept once in memory, not once per record.
    pub resource_attributes: Arc<Vec<(String, String)>>,
    /// Identifies the resource (pod/host): a stable hash of the sorted resource attributes.
    pub resource_fingerprint: u64,
    pub attributes: Vec<(String, String)>,
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub trace_flags: i32,
    /// `"<scope.name>@<scope.version>"`, or empty.
    pub instrumentation_scope: String,
    pub event_name: String,
    /// Billing/volume size: body + attribute keys and values (+ long scope/event names).
    pub bytes: u32,
}

impl LogRecord {
    pub fn attribute(&self, key: &str) -> Option<&str> {
        find(&self.attributes, key)
    }

    pub fn resource_attribute(&self, key: &str) -> Option<&str> {
        find(&self.resource_attributes, key)
    }
}

fn find<'a>(sorted: &'a [(String, String)], key: &str) -> Option<&'a str> {
    sorted.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok().map(|i| sorted[i].1.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_round_trip_and_imply_numbers() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(Severity::parse("ERROR"), None, "exact, case-sensitive");
        assert_eq!(Severity::Warn.default_number(), 13);
    }
}
