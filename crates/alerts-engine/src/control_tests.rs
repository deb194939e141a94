use super::*;
use time::macros::datetime;

const LATER: OffsetDateTime = datetime!(2025-03-01 13:00 UTC);

fn snap(state: AlertState, enabled: bool) -> ControlSnapshot {
    ControlSnapshot { state, enabled, snooze_until: None, consecutive_failures: 3 }
}

fn row(e: &PatchEffect) -> Option<(EventKind, AlertState, AlertState, u32)> {
    e.transition.as_ref().map(|t| (t.event.kind, t.event.state_before, t.state, t.consecutive_failures))
}

#[test]
fn enable_resets_state_and_failures() {
    let e =
        apply_patch(&snap(AlertState::Errored, false), &Patch { enabled: Some(true), ..Default::default() });
    assert_eq!(row(&e), Some((EventKind::Enable, AlertState::Errored, AlertState::NotFiring, 0)));
    // Already enabled: no transition.
    let e =
        apply_patch(&snap(AlertState::Firing, true), &Patch { enabled: Some(true), ..Default::default() });
    assert_eq!(row(&e), None);
}

#[test]
fn disable_resets_state_keeps_failures() {
    let e =
        apply_patch(&snap(AlertState::Firing, true), &Patch { enabled: Some(false), ..Default::default() });
    assert_eq!(row(&e), Some((EventKind::Disable, AlertState::Firing, AlertState::NotFiring, 3)));
    let t = e.transition.as_ref().map(|t| (t.event.threshold_breached, t.event.result_count));
    assert_eq!(t, Some((false, None)));
}

#[test]
fn snooze_keeps_failures() {
    let p = Patch { snooze_until: Some(Some(LATER)), ..Default::default() };
    let e = apply_patch(&snap(AlertState::Firing, true), &p);
    assert_eq!(row(&e), Some((EventKind::Snooze, AlertState::Firing, AlertState::Snoozed, 3)));
}

#[test]
fn unsnooze_resets_failures() {
    let s = ControlSnapshot { snooze_until: Some(LATER), ..snap(AlertState::Snoozed, true) };
    let e = apply_patch(&s, &Patch { snooze_until: Some(None), ..Default::default() });
    assert_eq!(row(&e), Some((EventKind::Unsnooze, AlertState::Snoozed, AlertState::NotFiring, 0)));
    // Nothing to clear: null snooze_until is a no-op.
    let e = apply_patch(
        &snap(AlertState::Firing, true),
        &Patch { snooze_until: Some(None), ..Default::default() },
    );
    assert_eq!(row(&e), None);
}

#[test]
fn threshold_change_resets_unless_snoozed() {
    let p = Patch { threshold_changed: true, ..Default::default() };
    let e = apply_patch(&snap(AlertState::Firing, true), &p);
    assert_eq!(row(&e), Some((EventKind::ThresholdChange, AlertState::Firing, AlertState::NotFiring, 0)));
    assert!(e.clear_next_check);
    // The audit row is written even when the state does not change.
    let e = apply_patch(&snap(AlertState::NotFiring, true), &p);
    assert_eq!(row(&e), Some((EventKind::ThresholdChange, AlertState::NotFiring, AlertState::NotFiring, 0)));
    let s = ControlSnapshot { snooze_until: Some(LATER), ..snap(AlertState::Snoozed, true) };
    let e = apply_patch(&s, &p);
    assert_eq!(row(&e), Some((EventKind::ThresholdChange, AlertState::Snoozed, AlertState::Snoozed, 3)));
}

#[test]
fn window_change_only_reschedules() {
    let e =
        apply_patch(&snap(AlertState::Firing, true), &Patch { window_changed: true, ..Default::default() });
    assert_eq!((row(&e), e.clear_next_check), (None, true));
    let e = apply_patch(&snap(AlertState::Firing, true), &Patch::default());
    assert_eq!((row(&e), e.clear_next_check), (None, false));
}

#[test]
fn precedence_enable_over_snooze_over_threshold() {
    let all = Patch {
        enabled: Some(false),
        snooze_until: Some(Some(LATER)),
        threshold_changed: true,
        window_changed: false,
    };
    let e = apply_patch(&snap(AlertState::Firing, true), &all);
    assert_eq!(row(&e).map(|r| r.0), Some(EventKind::Disable));
    assert!(e.clear_next_check);
    // enabled unchanged → snooze wins over threshold change.
    let p = Patch { enabled: Some(true), ..all };
    let e = apply_patch(&snap(AlertState::Firing, true), &p);
    assert_eq!(row(&e).map(|r| r.0), Some(EventKind::Snooze));
    let p = Patch { enabled: None, snooze_until: None, ..p };
    let e = apply_patch(&snap(AlertState::Firing, true), &p);
    assert_eq!(row(&e).map(|r| r.0), Some(EventKind::ThresholdChange));
}

#[test]
fn reset_only_from_broken() {
    let t = reset(&snap(AlertState::Broken, true));
    let t = t.map(|t| (t.event.kind, t.state, t.consecutive_failures));
    assert_eq!(t, Ok((EventKind::Reset, AlertState::NotFiring, 0)));
    assert_eq!(reset(&snap(AlertState::Errored, true)), Err(NotBroken));
    assert_eq!(NotBroken.to_string(), "Only broken alerts can be reset.");
}

#[test]
fn broken_config_breaks_with_reason() {
    let t = broken_config(&snap(AlertState::Firing, true), "Invalid filters shape at filterGroup: bad");
    assert_eq!(
        (t.event.kind, t.state, t.consecutive_failures),
        (EventKind::BrokenConfig, AlertState::Broken, 3)
    );
    assert_eq!(t.event.error_message.as_deref(), Some("Invalid filters shape at filterGroup: bad"));
}
