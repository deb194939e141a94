#![allow(clippy::unwrap_used)]

use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-03-02 12:00 UTC);
const FROM: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

fn ev(kind: EventKind, at: OffsetDateTime, before: AlertState, after: AlertState) -> TimelineEvent {
    TimelineEvent { kind, created_at: at, state_before: before, state_after: after }
}

fn iv(start: OffsetDateTime, end: OffsetDateTime, state: AlertState, enabled: bool) -> Interval {
    Interval { start, end, state, enabled }
}

use AlertState::{Firing, NotFiring};

#[test]
fn no_events_is_one_interval_of_current_state() {
    assert_eq!(state_timeline(&[], Firing, true, NOW), vec![iv(FROM, NOW, Firing, true)]);
}

#[test]
fn checks_split_intervals_on_state_change() {
    let t1 = datetime!(2025-03-02 08:00 UTC);
    let t2 = datetime!(2025-03-02 09:00 UTC);
    let events = [
        // Given out of order; the walk is oldest first.
        ev(EventKind::Check, t2, Firing, NotFiring),
        ev(EventKind::Check, t1, NotFiring, Firing),
        // Before the window: ignored for states.
        ev(EventKind::Check, datetime!(2025-03-01 10:00 UTC), Firing, NotFiring),
    ];
    let got = state_timeline(&events, NotFiring, true, NOW);
    let want = vec![iv(FROM, t1, NotFiring, true), iv(t1, t2, Firing, true), iv(t2, NOW, NotFiring, true)];
    assert_eq!(got, want);
}

#[test]
fn enabled_seeded_from_toggle_before_window() {
    let t = datetime!(2025-03-02 10:00 UTC);
    let events = [
        ev(EventKind::Disable, datetime!(2025-02-28 10:00 UTC), Firing, NotFiring),
        ev(EventKind::Enable, t, NotFiring, NotFiring),
    ];
    let got = state_timeline(&events, NotFiring, true, NOW);
    assert_eq!(got, vec![iv(FROM, t, NotFiring, false), iv(t, NOW, NotFiring, true)]);
}

#[test]
fn enabled_seeded_from_first_toggle_inside_window() {
    let t = datetime!(2025-03-02 10:00 UTC);
    let events = [ev(EventKind::Disable, t, Firing, NotFiring)];
    // Current enabled would be false; the seed is the opposite of the first toggle.
    let got = state_timeline(&events, NotFiring, false, NOW);
    assert_eq!(got, vec![iv(FROM, t, Firing, true), iv(t, NOW, NotFiring, false)]);
}

#[test]
fn non_changing_events_do_not_split() {
    let t = datetime!(2025-03-02 10:00 UTC);
    let events = [ev(EventKind::ThresholdChange, t, NotFiring, NotFiring)];
    assert_eq!(state_timeline(&events, NotFiring, true, NOW), vec![iv(FROM, NOW, NotFiring, true)]);
}

#[test]
fn serializes_rfc3339() {
    let v = serde_json::to_value(iv(FROM, NOW, Firing, true)).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"start": "2025-03-01T12:00:00Z", "end": "2025-03-02T12:00:00Z", "state": "firing", "enabled": true})
    );
}
