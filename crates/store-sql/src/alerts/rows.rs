//! Row structs of the alert tables and their conversions to and from `alerts_engine::repo`.
//! Conventions as in `crate::rows`; a value that does not decode becomes
//! `AlertRepoError::Storage`, never a panic.

use alerts_engine::config::{AlertConfig, AlertFilters, ThresholdOperator};
use alerts_engine::quiet_hours::ScheduleRestriction;
use alerts_engine::repo::{Alert, AlertRepoError, NewEvent, StoredEvent};
use alerts_engine::state::{AlertEvent, AlertState, EventKind};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::rows::{to_us, uuid_text};
use crate::schema::{logs_alert_events, logs_alerts};

type Result<T> = std::result::Result<T, AlertRepoError>;

pub(super) fn corrupt(what: &str, value: &str, e: impl std::fmt::Display) -> AlertRepoError {
    AlertRepoError::Storage(format!("corrupt {what} {value:?} in the database: {e}"))
}

fn encode_err(what: &str, e: impl std::fmt::Display) -> AlertRepoError {
    AlertRepoError::Storage(format!("cannot store {what}: {e}"))
}

pub(crate) fn time(us: i64, what: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(what, &us.to_string(), e))
}

pub(super) fn opt_time(us: Option<i64>, what: &str) -> Result<Option<OffsetDateTime>> {
    us.map(|v| time(v, what)).transpose()
}

pub(crate) fn parse_uuid(s: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt(what, s, e))
}

fn json_text<T: Serialize>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|e| encode_err(what, e))
}

pub(super) fn from_json<T: DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, s, e))
}

/// The serde name of a unit enum variant (`AlertState::NotFiring` → `not_firing`).
pub(crate) fn enum_text<T: Serialize>(v: T, what: &str) -> Result<String> {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => Ok(s),
        Ok(other) => Err(encode_err(what, format!("not a unit variant: {other}"))),
        Err(e) => Err(encode_err(what, e)),
    }
}

fn enum_parse<T: DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_value(Value::String(s.to_owned())).map_err(|e| corrupt(what, s, e))
}

pub(crate) fn state_text(s: AlertState) -> Result<String> {
    enum_text(s, "alert state")
}

pub(crate) fn kind_text(k: EventKind) -> Result<String> {
    enum_text(k, "event kind")
}

pub(crate) fn kind_parse(s: &str) -> Result<EventKind> {
    enum_parse(s, "logs_alert_events.kind")
}

pub(super) fn u32_of(v: i64, what: &str) -> Result<u32> {
    u32::try_from(v).map_err(|e| corrupt(what, &v.to_string(), e))
}

fn count_to_i64(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|e| encode_err("result_count", e))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = logs_alerts, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct AlertRow {
    pub id: String,
    pub team_id: i64,
    #[diesel(embed)]
    pub fields: AlertChanges,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub version: i64,
    pub claimed_until: Option<i64>,
}

/// Every user-visible and state field: what `update_alert` writes (NULLs included), and
/// the bulk of a stored row.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = logs_alerts, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct AlertChanges {
    pub name: String,
    pub enabled: bool,
    pub filters: String,
    pub threshold_count: i64,
    pub threshold_operator: String,
    pub window_minutes: i64,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: i64,
    pub cooldown_minutes: i64,
    pub snooze_until: Option<i64>,
    pub schedule_restriction: Option<String>,
    pub state: String,
    pub next_check_at: Option<i64>,
    pub last_checked_at: Option<i64>,
    pub last_notified_at: Option<i64>,
    pub consecutive_failures: i64,
    pub last_error_message: Option<String>,
    pub first_enabled_at: Option<i64>,
    pub updated_at: i64,
}

impl AlertRow {
    pub fn from_domain(a: &Alert) -> Result<Self> {
        Ok(Self {
            id: uuid_text(a.id),
            team_id: a.team_id,
            fields: AlertChanges::from_domain(a)?,
            created_by: a.created_by,
            created_at: to_us(a.created_at),
            version: a.version,
            claimed_until: None,
        })
    }

    pub fn into_domain(self) -> Result<Alert> {
        let t = |v, what| time(v, what);
        let f = self.fields;
        Ok(Alert {
            id: parse_uuid(&self.id, "logs_alerts.id")?,
            team_id: self.team_id,
            config: AlertConfig {
                name: f.name,
                enabled: f.enabled,
                filters: from_json::<AlertFilters>(&f.filters, "logs_alerts.filters")?,
                threshold_count: f.threshold_count,
                threshold_operator: enum_parse::<ThresholdOperator>(
                    &f.threshold_operator,
                    "logs_alerts.threshold_operator",
                )?,
                window_minutes: f.window_minutes,
                evaluation_periods: f.evaluation_periods,
                datapoints_to_alarm: f.datapoints_to_alarm,
                cooldown_minutes: f.cooldown_minutes,
                snooze_until: opt_time(f.snooze_until, "logs_alerts.snooze_until")?,
            },
            schedule_restriction: f
                .schedule_restriction
                .map(|s| from_json::<ScheduleRestriction>(&s, "logs_alerts.schedule_restriction"))
                .transpose()?,
            state: enum_parse(&f.state, "logs_alerts.state")?,
            next_check_at: opt_time(f.next_check_at, "logs_alerts.next_check_at")?,
            last_checked_at: opt_time(f.last_checked_at, "logs_alerts.last_checked_at")?,
            last_notified_at: opt_time(f.last_notified_at, "logs_alerts.last_notified_at")?,
            consecutive_failures: u32_of(f.consecutive_failures, "logs_alerts.consecutive_failures")?,
            last_error_message: f.last_error_message,
            first_enabled_at: opt_time(f.first_enabled_at, "logs_alerts.first_enabled_at")?,
            created_by: self.created_by,
            created_at: t(self.created_at, "logs_alerts.created_at")?,
            updated_at: t(f.updated_at, "logs_alerts.updated_at")?,
            version: self.version,
        })
    }
}

impl AlertChanges {
    pub fn from_domain(a: &Alert) -> Result<Self> {
        let c = &a.config;
        Ok(Self {
            name: c.name.clone(),
            enabled: c.enabled,
            filters: json_text(&c.filters, "filters")?,
            threshold_count: c.threshold_count,
            threshold_operator: enum_text(c.threshold_operator, "threshold_operator")?,
            window_minutes: c.window_minutes,
            evaluation_periods: c.evaluation_periods,
            datapoints_to_alarm: c.datapoints_to_alarm,
            cooldown_minutes: c.cooldown_minutes,
            snooze_until: c.snooze_until.map(to_us),
            schedule_restriction: a
                .schedule_restriction
                .as_ref()
                .map(|r| json_text(r, "schedule_restriction"))
                .transpose()?,
            state: state_text(a.state)?,
            next_check_at: a.next_check_at.map(to_us),
            last_checked_at: a.last_checked_at.map(to_us),
            last_notified_at: a.last_notified_at.map(to_us),
            consecutive_failures: i64::from(a.consecutive_failures),
            last_error_message: a.last_error_message.clone(),
            first_enabled_at: a.first_enabled_at.map(to_us),
            updated_at: to_us(a.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = logs_alert_events, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct EventRow {
    pub id: String,
    pub alert_id: String,
    pub team_id: i64,
    pub kind: String,
    pub created_at: i64,
    pub result_count: Option<i64>,
    pub threshold_breached: bool,
    pub state_before: String,
    pub state_after: String,
    pub error_message: Option<String>,
    pub query_duration_ms: Option<i64>,
    pub inputs: Option<String>,
}

impl EventRow {
    pub fn from_new(team_id: i64, alert_id: Uuid, e: &NewEvent) -> Result<Self> {
        let ev = &e.event;
        Ok(Self {
            id: uuid_text(e.id),
            alert_id: uuid_text(alert_id),
            team_id,
            kind: kind_text(ev.kind)?,
            created_at: to_us(e.created_at),
            result_count: ev.result_count.map(count_to_i64).transpose()?,
            threshold_breached: ev.threshold_breached,
            state_before: state_text(ev.state_before)?,
            state_after: state_text(ev.state_after)?,
            error_message: ev.error_message.clone(),
            query_duration_ms: e.query_duration_ms,
            // `Value`'s Display is its JSON text.
            inputs: e.inputs.as_ref().filter(|v| !v.is_null()).map(Value::to_string),
        })
    }

    pub fn into_domain(self) -> Result<StoredEvent> {
        Ok(StoredEvent {
            id: parse_uuid(&self.id, "logs_alert_events.id")?,
            alert_id: parse_uuid(&self.alert_id, "logs_alert_events.alert_id")?,
            created_at: time(self.created_at, "logs_alert_events.created_at")?,
            event: AlertEvent {
                kind: kind_parse(&self.kind)?,
                state_before: enum_parse(&self.state_before, "logs_alert_events.state_before")?,
                state_after: enum_parse(&self.state_after, "logs_alert_events.state_after")?,
                result_count: self
                    .result_count
                    .map(|c| {
                        u64::try_from(c)
                            .map_err(|e| corrupt("logs_alert_events.result_count", &c.to_string(), e))
                    })
                    .transpose()?,
                threshold_breached: self.threshold_breached,
                error_message: self.error_message,
            },
            query_duration_ms: self.query_duration_ms,
            inputs: self.inputs.map(|s| from_json(&s, "logs_alert_events.inputs")).transpose()?,
        })
    }
}
