//! The gate (§4.5): availability, detection, intent and validation failures, conflict,
//! bypass, conditions, the duplicate 409 and the change request it creates, in that order.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use approvals::model::{ApproverConfig, LEVEL_ADMIN, Policy, State, ValidationStatus};
use approvals::service::ApprovalSettings;
use approvals::{Applier, ApprovalError, ApprovalRepo, Gate, Gated, GatedAction, Proposal, Registry, Who};
use common::*;
use serde_json::{Value, json};
use uuid::Uuid;

fn check(env: &Env, user: i64, p: &Proposal) -> Result<(), Gated> {
    env.svc.check(&who(user), p, NOW)
}

fn threshold_over_50(approvers: &[i64]) -> Policy {
    Policy {
        conditions: json!({"type": "before_after", "field": "threshold_count", "operator": ">", "value": 50}),
        ..policy("logs_alert.update", approvers, 1)
    }
}

#[test]
fn the_switch_off_lets_every_write_through() {
    let mut env = Env::new();
    env.policy(policy("logs_alert.disable", &[APPROVER], 1));
    env.svc.settings = ApprovalSettings { enabled: false };
    assert!(check(&env, REQUESTER, &alert_disable()).is_ok());
    assert!(env.requests().is_empty());
}

#[test]
fn no_enabled_policy_lets_the_write_through() {
    let env = Env::new();
    assert!(check(&env, REQUESTER, &alert_disable()).is_ok(), "no policy at all");
    env.policy(Policy { enabled: false, ..policy("logs_alert.disable", &[APPROVER], 1) });
    assert!(check(&env, REQUESTER, &alert_disable()).is_ok(), "a disabled policy");
    env.policy(policy("logs_alert.delete", &[APPROVER], 1));
    assert!(check(&env, REQUESTER, &alert_disable()).is_ok(), "another action's policy");
    assert!(env.requests().is_empty());
}

#[test]
fn a_gated_write_creates_a_pending_request_and_answers_409() {
    let env = Env::new();
    *env.applier.evidence.lock().unwrap() = Some(json!({"fires_last_7_days": 12}));
    let p = env.policy(Policy {
        expires_after: time::Duration::hours(5),
        ..policy("logs_alert.disable", &[APPROVER], 1)
    });
    let Err(Gated::Required(reply)) = check(&env, REQUESTER, &alert_disable()) else {
        panic!("expected a 409")
    };
    assert_eq!(reply.code, "approval_required");
    assert_eq!(reply.message, "A change request has been created and is pending approval.");
    assert_eq!(
        (reply.resource_type.as_str(), reply.resource_id.as_deref()),
        ("logs_alert", alert_disable().resource_id.as_deref())
    );
    assert_eq!(
        reply.required_approvers,
        Some(ApproverConfig { quorum: 1, users: vec![APPROVER], roles: vec![] })
    );
    // Rendered without a caller context.
    let cr = &reply.change_request;
    assert_eq!(
        (cr["can_approve"].clone(), cr["can_cancel"].clone(), cr["is_requester"].clone()),
        (json!(false), json!(false), json!(false))
    );
    assert_eq!((cr["user_decision"].clone(), cr["created_by"].clone()), (Value::Null, json!("user2")));

    let r = env.only_request();
    assert_eq!(r.id, reply.change_request_id);
    assert_eq!(
        (r.state, r.validation_status, r.created_by),
        (State::Pending, ValidationStatus::Valid, REQUESTER)
    );
    assert_eq!(
        (r.team_id, r.policy_id, r.action_key.as_str()),
        (Some(TEAM), Some(p.id), "logs_alert.disable")
    );
    assert_eq!(r.expires_at, NOW + time::Duration::hours(5));
    assert_eq!(r.policy_snapshot, p.snapshot());
    assert_eq!(r.intent["http_method"], "PATCH");
    assert_eq!(r.intent["preconditions"], json!({"version": 3}));
    assert_eq!(r.intent_display["description"], "Disable alert 'errors'");
    assert_eq!(r.intent_display["evidence"], json!({"fires_last_7_days": 12}));
    assert_eq!(env.activities(), vec![("ChangeRequest".to_string(), "created".to_string())]);
    assert!(env.applier.calls().is_empty(), "nothing is applied at creation");
}

#[test]
fn the_message_says_others_must_approve_when_the_requester_is_an_approver() {
    let env = Env::new();
    env.policy(policy("logs_alert.disable", &[REQUESTER, APPROVER], 1));
    let Err(Gated::Required(reply)) = check(&env, REQUESTER, &alert_disable()) else {
        panic!("expected a 409")
    };
    assert_eq!(reply.message, "A change request has been created and is pending approval from others.");

    let env = Env::new();
    env.policy(Policy { allow_self_approve: true, ..policy("logs_alert.disable", &[REQUESTER], 1) });
    let Err(Gated::Required(reply)) = check(&env, REQUESTER, &alert_disable()) else {
        panic!("expected a 409")
    };
    assert_eq!(reply.message, "A change request has been created and is pending approval.");
}

#[test]
fn a_second_gated_write_on_the_same_resource_is_the_pending_409() {
    let env = Env::new();
    env.policy(policy("logs_alert.disable", &[APPROVER], 1));
    let first = env.gated(REQUESTER, &alert_disable());
    let Err(Gated::Required(reply)) = check(&env, OUTSIDER, &alert_disable()) else {
        panic!("expected a 409")
    };
    assert_eq!(
        (reply.code, reply.message.as_str()),
        ("change_request_pending", "A pending approval request already exists for this action")
    );
    assert_eq!((reply.change_request_id, reply.required_approvers), (first.id, None));
    assert_eq!(env.requests().len(), 1, "nothing new was written");
}

#[test]
fn two_matching_policies_conflict_before_bypass_is_considered() {
    let env = Env::new();
    let team = env.policy(Policy {
        bypass_org_membership_levels: vec![LEVEL_ADMIN],
        ..policy("logs_alert.disable", &[APPROVER], 1)
    });
    let wide = env.policy(Policy { team_id: None, ..policy("logs_alert.disable", &[APPROVER], 1) });
    let Err(Gated::Conflict(c)) = check(&env, ADMIN, &alert_disable()) else { panic!("expected a conflict") };
    assert_eq!(c.policies, vec![(team.id, team.display_name()), (wide.id, wide.display_name())]);
    assert_eq!(c.policies[0].1, "ApprovalPolicy(logs_alert.disable, Team 1)");
    assert!(env.requests().is_empty());
}

#[test]
fn only_policies_whose_conditions_match_conflict() {
    let env = Env::new();
    env.policy(threshold_over_50(&[APPROVER]));
    let wide = env.policy(Policy {
        team_id: None,
        conditions: json!({"type": "before_after", "field": "threshold_count", "operator": "<", "value": 5}),
        ..policy("logs_alert.update", &[APPROVER2], 1)
    });
    // 10 → 80 matches only the team's policy: gated by it.
    let r = env.gated(REQUESTER, &alert_threshold(10, 80));
    assert_ne!(r.policy_id, Some(wide.id));
    // 10 → 2 matches only the organization's.
    let r = env.gated(REQUESTER, &Proposal { resource_id: Some("other".into()), ..alert_threshold(10, 2) });
    assert_eq!(r.policy_id, Some(wide.id));
}

#[test]
fn bypass_by_level_or_role_comes_before_conditions_and_the_duplicate_check() {
    let env = Env::new();
    let role = Uuid::new_v4();
    env.dir.grant(org(), OUTSIDER, role);
    env.policy(Policy {
        bypass_org_membership_levels: vec![LEVEL_ADMIN],
        bypass_roles: vec![role],
        ..policy("logs_alert.disable", &[APPROVER], 1)
    });
    env.gated(REQUESTER, &alert_disable());
    // An open request exists, yet bypassers are not told about it: they write.
    assert!(check(&env, ADMIN, &alert_disable()).is_ok(), "level 8 bypasses");
    assert!(check(&env, OUTSIDER, &alert_disable()).is_ok(), "the role bypasses");
    let Err(Gated::Required(reply)) = check(&env, APPROVER, &alert_disable()) else {
        panic!("members are gated")
    };
    assert_eq!(reply.code, "change_request_pending");
}

#[test]
fn conditions_that_do_not_match_let_the_write_through_before_the_duplicate_check() {
    let env = Env::new();
    env.policy(threshold_over_50(&[APPROVER]));
    assert!(check(&env, REQUESTER, &alert_threshold(10, 40)).is_ok(), "40 is not over 50");
    env.gated(REQUESTER, &alert_threshold(10, 80));
    assert!(check(&env, REQUESTER, &alert_threshold(10, 40)).is_ok(), "not a duplicate: not gated at all");
    let Err(Gated::Required(reply)) = check(&env, REQUESTER, &alert_threshold(10, 90)) else {
        panic!("gated")
    };
    assert_eq!(reply.code, "change_request_pending");
}

#[test]
fn the_first_registered_action_with_a_policy_wins() {
    // A PATCH that enables a rule and lowers its DEBUG rate is both `.enable` and `.update`.
    let rule = |enabled: bool, rate: f64| {
        json!({"name": "drop debug", "enabled": enabled, "rule_type": "severity_sampling",
               "config": {"actions": {"DEBUG": {"type": "sample", "rate": rate}}}})
    };
    let p = Proposal {
        resource_type: "logs_sampling_rule".into(),
        op: approvals::Op::Update,
        resource_id: Some("r1".into()),
        resource_name: "drop debug".into(),
        before: Some(rule(false, 0.5)),
        after: Some(rule(true, 0.1)),
        request: json!({"enabled": true}),
        http_method: "PATCH".into(),
        preconditions: json!({"version": 3}),
    };
    let env = Env::new();
    env.policy(policy("logs_sampling_rule.update", &[APPROVER], 1));
    assert_eq!(env.gated(REQUESTER, &p).action_key, "logs_sampling_rule.update", "only .update has a policy");
    let env = Env::new();
    env.policy(policy("logs_sampling_rule.update", &[APPROVER], 1));
    env.policy(policy("logs_sampling_rule.enable", &[APPROVER], 1));
    assert_eq!(env.gated(REQUESTER, &p).action_key, "logs_sampling_rule.enable", "registered first");
}

#[test]
fn organization_level_actions_use_the_organization_policy_and_no_team() {
    let env = Env::new();
    env.policy(Policy { team_id: None, ..policy("organization_member.level_change", &[APPROVER], 1) });
    let p = Proposal {
        resource_type: "organization_member".into(),
        op: approvals::Op::Update,
        resource_id: Some(Uuid::from_u128(9).to_string()),
        resource_name: "ada@example.com".into(),
        before: Some(json!({"level": 1, "email": "ada@example.com"})),
        after: Some(json!({"level": 15, "email": "ada@example.com"})),
        request: json!({"level": 15}),
        http_method: "PATCH".into(),
        preconditions: json!({"level": 1}),
    };
    let who = Who { team: None, ..who(ADMIN) };
    let Err(Gated::Required(reply)) = env.svc.check(&who, &p, NOW) else { panic!("gated") };
    let r = env.only_request();
    assert_eq!((r.id, r.team_id), (reply.change_request_id, None));
    assert_eq!(
        r.intent_display["description"],
        "Raise organization member 'ada@example.com' from member to owner"
    );
    assert_eq!(env.repo.audit()[0].team_id, None, "the entry has no team either");
}

/// An action whose intent or validation fails on demand.
struct Broken {
    intent_fails: bool,
}

impl GatedAction for Broken {
    fn key(&self) -> &'static str {
        "widget.break"
    }
    fn resource_type(&self) -> &'static str {
        "widget"
    }
    fn detect(&self, _: &Proposal) -> bool {
        true
    }
    fn intent(&self, _: &Proposal) -> Result<Value, String> {
        if self.intent_fails { Err("no snapshot".into()) } else { Ok(json!({})) }
    }
    fn validate(&self, _: &Value) -> Result<(), ApprovalError> {
        Err(ApprovalError::invalid("size", "invalid", "Too big."))
    }
    fn display(&self, _: &Value) -> Value {
        json!({})
    }
}

fn broken_env(intent_fails: bool) -> Env {
    let applier = Arc::new(FakeApplier::new(json!({})));
    let mut registry = Registry::new();
    let a: Arc<dyn Applier> = applier.clone();
    registry.register(Arc::new(Broken { intent_fails }), a);
    let env = Env::with_registry(registry, applier);
    env.policy(policy("widget.break", &[APPROVER], 1));
    env
}

#[test]
fn a_failing_intent_or_validation_stops_the_write_without_a_request() {
    let p = Proposal { resource_type: "widget".into(), ..alert_disable() };
    let env = broken_env(true);
    assert!(matches!(check(&env, REQUESTER, &p), Err(Gated::IntentFailed(m)) if m == "no snapshot"));
    let env = broken_env(false);
    match check(&env, REQUESTER, &p) {
        Err(Gated::Error(ApprovalError::Invalid { attr, detail, .. })) => {
            assert_eq!((attr.as_deref(), detail.as_str()), (Some("size"), "Too big."));
        }
        other => panic!("expected the validation 400, got {other:?}"),
    }
    assert!(
        env.repo
            .open_request(org(), Some(TEAM), "widget.break", "widget", p.resource_id.as_deref())
            .unwrap()
            .is_none()
    );
}
