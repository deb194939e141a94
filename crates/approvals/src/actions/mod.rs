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
//!
//! What each action gates, and the fields its `conditions` (§4.4) can name (`before` is
//! `intent.current_state[field]`, `after` is `intent.gated_changes[field]`):
//!
//! | action_key | gated write | condition fields |
//! |---|---|---|
//! | `logs_sampling_rule.enable` | `enabled` false → true, or a rule created enabled | none (any conditions mean always) |
//! | `logs_sampling_rule.update` | a change of a sample rate, a rate limit or a drop rule's patterns | `sample_rate`: `[{"path": "DEBUG", "value": 0.1}, …]`, one entry per level (DEBUG, INFO, WARN, ERROR), the share of lines kept (keep or no action 1, drop 0, sample its rate); `logs_per_second`, `kb_per_second`, `burst` (burst_logs / burst_kb, or its default of 3 × the rate); `patterns`: `[{"path": "patterns[0]", "value": "^/health"}, …]`; `match_attribute_key` |
//! | `logs_sampling_rule.delete` | a delete | none |
//! | `logs_alert.disable` | `enabled` true → false | none |
//! | `logs_alert.delete` | a delete | none |
//! | `logs_alert.update` | a change of `threshold_count`, `window_minutes` or `evaluation_periods` (not a toggle of `enabled` alone) | `threshold_count`, `window_minutes`, `evaluation_periods` |
//! | `project.retention_decrease` | `retention_days` lowered | `retention_days` |
//! | `organization_member.level_change` | a level raised to 8 (admin) or 15 (owner); organization-level | `level` |
//!
//! Examples: `{"type": "before_after", "field": "sample_rate", "operator": "<", "value": 0.5}`
//! gates a rule that would keep less than half of some level;
//! `{"type": "change_amount", "field": "retention_days", "operator": "<=", "value": -7}`
//! gates cutting retention by a week or more. Intents carry the resource's ids
//! (`rule_id`/`rule_name`, `alert_id`/`alert_name`, `project_id`/`project_name`,
//! `user_uuid`/`email`), and the `*.update` actions a `triggered_paths` list.

mod alerts;
mod common;
mod platform;
mod sampling;

use std::sync::Arc;

pub use alerts::{DeleteAlert, DisableAlert, UpdateAlert};
pub use platform::{LevelChange, RetentionDecrease};
pub use sampling::{DeleteRule, EnableRule, UpdateRule};

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
    let LogsteadAppliers { sampling_rule, alert, project, member } = appliers;
    let mut r = Registry::new();
    // Registration order is detection order (§4.5 step 2): an edit that both enables a rule
    // and changes its rates is `.enable` when both have a policy.
    r.register(Arc::new(EnableRule), sampling_rule.clone())
        .register(Arc::new(UpdateRule), sampling_rule.clone())
        .register(Arc::new(DeleteRule), sampling_rule)
        .register(Arc::new(DisableAlert), alert.clone())
        .register(Arc::new(UpdateAlert), alert.clone())
        .register(Arc::new(DeleteAlert), alert)
        .register(Arc::new(RetentionDecrease), project)
        .register(Arc::new(LevelChange), member);
    r
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
