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

crate::dual! {
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
