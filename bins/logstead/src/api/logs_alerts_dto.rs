//! Response shapes of the log alerts API (spec §3.1, §3.4) and how they are built from
//! the stored rows. Runs inside `blocking`: it reads users, destinations and events.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use alerts_engine::repo::{Alert, AlertRepo, Delivery, Destination, StoredEvent};
use alerts_engine::state::{AlertState, EventKind};
use alerts_engine::timeline::{Interval, TIMELINE_SPAN, TimelineEvent, state_timeline};
use orgs::{Repos, UserId};
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::{UserBasic, iso};
use crate::error::ApiError;

/// Server-managed: checks run on a 5-minute grid.
pub const CHECK_INTERVAL_MINUTES: i64 = 5;

#[derive(Debug, Serialize, ToSchema)]
pub struct AlertDto {
    pub id: Uuid,
    pub name: String,
    pub enabled: bool,
    /// `{"severityLevels"?, "serviceNames"?, "filterGroup"?}`
    #[schema(value_type = Object)]
    pub filters: Value,
    pub threshold_count: i64,
    /// `above` or `below`.
    #[schema(value_type = String)]
    pub threshold_operator: alerts_engine::config::ThresholdOperator,
    pub window_minutes: i64,
    pub check_interval_minutes: i64,
    pub evaluation_periods: i64,
    pub datapoints_to_alarm: i64,
    pub cooldown_minutes: i64,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub snooze_until: Option<OffsetDateTime>,
    /// `{"blocked_windows": [{"start": "HH:MM", "end": "HH:MM"}]}` or null.
    #[schema(value_type = Option<Object>)]
    pub schedule_restriction: Option<alerts_engine::quiet_hours::ScheduleRestriction>,
    /// `not_firing`, `firing`, `pending_resolve`, `errored`, `snoozed` or `broken`.
    #[schema(value_type = String)]
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
    /// The last 24 hours: `[{"start", "end", "state", "enabled"}]`, oldest first.
    #[schema(value_type = Vec<Object>)]
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

/// Scheme and host (and a non-default port) only: the path of a webhook URL often
/// carries its credential.
pub fn url_origin(raw: &str) -> String {
    url::Url::parse(raw).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

/// One entry per destination group, oldest first.
pub fn destination_groups(rows: &[Destination]) -> Vec<Value> {
    let mut groups: Vec<(Uuid, Vec<&Destination>)> = Vec::new();
    let mut sorted: Vec<&Destination> = rows.iter().collect();
    sorted.sort_by_key(|d| (d.created_at, d.group_id));
    for d in sorted {
        match groups.iter_mut().find(|(g, _)| *g == d.group_id) {
            Some((_, v)) => v.push(d),
            None => groups.push((d.group_id, vec![d])),
        }
    }
    groups
        .into_iter()
        .map(|(_, v)| {
            let first = v[0];
            let mut o = json!({
                "hog_function_ids": v.iter().map(|d| d.id).collect::<Vec<_>>(),
                "type": first.dtype.as_str(),
                "enabled": v.iter().all(|d| d.enabled),
            });
            if let Some(m) = o.as_object_mut() {
                if let Some(id) = first.slack_integration_id {
                    m.insert("slack_workspace_id".into(), json!(id));
                    m.insert("slack_channel_id".into(), json!(first.slack_channel_id));
                    m.insert("slack_channel_name".into(), json!(first.slack_channel_name));
                }
                if let Some(u) = &first.webhook_url {
                    m.insert("webhook_url".into(), json!(url_origin(u)));
                }
            }
            o
        })
        .collect()
}

fn timeline(repo: &dyn AlertRepo, a: &Alert, now: OffsetDateTime) -> Result<Vec<Interval>, ApiError> {
    let from = now - TIMELINE_SPAN;
    let (toggle, events) = repo.timeline_events(a.id, from)?;
    let mut items: Vec<TimelineEvent> = events
        .iter()
        .map(|e| TimelineEvent {
            kind: e.event.kind,
            created_at: e.created_at,
            state_before: e.event.state_before,
            state_after: e.event.state_after,
        })
        .collect();
    // The latest toggle before the window only seeds `enabled`: any time before it does.
    if let Some(kind @ (EventKind::Enable | EventKind::Disable)) = toggle {
        let (s, t) = (a.state, from - time::Duration::seconds(1));
        items.push(TimelineEvent { kind, created_at: t, state_before: s, state_after: s });
    }
    Ok(state_timeline(&items, a.state, a.config.enabled, now))
}

/// Renders alerts; `detail` adds the destination groups (retrieve).
pub fn render(
    repos: &dyn Repos,
    repo: &dyn AlertRepo,
    alerts: Vec<Alert>,
    detail: bool,
    now: OffsetDateTime,
) -> Result<Vec<AlertDto>, ApiError> {
    let Some(team) = alerts.first().map(|a| a.team_id) else { return Ok(Vec::new()) };
    let ids: Vec<Uuid> = alerts.iter().map(|a| a.id).collect();
    let mut dests: HashMap<Uuid, Vec<Destination>> = HashMap::new();
    for d in repo.destinations(team, &ids)? {
        dests.entry(d.alert_id).or_default().push(d);
    }
    let mut users: HashMap<i64, Option<UserBasic>> = HashMap::new();
    let mut out = Vec::with_capacity(alerts.len());
    for a in alerts {
        let created_by = match a.created_by {
            Some(uid) => {
                let u = match users.entry(uid) {
                    Entry::Occupied(o) => o.into_mut(),
                    Entry::Vacant(v) => v.insert(repos.user(UserId(uid))?.as_ref().map(UserBasic::from)),
                };
                u.as_ref().map(clone_user)
            }
            None => None,
        };
        let rows = dests.remove(&a.id).unwrap_or_default();
        let mut types: Vec<String> = rows.iter().map(|d| d.dtype.as_str().to_string()).collect();
        types.sort();
        types.dedup();
        let state_timeline = timeline(repo, &a, now)?;
        let c = &a.config;
        out.push(AlertDto {
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
            state_timeline,
            destination_types: types,
            first_enabled_at: a.first_enabled_at,
            created_at: a.created_at,
            created_by,
            updated_at: a.updated_at,
            destinations: detail.then(|| destination_groups(&rows)),
        });
    }
    Ok(out)
}

fn clone_user(u: &UserBasic) -> UserBasic {
    UserBasic {
        id: u.id,
        uuid: u.uuid,
        distinct_id: u.distinct_id.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        email: u.email.clone(),
        is_email_verified: u.is_email_verified,
        hedgehog_config: u.hedgehog_config.clone(),
        role_at_organization: u.role_at_organization.clone(),
    }
}

fn ts(t: Option<OffsetDateTime>) -> Value {
    t.and_then(|t| {
        t.to_offset(time::UtcOffset::UTC).format(&time::format_description::well_known::Rfc3339).ok()
    })
    .map_or(Value::Null, Value::String)
}

/// Events with their notifications' delivery status (spec §3.4 plus `inputs`).
pub fn events_json(events: &[StoredEvent], deliveries: &[Delivery]) -> Vec<Value> {
    let mut by_event: BTreeMap<Uuid, Vec<Value>> = BTreeMap::new();
    for d in deliveries {
        by_event.entry(d.event_id).or_default().push(json!({
            "id": d.id,
            "destination_id": d.destination_id,
            "type": d.dtype.as_str(),
            "kind": d.kind.as_str(),
            "status": d.status.as_str(),
            "attempts": d.attempts,
            "last_error": d.last_error,
            "delivered_at": ts(d.delivered_at),
            "next_attempt_at": ts(Some(d.next_attempt_at)),
        }));
    }
    events
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "alert_id": e.alert_id,
                "kind": e.event.kind,
                "created_at": ts(Some(e.created_at)),
                "result_count": e.event.result_count,
                "threshold_breached": e.event.threshold_breached,
                "state_before": e.event.state_before,
                "state_after": e.event.state_after,
                "error_message": e.event.error_message,
                "query_duration_ms": e.query_duration_ms,
                "inputs": e.inputs,
                "notifications": by_event.remove(&e.id).unwrap_or_default(),
            })
        })
        .collect()
}
