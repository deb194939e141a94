//! Alerts: bodies, destinations and quiet hours (`alerts_engine::edit`, `config`,
//! `quiet_hours`).

use serde_json::{Value, json};

use super::{ALERT_DATETIME, NOT_BLANK};

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

/// `HH:MM`, as `parse_hhmm` reads it.
const HHMM: &str = r"^([01][0-9]|2[0-3]|\+[0-9]):([0-5][0-9]|\+[0-9])$";

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

pub(super) fn refinements() -> Vec<(&'static str, Value)> {
    vec![
        ("DestinationBody", destination()),
        ("DeleteDestinationsBody", json!({"properties": {"hog_function_ids": {"minItems": 1}}})),
        ("AlertBody", json!({"additionalProperties": false, "properties": alert_fields()})),
        ("AlertBody", json!({"properties": {"snooze_until": {"format": null, "pattern": ALERT_DATETIME}}})),
        ("SimulateBody", json!({"required": ["filters"], "properties": alert_fields()})),
        ("SimulateBody", json!({"properties": {"check_interval_minutes": {"minimum": 1, "maximum": 60}}})),
        // alerts_engine::config::AlertFilters: the lists are not nullable.
        (
            "AlertFilters",
            json!({"properties": {"severityLevels": {"type": "array"}, "serviceNames": {"type": "array"}}}),
        ),
        // alerts_engine::quiet_hours::parse_hhmm (`u16::from_str` takes a `+`).
        ("BlockedWindow", json!({"properties": {"start": {"pattern": HHMM}, "end": {"pattern": HHMM}}})),
        ("ScheduleRestriction", json!({"properties": {"blocked_windows": {"maxItems": 5}}})),
    ]
}
