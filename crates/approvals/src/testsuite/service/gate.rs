//! The gate (§4.5): availability, detection, intent and validation failures, conflict,
//! bypass, conditions, the duplicate 409 and the change request it creates, in that order.

use std::sync::Arc;

use serde_json::{Value, json};
use time::Duration;
use uuid::Uuid;

use super::Stage;
use super::env::*;
use crate::error::ApprovalError;
use crate::gate::{Gate, Gated, Who};
use crate::model::{ApproverConfig, LEVEL_ADMIN, Policy, State, ValidationStatus};
use crate::registry::{Applier, GatedAction, Op, Proposal, Registry};
use crate::service::ApprovalSettings;

fn threshold_over_50(env: &Env<'_>, approvers: &[i64]) -> Policy {
    Policy {
        conditions: json!({"type": "before_after", "field": "threshold_count", "operator": ">", "value": 50}),
        ..env.policy("logs_alert.update", approvers, 1)
    }
}

fn required(r: Result<(), Gated>, step: &str) -> Box<crate::gate::GateReply> {
    match r {
        Err(Gated::Required(reply)) => reply,
        other => panic!("{step}: expected a 409, got {other:?}"),
    }
}

pub fn the_switch_off_lets_every_write_through(stage: &Stage) {
    let mut env = Env::new(stage);
    env.store(env.policy("logs_alert.disable", &[env.approver], 1));
    env.svc.settings = ApprovalSettings { enabled: false };
    assert!(env.check(env.requester, &alert_disable()).is_ok());
    assert!(env.requests().is_empty());
    assert!(env.logged().is_empty());
}

pub fn no_enabled_policy_lets_the_write_through(stage: &Stage) {
    let env = Env::new(stage);
    assert!(env.check(env.requester, &alert_disable()).is_ok(), "no policy at all");
    env.store(Policy { enabled: false, ..env.policy("logs_alert.disable", &[env.approver], 1) });
    assert!(env.check(env.requester, &alert_disable()).is_ok(), "a disabled policy");
    env.store(env.policy("logs_alert.delete", &[env.approver], 1));
    assert!(env.check(env.requester, &alert_disable()).is_ok(), "another action's policy");
    env.store(Policy { team_id: Some(env.team2), ..env.policy("logs_alert.disable", &[env.approver], 1) });
    assert!(env.check(env.requester, &alert_disable()).is_ok(), "another project's policy");
    assert!(env.requests().is_empty());
}

pub fn a_gated_write_creates_a_pending_request_and_answers_409(stage: &Stage) {
    let env = Env::new(stage);
    env.applier.set_evidence(Some(json!({"fires_last_7_days": 12})));
    let p = env.store(Policy {
        expires_after: Duration::hours(5),
        ..env.policy("logs_alert.disable", &[env.approver], 1)
    });
    let reply = required(env.check(env.requester, &alert_disable()), "gated");
    assert_eq!(reply.code, "approval_required");
    assert_eq!(reply.message, "A change request has been created and is pending approval.");
    assert_eq!((reply.resource_type.as_str(), reply.resource_id.as_deref()), ("logs_alert", Some(ALERT_ID)));
    assert_eq!(
        reply.required_approvers,
        Some(ApproverConfig { quorum: 1, users: vec![env.approver], roles: vec![] })
    );
    // Rendered without a caller context.
    let cr = &reply.change_request;
    assert_eq!(
        (cr["can_approve"].clone(), cr["can_cancel"].clone(), cr["is_requester"].clone()),
        (json!(false), json!(false), json!(false))
    );
    assert_eq!(
        (cr["user_decision"].clone(), cr["created_by"].clone()),
        (Value::Null, json!(name(env.requester)))
    );

    let r = env.only_request();
    assert_eq!(r.id, reply.change_request_id);
    assert_eq!(
        (r.state, r.validation_status, r.created_by),
        (State::Pending, ValidationStatus::Valid, env.requester)
    );
    assert_eq!(
        (r.team_id, r.policy_id, r.action_key.as_str()),
        (Some(env.team), Some(p.id), "logs_alert.disable")
    );
    assert_eq!(r.expires_at, NOW + Duration::hours(5));
    assert_eq!(r.policy_snapshot, p.snapshot());
    assert_eq!(r.intent["http_method"], "PATCH");
    assert_eq!(r.intent["preconditions"], json!({"version": 3}));
    assert_eq!(r.intent_display["description"], "Disable alert 'errors'");
    assert_eq!(r.intent_display["evidence"], json!({"fires_last_7_days": 12}));
    assert!(r.votes.is_empty());
    let logged = env.logged();
    assert_eq!(env.activities(), vec![("ChangeRequest".to_string(), "created".to_string())]);
    assert_eq!(
        (logged[0].item_id.clone(), logged[0].user_id, logged[0].team_id),
        (Some(r.id.to_string()), Some(env.requester), Some(env.team))
    );
    assert!(env.applier.calls().is_empty(), "nothing is applied at creation");
}

pub fn the_message_says_others_must_approve_when_the_requester_is_an_approver(stage: &Stage) {
    let env = Env::new(stage);
    let p = env.store(env.policy("logs_alert.disable", &[env.requester, env.approver], 1));
    let reply = required(env.check(env.requester, &alert_disable()), "self-approval off");
    assert_eq!(reply.message, "A change request has been created and is pending approval from others.");

    env.restore(Policy { allow_self_approve: true, ..p });
    let reply = required(env.check(env.requester, &on("a2", alert_disable())), "self-approval on");
    assert_eq!(reply.message, "A change request has been created and is pending approval.");
}

pub fn a_second_gated_write_on_the_same_resource_is_the_pending_409(stage: &Stage) {
    let env = Env::new(stage);
    env.store(env.policy("logs_alert.disable", &[env.approver], 1));
    let first = env.gated(env.requester, &alert_disable());
    let reply = required(env.check(env.outsider, &alert_disable()), "duplicate");
    assert_eq!(
        (reply.code, reply.message.as_str()),
        ("change_request_pending", "A pending approval request already exists for this action")
    );
    assert_eq!((reply.change_request_id, reply.required_approvers), (first.id, None));
    assert_eq!(env.requests().len(), 1, "nothing new was written");
    assert_eq!(env.logged().len(), 1, "nor logged");
    // Another resource is not a duplicate.
    env.gated(env.outsider, &on("a2", alert_disable()));
}

pub fn two_matching_policies_conflict_before_bypass_is_considered(stage: &Stage) {
    let env = Env::new(stage);
    let team = env.store(Policy {
        bypass_org_membership_levels: vec![LEVEL_ADMIN],
        ..env.policy("logs_alert.disable", &[env.approver], 1)
    });
    let wide = env.store(Policy { team_id: None, ..env.policy("logs_alert.disable", &[env.approver], 1) });
    let Err(Gated::Conflict(c)) = env.check(env.admin, &alert_disable()) else {
        panic!("expected a conflict")
    };
    assert_eq!(c.policies, vec![(team.id, team.display_name()), (wide.id, wide.display_name())]);
    assert_eq!(c.policies[0].1, format!("ApprovalPolicy(logs_alert.disable, Team {})", env.team));
    assert_eq!(c.policies[1].1, "ApprovalPolicy(logs_alert.disable, Organization)");
    assert!(env.requests().is_empty());
}

pub fn only_policies_whose_conditions_match_conflict(stage: &Stage) {
    let env = Env::new(stage);
    let team = env.store(threshold_over_50(&env, &[env.approver]));
    let wide = env.store(Policy {
        team_id: None,
        conditions: json!({"type": "before_after", "field": "threshold_count", "operator": "<", "value": 5}),
        ..env.policy("logs_alert.update", &[env.approver2], 1)
    });
    // 10 → 80 matches only the team's policy: gated by it.
    let r = env.gated(env.requester, &alert_threshold(10, 80));
    assert_eq!(r.policy_id, Some(team.id));
    // 10 → 2 matches only the organization's.
    let r = env.gated(env.requester, &on("other", alert_threshold(10, 2)));
    assert_eq!(r.policy_id, Some(wide.id));
    assert_eq!(r.policy_snapshot["users"], json!([env.approver2]));
}

pub fn bypass_by_level_or_role_comes_before_conditions_and_the_duplicate_check(stage: &Stage) {
    let env = Env::new(stage);
    let role = Uuid::new_v4();
    env.dir.grant(env.org, env.outsider, role);
    env.store(Policy {
        bypass_org_membership_levels: vec![LEVEL_ADMIN],
        bypass_roles: vec![role],
        ..env.policy("logs_alert.disable", &[env.approver], 1)
    });
    env.gated(env.requester, &alert_disable());
    // An open request exists, yet bypassers are not told about it: they write.
    assert!(env.check(env.admin, &alert_disable()).is_ok(), "level 8 bypasses");
    assert!(env.check(env.outsider, &alert_disable()).is_ok(), "the role bypasses");
    let reply = required(env.check(env.approver, &alert_disable()), "members are gated");
    assert_eq!(reply.code, "change_request_pending");
    assert_eq!(env.requests().len(), 1);
}

pub fn conditions_that_do_not_match_let_the_write_through_before_the_duplicate_check(stage: &Stage) {
    let env = Env::new(stage);
    env.store(threshold_over_50(&env, &[env.approver]));
    assert!(env.check(env.requester, &alert_threshold(10, 40)).is_ok(), "40 is not over 50");
    env.gated(env.requester, &alert_threshold(10, 80));
    assert!(env.check(env.requester, &alert_threshold(10, 40)).is_ok(), "not a duplicate: not gated at all");
    let reply = required(env.check(env.requester, &alert_threshold(10, 90)), "gated");
    assert_eq!(reply.code, "change_request_pending");
}

pub fn the_first_registered_action_with_a_policy_wins(stage: &Stage) {
    // A PATCH that enables a rule and lowers its DEBUG rate is both `.enable` and `.update`.
    let rule = |enabled: bool, rate: f64| {
        json!({"name": "drop debug", "enabled": enabled, "rule_type": "severity_sampling",
               "config": {"actions": {"DEBUG": {"type": "sample", "rate": rate}}}})
    };
    let p = |id: &str| Proposal {
        resource_type: "logs_sampling_rule".into(),
        op: Op::Update,
        resource_id: Some(id.into()),
        resource_name: "drop debug".into(),
        before: Some(rule(false, 0.5)),
        after: Some(rule(true, 0.1)),
        request: json!({"enabled": true}),
        http_method: "PATCH".into(),
        preconditions: json!({"version": 3}),
    };
    let env = Env::new(stage);
    env.store(env.policy("logs_sampling_rule.update", &[env.approver], 1));
    assert_eq!(
        env.gated(env.requester, &p("r1")).action_key,
        "logs_sampling_rule.update",
        "only .update has one"
    );
    env.store(env.policy("logs_sampling_rule.enable", &[env.approver], 1));
    assert_eq!(
        env.gated(env.requester, &p("r2")).action_key,
        "logs_sampling_rule.enable",
        "registered first"
    );
}

pub fn organization_level_actions_use_the_organization_policy_and_no_team(stage: &Stage) {
    let env = Env::new(stage);
    env.store(Policy { team_id: None, ..env.policy("organization_member.level_change", &[env.approver], 1) });
    let p = Proposal {
        resource_type: "organization_member".into(),
        op: Op::Update,
        resource_id: Some(Uuid::from_u128(9).to_string()),
        resource_name: "ada@example.com".into(),
        before: Some(json!({"level": 1, "email": "ada@example.com"})),
        after: Some(json!({"level": 15, "email": "ada@example.com"})),
        request: json!({"level": 15}),
        http_method: "PATCH".into(),
        preconditions: json!({"level": 1}),
    };
    let who = Who { team: None, ..env.who(env.admin) };
    let reply = required(env.svc.check(&who, &p, NOW), "gated");
    let r = env.only_request();
    assert_eq!((r.id, r.team_id), (reply.change_request_id, None));
    assert_eq!(
        r.intent_display["description"],
        "Raise organization member 'ada@example.com' from member to owner"
    );
    assert_eq!(env.logged()[0].team_id, None, "the entry has no team either");
    // Every project of the organization sees it.
    let elsewhere = env.svc.get_request(&env.elsewhere(env.approver), r.id).expect("seen from team2");
    assert!(elsewhere.viewer.can_approve);
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

fn broken_env(stage: &Stage, intent_fails: bool) -> Env<'_> {
    let applier = Arc::new(FakeApplier::new(json!({})));
    let mut registry = Registry::new();
    let a: Arc<dyn Applier> = applier.clone();
    registry.register(Arc::new(Broken { intent_fails }), a);
    Env::with_registry(stage, registry, applier)
}

pub fn a_failing_intent_or_validation_stops_the_write_without_a_request(stage: &Stage) {
    let p = Proposal { resource_type: "widget".into(), ..alert_disable() };
    let env = broken_env(stage, true);
    env.store(env.policy("widget.break", &[env.approver], 1));
    assert!(matches!(env.check(env.requester, &p), Err(Gated::IntentFailed(m)) if m == "no snapshot"));
    let env = broken_env(stage, false);
    match env.check(env.requester, &p) {
        Err(Gated::Error(ApprovalError::Invalid { attr, detail, .. })) => {
            assert_eq!((attr.as_deref(), detail.as_str()), (Some("size"), "Too big."));
        }
        other => panic!("expected the validation 400, got {other:?}"),
    }
    let open =
        env.repo.open_request(env.org, Some(env.team), "widget.break", "widget", p.resource_id.as_deref());
    assert!(open.expect("open_request").is_none());
    assert!(env.requests().is_empty() && env.logged().is_empty());
}
