//! Create / PUT / PATCH bodies (spec §4.1–4.3): defaults, field checks, per-type config.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config;
use crate::error::{Result, SamplingError};
use crate::model::{RuleType, SamplingRule};

/// The writable fields of a request body. `None` = absent; for nullable fields
/// `Some(None)` = explicit null. Read-only fields are ignored, as DRF does.
/// Serializes back to the body as sent (absent fields skipped, nulls kept): what a change
/// request stores and replays at apply.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct RuleInput {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Option<bool>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub priority: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub rule_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub scope_service: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub scope_path_pattern: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub scope_attribute_filters: Option<Option<Value>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub config: Option<Option<Value>>,
}

fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// How absent fields are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    /// PUT: absent fields take their create default (full replacement).
    Full,
    /// PATCH: absent fields keep their stored value.
    Partial,
}

fn required(attr: &'static str) -> SamplingError {
    SamplingError::coded(attr, "required", "This field is required.")
}

fn not_null(attr: &'static str) -> SamplingError {
    SamplingError::coded(attr, "null", "This field may not be null.")
}

fn text(attr: &'static str, v: &str, max: usize) -> Result<()> {
    if v.trim().is_empty() {
        return Err(SamplingError::coded(attr, "blank", "This field may not be blank."));
    }
    if v.chars().count() > max {
        return Err(SamplingError::coded(
            attr,
            "max_length",
            format!("Ensure this field has no more than {max} characters."),
        ));
    }
    Ok(())
}

fn optional_text(
    attr: &'static str,
    v: Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>> {
    if let Some(Some(s)) = &v {
        text(attr, s, max)?;
    }
    Ok(v)
}

fn attribute_filters(v: &Value) -> Result<()> {
    let items = v
        .as_array()
        .ok_or_else(|| SamplingError::invalid("scope_attribute_filters", "Expected a list of objects."))?;
    for item in items {
        let ok = item.as_object().is_some_and(|o| o.contains_key("key") && o.contains_key("op"));
        if !ok {
            return Err(SamplingError::invalid(
                "scope_attribute_filters",
                "Each scope_attribute_filters entry must be an object with \"key\" and \"op\".",
            ));
        }
    }
    Ok(())
}

/// Where a write happens.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub team_id: i64,
    pub author: Option<i64>,
    /// The id a created rule gets.
    pub new_id: Uuid,
    /// What an omitted or null priority becomes on create (`max + 1`, 0 for the first rule).
    pub next_priority: i64,
    pub now: OffsetDateTime,
}

/// The rule `input` makes of `cur` (None on create).
pub fn apply(cur: Option<&SamplingRule>, input: &RuleInput, mode: Mode, ctx: Ctx) -> Result<SamplingRule> {
    let Ctx { team_id, author, new_id, next_priority, now } = ctx;
    let keep = mode == Mode::Partial;
    let name = match (&input.name, cur) {
        (Some(Some(n)), _) => n.clone(),
        (Some(None), _) => return Err(not_null("name")),
        (None, Some(c)) if keep => c.name.clone(),
        (None, _) => return Err(required("name")),
    };
    text("name", &name, 255)?;
    let rule_type = match (&input.rule_type, cur) {
        (Some(Some(t)), _) => RuleType::parse(t).ok_or_else(|| {
            SamplingError::coded("rule_type", "invalid_choice", format!("\"{t}\" is not a valid choice."))
        })?,
        (Some(None), _) => return Err(not_null("rule_type")),
        (None, Some(c)) if keep => c.rule_type,
        (None, _) => return Err(required("rule_type")),
    };
    let enabled = match (input.enabled, cur) {
        (Some(Some(e)), _) => e,
        (Some(None), _) => return Err(not_null("enabled")),
        (None, Some(c)) if keep => c.enabled,
        (None, _) => false,
    };
    let priority = match (input.priority, cur) {
        (Some(Some(p)), _) if p < 0 => {
            return Err(SamplingError::coded(
                "priority",
                "min_value",
                "Ensure this value is greater than or equal to 0.",
            ));
        }
        (Some(Some(p)), _) => p,
        (_, Some(c)) if mode != Mode::Create => c.priority,
        _ => next_priority,
    };
    let field = |v: &Option<Option<String>>, old: Option<&Option<String>>| match (v, old) {
        (Some(v), _) => v.clone(),
        (None, Some(o)) if keep => o.clone(),
        (None, _) => None,
    };
    let scope_service = field(
        &optional_text("scope_service", input.scope_service.clone(), 512)?,
        cur.map(|c| &c.scope_service),
    );
    let scope_path_pattern = field(
        &optional_text("scope_path_pattern", input.scope_path_pattern.clone(), 1024)?,
        cur.map(|c| &c.scope_path_pattern),
    );
    let scope_attribute_filters = match (&input.scope_attribute_filters, cur) {
        (Some(Some(v)), _) => {
            attribute_filters(v)?;
            v.clone()
        }
        (Some(None), _) => return Err(not_null("scope_attribute_filters")),
        (None, Some(c)) if keep => c.scope_attribute_filters.clone(),
        (None, _) => Value::Array(Vec::new()),
    };
    let config = match (&input.config, cur) {
        (Some(Some(v)), _) => v.clone(),
        (Some(None), _) => return Err(not_null("config")),
        (None, Some(c)) if keep => c.config.clone(),
        (None, _) => return Err(required("config")),
    };
    let writes_config = matches!(input.config, Some(Some(_)));
    config::parse(rule_type, &config, writes_config).map_err(|d| SamplingError::invalid("config", d))?;
    Ok(SamplingRule {
        id: cur.map_or(new_id, |c| c.id),
        team_id,
        name,
        enabled,
        priority,
        rule_type,
        scope_service,
        scope_path_pattern,
        scope_attribute_filters,
        config,
        version: cur.map_or(1, |c| c.version),
        created_by: cur.map_or(author, |c| c.created_by),
        created_at: cur.map_or(now, |c| c.created_at),
        updated_at: now,
    })
}

/// Spec §4.5: `ordered_ids` must be every rule of the team, once each.
pub fn check_order(existing: &[Uuid], ordered: &[Uuid]) -> Result<()> {
    let mut a = existing.to_vec();
    let mut b = ordered.to_vec();
    a.sort_unstable();
    b.sort_unstable();
    if a != b {
        return Err(SamplingError::invalid(
            "ordered_ids",
            "ordered_ids must list every sampling rule for this team exactly once.",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
