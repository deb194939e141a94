#![allow(clippy::unwrap_used)]

use super::*;
use time::macros::datetime;

const AT: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

fn filters() -> AlertFilters {
    AlertFilters {
        severity_levels: vec!["error".into()],
        service_names: vec!["api".into()],
        filter_group: None,
    }
}

fn info(f: &AlertFilters) -> AlertInfo<'_> {
    AlertInfo {
        alert_id: "a1",
        alert_name: "Errors",
        team_id: 7,
        threshold_count: 10,
        threshold_operator: ThresholdOperator::Above,
        window_minutes: 5,
        filters: f,
        consecutive_failures: 5,
        last_error_message: Some("Query is too expensive."),
    }
}

fn fired() -> Occurrence<'static> {
    Occurrence {
        triggered_at: AT,
        result_count: Some(42),
        date_from: Some(datetime!(2025-03-01 11:55 UTC)),
        date_to: Some(AT),
        error_message: None,
    }
}

#[test]
fn event_ids_per_action() {
    assert_eq!(event_names(Notification::None), None);
    assert_eq!(event_names(Notification::Fire).map(|e| e.0), Some("$logs_alert_firing"));
    assert_eq!(event_names(Notification::Resolve).map(|e| e.0), Some("$logs_alert_resolved"));
    assert_eq!(event_names(Notification::Broken).map(|e| e.0), Some("$logs_alert_auto_disabled"));
    assert_eq!(event_names(Notification::Error).map(|e| e.1), Some("logs_alert.errored"));
}

#[test]
fn url_params_omit_empty_and_encode() {
    let p = logs_url_params(&filters(), None, None);
    assert_eq!(p, "severityLevels=%5B%22error%22%5D&serviceNames=%5B%22api%22%5D");
    assert_eq!(logs_url_params(&AlertFilters::default(), None, None), "");
    let empty_group = AlertFilters {
        filter_group: Some(serde_json::json!({"type": "AND", "values": [{"type": "AND", "values": []}]})),
        ..Default::default()
    };
    assert_eq!(logs_url_params(&empty_group, None, None), "");
    let p = logs_url_params(&AlertFilters::default(), Some(datetime!(2025-03-01 11:55 UTC)), Some(AT));
    assert!(p.starts_with("dateRange=%7B%22date_from%22%3A%222025-03-01T11%3A55%3A00Z%22"), "{p}");
}

#[test]
fn fire_properties() {
    let f = filters();
    let p = event_properties(Notification::Fire, &info(&f), &fired());
    assert_eq!(p["result_count"], 42);
    assert_eq!(p["threshold_operator"], "above");
    assert_eq!(p["service_names"], serde_json::json!(["api"]));
    assert_eq!(p["filters"]["severityLevels"], serde_json::json!(["error"]));
    assert_eq!(p["triggered_at"], "2025-03-01T12:00:00Z");
    assert!(p["logs_url_params"].as_str().unwrap().contains("dateRange="));
    assert!(p.get("consecutive_failures").is_none());
}

#[test]
fn broken_and_error_properties() {
    let f = filters();
    let err = Occurrence { error_message: Some("busy"), ..fired() };
    let p = event_properties(Notification::Broken, &info(&f), &err);
    assert_eq!((p["consecutive_failures"].as_u64(), p.get("error_message")), (Some(5), None));
    assert_eq!(p["last_error_message"], "Query is too expensive.");
    let p = event_properties(Notification::Error, &info(&f), &err);
    assert_eq!(p["error_message"], "busy");
    assert!(p.get("threshold_count").is_none());
}

#[test]
fn webhook_bodies() {
    let f = filters();
    let b = webhook_body(Notification::Fire, "e1", "https://logs.example", &info(&f), &fired()).unwrap();
    assert_eq!(b["type"], "logs_alert.firing");
    assert_eq!(b["timestamp"], "2025-03-01T12:00:00Z");
    let d = &b["data"];
    assert_eq!((d["result_count"].as_str(), d["threshold_count"].as_str()), (Some("42"), Some("10")));
    assert_eq!(d["service_names"], "[\"api\"]");
    assert_eq!(d["alert_url"], "https://logs.example/project/7/logs/alerts/a1");
    assert!(
        d["logs_url"].as_str().unwrap().starts_with("https://logs.example/project/7/logs?severityLevels=")
    );
    let b = webhook_body(Notification::Broken, "e2", "https://x", &info(&f), &fired()).unwrap();
    assert_eq!(b["data"]["last_error_message"], "Query is too expensive.");
    assert_eq!(b["data"]["consecutive_failures"], "5");
    let err = Occurrence { error_message: Some("busy"), ..fired() };
    let b = webhook_body(Notification::Error, "e3", "https://x", &info(&f), &err).unwrap();
    assert_eq!(
        (b["data"]["error_message"].as_str(), b["data"].get("last_error_message")),
        (Some("busy"), None)
    );
    assert_eq!(webhook_body(Notification::None, "e4", "https://x", &info(&f), &fired()), None);
}

#[test]
fn webhook_body_carries_at_most_five_samples() {
    let f = filters();
    let samples: Vec<Sample> = (0..7)
        .map(|i| Sample { timestamp: AT, service_name: "api".into(), body: format!("boom {i}") })
        .collect();
    let b = webhook_body_with_samples(Notification::Fire, "e1", "https://x", &info(&f), &fired(), &samples)
        .unwrap();
    let arr = b["samples"].as_array().unwrap();
    assert_eq!(arr.len(), MAX_SAMPLES);
    assert_eq!(
        arr[4],
        serde_json::json!({"timestamp": "2025-03-01T12:00:00Z", "service_name": "api", "body": "boom 4"})
    );
    assert_eq!(b["type"], "logs_alert.firing");
    assert!(b["data"]["logs_url"].as_str().unwrap().contains("dateRange="));
    assert_eq!(
        webhook_body_with_samples(Notification::None, "e1", "https://x", &info(&f), &fired(), &[]),
        None
    );
}
