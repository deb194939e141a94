//! `logs_sampling_rule.enable`, `.update`, `.delete`: the changes that make Logstead drop
//! logs it kept before.

use serde_json::{Map, Value, json};

use super::common::{self, Diff};
use super::{SAMPLING_RULE, SAMPLING_RULE_DELETE, SAMPLING_RULE_ENABLE, SAMPLING_RULE_UPDATE};
use crate::registry::{GatedAction, Op, Proposal};

const IDS: (&str, &str) = ("rule_id", "rule_name");

/// Severity buckets of `severity_sampling` (sampling's `config::LEVELS`).
const LEVELS: [&str; 4] = ["DEBUG", "INFO", "WARN", "ERROR"];

/// The condition fields of `.update` (see the module doc of `actions`).
const UPDATE_FIELDS: &[&str] =
    &["sample_rate", "logs_per_second", "kb_per_second", "burst", "patterns", "match_attribute_key"];

pub struct EnableRule;
pub struct UpdateRule;
pub struct DeleteRule;

fn rule_type(p: &Proposal) -> Value {
    common::get(p.after.as_ref().or(p.before.as_ref()), "rule_type").cloned().unwrap_or(Value::Null)
}

impl GatedAction for EnableRule {
    fn key(&self) -> &'static str {
        SAMPLING_RULE_ENABLE
    }
    fn resource_type(&self) -> &'static str {
        SAMPLING_RULE
    }
    /// Off → on, or a rule created enabled (a rule born active is gated, as PostHog's
    /// newest flag enable is).
    fn detect(&self, p: &Proposal) -> bool {
        let on = common::flag(p.after.as_ref(), "enabled") == Some(true);
        match p.op {
            Op::Create => on,
            Op::Update => on && common::flag(p.before.as_ref(), "enabled") == Some(false),
            Op::Delete => false,
        }
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        let mut m = common::intent(p, IDS, json!({"enabled": false}), json!({"enabled": true}));
        m.insert("rule_type".into(), rule_type(p));
        Ok(Value::Object(m))
    }
    fn display(&self, intent: &Value) -> Value {
        let name = common::name(intent, IDS.1);
        let description = if intent.get(IDS.0).is_none_or(Value::is_null) {
            format!("Create sampling rule '{name}' enabled")
        } else {
            format!("Enable sampling rule '{name}'")
        };
        // The whole request, not just `enabled`: approvers consent to all it writes.
        common::display(
            description,
            common::side(intent, "current_state"),
            common::side(intent, "full_request_data"),
        )
    }
}

/// A level's share of lines kept: `keep` (or no action) 1, `drop` 0, `sample` its rate.
fn keep_rate(action: Option<&Value>) -> f64 {
    let Some(a) = action else { return 1.0 };
    match a.get("type").and_then(Value::as_str) {
        Some("drop") => 0.0,
        Some("sample") => {
            a.get("rate").and_then(Value::as_f64).filter(|r| !r.is_nan()).map_or(1.0, |r| r.clamp(0.0, 1.0))
        }
        _ => 1.0,
    }
}

/// The fields `.update` gates, read from a rule snapshot by its `rule_type`.
pub(super) fn gated_fields(rule: Option<&Value>) -> Value {
    let mut m = Map::new();
    let config = common::get(rule, "config");
    let num = |k: &str| common::get(config, k).cloned().unwrap_or(Value::Null);
    match common::get(rule, "rule_type").and_then(Value::as_str) {
        Some("severity_sampling") => {
            let actions = common::get(config, "actions");
            let rates: Vec<Value> = LEVELS
                .iter()
                .map(|l| json!({"path": l, "value": keep_rate(actions.and_then(|a| a.get(*l)))}))
                .collect();
            m.insert("sample_rate".into(), Value::Array(rates));
        }
        Some("rate_limit") => {
            let (lps, kbps) = (num("logs_per_second"), num("kb_per_second"));
            let (rate, burst) =
                if lps.is_null() { (&kbps, num("burst_kb")) } else { (&lps, num("burst_logs")) };
            // An omitted burst is three seconds' worth (sampling's default).
            let burst = match (burst, rate.as_i64()) {
                (Value::Null, Some(r)) => json!(3 * r),
                (b, _) => b,
            };
            m.insert("logs_per_second".into(), lps);
            m.insert("kb_per_second".into(), kbps);
            m.insert("burst".into(), burst);
        }
        Some("path_drop") => {
            let patterns = common::get(config, "patterns").and_then(Value::as_array);
            let list: Vec<Value> = patterns
                .into_iter()
                .flatten()
                .enumerate()
                .map(|(i, p)| json!({"path": format!("patterns[{i}]"), "value": p}))
                .collect();
            m.insert("patterns".into(), Value::Array(list));
            m.insert("match_attribute_key".into(), num("match_attribute_key"));
        }
        _ => {}
    }
    Value::Object(m)
}

fn update_diff(p: &Proposal) -> Vec<Diff> {
    common::diff(UPDATE_FIELDS, &gated_fields(p.before.as_ref()), &gated_fields(p.after.as_ref()))
}

fn label(d: &Diff) -> String {
    match d.field {
        "sample_rate" => format!("{} sample rate", d.path),
        "patterns" => d.path.clone(),
        f => common::words(f),
    }
}

impl GatedAction for UpdateRule {
    fn key(&self) -> &'static str {
        SAMPLING_RULE_UPDATE
    }
    fn resource_type(&self) -> &'static str {
        SAMPLING_RULE
    }
    /// An edit that changes a sample rate, a rate limit or what a drop rule matches (an
    /// edit of only `enabled`, `name` or `priority` is not this action).
    /// A disabled rule (staying disabled) drops nothing, so changing it is not gated.
    fn detect(&self, p: &Proposal) -> bool {
        p.op == Op::Update
            && common::flag(p.after.as_ref(), "enabled") == Some(true)
            && !update_diff(p).is_empty()
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        let (before, after) = (gated_fields(p.before.as_ref()), gated_fields(p.after.as_ref()));
        let triggered = common::triggered(&common::diff(UPDATE_FIELDS, &before, &after));
        let mut m = common::intent(p, IDS, before, after);
        m.insert("rule_type".into(), rule_type(p));
        m.insert("triggered_paths".into(), triggered);
        Ok(Value::Object(m))
    }
    fn display(&self, intent: &Value) -> Value {
        let (before, after) = (common::side(intent, "current_state"), common::side(intent, "gated_changes"));
        let changes = common::describe(&common::diff(UPDATE_FIELDS, before, after), label);
        let mut description = format!("Change sampling of rule '{}'", common::name(intent, IDS.1));
        if !changes.is_empty() {
            description = format!("{description}: {changes}");
        }
        common::display(description, before, after)
    }
    fn supports_conditions(&self) -> bool {
        true
    }
}

impl GatedAction for DeleteRule {
    fn key(&self) -> &'static str {
        SAMPLING_RULE_DELETE
    }
    fn resource_type(&self) -> &'static str {
        SAMPLING_RULE
    }
    fn detect(&self, p: &Proposal) -> bool {
        p.op == Op::Delete
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        let before = p.before.as_ref();
        let current = json!({
            "enabled": common::get(before, "enabled").cloned().unwrap_or(Value::Null),
            "rule_type": rule_type(p),
            "config": common::get(before, "config").cloned().unwrap_or(Value::Null),
        });
        Ok(Value::Object(common::intent(p, IDS, current, json!({"deleted": true}))))
    }
    fn display(&self, intent: &Value) -> Value {
        let description = format!("Delete sampling rule '{}'", common::name(intent, IDS.1));
        common::display(
            description,
            common::side(intent, "current_state"),
            common::side(intent, "gated_changes"),
        )
    }
}
