//! `POST .../logs/alerts/simulate/` over ingested logs.

use actix_web::test::TestRequest;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::common;

/// `n` logs of `service` at `at` (OTLP/JSON).
fn otlp(service: &str, n: usize, at: OffsetDateTime) -> Value {
    let ns = at.unix_timestamp_nanos();
    let logs: Vec<Value> = (0..n)
        .map(|i| json!({"timeUnixNano": (ns + i as i128 * 1000).to_string(), "severityText": "error", "body": {"stringValue": format!("boom {i}")}}))
        .collect();
    json!({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeLogs": [{"scope": {"name": "t"}, "logRecords": logs}]
    }]})
}

fn buckets(v: &Value) -> Vec<Value> {
    v["buckets"].as_array().cloned().unwrap_or_default()
}

fn at(b: &Value) -> OffsetDateTime {
    OffsetDateTime::parse(b["timestamp"].as_str().unwrap_or_default(), &Rfc3339)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

crate::dual! {
    async fn simulate_replays_ingested_logs(app) {
        let now = OffsetDateTime::now_utc();
        let grid = now.unix_timestamp().div_euclid(300) * 300;
        let t0 = OffsetDateTime::from_unix_timestamp(grid).unwrap_or(now) - Duration::minutes(30);
        let token = app.boot.project.api_token.clone();
        for body in [otlp("api", 5, t0 + Duration::minutes(1)), otlp("web", 10, t0 + Duration::minutes(1))] {
            let req = TestRequest::post().uri("/i/v1/logs").insert_header(("authorization", format!("Bearer {token}"))).set_json(&body);
            app.raw(req).await.ok(200);
        }
        let path = format!("/api/projects/{}/logs/alerts/simulate/", app.project());
        let rule = json!({"filters": {"serviceNames": ["api"]}, "threshold_count": 2, "window_minutes": 5,
            "check_interval_minutes": 5, "date_from": "-1h"});
        let r = app.post(&path, &app.key, rule).await.ok(200).clone();
        assert_eq!((&r["fire_count"], &r["resolve_count"]), (&json!(1), &json!(1)), "{r}");
        assert_eq!((&r["threshold_count"], &r["threshold_operator"]), (&json!(2), &json!("above")));
        let bs = buckets(&r);
        assert_eq!(r["total_buckets"], bs.len());
        assert!((12..=14).contains(&bs.len()), "{}", bs.len());
        let fired = bs.iter().position(|b| b["notification"] == "fire").unwrap_or(usize::MAX);
        let b = &bs[fired];
        // The check at the end of the breaching bucket sees it (only past data).
        assert_eq!(at(b), t0 + Duration::minutes(5));
        assert_eq!((&b["count"], &b["threshold_breached"], &b["state"]), (&json!(5), &json!(true), &json!("firing")));
        assert_eq!(b["reason"], "5 > 2 — fired");
        let next = &bs[fired + 1];
        assert_eq!((&next["count"], &next["state"], &next["notification"]), (&json!(0), &json!("not_firing"), &json!("resolve")));
        assert_eq!(next["reason"], "0 ≤ 2 — resolved");
        assert_eq!(bs[0]["reason"], "0 ≤ 2 — OK");

        // A 10-minute window over 5-minute checks sees the burst twice; 2-of-3 fires on the second.
        let rule = json!({"filters": {"serviceNames": ["api"]}, "threshold_count": 2, "window_minutes": 10,
            "evaluation_periods": 3, "datapoints_to_alarm": 2, "date_from": "-1h"});
        let r = app.post(&path, &app.key, rule).await.ok(200).clone();
        let bs = buckets(&r);
        let first = bs.iter().position(|b| b["count"] == 5).unwrap_or(usize::MAX);
        assert_eq!(bs[first]["reason"], "5 > 2, 1 of last 3 checks breached (need 2 of 3) — waiting");
        assert_eq!((&bs[first + 1]["notification"], &bs[first + 1]["reason"]), (&json!("fire"), &json!("5 > 2, 2 of last 3 checks breached (need 2 of 3) — fired")));
        assert_eq!(bs[first + 2]["notification"], "resolve");
        // Logs of other services do not count.
        let r = app.post(&path, &app.key, json!({"filters": {"serviceNames": ["nothing"]}, "threshold_count": 0, "date_from": "-1h"})).await.ok(200).clone();
        assert_eq!(r["fire_count"], 0);
    }

    async fn simulate_validates_its_input(app) {
        let path = format!("/api/environments/{}/logs/alerts/simulate/", app.project());
        let f = json!({"severityLevels": ["error"]});
        let cases = [
            (json!({"threshold_count": 1}), "filters"),
            (json!({"filters": f, "check_interval_minutes": 10, "window_minutes": 5}), "check_interval_minutes"),
            (json!({"filters": f, "check_interval_minutes": 0}), "check_interval_minutes"),
            (json!({"filters": f, "date_from": "-31d"}), "date_from"),
            (json!({"filters": f, "date_from": "yesterday-ish"}), "date_from"),
            (json!({"filters": f, "window_minutes": 7}), "window_minutes"),
            (json!({"filters": f, "evaluation_periods": 1, "datapoints_to_alarm": 2}), "datapoints_to_alarm"),
            (json!({"filters": {"severityLevels": ["loud"]}}), "filters"),
        ];
        for (body, attr) in cases {
            let r = app.post(&path, &app.key, body.clone()).await;
            assert_eq!(r.status, 400, "{body}: {}", r.text);
            assert_eq!(r.body["attr"], attr, "{body}: {}", r.text);
        }
        // 30 days at a 1-minute cadence is more than 15,000 buckets.
        let r = app.post(&path, &app.key, json!({"filters": f, "check_interval_minutes": 1, "date_from": "-29d"})).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.body["detail"].as_str().unwrap_or_default().contains("max 15000"), "{}", r.text);
        // Read-only: a logs:read key may simulate.
        let (_, reader) = app.member("r@x.io", orgs::Level::Member, &["logs:read"]);
        let r = app.post(&path, &reader, json!({"filters": f, "date_from": "-1h"})).await.ok(200).clone();
        assert_eq!(r["fire_count"], 0);
    }
}
