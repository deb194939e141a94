//! `logs_alert.disable`, `.delete`, `.update`: the changes that silence people.

use serde_json::{Map, Value, json};

use super::common::{self, Diff};
use super::{ALERT, ALERT_DELETE, ALERT_DISABLE, ALERT_UPDATE};
use crate::registry::{GatedAction, Op, Proposal};

const IDS: (&str, &str) = ("alert_id", "alert_name");

/// The condition fields of `.update`.
const UPDATE_FIELDS: &[&str] = &["threshold_count", "window_minutes", "evaluation_periods"];

pub struct DisableAlert;
pub struct DeleteAlert;
pub struct UpdateAlert;

fn pick(side: Option<&Value>, fields: &[&str]) -> Value {
    let m: Map<String, Value> = fields
        .iter()
        .map(|f| (f.to_string(), common::get(side, f).cloned().unwrap_or(Value::Null)))
        .collect();
    Value::Object(m)
}

impl GatedAction for DisableAlert {
    fn key(&self) -> &'static str {
        ALERT_DISABLE
    }
    fn resource_type(&self) -> &'static str {
        ALERT
    }
    fn detect(&self, p: &Proposal) -> bool {
        p.op == Op::Update
            && common::flag(p.before.as_ref(), "enabled") == Some(true)
            && common::flag(p.after.as_ref(), "enabled") == Some(false)
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        Ok(Value::Object(common::intent(p, IDS, json!({"enabled": true}), json!({"enabled": false}))))
    }
    fn display(&self, intent: &Value) -> Value {
        let description = format!("Disable alert '{}'", common::name(intent, IDS.1));
        // The whole request, not just `enabled`: approvers consent to all it writes.
        common::display(
            description,
            common::side(intent, "current_state"),
            common::side(intent, "full_request_data"),
        )
    }
}

impl GatedAction for DeleteAlert {
    fn key(&self) -> &'static str {
        ALERT_DELETE
    }
    fn resource_type(&self) -> &'static str {
        ALERT
    }
    fn detect(&self, p: &Proposal) -> bool {
        p.op == Op::Delete
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        let fields = ["enabled", "threshold_count", "window_minutes", "evaluation_periods"];
        let current = pick(p.before.as_ref(), &fields);
        Ok(Value::Object(common::intent(p, IDS, current, json!({"deleted": true}))))
    }
    fn display(&self, intent: &Value) -> Value {
        let description = format!("Delete alert '{}'", common::name(intent, IDS.1));
        common::display(
            description,
            common::side(intent, "current_state"),
            common::side(intent, "gated_changes"),
        )
    }
}

fn update_diff(before: &Value, after: &Value) -> Vec<Diff> {
    common::diff(UPDATE_FIELDS, before, after)
}

impl GatedAction for UpdateAlert {
    fn key(&self) -> &'static str {
        ALERT_UPDATE
    }
    fn resource_type(&self) -> &'static str {
        ALERT
    }
    /// An edit of the threshold count, the window or the evaluation periods; toggling
    /// `enabled` alone (or any other field) is not this action.
    fn detect(&self, p: &Proposal) -> bool {
        p.op == Op::Update
            && !update_diff(&pick(p.before.as_ref(), UPDATE_FIELDS), &pick(p.after.as_ref(), UPDATE_FIELDS))
                .is_empty()
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        let (before, after) = (pick(p.before.as_ref(), UPDATE_FIELDS), pick(p.after.as_ref(), UPDATE_FIELDS));
        let triggered = common::triggered(&update_diff(&before, &after));
        let mut m = common::intent(p, IDS, before, after);
        m.insert("triggered_paths".into(), triggered);
        Ok(Value::Object(m))
    }
    fn display(&self, intent: &Value) -> Value {
        let (before, after) = (common::side(intent, "current_state"), common::side(intent, "gated_changes"));
        let changes = common::describe(&update_diff(before, after), |d| common::words(d.field));
        let mut description = format!("Change threshold of alert '{}'", common::name(intent, IDS.1));
        if !changes.is_empty() {
            description = format!("{description}: {changes}");
        }
        common::display(description, before, after)
    }
    fn supports_conditions(&self) -> bool {
        true
    }
}
