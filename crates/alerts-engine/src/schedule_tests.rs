use super::*;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2025-03-01 12:00 UTC);

#[test]
fn due_rules() {
    let past = Some(datetime!(2025-03-01 11:59 UTC));
    let future = Some(datetime!(2025-03-01 12:01 UTC));
    assert!(is_due(true, AlertState::NotFiring, None, None, NOW), "new alerts run on the next tick");
    assert!(is_due(true, AlertState::Firing, past, None, NOW));
    assert!(is_due(true, AlertState::Firing, Some(NOW), None, NOW));
    assert!(!is_due(true, AlertState::Firing, future, None, NOW));
    assert!(!is_due(false, AlertState::NotFiring, None, None, NOW));
    assert!(!is_due(true, AlertState::Broken, None, None, NOW));
    assert!(!is_due(true, AlertState::Snoozed, None, future, NOW));
    assert!(is_due(true, AlertState::Snoozed, None, past, NOW), "expired snooze is evaluated");
}

#[test]
fn advance_one_interval_on_grid() {
    assert_eq!(advance(Some(NOW), datetime!(2025-03-01 12:00:30 UTC)), datetime!(2025-03-01 12:05 UTC));
    // No schedule yet: now + 5 min, floored to the grid.
    assert_eq!(advance(None, datetime!(2025-03-01 12:02:30 UTC)), datetime!(2025-03-01 12:05 UTC));
    // Off-grid schedules are pulled back onto the grid.
    assert_eq!(
        advance(Some(datetime!(2025-03-01 12:01:10 UTC)), datetime!(2025-03-01 12:03 UTC)),
        datetime!(2025-03-01 12:05 UTC)
    );
}

#[test]
fn advance_skips_missed_intervals() {
    assert_eq!(advance(Some(NOW), datetime!(2025-03-01 12:17 UTC)), datetime!(2025-03-01 12:20 UTC));
    assert_eq!(advance(Some(NOW), datetime!(2025-03-01 12:15 UTC)), datetime!(2025-03-01 12:20 UTC));
    assert_eq!(
        advance(Some(datetime!(2025-03-01 09:00 UTC)), datetime!(2025-03-01 12:00:01 UTC)),
        datetime!(2025-03-01 12:05 UTC)
    );
}

#[test]
fn advance_is_strictly_after_now() {
    // 11:58 + 5 = 12:03 > now, but it floors to 12:00 which is not after now.
    let now = datetime!(2025-03-01 12:02:59.5 UTC);
    assert_eq!(advance(Some(datetime!(2025-03-01 11:58 UTC)), now), datetime!(2025-03-01 12:05 UTC));
    // The grid counts from UTC midnight whatever the input offset.
    let t = datetime!(2025-03-01 13:32 +01:00);
    assert_eq!(advance(None, t), datetime!(2025-03-01 12:35 UTC));
}

#[test]
fn anchor_on_schedule_and_fresh_checkpoint() {
    let next = Some(NOW);
    let wall = datetime!(2025-03-01 12:00:40 UTC);
    assert_eq!(anchor(next, wall, None), NOW);
    assert_eq!(anchor(None, wall, None), wall);
    let fresh = datetime!(2025-03-01 11:57 UTC);
    assert_eq!(anchor(next, wall, Some(fresh)), fresh);
    assert_eq!(anchor(next, wall, Some(datetime!(2025-03-01 11:55 UTC))), datetime!(2025-03-01 11:55 UTC));
    // Stale checkpoints are ignored; checkpoints ahead of date_to do not extend it.
    assert_eq!(anchor(next, wall, Some(datetime!(2025-03-01 11:54:59 UTC))), NOW);
    assert_eq!(anchor(next, wall, Some(datetime!(2025-03-01 12:01 UTC))), NOW);
}

#[test]
fn rolling_windows_step_back_by_interval() {
    let w = windows(NOW, 15, 3);
    let expected = [
        (datetime!(2025-03-01 11:45 UTC), NOW),
        (datetime!(2025-03-01 11:40 UTC), datetime!(2025-03-01 11:55 UTC)),
        (datetime!(2025-03-01 11:35 UTC), datetime!(2025-03-01 11:50 UTC)),
    ];
    assert_eq!(w.iter().map(|w| (w.start, w.end)).collect::<Vec<_>>(), expected);
    assert_eq!(windows(NOW, 5, 1), vec![Window { start: datetime!(2025-03-01 11:55 UTC), end: NOW }]);
}

#[test]
fn breach_outcomes_and_padding() {
    let b = breaches(&[150, 90, 120], ThresholdOperator::Above, 100, 3);
    assert_eq!(b, Breaches { result_count: 150, breached: true, recent: vec![false, true] });
    // Fewer counts than M: padded with the zero-count outcome.
    let b = breaches(&[150], ThresholdOperator::Above, 100, 3);
    assert_eq!(b.recent, vec![false, false]);
    let b = breaches(&[150], ThresholdOperator::Below, 100, 3);
    assert_eq!((b.breached, b.recent), (false, vec![true, true]));
    // Extra counts beyond M are ignored.
    let b = breaches(&[1, 200, 200], ThresholdOperator::Above, 100, 1);
    assert_eq!((b.result_count, b.breached, b.recent), (1, false, vec![]));
    let b = breaches(&[], ThresholdOperator::Above, 0, 1);
    assert_eq!((b.result_count, b.breached), (0, false));
}
