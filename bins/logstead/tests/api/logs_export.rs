//! `logs/export/`: the job, the worker's CSV and the exports endpoints, on both databases.

use orgs::Level;
use serde_json::{Value, json};

use crate::common;
use crate::logs_attrs::{ingest_req, otlp};

/// RFC 4180: quoted cells may hold commas, doubled quotes and line breaks.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (_, c) => cell.push(c),
        }
    }
    rows
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

crate::dual! {
    async fn export_job_and_csv(app) {
        let app = &app;
        let token = app.boot.project.api_token.clone();
        let api = otlp(&[("service.name", "api")], &[
            ("plain", &[("http.method", "GET")]),
            ("say \"hi\", then", &[("http.method", "POST"), ("note", "a,b")]),
            ("two\nlines", &[]),
        ]);
        app.raw(ingest_req(&token, &api)).await.ok(200);
        app.raw(ingest_req(&token, &otlp(&[("service.name", "worker")], &[("worker line", &[])]))).await.ok(200);
        let base = format!("/api/projects/{}", app.project());
        let body = json!({
            "query": {"dateRange": {"date_from": "-1h"}, "serviceNames": ["api"], "limit": 1},
            "columns": ["body", "level", "attributes.http.method", "attributes.note", "resource_attributes.service.name", "timestamp", "attributes"],
        });
        let r = app.post(&format!("{base}/logs/export/"), &app.key, body).await;
        let created = r.ok(201).clone();
        let mut keys: Vec<&str> = created.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        keys.sort_unstable();
        assert_eq!(keys, ["created_at", "export_format", "filename", "has_content", "id"]);
        assert_eq!((&created["export_format"], &created["has_content"]), (&json!("text/csv"), &json!(false)));
        assert_eq!(created["filename"], "logs-api-from--1h.csv");
        assert!(created["created_at"].as_str().unwrap_or_default().ends_with('Z'));
        let id = created["id"].as_i64().unwrap_or_default();
        // The stored query has its limit forced to the export cap.
        let job = app.state.exports.export(app.org().0, Some(app.project()), id).map_err(|e| e.to_string());
        let params = job.ok().flatten().map(|j| j.params).unwrap_or_default();
        assert_eq!((&params["query"]["limit"], &params["row_limit"]), (&json!(10_000), &json!(10_000)));
        assert_eq!(app.get(&format!("{base}/exports/{id}/"), &app.key).await.ok(200)["state"], "pending");
        app.get(&format!("{base}/exports/{id}/content/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(logstead::worker::run_pending_exports(&app.state).map_err(|e| e.to_string()), Ok(1));
        let done = app.get(&format!("{base}/exports/{id}/"), &app.key).await;
        assert_eq!((&done.ok(200)["state"], &done.body["rows"], &done.body["has_content"]), (&json!("complete"), &json!(3), &json!(true)), "all rows, not `limit`");
        let file = app.get(&format!("{base}/exports/{id}/content/"), &app.key).await;
        assert_eq!(file.status, 200);
        assert!(file.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().starts_with("text/csv"));
        assert!(file.text.starts_with("body,level,attributes.http.method,attributes.note,resource_attributes.service.name,timestamp,attributes\r\n"), "{}", file.text);
        let rows = parse_csv(&file.text);
        assert_eq!(rows.len(), 4, "header and three rows: {}", file.text);
        let cells = |i: usize| rows[i][..5].to_vec();
        assert_eq!(cells(1), ["two\nlines", "info", "", "", "api"], "latest first");
        assert_eq!(cells(2), ["say \"hi\", then", "info", "POST", "a,b", "api"]);
        assert_eq!(cells(3), ["plain", "info", "GET", "", "api"]);
        assert!(rows[1][5].ends_with("+00:00") && rows[1][5] > rows[2][5], "{:?}", rows[1]);
        assert_eq!(serde_json::from_str::<Value>(&rows[2][6]).ok(), Some(json!({"http.method": "POST", "note": "a,b"})));
    }

    async fn export_defaults_and_filenames(app) {
        let app = &app;
        let token = app.boot.project.api_token.clone();
        app.raw(ingest_req(&token, &otlp(&[("service.name", "api")], &[("one", &[("k", "v")])]))).await.ok(200);
        let path = format!("/api/environments/{}/logs/export/", app.project());
        let r = app.post(&path, &app.key, json!({"query": {}})).await;
        assert_eq!(r.ok(201)["filename"], format!("logs-all-services-{}.csv", today()));
        let last_hour = r.body["id"].clone();
        let dated = json!({"query": {"dateRange": {"date_from": "2024-01-01T00:00:00Z", "date_to": "2024-01-07T00:00:00Z"}, "serviceNames": ["a", "b"]}});
        let r = app.post(&path, &app.key, dated).await;
        assert_eq!(r.ok(201)["filename"], "logs-2-services-2024-01-01-to-2024-01-07.csv");
        let in_2024 = r.body["id"].clone();
        let odd = json!({"query": {"serviceNames": ["my svc/v2"]}, "columns": null});
        assert_eq!(app.post(&path, &app.key, odd).await.ok(201)["filename"], format!("logs-my-svc-v2-{}.csv", today()));
        assert_eq!(logstead::worker::run_pending_exports(&app.state).map_err(|e| e.to_string()), Ok(3));
        let base = format!("/api/projects/{}/exports", app.project());
        let empty = app.get(&format!("{base}/{in_2024}/content/"), &app.key).await;
        assert_eq!(empty.status, 200);
        assert_eq!(empty.text, "timestamp,level,service_name,body,trace_id,span_id,attributes,resource_attributes\r\n", "a window with no rows");
        let rows = parse_csv(&app.get(&format!("{base}/{last_hour}/content/"), &app.key).await.text);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][1..6], ["info", "api", "one", "0".repeat(32).as_str(), "0".repeat(16).as_str()]);
        assert_eq!(rows[1][6..], [r#"{"k":"v"}"#, r#"{"service.name":"api"}"#]);
    }

    async fn export_validation_auth_and_isolation(app) {
        let app = &app;
        let path = format!("/api/projects/{}/logs/export/", app.project());
        let r = app.post(&path, &app.key, json!({"columns": ["body"]})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["detail"], "No query provided");
        let many: Vec<String> = (0..51).map(|i| format!("attributes.k{i}")).collect();
        let r = app.post(&path, &app.key, json!({"query": {"customColumns": many}})).await;
        assert_eq!((r.status.as_u16(), &r.body["attr"], &r.body["code"]), (400, &json!("customColumns"), &json!("invalid_input")));
        assert_eq!(r.body["error"], r.body["detail"], "custom column errors also carry PostHog's `error`");
        let r = app.post(&path, &app.key, json!({"query": {}, "columns": ["body", "nope"]})).await;
        assert_eq!(r.assert_error(400, "validation_error", "invalid_input").body["attr"], "columns");
        let r = app.post(&path, &app.key, json!({"query": {"dateRange": {"date_from": "yesterday"}}})).await;
        assert_eq!(r.assert_error(400, "validation_error", "invalid_input").body["attr"], "dateRange");
        app.call("POST", &path, None, Some(json!({"query": {}}))).await.assert_error(401, "authentication_error", "not_authenticated");
        let (_, no_logs) = app.member("m@x.io", Level::Member, &["project:read", "export:read"]);
        let r = app.post(&path, &no_logs, json!({"query": {}})).await;
        assert_eq!(r.assert_error(403, "authentication_error", "permission_denied").body["detail"], "API key missing required scope 'logs:read'");
        // Another organization's rows never reach this project's export, and it cannot
        // export from (or read the jobs of) this project.
        let (_, other_key, _, other_project) = app.other_org("o@x.io");
        let other_token = app.get(&format!("/api/projects/{other_project}/"), &other_key).await.body["api_token"].as_str().unwrap_or_default().to_string();
        app.raw(ingest_req(&other_token, &otlp(&[("service.name", "theirs")], &[("their secret", &[])]))).await.ok(200);
        app.raw(ingest_req(&app.boot.project.api_token, &otlp(&[("service.name", "api")], &[("mine", &[])]))).await.ok(200);
        let id = app.post(&path, &app.key, json!({"query": {}, "columns": ["body"]})).await.ok(201)["id"].clone();
        app.post(&format!("/api/projects/{other_project}/logs/export/"), &app.key, json!({"query": {}})).await.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(logstead::worker::run_pending_exports(&app.state).map_err(|e| e.to_string()), Ok(1));
        let content = format!("/api/projects/{}/exports/{id}/content/", app.project());
        assert_eq!(app.get(&content, &app.key).await.text, "body\r\nmine\r\n");
        app.get(&content, &other_key).await.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(app.get(&format!("/api/projects/{other_project}/exports/{id}/"), &other_key).await.status, 404);
    }
}
