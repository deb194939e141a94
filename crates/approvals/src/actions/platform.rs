//! `project.retention_decrease` (logs deleted sooner) and
//! `organization_member.level_change` (someone made admin or owner).

use serde_json::{Value, json};

use super::common;
use super::{MEMBER, MEMBER_LEVEL_CHANGE, PROJECT, RETENTION_DECREASE};
use crate::model::{LEVEL_ADMIN, LEVEL_MEMBER, LEVEL_OWNER};
use crate::registry::{GatedAction, Op, Proposal};

pub struct RetentionDecrease;
pub struct LevelChange;

impl GatedAction for RetentionDecrease {
    fn key(&self) -> &'static str {
        RETENTION_DECREASE
    }
    fn resource_type(&self) -> &'static str {
        PROJECT
    }
    fn detect(&self, p: &Proposal) -> bool {
        let (before, after) = (
            common::number(p.before.as_ref(), "retention_days"),
            common::number(p.after.as_ref(), "retention_days"),
        );
        p.op == Op::Update && matches!((before, after), (Some(b), Some(a)) if a < b)
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        let days = |side: Option<&Value>| common::get(side, "retention_days").cloned().unwrap_or(Value::Null);
        let current = json!({"retention_days": days(p.before.as_ref())});
        let gated = json!({"retention_days": days(p.after.as_ref())});
        let mut m = common::intent(p, ("project_id", "project_name"), current, gated);
        // Projects have integer ids.
        if let Some(id) = p.resource_id.as_deref().and_then(|s| s.parse::<i64>().ok()) {
            m.insert("project_id".into(), json!(id));
        }
        Ok(Value::Object(m))
    }
    fn display(&self, intent: &Value) -> Value {
        let (before, after) = (common::side(intent, "current_state"), common::side(intent, "gated_changes"));
        let days = |side: &Value| common::show(side.get("retention_days").unwrap_or(&Value::Null));
        let description = format!(
            "Lower retention of project '{}' from {} to {} days",
            common::name(intent, "project_name"),
            days(before),
            days(after)
        );
        common::display(description, before, after)
    }
    fn supports_conditions(&self) -> bool {
        true
    }
}

fn level_label(level: Option<i64>) -> String {
    match level {
        Some(LEVEL_MEMBER) => "member".into(),
        Some(LEVEL_ADMIN) => "administrator".into(),
        Some(LEVEL_OWNER) => "owner".into(),
        Some(other) => format!("level {other}"),
        None => "unknown".into(),
    }
}

impl GatedAction for LevelChange {
    fn key(&self) -> &'static str {
        MEMBER_LEVEL_CHANGE
    }
    fn resource_type(&self) -> &'static str {
        MEMBER
    }
    /// A member raised to administrator or owner (lowering a level grants nothing).
    fn detect(&self, p: &Proposal) -> bool {
        let level = |side: Option<&Value>| common::get(side, "level").and_then(Value::as_i64);
        let (before, after) = (level(p.before.as_ref()), level(p.after.as_ref()));
        p.op == Op::Update
            && matches!((before, after), (Some(b), Some(a)) if a > b && (a == LEVEL_ADMIN || a == LEVEL_OWNER))
    }
    fn intent(&self, p: &Proposal) -> Result<Value, String> {
        let level = |side: Option<&Value>| common::get(side, "level").cloned().unwrap_or(Value::Null);
        let current = json!({"level": level(p.before.as_ref())});
        let gated = json!({"level": level(p.after.as_ref())});
        Ok(Value::Object(common::intent(p, ("user_uuid", "email"), current, gated)))
    }
    fn display(&self, intent: &Value) -> Value {
        let (before, after) = (common::side(intent, "current_state"), common::side(intent, "gated_changes"));
        let level = |side: &Value| level_label(side.get("level").and_then(Value::as_i64));
        let description = format!(
            "Raise organization member '{}' from {} to {}",
            common::name(intent, "email"),
            level(before),
            level(after)
        );
        common::display(description, before, after)
    }
    fn organization_level(&self) -> bool {
        true
    }
    /// `{"type": "before_after", "field": "level", "operator": "==", "value": 15}` gates
    /// only promotions to owner.
    fn supports_conditions(&self) -> bool {
        true
    }
}
