//! What the use cases answer with: an alert with everything a response shows about it
//! (creator, destinations, last-24h timeline), and events with their deliveries.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ServiceError, ServiceResult, Users};
use crate::repo::{Alert, AlertRepo, Delivery, Destination, Page, StoredEvent};
use crate::state::EventKind;
use crate::timeline::{Interval, TIMELINE_SPAN, TimelineEvent, state_timeline};

/// One alert as responses show it.
#[derive(Debug, Clone)]
pub struct AlertView<U> {
    pub alert: Alert,
    pub created_by: Option<U>,
    /// Live destination rows.
    pub destinations: Vec<Destination>,
    /// The last 24 hours, oldest first.
    pub timeline: Vec<Interval>,
    /// Retrieve-style answer: responses list the destination groups.
    pub detail: bool,
}

impl<U> AlertView<U> {
    /// Sorted distinct types of live destinations.
    pub fn destination_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.destinations.iter().map(|d| d.dtype.as_str().to_string()).collect();
        types.sort();
        types.dedup();
        types
    }
}

/// A page of events and the deliveries of their notifications.
#[derive(Debug, Clone)]
pub struct EventsPage {
    pub events: Page<StoredEvent>,
    pub deliveries: Vec<Delivery>,
}

/// Scheme and host (and a non-default port) only: the path of a webhook URL often
/// carries its credential.
pub fn url_origin(raw: &str) -> String {
    url::Url::parse(raw).map(|u| u.origin().ascii_serialization()).unwrap_or_default()
}

/// One entry per destination group (rows created together), oldest first.
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
    groups.into_iter().map(|(_, v)| group_json(&v)).collect()
}

fn group_json(v: &[&Destination]) -> Value {
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
}

fn timeline(repo: &dyn AlertRepo, a: &Alert, now: OffsetDateTime) -> ServiceResult<Vec<Interval>> {
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

/// Views of alerts of one team; each creator is looked up once.
pub(super) fn views<U: Clone>(
    repo: &dyn AlertRepo,
    users: &dyn Users<User = U>,
    alerts: Vec<Alert>,
    detail: bool,
    now: OffsetDateTime,
) -> ServiceResult<Vec<AlertView<U>>> {
    let Some(team) = alerts.first().map(|a| a.team_id) else { return Ok(Vec::new()) };
    let ids: Vec<Uuid> = alerts.iter().map(|a| a.id).collect();
    let mut dests: HashMap<Uuid, Vec<Destination>> = HashMap::new();
    for d in repo.destinations(team, &ids)? {
        dests.entry(d.alert_id).or_default().push(d);
    }
    let mut seen: HashMap<i64, Option<U>> = HashMap::new();
    let mut out = Vec::with_capacity(alerts.len());
    for alert in alerts {
        let created_by = match alert.created_by {
            Some(uid) => match seen.entry(uid) {
                Entry::Occupied(o) => o.get().clone(),
                Entry::Vacant(v) => v.insert(users.user(uid).map_err(ServiceError::Directory)?).clone(),
            },
            None => None,
        };
        let destinations = dests.remove(&alert.id).unwrap_or_default();
        let timeline = timeline(repo, &alert, now)?;
        out.push(AlertView { alert, created_by, destinations, timeline, detail });
    }
    Ok(out)
}
