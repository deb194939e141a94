//! Policy use cases (§4.6): admins write, members read, organization-level actions get
//! organization-wide policies, every write is audited, lookups stay in their project.

use serde_json::{Value, json};
use time::Duration;

use super::Stage;
use super::env::*;
use crate::error::ApprovalError;
use crate::service::{Caller, PolicyQuery};
use crate::validate::{Mode, PolicyInput};

fn input(v: Value) -> PolicyInput {
    serde_json::from_value(v).expect("policy input")
}

fn create_body(env: &Env<'_>, key: &str) -> PolicyInput {
    input(json!({"action_key": key, "approver_config": {"quorum": 1, "users": [env.approver]}}))
}

fn insufficient<T: std::fmt::Debug>(r: Result<T, ApprovalError>) {
    assert_eq!(forbidden(r), "Your organization access level is insufficient.");
}

pub fn members_read_but_cannot_write(stage: &Stage) {
    let env = Env::new(stage);
    let body = create_body(&env, "logs_alert.disable");
    insufficient(env.svc.create_policy(&env.caller(env.requester), &body, NOW));
    let stranger = env.outsider + 1_000_000;
    insufficient(env.svc.create_policy(&env.caller(stranger), &body, NOW));
    let made = env.svc.create_policy(&env.caller(env.admin), &body, NOW).expect("admins create");
    let id = made.policy.id;
    let patch = input(json!({"enabled": false}));
    insufficient(env.svc.update_policy(&env.caller(env.requester), id, &patch, Mode::Partial, NOW));
    insufficient(env.svc.delete_policy(&env.caller(env.requester), id, NOW));
    let seen = env.svc.get_policy(&env.caller(env.requester), id).expect("members read");
    assert_eq!(seen.policy, made.policy);
    assert!(seen.policy.enabled, "the refused PATCH changed nothing");
    let listed =
        env.svc.list_policies(&env.caller(env.requester), &PolicyQuery::default(), 10, 0).expect("list");
    assert_eq!(listed.count, 1);
    assert_eq!(
        env.activities(),
        vec![("ApprovalPolicy".to_string(), "created".to_string())],
        "refused writes left no trace"
    );
}

pub fn create_attaches_the_project_and_records_it(stage: &Stage) {
    let env = Env::new(stage);
    let made = env.svc.create_policy(&env.caller(env.admin), &create_body(&env, "logs_alert.disable"), NOW);
    let made = made.expect("create");
    let p = &made.policy;
    assert_eq!((p.organization_id, p.team_id, p.created_by), (env.org, Some(env.team), Some(env.admin)));
    assert_eq!((p.created_at, p.updated_at, p.expires_after), (NOW, NOW, Duration::days(14)));
    assert_eq!(made.created_by, Some(name(env.admin)));
    let logged = env.logged();
    assert_eq!(
        (logged[0].team_id, logged[0].item_id.clone(), logged[0].user_id),
        (Some(env.team), Some(p.id.to_string()), Some(env.admin))
    );
    let (attr, _, detail) =
        invalid(env.svc.create_policy(&env.caller(env.admin), &create_body(&env, "logs_alert.disable"), NOW));
    assert_eq!(
        (attr, detail.as_str()),
        (None, "A policy for this action already exists. You can edit the existing policy instead.")
    );
    assert_eq!(env.logged().len(), 1, "the duplicate left no trace");
    // The same action in another project is another policy.
    let there =
        env.svc.create_policy(&env.elsewhere(env.admin), &create_body(&env, "logs_alert.disable"), NOW);
    assert_eq!(there.expect("team2's own").policy.team_id, Some(env.team2));
}

pub fn organization_level_actions_get_organization_wide_policies(stage: &Stage) {
    let env = Env::new(stage);
    let body = create_body(&env, "organization_member.level_change");
    let made = env.svc.create_policy(&env.caller(env.admin), &body, NOW).expect("create");
    assert_eq!(made.policy.team_id, None);
    assert_eq!(env.logged()[0].team_id, None, "recorded without a team");
    // Another project of the organization sees it, and cannot make a second one.
    let elsewhere = env.elsewhere(env.admin);
    assert_eq!(env.svc.get_policy(&elsewhere, made.policy.id).expect("seen").policy.id, made.policy.id);
    let (attr, _, _) = invalid(env.svc.create_policy(&elsewhere, &body, NOW));
    assert_eq!(attr, None, "the duplicate 400");
}

pub fn update_and_delete_are_audited_and_scoped(stage: &Stage) {
    let env = Env::new(stage);
    let admin = env.caller(env.admin);
    let id = env
        .svc
        .create_policy(&admin, &create_body(&env, "logs_alert.update"), NOW)
        .expect("create")
        .policy
        .id;
    let later = NOW + Duration::minutes(1);
    let patch =
        input(json!({"conditions": {"type": "any_change", "field": "window_minutes"}, "enabled": false}));
    let updated = env.svc.update_policy(&admin, id, &patch, Mode::Partial, later).expect("patch").policy;
    assert_eq!((updated.enabled, updated.team_id, updated.updated_at), (false, Some(env.team), later));
    assert_eq!(updated.conditions["field"], "window_minutes");
    assert_eq!(env.svc.get_policy(&admin, id).expect("read").policy, updated);

    let q = |enabled: &str| PolicyQuery { enabled: Some(enabled.into()), ..PolicyQuery::default() };
    assert_eq!(env.svc.list_policies(&admin, &q("FALSE"), 10, 0).expect("list").count, 1);
    assert_eq!(env.svc.list_policies(&admin, &q("True"), 10, 0).expect("list").count, 0);
    assert_eq!(
        env.svc.list_policies(&admin, &q("yes"), 10, 0).expect("list").count,
        1,
        "anything else is false"
    );
    let by_key = |k: &str| PolicyQuery { action_key: Some(k.into()), ..PolicyQuery::default() };
    assert_eq!(env.svc.list_policies(&admin, &by_key("logs_alert.update"), 10, 0).expect("list").count, 1);
    assert_eq!(env.svc.list_policies(&admin, &by_key("logs_alert.delete"), 10, 0).expect("list").count, 0);

    let elsewhere = env.elsewhere(env.admin);
    assert!(is_not_found(&env.svc.get_policy(&elsewhere, id)));
    assert!(is_not_found(&env.svc.update_policy(&elsewhere, id, &patch, Mode::Partial, later)));
    assert!(is_not_found(&env.svc.delete_policy(&elsewhere, id, NOW)));
    env.svc.delete_policy(&admin, id, later).expect("delete");
    assert!(is_not_found(&env.svc.get_policy(&admin, id)));
    assert_eq!(env.verbs(), vec!["created", "updated", "deleted"]);
}

pub fn a_caller_outside_any_organization_finds_nothing(stage: &Stage) {
    let env = Env::new(stage);
    let nowhere = Caller { org: None, ..env.caller(env.admin) };
    assert!(is_not_found(&env.svc.list_policies(&nowhere, &PolicyQuery::default(), 10, 0)));
    assert!(is_not_found(&env.svc.create_policy(&nowhere, &create_body(&env, "logs_alert.update"), NOW)));
    assert!(is_not_found(&env.svc.list_requests(&nowhere, &Default::default(), 10, 0)));
    assert!(env.logged().is_empty());
}
