//! Records and rules for the unit tests.

use logs_query::{LogRecord, Severity};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::model::{RuleType, SamplingRule};

pub const T0: OffsetDateTime = datetime!(2026-12-07 10:00:00 UTC);
pub const T0_US: i64 = 1_796_637_600_000_000;

pub fn record(service: &str, severity: Severity, attrs: &[(&str, &str)]) -> LogRecord {
    let mut attributes: Vec<(String, String)> =
        attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    attributes.sort();
    LogRecord {
        uuid: Uuid::now_v7(),
        team_id: 1,
        timestamp_us: T0_US,
        observed_timestamp_us: T0_US,
        body: "GET /api/things done".into(),
        severity,
        severity_number: severity.default_number(),
        service_name: service.into(),
        resource_attributes: vec![("service.name".into(), service.into())].into(),
        resource_fingerprint: 0,
        attributes,
        trace_id: [0; 16],
        span_id: [0; 8],
        trace_flags: 0,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 100,
    }
}

pub fn rule(n: i64, rule_type: RuleType, config: Value) -> SamplingRule {
    SamplingRule {
        id: Uuid::from_u128(n as u128),
        team_id: 1,
        name: format!("rule {n}"),
        enabled: true,
        priority: n,
        rule_type,
        scope_service: None,
        scope_path_pattern: None,
        scope_attribute_filters: Value::Array(Vec::new()),
        config,
        version: 1,
        created_by: None,
        created_at: T0,
        updated_at: T0,
    }
}
