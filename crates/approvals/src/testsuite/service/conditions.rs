//! `conditions` (§4.4) as the gate applies them to stored policies: each type, each
//! fall-back, type errors, actions without condition fields, and lists (Logstead's
//! extension). Each case stores the policy's conditions, gates a write on its own
//! resource, and expects a change request (carrying those conditions in its snapshot) or
//! the write to go through.

use serde_json::{Value, json};

use super::Stage;
use super::env::*;
use crate::gate::Gated;
use crate::model::Policy;
use crate::registry::{Op, Proposal};

struct Case {
    label: &'static str,
    conditions: Value,
    proposal: Proposal,
    gated: bool,
}

fn case(label: &'static str, conditions: Value, proposal: Proposal, gated: bool) -> Case {
    Case { label, conditions, proposal, gated }
}

/// Runs `cases` under `policy` (stored here), each on resource `c<i>`.
fn run(env: &Env<'_>, policy: Policy, cases: Vec<Case>) {
    let before = env.requests().len();
    let mut policy = env.store(policy);
    for (i, c) in cases.iter().enumerate() {
        policy = env.restore(Policy { conditions: c.conditions.clone(), ..policy });
        let resource = format!("c{i}");
        let gated = match env.check(env.requester, &on(&resource, c.proposal.clone())) {
            Ok(()) => false,
            Err(Gated::Required(reply)) if reply.code == "approval_required" => {
                let r = env.stored(reply.change_request_id);
                assert_eq!(r.policy_snapshot["conditions"], c.conditions, "{}: the snapshot", c.label);
                true
            }
            Err(other) => panic!("{}: expected a 409 or the write, got {other:?}", c.label),
        };
        assert_eq!(
            gated,
            c.gated,
            "{}: {} gated",
            c.label,
            if c.gated { "should be" } else { "should not be" }
        );
    }
    let expected = cases.iter().filter(|c| c.gated).count();
    assert_eq!(env.requests().len(), before + expected, "one change request per gated case");
}

fn threshold(op: &str, value: Value) -> Value {
    json!({"type": "before_after", "field": "threshold_count", "operator": op, "value": value})
}

/// A severity-sampling rule keeping `rate` of DEBUG (every other level kept whole).
fn severity(rate: f64) -> Value {
    json!({"name": "drop debug", "enabled": true, "rule_type": "severity_sampling",
           "config": {"actions": {"DEBUG": {"type": "sample", "rate": rate}}}})
}

fn path_drop(patterns: Value) -> Value {
    json!({"name": "drop health", "enabled": true, "rule_type": "path_drop",
           "config": {"patterns": patterns, "match_attribute_key": "url.path"}})
}

/// A PATCH of a sampling rule from `before` to `after`.
fn rule_update(before: Value, after: Value) -> Proposal {
    Proposal {
        resource_type: "logs_sampling_rule".into(),
        op: Op::Update,
        resource_id: Some("rule".into()),
        resource_name: "rule".into(),
        before: Some(before),
        request: after.clone(),
        after: Some(after),
        http_method: "PATCH".into(),
        preconditions: json!({"version": 3}),
    }
}

pub fn empty_conditions_gate_every_change(stage: &Stage) {
    let env = Env::new(stage);
    // Created through the service without `conditions`: stored as `{}`.
    let body =
        json!({"action_key": "logs_alert.update", "approver_config": {"quorum": 1, "users": [env.approver]}});
    let input = serde_json::from_value(body).expect("policy input");
    let made = env.svc.create_policy(&env.caller(env.admin), &input, NOW).expect("create");
    assert_eq!(made.policy.conditions, json!({}));
    env.gated(env.requester, &alert_threshold(10, 11));
    env.repo.delete_policy(env.at(), made.policy.id, &[]).expect("delete");
    run(
        &env,
        env.policy("logs_alert.update", &[env.approver], 1),
        vec![
            case("{}", json!({}), alert_threshold(10, 11), true),
            case("[]", json!([]), alert_threshold(10, 9), true),
        ],
    );
}

pub fn before_after_gates_when_any_after_value_passes(stage: &Stage) {
    let env = Env::new(stage);
    let t = alert_threshold;
    run(
        &env,
        env.policy("logs_alert.update", &[env.approver], 1),
        vec![
            case("> 50, to 80", threshold(">", json!(50)), t(10, 80), true),
            case("> 50, to 40", threshold(">", json!(50)), t(10, 40), false),
            case("< 5, to 2", threshold("<", json!(5)), t(10, 2), true),
            case("< 5, to 5", threshold("<", json!(5)), t(10, 5), false),
            case(">= 50, to 50", threshold(">=", json!(50)), t(10, 50), true),
            case(">= 50, to 49", threshold(">=", json!(50)), t(10, 49), false),
            case("<= 5, to 5", threshold("<=", json!(5)), t(10, 5), true),
            case("<= 5, to 6", threshold("<=", json!(5)), t(10, 6), false),
            case("== 50, to 50", threshold("==", json!(50)), t(10, 50), true),
            case("== 50, to 51", threshold("==", json!(50)), t(10, 51), false),
            case("!= 50, to 51", threshold("!=", json!(50)), t(10, 51), true),
            case("!= 50, to 50", threshold("!=", json!(50)), t(10, 50), false),
        ],
    );
    // Path/value lists (as `rollout_percentage` upstream): any after value decides.
    let below_half = json!({"type": "before_after", "field": "sample_rate", "operator": "<", "value": 0.5});
    run(
        &env,
        env.policy("logs_sampling_rule.update", &[env.approver], 1),
        vec![
            case("DEBUG to 0.1", below_half.clone(), rule_update(severity(0.8), severity(0.1)), true),
            case("DEBUG to 0.6", below_half, rule_update(severity(0.8), severity(0.6)), false),
        ],
    );
}

pub fn change_amount_gates_on_the_difference(stage: &Stage) {
    let env = Env::new(stage);
    let raised = json!({"type": "change_amount", "field": "threshold_count", "operator": ">=", "value": 20});
    run(
        &env,
        env.policy("logs_alert.update", &[env.approver], 1),
        vec![
            case("+20", raised.clone(), alert_threshold(10, 30), true),
            case("+15", raised, alert_threshold(10, 25), false),
        ],
    );
    let halved = json!({"type": "change_amount", "field": "sample_rate", "operator": "<=", "value": -0.5});
    run(
        &env,
        env.policy("logs_sampling_rule.update", &[env.approver], 1),
        vec![
            case("DEBUG -0.7", halved.clone(), rule_update(severity(0.8), severity(0.1)), true),
            case("DEBUG -0.2", halved, rule_update(severity(0.8), severity(0.6)), false),
        ],
    );
}

pub fn any_change_gates_a_changed_or_added_path(stage: &Stage) {
    let env = Env::new(stage);
    let any = |field: &str| json!({"type": "any_change", "field": field});
    run(
        &env,
        env.policy("logs_alert.update", &[env.approver], 1),
        vec![
            case("the threshold changed", any("threshold_count"), alert_threshold(10, 11), true),
            case("the window did not", any("window_minutes"), alert_threshold(10, 11), false),
        ],
    );
    let added = rule_update(path_drop(json!(["^/health"])), path_drop(json!(["^/health", "^/metrics"])));
    run(
        &env,
        env.policy("logs_sampling_rule.update", &[env.approver], 1),
        vec![
            case("a pattern added (one side only)", any("patterns"), added.clone(), true),
            case("the attribute did not change", any("match_attribute_key"), added, false),
        ],
    );
}

pub fn every_fall_back_gates(stage: &Stage) {
    let env = Env::new(stage);
    // 10 → 11 is far from any threshold here: only a fall-back gates it.
    let t = || alert_threshold(10, 11);
    let f = "threshold_count";
    run(
        &env,
        env.policy("logs_alert.update", &[env.approver], 1),
        vec![
            case("complete: no match", threshold(">", json!(1000)), t(), false),
            case(
                "unknown type",
                json!({"type": "percent", "field": f, "operator": ">", "value": 1000}),
                t(),
                true,
            ),
            case("missing type", json!({"field": f, "operator": ">", "value": 1000}), t(), true),
            case("missing field", json!({"type": "before_after", "operator": ">", "value": 1000}), t(), true),
            case("missing operator", json!({"type": "before_after", "field": f, "value": 1000}), t(), true),
            case("missing value", json!({"type": "before_after", "field": f, "operator": ">"}), t(), true),
            case("unknown operator", threshold("=~", json!(1000)), t(), true),
            case(
                "change_amount, unknown operator",
                json!({"type": "change_amount", "field": f, "operator": "~", "value": 1000}),
                t(),
                true,
            ),
        ],
    );
}

pub fn a_type_error_is_no_match(stage: &Stage) {
    let env = Env::new(stage);
    run(
        &env,
        env.policy("logs_alert.update", &[env.approver], 1),
        vec![case("a number > a string", threshold(">", json!("fifty")), alert_threshold(10, 80), false)],
    );
    let grew = json!({"type": "change_amount", "field": "patterns", "operator": ">", "value": 0});
    let changed = rule_update(path_drop(json!(["^/a"])), path_drop(json!(["^/b"])));
    run(
        &env,
        env.policy("logs_sampling_rule.update", &[env.approver], 1),
        vec![case("a string minus a string", grew, changed, false)],
    );
}

pub fn conditions_on_an_action_without_condition_fields_mean_always(stage: &Stage) {
    let env = Env::new(stage);
    run(
        &env,
        env.policy("logs_alert.disable", &[env.approver], 1),
        vec![
            case("never matches, yet gates", threshold(">", json!(1000)), alert_disable(), true),
            case(
                "any_change, yet gates",
                json!({"type": "any_change", "field": "nothing"}),
                alert_disable(),
                true,
            ),
        ],
    );
}

pub fn a_list_of_conditions_gates_when_any_matches(stage: &Stage) {
    let env = Env::new(stage);
    let (high, low) = (threshold(">", json!(50)), threshold("<", json!(5)));
    run(
        &env,
        env.policy("logs_alert.update", &[env.approver], 1),
        vec![
            case("the second matches", json!([high.clone(), low.clone()]), alert_threshold(10, 2), true),
            case("the first matches", json!([high.clone(), low.clone()]), alert_threshold(10, 80), true),
            case("neither matches", json!([high, low]), alert_threshold(10, 20), false),
        ],
    );
}
