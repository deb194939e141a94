use logs_query::Severity;
use serde_json::{Value, json};

use super::*;
use crate::testutil::record;

fn leaf(key: &str, ty: Option<&str>, op: &str, value: Value) -> Value {
    let mut v = json!({"key": key, "operator": op, "value": value});
    if let Some(t) = ty {
        v["type"] = json!(t);
    }
    v
}

fn group(t: &str, values: Vec<Value>) -> Value {
    json!({"type": t, "values": values})
}

fn nested(depth: usize) -> Value {
    let mut g = group("AND", vec![leaf("a", None, "exact", json!("1"))]);
    for _ in 1..depth {
        g = group("AND", vec![g]);
    }
    g
}

#[test]
fn depth_limit_is_sixteen() {
    assert!(RuleFilter::compile(&nested(16), true).is_ok());
    let e = RuleFilter::compile(&nested(17), true).expect_err("17 levels");
    assert!(e.contains("deeper than 16"), "{e}");
}

#[test]
fn node_limit_is_256_groups_plus_leaves() {
    let leaves =
        |n: usize| (0..n).map(|i| leaf("k", None, "exact", json!(i.to_string()))).collect::<Vec<_>>();
    assert!(RuleFilter::compile(&group("OR", leaves(255)), true).is_ok(), "1 group + 255 leaves");
    let e = RuleFilter::compile(&group("OR", leaves(256)), true).expect_err("257 nodes");
    assert!(e.contains("more than 256 nodes"), "{e}");
}

#[test]
fn empty_groups_are_rejected_on_write_and_never_match_at_evaluation() {
    let g = group("OR", vec![group("AND", vec![]), leaf("k", None, "exact", json!("v"))]);
    let e = RuleFilter::compile(&g, true).expect_err("empty inner group");
    assert!(e.contains("empty group at values[0]"), "{e}");
    let f = RuleFilter::lenient(&g);
    assert!(f.matches(&record("api", Severity::Info, &[("k", "v")])), "the other OR branch still matches");
    let and =
        RuleFilter::lenient(&group("AND", vec![group("OR", vec![]), leaf("k", None, "exact", json!("v"))]));
    assert!(!and.matches(&record("api", Severity::Info, &[("k", "v")])), "AND with an empty group: no match");
    assert!(!RuleFilter::lenient(&group("AND", vec![])).matches(&record("api", Severity::Info, &[])));
}

#[test]
fn untyped_leaves_read_attributes_then_resources() {
    let f = RuleFilter::compile(&group("AND", vec![leaf("region", None, "exact", json!("EU"))]), true)
        .expect("ok");
    let mut r = record("api", Severity::Info, &[]);
    assert!(!f.matches(&r));
    std::sync::Arc::make_mut(&mut r.resource_attributes).push(("region".into(), "eu".into()));
    std::sync::Arc::make_mut(&mut r.resource_attributes).sort();
    assert!(f.matches(&r), "resource fallback, case-insensitive exact");
    r.attributes.push(("region".into(), "us".into()));
    assert!(!f.matches(&r), "the attribute wins when present");
}

#[test]
fn column_aliases_and_declared_types() {
    let svc = RuleFilter::compile(
        &group("AND", vec![leaf("service.name", Some("log_attribute"), "exact", json!("API"))]),
        true,
    )
    .expect("ok");
    assert!(svc.matches(&record("api", Severity::Info, &[])), "falls back to the service_name column");
    assert!(
        !svc.matches(&record("api", Severity::Info, &[("service.name", "web")])),
        "declared attribute wins"
    );
    let level =
        RuleFilter::compile(&group("AND", vec![leaf("level", None, "exact", json!("WARNING"))]), true)
            .expect("ok");
    assert!(level.matches(&record("api", Severity::Warn, &[])));
    assert!(!level.matches(&record("api", Severity::Error, &[])));
    let msg = RuleFilter::compile(
        &group("AND", vec![leaf("message", Some("log"), "icontains", json!("THINGS"))]),
        true,
    )
    .expect("ok");
    assert!(msg.matches(&record("api", Severity::Info, &[])));
}

#[test]
fn regex_is_case_insensitive_and_dot_all_and_is_not_matches_absent_keys() {
    let re = RuleFilter::compile(
        &group("AND", vec![leaf("message", Some("log"), "regex", json!("get.*DONE"))]),
        true,
    )
    .expect("ok");
    let mut r = record("api", Severity::Info, &[]);
    r.body = "GET /x\nand then done".into();
    assert!(re.matches(&r));
    let not = RuleFilter::compile(&group("AND", vec![leaf("env", None, "is_not", json!("prod"))]), true)
        .expect("ok");
    assert!(not.matches(&record("api", Severity::Info, &[])));
    assert!(!not.matches(&record("api", Severity::Info, &[("env", "PROD")])));
    let num =
        RuleFilter::compile(&group("AND", vec![leaf("code", None, "exact", json!(200))]), true).expect("ok");
    assert!(num.matches(&record("api", Severity::Info, &[("code", "200.0")])), "numbers compare numerically");
}

#[test]
fn bad_leaves_are_reported_on_write_and_never_match_at_evaluation() {
    let g = group("AND", vec![leaf("k", None, "regex", json!("(unclosed"))]);
    let e = RuleFilter::compile(&g, true).expect_err("bad regex");
    assert!(e.starts_with("Invalid filter_group at values[0]"), "{e}");
    assert!(!RuleFilter::lenient(&g).matches(&record("api", Severity::Info, &[("k", "(unclosed")])));
    let empty = group("AND", vec![leaf("k", None, "exact", json!([]))]);
    assert!(
        !RuleFilter::lenient(&empty).matches(&record("api", Severity::Info, &[("k", "v")])),
        "empty value list"
    );
    assert!(RuleFilter::compile(&json!("x"), true).is_err());
}
