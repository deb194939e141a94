//! What the domain validators enforce beyond the Rust types, as JSON merge patches on the
//! named schemas. Each entry names the validator it mirrors; schemathesis' positive and
//! negative checks in `scripts/contract-test.sh` hold the two to each other. What JSON
//! Schema cannot say (a name already taken, N <= M, a valid regular expression) is listed
//! in `scripts/contract_hooks.py` and docs/api-notes.md.

use serde_json::{Value, json};

/// Rust's `White_Space` (what `str::trim` drops), spelled out: `\s` differs between regex
/// dialects.
const WS: &str = r"\t\n\x0b\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

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

/// `alerts_engine::config::AlertConfig::validate` and `edit::AlertInput`.
fn alert_fields() -> Value {
    json!({
        "threshold_count": {"minimum": 0},
        "threshold_operator": {"enum": ["above", "below", null]},
        "window_minutes": {"enum": [5, 10, 15, 30, 60, null]},
        "evaluation_periods": {"minimum": 1, "maximum": 10},
        "datapoints_to_alarm": {"minimum": 1, "maximum": 10},
        "cooldown_minutes": {"minimum": 0},
    })
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
            "expires_after": {"type": ["string", "number"], "minimum": 0,
                "pattern": r"^([0-9]{1,6} )?(([0-9]{1,2}:)?[0-5]?[0-9]:)?[0-5]?[0-9](\.[0-9]{1,6})?$"},
            "enabled": {"type": "boolean"},
        },
    })
}

/// A `LogsQueryInput` whose `dateRange` is required (`query/`, `services/`).
pub(super) fn query_with_range() -> Value {
    json!([
        {"$ref": "#/components/schemas/LogsQueryInput"},
        {"required": ["dateRange"], "properties": {"dateRange": {"type": "object"}}},
    ])
}

/// `HH:MM`, as `parse_hhmm` reads it.
const HHMM: &str = r"^([01][0-9]|2[0-3]|\+[0-9]):([0-5][0-9]|\+[0-9])$";

/// `logs_query::date_range::parse_date`: absolute, empty (the default) or relative
/// (`-1h`, `-7d`, `mStart`), with at most as many units as the calendar (years ±9999) holds.
fn date_or_relative() -> String {
    let relative = r"-?([0-9]{1,9}[sM]|[0-9]{1,7}h|[0-9]{1,6}d|[0-9]{1,5}[wm]|[0-9]{1,4}[qy]|[0-9]{0,4}[sMhdwmqy](Start|End))";
    format!("^[{WS}]*$|^[{WS}]*{relative}[{WS}]*$|{ISO_DATETIME}")
}

/// alerts_engine's destinations: Slack (an integration and a channel) or a webhook.
fn destination() -> Value {
    json!({
        "properties": {"type": {"enum": ["slack", "webhook"]}},
        "oneOf": [
            {"properties": {
                "type": {"const": "slack"},
                "slack_workspace_id": {"type": "integer"},
                "slack_channel_id": {"type": "string", "minLength": 1, "pattern": NOT_BLANK},
            }, "required": ["slack_workspace_id", "slack_channel_id"]},
            {"properties": {
                "type": {"const": "webhook"},
                "webhook_url": {"type": "string", "pattern": "^https://[^/?#]+"},
            }, "required": ["webhook_url"]},
        ],
    })
}

/// logs_views::input::column: `expression` for custom columns only.
fn view_column() -> Value {
    let text = json!({"type": ["string", "number"], "minLength": 1, "pattern": NOT_BLANK});
    json!({
        "properties": {
            "id": text, "name": text, "expression": text,
            "width": {"anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 2000},
                {"type": "string", "pattern": "^0*([1-9][0-9]{0,2}|1[0-9]{3}|2000)$"},
            ]},
        },
        "if": {"properties": {"type": {"const": "custom"}}},
        "then": {"required": ["expression"]},
        "else": {"not": {"required": ["expression"]}},
    })
}

/// sampling::validate::apply and sampling::config::parse, per `rule_type`.
fn sampling_rule() -> Value {
    let nullable_text =
        |max: usize| json!({"type": ["string", "null"], "maxLength": max, "pattern": NOT_BLANK});
    let count = json!({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 1_000_000}, {"type": "null"}]});
    let always_keep = json!({"type": ["object", "null"], "properties": {
        "status_gte": {"type": ["number", "null"]},
        "latency_ms_gt": {"type": ["number", "null"]},
        "attribute_predicates": {"type": ["array", "null"], "items": {
            "type": "object", "required": ["key", "op"],
            "properties": {"key": {"type": "string", "minLength": 1}, "op": {"enum": ["exists", "eq", "ne"]}},
            "if": {"properties": {"op": {"enum": ["eq", "ne"]}}},
            "then": {"required": ["value"], "properties": {"value": {"not": {"type": "null"}}}},
        }},
    }});
    let action = json!({"type": "object", "required": ["type"], "properties": {
        "type": {"enum": ["keep", "drop", "sample"]}, "rate": {"type": ["number", "null"]},
    }});
    let configs = [
        (
            "path_drop",
            json!({"type": "object", "properties": {
                "patterns": {"type": ["array", "null"], "items": {"type": "string"}},
                "match_attribute_key": {"type": ["string", "null"]},
                "always_keep": always_keep,
            }}),
        ),
        (
            "severity_sampling",
            json!({"type": "object", "properties": {
                "actions": {"type": ["object", "null"], "additionalProperties": false, "properties": {
                    "DEBUG": action, "INFO": action, "WARN": action, "ERROR": action,
                }},
                "always_keep": always_keep,
            }}),
        ),
        (
            "rate_limit",
            json!({"type": "object", "properties": {"always_keep": always_keep}, "oneOf": [
                {"required": ["logs_per_second"], "properties": {
                    "logs_per_second": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                    "kb_per_second": {"type": "null"}, "burst_kb": {"type": "null"}, "burst_logs": count,
                }},
                {"required": ["kb_per_second"], "properties": {
                    "kb_per_second": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
                    "logs_per_second": {"type": "null"}, "burst_logs": {"type": "null"}, "burst_kb": count,
                }},
            ]}),
        ),
    ];
    let variants: Vec<Value> = configs
        .into_iter()
        .map(|(kind, config)| json!({"properties": {"rule_type": {"const": kind}, "config": config}}))
        .collect();
    json!({
        "required": ["name", "rule_type", "config"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": NOT_BLANK},
            "rule_type": {"type": "string", "enum": ["severity_sampling", "path_drop", "rate_limit"]},
            "enabled": {"type": "boolean"},
            "priority": {"minimum": 0, "maximum": i64::MAX},
            "scope_service": nullable_text(512),
            "scope_path_pattern": nullable_text(1024),
            "scope_attribute_filters": {"type": "array", "items": {"type": "object", "required": ["key", "op"]}},
            "config": {"type": "object"},
        },
        "oneOf": variants,
    })
}

pub(super) fn refinements() -> Vec<(&'static str, Value)> {
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
        ("DestinationBody", json!({"properties": {"type": {"enum": ["slack", "webhook"]}}})),
        (
            "AlertBody",
            json!({
                "additionalProperties": false,
                "properties": alert_fields(),
            }),
        ),
        ("AlertBody", json!({"properties": {"snooze_until": {"format": null, "pattern": ALERT_DATETIME}}})),
        (
            "SimulateBody",
            json!({
                "required": ["filters"],
                "properties": alert_fields(),
            }),
        ),
        ("SimulateBody", json!({"properties": {"check_interval_minutes": {"minimum": 1, "maximum": 60}}})),
        // logs_views::input::validate: DRF's CharField takes numbers as text.
        (
            "LogsViewBody",
            json!({
                "additionalProperties": false,
                "required": ["name"],
                "properties": {
                    "name": {"type": ["string", "number"], "minLength": 1, "maxLength": 400, "pattern": NOT_BLANK},
                    "filters": {"type": "object"},
                    "pinned": {"type": "boolean"},
                },
            }),
        ),
        ("ApprovalPolicyBody", approval_policy()),
        // PATCH: the stored rule_type decides what config must be.
        ("PatchedSamplingRuleBody", json!({"oneOf": null})),
        // alerts_engine::quiet_hours::parse_hhmm (`u16::from_str` takes a `+`).
        (
            "BlockedWindow",
            json!({"properties": {
                "start": {"pattern": HHMM}, "end": {"pattern": HHMM},
            }}),
        ),
        ("ScheduleRestriction", json!({"properties": {"blocked_windows": {"maxItems": 5}}})),
        ("DestinationBody", destination()),
        ("DeleteDestinationsBody", json!({"properties": {"hog_function_ids": {"minItems": 1}}})),
        // logs_query::query::fields: ids as strings or numbers, `""` for none.
        (
            "LogsQueryInput",
            json!({"properties": {
                "personId": {"type": ["string", "number", "null"]},
                "sessionId": {"type": ["string", "number", "null"]},
                "resourceFingerprint": {"type": ["string", "integer", "null"], "pattern": "^[0-9]{0,19}$",
                    "minimum": 0, "maximum": u64::MAX},
                "liveLogsCheckpoint": {"format": null, "pattern": format!("^[{WS}]*$|{ISO_DATETIME}")},
                // cursor::OrderBy: `earliest`, and anything else means `latest`.
                "orderBy": {"oneOf": null, "description": "`earliest`; any other value means `latest` (the default)."},
            }}),
        ),
        // logs_query::filter::Filter: `operator` defaults to `exact` but is not nullable; a
        // value (a scalar or a list of them) unless the operator is `is_set` / `is_not_set`.
        (
            "LogsPropertyFilter",
            json!({
                "properties": {
                    "key": {"minLength": 1},
                    "operator": {"oneOf": null, "$ref": "#/components/schemas/LogsFilterOperator"},
                    "value": {"type": ["string", "number", "boolean", "array", "null"],
                        "items": {"type": ["string", "number", "boolean"]}},
                },
                "allOf": [{
                "if": {"properties": {"type": {"const": "log"}}},
                "then": {"properties": {"key": {"enum": ["message", "severity_level", "service_name", "trace_id", "span_id"]}}},
            }],
            "if": {"required": ["operator"], "properties": {"operator": {"enum": ["is_set", "is_not_set"]}}},
                "else": {"required": ["value"], "properties": {"value": {"type": ["string", "number", "boolean", "array"]}}},
            }),
        ),
        // logs_query::export::columns::Column::parse: a field, or an attribute by key.
        (
            "LogsExportBody",
            json!({"properties": {"columns": {"items": {"pattern": concat!(
                "^(uuid|timestamp|observed_timestamp|body|severity_text|severity_number|level|service_name",
                "|trace_id|span_id|trace_flags|attributes|resource_attributes|resource_fingerprint",
                r"|instrumentation_scope|event_name|(resource_)?attributes\.[\s\S]+)$"
            )}}}}),
        ),
        // logs_query::filter::parse_group: `values` may be left out.
        (
            "LogsPropertyGroupFilter",
            json!({"required": ["type"], "properties": {"values": {"type": ["array", "null"]}}}),
        ),
        // alerts_engine::config::AlertFilters: the lists are not nullable.
        (
            "AlertFilters",
            json!({"properties": {
                "severityLevels": {"type": "array"},
                "serviceNames": {"type": "array"},
            }}),
        ),
        (
            "LogsDateRange",
            json!({"properties": {
                "date_from": {"pattern": date_or_relative()},
                "date_to": {"pattern": date_or_relative()},
            }}),
        ),
        ("LogsViewColumnInput", view_column()),
        ("SamplingRuleBody", sampling_rule()),
        (
            "SamplingSimulateBody",
            json!({"properties": {
                "rule_type": {"type": "string", "enum": ["severity_sampling", "path_drop", "rate_limit"]},
                "scope_service": {"maxLength": 512, "pattern": NOT_BLANK},
                "scope_path_pattern": {"maxLength": 1024, "pattern": NOT_BLANK},
                "config": {"type": "object"},
                "date_from": {"pattern": date_or_relative()},
                "date_to": {"pattern": date_or_relative()},
            }}),
        ),
    ]
}

/// Query parameters the handlers check strictly.
pub(super) fn query_refinement(name: &str) -> Option<Value> {
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
