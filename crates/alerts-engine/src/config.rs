//! Alert configuration model and validation (spec §3.1).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Allowed `window_minutes` values.
pub const WINDOW_MINUTES: [u32; 5] = [5, 10, 15, 30, 60];
/// Upper bound for both `evaluation_periods` (M) and `datapoints_to_alarm` (N).
pub const MAX_EVALUATION_PERIODS: i64 = 10;
/// Default per-project alert limit.
pub const DEFAULT_MAX_ALERTS: usize = 20;
pub const NAME_MAX_CHARS: usize = 255;
pub const DEFAULT_NAME: &str = "Untitled alert";

/// A validation failure: `attr` is the offending field (None for non-field errors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct ConfigError {
    pub attr: Option<&'static str>,
    pub detail: String,
}

impl ConfigError {
    fn field(attr: &'static str, detail: impl Into<String>) -> Self {
        Self { attr: Some(attr), detail: detail.into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ThresholdOperatorName))]
#[serde(rename_all = "snake_case")]
pub enum ThresholdOperator {
    #[default]
    Above,
    Below,
}

impl ThresholdOperator {
    /// Strict comparison: `above` breaches iff count > threshold, `below` iff count < threshold.
    pub fn breached(self, count: u64, threshold: u64) -> bool {
        match self {
            Self::Above => count > threshold,
            Self::Below => count < threshold,
        }
    }
}

/// `{"severityLevels"?, "serviceNames"?, "filterGroup"?}`. The filter group's
/// shape is validated by the logs-query layer; here only emptiness matters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertFilters {
    #[serde(default)]
    pub severity_levels: Vec<String>,
    #[serde(default)]
    pub service_names: Vec<String>,
    #[serde(default)]
    pub filter_group: Option<serde_json::Value>,
}

impl AlertFilters {
    pub fn is_empty(&self) -> bool {
        self.severity_levels.is_empty()
            && self.service_names.is_empty()
            && !self.filter_group.as_ref().is_some_and(group_non_empty)
    }
}

/// A property group counts as non-empty when any nested `values` array holds a leaf.
pub(crate) fn group_non_empty(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(map) => match map.get("values") {
            Some(serde_json::Value::Array(items)) => items.iter().any(|i| match i {
                serde_json::Value::Object(o) if o.contains_key("values") => group_non_empty(i),
                serde_json::Value::Object(_) => true,
                _ => false,
            }),
            _ => false,
        },
        _ => false,
    }
}

/// The user-writable fields of an alert after defaults are applied.
/// Numeric fields are signed so that negative input can be reported, not wrapped.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertConfig {
    pub name: String,
    pub enabled: bool,
    pub filters: AlertFilters,
    pub threshold_count: i64,
    pub threshold_operator: ThresholdOperator,
    pub window_minutes: i64,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: i64,
    pub cooldown_minutes: i64,
    pub snooze_until: Option<OffsetDateTime>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self {
            name: DEFAULT_NAME.to_owned(),
            enabled: true,
            filters: AlertFilters::default(),
            threshold_count: 100,
            threshold_operator: ThresholdOperator::Above,
            window_minutes: 5,
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
            cooldown_minutes: 0,
            snooze_until: None,
        }
    }
}

/// Blank or omitted names become the default.
pub fn normalize_name(name: Option<&str>) -> String {
    match name.map(str::trim) {
        Some(n) if !n.is_empty() => n.to_owned(),
        _ => DEFAULT_NAME.to_owned(),
    }
}

fn at_least(attr: &'static str, v: i64, min: i64) -> Result<(), ConfigError> {
    if v < min {
        return Err(ConfigError::field(
            attr,
            format!("Ensure this value is greater than or equal to {min}."),
        ));
    }
    Ok(())
}

fn at_most(attr: &'static str, v: i64, max: i64) -> Result<(), ConfigError> {
    if v > max {
        return Err(ConfigError::field(attr, format!("Ensure this value is less than or equal to {max}.")));
    }
    Ok(())
}

impl AlertConfig {
    /// Validates the whole configuration. `snooze_changed` says whether this
    /// request set `snooze_until`: a stored snooze that has since expired is not an error.
    pub fn validate(&self, now: OffsetDateTime, snooze_changed: bool) -> Result<(), ConfigError> {
        if self.name.chars().count() > NAME_MAX_CHARS {
            return Err(ConfigError::field(
                "name",
                format!("Ensure this field has no more than {NAME_MAX_CHARS} characters."),
            ));
        }
        at_least("threshold_count", self.threshold_count, 0)?;
        if !WINDOW_MINUTES.iter().any(|&w| i64::from(w) == self.window_minutes) {
            return Err(ConfigError::field("window_minutes", "Must be one of [5, 10, 15, 30, 60]."));
        }
        at_least("evaluation_periods", self.evaluation_periods, 1)?;
        at_most("evaluation_periods", self.evaluation_periods, MAX_EVALUATION_PERIODS)?;
        at_least("datapoints_to_alarm", self.datapoints_to_alarm, 1)?;
        at_most("datapoints_to_alarm", self.datapoints_to_alarm, MAX_EVALUATION_PERIODS)?;
        if self.datapoints_to_alarm > self.evaluation_periods {
            return Err(ConfigError::field(
                "datapoints_to_alarm",
                "Cannot exceed evaluation_periods (N > M).",
            ));
        }
        at_least("cooldown_minutes", self.cooldown_minutes, 0)?;
        if snooze_changed && self.snooze_until.is_some_and(|s| s <= now) {
            return Err(ConfigError::field("snooze_until", "Must be a future datetime."));
        }
        // A disabled alert without filters is a draft; anything enabled must filter something.
        if self.enabled && self.filters.is_empty() {
            return Err(ConfigError::field(
                "filters",
                "At least one filter is required (severityLevels, serviceNames, or filterGroup).",
            ));
        }
        Ok(())
    }
}

/// Checked before creating an alert; `existing` is counted under the team-row lock.
pub fn check_alert_limit(existing: usize, max: usize) -> Result<(), ConfigError> {
    if existing >= max {
        return Err(ConfigError {
            attr: None,
            detail: format!("Maximum number of alerts ({max}) reached for this team."),
        });
    }
    Ok(())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
