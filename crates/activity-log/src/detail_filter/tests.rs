use serde_json::{Value, json};

use super::*;

fn err_detail(r: Result<Vec<DetailFilter>, ActivityError>) -> String {
    match r {
        Err(ActivityError::InvalidFilter { attr, code, detail }) => {
            assert_eq!(attr.as_deref(), Some("detail_filters"));
            assert_eq!(code, "invalid_input");
            detail
        }
        other => panic!("expected InvalidFilter, got {other:?}"),
    }
}

fn one(path: &str, op: &str, value: Value) -> DetailFilter {
    let raw = json!({ path: {"operation": op, "value": value} }).to_string();
    let mut parsed = parse_detail_filters(&raw).unwrap();
    assert_eq!(parsed.len(), 1);
    parsed.remove(0)
}

fn detail() -> Value {
    json!({
        "name": "Rollout flag",
        "short_id": "abc123",
        "count": 7,
        "ratio": 1.5,
        "enabled": true,
        "flag": "True",
        "nothing": null,
        "context": {"flag_key": "my-flag", "version": "42"},
        "tags": ["a", "b", "c", "d", "e", "late"],
        "changes": [
            {"type": "FeatureFlag", "action": "changed", "field": "active", "before": false, "after": true},
            {"type": "FeatureFlag", "action": "changed", "field": "rollout_percentage", "before": 10, "after": 50},
        ],
        "matrix": [[{"v": 1}], [{"v": 2}, {"v": 3}]],
    })
}

#[test]
fn parses_entries_sorted_with_default_operation() {
    let got = parse_detail_filters(
        r#"{"name": {"value": "x"}, "changes[].field": {"operation": "in", "value": ["a"]},
            "context.flag_key": {"operation": "contains", "value": "fl"}}"#,
    )
    .unwrap();
    assert_eq!(
        got,
        vec![
            DetailFilter { path: "changes[].field".into(), op: DetailOp::In, value: json!(["a"]) },
            DetailFilter { path: "context.flag_key".into(), op: DetailOp::Contains, value: json!("fl") },
            DetailFilter { path: "name".into(), op: DetailOp::Exact, value: json!("x") },
        ]
    );
}

#[test]
fn null_or_missing_values_are_skipped_but_validated() {
    let got =
        parse_detail_filters(r#"{"name": {"value": null}, "short_id": {"operation": "exact"}}"#).unwrap();
    assert!(got.is_empty());
    let bad = parse_detail_filters(r#"{"a__b": {"value": null}}"#);
    assert_eq!(err_detail(bad), "Detail filter field path 'a__b' contains '__'.");
}

#[test]
fn rejects_invalid_json_and_non_objects() {
    assert_eq!(err_detail(parse_detail_filters("{nope")), "Value must be valid JSON.");
    assert_eq!(err_detail(parse_detail_filters("[1]")), "detail_filters must be an object.");
    assert_eq!(err_detail(detail_filters_from_value(&json!("x"))), "detail_filters must be an object.");
    assert_eq!(
        err_detail(parse_detail_filters(r#"{"name": "x"}"#)),
        "Detail filter 'name' must be an object."
    );
}

#[test]
fn rejects_more_than_100_entries() {
    let mut map = serde_json::Map::new();
    for i in 0..100 {
        map.insert(format!("k{i}"), json!({"value": 1}));
    }
    assert_eq!(detail_filters_from_value(&Value::Object(map.clone())).unwrap().len(), 100);
    map.insert("k100".into(), json!({"value": 1}));
    assert_eq!(
        err_detail(detail_filters_from_value(&Value::Object(map))),
        "detail_filters accepts at most 100 entries."
    );
}

#[test]
fn rejects_empty_and_long_paths() {
    assert_eq!(
        err_detail(parse_detail_filters(r#"{"": {"value": 1}}"#)),
        "Detail filter field paths must be non-empty strings."
    );
    let ok = "a".repeat(500);
    assert!(detail_filters_from_value(&json!({ ok: {"value": 1} })).is_ok());
    let long = "a".repeat(501);
    assert_eq!(
        err_detail(detail_filters_from_value(&json!({ long: {"value": 1} }))),
        "Detail filter field paths must be at most 500 characters."
    );
}

#[test]
fn rejects_unknown_operations() {
    let msg = "Unsupported detail filter operation 'regex'. Allowed operations: contains, exact, in.";
    assert_eq!(err_detail(parse_detail_filters(r#"{"name": {"operation": "regex", "value": "x"}}"#)), msg);
    let msg = "Unsupported detail filter operation '5'. Allowed operations: contains, exact, in.";
    assert_eq!(err_detail(parse_detail_filters(r#"{"name": {"operation": 5, "value": "x"}}"#)), msg);
}

#[test]
fn rejects_bad_segments() {
    let cases = [
        ("a..b", "Detail filter field path 'a..b' has an empty segment."),
        (".a", "Detail filter field path '.a' has an empty segment."),
        ("[].a", "Detail filter field path '[].a' has an empty segment."),
        ("a_._b", "Detail filter field path 'a_._b' has an ambiguous underscore boundary."),
        ("name.regex", "Detail filter field path 'name.regex' uses reserved segment 'regex'."),
        ("in[].x", "Detail filter field path 'in[].x' uses reserved segment 'in'."),
        ("contained_by", "Detail filter field path 'contained_by' uses reserved segment 'contained_by'."),
    ];
    for (path, msg) in cases {
        assert_eq!(err_detail(detail_filters_from_value(&json!({ path: {"value": 1} }))), msg, "{path}");
    }
    for word in RESERVED_SEGMENTS {
        let path = format!("x.{word}");
        assert!(detail_filters_from_value(&json!({ path: {"value": 1} })).is_err(), "{word}");
    }
    assert!(detail_filters_from_value(&json!({"regexes.inner": {"value": 1}})).is_ok());
}

#[test]
fn rejects_more_than_three_array_levels() {
    assert!(detail_filters_from_value(&json!({"a[].b[].c[].d": {"value": 1}})).is_ok());
    assert_eq!(
        err_detail(detail_filters_from_value(&json!({"a[].b[].c[].d[].e": {"value": 1}}))),
        "Detail filter field path 'a[].b[].c[].d[].e' nests too many arrays."
    );
    let many = "a".to_string() + &"[]".repeat(60);
    assert!(detail_filters_from_value(&json!({ many: {"value": 1} })).is_err());
}

#[test]
fn exact_is_type_insensitive() {
    let d = detail();
    assert!(one("name", "exact", json!("Rollout flag")).matches(&d));
    assert!(!one("name", "exact", json!("rollout flag")).matches(&d));
    assert!(one("count", "exact", json!("7")).matches(&d));
    assert!(one("count", "exact", json!(7.0)).matches(&d));
    assert!(one("ratio", "exact", json!("1.5")).matches(&d));
    assert!(!one("ratio", "exact", json!("1.50")).matches(&d));
    assert!(one("context.version", "exact", json!(42)).matches(&d));
    assert!(one("enabled", "exact", json!("true")).matches(&d));
    assert!(one("enabled", "exact", json!("1")).matches(&d));
    assert!(one("enabled", "exact", json!("TRUE")).matches(&d));
    assert!(!one("enabled", "exact", json!("0")).matches(&d));
    assert!(one("flag", "exact", json!(true)).matches(&d));
    assert!(!one("flag", "exact", json!(false)).matches(&d));
    assert!(!one("count", "exact", json!("007")).matches(&d));
}

#[test]
fn exact_on_missing_or_null_paths_never_matches() {
    let d = detail();
    assert!(!one("missing", "exact", json!("x")).matches(&d));
    assert!(!one("name.deeper", "exact", json!("x")).matches(&d));
    assert!(!one("nothing", "exact", json!("null")).matches(&d));
    assert!(!one("name", "exact", json!("x")).matches(&Value::Null));
}

#[test]
fn in_takes_a_list_or_single_value_with_variants() {
    let d = detail();
    assert!(one("short_id", "in", json!(["zzz", "abc123"])).matches(&d));
    assert!(one("short_id", "in", json!("abc123")).matches(&d));
    assert!(one("count", "in", json!(["1", "7"])).matches(&d));
    assert!(one("enabled", "in", json!(["yes", "1"])).matches(&d));
    assert!(!one("short_id", "in", json!(["zzz"])).matches(&d));
    assert!(!one("short_id", "in", json!([])).matches(&d));
    assert!(!one("nothing", "in", json!([null])).matches(&d));
}

#[test]
fn contains_is_case_insensitive_on_text_form() {
    let d = detail();
    assert!(one("name", "contains", json!("ROLLOUT")).matches(&d));
    assert!(one("context.flag_key", "contains", json!("-fl")).matches(&d));
    assert!(one("count", "contains", json!(7)).matches(&d));
    assert!(one("context", "contains", json!("\"flag_key\": \"my")).matches(&d));
    assert!(!one("name", "contains", json!("xyz")).matches(&d));
    assert!(!one("nothing", "contains", json!("null")).matches(&d));
    assert!(!one("missing", "contains", json!("")).matches(&d));
}

#[test]
fn array_exact_checks_first_five_elements() {
    let d = detail();
    assert!(one("changes[].field", "exact", json!("active")).matches(&d));
    assert!(one("changes[].after", "exact", json!("50")).matches(&d));
    assert!(one("changes[].field", "in", json!(["x", "rollout_percentage"])).matches(&d));
    assert!(!one("changes[].field", "exact", json!("name")).matches(&d));
    assert!(one("tags[]", "exact", json!("e")).matches(&d));
    assert!(!one("tags[]", "exact", json!("late")).matches(&d));
    assert!(!one("name[]", "exact", json!("Rollout flag")).matches(&d));
}

#[test]
fn nested_arrays_walk_every_level() {
    let d = detail();
    assert!(one("matrix[][].v", "exact", json!(3)).matches(&d));
    assert!(!one("matrix[][].v", "exact", json!(4)).matches(&d));
    let nested = json!({"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": [{"c": 9}]}]});
    assert!(one("a[].b[].c", "exact", json!("9")).matches(&nested));
    assert!(!one("a[].b[].c", "exact", json!("3")).matches(&nested));
}

#[test]
fn array_contains_tests_the_serialized_prefix() {
    let d = detail();
    assert!(one("changes[].field", "contains", json!("roll")).matches(&d));
    // The whole array text is tested, so a value from another key matches too (upstream quirk).
    assert!(one("changes[].field", "contains", json!("featureflag")).matches(&d));
    assert!(one("changes[].field", "contains", json!("\"field\": \"active\"")).matches(&d));
    assert!(one("tags[]", "contains", json!("LATE")).matches(&d));
    assert!(!one("changes[].field", "contains", json!("nowhere")).matches(&d));
    assert!(!one("missing[].x", "contains", json!("a")).matches(&d));
}

#[test]
fn json_eq_compares_numbers_by_value() {
    assert!(json_eq(&json!(1), &json!(1.0)));
    assert!(json_eq(&json!([1, {"a": 2}]), &json!([1.0, {"a": 2.0}])));
    assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    assert!(!json_eq(&json!(1), &json!("1")));
    assert!(json_eq(&json!(u64::MAX), &json!(u64::MAX)));
}
