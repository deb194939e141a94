#![allow(clippy::unwrap_used)]
use logs_query::mem_store::MemStore;
use logs_query::{LogRecord, Severity};
use time::OffsetDateTime;
use uuid::Uuid;

use super::*;
use crate::testutil::{T0_US, TRACE, record};

const MIN: i64 = 60_000_000;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp((T0_US + 10 * MIN) / 1_000_000).unwrap()
}

fn at(mut r: LogRecord, ts: i64) -> LogRecord {
    r.uuid = Uuid::now_v7();
    r.timestamp_us = ts;
    r
}

fn timeout_record() -> LogRecord {
    record(
        "payment 4411 failed: connection pool timed out after 30000 ms",
        &[
            ("exception.type", "sqlalchemy.exc.TimeoutError"),
            ("exception.message", "QueuePool limit of size 5 overflow 10 reached, connection timed out"),
            (
                "exception.stacktrace",
                "Traceback (most recent call last):\n  File \"/app/pay.py\", line 88, in charge",
            ),
            ("http.method", "POST"),
            ("http.route", "/api/payments"),
            ("http.status_code", "504"),
            ("duration_ms", "30012"),
            ("server.address", "db-primary"),
        ],
    )
}

fn not_found_record() -> LogRecord {
    let mut r = record(
        "user 77 not found",
        &[("http.method", "GET"), ("http.route", "/api/users/:id"), ("http.status_code", "404")],
    );
    r.severity = Severity::Warn;
    r.service_name = "users-api".into();
    r.trace_id = [0; 16];
    r
}

#[test]
fn two_records_get_different_explanations_quoting_their_values() {
    let a = timeout_record();
    let b = not_found_record();
    let store = MemStore::with_team(1, vec![a.clone(), b.clone()]);
    let ea = explain(&store, 1, &a, &[], now()).unwrap();
    let eb = explain(&store, 1, &b, &[], now()).unwrap();
    assert_ne!(ea.headline, eb.headline);
    assert_ne!(ea.technical_explanation, eb.technical_explanation);
    assert_eq!(ea.headline, "sqlalchemy.exc.TimeoutError in checkout on POST /api/payments");
    assert_eq!(ea.severity_assessment, SeverityAssessment::Error);
    assert_eq!(ea.probable_causes[0].confidence, crate::Confidence::High);
    assert!(ea.probable_causes[0].hypothesis.contains("db-primary"), "{:?}", ea.probable_causes);
    assert!(ea.probable_causes[0].reasoning.contains("QueuePool limit of size 5"));
    assert!(ea.probable_causes.iter().any(|c| c.hypothesis.contains("30012 ms")));
    assert!(
        ea.technical_explanation.contains("HTTP 504")
            && ea.technical_explanation.contains("File \"/app/pay.py\", line 88")
    );
    assert!(ea.immediate_actions.iter().any(|x| x.action.contains("0AF7651916CD43DD8448EB211C80319C")));
    assert!(
        ea.key_fields.iter().any(|k| k.field == "exception.type" && k.value == "sqlalchemy.exc.TimeoutError")
    );
    let res = ea.key_fields.iter().find(|k| k.field == "trace_id").unwrap();
    assert_eq!(res.value, "0AF7651916CD43DD8448EB211C80319C");

    assert_eq!(eb.headline, "HTTP 404 from users-api on GET /api/users/:id");
    assert_eq!(eb.severity_assessment, SeverityAssessment::Warning);
    assert!(eb.probable_causes[0].hypothesis.contains("does not exist"));
    assert!(eb.probable_causes[0].reasoning.contains("\"not found\""), "{:?}", eb.probable_causes);
    assert!(!eb.immediate_actions.iter().any(|x| x.action.contains("trace")), "no trace id on b");
}

#[test]
fn the_store_around_the_record_is_read() {
    let r = timeout_record();
    let mut rows = vec![r.clone()];
    // Same pattern: 2 more in the last hour, 2 earlier today, 1 two days ago (not counted).
    for ts in
        [T0_US - 5 * MIN, T0_US + 5 * MIN, T0_US - 5 * 60 * MIN, T0_US - 20 * 60 * MIN, T0_US - 48 * 60 * MIN]
    {
        let mut x = at(r.clone(), ts);
        x.body = format!("payment {} failed: connection pool timed out after 30000 ms", ts % 1000);
        x.trace_id = [1; 16];
        rows.push(x);
    }
    // Another message of the same service, and the same trace in another service.
    let mut other = at(record("cache warmed", &[]), T0_US - MIN);
    other.trace_id = [2; 16];
    rows.push(other);
    let mut gw = at(record("upstream checkout answered 504", &[]), T0_US + 1_000);
    gw.service_name = "gateway".into();
    rows.push(gw);
    let store = MemStore::with_team(1, rows);
    let ev = evidence::gather(&store, 1, &r, &[], now()).unwrap();
    assert_eq!((ev.pattern_last_hour, ev.pattern_last_day), (3, 5));
    assert_eq!(ev.pattern, "payment <N> failed: connection pool timed out after <N> ms");
    assert_eq!(ev.trace.len(), 1);
    assert_eq!(ev.trace[0].service, "gateway");
    assert!(ev.trace.iter().all(|t| t.service != "checkout" || t.body != r.body));
    // All of checkout's error rows in the last hour: 3 timeouts + "cache warmed" (error level).
    assert_eq!(ev.errors_last_hour, 4);
    assert!(ev.rising(), "4 in the last hour against {:.1}/h before", ev.errors_baseline);

    let e = compose(&crate::context::LogContext::of(&r, &[]), r.severity, &ev);
    assert!(
        e.impact_summary.contains("3 times in the last hour and 5 times in the last day"),
        "{}",
        e.impact_summary
    );
    assert!(e.impact_summary.contains("1 other records from gateway"), "{}", e.impact_summary);
    assert_eq!(e.severity_assessment, SeverityAssessment::Critical, "rising errors with an exception");
    assert!(e.technical_explanation.contains("upstream checkout answered 504"));
    assert!(
        e.immediate_actions
            .iter()
            .any(|a| a.priority == crate::Priority::Now && a.action.contains("what changed in checkout"))
    );
    assert_eq!(e.immediate_actions[0].priority, crate::Priority::Now);
}

#[test]
fn an_info_record_is_ok_and_still_specific() {
    let mut r =
        record("cron job nightly-report finished in 1520 ms", &[("code.function", "reports.run_nightly")]);
    r.severity = Severity::Info;
    r.trace_id = TRACE;
    let store = MemStore::with_team(1, vec![r.clone()]);
    let e = explain(&store, 1, &r, &[], now()).unwrap();
    assert_eq!(e.severity_assessment, SeverityAssessment::Ok);
    assert!(e.headline.starts_with("checkout info: cron job nightly-report"), "{}", e.headline);
    assert!(e.headline.split_whitespace().count() <= 10);
    assert!(e.probable_causes[0].hypothesis.contains("reports.run_nightly"), "{:?}", e.probable_causes);
    assert!(
        e.immediate_actions
            .iter()
            .any(|a| a.priority == crate::Priority::Later && a.why.contains("level info"))
    );
}
