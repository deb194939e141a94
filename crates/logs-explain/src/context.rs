//! What a model may see of one log row (spec §6): `uuid, timestamp, body, attributes`
//! (minus keys that are also resource attributes), `severity_text, service_name,
//! resource_attributes, trace_id, span_id` (hex) and `event_name`, with secrets removed.

use std::collections::BTreeMap;

use logs_query::LogRecord;
use logs_query::ids::{hex_upper, is_zero};
use logs_query::timefmt::format_iso_us;
use serde::Serialize;

use crate::redact::{is_secret_key, scrub};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogContext {
    pub uuid: String,
    pub timestamp: String,
    pub body: String,
    pub attributes: BTreeMap<String, String>,
    pub severity_text: String,
    pub service_name: String,
    pub resource_attributes: BTreeMap<String, String>,
    /// Empty when the record carries none (all-zero id).
    pub trace_id: String,
    pub span_id: String,
    pub event_name: String,
}

/// Upper-case hex as the logs API shows ids, or "" for the all-zero id ingestion stores
/// when there is none.
pub fn hex_id(bytes: &[u8]) -> String {
    if is_zero(bytes) { String::new() } else { hex_upper(bytes) }
}

impl LogContext {
    /// `secrets` are literals to mask wherever they appear (the project token).
    pub fn of(r: &LogRecord, secrets: &[String]) -> Self {
        let clean = |pairs: &[(String, String)], skip: &dyn Fn(&str) -> bool| {
            pairs
                .iter()
                .filter(|(k, _)| !is_secret_key(k) && !skip(k))
                .map(|(k, v)| (k.clone(), scrub(v, secrets)))
                .collect::<BTreeMap<_, _>>()
        };
        let resource_attributes = clean(&r.resource_attributes, &|_| false);
        let attributes = clean(&r.attributes, &|k| r.resource_attribute(k).is_some());
        Self {
            uuid: r.uuid.to_string(),
            timestamp: format_iso_us(r.timestamp_us),
            body: scrub(&r.body, secrets),
            attributes,
            severity_text: r.severity.as_str().to_string(),
            service_name: scrub(&r.service_name, secrets),
            resource_attributes,
            trace_id: hex_id(&r.trace_id),
            span_id: hex_id(&r.span_id),
            event_name: scrub(&r.event_name, secrets),
        }
    }

    /// The first value among `keys`, log attributes before resource attributes.
    pub fn get(&self, keys: &[&str]) -> Option<(&'static str, &str, &str)> {
        for k in keys {
            if let Some((key, v)) = self.attributes.get_key_value(*k) {
                return Some(("log", key.as_str(), v.as_str()));
            }
        }
        for k in keys {
            if let Some((key, v)) = self.resource_attributes.get_key_value(*k) {
                return Some(("resource", key.as_str(), v.as_str()));
            }
        }
        None
    }

    pub fn value(&self, keys: &[&str]) -> Option<&str> {
        self.get(keys).map(|(_, _, v)| v).filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::testutil::record;

    #[test]
    fn context_drops_duplicated_and_secret_attributes_and_renders_hex_ids() {
        let mut r = record(
            "boom",
            &[("host.name", "web-1"), ("db.password", "hunter2"), ("http.status_code", "500")],
        );
        std::sync::Arc::make_mut(&mut r.resource_attributes).push(("host.name".into(), "web-1".into()));
        std::sync::Arc::make_mut(&mut r.resource_attributes)
            .push(("posthog.token".into(), "phc_abcdefgh".into()));
        std::sync::Arc::make_mut(&mut r.resource_attributes).sort();
        let c = LogContext::of(&r, &[]);
        assert_eq!(c.attributes.keys().collect::<Vec<_>>(), ["http.status_code"]);
        assert!(c.resource_attributes.contains_key("host.name"));
        assert!(!c.resource_attributes.contains_key("posthog.token"));
        assert_eq!(c.trace_id, "0AF7651916CD43DD8448EB211C80319C");
        assert_eq!(c.span_id, "B7AD6B7169203331");
        let none = LogRecord { trace_id: [0; 16], ..r };
        assert_eq!(LogContext::of(&none, &[]).trace_id, "");
    }
}
