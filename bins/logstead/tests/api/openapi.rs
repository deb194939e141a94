//! The OpenAPI document: snapshot-tested, every `$ref` resolves, docs page is served offline.

use serde_json::Value;

use crate::common;

/// Resolved at run time: the target dir is shared between checkouts, so a compile-time path
/// could point into another one.
fn snapshot_path() -> std::path::PathBuf {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    std::path::Path::new(&root).join("tests/snapshots/openapi.json")
}

fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                match (k.as_str(), child) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(child, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|c| refs(c, out)),
        _ => {}
    }
}

#[test]
fn document_matches_snapshot_and_refs_resolve() {
    let doc = serde_json::to_value(logstead::app::openapi()).unwrap_or_default();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    for r in &found {
        let pointer = r.strip_prefix('#').unwrap_or_else(|| panic!("external ref {r}"));
        assert!(doc.pointer(pointer).is_some(), "unresolved $ref {r}");
    }
    for path in [
        "/api/organizations",
        "/api/projects/{project_id}",
        "/api/environments/{project_id}",
        "/api/login",
        "/_health",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    let pretty = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(snapshot_path(), &pretty).unwrap_or_else(|e| panic!("{e}"));
    }
    let stored = std::fs::read_to_string(snapshot_path()).unwrap_or_default();
    assert!(stored == pretty, "OpenAPI document changed; review and run with UPDATE_SNAPSHOTS=1 to accept");
}

/// The named schema a response or body points at (`items` for an array), if it resolves.
fn named_schema<'a>(doc: &'a Value, content: &Value) -> Option<&'a Value> {
    let schema = &content["application/json"]["schema"];
    let r = schema["$ref"].as_str().or_else(|| schema["items"]["$ref"].as_str())?;
    doc.pointer(r.strip_prefix('#')?).filter(|_| r.starts_with("#/components/schemas/"))
}

#[test]
fn every_logs_response_and_body_is_a_named_schema() {
    let doc = serde_json::to_value(logstead::app::openapi()).unwrap_or_default();
    let ops = [
        ("/logs/query", "post", "200"),
        ("/logs/has_logs", "get", "200"),
        ("/logs/count", "post", "200"),
        ("/logs/count-ranges", "post", "200"),
        ("/logs/sparkline", "post", "200"),
        ("/logs/services", "post", "200"),
        ("/logs/attributes", "get", "200"),
        ("/logs/values", "get", "200"),
        ("/logs/export", "post", "201"),
    ];
    let mut checked = 0;
    for prefix in ["/api/projects/{project_id}", "/api/environments/{project_id}"] {
        for (path, method, status) in ops {
            let op = &doc["paths"][format!("{prefix}{path}")][method];
            let answer = &op["responses"][status]["content"];
            assert!(named_schema(&doc, answer).is_some(), "{method} {prefix}{path} {status}: {answer}");
            if method == "post" {
                let body = &op["requestBody"]["content"];
                assert!(named_schema(&doc, body).is_some(), "{method} {prefix}{path} body: {body}");
            }
            checked += 1;
        }
    }
    for path in ["/i/v1/logs", "/v1/logs"] {
        let answer = &doc["paths"][path]["post"]["responses"]["200"]["content"];
        assert!(named_schema(&doc, answer).is_some(), "{path}: {answer}");
        checked += 1;
    }
    // Endpoints added later are held to the same rule (alerts have their own DTOs).
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        if !path.contains("/logs") || path.contains("/logs/alerts") {
            continue;
        }
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                if status.starts_with('2') && status != "204" {
                    assert!(named_schema(&doc, &r["content"]).is_some(), "{method} {path} {status}: {r}");
                }
            }
        }
    }
    assert_eq!(checked, 20);
}

/// Bodies that are files or text, not JSON: they need no schema.
const NOT_JSON: [&str; 2] = ["text/csv", "text/plain"];

/// The problems of one `content` map: empty, or a JSON entry without a named schema.
fn unnamed(doc: &Value, content: &Value, what: &str, out: &mut Vec<String>) {
    let entries = content.as_object().filter(|m| !m.is_empty());
    let Some(entries) = entries else {
        return out.push(format!("{what}: no content"));
    };
    for (mime, media) in entries {
        if NOT_JSON.contains(&mime.as_str()) {
            continue;
        }
        let named = named_schema(doc, &serde_json::json!({ "application/json": media }));
        if mime != "application/json" || named.is_none() {
            out.push(format!("{what} {mime}: {media}"));
        }
    }
}

/// Every operation: each 2xx answer (but 204) and each request body is a named schema, so
/// a regression to `body = Object` or a description-only answer fails here.
#[test]
fn every_json_response_and_body_is_a_named_schema() {
    let doc = serde_json::to_value(logstead::app::openapi()).unwrap_or_default();
    let (mut problems, mut answers, mut bodies) = (Vec::new(), 0, 0);
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                if status.starts_with('2') && status != "204" {
                    unnamed(&doc, &r["content"], &format!("{method} {path} {status}"), &mut problems);
                    answers += 1;
                }
            }
            if let Some(body) = op.get("requestBody") {
                unnamed(&doc, &body["content"], &format!("{method} {path} body"), &mut problems);
                bodies += 1;
            }
        }
    }
    assert!(problems.is_empty(), "not named schemas:\n{}", problems.join("\n"));
    // Guards against the walk silently finding nothing.
    assert!(answers >= 80 && bodies >= 30, "{answers} answers, {bodies} bodies");
}

/// The JSON activity export's documented row has the writer's columns (compared sorted:
/// serde_json's map here does not keep order).
#[test]
fn activity_export_row_schema_lists_the_writer_columns() {
    let doc = serde_json::to_value(logstead::app::openapi()).unwrap_or_default();
    let props = doc["components"]["schemas"]["ActivityExportRow"]["properties"].as_object().cloned();
    let keys: Vec<String> = props.unwrap_or_default().keys().cloned().collect();
    let mut columns = activity_log::encode::COLUMNS.map(String::from).to_vec();
    columns.sort();
    assert_eq!(keys, columns);
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Every operation of the document, as (path, method, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

/// Unique, PostHog-style operationIds: the un-prefixed name under /api/projects and
/// `environments_` under /api/environments.
#[test]
fn operation_ids_are_unique_and_posthog_style() {
    let doc = logstead::app::openapi();
    let ops = operations(&doc);
    let mut seen = std::collections::HashSet::new();
    for (path, method, op) in &ops {
        let id = op["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path}: no operationId"));
        assert!(seen.insert(id.to_string()), "{method} {path}: operationId {id} is used twice");
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'), "{id}");
    }
    let id =
        |path: &str, method: &str| doc["paths"][path][method]["operationId"].as_str().map(str::to_string);
    let expected = [
        ("/api/environments/{project_id}/logs/alerts", "get", "environments_logs_alerts_list"),
        ("/api/projects/{project_id}/logs/alerts", "get", "logs_alerts_list"),
        ("/api/projects/{project_id}/logs/alerts/{id}", "patch", "logs_alerts_partial_update"),
        ("/api/projects/{project_id}/logs/alerts/{id}", "put", "logs_alerts_update"),
        ("/api/projects/{project_id}/logs/alerts/{id}", "delete", "logs_alerts_destroy"),
        ("/api/projects/{project_id}/logs/query", "post", "logs_query_create"),
        ("/api/projects/{project_id}/logs/views/{short_id}", "get", "logs_views_retrieve"),
        ("/api/projects", "get", "projects_list"),
        ("/api/environments/{project_id}", "get", "environments_retrieve"),
        (
            "/api/organizations/{organization_id}/roles/{role_id}/role_memberships",
            "get",
            "organizations_roles_role_memberships_list",
        ),
        ("/api/personal_api_keys/{id}/roll", "post", "personal_api_keys_roll_create"),
    ];
    for (path, method, want) in expected {
        assert_eq!(id(path, method).as_deref(), Some(want), "{method} {path}");
    }
    assert!(ops.len() >= 150, "{} operations", ops.len());
}

/// OpenAPI requires a description on every response; authenticated operations document
/// 401 and 403, operations on a path with parameters 404, JSON bodies 400, each with a body.
#[test]
fn every_response_is_described_and_common_errors_are_documented() {
    let doc = logstead::app::openapi();
    let mut problems = Vec::new();
    for (path, method, op) in operations(&doc) {
        let responses = op["responses"].as_object().cloned().unwrap_or_default();
        for (status, r) in &responses {
            if r["description"].as_str().is_none_or(str::is_empty) {
                problems.push(format!("{method} {path} {status}: no description"));
            }
        }
        let mut wanted = Vec::new();
        if op["security"].as_array().is_some_and(|s| s.iter().any(|s| s.get("bearer").is_some())) {
            wanted.extend(["401", "403"]);
        }
        if path.contains('{') {
            wanted.push("404");
        }
        if op["requestBody"]["content"].get("application/json").is_some() {
            wanted.extend(["400", "413"]);
        }
        for status in wanted {
            if responses.get(status).and_then(|r| r["content"].get("application/json")).is_none() {
                problems.push(format!("{method} {path}: {status} not documented with a body"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let unauthorized = &doc["paths"]["/api/organizations"]["get"]["responses"]["401"];
    assert_eq!(unauthorized["headers"]["WWW-Authenticate"]["required"], true);
}

/// Request bodies say what the server requires and refuses: `POST /api/organizations/ {}`
/// is invalid by the schema (it gets 400), PATCH needs nothing, unknown fields are refused.
#[test]
fn request_bodies_mark_required_and_unknown_fields() {
    let doc = logstead::app::openapi();
    let schemas = &doc["components"]["schemas"];
    let body = |path: &str, method: &str| {
        let r = doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_string);
        r.unwrap_or_else(|| panic!("{method} {path}: no named body"))
    };
    let create = body("/api/organizations", "post");
    assert_eq!(schemas[&create]["required"], serde_json::json!(["name"]));
    assert_eq!(schemas[&create]["additionalProperties"], false);
    let patch = body("/api/organizations/{id}", "patch");
    assert_eq!(patch, format!("Patched{create}"));
    assert!(schemas[&patch].get("required").is_none());
    assert_eq!(doc["paths"]["/api/organizations/{id}"]["patch"]["requestBody"]["required"], false);
    // Logs bodies are typed, and `logs/query/` requires a date range.
    let query = body("/api/projects/{project_id}/logs/query", "post");
    assert_eq!(schemas[&query]["required"], serde_json::json!(["query"]));
    let alert = body("/api/projects/{project_id}/logs/alerts", "post");
    assert_eq!(schemas[&alert]["additionalProperties"], false);
    assert!(schemas[&alert]["properties"]["window_minutes"]["enum"].is_array());
    // Every body parsed with `deny_unknown_fields` says so.
    for name in ["KeyCreateBody", "LoginBody", "ProjectCreateBody", "MemberCreateBody", "RoleBody"] {
        assert_eq!(schemas[name]["additionalProperties"], false, "{name}");
    }
    // A 200 schema for `logs/query/`.
    let answer = &doc["paths"]["/api/projects/{project_id}/logs/query"]["post"]["responses"]["200"];
    assert!(named_schema(&doc, &answer["content"]).is_some());
}

/// Each create that answers 201 links to the operations on what it made.
#[test]
fn creates_link_to_their_items() {
    let doc = logstead::app::openapi();
    let links = &doc["paths"]["/api/projects/{project_id}/logs/alerts"]["post"]["responses"]["201"]["links"];
    let retrieve = &links["logs_alerts_retrieve"];
    assert_eq!(retrieve["operationId"], "logs_alerts_retrieve");
    assert_eq!(retrieve["parameters"]["path.id"], "$response.body#/id");
    assert_eq!(retrieve["parameters"]["path.project_id"], "$request.path.project_id");
    let views = &doc["paths"]["/api/projects/{project_id}/logs/views"]["post"]["responses"]["201"]["links"];
    assert_eq!(views["logs_views_partial_update"]["parameters"]["path.short_id"], "$response.body#/short_id");
}

crate::dual! {
    async fn a_405_names_the_allowed_methods(app) {
        let r = app.call("PUT", "/api/organizations/", Some(&app.key), None).await;
        assert_eq!(r.status, 405, "{}", r.text);
        assert_eq!(r.headers.get("allow").and_then(|v| v.to_str().ok()), Some("GET, POST"));
        let r = app.call("TRACE", "/api/projects/1/logs/alerts/simulate/", Some(&app.key), None).await;
        assert_eq!(r.status, 405, "{}", r.text);
        assert_eq!(r.headers.get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
        let r = app.call("DELETE", "/api/projects/1/logs/alerts/4a3b0c6e-0000-4000-8000-000000000000/", Some(&app.key), None).await;
        assert_ne!(r.status, 405, "DELETE is a method of the item path");
    }

    async fn type_errors_read_like_posthog(app) {
        let r = app.post("/api/organizations/", &app.key, serde_json::json!({"name": 5})).await;
        assert_eq!(r.ok(400)["detail"], "Not a valid string.");
        assert_eq!(r.body["attr"], "name");
        let r = app.post("/api/personal_api_keys/", &app.key, serde_json::json!({"label": "x", "scopes": "*"})).await;
        assert_eq!(r.ok(400)["detail"], "Expected a list of items but got type \"str\".");
        let r = app.patch("/api/projects/1/", &app.key, serde_json::json!({"retention_days": "many"})).await;
        assert_eq!(r.ok(400)["detail"], "A valid integer is required.");
        // DRF's IntegerField takes an integral float.
        let r = app.patch("/api/projects/1/", &app.key, serde_json::json!({"retention_days": 14.0})).await;
        assert_eq!(r.ok(200)["retention_days"], 14);
        let query = serde_json::json!({"query": {"dateRange": {"date_from": "-3x"}}});
        let r = app.post("/api/projects/1/logs/query/", &app.key, query).await;
        let detail = r.ok(400)["detail"].as_str().unwrap_or_default().to_string();
        assert!(detail.contains("'-3x'"), "the relative date sent is named: {detail}");
        let query = serde_json::json!({"query": {"dateRange": {"date_from": "-1h"}, "limit": "ten"}});
        let r = app.post("/api/projects/1/logs/query/", &app.key, query).await;
        assert_eq!(r.ok(400)["detail"], "A valid integer is required.");
    }

    async fn schema_docs_health_and_metrics_are_served(app) {
        let r = app.call("GET", "/api/schema/", None, None).await;
        assert_eq!(r.ok(200)["openapi"], "3.1.0");
        let r = app.call("GET", "/api/schema/swagger-ui/", None, None).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("swagger"), "{}", &r.text[..r.text.len().min(200)]);
        assert!(!r.text.contains("cdn."), "no CDN assets");
        let r = app.call("GET", "/api/schema/swagger-ui/swagger-ui-bundle.js", None, None).await;
        assert_eq!(r.status, 200);
        assert!(r.text.len() > 100_000, "the bundle is served from the binary");
        assert_eq!(app.call("GET", "/_health", None, None).await.ok(200)["status"], "ok");
        assert_eq!(app.call("GET", "/_readiness", None, None).await.ok(200)["database"], "ok");
        app.get("/api/organizations/", &app.key).await;
        let r = app.call("GET", "/metrics", None, None).await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("logstead_http_requests_total{method=\"GET\",route=\"/api/organizations\",status=\"200\"} 1"), "{}", r.text);
        assert!(r.text.contains("logstead_http_request_duration_seconds_bucket"));
    }
}
