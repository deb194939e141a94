#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;
use crate::conditions;
use crate::registry::{GatedAction, Op, Proposal};

fn proposal(
    resource_type: &str,
    op: Op,
    before: Option<Value>,
    after: Option<Value>,
    request: Value,
) -> Proposal {
    Proposal {
        resource_type: resource_type.into(),
        op,
        resource_id: (op != Op::Create).then(|| "r-1".to_string()),
        resource_name: "drop debug".into(),
        before,
        after,
        request,
        http_method: "PATCH".into(),
        preconditions: json!({"version": 3}),
    }
}

fn rule(enabled: bool, rule_type: &str, config: Value) -> Value {
    json!({"name": "drop debug", "enabled": enabled, "priority": 0, "rule_type": rule_type, "config": config})
}

fn severity(debug: Value) -> Value {
    rule(true, "severity_sampling", json!({"actions": {"DEBUG": debug, "ERROR": {"type": "keep"}}}))
}

fn rate(enabled: bool, config: Value) -> Value {
    rule(enabled, "rate_limit", config)
}

fn update(rt: &str, before: Value, after: Value) -> Proposal {
    proposal(rt, Op::Update, Some(before), Some(after), json!({"changed": true}))
}

#[test]
fn sampling_enable_is_off_to_on_or_a_rule_born_enabled() {
    let a = EnableRule;
    let cfg = json!({"logs_per_second": 10});
    assert!(a.detect(&update(SAMPLING_RULE, rate(false, cfg.clone()), rate(true, cfg.clone()))));
    assert!(
        !a.detect(&update(SAMPLING_RULE, rate(true, cfg.clone()), rate(true, cfg.clone()))),
        "already on"
    );
    assert!(
        !a.detect(&update(SAMPLING_RULE, rate(true, cfg.clone()), rate(false, cfg.clone()))),
        "turned off"
    );
    let born_on =
        proposal(SAMPLING_RULE, Op::Create, None, Some(rate(true, cfg.clone())), json!({"enabled": true}));
    let born_off = proposal(SAMPLING_RULE, Op::Create, None, Some(rate(false, cfg.clone())), json!({}));
    assert!(a.detect(&born_on));
    assert!(!a.detect(&born_off));

    let p = update(SAMPLING_RULE, rate(false, cfg.clone()), rate(true, cfg));
    let intent = a.intent(&p).unwrap();
    assert_eq!((intent["rule_id"].clone(), intent["rule_name"].clone()), (json!("r-1"), json!("drop debug")));
    assert_eq!(
        (intent["current_state"].clone(), intent["gated_changes"].clone()),
        (json!({"enabled": false}), json!({"enabled": true}))
    );
    assert_eq!(
        (intent["full_request_data"].clone(), intent["preconditions"].clone()),
        (p.request.clone(), json!({"version": 3}))
    );
    let shown = a.display(&intent);
    assert_eq!(shown["description"], "Enable sampling rule 'drop debug'");
    assert_eq!((shown["before"].clone(), shown["after"].clone()), (json!({"enabled": false}), p.request));
    let created = a.display(&a.intent(&born_on).unwrap());
    assert_eq!(created["description"], "Create sampling rule 'drop debug' enabled");
    assert!(!a.supports_conditions());
}

#[test]
fn sampling_update_sees_rate_changes_as_path_lists() {
    let a = UpdateRule;
    let p = update(
        SAMPLING_RULE,
        severity(json!({"type": "sample", "rate": 0.5})),
        severity(json!({"type": "sample", "rate": 0.1})),
    );
    assert!(a.detect(&p));
    let intent = a.intent(&p).unwrap();
    let rates = |v: &Value| v["sample_rate"].clone();
    assert_eq!(
        rates(&intent["current_state"]),
        json!([{"path": "DEBUG", "value": 0.5}, {"path": "INFO", "value": 1.0}, {"path": "WARN", "value": 1.0}, {"path": "ERROR", "value": 1.0}])
    );
    assert_eq!(intent["gated_changes"]["sample_rate"][0], json!({"path": "DEBUG", "value": 0.1}));
    assert_eq!(intent["triggered_paths"], json!(["DEBUG"]));
    assert_eq!(
        a.display(&intent)["description"],
        "Change sampling of rule 'drop debug': DEBUG sample rate 0.5 -> 0.1"
    );
    assert!(a.supports_conditions());

    // A condition on a level's kept share.
    let below_half = json!({"type": "before_after", "field": "sample_rate", "operator": "<", "value": 0.2});
    assert!(conditions::matches(&below_half, &intent, true));

    // drop counts as keeping nothing; keep and no action as everything.
    let dropped = update(SAMPLING_RULE, severity(json!({"type": "keep"})), severity(json!({"type": "drop"})));
    assert_eq!(a.intent(&dropped).unwrap()["gated_changes"]["sample_rate"][0]["value"], json!(0.0));

    let unchanged =
        update(SAMPLING_RULE, severity(json!({"type": "keep"})), severity(json!({"type": "keep"})));
    assert!(!a.detect(&unchanged), "same config");
    let renamed = rule(
        true,
        "severity_sampling",
        json!({"actions": {"DEBUG": {"type": "keep"}, "ERROR": {"type": "keep"}}}),
    );
    let mut other_name = renamed.clone();
    other_name["name"] = json!("renamed");
    other_name["enabled"] = json!(false);
    assert!(!a.detect(&update(SAMPLING_RULE, renamed, other_name)), "name and enabled are not gated fields");
    assert!(!a.detect(&proposal(SAMPLING_RULE, Op::Delete, Some(severity(json!({}))), None, json!({}))));
}

#[test]
fn sampling_update_reads_rate_limits_and_drop_patterns() {
    let a = UpdateRule;
    let p = update(
        SAMPLING_RULE,
        rate(true, json!({"logs_per_second": 100})),
        rate(true, json!({"logs_per_second": 10, "burst_logs": 20})),
    );
    let intent = a.intent(&p).unwrap();
    assert_eq!(intent["current_state"], json!({"logs_per_second": 100, "kb_per_second": null, "burst": 300}));
    assert_eq!(intent["gated_changes"], json!({"logs_per_second": 10, "kb_per_second": null, "burst": 20}));
    assert_eq!(intent["triggered_paths"], json!(["logs_per_second", "burst"]));
    assert_eq!(
        a.display(&intent)["description"],
        "Change sampling of rule 'drop debug': logs per second 100 -> 10; burst 300 -> 20"
    );
    let halved = json!({"type": "change_amount", "field": "logs_per_second", "operator": "<=", "value": -50});
    assert!(conditions::matches(&halved, &intent, true));

    let drop = |patterns: Value| rule(true, "path_drop", json!({"patterns": patterns}));
    let p = update(SAMPLING_RULE, drop(json!(["^/health"])), drop(json!(["^/health", "^/metrics"])));
    assert!(a.detect(&p));
    let intent = a.intent(&p).unwrap();
    assert_eq!(intent["gated_changes"]["patterns"][1], json!({"path": "patterns[1]", "value": "^/metrics"}));
    assert_eq!(intent["triggered_paths"], json!(["patterns[1]"]));
    assert_eq!(
        a.display(&intent)["description"],
        "Change sampling of rule 'drop debug': patterns[1] N/A -> ^/metrics"
    );
}

#[test]
fn sampling_delete_is_any_delete() {
    let a = DeleteRule;
    let p =
        proposal(SAMPLING_RULE, Op::Delete, Some(rate(true, json!({"logs_per_second": 5}))), None, json!({}));
    assert!(a.detect(&p));
    assert!(!a.detect(&update(SAMPLING_RULE, rate(true, json!({})), rate(false, json!({})))));
    let intent = a.intent(&p).unwrap();
    assert_eq!(intent["current_state"]["enabled"], json!(true));
    assert_eq!(intent["gated_changes"], json!({"deleted": true}));
    let shown = a.display(&intent);
    assert_eq!(shown["description"], "Delete sampling rule 'drop debug'");
    assert_eq!(shown["after"], json!({"deleted": true}));
}

fn alert(enabled: bool, threshold: i64, window: i64, periods: i64) -> Value {
    json!({"name": "errors", "enabled": enabled, "threshold_count": threshold, "window_minutes": window,
           "evaluation_periods": periods, "cooldown_minutes": 0})
}

fn named(mut p: Proposal, name: &str) -> Proposal {
    p.resource_name = name.into();
    p
}

#[test]
fn alert_disable_is_on_to_off_only() {
    let a = DisableAlert;
    let p = named(update(ALERT, alert(true, 10, 5, 1), alert(false, 10, 5, 1)), "errors");
    assert!(a.detect(&p));
    assert!(!a.detect(&update(ALERT, alert(false, 10, 5, 1), alert(false, 10, 5, 1))), "already off");
    assert!(!a.detect(&update(ALERT, alert(false, 10, 5, 1), alert(true, 10, 5, 1))), "turned on");
    let intent = a.intent(&p).unwrap();
    assert_eq!((intent["alert_id"].clone(), intent["alert_name"].clone()), (json!("r-1"), json!("errors")));
    assert_eq!(intent["gated_changes"], json!({"enabled": false}));
    assert_eq!(a.display(&intent)["description"], "Disable alert 'errors'");
    assert!(!a.supports_conditions());
}

#[test]
fn alert_update_is_a_threshold_window_or_periods_change_not_a_toggle() {
    let a = UpdateAlert;
    let p = named(update(ALERT, alert(true, 10, 5, 1), alert(true, 100, 5, 1)), "errors");
    assert!(a.detect(&p));
    assert!(!a.detect(&update(ALERT, alert(true, 10, 5, 1), alert(false, 10, 5, 1))), "only enabled changes");
    let mut cooldown = alert(true, 10, 5, 1);
    cooldown["cooldown_minutes"] = json!(30);
    assert!(!a.detect(&update(ALERT, alert(true, 10, 5, 1), cooldown)), "not a gated field");
    assert!(a.detect(&update(ALERT, alert(true, 10, 5, 1), alert(true, 10, 60, 1))), "window");
    assert!(a.detect(&update(ALERT, alert(true, 10, 5, 1), alert(true, 10, 5, 3))), "periods");

    let intent = a.intent(&p).unwrap();
    assert_eq!(
        intent["current_state"],
        json!({"threshold_count": 10, "window_minutes": 5, "evaluation_periods": 1})
    );
    assert_eq!(intent["gated_changes"]["threshold_count"], json!(100));
    assert_eq!(intent["triggered_paths"], json!(["threshold_count"]));
    assert_eq!(
        a.display(&intent)["description"],
        "Change threshold of alert 'errors': threshold count 10 -> 100"
    );
    let over_50 = json!({"type": "before_after", "field": "threshold_count", "operator": ">", "value": 50});
    assert!(conditions::matches(&over_50, &intent, true));
    let two = a.intent(&update(ALERT, alert(true, 10, 5, 1), alert(true, 20, 15, 1))).unwrap();
    assert_eq!(
        a.display(&two)["description"],
        "Change threshold of alert 'drop debug': threshold count 10 -> 20; window minutes 5 -> 15"
    );
    assert!(a.supports_conditions());
}

#[test]
fn alert_delete_is_any_delete() {
    let a = DeleteAlert;
    let p = named(proposal(ALERT, Op::Delete, Some(alert(true, 10, 5, 1)), None, json!({})), "errors");
    assert!(a.detect(&p));
    let intent = a.intent(&p).unwrap();
    assert_eq!(intent["current_state"]["threshold_count"], json!(10));
    assert_eq!(a.display(&intent)["description"], "Delete alert 'errors'");
}

#[test]
fn retention_decrease_is_a_lower_retention() {
    let a = RetentionDecrease;
    let project = |days: i64| json!({"name": "Default", "timezone": "UTC", "retention_days": days});
    let mut p = named(update(PROJECT, project(30), project(7)), "Default");
    p.resource_id = Some("2".into());
    p.preconditions = json!({"retention_days": 30});
    assert!(a.detect(&p));
    assert!(!a.detect(&update(PROJECT, project(7), project(30))), "raising");
    assert!(!a.detect(&update(PROJECT, project(7), project(7))), "unchanged");
    let intent = a.intent(&p).unwrap();
    assert_eq!((intent["project_id"].clone(), intent["project_name"].clone()), (json!(2), json!("Default")));
    assert_eq!(
        (intent["current_state"].clone(), intent["gated_changes"].clone()),
        (json!({"retention_days": 30}), json!({"retention_days": 7}))
    );
    assert_eq!(a.display(&intent)["description"], "Lower retention of project 'Default' from 30 to 7 days");
    let week_or_more =
        json!({"type": "change_amount", "field": "retention_days", "operator": "<=", "value": -7});
    assert!(conditions::matches(&week_or_more, &intent, true));
    let small = a.intent(&update(PROJECT, project(30), project(29))).unwrap();
    assert!(!conditions::matches(&week_or_more, &small, true));
}

#[test]
fn level_change_is_a_raise_to_admin_or_owner() {
    let a = LevelChange;
    let member = |level: i64| json!({"level": level, "email": "ada@example.com", "user_uuid": "u-1"});
    let p = named(update(MEMBER, member(1), member(8)), "ada@example.com");
    assert!(a.detect(&p));
    assert!(a.detect(&update(MEMBER, member(8), member(15))));
    assert!(!a.detect(&update(MEMBER, member(15), member(8))), "lowering");
    assert!(!a.detect(&update(MEMBER, member(8), member(8))), "unchanged");
    let intent = a.intent(&p).unwrap();
    assert_eq!(
        (intent["user_uuid"].clone(), intent["email"].clone()),
        (json!("r-1"), json!("ada@example.com"))
    );
    assert_eq!(intent["gated_changes"], json!({"level": 8}));
    assert_eq!(
        a.display(&intent)["description"],
        "Raise organization member 'ada@example.com' from member to administrator"
    );
    assert!(a.organization_level() && a.supports_conditions());
    let to_owner = json!({"type": "before_after", "field": "level", "operator": "==", "value": 15});
    assert!(!conditions::matches(&to_owner, &intent, true));
}

#[test]
fn logstead_registers_the_eight_actions_in_detection_order() {
    struct Nothing;
    impl crate::registry::Applier for Nothing {
        fn apply(
            &self,
            _: &crate::ChangeRequest,
            _: time::OffsetDateTime,
        ) -> Result<crate::Applied, crate::ApplyError> {
            Err(crate::ApplyError::Other("no".into()))
        }
        fn preconditions(&self, _: &crate::ChangeRequest) -> Result<Option<Value>, String> {
            Ok(None)
        }
    }
    let n: Arc<dyn crate::registry::Applier> = Arc::new(Nothing);
    let r = logstead(LogsteadAppliers {
        sampling_rule: n.clone(),
        alert: n.clone(),
        project: n.clone(),
        member: n,
    });
    assert_eq!(
        r.keys(),
        vec![
            SAMPLING_RULE_ENABLE,
            SAMPLING_RULE_UPDATE,
            SAMPLING_RULE_DELETE,
            ALERT_DISABLE,
            ALERT_UPDATE,
            ALERT_DELETE,
            RETENTION_DECREASE,
            MEMBER_LEVEL_CHANGE
        ]
    );
    let p = update(ALERT, alert(true, 10, 5, 1), alert(false, 100, 5, 1));
    let found: Vec<&str> = r.detect(&p).map(|e| e.action.key()).collect();
    assert_eq!(found, vec![ALERT_DISABLE, ALERT_UPDATE]);
}
