//! `available_filters`' `detail_fields` (spec 6.2): every JSON path seen in details,
//! grouped by scope, with the set of value types seen at it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

/// Array elements sampled per array, as upstream.
const ARRAY_SAMPLE: usize = 10;

/// The scope listing the `changes[]` members, always present.
pub const GENERAL_SCOPE: &str = "General";

/// One discoverable path (`name`, `context.flag_key`, `changes[].after`) and its types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldInfo {
    pub name: String,
    /// Sorted: `null`, `boolean`, `number`, `string`, `array`, `object` (or `any` for the
    /// fixed `General` fields).
    pub types: Vec<String>,
}

/// Paths of `(scope, detail)` rows, grouped by scope, fields sorted by name. Details that
/// are not objects are skipped; null array elements are not sampled (upstream does the
/// same). The fixed `General` scope is merged in.
pub fn discover(rows: &[(String, Value)]) -> BTreeMap<String, Vec<FieldInfo>> {
    let mut seen: BTreeMap<String, BTreeMap<String, BTreeSet<&'static str>>> = BTreeMap::new();
    for (scope, detail) in rows {
        if let Value::Object(map) = detail {
            let paths = seen.entry(scope.clone()).or_default();
            for (key, value) in map {
                record(paths, key.clone(), value);
            }
        }
    }
    let general = seen.entry(GENERAL_SCOPE.to_string()).or_default();
    for (field, kind) in
        [("type", "string"), ("action", "string"), ("field", "string"), ("before", "any"), ("after", "any")]
    {
        general.entry(format!("changes[].{field}")).or_default().insert(kind);
    }
    seen.into_iter()
        .filter(|(_, paths)| !paths.is_empty())
        .map(|(scope, paths)| {
            let fields = paths
                .into_iter()
                .map(|(name, types)| FieldInfo {
                    name,
                    types: types.into_iter().map(str::to_string).collect(),
                })
                .collect();
            (scope, fields)
        })
        .collect()
}

/// Records `value`'s type at `path`, then everything below it.
fn record(paths: &mut BTreeMap<String, BTreeSet<&'static str>>, path: String, value: &Value) {
    paths.entry(path.clone()).or_default().insert(type_name(value));
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                record(paths, format!("{path}.{key}"), child);
            }
        }
        Value::Array(items) => {
            let element_path = format!("{path}[]");
            for item in items.iter().take(ARRAY_SAMPLE).filter(|v| !v.is_null()) {
                record(paths, element_path.clone(), item);
            }
        }
        _ => {}
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The response shape: `{"FeatureFlag": {"fields": [{"name": ..., "types": [...]}]}}`.
pub fn detail_fields_json(map: &BTreeMap<String, Vec<FieldInfo>>) -> Value {
    let out: serde_json::Map<String, Value> =
        map.iter().map(|(scope, fields)| (scope.clone(), json!({ "fields": fields }))).collect();
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(fields: &[FieldInfo]) -> Vec<(&str, Vec<&str>)> {
        fields.iter().map(|f| (f.name.as_str(), f.types.iter().map(String::as_str).collect())).collect()
    }

    #[test]
    fn general_scope_is_always_present() {
        let got = discover(&[]);
        assert_eq!(got.len(), 1);
        assert_eq!(
            names(&got[GENERAL_SCOPE]),
            vec![
                ("changes[].action", vec!["string"]),
                ("changes[].after", vec!["any"]),
                ("changes[].before", vec!["any"]),
                ("changes[].field", vec!["string"]),
                ("changes[].type", vec!["string"]),
            ]
        );
    }

    #[test]
    fn paths_and_types_grouped_by_scope() {
        let rows = vec![
            (
                "FeatureFlag".to_string(),
                json!({"name": "a", "changes": [{"field": "active", "after": true}, {"field": "x", "after": 5}],
                       "context": {"key": null}}),
            ),
            (
                "FeatureFlag".to_string(),
                json!({"name": null, "changes": [{"after": "s"}], "tags": ["t", null, 1]}),
            ),
            ("Insight".to_string(), json!({"short_id": "abc"})),
            ("Insight".to_string(), json!("not an object")),
            ("Empty".to_string(), json!({})),
        ];
        let got = discover(&rows);
        assert_eq!(got.keys().collect::<Vec<_>>(), vec!["FeatureFlag", "General", "Insight"]);
        assert_eq!(
            names(&got["FeatureFlag"]),
            vec![
                ("changes", vec!["array"]),
                ("changes[]", vec!["object"]),
                ("changes[].after", vec!["boolean", "number", "string"]),
                ("changes[].field", vec!["string"]),
                ("context", vec!["object"]),
                ("context.key", vec!["null"]),
                ("name", vec!["null", "string"]),
                ("tags", vec!["array"]),
                ("tags[]", vec!["number", "string"]),
            ]
        );
        assert_eq!(names(&got["Insight"]), vec![("short_id", vec!["string"])]);
    }

    #[test]
    fn nested_arrays_and_sampling() {
        let mut items: Vec<Value> = (0..10).map(|_| json!(1)).collect();
        items.push(json!("eleventh"));
        let rows = vec![("S".to_string(), json!({"m": [[{"v": 1}]], "long": items}))];
        let got = discover(&rows);
        assert_eq!(
            names(&got["S"]),
            vec![
                ("long", vec!["array"]),
                ("long[]", vec!["number"]),
                ("m", vec!["array"]),
                ("m[]", vec!["array"]),
                ("m[][]", vec!["object"]),
                ("m[][].v", vec!["number"]),
            ]
        );
    }

    #[test]
    fn general_rows_merge_with_the_fixed_fields() {
        let rows = vec![("General".to_string(), json!({"changes": [{"after": 1}]}))];
        let got = discover(&rows);
        let after = got["General"].iter().find(|f| f.name == "changes[].after").unwrap();
        assert_eq!(after.types, vec!["any", "number"]);
        assert!(got["General"].iter().any(|f| f.name == "changes"));
    }

    #[test]
    fn json_shape_matches_the_api() {
        let rows = vec![("Insight".to_string(), json!({"name": "n"}))];
        let got = detail_fields_json(&discover(&rows));
        assert_eq!(got["Insight"], json!({"fields": [{"name": "name", "types": ["string"]}]}));
        assert_eq!(got["General"]["fields"][0], json!({"name": "changes[].action", "types": ["string"]}));
        assert_eq!(got.as_object().map(|m| m.len()), Some(2));
    }
}
