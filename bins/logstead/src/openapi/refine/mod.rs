//! What the domain validators enforce beyond the Rust types, as JSON merge patches on the
//! named schemas (platform bodies here, logs / alerts / sampling ones in the submodules). Each entry names the validator it mirrors; schemathesis' positive and
//! negative checks in `scripts/contract-test.sh` hold the two to each other. What JSON
//! Schema cannot say (a name already taken, N <= M, a valid regular expression) is listed
//! in `scripts/contract_hooks.py` and docs/api-notes.md.

use serde_json::{Value, json};

mod alerts;
mod logs;

pub(super) use logs::query_with_range;

/// Rust's `White_Space` (what `str::trim` drops), spelled out: `\s` differs between regex
/// dialects.
pub(super) const WS: &str = r"\t\n\x0b\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// One character `str::trim` keeps.
pub const NOT_BLANK: &str = r"[^\t\n\x0b\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]";

/// orgs::rules::validate_email: `local@domain`, a dot inside the domain, no whitespace but
/// around it.
fn email_pattern() -> String {
    format!("^[{WS}]*[^@{WS}]+@[^.{WS}][^{WS}]*\\.[^{WS}]*[^.{WS}][{WS}]*$")
}

/// `activity_log::datetime::parse_iso8601` (and the alerts' own parser):
/// `YYYY-MM-DD[(T| )hh:mm[:ss[.f]][Z|±hh[[:]mm]]]`. Days stop at 28: a 30 February is the
/// one thing the pattern cannot rule out.
pub const ISO_DATETIME: &str = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])([Tt ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.,][0-9]{1,9})?)?([Zz]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?$";

/// `alerts_engine::edit::parse_datetime`: RFC 3339, or `YYYY-MM-DDThh:mm[:ss[.f]]` (UTC).
pub const ALERT_DATETIME: &str = concat!(
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,9})?)?",
    r"|[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))$"
);

/// `uuid::Uuid::parse_str`: hyphenated, simple, braced or URN.
pub const UUID: &str = concat!(
    r"^([0-9a-fA-F]{32}|(urn:uuid:)?[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}",
    r"|\{[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\})$"
);

/// A name DRF's `CharField` takes: not blank once trimmed, at most `max` characters.
fn name(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": NOT_BLANK})
}

/// `auth_scopes::ScopeGrant`: `*` or `<object>:<read|write>`.
fn scopes() -> Value {
    let mut all = vec![Value::String("*".into())];
    for object in auth_scopes::ScopeObject::ALL {
        for action in ["read", "write"] {
            all.push(Value::String(format!("{}:{action}", object.as_str())));
        }
    }
    Value::Array(all)
}

/// `approvals::validate::apply`.
fn approval_policy() -> Value {
    use approvals::actions as a;
    let keys = [
        a::SAMPLING_RULE_ENABLE,
        a::SAMPLING_RULE_UPDATE,
        a::SAMPLING_RULE_DELETE,
        a::ALERT_DISABLE,
        a::ALERT_DELETE,
        a::ALERT_UPDATE,
        a::RETENTION_DECREASE,
        a::MEMBER_LEVEL_CHANGE,
    ];
    json!({
        "required": ["action_key", "approver_config"],
        "properties": {
            "action_key": {"type": "string", "enum": keys},
            "conditions": {"type": ["object", "array"], "items": {"type": "object"}},
            "approver_config": {"type": "object", "required": ["quorum"], "properties": {
                "quorum": {"type": "integer", "minimum": 1, "maximum": i64::MAX},
                "users": {"type": "array", "items": {"type": "integer"}},
                "roles": {"type": "array", "items": {"type": "string", "pattern": UUID}},
            }},
            "allow_self_approve": {"type": "boolean"},
            "bypass_org_membership_levels": {"type": "array", "items": {"type": "integer"}},
            "bypass_roles": {"type": "array", "items": {"type": "string", "pattern": UUID}},
            // A Django duration (`[DD] [HH:[MM:]]ss[.uuuuuu]`) or seconds.
            // At most 1 000 000 days (approvals::duration).
            "expires_after": {"type": ["string", "number"], "minimum": 0, "maximum": 86_400_000_000_u64,
                "pattern": r"^([0-9]{1,6} )?(([0-9]{1,2}:)?[0-5]?[0-9]:)?[0-5]?[0-9](\.[0-9]{1,6})?$"},
            "enabled": {"type": "boolean"},
        },
    })
}

pub(in crate::openapi) fn refinements() -> Vec<(&'static str, Value)> {
    let mut all = platform();
    all.extend(alerts::refinements());
    all.extend(logs::refinements());
    all
}

fn platform() -> Vec<(&'static str, Value)> {
    let org_name = name(orgs::rules::MAX_ORG_NAME);
    let project_name = name(orgs::rules::MAX_PROJECT_NAME);
    // orgs::rules::validate_timezone: `/`-separated parts of letters, digits, `_+-`.
    let timezone = json!({"maxLength": 64, "pattern": r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$"});
    // orgs::rules::validate_retention_days.
    let retention = json!({"minimum": 1, "maximum": 3650});
    // orgs::Level.
    let level = json!({"enum": [1, 8, 15]});
    vec![
        // orgs::service::create_organization: a name; OrgInput::apply: the stats method.
        (
            "OrganizationBody",
            json!({
                "required": ["name"],
                "properties": {
                    "name": org_name,
                    "default_experiment_stats_method": {"enum": ["bayesian", "frequentist", "", null]},
                },
            }),
        ),
        // PATCH / PUT: a null name keeps the old one.
        ("PatchedOrganizationBody", json!({"properties": {"name": {"type": ["string", "null"]}}})),
        // orgs::service::keys::create_key.
        (
            "KeyCreateBody",
            json!({
                "required": ["scopes"],
                "properties": {
                    "label": {"maxLength": orgs::rules::MAX_KEY_LABEL},
                    "scopes": {"type": "array", "minItems": 1, "items": {"enum": scopes()}},
                    "scoped_organizations": {"items": {"pattern": UUID}},
                },
            }),
        ),
        (
            "ProjectCreateBody",
            json!({"properties": {
                "name": project_name, "timezone": timezone, "retention_days": retention,
            }}),
        ),
        (
            "ProjectUpdateBody",
            json!({"properties": {
                "name": {"minLength": 1, "maxLength": orgs::rules::MAX_PROJECT_NAME, "pattern": NOT_BLANK},
                "timezone": timezone, "retention_days": retention,
            }}),
        ),
        // orgs::rules::validate_email / validate_password.
        (
            "MemberCreateBody",
            json!({"properties": {
                "email": {"maxLength": 254, "pattern": email_pattern()},
                "password": {"minLength": orgs::rules::MIN_PASSWORD},
                "level": level,
            }}),
        ),
        ("MemberUpdateBody", json!({"properties": {"level": level}})),
        ("RoleBody", json!({"properties": {"name": name(200)}})),
        // A null name is "may not be null", not "keep".
        ("RolePatchBody", json!({"properties": {"name": name(200)}})),
        ("RoleMembershipBody", json!({"properties": {"user_uuid": {"pattern": UUID}}})),
        // activity_log exports: the two writers.
        (
            "ExportBody",
            json!({"properties": {
                "format": {"enum": ["csv", "json"]},
                "filters": {"type": ["object", "null"]},
            }}),
        ),
        // alerts_engine::integrations: a Slack bot token.
        (
            "IntegrationBody",
            json!({"properties": {
                "kind": {"enum": ["slack"]},
                "sensitive_config": {"required": ["access_token"], "properties": {
                    "access_token": {"type": "string", "minLength": 1, "pattern": NOT_BLANK},
                }},
            }}),
        ),
        ("ApprovalPolicyBody", approval_policy()),
    ]
}

/// Query parameters the handlers check strictly.
pub(in crate::openapi) fn query_refinement(name: &str) -> Option<Value> {
    match name {
        // alerts: `?created_by=<user uuid>` and `?kind=<event kind>`.
        "created_by" => Some(json!({"pattern": UUID})),
        "kind" => Some(json!({"enum": [
            "check", "reset", "enable", "disable", "snooze", "unsnooze", "threshold_change", "broken_config",
        ]})),
        // approvals::service::requests::filter: blank, or an integer (a 400 otherwise).
        "requester" => Some(json!({"type": "string", "format": null, "minimum": null, "maximum": null,
            "pattern": format!("^[{WS}]*([+-]?[0-9]{{1,18}})?[{WS}]*$")})),
        // logs_query::attributes::params: `values/` needs a key.
        "key" => Some(json!({"minLength": 1})),
        _ => None,
    }
}
