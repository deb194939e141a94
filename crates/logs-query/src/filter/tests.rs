use serde_json::json;

use super::*;
use crate::record::Severity;
use crate::testutil::record;

fn leaf(v: Value) -> Filter {
    serde_json::from_value(v).unwrap()
}

fn attr(op: &str, value: Value) -> bool {
    leaf(json!({"key": "http.status", "type": "log_attribute", "operator": op, "value": value}))
        .matches(&record())
}

fn on(key: &str, ty: &str, op: &str, value: Value) -> bool {
    leaf(json!({"key": key, "type": ty, "operator": op, "value": value})).matches(&record())
}

fn compile_err(v: Value) -> String {
    FilterGroup::from_json(&v).unwrap_err().detail
}

#[test]
fn flat_list_is_wrapped_like_posthog() {
    let g = FilterGroup::from_json(&json!([{"key": "a", "type": "log_attribute", "operator": "is_set"}]))
        .unwrap();
    assert_eq!(
        serde_json::to_value(&g).unwrap(),
        json!({"type": "AND", "values": [{"type": "AND", "values": [
            {"key": "a", "type": "log_attribute", "operator": "is_set", "value": null}]}]})
    );
    assert_eq!(FilterGroup::from_json(&json!([])).unwrap(), FilterGroup::default());
    assert_eq!(serde_json::to_value(FilterGroup::default()).unwrap(), json!({"type": "AND", "values": []}));
    assert_eq!(FilterGroup::from_json(&Value::Null).unwrap(), FilterGroup::default());
}

#[test]
fn property_group_shape_round_trips() {
    let v = json!({"type": "OR", "values": [
        {"type": "AND", "values": [{"key": "user", "type": "log_attribute", "operator": "exact", "value": "Zoë"}]},
        {"key": "message", "type": "log", "operator": "icontains", "value": "nope"}]});
    let g: FilterGroup = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(g.group_type, GroupType::Or);
    assert_eq!(g.leaves().iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["user", "message"]);
    assert_eq!(serde_json::to_value(&g).unwrap(), v);
    assert!(g.matches(&record()), "the first branch matches");
}

#[test]
fn string_operators() {
    let r = record();
    let m = |op: &str, key: &str, value: &str| {
        leaf(json!({"key": key, "type": "log_attribute", "operator": op, "value": value})).matches(&r)
    };
    assert!(m("exact", "http.method", "GET") && !m("exact", "http.method", "get"), "exact is case-sensitive");
    assert!(m("is_not", "http.method", "POST") && !m("is_not", "http.method", "GET"));
    assert!(m("icontains", "http.method", "e") && m("icontains", "user", "ZOË"));
    assert!(m("not_icontains", "http.method", "x") && !m("not_icontains", "http.method", "g"));
    assert!(m("starts_with", "http.method", "ge") && !m("starts_with", "http.method", "et"));
    assert!(m("not_starts_with", "http.method", "et"));
    assert!(
        m("ends_with", "http.method", "ET") && m("ends_with", "user", "OË") && !m("ends_with", "user", "z")
    );
    assert!(m("not_ends_with", "http.method", "G") && !m("not_ends_with", "http.method", "t"));
    assert!(!m("ends_with", "http.method", "xGET"), "needle longer than value");
}

#[test]
fn list_values_mean_any_of_and_none_of() {
    assert!(on("http.method", "log_attribute", "exact", json!(["POST", "GET"])));
    assert!(!on("http.method", "log_attribute", "exact", json!(["POST", "PUT"])));
    assert!(!on("http.method", "log_attribute", "is_not", json!(["POST", "GET"])));
    assert!(on("http.method", "log_attribute", "is_not", json!(["POST", "PUT"])));
    assert!(on("http.method", "log_attribute", "icontains", json!(["zz", "g"])));
}

#[test]
fn numeric_values_compare_as_numbers() {
    assert!(attr("exact", json!(503)) && attr("exact", json!("503.0")) && attr("exact", json!([1, 503])));
    assert!(attr("gt", json!(99)), "numerically 503 > 99 (as text it is not)");
    assert!(attr("gte", json!("503")) && !attr("gt", json!(503)));
    assert!(attr("lt", json!(1000)) && attr("lte", json!(503)) && !attr("lt", json!(503)));
    assert!(!attr("is_not", json!(503.0)) && attr("is_not", json!(404)));
    assert!(on("latency_ms", "log_attribute", "gt", json!(12.25)));
    assert!(on("k8s.pod.name", "log_resource_attribute", "gt", json!("api-0")), "text compares as text");
}

#[test]
fn missing_or_non_numeric_attributes_fail_positive_and_pass_negative_operators() {
    for (op, expected) in [("exact", false), ("gt", false), ("lt", false), ("is_not", true)] {
        assert_eq!(on("missing", "log_attribute", op, json!(5)), expected, "missing {op}");
        assert_eq!(on("http.method", "log_attribute", op, json!(5)), expected, "non-numeric {op}");
    }
    for (op, expected) in [("icontains", false), ("not_icontains", true), ("starts_with", false)] {
        assert_eq!(on("missing", "log_resource_attribute", op, json!("a")), expected, "{op}");
    }
    assert!(!on("missing", "log_attribute", "icontains", json!("")), "even an empty needle needs the key");
}

#[test]
fn date_operators() {
    let d = |op: &str, value: &str| on("created", "log_attribute", op, json!(value));
    assert!(d("is_date_exact", "2024-01-15") && !d("is_date_exact", "2024-01-16"), "whole day");
    assert!(d("is_date_exact", "2024-01-15T12:20:30.900+02:00"), "same second");
    assert!(!d("is_date_exact", "2024-01-15T10:20:31Z"));
    assert!(d("is_date_before", "2024-01-15T10:20:31Z") && !d("is_date_before", "2024-01-15T10:20:30Z"));
    assert!(d("is_date_after", "2024-01-15") && !d("is_date_after", "2024-01-16"));
    assert!(!on("http.method", "log_attribute", "is_date_after", json!("2000-01-01")), "not a date");
    assert!(
        compile_err(json!([{"key": "created", "type": "log_attribute", "operator": "is_date_after",
        "value": "-7d"}]))
        .contains("'-7d' is not an ISO 8601 date")
    );
}

#[test]
fn is_set_and_is_not_set() {
    assert!(
        on("user", "log_attribute", "is_set", Value::Null)
            && !on("user", "log_attribute", "is_not_set", Value::Null)
    );
    assert!(on("nope", "log_resource_attribute", "is_not_set", Value::Null));
    assert!(on("message", "log", "is_set", Value::Null) && on("trace_id", "log", "is_set", Value::Null));
    let mut r = record();
    r.span_id = [0; 8];
    assert!(leaf(json!({"key": "span_id", "type": "log", "operator": "is_not_set"})).matches(&r));
}

#[test]
fn log_fields() {
    assert!(on("message", "log", "icontains", json!("connection timeout")));
    assert!(!on("message", "log", "exact", json!("connection")));
    assert!(on("service_name", "log", "exact", json!(["web", "api-gateway"])));
    assert!(on("service_name", "log", "starts_with", json!("API")));
    assert!(on("severity_level", "log", "exact", json!(["warn", "error"])));
    assert!(!on("severity_level", "log", "exact", json!("ERROR")), "case-sensitive, unknown never matches");
    assert!(on("severity_level", "log", "is_not", json!(["info"])));
    assert!(!on("severity_level", "log", "is_not", json!("error")));
}

#[test]
fn trace_and_span_ids_accept_hex_and_base64() {
    let hex = "AB".repeat(16);
    assert!(on("trace_id", "log", "exact", json!(hex)));
    assert!(on("trace_id", "log", "exact", json!(hex.to_lowercase())));
    assert!(on("trace_id", "log", "exact", json!("q6urq6urq6urq6urq6urqw==")), "stored base64");
    assert!(
        !on("trace_id", "log", "exact", json!("garbage"))
            && on("trace_id", "log", "is_not", json!("garbage"))
    );
    assert!(on("span_id", "log", "exact", json!(["00", "cdcdcdcdcdcdcdcd"])));
    assert!(!on("span_id", "log", "is_not", json!("CDCDCDCDCDCDCDCD")));
}

#[test]
fn validation_errors_are_clear() {
    let f = |key: &str, ty: &str, op: &str, value: Value| {
        compile_err(json!([{"key": key, "type": ty, "operator": op, "value": value}]))
    };
    assert!(
        f("message", "log", "regex", json!("a("))
            .starts_with("Invalid filterGroup at [0]: invalid regular expression 'a('")
    );
    assert!(f("user", "log_attribute", "not_regex", json!("[z-a]")).contains("invalid regular expression"));
    assert!(
        f("user", "log_attribute", "regex", json!("a{1000}{1000}")).contains("invalid regular expression")
    );
    assert!(f("pattern", "log", "exact", json!("x")).contains("unknown log field 'pattern'"));
    assert!(
        f("severity_level", "log", "icontains", json!("err"))
            .contains("severity_level only supports the exact and is_not")
    );
    assert!(f("trace_id", "log", "gt", json!("1")).contains("trace_id only supports"));
    assert!(f("user", "log_attribute", "exact", Value::Null).contains("needs a value"));
    assert!(f("user", "log_attribute", "exact", json!({"a": 1})).contains("strings, numbers or booleans"));
    assert!(f("user", "log_attribute", "between", json!(1)).contains("\"between\" is not a valid choice."));
    assert!(f("", "log_attribute", "exact", json!(1)).contains("key must not be empty"));
    assert!(f("user", "person", "exact", json!(1)).contains("\"person\" is not a valid choice."));
    let nested = json!({"type": "AND", "values": [{"type": "OR", "values": [
        {"key": "a", "type": "log_attribute", "operator": "regex", "value": "("}]}]});
    assert!(compile_err(nested).starts_with("Invalid filterGroup at values[0].values[0]: invalid regular"));
    assert!(compile_err(json!({"type": "XOR", "values": []})).contains("\"AND\" or \"OR\""));
    assert!(compile_err(json!([1])).contains("a filter must be an object"));
    assert!(compile_err(json!("x")).contains("expected a list of filters"));
}

#[test]
fn operator_defaults_to_exact_and_empty_lists_constrain_nothing() {
    assert!(leaf(json!({"key": "http.method", "type": "log_attribute", "value": "GET"})).matches(&record()));
    let empty =
        leaf(json!({"key": "http.method", "type": "log_attribute", "operator": "exact", "value": []}));
    assert_eq!(empty.compile(), Ok(None));
    assert!(empty.matches(&record()));
}

#[test]
fn or_groups_need_one_branch_and_groups_need_all() {
    let yes = json!({"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "GET"});
    let no = json!({"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "PUT"});
    let group = |ty: &str, a: &Value, b: &Value| {
        FilterGroup::from_json(&json!({"type": ty, "values": [a, b]})).unwrap()
    };
    assert!(group("OR", &yes, &no).matches(&record()));
    assert!(!group("AND", &yes, &no).matches(&record()));
    assert!(group("AND", &yes, &yes).matches(&record()));
    assert!(!group("OR", &no, &no).matches(&record()));
}

#[test]
fn empty_groups_are_pruned_not_evaluated() {
    let no = json!({"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "PUT"});
    let g = FilterGroup::from_json(&json!({"type": "OR", "values": [{"type": "AND", "values": []}, no]}))
        .unwrap();
    assert!(!g.matches(&record()), "the empty branch does not make the OR vacuous");
    let empty =
        FilterGroup::from_json(&json!({"type": "OR", "values": [{"type": "AND", "values": []}]})).unwrap();
    assert!(empty.compile().unwrap().is_match_all());
    assert!(empty.matches(&record()));
    assert!(!CompiledGroup::never().matches(&record()));
}

#[test]
fn required_keys_follow_and_or_structure() {
    let g = FilterGroup::from_json(&json!({"type": "AND", "values": [
        {"key": "b", "type": "log_attribute", "operator": "exact", "value": "1"},
        {"key": "neg", "type": "log_attribute", "operator": "is_not", "value": "1"},
        {"key": "message", "type": "log", "operator": "icontains", "value": "x"},
        {"type": "OR", "values": [
            {"key": "pod", "type": "log_resource_attribute", "operator": "exact", "value": "a"},
            {"type": "AND", "values": [
                {"key": "pod", "type": "log_resource_attribute", "operator": "is_set"},
                {"key": "only_here", "type": "log_attribute", "operator": "gt", "value": 1}]}]}]}))
    .unwrap();
    let c = g.compile().unwrap();
    assert_eq!(c.required_keys(), [(AttributeScope::Log, "b"), (AttributeScope::Resource, "pod")]);
    assert!(CompiledGroup::default().required_keys().is_empty());
}

#[test]
fn invalid_hand_built_filters_match_nothing() {
    let f = Filter {
        key: "x".into(),
        filter_type: FilterType::Log,
        operator: Operator::Exact,
        value: json!("a"),
    };
    assert!(!f.matches(&record()));
    assert!(!FilterGroup::from_filters(vec![f]).matches(&record()));
}

#[test]
fn case_insensitive_contains_handles_unicode() {
    use super::compile::contains_ci;
    assert!(contains_ci("Connection TIMEOUT", "timeout"));
    assert!(contains_ci("ÉCOLE", "éc") && !contains_ci("ecole", "é"));
    assert!(contains_ci("anything", "") && !contains_ci("ab", "abc"));
    assert_eq!(record().severity, Severity::Error);
}

#[test]
fn regex_operators_match_like_clickhouse_match() {
    // Case-sensitive, unanchored, RE2 syntax.
    assert!(on("message", "log", "regex", json!("failed: Conn\\w+ Time")));
    assert!(!on("message", "log", "regex", json!("connection timeout")));
    assert!(on("message", "log", "regex", json!("(?i)connection timeout$")));
    assert!(on("message", "log", "not_regex", json!("^POST")));
    assert!(!on("message", "log", "not_regex", json!("^GET")));
    assert!(on("k8s.pod.name", "log_resource_attribute", "regex", json!("^api-[0-9]+$")));
    assert!(on("service_name", "log", "regex", json!(["nope", "gate"])), "a list is any of");
    assert!(!on("absent.key", "log_attribute", "regex", json!(".*")), "missing key never matches");
    assert!(on("absent.key", "log_attribute", "not_regex", json!(".*")), "so not_regex keeps it");
}
