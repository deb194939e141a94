//! Request bodies and query strings as the server reads them. Types say the shape; the
//! domain validators add what a type cannot (not blank, choices, ranges, required on
//! create only): [`refinements`] writes those into the schemas, PATCH bodies get a
//! `Patched...` copy without `required` (drf-spectacular's naming), a body whose fields
//! are all optional is not `required`, and query strings parsed leniently (PostHog's way:
//! a malformed value means the default) are documented as the strings they are.

use serde_json::{Map, Value, json};

use super::refine::{query_refinement, refinements};
use super::{METHODS, resolve};

/// Operations whose PUT changes only the fields sent, as PATCH does.
const PARTIAL_PUT: [&str; 1] = ["organizations_update"];

/// Bodies whose `required` holds for create (and PUT) only: PATCH gets `Patched<Name>`.
const CREATE_ONLY_REQUIRED: [&str; 4] =
    ["OrganizationBody", "LogsViewBody", "ApprovalPolicyBody", "SamplingRuleBody"];

/// Query parameters read leniently wherever they appear (`pagination::page_req`,
/// `logs_query::attributes::params`): a malformed value means the default.
const LENIENT_QUERY: [&str; 4] = ["limit", "offset", "search_values", "attribute_type"];

pub(super) fn apply(doc: &mut Value) {
    refine(doc);
    ranged_queries(doc);
    patched_variants(doc);
    // Again for the `Patched...` copies, which have entries of their own.
    refine(doc);
    bound_integers(doc);
    let snapshot = doc.clone();
    for (_, item) in doc["paths"].as_object_mut().into_iter().flatten() {
        for (method, op) in item.as_object_mut().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            optional_body(&snapshot, op);
            query_params(op);
        }
    }
}

/// Operations that read `{"query": ...}` with a required `dateRange`.
const RANGED_QUERIES: [&str; 2] = ["logs_query_create", "logs_services_create"];

fn ranged_queries(doc: &mut Value) {
    let body = json!({"type": "object", "required": ["query"],
        "description": "`{\"query\": {...}}` with a `dateRange`.",
        "properties": {"query": {"allOf": super::refine::query_with_range()}}});
    doc["components"]["schemas"]["LogsQueryRangeBody"] = body;
    for (_, item) in doc["paths"].as_object_mut().into_iter().flatten() {
        for (_, op) in item.as_object_mut().into_iter().flatten() {
            let id = op["operationId"].as_str().unwrap_or_default();
            if RANGED_QUERIES.iter().any(|r| id == *r || id.strip_prefix("environments_") == Some(r))
                && let Some(schema) = op.pointer_mut("/requestBody/content/application~1json/schema")
            {
                *schema = json!({"$ref": "#/components/schemas/LogsQueryRangeBody"});
            }
        }
    }
}

fn refine(doc: &mut Value) {
    for (name, patch) in refinements() {
        if let Some(schema) = doc.pointer_mut(&format!("/components/schemas/{name}")) {
            merge(schema, patch);
        }
    }
}

/// `int32` / `int64` (what utoipa writes for Rust's integers) get the type's bounds: a
/// larger number is a 400, not a value.
fn bound_integers(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let bounds = match m.get("format").and_then(Value::as_str) {
                Some("int32") => Some((i64::from(i32::MIN), i64::from(i32::MAX))),
                Some("int64") => Some((i64::MIN, i64::MAX)),
                _ => None,
            };
            if let Some((min, max)) = bounds {
                m.entry("minimum").or_insert(json!(min));
                m.entry("maximum").or_insert(json!(max));
            }
            m.values_mut().for_each(bound_integers);
        }
        Value::Array(a) => a.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// RFC 7386 merge: objects merge key by key, `null` removes, anything else replaces.
pub(super) fn merge(target: &mut Value, patch: Value) {
    let Value::Object(patch) = patch else {
        *target = patch;
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(map) = target.as_object_mut() else { return };
    for (k, v) in patch {
        if v.is_null() {
            map.remove(&k);
        } else {
            merge(map.entry(k).or_insert(Value::Null), v);
        }
    }
}

fn body_ref(op: &Value) -> Option<String> {
    let r = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()?;
    r.strip_prefix("#/components/schemas/").map(str::to_string)
}

/// PATCH (and partial PUT) bodies drop `required`: `Patched<Name>`.
fn patched_variants(doc: &mut Value) {
    let mut wanted: Vec<(String, String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let partial = method == "patch"
                || op["operationId"].as_str().is_some_and(|id| {
                    PARTIAL_PUT.iter().any(|p| id == *p || id.strip_prefix("environments_") == Some(p))
                });
            let Some(name) = body_ref(op).filter(|_| partial) else { continue };
            if CREATE_ONLY_REQUIRED.contains(&name.as_str()) {
                wanted.push((path.clone(), method.clone(), name));
            }
        }
    }
    for (path, method, name) in wanted {
        let patched = format!("Patched{name}");
        let mut schema = doc["components"]["schemas"][&name].clone();
        if let Some(s) = schema.as_object_mut() {
            s.remove("required");
        }
        doc["components"]["schemas"][&patched] = schema;
        doc["paths"][&path][&method]["requestBody"]["content"]["application/json"]["schema"] =
            json!({"$ref": format!("#/components/schemas/{patched}")});
    }
}

/// An empty body reads as `{}`: a body whose fields are all optional may be left out.
fn optional_body(doc: &Value, op: &mut Value) {
    let Some(body) = op.get_mut("requestBody") else { return };
    let Some(schema) = body["content"].get("application/json").map(|m| &m["schema"]) else { return };
    let schema = resolve(doc, schema);
    if schema["type"] == "object" && schema["required"].as_array().is_none_or(|r| r.is_empty()) {
        body["required"] = Value::Bool(false);
    }
}

/// Lenient parameters become the strings they are; the others get their refinements, and
/// an operation with a strictly parsed parameter documents its 400.
fn query_params(op: &mut Value) {
    let mut strict = false;
    for p in op.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
        if p["in"] != "query" {
            continue;
        }
        let name = p["name"].as_str().unwrap_or_default().to_string();
        if let Some(patch) = query_refinement(&name) {
            merge(&mut p["schema"], patch);
        }
        let plain = p["schema"] == json!({"type": "string"});
        if !LENIENT_QUERY.contains(&name.as_str()) {
            strict |= !plain;
            continue;
        }
        if plain {
            continue;
        }
        let was = described_type(&p["schema"]);
        p["schema"] = json!({"type": "string"});
        let note = format!("{was}; a malformed value means the default.");
        let description = match p["description"].as_str() {
            Some(d) => format!("{d} ({note})"),
            None => note,
        };
        p["description"] = Value::String(description);
    }
    if strict && let Some(responses) = op["responses"].as_object_mut() {
        responses.entry("400").or_insert_with(|| json!({"content": super::error_body()}));
    }
}

fn described_type(schema: &Value) -> String {
    match schema["type"].as_str().or_else(|| schema["type"][0].as_str()) {
        Some("integer") => "An integer".into(),
        Some("boolean") => "`true` or `false`".into(),
        _ => match schema["enum"].as_array() {
            Some(values) => {
                let v: Vec<String> =
                    values.iter().filter_map(Value::as_str).map(|s| format!("`{s}`")).collect();
                format!("One of {}", v.join(", "))
            }
            None => "A value".into(),
        },
    }
}
