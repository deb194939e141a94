use serde_json::json;

use super::*;
use crate::aggregate::{NO_SERVICE_LABEL, ServicePoint, ServicesReport, SeverityBreakdown, services};
use crate::mem_store::MemStore;

const HOUR: i64 = 60 * MINUTE;

fn store() -> MemStore {
    let mut rows = Vec::new();
    let api = [
        (Severity::Trace, 1),
        (Severity::Debug, 2),
        (Severity::Info, 4),
        (Severity::Warn, 2),
        (Severity::Error, 2),
        (Severity::Fatal, 1),
        (Severity::Unknown, 1),
    ];
    for (i, (severity, n)) in api.into_iter().enumerate() {
        for j in 0..n {
            let minute = if (i + j) % 2 == 0 { 0 } else { 2 };
            rows.push(rec(t0() + minute * MINUTE + 7 * SECOND, "api", severity, "api line", 5));
        }
    }
    for _ in 0..6 {
        rows.push(rec(t0() + 2 * MINUTE, "web", Severity::Info, "web line", 5));
    }
    rows.push(rec(t0() + 59 * MINUTE, "", Severity::Error, "anonymous", 5));
    for s in ["s1", "s2", "s3", "s4"] {
        rows.push(rec(t0() + 10 * MINUTE, s, Severity::Info, "small", 5));
    }
    MemStore::with_team(TEAM, rows)
}

fn run(q: serde_json::Value) -> ServicesReport {
    services(&store(), TEAM, &query(0, HOUR, q), now()).unwrap()
}

#[test]
fn per_service_maths() {
    let r = run(json!({}));
    let names: Vec<&str> = r.services.iter().map(|s| s.service_name.as_str()).collect();
    assert_eq!(names, ["api", "web", NO_SERVICE_LABEL, "s1", "s2", "s3", "s4"], "by count, then name");
    assert_eq!(r.total_services, 7);
    let api = &r.services[0];
    assert_eq!((api.log_count, api.error_count), (13, 3), "unknown counts as a log, not an error");
    assert_eq!(api.error_rate, 0.2308, "3/13");
    assert_eq!(api.volume_share_pct, 54.17, "13/24");
    assert_eq!(api.severity_breakdown, SeverityBreakdown { debug: 3, info: 4, warn: 2, error: 3 });
    let web = &r.services[1];
    assert_eq!((web.error_rate, web.volume_share_pct), (0.0, 25.0));
    let anonymous = &r.services[2];
    assert_eq!((anonymous.log_count, anonymous.error_rate, anonymous.volume_share_pct), (1, 1.0, 4.17));
    assert_eq!(r.summary.top_services_count, 5);
    assert_eq!(r.summary.top_services_volume_share_pct, 91.67, "22/24");
}

#[test]
fn sparkline_per_bucket_and_service() {
    let r = run(json!({}));
    assert_eq!(r.interval.seconds(), 60);
    let at =
        |m: i64, s: &str, count| ServicePoint { time_us: t0() + m * MINUTE, service_name: s.into(), count };
    assert_eq!(
        r.sparkline,
        [
            at(0, "api", 7),
            at(2, "api", 6),
            at(2, "web", 6),
            at(10, "s1", 1),
            at(10, "s2", 1),
            at(10, "s3", 1),
            at(10, "s4", 1),
            at(59, NO_SERVICE_LABEL, 1),
        ]
    );
}

#[test]
fn filters_and_service_name_search() {
    let r = run(json!({"severityLevels": ["error", "fatal"]}));
    let counts: Vec<(&str, u64)> =
        r.services.iter().map(|s| (s.service_name.as_str(), s.log_count)).collect();
    assert_eq!(counts, [("api", 3), (NO_SERVICE_LABEL, 1)]);
    assert_eq!(r.services[0].error_rate, 1.0);
    assert_eq!(r.services[0].volume_share_pct, 75.0);
    let r = run(json!({"serviceNameSearch": "S"}));
    let names: Vec<&str> = r.services.iter().map(|s| s.service_name.as_str()).collect();
    assert_eq!(names, ["s1", "s2", "s3", "s4"], "case-insensitive substring; the empty name never matches");
    assert_eq!((r.total_services, r.summary.top_services_count), (4, 4));
    assert_eq!(r.services[0].volume_share_pct, 25.0);
    assert_eq!(r.summary.top_services_volume_share_pct, 100.0);
    assert!(r.sparkline.iter().all(|p| p.service_name.starts_with('s')));
    let too_long = json!({"query": {"serviceNameSearch": "x".repeat(201)}});
    assert_eq!(parse_body(&too_long, false).unwrap_err().attr.as_deref(), Some("serviceNameSearch"));
}

#[test]
fn empty_window() {
    let r = services(&store(), TEAM, &query(2 * HOUR, 3 * HOUR, json!({})), now()).unwrap();
    assert!(r.services.is_empty() && r.sparkline.is_empty());
    assert_eq!((r.total_services, r.summary.top_services_count), (0, 0));
    assert_eq!(r.summary.top_services_volume_share_pct, 0.0);
}
