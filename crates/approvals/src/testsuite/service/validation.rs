//! Every message of §4.2 through `create_policy` / `update_policy`: a refused input stores
//! nothing and logs nothing; an accepted one reads back from the store as §4.2 says it
//! is stored.

use serde_json::{Value, json};
use time::Duration;
use uuid::Uuid;

use super::Stage;
use super::env::*;
use crate::error::Result;
use crate::model::{ApproverConfig, Policy};
use crate::service::{PolicyQuery, PolicyView};
use crate::validate::{Mode, PolicyInput};

fn input(v: Value) -> PolicyInput {
    serde_json::from_value(v).expect("policy input")
}

/// A valid create body of `logs_alert.update` with `extra`'s fields set (a `null` in
/// `extra` sends null; use [`without`] to leave a field out).
fn body(env: &Env<'_>, extra: Value) -> Value {
    let mut b =
        json!({"action_key": "logs_alert.update", "approver_config": {"quorum": 1, "users": [env.approver]}});
    if let (Some(b), Some(extra)) = (b.as_object_mut(), extra.as_object()) {
        b.extend(extra.clone());
    }
    b
}

fn without(mut body: Value, field: &str) -> Value {
    if let Some(b) = body.as_object_mut() {
        b.remove(field);
    }
    body
}

fn create(env: &Env<'_>, body: Value) -> Result<PolicyView<String>> {
    env.svc.create_policy(&env.caller(env.admin), &input(body), NOW)
}

fn policy_count(env: &Env<'_>) -> u64 {
    env.svc.list_policies(&env.caller(env.admin), &PolicyQuery::default(), 100, 0).expect("list").count
}

/// Creates `body`, expects the 400 `(attr, code, detail)`, and that nothing was stored or logged.
fn refused(env: &Env<'_>, body: Value, attr: &str, code: &str, detail: &str) {
    let (policies, logged) = (policy_count(env), env.logged().len());
    let (a, c, d) = invalid(create(env, body.clone()));
    assert_eq!((a.as_deref(), c, d.as_str()), (Some(attr), code, detail), "{body}");
    assert_eq!((policy_count(env), env.logged().len()), (policies, logged), "{body}: nothing written");
}

/// Creates `body` and reads the policy back from the store.
fn accepted(env: &Env<'_>, body: Value) -> Policy {
    let made = create(env, body.clone()).unwrap_or_else(|e| panic!("{body}: {e:?}"));
    let read = env.svc.get_policy(&env.caller(env.admin), made.policy.id).expect("read back").policy;
    assert_eq!(read, made.policy, "{body}: stored as returned");
    env.repo.delete_policy(env.at(), read.id, &[]).expect("make room for the next");
    read
}

pub fn approver_config_needs_a_quorum_of_at_least_one(stage: &Stage) {
    let env = Env::new(stage);
    const LOW: &str = "Quorum must be at least 1";
    for config in [
        json!({"users": [env.approver]}),
        json!({"quorum": null}),
        json!({"quorum": 0}),
        json!({"quorum": -1}),
    ] {
        refused(
            &env,
            body(&env, json!({"approver_config": config})),
            "approver_config",
            "invalid_input",
            LOW,
        );
    }
    // Nothing checks that approvers exist or can reach the quorum.
    let p = accepted(&env, body(&env, json!({"approver_config": {"quorum": 3, "users": [987_654_321]}})));
    assert_eq!(p.approver_config, ApproverConfig { quorum: 3, users: vec![987_654_321], roles: vec![] });
}

pub fn approver_config_of_the_wrong_shape_is_a_400(stage: &Stage) {
    let env = Env::new(stage);
    let a = "approver_config";
    let cases = [
        (json!("yes"), "Expected a dictionary of items but got type \"str\"."),
        (json!([1]), "Expected a dictionary of items but got type \"list\"."),
        (json!({"quorum": "two"}), "Quorum must be an integer"),
        (json!({"quorum": 1, "users": ["ada"]}), "Approver users must be a list of integer user ids"),
        (json!({"quorum": 1, "users": 7}), "Approver users must be a list of integer user ids"),
        (json!({"quorum": 1, "roles": ["reviewers"]}), "Approver roles must be a list of role UUIDs"),
    ];
    for (config, detail) in cases {
        refused(&env, body(&env, json!({ a: config })), a, "invalid_input", detail);
    }
    refused(&env, without(body(&env, json!({})), a), a, "required", "This field is required.");
    refused(&env, body(&env, json!({ a: null })), a, "null", "This field may not be null.");
    let role = Uuid::new_v4();
    let p = accepted(
        &env,
        body(&env, json!({ a: {"quorum": "2", "users": ["7", 8], "roles": [role.to_string()]} })),
    );
    assert_eq!(
        p.approver_config,
        ApproverConfig { quorum: 2, users: vec![7, 8], roles: vec![role.to_string()] }
    );
}

pub fn membership_levels_must_be_integers(stage: &Stage) {
    let env = Env::new(stage);
    let a = "bypass_org_membership_levels";
    let p = accepted(&env, body(&env, json!({ a: ["8", "15"] })));
    assert_eq!(p.bypass_org_membership_levels, vec![8, 15]);
    refused(
        &env,
        body(&env, json!({ a: ["admin"] })),
        a,
        "invalid_input",
        "All membership levels must be integers",
    );
    refused(
        &env,
        body(&env, json!({ a: [8, true] })),
        a,
        "invalid_input",
        "All membership levels must be integers",
    );
    refused(
        &env,
        body(&env, json!({ a: "8" })),
        a,
        "not_a_list",
        "Expected a list of items but got type \"str\".",
    );
}

pub fn bypass_roles_must_exist_and_belong_to_the_organization(stage: &Stage) {
    let env = Env::new(stage);
    let (ours, theirs, ghost) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    env.dir.add_role(env.org, ours, "Reviewers");
    env.dir.add_role(Uuid::new_v4(), theirs, "Elsewhere");
    let a = "bypass_roles";
    refused(
        &env,
        body(&env, json!({ a: ["nope"] })),
        "bypass_roles__0",
        "invalid_input",
        "Must be a valid UUID.",
    );
    let missing = format!("Roles do not exist: {ghost}");
    refused(
        &env,
        body(&env, json!({ a: [ours.to_string(), ghost.to_string()] })),
        a,
        "invalid_input",
        &missing,
    );
    let foreign = "Roles must belong to the same organization: Elsewhere";
    refused(
        &env,
        body(&env, json!({ a: [ours.to_string(), theirs.to_string()] })),
        a,
        "invalid_input",
        foreign,
    );
    let p = accepted(&env, body(&env, json!({ a: [ours.to_string()] })));
    assert_eq!(p.bypass_roles, vec![ours]);
    assert_eq!(p.snapshot()["bypass_roles"], json!([ours.to_string()]), "listed as strings");
}

pub fn expires_after_accepts_each_documented_format(stage: &Stage) {
    let env = Env::new(stage);
    let made = create(&env, body(&env, json!({}))).expect("create");
    assert_eq!(made.policy.expires_after, Duration::days(14), "the default");
    let id = made.policy.id;
    let cases = [
        (json!("14 00:00:00"), Duration::days(14)),
        (json!("01:00:00"), Duration::hours(1)),
        (json!("3600"), Duration::hours(1)),
        (json!(3600), Duration::hours(1)),
        (json!("P14D"), Duration::days(14)),
        (json!("PT1H"), Duration::hours(1)),
        (json!("3 days 04:05:06"), Duration::days(3) + Duration::seconds(4 * 3600 + 5 * 60 + 6)),
        (json!("2 03:00:00.250000"), Duration::days(2) + Duration::hours(3) + Duration::milliseconds(250)),
        (json!("0"), Duration::ZERO),
    ];
    for (i, (sent, expected)) in cases.into_iter().enumerate() {
        let at = NOW + Duration::minutes(i as i64 + 1);
        let patch = input(json!({"expires_after": sent}));
        let updated = env.svc.update_policy(&env.caller(env.admin), id, &patch, Mode::Partial, at);
        let updated = updated.unwrap_or_else(|e| panic!("{sent}: {e:?}")).policy;
        let read = env.svc.get_policy(&env.caller(env.admin), id).expect("read back").policy;
        assert_eq!((updated.expires_after, read.expires_after), (expected, expected), "{sent}");
    }
    // Requests live as long as their policy says.
    let p = env.svc.get_policy(&env.caller(env.admin), id).expect("read").policy;
    env.svc
        .update_policy(
            &env.caller(env.admin),
            id,
            &input(json!({"expires_after": "PT5H"})),
            Mode::Partial,
            NOW,
        )
        .expect("five hours");
    let r = env.gated(env.requester, &alert_threshold(10, 11));
    assert_eq!((p.expires_after, r.expires_at), (Duration::ZERO, NOW + Duration::hours(5)));
}

pub fn expires_after_refuses_anything_else(stage: &Stage) {
    let env = Env::new(stage);
    let a = "expires_after";
    let format = "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu].";
    for sent in [json!("soon"), json!("14 dayz"), json!(true), json!([3600]), json!("")] {
        refused(&env, body(&env, json!({ a: sent })), a, "invalid_input", format);
    }
    refused(
        &env,
        body(&env, json!({ a: "-01:00:00" })),
        a,
        "invalid_input",
        "Ensure this value is greater than or equal to 0:00:00.",
    );
    refused(&env, body(&env, json!({ a: null })), a, "null", "This field may not be null.");
}

pub fn action_keys_must_be_registered_actions(stage: &Stage) {
    let env = Env::new(stage);
    let a = "action_key";
    let known = env.svc.registry.keys().join(", ");
    for key in ["feature_flag.enable", "experiment.launch", "logs_alert.mute"] {
        let detail = format!("\"{key}\" is not a valid action. Known actions: {known}.");
        refused(&env, body(&env, json!({ a: key })), a, "invalid_choice", &detail);
    }
    refused(&env, body(&env, json!({ a: "  " })), a, "blank", "This field may not be blank.");
    let long = "x".repeat(129);
    refused(
        &env,
        body(&env, json!({ a: long })),
        a,
        "max_length",
        "Ensure this field has no more than 128 characters.",
    );
    refused(&env, without(body(&env, json!({})), a), a, "required", "This field is required.");
    // Every registered key is accepted (trimmed).
    for key in env.svc.registry.keys() {
        assert_eq!(accepted(&env, body(&env, json!({ a: format!(" {key} ") }))).action_key, key);
    }
}

pub fn conditions_may_not_be_null(stage: &Stage) {
    let env = Env::new(stage);
    let a = "conditions";
    refused(&env, body(&env, json!({ a: null })), a, "null", "This field may not be null.");
    let shape = "Conditions must be an object or a list of objects.";
    refused(&env, body(&env, json!({ a: "always" })), a, "invalid_input", shape);
    refused(&env, body(&env, json!({ a: [{"type": "any_change"}, 3] })), a, "invalid_input", shape);
    assert_eq!(accepted(&env, body(&env, json!({ a: {} }))).conditions, json!({}));
    let c = json!({"type": "before_after", "field": "threshold_count", "operator": ">", "value": 50});
    assert_eq!(accepted(&env, body(&env, json!({ a: c.clone() }))).conditions, c);
}
