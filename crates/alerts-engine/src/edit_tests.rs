#![allow(clippy::unwrap_used)]
use super::*;
use crate::state::AlertState;
use serde_json::json;
use time::Duration;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

fn input(v: Value) -> AlertInput {
    serde_json::from_value(v).unwrap()
}

fn new_alert(v: Value) -> Alert {
    create(&input(v), Uuid::nil(), 7, Some(1), NOW).unwrap()
}

fn err(r: Result<impl std::fmt::Debug, ConfigError>) -> (Option<&'static str>, String) {
    let e = r.unwrap_err();
    (e.attr, e.detail)
}

fn patch(a: &Alert, v: Value) -> Edit {
    update(a, &input(v), Mode::Partial, NOW, Uuid::nil()).unwrap()
}

fn kind(e: &Edit) -> Option<(EventKind, AlertState, AlertState)> {
    e.event.as_ref().map(|e| (e.event.kind, e.event.state_before, e.event.state_after))
}

#[test]
fn create_applies_defaults() {
    let a = new_alert(json!({"filters": {"serviceNames": ["api"]}, "name": "  "}));
    let c = &a.config;
    assert_eq!(c.name, "Untitled alert");
    assert!(c.enabled);
    assert_eq!((c.threshold_count, c.threshold_operator), (100, ThresholdOperator::Above));
    assert_eq!(
        (c.window_minutes, c.evaluation_periods, c.datapoints_to_alarm, c.cooldown_minutes),
        (5, 1, 1, 0)
    );
    assert_eq!(c.filters.service_names, vec!["api".to_string()]);
    assert_eq!((a.state, a.next_check_at, a.first_enabled_at), (AlertState::NotFiring, None, Some(NOW)));
    assert_eq!((a.team_id, a.created_by, a.version), (7, Some(1), 1));
    // A draft: disabled without filters, never enabled.
    let d = new_alert(json!({"enabled": false}));
    assert_eq!(d.first_enabled_at, None);
}

#[test]
fn create_rejects_bad_configs_with_the_spec_messages() {
    let bad = |v: Value| err(create(&input(v), Uuid::nil(), 7, None, NOW));
    let f = json!({"serviceNames": ["api"]});
    assert_eq!(
        bad(json!({"filters": f, "window_minutes": 7})),
        (Some("window_minutes"), "Must be one of [5, 10, 15, 30, 60].".into())
    );
    assert_eq!(
        bad(json!({"filters": f, "evaluation_periods": 2, "datapoints_to_alarm": 3})),
        (Some("datapoints_to_alarm"), "Cannot exceed evaluation_periods (N > M).".into())
    );
    assert_eq!(
        bad(json!({"filters": f, "snooze_until": "2025-03-01T11:00:00Z"})),
        (Some("snooze_until"), "Must be a future datetime.".into())
    );
    assert_eq!(
        bad(json!({"filters": {}})),
        (
            Some("filters"),
            "At least one filter is required (severityLevels, serviceNames, or filterGroup).".into()
        )
    );
    assert_eq!(bad(json!({"filters": f, "threshold_operator": "over"})).0, Some("threshold_operator"));
    assert_eq!(bad(json!({"filters": f, "snooze_until": "tomorrow"})).0, Some("snooze_until"));
    assert_eq!(bad(json!({"filters": {"serviceNames": "api"}})).0, Some("filters"));
    let quiet = json!({"blocked_windows": [{"start": "09:00", "end": "09:10"}]});
    assert_eq!(bad(json!({"filters": f, "schedule_restriction": quiet})).0, Some("schedule_restriction"));
    assert!(serde_json::from_value::<AlertInput>(json!({"bogus": 1})).is_err());
}

#[test]
fn create_snoozed_and_quiet_hours_normalized() {
    let quiet =
        json!({"blocked_windows": [{"start": "09:00", "end": "10:00"}, {"start": "09:30", "end": "11:00"}]});
    let a = new_alert(json!({
        "filters": {"severityLevels": ["error"]}, "snooze_until": "2025-03-02T00:00:00",
        "schedule_restriction": quiet,
    }));
    assert_eq!(a.state, AlertState::Snoozed);
    assert_eq!(a.config.snooze_until, Some(datetime!(2025-03-02 00:00 UTC)));
    let w = &a.schedule_restriction.as_ref().unwrap().blocked_windows;
    assert_eq!((w.len(), w[0].start.as_str(), w[0].end.as_str()), (1, "09:00", "11:00"));
}

#[test]
fn patch_changes_only_given_fields_and_transitions() {
    let mut a = new_alert(json!({"filters": {"serviceNames": ["api"]}, "threshold_count": 5}));
    a.state = AlertState::Firing;
    a.consecutive_failures = 2;
    a.next_check_at = Some(NOW + Duration::minutes(5));
    // A rename is no transition and keeps the schedule.
    let e = patch(&a, json!({"name": "Errors"}));
    assert_eq!((kind(&e), e.alert.config.threshold_count), (None, 5));
    assert_eq!((e.alert.state, e.alert.next_check_at), (AlertState::Firing, a.next_check_at));
    assert_eq!(e.alert.updated_at, NOW);
    // Threshold change: not_firing, failures reset, immediate re-check.
    let e = patch(&a, json!({"threshold_count": 6}));
    assert_eq!(kind(&e), Some((EventKind::ThresholdChange, AlertState::Firing, AlertState::NotFiring)));
    assert_eq!((e.alert.consecutive_failures, e.alert.next_check_at), (0, None));
    let ev = e.event.unwrap();
    assert_eq!((ev.created_at, ev.event.threshold_breached, ev.event.result_count), (NOW, false, None));
    // Same value again: nothing changes.
    assert_eq!(kind(&patch(&a, json!({"threshold_count": 5, "filters": {"serviceNames": ["api"]}}))), None);
    // A window change re-checks at once but is no transition.
    let e = patch(&a, json!({"window_minutes": 10}));
    assert_eq!((kind(&e), e.alert.next_check_at, e.alert.state), (None, None, AlertState::Firing));
}

#[test]
fn precedence_enable_disable_over_snooze_over_threshold() {
    let a = new_alert(json!({"filters": {"serviceNames": ["api"]}}));
    let e =
        patch(&a, json!({"enabled": false, "snooze_until": "2025-03-02T00:00:00Z", "threshold_count": 1}));
    assert_eq!(kind(&e), Some((EventKind::Disable, AlertState::NotFiring, AlertState::NotFiring)));
    assert!(!e.alert.config.enabled);
    let e = patch(&a, json!({"snooze_until": "2025-03-02T00:00:00Z", "threshold_count": 1}));
    assert_eq!(kind(&e), Some((EventKind::Snooze, AlertState::NotFiring, AlertState::Snoozed)));
    assert_eq!(e.alert.config.threshold_count, 1);
    // Unsnooze.
    let s = e.alert;
    let e = patch(&s, json!({"snooze_until": null}));
    assert_eq!(kind(&e), Some((EventKind::Unsnooze, AlertState::Snoozed, AlertState::NotFiring)));
    assert_eq!(e.alert.config.snooze_until, None);
    // Threshold change while snoozed stays snoozed.
    let e = patch(&s, json!({"threshold_operator": "below"}));
    assert_eq!(kind(&e), Some((EventKind::ThresholdChange, AlertState::Snoozed, AlertState::Snoozed)));
}

#[test]
fn first_enable_sets_first_enabled_at() {
    let d = new_alert(json!({"enabled": false}));
    // Enabling a draft needs filters.
    let r = update(&d, &input(json!({"enabled": true})), Mode::Partial, NOW, Uuid::nil());
    assert_eq!(err(r).0, Some("filters"));
    let later = NOW + Duration::hours(1);
    let e = update(
        &d,
        &input(json!({"enabled": true, "filters": {"serviceNames": ["x"]}})),
        Mode::Partial,
        later,
        Uuid::nil(),
    )
    .unwrap();
    assert_eq!(kind(&e), Some((EventKind::Enable, AlertState::NotFiring, AlertState::NotFiring)));
    assert_eq!(e.alert.first_enabled_at, Some(later));
    // A later re-enable keeps the first time.
    let off = patch(&e.alert, json!({"enabled": false})).alert;
    let on = update(
        &off,
        &input(json!({"enabled": true})),
        Mode::Partial,
        later + Duration::hours(1),
        Uuid::nil(),
    );
    assert_eq!(on.unwrap().alert.first_enabled_at, Some(later));
}

#[test]
fn put_replaces_absent_fields_with_defaults() {
    let a = new_alert(json!({
        "name": "x", "filters": {"serviceNames": ["api"]}, "cooldown_minutes": 30,
        "snooze_until": "2025-03-02T00:00:00Z",
        "schedule_restriction": {"blocked_windows": [{"start": "01:00", "end": "02:00"}]},
    }));
    let e = update(&a, &input(json!({"filters": {"serviceNames": ["api"]}})), Mode::Full, NOW, Uuid::nil())
        .unwrap();
    assert_eq!((e.alert.config.name.as_str(), e.alert.config.cooldown_minutes), ("Untitled alert", 0));
    assert_eq!((e.alert.config.snooze_until, e.alert.schedule_restriction.clone()), (None, None));
    assert_eq!(kind(&e), Some((EventKind::Unsnooze, AlertState::Snoozed, AlertState::NotFiring)));
    // PATCH keeps what is not sent.
    let e = patch(&a, json!({"name": "y"}));
    assert_eq!((e.alert.config.cooldown_minutes, e.alert.schedule_restriction.is_some()), (30, true));
}

#[test]
fn expired_stored_snooze_is_not_an_error() {
    let mut a = new_alert(json!({"filters": {"serviceNames": ["api"]}}));
    a.config.snooze_until = Some(NOW - Duration::hours(1));
    assert!(update(&a, &input(json!({"name": "n"})), Mode::Partial, NOW, Uuid::nil()).is_ok());
}

#[test]
fn reset_only_broken() {
    let mut a = new_alert(json!({"filters": {"serviceNames": ["api"]}}));
    assert_eq!(reset(&a, NOW, Uuid::nil()), Err(NotBroken));
    a.state = AlertState::Broken;
    a.consecutive_failures = 5;
    a.next_check_at = Some(NOW);
    let e = reset(&a, NOW, Uuid::nil()).unwrap();
    assert_eq!(kind(&e), Some((EventKind::Reset, AlertState::Broken, AlertState::NotFiring)));
    assert_eq!((e.alert.consecutive_failures, e.alert.next_check_at), (0, None));
}

#[test]
fn snapshot_holds_config_and_state() {
    let a = new_alert(json!({"filters": {"serviceNames": ["api"]}, "snooze_until": "2025-03-02T00:00:00Z"}));
    let s = snapshot(&a);
    assert_eq!(s["name"], "Untitled alert");
    assert_eq!(s["filters"]["serviceNames"], json!(["api"]));
    assert_eq!(s["threshold_operator"], "above");
    assert_eq!(s["snooze_until"], "2025-03-02T00:00:00Z");
    assert_eq!(s["state"], "snoozed");
    assert!(s.get("next_check_at").is_none());
}
