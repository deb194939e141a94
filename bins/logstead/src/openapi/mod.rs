//! Finishing touches on the document utoipa builds, applied to every operation at once so
//! a new handler cannot forget them: PostHog-style unique operationIds, a description on
//! every response, the error answers every authenticated / path-parameterised / body-taking
//! operation can give, and OpenAPI links from each create to the item it made.

use std::sync::OnceLock;

mod bodies;
mod links;
mod otlp;
pub mod refine;

use serde_json::{Map, Value, json};

pub(crate) const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The finished document, built once: `/api/schema/` serves it and 405s read their `Allow`
/// from it.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| finish(serde_json::to_value(crate::app::raw_openapi()).unwrap_or_default()))
}

pub fn finish(mut doc: Value) -> Value {
    let snapshot = doc.clone();
    for_each_operation(&mut doc, |path, method, op| {
        op["operationId"] = Value::String(operation_id(&snapshot, path, method, op));
    });
    bodies::apply(&mut doc);
    otlp::apply(&mut doc);
    for_each_operation(&mut doc, |path, _, op| {
        add_error_responses(path, op);
        describe_responses(op);
    });
    links::add_links(&mut doc);
    doc
}

fn for_each_operation(doc: &mut Value, mut f: impl FnMut(&str, &str, &mut Value)) {
    for (path, item) in doc["paths"].as_object_mut().into_iter().flatten() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                f(path, method, op);
            }
        }
    }
}

/// The non-parameter segments of `path` minus the `/api` prefix, as identifier parts.
fn words(segments: &[&str]) -> Vec<String> {
    segments
        .iter()
        .filter(|s| !s.starts_with('{'))
        .map(|s| s.replace('-', "_").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect())
        .map(|s: String| s.trim_matches('_').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// drf-spectacular's naming, as PostHog's schema has it: the resource path without
/// parameters, then the action. Project-scoped routes drop `projects/{project_id}` (and
/// keep `environments` as a prefix); the project resource itself keeps `projects`.
pub fn operation_id(doc: &Value, path: &str, method: &str, op: &Value) -> String {
    let trimmed = path.trim_matches('/');
    let trimmed = trimmed.strip_prefix("api/").unwrap_or(trimmed);
    let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
    let own_project = op["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "projects"));
    let rest: &[&str] = match segments.as_slice() {
        ["projects" | "environments", "{project_id}", rest @ ..] if !own_project && !rest.is_empty() => rest,
        ["environments", rest @ ..] => rest,
        all => all,
    };
    let mut parts = Vec::new();
    if segments.first() == Some(&"environments") {
        parts.push("environments".to_string());
    }
    parts.extend(words(rest));
    let on_item = rest.last().is_some_and(|s| s.starts_with('{'));
    parts.push(action(method, on_item, is_list(doc, op)).to_string());
    parts.join("_")
}

fn action(method: &str, on_item: bool, list: bool) -> &'static str {
    match method {
        "get" if !on_item && list => "list",
        "get" => "retrieve",
        "post" => "create",
        "put" => "update",
        "patch" => "partial_update",
        "delete" => "destroy",
        _ => "call",
    }
}

/// A GET answering only JSON that is an array or a page (`results`).
fn is_list(doc: &Value, op: &Value) -> bool {
    let content = &op["responses"]["200"]["content"];
    if content.as_object().is_none_or(|c| c.keys().any(|k| k != "application/json")) {
        return false;
    }
    let schema = resolve(doc, &content["application/json"]["schema"]);
    schema["type"] == "array" || schema["properties"]["results"]["type"] == "array"
}

pub(super) fn error_body() -> Value {
    json!({"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}})
}

/// What every operation of a kind can answer, whatever its handler: the credential
/// (401, 403), the path's objects (404), the body's parsing (400, 413, 415).
fn add_error_responses(path: &str, op: &mut Value) {
    let schemes: Vec<&str> = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_object()?.keys().next())
        .map(String::as_str)
        .collect();
    let json_body = op["requestBody"]["content"].get("application/json").is_some();
    let mut codes = Vec::new();
    if schemes.contains(&"bearer") {
        codes.extend(["401", "403"]);
    } else if !schemes.is_empty() {
        codes.push("401");
    }
    if path.contains('{') {
        codes.push("404");
    }
    if json_body {
        codes.extend(["400", "413", "415"]);
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for code in codes {
        let response = responses.entry(code).or_insert_with(|| json!({"content": error_body()}));
        // The handler's own body for this status, or the common one from the extractors.
        let Some(schema) = response.pointer_mut("/content/application~1json/schema") else { continue };
        let common = json!({"$ref": "#/components/schemas/ErrorBody"});
        let listed = schema["anyOf"].as_array().is_some_and(|a| a.contains(&common));
        if *schema != common && !listed {
            *schema = json!({"anyOf": [schema.take(), common]});
        }
    }
    if let Some(r) = responses.get_mut("401").and_then(Value::as_object_mut) {
        let header = json!({"description": "`Bearer`", "required": true, "schema": {"type": "string"}});
        header_entry(r, "WWW-Authenticate", header);
    }
    if let Some(r) = responses.get_mut("429").and_then(Value::as_object_mut) {
        let header = json!({"description": "Seconds to wait before trying again.", "required": true,
            "schema": {"type": "integer"}});
        header_entry(r, "Retry-After", header);
    }
}

fn header_entry(response: &mut Map<String, Value>, name: &str, header: Value) {
    let headers = response.entry("headers").or_insert_with(|| json!({}));
    if let Some(h) = headers.as_object_mut() {
        h.entry(name).or_insert(header);
    }
}

fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK.",
        "201" => "Created.",
        "202" => "Accepted: the work continues in the background.",
        "204" => "Done; no body.",
        "400" => "Invalid request: `attr` names the offending field, `code` says why.",
        "401" => "No credential, or one that is not valid (`WWW-Authenticate: Bearer`).",
        "403" => {
            "The credential may not do this (missing scope, key limited to other \
                  projects or organizations, or not enough membership level)."
        }
        "404" => "No such object, or not one the caller can see.",
        "409" => "Conflict with the current state of the object.",
        "413" => "The request body is larger than the configured limit.",
        "415" => "The request body's content type is not JSON (or a form).",
        "429" => "Too many requests; retry after `Retry-After` seconds.",
        "500" => "Unexpected server failure.",
        "502" => "An upstream service answered something unusable.",
        "503" => "Temporarily unavailable; try again.",
        _ => "Answer.",
    }
}

fn describe_responses(op: &mut Value) {
    for (status, r) in op.get_mut("responses").and_then(Value::as_object_mut).into_iter().flatten() {
        let Some(r) = r.as_object_mut() else { continue };
        let missing = r.get("description").and_then(Value::as_str).is_none_or(str::is_empty);
        if missing {
            r.insert("description".into(), Value::String(default_description(status).into()));
        }
    }
}

/// A schema, or what its `$ref` points at.
pub(crate) fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => doc.pointer(pointer).unwrap_or(schema),
        None => schema,
    }
}

/// The methods of the documented path matching `path` (a request path, trailing slash
/// trimmed), for a 405's `Allow`.
pub fn allowed_methods(path: &str) -> Option<String> {
    let paths = document()["paths"].as_object()?;
    let wanted: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    // The template with the most literal segments wins, as in the router (`alerts/simulate`
    // over `alerts/{id}`).
    let (_, item) = paths
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            let fits = parts.len() == wanted.len()
                && parts.iter().zip(&wanted).all(|(t, w)| t == w || (t.starts_with('{') && !w.is_empty()));
            fits.then(|| (parts.iter().filter(|t| !t.starts_with('{')).count(), item))
        })
        .max_by_key(|(literal, _)| *literal)?;
    let methods: Vec<String> = item
        .as_object()?
        .keys()
        .filter(|m| METHODS.contains(&m.as_str()))
        .map(|m| m.to_uppercase())
        .collect();
    Some(methods.join(", "))
}
