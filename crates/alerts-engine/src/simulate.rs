//! `alerts/simulate`: replay the check-driven state machine over bucketed history (spec §3.6).
//! Counting and zero-filling the buckets is the caller's job; this runs the replay.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::config::{ConfigError, ThresholdOperator};
use crate::state::{AlertState, Check, HoldReason, Notification, Snapshot, evaluate};

/// Upper bound on `floor((now − date_from) / cadence) + 1`.
pub const MAX_SIMULATE_BUCKETS: i64 = 15_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimulateRule {
    pub threshold_count: u64,
    pub threshold_operator: ThresholdOperator,
    pub window_minutes: u32,
    /// `check_interval_minutes`: the bucket size and check cadence.
    pub cadence_minutes: u32,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    pub cooldown_minutes: u32,
}

/// One check of the replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SimulateBucket))]
pub struct SimBucket {
    /// The check's time (the end of its bucket).
    #[serde(with = "time::serde::rfc3339")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub timestamp: OffsetDateTime,
    /// The rolling count over `window_minutes` that the check saw.
    pub count: u64,
    pub threshold_breached: bool,
    /// The state after the check.
    pub state: AlertState,
    pub notification: Notification,
    /// Why the state or notification is what it is.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SimulateResponse))]
pub struct SimulateResult {
    /// Oldest first.
    pub buckets: Vec<SimBucket>,
    pub fire_count: usize,
    pub resolve_count: usize,
    pub total_buckets: usize,
    pub threshold_count: u64,
    pub threshold_operator: ThresholdOperator,
}

/// The number of buckets a simulation from `date_from` to `now` would produce.
pub fn expected_buckets(date_from: OffsetDateTime, now: OffsetDateTime, cadence_minutes: u32) -> i64 {
    let cadence = Duration::minutes(i64::from(cadence_minutes.max(1))).whole_seconds();
    (now - date_from).whole_seconds().div_euclid(cadence) + 1
}

/// How far back `date_from` may reach.
pub const MAX_SIMULATE_SPAN: Duration = Duration::days(30);

/// Simulate-only checks; the alert fields themselves go through `AlertConfig::validate`.
pub fn validate_simulate(
    check_interval_minutes: i64,
    window_minutes: i64,
    date_from: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), ConfigError> {
    let field = |attr, detail: String| Err(ConfigError { attr: Some(attr), detail });
    if !(1..=60).contains(&check_interval_minutes) {
        return field("check_interval_minutes", "Must be between 1 and 60.".to_owned());
    }
    if check_interval_minutes > window_minutes {
        return field("check_interval_minutes", "Cannot exceed window_minutes.".to_owned());
    }
    if date_from < now - MAX_SIMULATE_SPAN {
        return field("date_from", "Cannot be more than 30 days in the past.".to_owned());
    }
    let cadence = u32::try_from(check_interval_minutes).unwrap_or(1);
    let n = expected_buckets(date_from, now, cadence);
    if n > MAX_SIMULATE_BUCKETS {
        return Err(ConfigError {
            attr: None,
            detail: format!(
                "Simulation would produce {n} buckets (max {MAX_SIMULATE_BUCKETS}). \
                 Use a shorter date range or larger window."
            ),
        });
    }
    Ok(())
}

/// Replays checks over zero-filled `counts`, one per cadence bucket starting at `first`.
/// The check at bucket i sees only the preceding `window / cadence` buckets, never bucket i.
pub fn simulate(rule: &SimulateRule, first: OffsetDateTime, counts: &[u64]) -> SimulateResult {
    let cadence = Duration::minutes(i64::from(rule.cadence_minutes.max(1)));
    let span = usize::try_from((rule.window_minutes / rule.cadence_minutes.max(1)).max(1)).unwrap_or(1);
    let m = usize::try_from(rule.evaluation_periods.max(1)).unwrap_or(1);
    let mut snap = Snapshot {
        state: AlertState::NotFiring,
        snooze_until: None,
        consecutive_failures: 0,
        last_notified_at: None,
        cooldown_minutes: rule.cooldown_minutes,
        evaluation_periods: rule.evaluation_periods,
        datapoints_to_alarm: rule.datapoints_to_alarm,
    };
    let mut history: Vec<bool> = Vec::new(); // newest first
    let mut buckets = Vec::with_capacity(counts.len());
    let mut at = first;
    for i in 0..counts.len() {
        let count: u64 = counts[i.saturating_sub(span)..i].iter().sum();
        let breached = rule.threshold_operator.breached(count, rule.threshold_count);
        let check = Check::Ok { breached, count, recent_breaches: history.clone() };
        let out = evaluate(&snap, &check, at);
        let window: Vec<bool> = std::iter::once(breached).chain(history.iter().copied()).take(m).collect();
        let cooled = matches!(out.held, Some(h) if matches!(h.reason, HoldReason::Cooldown { .. }));
        let reason = reason(rule, snap.state, out.state, count, breached, &window, cooled);
        buckets.push(SimBucket {
            timestamp: at,
            count,
            threshold_breached: breached,
            state: out.state,
            notification: out.notification,
            reason,
        });
        snap.state = out.state;
        snap.last_notified_at = out.last_notified_at;
        history.insert(0, breached);
        history.truncate(m);
        at += cadence;
    }
    let sent = |n: Notification| buckets.iter().filter(|b| b.notification == n).count();
    SimulateResult {
        fire_count: sent(Notification::Fire),
        resolve_count: sent(Notification::Resolve),
        total_buckets: buckets.len(),
        threshold_count: rule.threshold_count,
        threshold_operator: rule.threshold_operator,
        buckets,
    }
}

/// Human-readable explanation, in the wording PostHog clients expect.
fn reason(
    rule: &SimulateRule,
    before: AlertState,
    after: AlertState,
    count: u64,
    breached: bool,
    window: &[bool],
    cooled: bool,
) -> String {
    let t = rule.threshold_count;
    let op = match (rule.threshold_operator, breached) {
        (ThresholdOperator::Above, true) => ">",
        (ThresholdOperator::Above, false) => "≤",
        (ThresholdOperator::Below, true) => "<",
        (ThresholdOperator::Below, false) => "≥",
    };
    let (n, m) = (rule.datapoints_to_alarm, rule.evaluation_periods);
    let n_of_m = if n == 1 && m == 1 {
        String::new()
    } else {
        let k = window.iter().filter(|b| **b).count();
        format!(", {k} of last {} checks breached (need {n} of {m})", window.len())
    };
    let verb = match (before, after) {
        (AlertState::Firing, AlertState::NotFiring) => " — resolved".to_owned(),
        (AlertState::Firing, _) => " — still firing".to_owned(),
        (_, AlertState::Firing) => format!("{n_of_m} — fired"),
        _ if breached => format!("{n_of_m} — waiting"),
        _ => " — OK".to_owned(),
    };
    let suffix = if cooled { " (notification suppressed by cooldown)" } else { "" };
    format!("{count} {op} {t}{verb}{suffix}")
}

#[cfg(test)]
#[path = "simulate_tests.rs"]
mod tests;
