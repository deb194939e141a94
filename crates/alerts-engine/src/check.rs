//! One scheduled check, assembled: which windows to count, and from their counts (or the
//! count's failure) the state write, the event row and its recorded inputs (spec §3.3–3.4).
//! The scheduler does the I/O around this; `simulate` runs the same `evaluate`.

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use crate::control::{ControlSnapshot, broken_config};
use crate::repo::{Alert, CheckWrite, NewEvent};
use crate::schedule::{CHECK_INTERVAL, Window, advance, anchor, breaches, windows};
use crate::state::{AlertEvent, AlertState, Check, EventKind, HoldReason, Notification, Snapshot, evaluate};

/// What to count for one check: `buckets` consecutive 5-minute buckets from
/// `bucket_start`; window k sums the `per_window` buckets ending k buckets before the last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountPlan {
    pub date_to: OffsetDateTime,
    /// True when `date_to` was held back to the ingestion checkpoint.
    pub on_checkpoint: bool,
    /// The M windows, newest first.
    pub windows: Vec<Window>,
    pub bucket_start: OffsetDateTime,
    pub buckets: usize,
    pub per_window: usize,
}

fn to_usize(v: i64) -> usize {
    usize::try_from(v.max(1)).unwrap_or(1)
}

fn m_of(alert: &Alert) -> u32 {
    u32::try_from(alert.config.evaluation_periods.clamp(1, 10)).unwrap_or(1)
}

/// The windows of the check due at `alert.next_check_at` (or `now`), anchored on the
/// checkpoint when that is fresh. Windows overlap on the 5-minute grid, so one bucketed
/// count of `M − 1 + window/5` buckets answers all of them.
pub fn plan(alert: &Alert, now: OffsetDateTime, checkpoint: Option<OffsetDateTime>) -> CountPlan {
    let scheduled = alert.next_check_at.unwrap_or(now);
    let date_to = anchor(alert.next_check_at, now, checkpoint);
    let window_minutes = u32::try_from(alert.config.window_minutes.clamp(5, 60)).unwrap_or(5);
    let m = m_of(alert);
    let per_window = to_usize(i64::from(window_minutes) / 5);
    let buckets = per_window + to_usize(i64::from(m)) - 1;
    let bucket_start = date_to - CHECK_INTERVAL * i32::try_from(buckets).unwrap_or(1);
    CountPlan {
        date_to,
        on_checkpoint: date_to != scheduled,
        windows: windows(date_to, window_minutes, m),
        bucket_start,
        buckets,
        per_window,
    }
}

impl CountPlan {
    /// Per-window counts, newest first, from the bucket counts (oldest first).
    pub fn window_counts(&self, buckets: &[u64]) -> Vec<u64> {
        let n = buckets.len();
        (0..self.windows.len())
            .map(|k| {
                let end = n.saturating_sub(k);
                buckets[end.saturating_sub(self.per_window)..end].iter().sum()
            })
            .collect()
    }
}

/// Why the count could not be taken. `transient`: busy, cancelled or unknown (spec §3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountFailure {
    pub message: String,
    pub transient: bool,
}

/// Facts of this run the engine cannot know by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckContext {
    pub now: OffsetDateTime,
    pub event_id: Uuid,
    /// The project timezone's offset, for quiet hours.
    pub tz_offset: UtcOffset,
    pub query_duration_ms: Option<i64>,
}

/// A check ready to store: the write (without deliveries) and what to notify about.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub write: CheckWrite,
    pub notification: Notification,
    /// The window a notification is about: the newest breached one when firing, the
    /// newest one when resolving (for the deep link and sample lines).
    pub focus: Option<Window>,
    pub result_count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Assembled {
    /// Broken alerts are never evaluated: release the claim and write nothing.
    Skip,
    Write(Box<Evaluated>),
}

pub fn snapshot(alert: &Alert) -> Snapshot {
    Snapshot {
        state: alert.state,
        snooze_until: alert.config.snooze_until,
        consecutive_failures: alert.consecutive_failures,
        last_notified_at: alert.last_notified_at,
        cooldown_minutes: u32::try_from(alert.config.cooldown_minutes.max(0)).unwrap_or(u32::MAX),
        evaluation_periods: m_of(alert),
        datapoints_to_alarm: u32::try_from(alert.config.datapoints_to_alarm.clamp(1, 10)).unwrap_or(1),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The next check: one interval on the grid, then out of the quiet hours.
pub fn next_check(alert: &Alert, now: OffsetDateTime, tz_offset: UtcOffset) -> OffsetDateTime {
    let next = advance(alert.next_check_at, now);
    match &alert.schedule_restriction {
        Some(r) => crate::quiet_hours::push_past(next, r, tz_offset),
        None => next,
    }
}

/// Applies the counted windows (or the failure) to the alert.
pub fn assemble(
    alert: &Alert,
    plan: &CountPlan,
    counts: Result<&[u64], &CountFailure>,
    ctx: &CheckContext,
) -> Assembled {
    let snap = snapshot(alert);
    if snap.state == AlertState::Broken {
        return Assembled::Skip;
    }
    let threshold = u64::try_from(alert.config.threshold_count.max(0)).unwrap_or(0);
    let op = alert.config.threshold_operator;
    let mut inputs = json!({
        // The due time this check ran for (null: first check): one check per due time.
        "scheduled_at": alert.next_check_at.map(rfc3339),
        "date_to": rfc3339(plan.date_to),
        "anchored_on_checkpoint": plan.on_checkpoint,
        "threshold_count": threshold,
        "threshold_operator": op,
        "evaluation_periods": snap.evaluation_periods,
        "datapoints_to_alarm": snap.datapoints_to_alarm,
        "window_minutes": alert.config.window_minutes,
    });
    let (check, window_counts) = match counts {
        Ok(buckets) => {
            let wc = plan.window_counts(buckets);
            let b = breaches(&wc, op, threshold, snap.evaluation_periods);
            (Check::Ok { breached: b.breached, count: b.result_count, recent_breaches: b.recent }, Some(wc))
        }
        Err(f) => {
            inputs["error"] = json!({"message": f.message, "transient": f.transient});
            (Check::Error { message: f.message.clone(), transient: f.transient }, None)
        }
    };
    let outcome = evaluate(&snap, &check, ctx.now);
    let outcomes: Vec<bool> = match &check {
        Check::Ok { breached, recent_breaches, .. } => {
            std::iter::once(*breached).chain(recent_breaches.iter().copied()).collect()
        }
        Check::Error { .. } => Vec::new(),
    };
    if let Some(wc) = &window_counts {
        inputs["windows"] = plan
            .windows
            .iter()
            .zip(wc)
            .zip(&outcomes)
            .map(|((w, c), b)| json!({"start": rfc3339(w.start), "end": rfc3339(w.end), "count": c, "breached": b}))
            .collect();
        inputs["breached_windows"] = json!(outcomes.iter().filter(|b| **b).count());
    }
    let result_count = match &check {
        Check::Ok { count, .. } => Some(*count),
        Check::Error { .. } => None,
    };
    let breached_now = outcomes.first().copied().unwrap_or(false);
    let held = if outcome.skipped {
        // Only an active snooze gets here (broken returned above): record it, change nothing.
        json!({"reason": "snoozed", "until": snap.snooze_until.map(rfc3339)})
    } else {
        held_reason(&outcome.held, snap.state, outcome.state, breached_now, &outcomes, &snap)
    };
    inputs["notification"] = json!(outcome.notification);
    inputs["held"] = held;
    let event = AlertEvent {
        kind: EventKind::Check,
        state_before: snap.state,
        state_after: outcome.state,
        result_count,
        threshold_breached: breached_now,
        error_message: outcome.event.as_ref().and_then(|e| e.error_message.clone()),
    };
    let focus = match outcome.notification {
        Notification::Fire => outcomes.iter().position(|b| *b).and_then(|k| plan.windows.get(k)).copied(),
        Notification::Resolve => plan.windows.first().copied(),
        _ => None,
    };
    let write = CheckWrite {
        alert_id: alert.id,
        version: alert.version,
        state: outcome.state,
        consecutive_failures: outcome.consecutive_failures,
        last_error_message: if outcome.skipped {
            alert.last_error_message.clone()
        } else {
            outcome.last_error_message.clone()
        },
        last_notified_at: outcome.last_notified_at,
        last_checked_at: ctx.now,
        next_check_at: next_check(alert, ctx.now, ctx.tz_offset),
        event: Some(NewEvent {
            id: ctx.event_id,
            created_at: ctx.now,
            event,
            query_duration_ms: ctx.query_duration_ms,
            inputs: Some(inputs),
        }),
        deliveries: Vec::new(),
    };
    Assembled::Write(Box::new(Evaluated { write, notification: outcome.notification, focus, result_count }))
}

/// Why no notification went out although the alert is, or stays, in a notable state.
fn held_reason(
    held: &Option<crate::state::Held>,
    before: AlertState,
    after: AlertState,
    breached_now: bool,
    outcomes: &[bool],
    snap: &Snapshot,
) -> Value {
    if let Some(h) = held {
        return match h.reason {
            HoldReason::Cooldown { until } => {
                json!({"reason": "cooldown", "notification": h.notification, "until": rfc3339(until)})
            }
            HoldReason::AlreadyErrored => {
                json!({"reason": "already_errored", "notification": h.notification})
            }
        };
    }
    if before == AlertState::Firing && after == AlertState::Firing && breached_now {
        return json!({"reason": "already_firing"});
    }
    let k = outcomes.iter().filter(|b| **b).count();
    if after == AlertState::NotFiring && k > 0 {
        return json!({"reason": "waiting", "breached": k, "need": snap.datapoints_to_alarm,
                      "of": snap.evaluation_periods});
    }
    Value::Null
}

/// The filters are structurally invalid: the alert breaks (spec §3.2 `broken_config`),
/// written through the same guarded check write, and the `broken` notification goes out.
pub fn assemble_broken_config(alert: &Alert, reason: &str, ctx: &CheckContext) -> Evaluated {
    let snap = ControlSnapshot {
        state: alert.state,
        enabled: alert.config.enabled,
        snooze_until: alert.config.snooze_until,
        consecutive_failures: alert.consecutive_failures,
    };
    let t = broken_config(&snap, reason);
    let write = CheckWrite {
        alert_id: alert.id,
        version: alert.version,
        state: t.state,
        consecutive_failures: t.consecutive_failures,
        last_error_message: Some(reason.to_owned()),
        last_notified_at: alert.last_notified_at,
        last_checked_at: ctx.now,
        next_check_at: next_check(alert, ctx.now, ctx.tz_offset),
        event: Some(NewEvent {
            id: ctx.event_id,
            created_at: ctx.now,
            event: t.event,
            query_duration_ms: None,
            inputs: Some(json!({"error": {"message": reason, "transient": false}, "notification": "broken"})),
        }),
        deliveries: Vec::new(),
    };
    Evaluated { write, notification: Notification::Broken, focus: None, result_count: None }
}

#[cfg(test)]
#[path = "check_tests.rs"]
mod tests;
