//! A record builder for tests.

use uuid::Uuid;

use crate::record::{LogRecord, Severity};

pub fn record() -> LogRecord {
    LogRecord {
        uuid: Uuid::from_u128(1),
        team_id: 1,
        timestamp_us: 1_700_000_000_000_000,
        observed_timestamp_us: 1_700_000_000_100_000,
        body: "GET /api/users failed: Connection Timeout".to_owned(),
        severity: Severity::Error,
        severity_number: 17,
        service_name: "api-gateway".to_owned(),
        resource_attributes: pairs(&[("k8s.pod.name", "api-1"), ("service.name", "api-gateway")]).into(),
        resource_fingerprint: 1_234_567_890,
        attributes: pairs(&[
            ("created", "2024-01-15T10:20:30Z"),
            ("http.method", "GET"),
            ("http.status", "503"),
            ("latency_ms", "12.5"),
            ("user", "Zoë"),
        ]),
        trace_id: [0xab; 16],
        span_id: [0xcd; 8],
        trace_flags: 1,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 100,
    }
}

/// Sorted, as stored.
pub fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = kv.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    v.sort();
    v
}
