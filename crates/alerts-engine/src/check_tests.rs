use super::*;
use crate::config::{AlertConfig, AlertFilters, ThresholdOperator};
use crate::quiet_hours::{BlockedWindow, ScheduleRestriction};
use time::macros::{datetime, offset};

const NOW: OffsetDateTime = datetime!(2025-03-01 12:00:20 UTC);
const DUE: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

fn alert(m: i64, n: i64, window: i64) -> Alert {
    Alert {
        next_check_at: Some(DUE),
        version: 4,
        ..Alert::new(
            Uuid::from_u128(7),
            3,
            AlertConfig {
                filters: AlertFilters { severity_levels: vec!["error".into()], ..Default::default() },
                threshold_count: 10,
                window_minutes: window,
                evaluation_periods: m,
                datapoints_to_alarm: n,
                ..Default::default()
            },
            None,
            datetime!(2025-03-01 00:00 UTC),
        )
    }
}

fn ctx(now: OffsetDateTime) -> CheckContext {
    CheckContext { now, event_id: Uuid::from_u128(9), tz_offset: UtcOffset::UTC, query_duration_ms: Some(3) }
}

fn run(a: &Alert, buckets: &[u64], now: OffsetDateTime) -> Evaluated {
    let p = plan(a, now, None);
    assert_eq!(p.buckets, buckets.len(), "test data has one count per planned bucket");
    match assemble(a, &p, Ok(buckets), &ctx(now)) {
        Assembled::Write(e) => *e,
        Assembled::Skip => panic!("skipped"),
    }
}

fn inputs(e: &Evaluated) -> &Value {
    e.write.event.as_ref().and_then(|ev| ev.inputs.as_ref()).expect("inputs recorded")
}

#[test]
fn plan_counts_overlapping_windows_from_one_bucket_series() {
    let a = alert(3, 2, 10);
    let p = plan(&a, NOW, None);
    assert_eq!((p.date_to, p.on_checkpoint, p.buckets, p.per_window), (DUE, false, 4, 2));
    assert_eq!(p.bucket_start, datetime!(2025-03-01 11:40 UTC));
    assert_eq!(p.windows[0], Window { start: datetime!(2025-03-01 11:50 UTC), end: DUE });
    assert_eq!(
        p.windows[2],
        Window { start: datetime!(2025-03-01 11:40 UTC), end: datetime!(2025-03-01 11:50 UTC) }
    );
    // Buckets oldest first: [11:40, 11:45, 11:50, 11:55].
    assert_eq!(p.window_counts(&[1, 2, 3, 4]), vec![7, 5, 3]);
}

#[test]
fn checkpoint_anchor_when_fresh_and_ignored_when_stale() {
    let a = alert(1, 1, 5);
    let fresh = plan(&a, NOW, Some(datetime!(2025-03-01 11:58:30 UTC)));
    assert!(fresh.on_checkpoint);
    assert_eq!(fresh.date_to, datetime!(2025-03-01 11:58:30 UTC));
    assert_eq!(fresh.windows[0].start, datetime!(2025-03-01 11:53:30 UTC));
    let stale = plan(&a, NOW, Some(datetime!(2025-03-01 11:50 UTC)));
    assert_eq!((stale.date_to, stale.on_checkpoint), (DUE, false));
    // Never anchored past the schedule.
    assert_eq!(plan(&a, NOW, Some(NOW)).date_to, DUE);
}

#[test]
fn n_of_m_fires_with_inputs_and_focus_on_newest_breached_window() {
    let a = alert(3, 2, 5);
    // Windows newest first: [0, 12, 11] → 2 of 3 breached although the current one is not.
    let e = run(&a, &[11, 12, 0], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::Firing, Notification::Fire));
    assert_eq!(e.write.last_notified_at, Some(NOW));
    assert_eq!(
        e.focus,
        Some(Window { start: datetime!(2025-03-01 11:50 UTC), end: datetime!(2025-03-01 11:55 UTC) })
    );
    let i = inputs(&e);
    assert_eq!(
        (i["scheduled_at"].clone(), i["date_to"].clone()),
        (json!("2025-03-01T12:00:00Z"), json!("2025-03-01T12:00:00Z"))
    );
    assert_eq!(i["windows"][0]["count"], 0);
    assert_eq!(i["windows"][1]["breached"], true);
    assert_eq!(i["windows"][2]["start"], "2025-03-01T11:45:00Z");
    assert_eq!((i["breached_windows"].clone(), i["threshold_count"].clone()), (json!(2), json!(10)));
    assert_eq!((i["threshold_operator"].clone(), i["notification"].clone()), (json!("above"), json!("fire")));
    let ev = e.write.event.as_ref().unwrap();
    assert_eq!((ev.event.state_before, ev.event.state_after), (AlertState::NotFiring, AlertState::Firing));
    assert_eq!((ev.event.result_count, ev.event.threshold_breached), (Some(0), false));
    assert_eq!((ev.query_duration_ms, ev.id), (Some(3), Uuid::from_u128(9)));
}

#[test]
fn one_of_m_breached_waits_and_says_so() {
    let e = run(&alert(3, 2, 5), &[0, 0, 50], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::NotFiring, Notification::None));
    assert_eq!(inputs(&e)["held"], json!({"reason": "waiting", "breached": 1, "need": 2, "of": 3}));
    // A quiet check row is still written (the repo caps those).
    let ev = e.write.event.as_ref().unwrap();
    assert_eq!(
        (ev.event.state_before, ev.event.state_after, ev.event.threshold_breached),
        (AlertState::NotFiring, AlertState::NotFiring, true)
    );
}

#[test]
fn firing_stays_held_as_already_firing_then_resolves_on_first_ok() {
    let mut a = alert(1, 1, 5);
    a.state = AlertState::Firing;
    let e = run(&a, &[20], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::Firing, Notification::None));
    assert_eq!(inputs(&e)["held"], json!({"reason": "already_firing"}));
    let e = run(&a, &[3], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::NotFiring, Notification::Resolve));
    assert_eq!(e.focus, Some(Window { start: datetime!(2025-03-01 11:55 UTC), end: DUE }));
    assert_eq!(e.result_count, Some(3));
}

#[test]
fn cooldown_hold_is_recorded_and_state_still_changes() {
    let mut a = alert(1, 1, 5);
    a.config.cooldown_minutes = 30;
    a.last_notified_at = Some(datetime!(2025-03-01 11:45 UTC));
    let e = run(&a, &[99], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::Firing, Notification::None));
    assert_eq!(e.write.last_notified_at, Some(datetime!(2025-03-01 11:45 UTC)));
    assert_eq!(
        inputs(&e)["held"],
        json!({"reason": "cooldown", "notification": "fire", "until": "2025-03-01T12:15:00Z"})
    );
}

#[test]
fn snooze_active_is_recorded_without_change_and_expired_snooze_evaluates() {
    let mut a = alert(1, 1, 5);
    a.state = AlertState::Snoozed;
    a.config.snooze_until = Some(datetime!(2025-03-01 13:00 UTC));
    let e = run(&a, &[99], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::Snoozed, Notification::None));
    assert_eq!(inputs(&e)["held"], json!({"reason": "snoozed", "until": "2025-03-01T13:00:00Z"}));
    a.config.snooze_until = Some(datetime!(2025-03-01 11:00 UTC));
    let e = run(&a, &[99], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::Firing, Notification::Fire));
}

#[test]
fn broken_alerts_are_skipped() {
    let mut a = alert(1, 1, 5);
    a.state = AlertState::Broken;
    assert_eq!(assemble(&a, &plan(&a, NOW, None), Ok(&[99]), &ctx(NOW)), Assembled::Skip);
}

#[test]
fn count_errors_go_errored_then_broken() {
    let mut a = alert(1, 1, 5);
    let fail = CountFailure { message: "Query is too expensive.".into(), transient: false };
    let p = plan(&a, NOW, None);
    let get = |a: &Alert| match assemble(a, &p, Err(&fail), &ctx(NOW)) {
        Assembled::Write(e) => *e,
        Assembled::Skip => panic!("skipped"),
    };
    let e = get(&a);
    assert_eq!(
        (e.write.state, e.notification, e.write.consecutive_failures),
        (AlertState::Errored, Notification::Error, 1)
    );
    assert_eq!(e.write.last_error_message.as_deref(), Some("Query is too expensive."));
    let i = inputs(&e);
    assert_eq!(i["error"], json!({"message": "Query is too expensive.", "transient": false}));
    assert!(i.get("windows").is_none());
    let ev = e.write.event.as_ref().unwrap();
    assert_eq!(
        (ev.event.result_count, ev.event.error_message.as_deref()),
        (None, Some("Query is too expensive."))
    );
    a.state = AlertState::Errored;
    a.consecutive_failures = 1;
    let e = get(&a);
    assert_eq!(
        (e.notification, inputs(&e)["held"]["reason"].clone()),
        (Notification::None, json!("already_errored"))
    );
    a.consecutive_failures = 4;
    let e = get(&a);
    assert_eq!((e.write.state, e.notification), (AlertState::Broken, Notification::Broken));
    // Transient failures do not count.
    let busy = CountFailure { message: "busy".into(), transient: true };
    let Assembled::Write(e) = assemble(&a, &p, Err(&busy), &ctx(NOW)) else { panic!("skipped") };
    assert_eq!((e.write.state, e.write.consecutive_failures), (AlertState::Errored, 4));
}

#[test]
fn next_check_on_grid_and_past_quiet_hours() {
    let mut a = alert(1, 1, 5);
    assert_eq!(run(&a, &[0], NOW).write.next_check_at, datetime!(2025-03-01 12:05 UTC));
    // Missed intervals are skipped.
    assert_eq!(
        run(&a, &[0], datetime!(2025-03-01 12:17 UTC)).write.next_check_at,
        datetime!(2025-03-01 12:20 UTC)
    );
    // Quiet hours 13:00–14:00 in UTC+1 = 12:00–13:00 UTC.
    a.schedule_restriction = Some(ScheduleRestriction {
        blocked_windows: vec![BlockedWindow { start: "13:00".into(), end: "14:00".into() }],
    });
    let p = plan(&a, NOW, None);
    let c = CheckContext { tz_offset: offset!(+1), ..ctx(NOW) };
    let Assembled::Write(e) = assemble(&a, &p, Ok(&[0]), &c) else { panic!("skipped") };
    assert_eq!(e.write.next_check_at, datetime!(2025-03-01 13:00 UTC));
}

#[test]
fn below_operator_pads_missing_windows_as_breached() {
    let mut a = alert(2, 2, 5);
    a.config.threshold_operator = ThresholdOperator::Below;
    let e = run(&a, &[0, 0], NOW);
    assert_eq!((e.write.state, e.notification), (AlertState::Firing, Notification::Fire));
    assert_eq!(e.focus.map(|w| w.end), Some(DUE));
}

#[test]
fn broken_config_breaks_with_reason_and_notifies() {
    let a = alert(1, 1, 5);
    let e = assemble_broken_config(&a, "Invalid filters shape at filters.serviceNames: bad", &ctx(NOW));
    assert_eq!((e.write.state, e.notification), (AlertState::Broken, Notification::Broken));
    let ev = e.write.event.as_ref().unwrap();
    assert_eq!(ev.event.kind, EventKind::BrokenConfig);
    assert_eq!(ev.event.error_message.as_deref(), Some("Invalid filters shape at filters.serviceNames: bad"));
    assert_eq!(e.write.version, 4);
}
