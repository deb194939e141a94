//! count, count-ranges, sparkline and services over a fixed set of records.

use actix_web::test::TestRequest;
use orgs::Level;
use serde_json::{Value, json};

use crate::common;

const SECOND: i64 = 1_000_000;
const MINUTE: i64 = 60 * SECOND;

/// (offset from base in µs, service or "" for none, severity, body, http.method or "")
type Rec = (i64, &'static str, &'static str, &'static str, &'static str);

fn records() -> Vec<Rec> {
    vec![
        (65 * SECOND, "api", "info", "GET /users ok", "GET"),
        (90 * SECOND, "api", "error", "GET /users timeout", "GET"),
        (130 * SECOND, "api", "warn", "POST /orders slow", "POST"),
        (12 * MINUTE, "api", "error", "upstream Timeout", "POST"),
        (12 * MINUTE + 30 * SECOND, "api", "fatal", "panic", ""),
        (100 * SECOND, "web", "info", "rendered", "GET"),
        (30 * MINUTE, "web", "debug", "cache miss", ""),
        (45 * MINUTE, "", "error", "orphan", ""),
    ]
}

/// Bytes the ingestion assigns: body, resource and record attribute keys and values.
fn bytes(r: &Rec) -> u64 {
    let resource = if r.1.is_empty() { 0 } else { "service.name".len() + r.1.len() };
    let attr = if r.4.is_empty() { 0 } else { "http.method".len() + r.4.len() };
    (r.3.len() + resource + attr) as u64
}

/// Two hours before the current hour: whole hours, and well inside ingestion's ±24 h.
fn base_us() -> i64 {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    (now - now.rem_euclid(3600) - 7200) * SECOND
}

fn iso(us: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(us.div_euclid(SECOND))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

fn otlp(base: i64) -> Value {
    let mut by_service: Vec<(&str, Vec<Value>)> = Vec::new();
    for r in records() {
        let attrs = if r.4.is_empty() {
            json!([])
        } else {
            json!([{"key": "http.method", "value": {"stringValue": r.4}}])
        };
        let rec = json!({"timeUnixNano": ((base + r.0) * 1000).to_string(), "severityText": r.2,
            "body": {"stringValue": r.3}, "attributes": attrs});
        match by_service.iter_mut().find(|(s, _)| *s == r.1) {
            Some((_, recs)) => recs.push(rec),
            None => by_service.push((r.1, vec![rec])),
        }
    }
    let resource_logs: Vec<Value> = by_service
        .into_iter()
        .map(|(service, recs)| {
            let attrs = if service.is_empty() {
                json!([])
            } else {
                json!([{"key": "service.name", "value": {"stringValue": service}}])
            };
            json!({"resource": {"attributes": attrs}, "scopeLogs": [{"logRecords": recs}]})
        })
        .collect();
    json!({"resourceLogs": resource_logs})
}

/// Ingests the records; returns the base time.
async fn seed<S, B>(app: &common::TestApp<S>) -> i64
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let base = base_us();
    let req = TestRequest::post()
        .uri("/i/v1/logs")
        .insert_header(("authorization", format!("Bearer {}", app.boot.project.api_token)))
        .set_json(otlp(base));
    assert_eq!(app.raw(req).await.ok(200), &json!({}));
    base
}

/// `{"query": q}` with the absolute range `[base + from, base + to)`.
fn body(base: i64, from: i64, to: i64, mut q: Value) -> Value {
    q["dateRange"] = json!({"date_from": iso(base + from), "date_to": iso(base + to)});
    json!({"query": q})
}

const HOUR: i64 = 60 * MINUTE;

crate::dual! {
    async fn count_with_every_filter_kind(app) {
        let base = seed(&app).await;
        let path = format!("/api/projects/{}/logs/count/", app.project());
        let count = |from: i64, to: i64, q: Value| {
            let b = body(base, from, to, q);
            async { app.post(&path, &app.key, b).await.ok(200).clone() }
        };
        assert_eq!(count(0, HOUR, json!({})).await, json!({"count": 8}));
        assert_eq!(count(0, HOUR, json!({"severityLevels": ["error", "fatal"]})).await["count"], 4);
        assert_eq!(count(0, HOUR, json!({"serviceNames": ["web"]})).await["count"], 2);
        assert_eq!(count(0, HOUR, json!({"serviceNames": ["api"], "severityLevels": ["error"]})).await["count"], 2);
        assert_eq!(count(0, HOUR, json!({"searchTerm": "TIMEOUT"})).await["count"], 2);
        let get = json!([{"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "GET"}]);
        assert_eq!(count(0, HOUR, json!({"filterGroup": get})).await["count"], 3);
        let web = json!([{"key": "service.name", "type": "log_resource_attribute", "operator": "exact", "value": "web"}]);
        assert_eq!(count(0, HOUR, json!({"filterGroup": web})).await["count"], 2);
        // Unaligned, half-open: 90 s (inclusive) to 12 min (exclusive).
        assert_eq!(count(90 * SECOND, 12 * MINUTE, json!({})).await["count"], 3);
        assert_eq!(count(-HOUR, 0, json!({})).await["count"], 0, "empty range");
        let env = format!("/api/environments/{}/logs/count/", app.project());
        assert_eq!(app.post(&env, &app.key, body(base, 0, HOUR, json!({}))).await.ok(200)["count"], 8);
    }

    async fn count_ranges_buckets_and_interval(app) {
        let base = seed(&app).await;
        let path = format!("/api/projects/{}/logs/count-ranges/", app.project());
        let range = |m0: i64, m1: i64, count: u64| json!({"date_from": iso(base + m0 * MINUTE), "date_to": iso(base + m1 * MINUTE), "count": count});
        let r = app.post(&path, &app.key, body(base, 0, HOUR, json!({}))).await;
        assert_eq!(r.ok(200), &json!({"ranges": [range(0, 5, 4), range(10, 15, 2), range(30, 35, 1), range(45, 50, 1)], "interval": "5m"}));
        let r = app.post(&path, &app.key, body(base, 0, HOUR, json!({"targetBuckets": 1, "searchTerm": "timeout"}))).await;
        assert_eq!(r.ok(200), &json!({"ranges": [range(0, 60, 2)], "interval": "1h"}));
        let r = app.post(&path, &app.key, body(base, MINUTE, 3 * MINUTE, json!({"targetBuckets": 100}))).await;
        let body_ = r.ok(200).clone();
        assert_eq!(body_["interval"], "1s");
        let froms: Vec<Value> = body_["ranges"].as_array().cloned().unwrap_or_default().iter().map(|r| r["date_from"].clone()).collect();
        assert_eq!(froms, [65, 90, 100, 130].map(|s| json!(iso(base + s * SECOND))));
        let r = app.post(&path, &app.key, body(base, -HOUR, 0, json!({}))).await;
        assert_eq!(r.ok(200)["ranges"], json!([]), "empty window");
    }

    async fn sparkline_breakdowns_and_spine(app) {
        let base = seed(&app).await;
        let path = format!("/api/projects/{}/logs/sparkline/", app.project());
        let recs = records();
        let b = |i: usize| bytes(&recs[i]);
        let at = |m: i64| iso(base + m * MINUTE);
        let r = app.post(&path, &app.key, body(base, 0, HOUR, json!({}))).await;
        let points = r.ok(200).as_array().cloned().unwrap_or_default();
        assert_eq!(points.len(), 60 - 5 + 7, "60 zero-filled buckets; 5 with data hold 7 points");
        let minute = |m: i64| -> Vec<Value> { points.iter().filter(|p| p["time"] == json!(at(m))).cloned().collect() };
        assert_eq!(minute(0), [json!({"time": at(0), "severity": "(no value)", "count": 0, "bytes_uncompressed": 0})]);
        assert_eq!(minute(1), [
            json!({"time": at(1), "severity": "error", "count": 1, "bytes_uncompressed": b(1)}),
            json!({"time": at(1), "severity": "info", "count": 2, "bytes_uncompressed": b(0) + b(5)}),
        ]);
        assert_eq!(minute(12), [
            json!({"time": at(12), "severity": "error", "count": 1, "bytes_uncompressed": b(3)}),
            json!({"time": at(12), "severity": "fatal", "count": 1, "bytes_uncompressed": b(4)}),
        ]);
        assert_eq!(points[59 - 5 + 7]["time"], json!(at(59)));
        let r = app.post(&path, &app.key, body(base, 0, HOUR, json!({"sparklineBreakdownBy": "service", "sparklineRankBy": "bytes"}))).await;
        let points = r.ok(200).as_array().cloned().unwrap_or_default();
        let data: Vec<(String, String, u64)> = points.iter().filter(|p| p["count"] != 0)
            .map(|p| (p["time"].as_str().unwrap_or_default().to_string(), p["service"].as_str().unwrap_or_default().to_string(), p["count"].as_u64().unwrap_or_default()))
            .collect();
        let row = |m: i64, s: &str, n: u64| (at(m), s.to_string(), n);
        assert_eq!(data, [row(1, "api", 2), row(1, "web", 1), row(2, "api", 1), row(12, "api", 2), row(30, "web", 1), row(45, "(no value)", 1)]);
        assert!(points.iter().all(|p| p.get("severity").is_none()));
    }

    async fn services_maths_and_sparkline(app) {
        let base = seed(&app).await;
        let path = format!("/api/projects/{}/logs/services/", app.project());
        let at = |m: i64| iso(base + m * MINUTE);
        let r = app.post(&path, &app.key, body(base, 0, HOUR, json!({}))).await;
        assert_eq!(r.ok(200), &json!({
            "services": [
                {"service_name": "api", "log_count": 5, "error_count": 3, "error_rate": 0.6, "volume_share_pct": 62.5,
                 "severity_breakdown": {"debug": 0, "info": 1, "warn": 1, "error": 3}, "active_rules": []},
                {"service_name": "web", "log_count": 2, "error_count": 0, "error_rate": 0.0, "volume_share_pct": 25.0,
                 "severity_breakdown": {"debug": 1, "info": 1, "warn": 0, "error": 0}, "active_rules": []},
                {"service_name": "(no service)", "log_count": 1, "error_count": 1, "error_rate": 1.0, "volume_share_pct": 12.5,
                 "severity_breakdown": {"debug": 0, "info": 0, "warn": 0, "error": 1}, "active_rules": []},
            ],
            "sparkline": [
                {"time": at(1), "service_name": "api", "count": 2},
                {"time": at(1), "service_name": "web", "count": 1},
                {"time": at(2), "service_name": "api", "count": 1},
                {"time": at(12), "service_name": "api", "count": 2},
                {"time": at(30), "service_name": "web", "count": 1},
                {"time": at(45), "service_name": "(no service)", "count": 1},
            ],
            "summary": {"top_services_count": 3, "top_services_volume_share_pct": 100.0},
            "total_services": 3,
        }));
        let r = app.post(&path, &app.key, body(base, 0, HOUR, json!({"serviceNameSearch": "WE", "severityLevels": ["debug"]}))).await;
        let b = r.ok(200).clone();
        assert_eq!(b["services"][0]["service_name"], "web");
        assert_eq!(b["services"][0]["log_count"], 1);
        assert_eq!(b["services"][0]["volume_share_pct"], 100.0);
        assert_eq!(b["total_services"], 1);
        let r = app.post(&path, &app.key, body(base, -HOUR, 0, json!({}))).await;
        assert_eq!(r.ok(200), &json!({"services": [], "sparkline": [],
            "summary": {"top_services_count": 0, "top_services_volume_share_pct": 0.0}, "total_services": 0}));
    }

    async fn aggregate_auth(app) {
        let (_, no_logs) = app.member("m@x.io", Level::Member, &["project:read"]);
        let (_, other_key, _, other_project) = app.other_org("o@x.io");
        let q = json!({"query": {"dateRange": {"date_from": "-1h"}}});
        for endpoint in ["count", "count-ranges", "sparkline", "services"] {
            let path = format!("/api/projects/{}/logs/{endpoint}/", app.project());
            let r = app.call("POST", &path, None, Some(q.clone())).await;
            r.assert_error(401, "authentication_error", "not_authenticated");
            let r = app.post(&path, &no_logs, q.clone()).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], "API key missing required scope 'logs:read'");
            let r = app.post(&format!("/api/projects/{other_project}/logs/{endpoint}/"), &app.key, q.clone()).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            app.post(&format!("/api/projects/{other_project}/logs/{endpoint}/"), &other_key, q.clone()).await.ok(200);
        }
    }

    async fn aggregate_bad_input(app) {
        let bad_group = json!([{"key": "x", "type": "bogus", "operator": "exact", "value": 1}]);
        for endpoint in ["count", "count-ranges", "sparkline", "services"] {
            let path = format!("/api/projects/{}/logs/{endpoint}/", app.project());
            let cases = [
                (json!({}), None),
                (json!({"query": "nope"}), Some("query")),
                (json!({"query": {"dateRange": {"date_from": "yesterday-ish"}}}), Some("dateRange")),
                (json!({"query": {"dateRange": {"date_from": "-1h"}, "filterGroup": bad_group}}), Some("filterGroup")),
                (json!({"query": {"dateRange": {"date_from": "-1h"}, "severityLevels": ["loud"]}}), Some("severityLevels")),
            ];
            for (b, attr) in cases {
                let r = app.post(&path, &app.key, b.clone()).await;
                r.assert_error(400, "validation_error", "invalid_input");
                let got = r.body["attr"].as_str().unwrap_or_default().to_string();
                assert!(attr.is_none_or(|a| got.starts_with(a)), "{endpoint} {b}: attr {got}");
            }
        }
        let services = format!("/api/projects/{}/logs/services/", app.project());
        let r = app.post(&services, &app.key, json!({"query": {}})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "dateRange", "services needs a dateRange");
        let long = json!({"query": {"dateRange": {"date_from": "-1h"}, "serviceNameSearch": "x".repeat(201)}});
        let r = app.post(&services, &app.key, long).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "serviceNameSearch");
        let count = format!("/api/projects/{}/logs/count/", app.project());
        assert_eq!(app.post(&count, &app.key, json!({"query": {}})).await.ok(200)["count"], 0, "dateRange defaults to -1h");
    }
}
