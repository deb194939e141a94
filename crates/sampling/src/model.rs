//! The stored rule (`LogsExclusionRule`, spec §4.1).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

/// Activity-log scope of rule changes.
pub const ACTIVITY_SCOPE: &str = "LogsSamplingRule";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleType {
    SeveritySampling,
    PathDrop,
    RateLimit,
}

impl RuleType {
    pub const ALL: [RuleType; 3] = [Self::SeveritySampling, Self::PathDrop, Self::RateLimit];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SeveritySampling => "severity_sampling",
            Self::PathDrop => "path_drop",
            Self::RateLimit => "rate_limit",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SamplingRule {
    pub id: Uuid,
    pub team_id: i64,
    pub name: String,
    pub enabled: bool,
    /// Lower runs first; ties by `created_at` ascending.
    pub priority: i64,
    pub rule_type: RuleType,
    pub scope_service: Option<String>,
    pub scope_path_pattern: Option<String>,
    /// A JSON list of `{key, op, ...}` objects; stored, not evaluated (as PostHog).
    pub scope_attribute_filters: Value,
    pub config: Value,
    /// +1 on every update and on reorder: caches compare it.
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl SamplingRule {
    /// The fields an activity entry diffs.
    pub fn snapshot(&self) -> Value {
        json!({
            "name": self.name,
            "enabled": self.enabled,
            "priority": self.priority,
            "rule_type": self.rule_type.as_str(),
            "scope_service": self.scope_service,
            "scope_path_pattern": self.scope_path_pattern,
            "scope_attribute_filters": self.scope_attribute_filters,
            "config": self.config,
        })
    }

    /// One line for `logs/services/` `active_rules` (spec §2.6).
    pub fn summary_string(&self) -> String {
        match self.rule_type {
            RuleType::PathDrop => {
                let n = self.config.get("patterns").and_then(Value::as_array).map_or(0, Vec::len);
                match self.config.get("match_attribute_key").and_then(Value::as_str) {
                    Some(k) if !k.is_empty() => format!("Drop rule on `{k}` ({n} pattern(s))"),
                    _ => format!("Drop rule ({n} pattern(s))"),
                }
            }
            RuleType::SeveritySampling => "Drop by severity rule".to_string(),
            RuleType::RateLimit => match (
                self.config.get("logs_per_second").and_then(Value::as_i64),
                self.config.get("kb_per_second").and_then(Value::as_i64),
            ) {
                (Some(n), _) => format!("Rate limit ({n} logs/s)"),
                (None, Some(n)) => format!("Rate limit ({n} KB/s)"),
                _ => "Rate limit".to_string(),
            },
        }
    }

    /// Whether the rule can apply to records of `service` (legacy scope only; a filter
    /// group is not analysed, so a rule filtering on another service still shows).
    pub fn applies_to_service(&self, service: &str) -> bool {
        self.scope_service.as_deref().is_none_or(|s| s == service)
    }
}
