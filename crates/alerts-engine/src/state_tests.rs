use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

fn snap(state: AlertState) -> Snapshot {
    Snapshot {
        state,
        snooze_until: None,
        consecutive_failures: 0,
        last_notified_at: None,
        cooldown_minutes: 0,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
    }
}

fn ok(breached: bool, recent: &[bool]) -> Check {
    Check::Ok { breached, count: 7, recent_breaches: recent.to_vec() }
}

fn error(transient: bool) -> Check {
    Check::Error { message: "Query is too expensive.".into(), transient }
}

#[test]
fn broken_stays_broken_without_notification() {
    for c in [ok(true, &[]), error(false)] {
        let o = evaluate(&snap(AlertState::Broken), &c, NOW);
        assert!(o.skipped);
        assert_eq!((o.state, o.notification, o.event), (AlertState::Broken, Notification::None, None));
    }
}

#[test]
fn active_snooze_stays_snoozed() {
    let s = Snapshot { snooze_until: Some(datetime!(2025-03-01 12:00:01 UTC)), ..snap(AlertState::Snoozed) };
    let o = evaluate(&s, &ok(true, &[]), NOW);
    assert!(o.skipped);
    assert_eq!((o.state, o.notification), (AlertState::Snoozed, Notification::None));
}

#[test]
fn expired_snooze_evaluates_as_not_firing() {
    // snooze_until == now counts as expired (the snooze holds only while snooze_until > now).
    let s = Snapshot { snooze_until: Some(NOW), ..snap(AlertState::Snoozed) };
    let o = evaluate(&s, &ok(true, &[]), NOW);
    assert_eq!((o.state, o.notification), (AlertState::Firing, Notification::Fire));
    let e = o.event.as_ref().map(|e| (e.state_before, e.state_after));
    assert_eq!(e, Some((AlertState::Snoozed, AlertState::Firing)));
    let o = evaluate(&s, &ok(false, &[]), NOW);
    assert_eq!((o.state, o.notification), (AlertState::NotFiring, Notification::None));
}

#[test]
fn non_transient_error_counts_and_notifies_on_entry() {
    let o = evaluate(&snap(AlertState::Firing), &error(false), NOW);
    assert_eq!(
        (o.state, o.notification, o.consecutive_failures),
        (AlertState::Errored, Notification::Error, 1)
    );
    assert_eq!(o.last_error_message.as_deref(), Some("Query is too expensive."));
    let ev = o.event.as_ref().map(|e| (e.kind, e.state_before, e.state_after, e.result_count));
    assert_eq!(ev, Some((EventKind::Check, AlertState::Firing, AlertState::Errored, None)));
}

#[test]
fn repeated_error_is_not_renotified() {
    let s = Snapshot { consecutive_failures: 2, ..snap(AlertState::Errored) };
    let o = evaluate(&s, &error(false), NOW);
    assert_eq!(
        (o.state, o.notification, o.consecutive_failures),
        (AlertState::Errored, Notification::None, 3)
    );
    assert_eq!(o.held.map(|h| h.reason), Some(HoldReason::AlreadyErrored));
    assert!(o.event.is_some(), "errored checks always write an event");
}

#[test]
fn transient_error_does_not_count() {
    let s = Snapshot { consecutive_failures: 4, ..snap(AlertState::NotFiring) };
    let o = evaluate(&s, &error(true), NOW);
    assert_eq!(
        (o.state, o.notification, o.consecutive_failures),
        (AlertState::Errored, Notification::Error, 4)
    );
}

#[test]
fn fifth_consecutive_failure_breaks() {
    let s = Snapshot { consecutive_failures: 4, ..snap(AlertState::Errored) };
    let o = evaluate(&s, &error(false), NOW);
    assert_eq!(
        (o.state, o.notification, o.consecutive_failures),
        (AlertState::Broken, Notification::Broken, 5)
    );
}

#[test]
fn errors_ignore_and_keep_cooldown_clock() {
    let last = datetime!(2025-03-01 11:59 UTC);
    let s = Snapshot { cooldown_minutes: 60, last_notified_at: Some(last), ..snap(AlertState::Firing) };
    let o = evaluate(&s, &error(false), NOW);
    assert_eq!((o.notification, o.last_notified_at), (Notification::Error, Some(last)));
}

#[test]
fn success_resets_failures_and_leaves_errored() {
    let s = Snapshot { consecutive_failures: 3, ..snap(AlertState::Errored) };
    let o = evaluate(&s, &ok(false, &[]), NOW);
    assert_eq!(
        (o.state, o.notification, o.consecutive_failures),
        (AlertState::NotFiring, Notification::None, 0)
    );
    assert_eq!(o.last_error_message, None);
    assert!(o.event.is_some());
    // From errored a breach fires (errored is effectively not_firing), not resolves.
    let o = evaluate(&s, &ok(true, &[]), NOW);
    assert_eq!((o.state, o.notification), (AlertState::Firing, Notification::Fire));
}

#[test]
fn not_firing_fires_on_n_of_m() {
    let s = Snapshot { evaluation_periods: 3, datapoints_to_alarm: 2, ..snap(AlertState::NotFiring) };
    let o = evaluate(&s, &ok(true, &[false, true]), NOW);
    assert_eq!(
        (o.state, o.notification, o.last_notified_at),
        (AlertState::Firing, Notification::Fire, Some(NOW))
    );
    let ev = o.event.as_ref().map(|e| (e.result_count, e.threshold_breached));
    assert_eq!(ev, Some((Some(7), true)));
    // Breaches beyond the last M checks do not count.
    let o = evaluate(&s, &ok(true, &[false, false, true]), NOW);
    assert_eq!((o.state, o.notification, o.event), (AlertState::NotFiring, Notification::None, None));
    // The current check need not be breaching itself.
    let o = evaluate(&s, &ok(false, &[true, true]), NOW);
    assert_eq!(o.state, AlertState::Firing);
}

#[test]
fn firing_stays_on_breach_and_resolves_on_first_ok() {
    let s = Snapshot { evaluation_periods: 3, datapoints_to_alarm: 2, ..snap(AlertState::Firing) };
    let o = evaluate(&s, &ok(true, &[false, false]), NOW);
    assert_eq!((o.state, o.notification, o.event), (AlertState::Firing, Notification::None, None));
    let o = evaluate(&s, &ok(false, &[true, true]), NOW);
    assert_eq!((o.state, o.notification), (AlertState::NotFiring, Notification::Resolve));
}

#[test]
fn cooldown_mutes_notification_not_transition() {
    let last = datetime!(2025-03-01 11:45 UTC);
    let s = Snapshot { cooldown_minutes: 30, last_notified_at: Some(last), ..snap(AlertState::Firing) };
    let o = evaluate(&s, &ok(false, &[]), NOW);
    assert_eq!(
        (o.state, o.notification, o.last_notified_at),
        (AlertState::NotFiring, Notification::None, Some(last))
    );
    let until = datetime!(2025-03-01 12:15 UTC);
    assert_eq!(
        o.held,
        Some(Held { notification: Notification::Resolve, reason: HoldReason::Cooldown { until } })
    );
    let o = evaluate(&Snapshot { state: AlertState::NotFiring, ..s.clone() }, &ok(true, &[]), NOW);
    assert_eq!((o.state, o.notification), (AlertState::Firing, Notification::None));
}

#[test]
fn cooldown_over_or_unset_sends() {
    // now == last + cooldown: the cooldown has elapsed.
    let s = Snapshot {
        cooldown_minutes: 15,
        last_notified_at: Some(datetime!(2025-03-01 11:45 UTC)),
        ..snap(AlertState::NotFiring)
    };
    let o = evaluate(&s, &ok(true, &[]), NOW);
    assert_eq!((o.notification, o.held, o.last_notified_at), (Notification::Fire, None, Some(NOW)));
    let s = Snapshot { cooldown_minutes: 0, last_notified_at: Some(NOW), ..snap(AlertState::Firing) };
    let o = evaluate(&s, &ok(false, &[]), NOW);
    assert_eq!(o.notification, Notification::Resolve);
}

#[test]
fn rollback_when_notification_not_enqueued() {
    let s = Snapshot { consecutive_failures: 2, ..snap(AlertState::Errored) };
    let o = rollback_unsent(&s, evaluate(&s, &ok(true, &[]), NOW));
    assert_eq!((o.state, o.consecutive_failures, o.last_notified_at), (AlertState::Errored, 0, None));
    assert_eq!((o.notification, o.event), (Notification::None, None));
    // Failures never go up through a rollback.
    let s = Snapshot { consecutive_failures: 4, ..snap(AlertState::NotFiring) };
    let o = rollback_unsent(&s, evaluate(&s, &error(false), NOW));
    assert_eq!((o.state, o.consecutive_failures), (AlertState::NotFiring, 4));
}
