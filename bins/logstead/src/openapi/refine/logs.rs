//! Logs: queries, filters, exports, views and sampling rules (`logs_query`, `logs_views`,
//! `sampling`).

use serde_json::{Value, json};

use super::{ISO_DATETIME, NOT_BLANK, WS};

/// A `LogsQueryInput` whose `dateRange` is required (`query/`, `services/`).
pub(in crate::openapi) fn query_with_range() -> Value {
    json!([
        {"$ref": "#/components/schemas/LogsQueryInput"},
        {"required": ["dateRange"], "properties": {"dateRange": {"type": "object"}}},
    ])
}

/// `logs_query::date_range::parse_date`: absolute, empty (the default) or relative
/// (`-1h`, `-7d`, `mStart`), with at most as many units as the calendar (years ±9999) holds.
fn date_or_relative() -> String {
    let relative = r"-?([0-9]{1,9}[sM]|[0-9]{1,7}h|[0-9]{1,6}d|[0-9]{1,5}[wm]|[0-9]{1,4}[qy]|[0-9]{0,4}[sMhdwmqy](Start|End))";
    format!("^[{WS}]*$|^[{WS}]*{relative}[{WS}]*$|{ISO_DATETIME}")
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
    vec![
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
        // PATCH: the stored rule_type decides what config must be.
        ("PatchedSamplingRuleBody", json!({"oneOf": null})),
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
