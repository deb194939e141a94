//! Policy use cases (§4.6): admins write, members read, keys are registered actions,
//! organization-level actions get organization-wide policies, every write is audited.
#![allow(clippy::unwrap_used)]

mod common;

use approvals::ApprovalError;
use approvals::service::PolicyQuery;
use approvals::validate::{Mode, PolicyInput};
use common::*;
use serde_json::{Value, json};

fn input(v: Value) -> PolicyInput {
    serde_json::from_value(v).unwrap()
}

fn create_body(key: &str) -> PolicyInput {
    input(json!({"action_key": key, "approver_config": {"quorum": 1, "users": [APPROVER]}}))
}

fn insufficient<T: std::fmt::Debug>(r: Result<T, ApprovalError>) {
    match r {
        Err(ApprovalError::Forbidden(m)) => assert_eq!(m, "Your organization access level is insufficient."),
        other => panic!("expected a 403, got {other:?}"),
    }
}

#[test]
fn members_read_but_cannot_write() {
    let env = Env::new();
    insufficient(env.svc.create_policy(&caller(REQUESTER), &create_body("logs_alert.disable"), NOW));
    insufficient(env.svc.create_policy(&caller(OUTSIDER + 100), &create_body("logs_alert.disable"), NOW));
    let made = env.svc.create_policy(&caller(ADMIN), &create_body("logs_alert.disable"), NOW).unwrap();
    let id = made.policy.id;
    let patch = input(json!({"enabled": false}));
    insufficient(env.svc.update_policy(&caller(REQUESTER), id, &patch, Mode::Partial, NOW));
    insufficient(env.svc.delete_policy(&caller(REQUESTER), id, NOW));
    let seen = env.svc.get_policy(&caller(REQUESTER), id).unwrap();
    assert_eq!(seen.policy, made.policy);
    let listed = env.svc.list_policies(&caller(REQUESTER), &PolicyQuery::default(), 10, 0).unwrap();
    assert_eq!(listed.count, 1);
    assert_eq!(
        env.activities(),
        vec![("ApprovalPolicy".to_string(), "created".to_string())],
        "refused writes left no trace"
    );
}

#[test]
fn an_unknown_action_key_is_a_400_naming_the_known_ones() {
    let env = Env::new();
    match env.svc.create_policy(&caller(ADMIN), &create_body("feature_flag.enable"), NOW) {
        Err(ApprovalError::Invalid { attr, detail, .. }) => {
            assert_eq!(attr.as_deref(), Some("action_key"));
            assert!(detail.contains("feature_flag.enable"), "{detail}");
            for key in ["logs_sampling_rule.enable", "logs_alert.update", "organization_member.level_change"]
            {
                assert!(detail.contains(key), "{detail} lists {key}");
            }
        }
        other => panic!("expected a 400, got {other:?}"),
    }
}

#[test]
fn create_attaches_the_project_and_records_it() {
    let env = Env::new();
    let made = env.svc.create_policy(&caller(ADMIN), &create_body("logs_alert.disable"), NOW).unwrap();
    let p = &made.policy;
    assert_eq!((p.organization_id, p.team_id, p.created_by), (org(), Some(TEAM), Some(ADMIN)));
    assert_eq!(made.created_by.as_deref(), Some("user1"));
    let audit = env.repo.audit();
    assert_eq!((audit[0].team_id, audit[0].item_id.clone()), (Some(TEAM), Some(p.id.to_string())));
    match env.svc.create_policy(&caller(ADMIN), &create_body("logs_alert.disable"), NOW) {
        Err(ApprovalError::Invalid { attr: None, detail, .. }) => {
            assert_eq!(
                detail,
                "A policy for this action already exists. You can edit the existing policy instead."
            );
        }
        other => panic!("expected the duplicate 400, got {other:?}"),
    }
}

#[test]
fn organization_level_actions_get_organization_wide_policies() {
    let env = Env::new();
    let made =
        env.svc.create_policy(&caller(ADMIN), &create_body("organization_member.level_change"), NOW).unwrap();
    assert_eq!(made.policy.team_id, None);
    assert_eq!(env.repo.audit()[0].team_id, None, "recorded without a team");
    // Another project of the organization sees it.
    let elsewhere = approvals::service::Caller { team: TEAM + 1, ..caller(ADMIN) };
    assert_eq!(env.svc.get_policy(&elsewhere, made.policy.id).unwrap().policy.id, made.policy.id);
}

#[test]
fn update_and_delete_are_audited_and_scoped() {
    let env = Env::new();
    let id = env.svc.create_policy(&caller(ADMIN), &create_body("logs_alert.update"), NOW).unwrap().policy.id;
    let later = NOW + time::Duration::minutes(1);
    let patch =
        input(json!({"conditions": {"type": "any_change", "field": "window_minutes"}, "enabled": false}));
    let updated = env.svc.update_policy(&caller(ADMIN), id, &patch, Mode::Partial, later).unwrap().policy;
    assert_eq!((updated.enabled, updated.team_id, updated.updated_at), (false, Some(TEAM), later));
    assert_eq!(updated.conditions["field"], "window_minutes");

    let q = |enabled: &str| PolicyQuery { enabled: Some(enabled.into()), ..PolicyQuery::default() };
    assert_eq!(env.svc.list_policies(&caller(ADMIN), &q("FALSE"), 10, 0).unwrap().count, 1);
    assert_eq!(env.svc.list_policies(&caller(ADMIN), &q("True"), 10, 0).unwrap().count, 0);
    assert_eq!(
        env.svc.list_policies(&caller(ADMIN), &q("yes"), 10, 0).unwrap().count,
        1,
        "anything else is false"
    );

    let elsewhere = approvals::service::Caller { team: TEAM + 1, ..caller(ADMIN) };
    assert!(matches!(env.svc.delete_policy(&elsewhere, id, NOW), Err(ApprovalError::NotFound)));
    env.svc.delete_policy(&caller(ADMIN), id, NOW).unwrap();
    assert!(matches!(env.svc.get_policy(&caller(ADMIN), id), Err(ApprovalError::NotFound)));
    let verbs: Vec<String> = env.activities().into_iter().map(|(_, a)| a).collect();
    assert_eq!(verbs, vec!["created", "updated", "deleted"]);
}

#[test]
fn a_caller_outside_any_organization_finds_nothing() {
    let env = Env::new();
    let nowhere = approvals::service::Caller { org: None, ..caller(ADMIN) };
    assert!(matches!(
        env.svc.list_policies(&nowhere, &PolicyQuery::default(), 10, 0),
        Err(ApprovalError::NotFound)
    ));
    assert!(matches!(
        env.svc.create_policy(&nowhere, &create_body("logs_alert.update"), NOW),
        Err(ApprovalError::NotFound)
    ));
}
