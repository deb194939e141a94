//! `logs/attributes/` and `logs/values/` over ingested data, on both databases.

use actix_web::test::TestRequest;
use orgs::Level;
use serde_json::{Value, json};

use crate::common;

/// One OTLP/JSON request: one resource and its records (body, attributes).
pub fn otlp(resource: &[(&str, &str)], records: &[(&str, &[(&str, &str)])]) -> Value {
    let kv = |pairs: &[(&str, &str)]| -> Vec<Value> {
        pairs.iter().map(|(k, v)| json!({"key": k, "value": {"stringValue": v}})).collect()
    };
    let now_ns = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64;
    let logs: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, (body, attrs))| {
            json!({
                "timeUnixNano": (now_ns - 1_000_000 * (records.len() - i) as i64).to_string(),
                "severityText": "info",
                "body": {"stringValue": body},
                "attributes": kv(attrs),
            })
        })
        .collect();
    json!({"resourceLogs": [{"resource": {"attributes": kv(resource)}, "scopeLogs": [{"logRecords": logs}]}]})
}

pub fn ingest_req(token: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri("/i/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_json(body)
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Service `api` (pod api-1) with four records, service `worker` (pod w-1) with two.
fn fixture() -> [Value; 2] {
    let api = otlp(
        &[("service.name", "api"), ("k8s.pod.name", "api-1")],
        &[
            (
                "GET /users",
                &[
                    ("http.method", "GET"),
                    ("http.route", "/users"),
                    ("user.email", "bob@x.io"),
                    ("methods_total", "1"),
                ],
            ),
            (
                "GET /users again",
                &[
                    ("http.method", "GET"),
                    ("http.route", "/users"),
                    ("error.kind", "connection timeout"),
                    ("methods_total", "2"),
                ],
            ),
            ("POST /orders", &[("http.method", "POST"), ("100%_done", "yes"), ("methods_total", "3")]),
            ("timeout", &[("error.kind", "connection timeout"), ("method", "x")]),
        ],
    );
    let worker = otlp(
        &[("service.name", "worker"), ("k8s.pod.name", "w-1")],
        &[
            ("job ran", &[("job.name", "mail"), ("http.method", "PUT"), ("methods_total", "4")]),
            ("job failed", &[("job.name", "mail"), ("error.kind", "Timeout"), ("methods_total", "5")]),
        ],
    );
    [api, worker]
}

fn names(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn values(body: &Value) -> Vec<(String, i64)> {
    body["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    assert_eq!(r["id"], r["name"], "id == name");
                    (r["name"].as_str().unwrap_or_default().to_owned(), r["count"].as_i64().unwrap_or(-1))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn s(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(a, n)| ((*a).to_owned(), *n)).collect()
}

crate::dual! {
    async fn keys_are_ranked_searched_and_paged(app) {
        let app = &app;
        let token = app.boot.project.api_token.clone();
        for body in fixture() { app.raw(ingest_req(&token, &body)).await.ok(200); }
        let base = format!("/api/projects/{}/logs/attributes/", app.project());
        let get = |q: String| { let url = format!("{base}?{q}"); async move { app.get(&url, &app.key).await.ok(200).clone() } };
        let all = get(String::new()).await;
        assert_eq!(names(&all), ["methods_total", "http.method", "error.kind", "http.route", "job.name", "100%_done", "method", "user.email"], "rows desc, then key");
        assert_eq!(all["count"], 8);
        assert_eq!(all["results"][0], json!({"name": "methods_total", "propertyFilterType": "log_attribute", "matchedOn": "key"}));
        // Exact key first, then a whole token, then the rest by rows, though it has the most.
        assert_eq!(names(&get("search=METHOD".into()).await), ["method", "http.method", "methods_total"]);
        // `%` and `_` are literal characters, not wildcards.
        assert_eq!(names(&get(format!("search={}", enc("%"))).await), ["100%_done"]);
        assert_eq!(names(&get("search=_".into()).await), ["methods_total", "100%_done"]);
        let page = get("limit=3&offset=2".into()).await;
        assert_eq!(names(&page), ["error.kind", "http.route", "job.name"]);
        assert_eq!(page["count"], 8, "every matching key");
        assert_eq!(get("limit=1000".into()).await["results"].as_array().map(Vec::len), Some(8), "clamped to 100, not an error");
        assert_eq!(names(&get(format!("keys={}", enc("job.name, http.method,nope"))).await), ["http.method", "job.name"]);
        // Value search: keys matched by name first, then keys found through a value.
        let found = get("search=mail&search_values=true".into()).await;
        assert_eq!(found["results"], json!([
            {"name": "user.email", "propertyFilterType": "log_attribute", "matchedOn": "key"},
            {"name": "job.name", "propertyFilterType": "log_attribute", "matchedOn": "value", "matchedValue": "mail"},
        ]));
        assert_eq!(found["count"], 2);
        let timeout = get("search=timeout&search_values=true".into()).await;
        assert_eq!(timeout["results"], json!([{"name": "error.kind", "propertyFilterType": "log_attribute", "matchedOn": "value", "matchedValue": "connection timeout"}]), "the most frequent matching value");
        assert_eq!(names(&get("search=mail".into()).await), ["user.email"], "no value search unless asked");
        // Resource attributes.
        let res = get("attribute_type=resource".into()).await;
        assert_eq!(names(&res), ["k8s.pod.name", "service.name"]);
        assert!(res["results"].as_array().into_iter().flatten().all(|r| r["propertyFilterType"] == "log_resource_attribute"));
    }

    async fn values_are_ranked_and_searched(app) {
        let app = &app;
        let token = app.boot.project.api_token.clone();
        for body in fixture() { app.raw(ingest_req(&token, &body)).await.ok(200); }
        let base = format!("/api/environments/{}/logs/values/", app.project());
        let get = |q: String| { let url = format!("{base}?{q}"); async move { app.get(&url, &app.key).await.ok(200).clone() } };
        let methods = get("key=http.method".into()).await;
        assert_eq!(values(&methods), s(&[("GET", 2), ("POST", 1), ("PUT", 1)]), "rows desc, then value");
        assert_eq!(methods["refreshing"], false);
        assert_eq!(values(&get("key=http.method&value=p".into()).await), s(&[("POST", 1), ("PUT", 1)]), "case-insensitive substring");
        assert_eq!(values(&get("key=http.method&offset=1&limit=1".into()).await), s(&[("POST", 1)]));
        assert_eq!(values(&get("key=service.name&attribute_type=resource".into()).await), s(&[("api", 4), ("worker", 2)]));
        assert_eq!(values(&get("key=nope".into()).await), s(&[]));
        let r = app.get(&format!("{base}?value=x"), &app.key).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!((r.body["detail"].as_str(), r.body["attr"].as_str()), (Some("key is required"), Some("key")));
    }

    async fn services_and_filter_groups_narrow(app) {
        let app = &app;
        let token = app.boot.project.api_token.clone();
        for body in fixture() { app.raw(ingest_req(&token, &body)).await.ok(200); }
        let path = format!("/api/projects/{}/logs/", app.project());
        let get = |q: String| { let url = format!("{path}{q}"); async move { app.get(&url, &app.key).await.ok(200).clone() } };
        let worker = enc(r#"["worker"]"#);
        assert_eq!(names(&get(format!("attributes/?serviceNames={worker}")).await), ["job.name", "methods_total", "error.kind", "http.method"]);
        assert_eq!(values(&get(format!("values/?key=http.method&serviceNames={worker}")).await), s(&[("PUT", 1)]));
        let get_only = enc(r#"[{"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "GET"}]"#);
        assert_eq!(names(&get(format!("attributes/?filterGroup={get_only}")).await), ["http.method", "http.route", "methods_total", "error.kind", "user.email"]);
        assert_eq!(values(&get(format!("values/?key=http.route&filterGroup={get_only}")).await), s(&[("/users", 2)]));
        let pod = enc(r#"{"type": "AND", "values": [{"type": "AND", "values": [{"key": "k8s.pod.name", "type": "log_resource_attribute", "operator": "exact", "value": "w-1"}]}]}"#);
        assert_eq!(values(&get(format!("values/?key=error.kind&filterGroup={pod}")).await), s(&[("Timeout", 1)]));
        // Malformed JSON parameters are ignored, as PostHog does.
        assert_eq!(names(&get("attributes/?filterGroup=%7Bnope&serviceNames=api".into()).await).len(), 8);
        assert_eq!(names(&get(format!("attributes/?dateRange={}", enc("not json"))).await).len(), 8, "the last hour");
    }

    async fn windows_auth_and_isolation(app) {
        let app = &app;
        let token = app.boot.project.api_token.clone();
        for body in fixture() { app.raw(ingest_req(&token, &body)).await.ok(200); }
        let path = format!("/api/projects/{}/logs/", app.project());
        let past = enc(r#"{"date_from": "2020-01-01", "date_to": "2020-01-02"}"#);
        let r = app.get(&format!("{path}attributes/?dateRange={past}"), &app.key).await;
        assert_eq!(r.ok(200), &json!({"results": [], "count": 0}));
        let r = app.get(&format!("{path}values/?key=http.method&date_from=2020-01-01&date_to=2020-01-02"), &app.key).await;
        assert_eq!(r.ok(200), &json!({"results": [], "refreshing": false}));
        let r = app.get(&format!("{path}attributes/?dateRange={}", enc(r#"{"date_from": "-1d"}"#)), &app.key).await;
        assert_eq!(r.ok(200)["count"], 8);
        // Auth: a key, with logs:read, for this project.
        for endpoint in ["attributes/", "values/?key=http.method"] {
            app.call("GET", &format!("{path}{endpoint}"), None, None).await.assert_error(401, "authentication_error", "not_authenticated");
            let (_, no_logs) = app.member(&format!("m{}@x.io", endpoint.len()), Level::Member, &["project:read"]);
            let r = app.get(&format!("{path}{endpoint}"), &no_logs).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], "API key missing required scope 'logs:read'");
        }
        let (_, reader) = app.member("reader@x.io", Level::Member, &["logs:read"]);
        assert_eq!(app.get(&format!("{path}attributes/"), &reader).await.ok(200)["count"], 8);
        // Another organization: its keys stay its own, and it cannot read ours.
        let (_, other_key, _, other_project) = app.other_org("o@x.io");
        let other_token = app.get(&format!("/api/projects/{other_project}/"), &other_key).await.body["api_token"].as_str().unwrap_or_default().to_string();
        app.raw(ingest_req(&other_token, &otlp(&[("service.name", "theirs")], &[("x", &[("their.secret", "1")])]))).await.ok(200);
        let mine = app.get(&format!("{path}attributes/?search=secret"), &app.key).await;
        assert_eq!(mine.ok(200)["results"], json!([]));
        let mine = app.get(&format!("{path}values/?key=service.name&attribute_type=resource"), &app.key).await;
        assert_eq!(values(mine.ok(200)), s(&[("api", 4), ("worker", 2)]));
        app.get(&format!("/api/projects/{other_project}/logs/attributes/"), &app.key).await.assert_error(403, "authentication_error", "permission_denied");
        let theirs = app.get(&format!("/api/projects/{other_project}/logs/attributes/"), &other_key).await;
        assert_eq!(names(theirs.ok(200)), ["their.secret"]);
    }
}
