//! Row struct of `logs_sampling_rules` and its conversions to and from `sampling::model`.
//! Conventions as in `crate::rows`; a value that does not decode becomes
//! `SamplingError::Storage`, never a panic.

use ::sampling::{RuleType, SamplingError, SamplingRule};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::rows::{to_us, uuid_text};
use crate::schema::logs_sampling_rules;

type Result<T> = std::result::Result<T, SamplingError>;

fn corrupt(what: &str, value: &str, e: impl std::fmt::Display) -> SamplingError {
    SamplingError::Storage(format!("corrupt {what} {value:?} in the database: {e}"))
}

fn time(us: i64, what: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(what, &us.to_string(), e))
}

fn json(s: &str, what: &str) -> Result<Value> {
    serde_json::from_str(s).map_err(|e| corrupt(what, s, e))
}

pub(super) fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt("logs_sampling_rules.id", s, e))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = logs_sampling_rules, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct RuleRow {
    pub id: String,
    pub team_id: i64,
    pub name: String,
    pub enabled: bool,
    pub priority: i64,
    pub rule_type: String,
    pub scope_service: Option<String>,
    pub scope_path_pattern: Option<String>,
    pub scope_attribute_filters: String,
    pub config: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl RuleRow {
    pub fn from_domain(r: &SamplingRule) -> Self {
        Self {
            id: uuid_text(r.id),
            team_id: r.team_id,
            name: r.name.clone(),
            enabled: r.enabled,
            priority: r.priority,
            rule_type: r.rule_type.as_str().to_string(),
            scope_service: r.scope_service.clone(),
            scope_path_pattern: r.scope_path_pattern.clone(),
            scope_attribute_filters: r.scope_attribute_filters.to_string(),
            config: r.config.to_string(),
            version: r.version,
            created_by: r.created_by,
            created_at: to_us(r.created_at),
            updated_at: to_us(r.updated_at),
        }
    }

    pub fn into_domain(self) -> Result<SamplingRule> {
        let rule_type = RuleType::parse(&self.rule_type)
            .ok_or_else(|| corrupt("rule_type", &self.rule_type, "unknown type"))?;
        Ok(SamplingRule {
            id: parse_uuid(&self.id)?,
            team_id: self.team_id,
            name: self.name,
            enabled: self.enabled,
            priority: self.priority,
            rule_type,
            scope_service: self.scope_service,
            scope_path_pattern: self.scope_path_pattern,
            scope_attribute_filters: json(&self.scope_attribute_filters, "scope_attribute_filters")?,
            config: json(&self.config, "config")?,
            version: self.version,
            created_by: self.created_by,
            created_at: time(self.created_at, "created_at")?,
            updated_at: time(self.updated_at, "updated_at")?,
        })
    }
}
