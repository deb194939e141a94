use super::*;
use serde_json::json;

/// A `feature_flag.update`-style intent: rollout percentages per path.
fn rollout(before: &[(&str, Value)], after: &[(&str, Value)]) -> Value {
    let list = |e: &[(&str, Value)]| -> Value {
        e.iter().map(|(p, v)| json!({"path": p, "value": v})).collect::<Vec<_>>().into()
    };
    json!({
        "current_state": {"rollout_percentage": list(before)},
        "gated_changes": {"rollout_percentage": list(after)},
    })
}

fn cond(kind: &str, op: &str, value: Value) -> Value {
    json!({"type": kind, "field": "rollout_percentage", "operator": op, "value": value})
}

fn m(c: &Value, intent: &Value) -> bool {
    matches(c, intent, true)
}

const G0: &str = "groups[0].rollout_percentage";
const G1: &str = "groups[1].rollout_percentage";

#[test]
fn empty_conditions_always_match() {
    let intent = rollout(&[(G0, json!(10))], &[(G0, json!(10))]);
    for c in [json!({}), Value::Null, json!([])] {
        assert!(m(&c, &intent), "{c}");
        assert!(matches(&c, &json!({}), false), "{c}");
    }
}

#[test]
fn before_after_compares_any_after_value() {
    let c = cond("before_after", ">", json!(50));
    // The spec's example: 80% is gated, 40% is not.
    assert!(m(&c, &rollout(&[(G0, json!(100))], &[(G0, json!(80))])));
    assert!(!m(&c, &rollout(&[(G0, json!(100))], &[(G0, json!(40))])));
    // Any path over the threshold is enough.
    assert!(m(&c, &rollout(&[], &[(G0, json!(10)), (G1, json!(51))])));
    assert!(!m(&c, &rollout(&[], &[(G0, json!(50)), (G1, json!(50.0))])));
    // No after values: nothing to gate.
    assert!(!m(&c, &rollout(&[(G0, json!(90))], &[])));
    assert!(!m(&c, &json!({})));
}

#[test]
fn every_operator() {
    let intent = rollout(&[], &[(G0, json!(50))]);
    let cases = [
        (">", 49, true),
        (">", 50, false),
        ("<", 51, true),
        ("<", 50, false),
        (">=", 50, true),
        (">=", 51, false),
        ("<=", 50, true),
        ("<=", 49, false),
        ("==", 50, true),
        ("==", 49, false),
        ("!=", 49, true),
        ("!=", 50, false),
    ];
    for (op, v, want) in cases {
        assert_eq!(m(&cond("before_after", op, json!(v)), &intent), want, "50 {op} {v}");
    }
    // Ints and floats compare numerically, as in Python.
    assert!(m(&cond("before_after", "==", json!(50.0)), &intent));
    assert!(m(&cond("before_after", "<", json!(50.5)), &intent));
}

#[test]
fn change_amount_compares_the_delta_on_shared_paths() {
    let up = rollout(&[(G0, json!(10))], &[(G0, json!(40))]);
    assert!(m(&cond("change_amount", ">", json!(20)), &up));
    assert!(!m(&cond("change_amount", ">", json!(30)), &up));
    assert!(m(&cond("change_amount", "==", json!(30)), &up));
    let down = rollout(&[(G0, json!(40))], &[(G0, json!(10))]);
    assert!(m(&cond("change_amount", "<", json!(-20)), &down));
    assert!(!m(&cond("change_amount", ">", json!(0)), &down));
    // A path on one side only has no delta.
    let added = rollout(&[(G0, json!(0))], &[(G0, json!(0)), (G1, json!(100))]);
    assert!(!m(&cond("change_amount", ">", json!(0)), &added));
    // Floats.
    let fine = rollout(&[(G0, json!(10.5))], &[(G0, json!(11))]);
    assert!(m(&cond("change_amount", "==", json!(0.5)), &fine));
}

#[test]
fn any_change_sees_changed_added_and_removed_paths() {
    let c = json!({"type": "any_change", "field": "rollout_percentage"});
    assert!(m(&c, &rollout(&[(G0, json!(10))], &[(G0, json!(20))])));
    assert!(!m(&c, &rollout(&[(G0, json!(10))], &[(G0, json!(10))])));
    assert!(!m(&c, &rollout(&[(G0, json!(10))], &[(G0, json!(10.0))])));
    assert!(m(&c, &rollout(&[(G0, json!(10))], &[(G0, json!(10)), (G1, json!(5))])));
    assert!(m(&c, &rollout(&[(G0, json!(10)), (G1, json!(5))], &[(G0, json!(10))])));
    assert!(!m(&c, &rollout(&[], &[])));
    // Python's dict: a repeated path keeps its last value.
    assert!(!m(&c, &rollout(&[(G0, json!(1)), (G0, json!(2))], &[(G0, json!(2))])));
}

#[test]
fn scalar_sides_are_one_entry_named_after_the_field() {
    let intent = json!({"current_state": {"retention_days": 30}, "gated_changes": {"retention_days": 7}});
    let c = |kind: &str, op: &str, v: Value| json!({"type": kind, "field": "retention_days", "operator": op, "value": v});
    assert!(m(&c("before_after", "<", json!(14)), &intent));
    assert!(!m(&c("before_after", ">", json!(14)), &intent));
    assert!(m(&c("change_amount", "<=", json!(-23)), &intent));
    assert!(!m(&c("change_amount", "<", json!(-23)), &intent));
    assert!(m(&json!({"type": "any_change", "field": "retention_days"}), &intent));
    let same = json!({"current_state": {"level": 8}, "gated_changes": {"level": 8}});
    assert!(!m(&json!({"type": "any_change", "field": "level"}), &same));
    // A plain list (not path entries) is one value.
    let lists = json!({"current_state": {"tags": ["a"]}, "gated_changes": {"tags": ["a", "b"]}});
    assert!(m(&json!({"type": "any_change", "field": "tags"}), &lists));
    let unchanged = json!({"current_state": {"tags": ["a"]}, "gated_changes": {"tags": ["a"]}});
    assert!(!m(&json!({"type": "any_change", "field": "tags"}), &unchanged));
    // Strings order by code point; a field only sent (created) is a change.
    let named = json!({"current_state": {"name": "b"}, "gated_changes": {"name": "c"}});
    let c2 = json!({"type": "before_after", "field": "name", "operator": ">", "value": "b"});
    assert!(m(&c2, &named));
    assert!(m(&json!({"type": "any_change", "field": "name"}), &json!({"gated_changes": {"name": "x"}})));
}

#[test]
fn fall_backs_match() {
    let intent = rollout(&[(G0, json!(10))], &[(G0, json!(10))]);
    let fallbacks = [
        json!({"type": "nonsense", "field": "rollout_percentage"}),
        json!({"field": "rollout_percentage", "operator": ">", "value": 99}),
        json!({"type": "before_after", "operator": ">", "value": 99}),
        json!({"type": "before_after", "field": "", "operator": ">", "value": 99}),
        json!({"type": "before_after", "field": "rollout_percentage", "value": 99}),
        json!({"type": "before_after", "field": "rollout_percentage", "operator": ">"}),
        json!({"type": "before_after", "field": "rollout_percentage", "operator": ">", "value": null}),
        cond("before_after", "=>", json!(99)),
        cond("before_after", "", json!(99)),
        json!({"type": "change_amount", "field": "rollout_percentage", "operator": ">"}),
        cond("change_amount", "~", json!(99)),
        json!({"type": "any_change"}),
        json!("not an object"),
        json!(42),
    ];
    for c in fallbacks {
        assert!(m(&c, &intent), "{c}");
    }
    // The same intent with a well-formed condition does not match: the fall-backs matter.
    assert!(!m(&cond("before_after", ">", json!(99)), &intent));
    assert!(!m(&cond("change_amount", ">", json!(99)), &intent));
}

#[test]
fn type_errors_are_no_match_for_that_path() {
    let mixed = rollout(&[(G0, json!(10)), (G1, json!(10))], &[(G0, json!("80")), (G1, json!(60))]);
    // "80" > 50 raises in Python: only the other path can match.
    assert!(m(&cond("before_after", ">", json!(50)), &mixed));
    assert!(!m(&cond("before_after", ">", json!(70)), &mixed));
    let text = rollout(&[(G0, json!("a"))], &[(G0, json!("b"))]);
    assert!(!m(&cond("before_after", ">", json!(50)), &text));
    assert!(!m(&cond("change_amount", ">", json!(0)), &text));
    assert!(!m(&cond("before_after", ">", json!({"x": 1})), &rollout(&[], &[(G0, json!(80))])));
    assert!(!m(&cond("before_after", ">", json!("50")), &rollout(&[], &[(G0, json!(80))])));
    // Equality between types never raises: unequal.
    assert!(!m(&cond("before_after", "==", json!("80")), &rollout(&[], &[(G0, json!(80))])));
    assert!(m(&cond("before_after", "!=", json!("80")), &rollout(&[], &[(G0, json!(80))])));
    // A null after-value is skipped, not compared.
    assert!(!m(&cond("before_after", "!=", json!(1)), &rollout(&[], &[(G0, Value::Null)])));
    // A null on either side has no delta.
    let gone = rollout(&[(G0, Value::Null)], &[(G0, json!(50))]);
    assert!(!m(&cond("change_amount", ">", json!(0)), &gone));
    // Booleans count as 0/1, as in Python.
    let flag = json!({"current_state": {"active": false}, "gated_changes": {"active": true}});
    let c = json!({"type": "change_amount", "field": "active", "operator": "==", "value": 1});
    assert!(m(&c, &flag));
}

#[test]
fn unsupported_conditions_always_match() {
    let intent = rollout(&[(G0, json!(10))], &[(G0, json!(10))]);
    let c = cond("before_after", ">", json!(99));
    assert!(!matches(&c, &intent, true));
    assert!(matches(&c, &intent, false));
    assert!(matches(&json!([c]), &intent, false));
}

#[test]
fn a_list_matches_when_any_condition_matches() {
    let intent = rollout(&[(G0, json!(10))], &[(G0, json!(40))]);
    let miss = cond("before_after", ">", json!(50));
    let hit = cond("change_amount", ">=", json!(30));
    assert!(!m(&json!([miss]), &intent));
    assert!(m(&json!([miss, hit]), &intent));
    assert!(m(&json!([hit, miss]), &intent));
    assert!(!m(&json!([miss, miss]), &intent));
    // An empty condition in the list gates, as an empty policy does.
    assert!(m(&json!([miss, {}]), &intent));
}

#[test]
fn malformed_intents_do_not_panic() {
    let c = cond("change_amount", ">", json!(0));
    for intent in [
        json!(null),
        json!([]),
        json!({"current_state": 5, "gated_changes": "x"}),
        json!({"current_state": {"rollout_percentage": [{"path": [1]}]}, "gated_changes": {"rollout_percentage": [{"path": [1], "value": 3}]}}),
    ] {
        let _ = m(&c, &intent);
        let _ = m(&json!({"type": "any_change", "field": "rollout_percentage"}), &intent);
    }
    // Non-string paths still pair up.
    let odd = json!({
        "current_state": {"rollout_percentage": [{"path": 0, "value": 1}]},
        "gated_changes": {"rollout_percentage": [{"path": 0, "value": 5}]},
    });
    assert!(m(&c, &odd));
}
