use serde_json::{Value, json};

use super::*;
use crate::testutil::{T0, rule};

fn ctx() -> Ctx {
    Ctx { team_id: 1, author: Some(7), new_id: Uuid::from_u128(99), next_priority: 4, now: T0 }
}

fn input(v: Value) -> RuleInput {
    serde_json::from_value(v).expect("input")
}

fn create(v: Value) -> Result<SamplingRule> {
    apply(None, &input(v), Mode::Create, ctx())
}

/// (attr, detail) of a validation error.
fn err(r: Result<SamplingRule>) -> (Option<&'static str>, String) {
    match r {
        Err(SamplingError::Invalid { attr, detail, .. }) => (attr, detail),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn path_drop(extra: Value) -> Value {
    let mut v = json!({"name": "n", "rule_type": "path_drop", "config": {"patterns": ["^/h"]}});
    if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    v
}

#[test]
fn create_defaults() {
    let r = create(path_drop(json!({}))).expect("valid");
    assert_eq!((r.enabled, r.priority, r.version, r.created_by), (false, 4, 1, Some(7)));
    assert_eq!(r.scope_attribute_filters, json!([]));
    assert_eq!(r.scope_service, None);
    assert_eq!(create(path_drop(json!({"priority": null}))).expect("null appends").priority, 4);
    assert_eq!(create(path_drop(json!({"priority": 0}))).expect("0").priority, 0);
}

#[test]
fn field_messages() {
    assert_eq!(
        err(create(json!({"rule_type": "path_drop", "config": {}}))),
        (Some("name"), "This field is required.".into())
    );
    assert_eq!(
        err(create(path_drop(json!({"name": ""})))),
        (Some("name"), "This field may not be blank.".into())
    );
    let long = "x".repeat(256);
    assert_eq!(
        err(create(path_drop(json!({"name": long})))).1,
        "Ensure this field has no more than 255 characters."
    );
    assert_eq!(create(path_drop(json!({"name": "x".repeat(255)}))).map(|r| r.name.len()).ok(), Some(255));
    assert_eq!(
        err(create(path_drop(json!({"rule_type": "nope"})))),
        (Some("rule_type"), "\"nope\" is not a valid choice.".into())
    );
    assert_eq!(err(create(json!({"name": "n", "config": {}}))).0, Some("rule_type"));
    assert_eq!(
        err(create(json!({"name": "n", "rule_type": "path_drop"}))),
        (Some("config"), "This field is required.".into())
    );
    assert_eq!(
        err(create(path_drop(json!({"priority": -1})))).1,
        "Ensure this value is greater than or equal to 0."
    );
    assert_eq!(err(create(path_drop(json!({"scope_service": " "})))).1, "This field may not be blank.");
    assert_eq!(err(create(path_drop(json!({"scope_service": "s".repeat(513)})))).0, Some("scope_service"));
    assert_eq!(
        err(create(path_drop(json!({"scope_path_pattern": "p".repeat(1025)})))).0,
        Some("scope_path_pattern")
    );
    let (attr, detail) = err(create(path_drop(json!({"scope_attribute_filters": [{"key": "a"}]}))));
    assert_eq!(
        (attr, detail.as_str()),
        (
            Some("scope_attribute_filters"),
            "Each scope_attribute_filters entry must be an object with \"key\" and \"op\"."
        )
    );
    assert!(
        create(path_drop(json!({"scope_attribute_filters": [{"key": "a", "op": "eq", "value": 1}]}))).is_ok()
    );
    assert_eq!(
        err(create(path_drop(json!({"scope_attribute_filters": {}})))).0,
        Some("scope_attribute_filters")
    );
}

#[test]
fn config_messages_per_type() {
    let cfg = |t: &str, c: Value| err(create(json!({"name": "n", "rule_type": t, "config": c}))).1;
    assert_eq!(cfg("path_drop", json!([])), "config must be an object.");
    assert_eq!(cfg("path_drop", json!({"patterns": "x"})), "patterns must be a list of strings.");
    assert_eq!(cfg("path_drop", json!({"patterns": [1]})), "patterns must be a list of strings.");
    assert_eq!(cfg("path_drop", json!({"match_attribute_key": 3})), "match_attribute_key must be a string.");
    let empty = json!({"filter_group": {"type": "AND", "values": [{"type": "OR", "values": []}]}});
    assert!(cfg("path_drop", empty).contains("empty groups never match"));
    assert_eq!(cfg("rate_limit", json!({})), "Set exactly one of logs_per_second or kb_per_second.");
    assert_eq!(
        cfg("rate_limit", json!({"logs_per_second": 1, "kb_per_second": 1})),
        "Set exactly one of logs_per_second or kb_per_second, not both."
    );
    assert_eq!(
        cfg("rate_limit", json!({"logs_per_second": 0})),
        "logs_per_second must be between 1 and 1000000."
    );
    assert_eq!(
        cfg("rate_limit", json!({"kb_per_second": 1_000_001})),
        "kb_per_second must be between 1 and 1000000."
    );
    assert_eq!(
        cfg("rate_limit", json!({"logs_per_second": 10, "burst_logs": 9})),
        "burst_logs must be at least logs_per_second and at most 10000000."
    );
    assert_eq!(
        cfg("rate_limit", json!({"kb_per_second": 10, "burst_kb": 10_000_001})),
        "burst_kb must be at least kb_per_second and at most 10000000."
    );
    assert_eq!(
        cfg("rate_limit", json!({"logs_per_second": 10, "burst_kb": 10})),
        "burst_kb can only be used with kb_per_second."
    );
    assert_eq!(cfg("rate_limit", json!({"logs_per_second": "x"})), "logs_per_second must be an integer.");
    assert_eq!(
        cfg("severity_sampling", json!({"actions": {"TRACE": {"type": "drop"}}})),
        "actions keys must be among DEBUG, INFO, WARN, ERROR (got \"TRACE\")."
    );
    assert_eq!(
        cfg("severity_sampling", json!({"actions": {"INFO": {"type": "maybe"}}})),
        "actions.INFO.type must be one of keep, drop, sample."
    );
    assert_eq!(
        cfg("path_drop", json!({"always_keep": {"status_gte": "x"}})),
        "always_keep.status_gte must be a number."
    );
    assert_eq!(
        cfg("path_drop", json!({"always_keep": {"attribute_predicates": [{"key": "a", "op": "gt"}]}})),
        "always_keep predicate op must be one of exists, eq, ne."
    );
    for (t, c) in [
        ("rate_limit", json!({"logs_per_second": 1_000_000, "burst_logs": 10_000_000})),
        ("rate_limit", json!({"kb_per_second": 5, "burst_kb": 5})),
        (
            "severity_sampling",
            json!({"actions": {"DEBUG": {"type": "sample", "rate": 0.1}}, "always_keep": {"status_gte": 500}}),
        ),
    ] {
        assert!(create(json!({"name": "n", "rule_type": t, "config": c})).is_ok(), "{t}");
    }
}

#[test]
fn patch_keeps_put_resets_and_empty_groups_only_checked_when_config_is_written() {
    let mut cur = rule(1, RuleType::PathDrop, json!({"filter_group": {"type": "AND", "values": []}}));
    cur.enabled = true;
    cur.scope_service = Some("api".into());
    let patched = apply(Some(&cur), &input(json!({"name": "renamed"})), Mode::Partial, ctx()).expect("patch");
    assert_eq!(
        (patched.name.as_str(), patched.enabled, patched.scope_service.as_deref()),
        ("renamed", true, Some("api"))
    );
    assert_eq!((patched.id, patched.priority, patched.created_by), (cur.id, cur.priority, cur.created_by));
    let e = err(apply(Some(&cur), &input(json!({"config": cur.config.clone()})), Mode::Partial, ctx()));
    assert_eq!(e.0, Some("config"));
    let put = apply(
        Some(&cur),
        &input(json!({"name": "p", "rule_type": "path_drop", "config": {}})),
        Mode::Full,
        ctx(),
    )
    .expect("put");
    assert_eq!((put.enabled, put.scope_service, put.priority), (false, None, cur.priority));
    assert_eq!(err(apply(Some(&cur), &input(json!({"name": "p"})), Mode::Full, ctx())).0, Some("rule_type"));
    let retyped = apply(Some(&cur), &input(json!({"rule_type": "rate_limit"})), Mode::Partial, ctx());
    assert_eq!(
        err(retyped).1,
        "Set exactly one of logs_per_second or kb_per_second.",
        "config re-checked for the new type"
    );
}

#[test]
fn reorder_must_list_every_rule_once() {
    let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
    assert!(check_order(&[a, b], &[b, a]).is_ok());
    for bad in [vec![a], vec![a, b, b], vec![a, Uuid::from_u128(3)], vec![]] {
        match check_order(&[a, b], &bad) {
            Err(SamplingError::Invalid { detail, .. }) => {
                assert_eq!(detail, "ordered_ids must list every sampling rule for this team exactly once.")
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}
