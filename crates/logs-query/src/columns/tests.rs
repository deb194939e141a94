#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;
use crate::testutil::record;

fn col(text: &str) -> CustomColumn {
    CustomColumns::parse(&[text.to_owned()]).unwrap_or_else(|e| panic!("{text}: {}", e.detail)).0.remove(0)
}

/// The column's value on the test record (see `testutil::record`).
fn val(text: &str) -> Value {
    col(text).value(&with_json_body())
}

fn with_json_body() -> LogRecord {
    let mut r = record();
    r.body =
        r#"{"user": {"id": "u-7", "age": 41}, "tags": ["a", "b", "c"], "ok": true, "none": null}"#.into();
    r
}

fn why(text: &str) -> String {
    let e = CustomColumns::parse(&[text.to_owned()]).unwrap_err();
    assert_eq!(e.attr.as_deref(), Some("customColumns"));
    assert!(e.detail.starts_with(&format!("Invalid custom column '{text}': ")), "{}", e.detail);
    assert!(e.detail.ends_with(SUPPORTED), "names what is supported: {}", e.detail);
    e.detail
}

#[test]
fn aliases_are_posthogs_canonical_keys() {
    // sha256("upper(service_name)") = 5ab7eac4b8a0...; trimmed before hashing.
    assert_eq!(
        alias("upper(service_name)"),
        format!("col_{}", &hex::encode(Sha256::digest(b"upper(service_name)"))[..12])
    );
    assert_eq!(alias("  attributes.http.method "), alias("attributes.http.method"));
    assert_ne!(alias("attributes.a"), alias("attributes.b"));
    assert_eq!(alias("x").len(), 16);
    let cols = CustomColumns::parse(&["lower(level)".into(), "attributes.http.method".into()]).unwrap();
    assert_eq!(cols.aliases(), [alias("lower(level)"), alias("attributes.http.method")], "request order");
    assert!(CustomColumns::parse(&[]).unwrap().is_empty());
}

#[test]
fn shorthand_reads_attributes_and_body_paths() {
    assert_eq!(val("attributes.http.method"), json!("GET"), "dots stay in the key");
    assert_eq!(val("resource_attributes.k8s.pod.name"), json!("api-1"));
    assert_eq!(val("attributes.nope"), Value::Null, "missing is null");
    assert_eq!(val("body.user.id"), json!("u-7"));
    assert_eq!(val("body.user.age"), json!("41"), "a number comes back as its JSON text");
    assert_eq!(val("body.user.missing"), Value::Null);
    assert_eq!(col("body.user.id").value(&record()), Value::Null, "a body that is not JSON");
    assert!(why("body.user..id").contains("empty segment"));
}

#[test]
fn hogql_map_lookups_and_fields() {
    assert_eq!(val("attributes['http.method']"), json!("GET"));
    assert_eq!(val("resource_attributes['service.name']"), json!("api-gateway"));
    assert_eq!(val("level"), json!("error"));
    assert_eq!(val("severity_text"), json!("error"));
    assert_eq!(val("severity_number"), json!(17));
    assert_eq!(val("service_name"), json!("api-gateway"));
    assert_eq!(val("trace_id"), json!("AB".repeat(16)));
    assert_eq!(val("span_id"), json!("CD".repeat(8)));
    assert_eq!(val("timestamp"), json!("2023-11-14T22:13:20.000000+00:00"));
    assert_eq!(val("resource_fingerprint"), json!("1234567890"));
    assert_eq!(val("resource_attributes")["k8s.pod.name"], json!("api-1"));
    assert!(why("nope").contains("unknown field 'nope'"));
    assert!(why("properties.x").contains("unknown field 'properties.x'"));
    assert!(why("level['x']").contains("cannot be subscripted"));
    assert!(why("attributes[1]").contains("quoted string"));
}

#[test]
fn scalar_functions() {
    assert_eq!(val("upper(level)"), json!("ERROR"));
    assert_eq!(val("LOWER(attributes['user'])"), json!("zoë"), "names ignore case");
    assert_eq!(val("length(attributes['user'])"), json!(4), "bytes, as ClickHouse");
    assert_eq!(val("lengthUTF8(attributes['user'])"), json!(3));
    assert_eq!(val("trim('  x ')"), json!("x"));
    assert_eq!(
        val("concat(service_name, ':', attributes['http.method'], attributes['nope'])"),
        json!("api-gateway:GET")
    );
    assert_eq!(val("level || '/' || service_name"), json!("error/api-gateway"));
    assert_eq!(
        val("coalesce(attributes['nope'], resource_attributes['nope'], 'fallback')"),
        json!("fallback")
    );
    assert_eq!(val("ifNull(attributes['http.method'], 'x')"), json!("GET"));
    assert_eq!(val("toString(severity_number)"), json!("17"));
    assert_eq!(val("toInt(attributes['http.status'])"), json!(503));
    assert_eq!(val("toInt(attributes['latency_ms'])"), json!(12));
    assert_eq!(val("toFloat(attributes['latency_ms'])"), json!(12.5));
    assert_eq!(val("toInt(attributes['user'])"), Value::Null, "a failed conversion is null");
    assert_eq!(val("substring(service_name, 5)"), json!("gateway"));
    assert_eq!(val("substring(service_name, -7, 4)"), json!("gate"));
    assert_eq!(val("replaceAll(service_name, '-', '_')"), json!("api_gateway"));
    assert_eq!(val("JSONExtractString(body, 'user', 'id')"), json!("u-7"));
    assert_eq!(val("JSONExtractString(body, 'tags', -1)"), json!("c"), "1-based, negative from the end");
    assert_eq!(val("JSONExtractRaw(body, 'user')"), json!(r#"{"age":41,"id":"u-7"}"#));
    assert_eq!(val("JSONExtractString(body, 'none')"), Value::Null);
}

#[test]
fn arithmetic_and_literals() {
    assert_eq!(val("severity_number + 1"), json!(18));
    assert_eq!(val("toInt(attributes['http.status']) % 100"), json!(3));
    assert_eq!(val("attributes['latency_ms'] * 2"), json!(25.0), "numeric text counts as a number");
    assert_eq!(val("severity_number / 2"), json!(8.5), "`/` divides as floats");
    assert_eq!(val("-severity_number"), json!(-17));
    assert_eq!(val("level + 1"), Value::Null, "text is not a number");
    assert_eq!(val("9223372036854775807 + 1"), Value::Null, "overflow");
    assert_eq!(val("'x'"), json!("x"));
    assert_eq!(val("NULL"), Value::Null);
    assert_eq!(val("(1 + 2) * 3"), json!(9));
    let nested = "concat(upper(lower(trim(upper(lower(substring(level, 1, 3)))))), '!')";
    assert_eq!(val(nested), json!("ERR!"), "sensible nesting fits the parser's depth limit");
}

#[test]
fn cells_are_text() {
    let r = with_json_body();
    assert_eq!(col("severity_number").cell(&r), "17");
    assert_eq!(col("attributes.nope").cell(&r), "");
    assert_eq!(col("upper(level)").cell(&r), "ERROR");
    let cols = CustomColumns::parse(&["level".into(), "severity_number * 2".into()]).unwrap();
    assert_eq!(cols.values(&r), [json!("error"), json!(34)]);
    assert_eq!(cols.len(), 2);
}

#[test]
fn aggregations_subqueries_and_the_unknown_are_refused() {
    assert!(why("count()").contains("aggregation 'count' is not allowed"));
    assert!(why("sum(severity_number)").contains("aggregation 'sum'"));
    assert!(why("uniqExact(trace_id)").contains("aggregation 'uniqExact'"));
    assert!(why("quantile(0.5)(severity_number)").contains("aggregation"));
    assert!(why("(SELECT 1)").contains("subqueries are not allowed"));
    assert!(why("upper((SELECT body FROM logs))").contains("subqueries are not allowed"));
    assert!(why("arrayJoin([1, 2])").contains("function 'arrayJoin' is not supported"));
    assert!(why("repeat(body, 1000000)").contains("function 'repeat' is not supported"));
    assert!(why("upper(level, body)").contains("'upper' takes 1 argument(s), not 2"));
    assert!(why("substring(body)").contains("takes 2 to 3 argument(s)"));
    assert!(why("level = 'error'").contains("operator = is not supported"));
    assert!(why("upper(level) extra").contains("after the expression"));
    assert!(why("upper(").contains("cannot parse it"));
    assert!(why("").contains("empty"));
    let nest = |d: usize| format!("{}level{}", "upper(".repeat(d), ")".repeat(d));
    assert!(CustomColumns::parse(&[nest(14)]).is_ok(), "14 levels, as documented");
    assert!(why(&nest(15)).contains("cannot parse it"));
    let deep = format!("{}1{}", "upper(".repeat(200), ")".repeat(200));
    assert!(why(&deep).contains("cannot parse it"), "bounded recursion");
    assert!(why(&format!("{}1", "-".repeat(500))).contains("cannot parse it"));
    assert!(why(&format!("{}1{}", "(".repeat(500), ")".repeat(500))).contains("cannot parse it"));
}

#[test]
fn at_most_fifty() {
    let cols: Vec<String> = (0..51).map(|i| format!("attributes.k{i}")).collect();
    let e = CustomColumns::parse(&cols).unwrap_err();
    assert_eq!(
        (e.attr.as_deref(), e.detail.as_str()),
        (Some("customColumns"), "customColumns accepts at most 50 columns")
    );
    assert_eq!(CustomColumns::parse(&cols[..50]).unwrap().len(), 50);
}
