//! What the actions share: reading a proposal's snapshots, the intent skeleton, the
//! before/after diff of gated fields and the wording of descriptions.

use serde_json::{Map, Value, json};

use crate::registry::Proposal;

/// A top-level field of a snapshot (`before` or `after`).
pub(super) fn get<'a>(side: Option<&'a Value>, key: &str) -> Option<&'a Value> {
    side.and_then(|s| s.get(key)).filter(|v| !v.is_null())
}

pub(super) fn flag(side: Option<&Value>, key: &str) -> Option<bool> {
    get(side, key).and_then(Value::as_bool)
}

pub(super) fn number(side: Option<&Value>, key: &str) -> Option<f64> {
    get(side, key).and_then(Value::as_f64)
}

/// The intent every action stores: the resource's id and name under the action's own
/// keys, the gated fields before and after, the request as sent and the preconditions.
pub(super) fn intent(p: &Proposal, ids: (&str, &str), current: Value, gated: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(ids.0.to_string(), p.resource_id.clone().map_or(Value::Null, Value::String));
    m.insert(ids.1.to_string(), Value::String(p.resource_name.clone()));
    m.insert("current_state".into(), current);
    m.insert("gated_changes".into(), gated);
    m.insert("full_request_data".into(), p.request.clone());
    m.insert("preconditions".into(), p.preconditions.clone());
    m
}

/// The resource's name as the intent holds it.
pub(super) fn name(intent: &Value, key: &str) -> String {
    intent.get(key).and_then(Value::as_str).unwrap_or("unknown").to_string()
}

pub(super) fn side<'a>(intent: &'a Value, key: &str) -> &'a Value {
    intent.get(key).unwrap_or(&Value::Null)
}

/// `{description, before, after}` (§4.5).
pub(super) fn display(description: String, before: &Value, after: &Value) -> Value {
    json!({"description": description, "before": before, "after": after})
}

/// A value as a sentence shows it: strings bare, null as `N/A`.
pub(super) fn show(v: &Value) -> String {
    match v {
        Value::Null => "N/A".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One gated path whose value differs between before and after.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Diff {
    pub field: &'static str,
    /// The `path` of a path/value list entry, or the field itself for a scalar.
    pub path: String,
    pub before: Value,
    pub after: Value,
}

fn entries(v: Option<&Value>) -> Option<Vec<(String, Value)>> {
    let items = v?.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|e| Some((e.get("path")?.as_str()?.to_string(), e.get("value").cloned()?)))
            .collect(),
    )
}

/// The paths of `fields` that differ between two `current_state` / `gated_changes`
/// objects. A field is a scalar or a `[{path, value}]` list; a path on one side only
/// differs (its other side null).
pub(super) fn diff(fields: &[&'static str], before: &Value, after: &Value) -> Vec<Diff> {
    let mut out = Vec::new();
    for &field in fields {
        let (b, a) = (before.get(field), after.get(field));
        match (entries(b), entries(a)) {
            (Some(b), Some(a)) => {
                let mut paths: Vec<&String> = b.iter().map(|(p, _)| p).collect();
                paths.extend(a.iter().map(|(p, _)| p).filter(|p| !b.iter().any(|(q, _)| q == *p)));
                let find = |side: &[(String, Value)], p: &str| {
                    side.iter().find(|(q, _)| q == p).map_or(Value::Null, |(_, v)| v.clone())
                };
                for p in paths {
                    let (old, new) = (find(&b, p), find(&a, p));
                    if !same(&old, &new) {
                        out.push(Diff { field, path: p.clone(), before: old, after: new });
                    }
                }
            }
            _ => {
                let (old, new) = (b.cloned().unwrap_or(Value::Null), a.cloned().unwrap_or(Value::Null));
                if !same(&old, &new) {
                    out.push(Diff { field, path: field.to_string(), before: old, after: new });
                }
            }
        }
    }
    out
}

/// Numbers compare by value (`10` and `10.0` are the same rate).
fn same(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `"<label> <before> -> <after>"` per diff, joined by `"; "`.
pub(super) fn describe(diffs: &[Diff], label: impl Fn(&Diff) -> String) -> String {
    diffs
        .iter()
        .map(|d| format!("{} {} -> {}", label(d), show(&d.before), show(&d.after)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A field name as words (`threshold_count` → `threshold count`).
pub(super) fn words(field: &str) -> String {
    field.replace('_', " ")
}

/// The `triggered_paths` list of an intent.
pub(super) fn triggered(diffs: &[Diff]) -> Value {
    Value::Array(diffs.iter().map(|d| Value::String(d.path.clone())).collect())
}
