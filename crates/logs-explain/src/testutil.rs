//! Records for unit tests.

use logs_query::{LogRecord, Severity};
use uuid::Uuid;

pub const TRACE: [u8; 16] =
    [0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c];
pub const SPAN: [u8; 8] = [0xb7, 0xad, 0x6b, 0x71, 0x69, 0x20, 0x33, 0x31];
/// 2025-01-02T03:04:05Z.
pub const T0_US: i64 = 1_735_787_045_000_000;

/// An error record of service "checkout" at `T0_US` with sorted `attrs`.
pub fn record(body: &str, attrs: &[(&str, &str)]) -> LogRecord {
    let mut attributes: Vec<(String, String)> =
        attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    attributes.sort();
    LogRecord {
        uuid: Uuid::now_v7(),
        team_id: 1,
        timestamp_us: T0_US,
        observed_timestamp_us: T0_US,
        body: body.into(),
        severity: Severity::Error,
        severity_number: 17,
        service_name: "checkout".into(),
        resource_attributes: vec![("service.name".into(), "checkout".into())].into(),
        resource_fingerprint: 7,
        attributes,
        trace_id: TRACE,
        span_id: SPAN,
        trace_flags: 1,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 100,
    }
}
