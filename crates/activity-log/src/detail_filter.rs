//! `detail_filters`: `{ "<path>": {"operation": "exact"|"contains"|"in", "value": ...} }`
//! (spec 6.4). Validation and matching semantics live here.

use serde_json::{Number, Value};

use crate::ActivityError;
use crate::json_text::text_form;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailOp {
    Exact,
    Contains,
    In,
}

/// One validated entry. `path` is split on `.`; a segment ending in `[]` walks an array.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailFilter {
    pub path: String,
    pub op: DetailOp,
    pub value: Value,
}

const MAX_FILTERS: usize = 100;
const MAX_PATH_CHARS: usize = 500;
/// Array paths look at this many elements per level; upstream expands every index
/// combination into SQL, hence the cap on nesting.
const ARRAY_FANOUT: usize = 5;
const MAX_INDEXED_PATHS: usize = 125;

/// Django's JSON lookup names: upstream would run them as ORM lookups, so they are refused
/// as path segments to stay compatible with what upstream accepts.
pub const RESERVED_SEGMENTS: &[&str] = &[
    "exact",
    "iexact",
    "contains",
    "icontains",
    "in",
    "gt",
    "gte",
    "lt",
    "lte",
    "startswith",
    "istartswith",
    "endswith",
    "iendswith",
    "range",
    "isnull",
    "regex",
    "iregex",
    "has_key",
    "has_keys",
    "has_any_keys",
    "contained_by",
];

fn invalid(detail: impl Into<String>) -> ActivityError {
    ActivityError::invalid("detail_filters", detail)
}

/// Parses the query-string form: one JSON-encoded object.
pub fn parse_detail_filters(raw: &str) -> Result<Vec<DetailFilter>, ActivityError> {
    let value: Value = serde_json::from_str(raw).map_err(|_| invalid("Value must be valid JSON."))?;
    detail_filters_from_value(&value)
}

/// Validates a decoded object (export bodies send it unencoded). Entries whose value is
/// null or absent are validated, then skipped. Output is sorted by path.
pub fn detail_filters_from_value(v: &Value) -> Result<Vec<DetailFilter>, ActivityError> {
    let Some(map) = v.as_object() else {
        return Err(invalid("detail_filters must be an object."));
    };
    if map.len() > MAX_FILTERS {
        return Err(invalid(format!("detail_filters accepts at most {MAX_FILTERS} entries.")));
    }
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = Vec::new();
    for (path, config) in entries {
        let op = validate_entry(path, config)?;
        match config.get("value") {
            None | Some(Value::Null) => {}
            Some(value) => out.push(DetailFilter { path: path.clone(), op, value: value.clone() }),
        }
    }
    Ok(out)
}

/// Same checks, in the same order, as upstream's validator, so the first error matches.
fn validate_entry(path: &str, config: &Value) -> Result<DetailOp, ActivityError> {
    if path.is_empty() {
        return Err(invalid("Detail filter field paths must be non-empty strings."));
    }
    if path.chars().count() > MAX_PATH_CHARS {
        return Err(invalid(format!(
            "Detail filter field paths must be at most {MAX_PATH_CHARS} characters."
        )));
    }
    let Some(config) = config.as_object() else {
        return Err(invalid(format!("Detail filter '{path}' must be an object.")));
    };
    let op = match config.get("operation") {
        None | Some(Value::Null) => DetailOp::Exact,
        Some(Value::String(s)) if s == "exact" => DetailOp::Exact,
        Some(Value::String(s)) if s == "contains" => DetailOp::Contains,
        Some(Value::String(s)) if s == "in" => DetailOp::In,
        Some(other) => {
            return Err(invalid(format!(
                "Unsupported detail filter operation '{}'. Allowed operations: contains, exact, in.",
                text_form(other)
            )));
        }
    };
    if path.contains("__") {
        return Err(invalid(format!("Detail filter field path '{path}' contains '__'.")));
    }
    let arrays = u32::try_from(path.matches("[]").count()).unwrap_or(u32::MAX);
    if ARRAY_FANOUT.checked_pow(arrays).is_none_or(|n| n > MAX_INDEXED_PATHS) {
        return Err(invalid(format!("Detail filter field path '{path}' nests too many arrays.")));
    }
    let stripped = path.replace("[]", "");
    if stripped.split('.').any(str::is_empty) {
        return Err(invalid(format!("Detail filter field path '{path}' has an empty segment.")));
    }
    // Upstream checks the components Django sees after joining segments with `__`, where
    // underscores at segment edges can merge; mirror it so the same paths are refused.
    for component in stripped.replace('.', "__").split("__") {
        if component.is_empty() {
            return Err(invalid(format!(
                "Detail filter field path '{path}' has an ambiguous underscore boundary."
            )));
        }
        if RESERVED_SEGMENTS.contains(&component) {
            return Err(invalid(format!(
                "Detail filter field path '{path}' uses reserved segment '{component}'."
            )));
        }
    }
    Ok(op)
}

/// A path segment: the object key and how many array levels (`[]`) follow it.
struct Segment {
    key: String,
    arrays: usize,
}

fn segments(path: &str) -> Vec<Segment> {
    path.split('.').map(|s| Segment { key: s.replace("[]", ""), arrays: s.matches("[]").count() }).collect()
}

impl DetailFilter {
    /// Whether a row's `detail` satisfies this entry (spec 6.4). A missing path never
    /// matches.
    pub fn matches(&self, detail: &Value) -> bool {
        let segs = segments(&self.path);
        match self.op {
            DetailOp::Contains => {
                // With arrays, upstream substring-tests the whole array before the first `[]`.
                let end = segs.iter().position(|s| s.arrays > 0).map_or(segs.len(), |i| i + 1);
                let target = segs[..end].iter().try_fold(detail, |v, s| v.as_object()?.get(&s.key));
                match target {
                    None | Some(Value::Null) => false,
                    Some(v) => text_form(v).to_lowercase().contains(&text_form(&self.value).to_lowercase()),
                }
            }
            DetailOp::Exact => {
                let wanted = variants(&self.value);
                walk(detail, &segs, &|v| wanted.iter().any(|w| json_eq(v, w)))
            }
            DetailOp::In => {
                let items = match &self.value {
                    Value::Array(items) => items.as_slice(),
                    single => std::slice::from_ref(single),
                };
                // SQL `IN` never matches NULL, so null elements are dropped.
                let wanted: Vec<Value> = items.iter().filter(|v| !v.is_null()).flat_map(variants).collect();
                walk(detail, &segs, &|v| wanted.iter().any(|w| json_eq(v, w)))
            }
        }
    }
}

fn walk(v: &Value, segs: &[Segment], pred: &dyn Fn(&Value) -> bool) -> bool {
    let Some((seg, rest)) = segs.split_first() else {
        return pred(v);
    };
    match v.as_object().and_then(|m| m.get(&seg.key)) {
        Some(child) => descend(child, seg.arrays, rest, pred),
        None => false,
    }
}

fn descend(v: &Value, arrays: usize, rest: &[Segment], pred: &dyn Fn(&Value) -> bool) -> bool {
    if arrays == 0 {
        return walk(v, rest, pred);
    }
    match v.as_array() {
        Some(items) => items.iter().take(ARRAY_FANOUT).any(|item| descend(item, arrays - 1, rest, pred)),
        None => false,
    }
}

/// The values an `exact` comparison accepts for `v` (type-insensitive matching).
fn variants(v: &Value) -> Vec<Value> {
    let mut out = vec![v.clone()];
    match v {
        Value::String(s) => {
            let t = s.trim();
            if let Ok(i) = t.parse::<i64>()
                && i.to_string() == t
            {
                out.push(Value::from(i));
            }
            // Only the float's canonical text counts ("1.5", "2.0"), as upstream's round-trip.
            if let Ok(f) = t.parse::<f64>()
                && f.is_finite()
                && format!("{f:?}") == t
                && let Some(n) = Number::from_f64(f)
            {
                out.push(Value::Number(n));
            }
            match t.to_ascii_lowercase().as_str() {
                "true" | "1" => out.push(Value::Bool(true)),
                "false" | "0" => out.push(Value::Bool(false)),
                _ => {}
            }
        }
        Value::Bool(b) => {
            let forms: [&str; 3] = if *b { ["true", "True", "1"] } else { ["false", "False", "0"] };
            out.extend(forms.iter().map(|s| Value::from(*s)));
        }
        Value::Number(n) => out.push(Value::String(n.to_string())),
        _ => {}
    }
    out
}

/// JSON equality with numbers compared by value (jsonb: `1 = 1.0`).
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(x), Some(y)) => x == y,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests;
