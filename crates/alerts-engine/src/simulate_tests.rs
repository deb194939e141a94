#![allow(clippy::unwrap_used)]

use super::*;
use time::macros::datetime;

const FIRST: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

fn rule(n: u32, m: u32, cooldown: u32) -> SimulateRule {
    SimulateRule {
        threshold_count: 10,
        threshold_operator: ThresholdOperator::Above,
        window_minutes: 10,
        cadence_minutes: 5,
        evaluation_periods: m,
        datapoints_to_alarm: n,
        cooldown_minutes: cooldown,
    }
}

fn rows(r: &SimulateResult) -> Vec<(u64, AlertState, Notification, &str)> {
    r.buckets.iter().map(|b| (b.count, b.state, b.notification, b.reason.as_str())).collect()
}

#[test]
fn rolling_count_excludes_current_bucket() {
    // window 10 / cadence 5 = the two previous buckets.
    let r = simulate(&rule(1, 1, 0), FIRST, &[8, 5, 0, 0, 0]);
    let counts: Vec<u64> = r.buckets.iter().map(|b| b.count).collect();
    assert_eq!(counts, vec![0, 8, 13, 5, 0]);
    assert_eq!(r.buckets[1].timestamp, datetime!(2025-03-01 12:05 UTC));
}

#[test]
fn fires_and_resolves_with_reasons() {
    let r = simulate(&rule(1, 1, 0), FIRST, &[8, 5, 0, 0, 0]);
    assert_eq!(
        rows(&r),
        vec![
            (0, AlertState::NotFiring, Notification::None, "0 ≤ 10 — OK"),
            (8, AlertState::NotFiring, Notification::None, "8 ≤ 10 — OK"),
            (13, AlertState::Firing, Notification::Fire, "13 > 10 — fired"),
            (5, AlertState::NotFiring, Notification::Resolve, "5 ≤ 10 — resolved"),
            (0, AlertState::NotFiring, Notification::None, "0 ≤ 10 — OK"),
        ]
    );
    assert_eq!((r.fire_count, r.resolve_count, r.total_buckets), (1, 1, 5));
}

#[test]
fn n_of_m_waits_then_fires() {
    let r = simulate(&rule(2, 3, 0), FIRST, &[20, 0, 0, 20, 0, 0]);
    let reasons: Vec<&str> = r.buckets.iter().map(|b| b.reason.as_str()).collect();
    assert_eq!(reasons[0], "0 ≤ 10 — OK");
    assert_eq!(reasons[1], "20 > 10, 1 of last 2 checks breached (need 2 of 3) — waiting");
    assert_eq!(reasons[2], "20 > 10, 2 of last 3 checks breached (need 2 of 3) — fired");
    assert_eq!(reasons[3], "0 ≤ 10 — resolved");
}

#[test]
fn cooldown_suppresses_but_transitions() {
    let r = simulate(&rule(1, 1, 60), FIRST, &[20, 0, 0, 20, 0, 0]);
    let got: Vec<(AlertState, Notification)> = r.buckets.iter().map(|b| (b.state, b.notification)).collect();
    assert_eq!(got[1], (AlertState::Firing, Notification::Fire));
    assert_eq!(got[3], (AlertState::NotFiring, Notification::None));
    assert_eq!(r.buckets[3].reason, "0 ≤ 10 — resolved (notification suppressed by cooldown)");
    assert_eq!((r.fire_count, r.resolve_count), (1, 0));
}

#[test]
fn below_operator_wording() {
    let r = SimulateRule { threshold_operator: ThresholdOperator::Below, ..rule(1, 1, 0) };
    let out = simulate(&r, FIRST, &[20, 20, 0]);
    assert_eq!(out.buckets[0].reason, "0 < 10 — fired");
    assert_eq!(out.buckets[1].reason, "20 ≥ 10 — resolved");
    assert_eq!(out.buckets[2].reason, "40 ≥ 10 — OK");
}

#[test]
fn bucket_count_limit() {
    let now = datetime!(2025-03-31 12:00 UTC);
    assert_eq!(expected_buckets(datetime!(2025-03-01 12:00 UTC), now, 5), 8641);
    assert_eq!(expected_buckets(now, now, 5), 1);
    assert!(expected_buckets(datetime!(2025-03-01 12:00 UTC), now, 2) > MAX_SIMULATE_BUCKETS);
}

#[test]
fn serializes_like_the_api() {
    let r = simulate(&rule(1, 1, 0), FIRST, &[]);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["threshold_operator"], "above");
    let r = simulate(&rule(1, 1, 0), FIRST, &[0]);
    let v = serde_json::to_value(&r.buckets[0]).unwrap();
    assert_eq!(v["timestamp"], "2025-03-01T12:00:00Z");
    assert_eq!(v["notification"], "none");
}

#[test]
fn simulate_request_validation() {
    let now = datetime!(2025-03-31 12:00 UTC);
    let week = datetime!(2025-03-24 12:00 UTC);
    assert_eq!(validate_simulate(5, 10, week, now), Ok(()));
    assert_eq!(validate_simulate(0, 10, week, now).unwrap_err().attr, Some("check_interval_minutes"));
    assert_eq!(validate_simulate(61, 60, week, now).unwrap_err().attr, Some("check_interval_minutes"));
    assert_eq!(validate_simulate(15, 10, week, now).unwrap_err().detail, "Cannot exceed window_minutes.");
    assert_eq!(validate_simulate(5, 10, datetime!(2025-03-01 12:00 UTC), now), Ok(()));
    let e = validate_simulate(5, 10, datetime!(2025-03-01 11:59 UTC), now).unwrap_err();
    assert_eq!(e.attr, Some("date_from"));
    // 30 days at 1-minute cadence is 43,201 buckets.
    let e = validate_simulate(1, 5, datetime!(2025-03-01 12:00 UTC), now).unwrap_err();
    assert_eq!(
        e.detail,
        "Simulation would produce 43201 buckets (max 15000). Use a shorter date range or larger window."
    );
}
