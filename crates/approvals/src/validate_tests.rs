#![allow(clippy::unwrap_used)]
use super::*;
use crate::repo::{DirectoryError, RoleInfo};
use time::macros::datetime;

const KEYS: &[&str] = &["logs_alert.delete", "logs_alert.update", "project.retention_decrease"];

fn org() -> Uuid {
    Uuid::from_u128(1)
}

fn other_org() -> Uuid {
    Uuid::from_u128(2)
}

fn ours() -> RoleInfo {
    RoleInfo { id: Uuid::from_u128(0xa1), organization_id: org(), name: "Reviewers".into() }
}

fn theirs() -> RoleInfo {
    RoleInfo { id: Uuid::from_u128(0xb1), organization_id: other_org(), name: "Elsewhere".into() }
}

/// Roles of two organizations; `fail` makes every lookup fail.
struct Roles {
    fail: bool,
}

impl Directory for Roles {
    fn level(&self, _: Uuid, _: i64) -> std::result::Result<Option<i64>, DirectoryError> {
        Ok(None)
    }
    fn roles_of(&self, _: Uuid, _: i64) -> std::result::Result<Vec<Uuid>, DirectoryError> {
        Ok(Vec::new())
    }
    fn roles(&self, ids: &[Uuid]) -> std::result::Result<Vec<RoleInfo>, DirectoryError> {
        if self.fail {
            return Err("directory down".into());
        }
        Ok([theirs(), ours()].into_iter().filter(|r| ids.contains(&r.id)).collect())
    }
}

static DIRECTORY: Roles = Roles { fail: false };

fn now() -> OffsetDateTime {
    datetime!(2026-12-07 09:00 UTC)
}

fn ctx() -> Ctx<'static> {
    Ctx {
        org: org(),
        team: Some(7),
        author: Some(42),
        id: Uuid::from_u128(0x99),
        now: now(),
        known_keys: KEYS,
        directory: &DIRECTORY,
    }
}

fn input(v: Value) -> PolicyInput {
    serde_json::from_value(v).unwrap()
}

fn minimal() -> Value {
    json!({"action_key": "logs_alert.delete", "approver_config": {"quorum": 1, "users": [5]}})
}

/// `minimal()` with `extra` merged over it.
fn body(extra: Value) -> Value {
    let mut b = minimal();
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

fn create(v: Value) -> Result<Policy> {
    apply(None, &input(v), Mode::Create, &ctx())
}

/// (attr, code, detail) of the first error of a create.
fn err(v: Value) -> (String, &'static str, String) {
    err_of(create(v))
}

fn err_of(r: Result<Policy>) -> (String, &'static str, String) {
    match r {
        Err(ApprovalError::Invalid { attr, code, detail }) => (attr.unwrap_or_default(), code, detail),
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn e(attr: &str, code: &'static str, detail: &str) -> (String, &'static str, String) {
    (attr.to_string(), code, detail.to_string())
}

fn stored() -> Policy {
    let mut p = create(body(json!({
        "conditions": {"type": "any_change", "field": "retention_days"},
        "allow_self_approve": true,
        "bypass_org_membership_levels": [15],
        "bypass_roles": [ours().id.to_string()],
        "expires_after": "1 00:00:00",
        "enabled": false,
    })))
    .unwrap();
    p.created_at = datetime!(2026-01-01 00:00 UTC);
    p.updated_at = p.created_at;
    p
}

#[test]
fn create_fills_the_defaults() {
    let p = create(minimal()).unwrap();
    assert_eq!(p.id, ctx().id);
    assert_eq!((p.organization_id, p.team_id), (org(), Some(7)));
    assert_eq!(p.action_key, "logs_alert.delete");
    assert_eq!(p.conditions, json!({}));
    assert_eq!(p.approver_config, ApproverConfig { quorum: 1, users: vec![5], roles: vec![] });
    assert!(!p.allow_self_approve);
    assert!(p.bypass_org_membership_levels.is_empty() && p.bypass_roles.is_empty());
    assert_eq!(p.expires_after, Duration::days(14));
    assert!(p.enabled);
    assert_eq!(p.created_by, Some(42));
    assert_eq!((p.created_at, p.updated_at), (now(), now()));
}

#[test]
fn create_takes_every_field() {
    let role = ours().id;
    let p = create(json!({
        "action_key": "  project.retention_decrease ",
        "conditions": [{"type": "change_amount", "field": "retention_days", "operator": "<", "value": 0}],
        "approver_config": {"quorum": 2.0, "users": [5, "6"], "roles": [role.to_string().to_uppercase()], "extra": 1},
        "allow_self_approve": true,
        "bypass_org_membership_levels": ["8", 15, " 1 "],
        "bypass_roles": [role.to_string(), role.simple().to_string()],
        "expires_after": 3600,
        "enabled": false,
    }))
    .unwrap();
    assert_eq!(p.action_key, "project.retention_decrease");
    assert_eq!(p.conditions[0]["type"], "change_amount");
    assert_eq!(
        p.approver_config,
        ApproverConfig { quorum: 2, users: vec![5, 6], roles: vec![role.to_string()] }
    );
    assert!(p.allow_self_approve);
    assert_eq!(p.bypass_org_membership_levels, vec![8, 15, 1]);
    assert_eq!(p.bypass_roles, vec![role]);
    assert_eq!(p.expires_after, Duration::hours(1));
    assert!(!p.enabled);
}

#[test]
fn required_fields() {
    let required = |attr| e(attr, "required", "This field is required.");
    assert_eq!(err(json!({})), required("action_key"));
    assert_eq!(err(json!({"action_key": "logs_alert.delete"})), required("approver_config"));
    let put = |v| err_of(apply(Some(&stored()), &input(v), Mode::Full, &ctx()));
    assert_eq!(put(json!({"approver_config": {"quorum": 1}})), required("action_key"));
    assert_eq!(put(json!({"action_key": "logs_alert.delete"})), required("approver_config"));
}

#[test]
fn nulls_are_refused() {
    let null = |attr| e(attr, "null", "This field may not be null.");
    for attr in [
        "action_key",
        "conditions",
        "approver_config",
        "allow_self_approve",
        "bypass_org_membership_levels",
        "bypass_roles",
        "expires_after",
        "enabled",
    ] {
        assert_eq!(err(body(json!({ attr: null }))), null(attr), "{attr}");
    }
}

#[test]
fn action_key_messages() {
    assert_eq!(
        err(body(json!({"action_key": ""}))),
        e("action_key", "blank", "This field may not be blank.")
    );
    assert_eq!(err(body(json!({"action_key": "   "}))).1, "blank");
    assert_eq!(
        err(body(json!({"action_key": "x".repeat(129)}))),
        e("action_key", "max_length", "Ensure this field has no more than 128 characters.")
    );
    assert_eq!(
        err(body(json!({"action_key": ["a"]}))),
        e("action_key", "invalid_input", "Not a valid string.")
    );
    let unknown = e(
        "action_key",
        "invalid_choice",
        "\"feature_flag.update\" is not a valid action. Known actions: logs_alert.delete, logs_alert.update, project.retention_decrease.",
    );
    assert_eq!(err(body(json!({"action_key": "feature_flag.update"}))), unknown);
    assert_eq!(err(body(json!({"action_key": 5}))).1, "invalid_choice");
    let none = Ctx { known_keys: &[], ..ctx() };
    let (_, _, detail) = err_of(apply(None, &input(minimal()), Mode::Create, &none));
    assert_eq!(detail, "\"logs_alert.delete\" is not a valid action. Known actions: none.");
}

#[test]
fn conditions_messages() {
    let bad = e("conditions", "invalid_input", "Conditions must be an object or a list of objects.");
    assert_eq!(err(body(json!({"conditions": "always"}))), bad);
    assert_eq!(err(body(json!({"conditions": 5}))), bad);
    assert_eq!(err(body(json!({"conditions": [{}, "x"]}))), bad);
    assert_eq!(create(body(json!({"conditions": []}))).unwrap().conditions, json!([]));
    // Unknown condition types are stored: they gate everything (§4.4's fall-back).
    let odd = json!({"type": "whatever"});
    assert_eq!(create(body(json!({ "conditions": odd }))).unwrap().conditions, odd);
}

#[test]
fn approver_config_messages() {
    let cfg = |c: Value| err(body(json!({ "approver_config": c })));
    let at = |detail: &str| e("approver_config", "invalid_input", detail);
    assert_eq!(cfg(json!({})), at("Quorum must be at least 1"));
    assert_eq!(cfg(json!({"quorum": null, "users": [1]})), at("Quorum must be at least 1"));
    assert_eq!(cfg(json!({"quorum": 0})), at("Quorum must be at least 1"));
    assert_eq!(cfg(json!({"quorum": -3})), at("Quorum must be at least 1"));
    // Upstream's 500s.
    assert_eq!(cfg(json!([1])), at("Expected a dictionary of items but got type \"list\"."));
    assert_eq!(cfg(json!("x")), at("Expected a dictionary of items but got type \"str\"."));
    for q in [json!("two"), json!(true), json!([2]), json!(1.5), json!({})] {
        assert_eq!(cfg(json!({ "quorum": q })), at("Quorum must be an integer"), "{q}");
    }
    assert_eq!(create(body(json!({"approver_config": {"quorum": "2"}}))).unwrap().approver_config.quorum, 2);
    let users = at("Approver users must be a list of integer user ids");
    assert_eq!(cfg(json!({"quorum": 1, "users": "5"})), users);
    assert_eq!(cfg(json!({"quorum": 1, "users": [5, "bob"]})), users);
    assert_eq!(cfg(json!({"quorum": 1, "users": null})), users);
    let roles = at("Approver roles must be a list of role UUIDs");
    assert_eq!(cfg(json!({"quorum": 1, "roles": ["admins"]})), roles);
    assert_eq!(cfg(json!({"quorum": 1, "roles": [7]})), roles);
    assert_eq!(cfg(json!({"quorum": 1, "roles": {}})), roles);
    // Approvers are not checked against anything, nor against the quorum.
    let p = create(body(json!({"approver_config": {"quorum": 5, "users": [123456]}}))).unwrap();
    assert_eq!(p.approver_config, ApproverConfig { quorum: 5, users: vec![123456], roles: vec![] });
}

#[test]
fn boolean_messages() {
    for attr in ["allow_self_approve", "enabled"] {
        for v in [json!("yes"), json!(1), json!("true"), json!([])] {
            assert_eq!(
                err(body(json!({ attr: v }))),
                e(attr, "invalid_input", "Must be a valid boolean."),
                "{attr} {v}"
            );
        }
    }
}

#[test]
fn membership_level_messages() {
    let bad = e("bypass_org_membership_levels", "invalid_input", "All membership levels must be integers");
    for v in [json!(["admin"]), json!([8, "8.5"]), json!([true]), json!([null]), json!([8.5]), json!([[8]])] {
        assert_eq!(err(body(json!({ "bypass_org_membership_levels": v }))), bad, "{v}");
    }
    assert_eq!(
        err(body(json!({"bypass_org_membership_levels": "8"}))),
        e("bypass_org_membership_levels", "not_a_list", "Expected a list of items but got type \"str\".")
    );
    let p = create(body(json!({"bypass_org_membership_levels": ["8", "15"]}))).unwrap();
    assert_eq!(p.bypass_org_membership_levels, vec![8, 15]);
    let p = create(body(json!({"bypass_org_membership_levels": [8.0]}))).unwrap();
    assert_eq!(p.bypass_org_membership_levels, vec![8]);
}

#[test]
fn bypass_role_messages() {
    let roles = |v: Value| err(body(json!({ "bypass_roles": v })));
    assert_eq!(
        roles(json!("x")),
        e("bypass_roles", "not_a_list", "Expected a list of items but got type \"str\".")
    );
    let id = ours().id.to_string();
    assert_eq!(roles(json!([id, "nope"])), e("bypass_roles__1", "invalid_input", "Must be a valid UUID."));
    assert_eq!(roles(json!([5])), e("bypass_roles__0", "invalid_input", "Must be a valid UUID."));
    let ghost = Uuid::from_u128(0xdead);
    let ghost2 = Uuid::from_u128(0xbeef);
    assert_eq!(
        roles(json!([id, ghost.to_string(), theirs().id.to_string(), ghost2.to_string()])),
        e("bypass_roles", "invalid_input", &format!("Roles do not exist: {ghost}, {ghost2}"))
    );
    assert_eq!(
        roles(json!([id, theirs().id.to_string()])),
        e("bypass_roles", "invalid_input", "Roles must belong to the same organization: Elsewhere")
    );
    let down = Roles { fail: true };
    let failing = Ctx { directory: &down, ..ctx() };
    let r = apply(None, &input(body(json!({"bypass_roles": [id]}))), Mode::Create, &failing);
    assert!(matches!(r, Err(ApprovalError::Directory(m)) if m == "directory down"));
    // An empty list asks nothing of the directory.
    let r = apply(None, &input(body(json!({"bypass_roles": []}))), Mode::Create, &failing);
    assert!(r.unwrap().bypass_roles.is_empty());
}

#[test]
fn expires_after_messages() {
    let exp = |v: Value| err(body(json!({ "expires_after": v })));
    let format = e(
        "expires_after",
        "invalid_input",
        "Duration has wrong format. Use one of these formats instead: [DD] [HH:[MM:]]ss[.uuuuuu].",
    );
    for v in [json!("two weeks"), json!(""), json!(true), json!([1]), json!({"days": 1}), json!("P1Y")] {
        assert_eq!(exp(v.clone()), format, "{v}");
    }
    assert_eq!(
        exp(json!("-1 00:00:00")),
        e("expires_after", "invalid_input", "Ensure this value is greater than or equal to 0:00:00.")
    );
    assert_eq!(exp(json!(-5)).2, "Ensure this value is greater than or equal to 0:00:00.");
    assert_eq!(
        exp(json!("P1000001D")),
        e(
            "expires_after",
            "invalid_input",
            "Ensure this value is less than or equal to 1000000 days, 0:00:00."
        )
    );
    let cases = [
        (json!("14 00:00:00"), Duration::days(14)),
        (json!("01:00:00"), Duration::hours(1)),
        (json!("3600"), Duration::hours(1)),
        (json!(3600), Duration::hours(1)),
        (json!(90.5), Duration::milliseconds(90_500)),
        (json!("P14D"), Duration::days(14)),
        (json!("PT1H"), Duration::hours(1)),
        (json!("P1DT2H30M"), Duration::minutes(24 * 60 + 150)),
        (json!("3 days 04:05:06"), Duration::seconds(3 * 86400 + 4 * 3600 + 5 * 60 + 6)),
        (json!("1 day"), Duration::days(1)),
        (json!(0), Duration::ZERO),
    ];
    for (v, want) in cases {
        assert_eq!(create(body(json!({ "expires_after": v.clone() }))).unwrap().expires_after, want, "{v}");
    }
}

#[test]
fn the_first_failing_field_is_reported() {
    let v = json!({"action_key": "nope", "approver_config": {}, "enabled": "x"});
    assert_eq!(err(v).0, "action_key");
    let v = body(json!({"approver_config": {}, "enabled": "x", "conditions": "x"}));
    assert_eq!(err(v).0, "conditions");
    let v = body(json!({"expires_after": "x", "enabled": "x"}));
    assert_eq!(err(v).0, "expires_after");
}

#[test]
fn patch_changes_only_what_is_sent() {
    let before = stored();
    let patch = |v| apply(Some(&before), &input(v), Mode::Partial, &ctx());
    let p = patch(json!({})).unwrap();
    assert_eq!(Policy { updated_at: before.updated_at, ..p.clone() }, before);
    assert_eq!(p.updated_at, now());
    let p = patch(json!({"enabled": true, "expires_after": "PT2H"})).unwrap();
    assert!(p.enabled);
    assert_eq!(p.expires_after, Duration::hours(2));
    assert_eq!(p.approver_config, before.approver_config);
    assert_eq!(p.bypass_roles, before.bypass_roles);
    assert_eq!((p.id, p.created_by, p.created_at), (before.id, before.created_by, before.created_at));
    // A PATCH is validated as strictly as a create.
    assert_eq!(err_of(patch(json!({"approver_config": {"quorum": 0}}))).2, "Quorum must be at least 1");
    assert_eq!(err_of(patch(json!({"action_key": "nope"}))).1, "invalid_choice");
}

#[test]
fn put_requires_and_replaces_but_keeps_omitted_optional_fields() {
    let before = stored();
    let other = Ctx { author: Some(7), id: Uuid::from_u128(0x55), team: None, ..ctx() };
    let v = json!({"action_key": "logs_alert.update", "approver_config": {"quorum": 2, "roles": []}});
    let p = apply(Some(&before), &input(v), Mode::Full, &other).unwrap();
    assert_eq!(p.action_key, "logs_alert.update");
    assert_eq!(p.approver_config, ApproverConfig { quorum: 2, users: vec![], roles: vec![] });
    // Kept, as DRF keeps model fields a PUT omits...
    assert_eq!(p.conditions, before.conditions);
    assert!(p.allow_self_approve && !p.enabled);
    assert_eq!(p.bypass_org_membership_levels, vec![15]);
    assert_eq!(p.expires_after, Duration::days(1));
    // ...except bypass_roles, which PostHog's serializer defaults to [].
    assert!(p.bypass_roles.is_empty());
    // The stored identity and creator stay; the context's are for creates.
    assert_eq!(
        (p.id, p.created_by, p.team_id, p.created_at),
        (before.id, Some(42), Some(7), before.created_at)
    );
    assert_eq!(p.updated_at, now());
}

#[test]
fn updating_nothing_is_not_found() {
    for mode in [Mode::Full, Mode::Partial] {
        assert!(matches!(apply(None, &input(minimal()), mode, &ctx()), Err(ApprovalError::NotFound)));
    }
}

#[test]
fn absent_and_null_are_told_apart() {
    let i = input(json!({"conditions": null}));
    assert_eq!(i.conditions, Some(Value::Null));
    assert_eq!(i.enabled, None);
}
