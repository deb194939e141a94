//! `state_timeline`: the last 24 hours of (state, enabled) intervals (spec §3.5).

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::state::{AlertState, EventKind};

pub const TIMELINE_SPAN: Duration = Duration::hours(24);

/// The parts of an alert event the timeline needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEvent {
    pub kind: EventKind,
    pub created_at: OffsetDateTime,
    pub state_before: AlertState,
    pub state_after: AlertState,
}

/// `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interval {
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
    pub state: AlertState,
    pub enabled: bool,
}

fn toggle(kind: EventKind) -> Option<bool> {
    match kind {
        EventKind::Enable => Some(true),
        EventKind::Disable => Some(false),
        _ => None,
    }
}

/// Builds the timeline over `[now − 24h, now]` from the alert's events (any order;
/// events before the window are only used to seed `enabled`).
pub fn state_timeline(
    events: &[TimelineEvent],
    current_state: AlertState,
    current_enabled: bool,
    now: OffsetDateTime,
) -> Vec<Interval> {
    let from = now - TIMELINE_SPAN;
    let mut sorted: Vec<&TimelineEvent> = events.iter().filter(|e| e.created_at <= now).collect();
    sorted.sort_by_key(|e| e.created_at);
    let (before, inside): (Vec<_>, Vec<_>) = sorted.into_iter().partition(|e| e.created_at < from);

    let seed_state = inside.first().map_or(current_state, |e| e.state_before);
    // Seed enabled from the last toggle before the window, else by inverting the first toggle inside it.
    let seed_enabled = before
        .iter()
        .rev()
        .find_map(|e| toggle(e.kind))
        .or_else(|| inside.iter().find_map(|e| toggle(e.kind)).map(|t| !t))
        .unwrap_or(current_enabled);

    let mut out = Vec::new();
    let (mut start, mut state, mut enabled) = (from, seed_state, seed_enabled);
    for e in inside {
        let next_enabled = toggle(e.kind).unwrap_or(enabled);
        if (e.state_after, next_enabled) != (state, enabled) {
            push(&mut out, start, e.created_at, state, enabled);
            (start, state, enabled) = (e.created_at, e.state_after, next_enabled);
        }
    }
    push(&mut out, start, now, state, enabled);
    out
}

/// Zero-length intervals (a change exactly at the window start) carry no information.
fn push(
    out: &mut Vec<Interval>,
    start: OffsetDateTime,
    end: OffsetDateTime,
    state: AlertState,
    enabled: bool,
) {
    if end > start {
        out.push(Interval { start, end, state, enabled });
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
