//! Response shapes of the log alerts API (spec §3.1, §3.4) and how they are built from
//! the use cases' views. Pure mapping: no storage.

use std::collections::BTreeMap;

use alerts_engine::repo::{self, Alert, Delivery, StoredEvent};
use alerts_engine::service::{AlertView, destination_groups};
use alerts_engine::state::{AlertState, EventKind};
use alerts_engine::timeline::Interval;
use orgs::{Page, User};
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::input::{AlertFilters, ScheduleRestriction};
use crate::api::dto::{UserBasic, iso};

/// Server-managed: checks run on a 5-minute grid.
pub const CHECK_INTERVAL_MINUTES: i64 = 5;

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDto {
    pub id: Uuid,
    pub name: String,
    pub enabled: bool,
    /// As sent, empty keys left out.
    #[schema(value_type = AlertFilters)]
    pub filters: Value,
    pub threshold_count: i64,
    pub threshold_operator: alerts_engine::config::ThresholdOperator,
    pub window_minutes: i64,
    pub check_interval_minutes: i64,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: i64,
    pub cooldown_minutes: i64,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub snooze_until: Option<OffsetDateTime>,
    #[schema(value_type = Option<ScheduleRestriction>)]
    pub schedule_restriction: Option<alerts_engine::quiet_hours::ScheduleRestriction>,
    pub state: AlertState,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_check_at: Option<OffsetDateTime>,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_checked_at: Option<OffsetDateTime>,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_notified_at: Option<OffsetDateTime>,
    pub consecutive_failures: u32,
    pub last_error_message: Option<String>,
    /// The last 24 hours, oldest first.
    #[schema(value_type = Vec<TimelineInterval>)]
    pub state_timeline: Vec<Interval>,
    /// Sorted distinct types of live destinations.
    pub destination_types: Vec<String>,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub first_enabled_at: Option<OffsetDateTime>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub created_by: Option<UserBasic>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// Retrieve only: the destinations, one entry per group of rows created together.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    pub destinations: Option<Vec<Value>>,
}

/// One span of `state_timeline`: `[start, end)` in one state (documentation only: the
/// field serializes `alerts_engine::timeline::Interval`).
#[derive(Debug, ToSchema)]
pub struct TimelineInterval {
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    pub state: AlertState,
    pub enabled: bool,
}

/// Filters as the client sent them: empty keys left out.
fn filters_json(a: &Alert) -> Value {
    let f = &a.config.filters;
    let mut m = Map::new();
    if !f.severity_levels.is_empty() {
        m.insert("severityLevels".into(), json!(f.severity_levels));
    }
    if !f.service_names.is_empty() {
        m.insert("serviceNames".into(), json!(f.service_names));
    }
    if let Some(g) = &f.filter_group {
        m.insert("filterGroup".into(), g.clone());
    }
    Value::Object(m)
}

/// One alert as the API shows it.
pub fn render(v: AlertView<User>) -> AlertDto {
    let types = v.destination_types();
    let a = v.alert;
    let c = &a.config;
    AlertDto {
        id: a.id,
        name: c.name.clone(),
        enabled: c.enabled,
        filters: filters_json(&a),
        threshold_count: c.threshold_count,
        threshold_operator: c.threshold_operator,
        window_minutes: c.window_minutes,
        check_interval_minutes: CHECK_INTERVAL_MINUTES,
        evaluation_periods: c.evaluation_periods,
        datapoints_to_alarm: c.datapoints_to_alarm,
        cooldown_minutes: c.cooldown_minutes,
        snooze_until: c.snooze_until,
        schedule_restriction: a.schedule_restriction.clone(),
        state: a.state,
        next_check_at: a.next_check_at,
        last_checked_at: a.last_checked_at,
        last_notified_at: a.last_notified_at,
        consecutive_failures: a.consecutive_failures,
        last_error_message: a.last_error_message.clone(),
        state_timeline: v.timeline,
        destination_types: types,
        first_enabled_at: a.first_enabled_at,
        created_at: a.created_at,
        created_by: v.created_by.as_ref().map(UserBasic::from),
        updated_at: a.updated_at,
        destinations: v.detail.then(|| destination_groups(&v.destinations)),
    }
}

/// A LimitOffset page of alerts.
pub fn render_page(found: repo::Page<AlertView<User>>) -> Page<AlertDto> {
    let count = i64::try_from(found.count).unwrap_or(i64::MAX);
    Page { items: found.results.into_iter().map(render).collect(), count }
}

/// One notification of an event, with its delivery status.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertNotificationDto {
    pub id: Uuid,
    pub destination_id: Uuid,
    /// `slack` or `webhook`.
    #[serde(rename = "type")]
    pub destination_type: &'static str,
    /// `firing`, `resolved`, `broken` or `errored`.
    pub kind: &'static str,
    /// `pending`, `sending`, `delivered` or `dead`.
    pub status: &'static str,
    pub attempts: u32,
    pub last_error: Option<String>,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub next_attempt_at: OffsetDateTime,
}

impl From<&Delivery> for AlertNotificationDto {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.id,
            destination_id: d.destination_id,
            destination_type: d.dtype.as_str(),
            kind: d.kind.as_str(),
            status: d.status.as_str(),
            attempts: d.attempts,
            last_error: d.last_error.clone(),
            delivered_at: d.delivered_at,
            next_attempt_at: d.next_attempt_at,
        }
    }
}

/// An alert event (spec §3.4) with `inputs` and its notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertEventDto {
    pub id: Uuid,
    pub alert_id: Uuid,
    pub kind: EventKind,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The count a check saw; null for edits and failed checks.
    pub result_count: Option<u64>,
    pub threshold_breached: bool,
    pub state_before: AlertState,
    pub state_after: AlertState,
    pub error_message: Option<String>,
    pub query_duration_ms: Option<i64>,
    /// A check's inputs: window bounds, counts per window, which of the M windows breached,
    /// the threshold, why a notification was held. Null for edits.
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<Value>,
    pub notifications: Vec<AlertNotificationDto>,
}

/// Events with their notifications' delivery status, in the events' order.
pub fn render_events(events: &[StoredEvent], deliveries: &[Delivery]) -> Vec<AlertEventDto> {
    let mut by_event: BTreeMap<Uuid, Vec<AlertNotificationDto>> = BTreeMap::new();
    for d in deliveries {
        by_event.entry(d.event_id).or_default().push(AlertNotificationDto::from(d));
    }
    events
        .iter()
        .map(|e| AlertEventDto {
            id: e.id,
            alert_id: e.alert_id,
            kind: e.event.kind,
            created_at: e.created_at,
            result_count: e.event.result_count,
            threshold_breached: e.event.threshold_breached,
            state_before: e.event.state_before,
            state_after: e.event.state_after,
            error_message: e.event.error_message.clone(),
            query_duration_ms: e.query_duration_ms,
            inputs: e.inputs.clone(),
            notifications: by_event.remove(&e.id).unwrap_or_default(),
        })
        .collect()
}
