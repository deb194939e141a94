//! Logstead's gated actions: the changes that lose data or silence people (issue 12).
//! PostHog gates feature flags; Logstead has none.
//!
//! What each resource's use case puts in its [`Proposal`](crate::Proposal) (the contract
//! between the resource crates and these actions):
//!
//! | resource_type | before / after | resource_id | preconditions |
//! |---|---|---|---|
//! | `logs_sampling_rule` | `SamplingRule::snapshot()` (name, enabled, priority, rule_type, scope_*, config) | rule uuid | `{"version": n}` |
//! | `logs_alert` | `alerts_engine::edit::snapshot()` (name, enabled, filters, threshold_count, threshold_operator, window_minutes, evaluation_periods, datapoints_to_alarm, cooldown_minutes, snooze_until, schedule_restriction, state) | alert uuid | `{"updated_at": rfc3339}` |
//! | `project` | `{"name", "timezone", "retention_days"}` | project id | `{"retention_days": n}` |
//! | `organization_member` | `{"level": n, "email", "user_uuid"}` | the member's user uuid | `{"level": n}` |
//!
//! `resource_name` is the rule's, alert's or project's name, or the member's email.

use std::sync::Arc;

use crate::registry::{Applier, Registry};

pub const SAMPLING_RULE: &str = "logs_sampling_rule";
pub const ALERT: &str = "logs_alert";
pub const PROJECT: &str = "project";
pub const MEMBER: &str = "organization_member";

pub const SAMPLING_RULE_ENABLE: &str = "logs_sampling_rule.enable";
pub const SAMPLING_RULE_UPDATE: &str = "logs_sampling_rule.update";
pub const SAMPLING_RULE_DELETE: &str = "logs_sampling_rule.delete";
pub const ALERT_DISABLE: &str = "logs_alert.disable";
pub const ALERT_DELETE: &str = "logs_alert.delete";
pub const ALERT_UPDATE: &str = "logs_alert.update";
pub const RETENTION_DECREASE: &str = "project.retention_decrease";
pub const MEMBER_LEVEL_CHANGE: &str = "organization_member.level_change";

/// The embedding server's appliers, one per resource type.
#[derive(Clone)]
pub struct LogsteadAppliers {
    pub sampling_rule: Arc<dyn Applier>,
    pub alert: Arc<dyn Applier>,
    pub project: Arc<dyn Applier>,
    pub member: Arc<dyn Applier>,
}

/// Logstead's eight actions, each with its applier.
pub fn logstead(appliers: LogsteadAppliers) -> Registry {
    let _ = appliers;
    todo!("helper: actions::logstead")
}
