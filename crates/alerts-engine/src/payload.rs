//! Notification payloads: internal event properties and the webhook body (spec §3.8).

use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::config::{AlertFilters, ThresholdOperator, group_non_empty};
use crate::state::Notification;

/// What a notification says about the alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInfo<'a> {
    pub alert_id: &'a str,
    pub alert_name: &'a str,
    pub team_id: i64,
    pub threshold_count: u64,
    pub threshold_operator: ThresholdOperator,
    pub window_minutes: u32,
    pub filters: &'a AlertFilters,
    pub consecutive_failures: u32,
    pub last_error_message: Option<&'a str>,
}

/// Per-notification facts: the evaluated span and count (fire/resolve) or the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence<'a> {
    pub triggered_at: OffsetDateTime,
    pub result_count: Option<u64>,
    pub date_from: Option<OffsetDateTime>,
    pub date_to: Option<OffsetDateTime>,
    pub error_message: Option<&'a str>,
}

/// Internal event id and webhook `type` for a notification; None for `none`.
pub fn event_names(n: Notification) -> Option<(&'static str, &'static str)> {
    match n {
        Notification::None => None,
        Notification::Fire => Some(("$logs_alert_firing", "logs_alert.firing")),
        Notification::Resolve => Some(("$logs_alert_resolved", "logs_alert.resolved")),
        Notification::Broken => Some(("$logs_alert_auto_disabled", "logs_alert.auto_disabled")),
        Notification::Error => Some(("$logs_alert_errored", "logs_alert.errored")),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// `quote_plus`-style form encoding, as the logs page expects.
fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Query string for the logs page; each parameter is omitted when empty.
pub fn logs_url_params(f: &AlertFilters, from: Option<OffsetDateTime>, to: Option<OffsetDateTime>) -> String {
    let mut parts = Vec::new();
    if !f.severity_levels.is_empty() {
        parts.push(("severityLevels", json!(f.severity_levels).to_string()));
    }
    if !f.service_names.is_empty() {
        parts.push(("serviceNames", json!(f.service_names).to_string()));
    }
    if let Some(g) = f.filter_group.as_ref().filter(|g| group_non_empty(g)) {
        parts.push(("filterGroup", g.to_string()));
    }
    if let (Some(from), Some(to)) = (from, to) {
        parts.push(("dateRange", json!({"date_from": rfc3339(from), "date_to": rfc3339(to)}).to_string()));
    }
    parts.iter().map(|(k, v)| format!("{k}={}", form_encode(v))).collect::<Vec<_>>().join("&")
}

/// Properties of the internal event emitted for a notification.
pub fn event_properties(n: Notification, a: &AlertInfo<'_>, o: &Occurrence<'_>) -> Value {
    let mut p = Map::new();
    p.insert("alert_id".into(), json!(a.alert_id));
    p.insert("alert_name".into(), json!(a.alert_name));
    p.insert("team_id".into(), json!(a.team_id));
    p.insert("service_names".into(), json!(a.filters.service_names));
    p.insert("severity_levels".into(), json!(a.filters.severity_levels));
    p.insert("triggered_at".into(), json!(rfc3339(o.triggered_at)));
    match n {
        Notification::Fire | Notification::Resolve => {
            p.insert("threshold_count".into(), json!(a.threshold_count));
            p.insert("threshold_operator".into(), json!(a.threshold_operator));
            p.insert("window_minutes".into(), json!(a.window_minutes));
            p.insert("result_count".into(), json!(o.result_count));
            p.insert("filters".into(), json!(a.filters));
            p.insert("logs_url_params".into(), json!(logs_url_params(a.filters, o.date_from, o.date_to)));
        }
        Notification::Broken | Notification::Error | Notification::None => {
            p.insert("consecutive_failures".into(), json!(a.consecutive_failures));
            p.insert("last_error_message".into(), json!(a.last_error_message));
            if n == Notification::Error {
                p.insert("error_message".into(), json!(o.error_message));
            }
        }
    }
    Value::Object(p)
}

/// The webhook body; every `data` value is a string. `site` has no trailing slash.
pub fn webhook_body(
    n: Notification,
    event_uuid: &str,
    site: &str,
    a: &AlertInfo<'_>,
    o: &Occurrence<'_>,
) -> Option<Value> {
    let (_, kind) = event_names(n)?;
    let alert_url = format!("{site}/project/{}/logs/alerts/{}", a.team_id, a.alert_id);
    let mut d = Map::new();
    d.insert("alert_id".into(), json!(a.alert_id));
    d.insert("alert_name".into(), json!(a.alert_name));
    match n {
        Notification::Fire | Notification::Resolve => {
            let params = logs_url_params(a.filters, o.date_from, o.date_to);
            d.insert("result_count".into(), json!(o.result_count.unwrap_or(0).to_string()));
            d.insert("threshold_count".into(), json!(a.threshold_count.to_string()));
            d.insert("threshold_operator".into(), json!(a.threshold_operator));
            d.insert("window_minutes".into(), json!(a.window_minutes.to_string()));
            d.insert("logs_url".into(), json!(format!("{site}/project/{}/logs?{params}", a.team_id)));
        }
        _ => {
            d.insert("consecutive_failures".into(), json!(a.consecutive_failures.to_string()));
            let (key, msg) = if n == Notification::Error {
                ("error_message", o.error_message)
            } else {
                ("last_error_message", a.last_error_message)
            };
            d.insert(key.into(), json!(msg.unwrap_or_default()));
        }
    }
    d.insert("service_names".into(), json!(json!(a.filters.service_names).to_string()));
    d.insert("severity_levels".into(), json!(json!(a.filters.severity_levels).to_string()));
    d.insert("alert_url".into(), json!(alert_url));
    Some(json!({"id": event_uuid, "type": kind, "timestamp": rfc3339(o.triggered_at), "data": d}))
}

/// Beyond PostHog: firing notifications carry a few log lines from the breaching window.
pub const MAX_SAMPLES: usize = 5;

/// One sample log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub timestamp: OffsetDateTime,
    pub service_name: String,
    pub body: String,
}

/// `[{timestamp, service_name, body}]`, at most [`MAX_SAMPLES`].
pub fn samples_json(samples: &[Sample]) -> Value {
    samples
        .iter()
        .take(MAX_SAMPLES)
        .map(|s| json!({"timestamp": rfc3339(s.timestamp), "service_name": s.service_name, "body": s.body}))
        .collect()
}

/// The webhook body with the sample lines added (`samples`, empty unless firing).
pub fn webhook_body_with_samples(
    n: Notification,
    event_uuid: &str,
    site: &str,
    a: &AlertInfo<'_>,
    o: &Occurrence<'_>,
    samples: &[Sample],
) -> Option<Value> {
    let mut body = webhook_body(n, event_uuid, site, a, o)?;
    body["samples"] = samples_json(samples);
    Some(body)
}

#[cfg(test)]
#[path = "payload_tests.rs"]
mod tests;
