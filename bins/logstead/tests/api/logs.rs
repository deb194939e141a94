use actix_web::test::TestRequest;
use orgs::Level;
use serde_json::{Value, json};

use crate::common;

/// An OTLP/JSON request as the OpenTelemetry SDKs send it.
fn otlp(service: &str, records: &[(&str, &str, i64)]) -> Value {
    let now_ns = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64;
    let logs: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, (body, severity, attr))| {
            json!({
                "timeUnixNano": (now_ns - 1_000_000 * (records.len() - i) as i64).to_string(),
                "severityText": severity,
                "body": {"stringValue": body},
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "attributes": [
                    {"key": "http.status", "value": {"intValue": attr.to_string()}},
                    {"key": "http.method", "value": {"stringValue": "GET"}}
                ]
            })
        })
        .collect();
    json!({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeLogs": [{"scope": {"name": "test.lib", "version": "1.0"}, "logRecords": logs}]
    }]})
}

fn ingest_req(token: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri("/i/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_json(body)
}

fn query(q: Value) -> Value {
    json!({"query": q})
}

crate::dual! {
    async fn ingested_logs_are_queryable_with_every_field(app) {
        let token = app.boot.project.api_token.clone();
        let path = format!("/api/projects/{}/logs/", app.project());
        assert_eq!(app.get(&format!("{path}has_logs/"), &app.key).await.ok(200)["hasLogs"], false);
        let r = app.raw(ingest_req(&token, &otlp("api", &[("first", "INFO", 200), ("second failed", "error", 500)]))).await;
        assert_eq!(r.ok(200), &json!({}));
        assert_eq!(app.get(&format!("{path}has_logs/"), &app.key).await.ok(200)["hasLogs"], true);
        let r = app.post(&format!("{path}query/"), &app.key, query(json!({"dateRange": {"date_from": "-1h"}}))).await;
        let body = r.ok(200).clone();
        let rows = body["results"].as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(body["hasMore"], false);
        assert_eq!(body["nextCursor"], Value::Null);
        let latest = &rows[0];
        assert_eq!(latest["body"], "second failed");
        assert_eq!(latest["severity_text"], "error");
        assert_eq!(latest["severity_number"], 17);
        assert_eq!(latest["resource_attributes"]["service.name"], "api");
        assert_eq!(latest["attributes"]["http.status"], "500");
        assert_eq!(latest["attributes"]["http.method"], "GET");
        assert_eq!(latest["trace_id"], "5B8EFFF798038103D269B633813FC60C");
        assert_eq!(latest["span_id"], "EEE19B7EC3C1B174");
        assert_eq!(latest["instrumentation_scope"], "test.lib@1.0");
        assert!(latest["timestamp"].as_str().unwrap_or_default().ends_with("+00:00"));
        assert_eq!(rows[1]["body"], "first");
        // Oldest first.
        let r = app.post(&format!("{path}query/"), &app.key, query(json!({"dateRange": {"date_from": "-1h"}, "orderBy": "earliest"}))).await;
        assert_eq!(r.ok(200)["results"][0]["body"], "first");
    }

    async fn filters_and_cursor_pages(app) {
        let token = app.boot.project.api_token.clone();
        let recs: Vec<(&str, &str, i64)> = vec![("a timeout", "warn", 1), ("b ok", "info", 2), ("c TIMEOUT again", "error", 3), ("d ok", "info", 4), ("e", "debug", 5)];
        app.raw(ingest_req(&token, &otlp("api", &recs))).await.ok(200);
        app.raw(ingest_req(&token, &otlp("worker", &[("w timeout", "error", 9)]))).await.ok(200);
        let path = format!("/api/environments/{}/logs/query/", app.project());
        let count = |q: Value| async { app.post(&path, &app.key, query(q)).await.body["results"].as_array().map(Vec::len) };
        assert_eq!(count(json!({"dateRange": {"date_from": "-1h"}, "searchTerm": "timeout"})).await, Some(3), "case-insensitive");
        assert_eq!(count(json!({"dateRange": {"date_from": "-1h"}, "severityLevels": ["error", "fatal"]})).await, Some(2));
        assert_eq!(count(json!({"dateRange": {"date_from": "-1h"}, "serviceNames": ["worker"]})).await, Some(1));
        let numeric = json!([{"key": "http.status", "type": "log_attribute", "operator": "gt", "value": 3}]);
        assert_eq!(count(json!({"dateRange": {"date_from": "-1h"}, "filterGroup": numeric})).await, Some(3), "4, 5 and 9");
        let resource = json!([{"key": "service.name", "type": "log_resource_attribute", "operator": "exact", "value": "api"}]);
        assert_eq!(count(json!({"dateRange": {"date_from": "-1h"}, "filterGroup": resource})).await, Some(5));
        assert_eq!(count(json!({"dateRange": {"date_from": "-1h", "date_to": "-30M"}})).await, Some(0), "empty range");
        // Cursor pages of 2 visit all 6 rows once.
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let r = app.post(&path, &app.key, query(json!({"dateRange": {"date_from": "-1h"}, "limit": 2, "after": after}))).await;
            let body = r.ok(200).clone();
            seen.extend(body["results"].as_array().cloned().unwrap_or_default().into_iter().map(|r| r["uuid"].clone()));
            if body["hasMore"] != true { break; }
            after = body["nextCursor"].clone();
        }
        assert_eq!(seen.len(), 6);
        seen.dedup();
        assert_eq!(seen.len(), 6);
    }

    async fn ingestion_auth_and_bad_bodies(app) {
        let body = otlp("api", &[("x", "info", 1)]);
        let r = app.raw(TestRequest::post().uri("/v1/logs").set_json(&body)).await;
        r.ok(401);
        assert_eq!(r.body["error"], r.body["detail"], "OTLP senders read `error`");
        let r = app.raw(ingest_req(&app.key, &body)).await;
        r.ok(401);
        assert!(r.body["detail"].as_str().unwrap_or_default().contains("phc_"), "{}", r.text);
        app.raw(ingest_req("phc_unknown", &body)).await.ok(401);
        let r = app.raw(TestRequest::post().uri(&format!("/i/v1/logs?token={}", app.boot.project.api_token)).set_json(&body)).await;
        assert_eq!(r.ok(200), &json!({}), "token in the query string");
        let garbage = TestRequest::post().uri("/i/v1/logs")
            .insert_header(("authorization", format!("Bearer {}", app.boot.project.api_token)))
            .set_payload("this is not otlp");
        let r = app.raw(garbage).await;
        r.ok(400);
        assert!(r.body["error"].as_str().unwrap_or_default().contains("Failed to decode"), "{}", r.text);
        let huge = TestRequest::post().uri("/i/v1/logs")
            .insert_header(("authorization", format!("Bearer {}", app.boot.project.api_token)))
            .set_payload(vec![b' '; 2 << 20]);
        app.raw(huge).await.ok(413);
    }

    async fn projects_are_isolated(app) {
        let (_, other_key, _, other_project) = app.other_org("o@x.io");
        let other_token = app.get(&format!("/api/projects/{other_project}/"), &other_key).await.body["api_token"].as_str().unwrap_or_default().to_string();
        app.raw(ingest_req(&other_token, &otlp("theirs", &[("secret line", "info", 1)]))).await.ok(200);
        let mine = app.post(&format!("/api/projects/{}/logs/query/", app.project()), &app.key, query(json!({"dateRange": {"date_from": "-1h"}}))).await;
        assert_eq!(mine.ok(200)["results"].as_array().map(Vec::len), Some(0), "B's token wrote only into B");
        let r = app.post(&format!("/api/projects/{other_project}/logs/query/"), &app.key, query(json!({"dateRange": {"date_from": "-1h"}}))).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        let theirs = app.post(&format!("/api/projects/{other_project}/logs/query/"), &other_key, query(json!({"dateRange": {"date_from": "-1h"}}))).await;
        assert_eq!(theirs.ok(200)["results"][0]["body"], "secret line");
    }

    async fn query_validation_and_scope(app) {
        let path = format!("/api/projects/{}/logs/query/", app.project());
        let r = app.post(&path, &app.key, json!({})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        let r = app.post(&path, &app.key, query(json!({}))).await;
        r.assert_error(400, "validation_error", "invalid_input");
        let r = app.post(&path, &app.key, query(json!({"dateRange": {"date_from": "-1h"}, "severityLevels": ["loud"]}))).await;
        r.assert_error(400, "validation_error", "invalid_input");
        let r = app.post(&path, &app.key, query(json!({"dateRange": {"date_from": "-1h"}, "after": "%%%"}))).await;
        r.assert_error(400, "validation_error", "invalid_input");
        let (_, no_logs) = app.member("m@x.io", Level::Member, &["project:read"]);
        let r = app.post(&path, &no_logs, query(json!({"dateRange": {"date_from": "-1h"}}))).await;
        assert_eq!(r.body["detail"], "API key missing required scope 'logs:read'");
    }
}
