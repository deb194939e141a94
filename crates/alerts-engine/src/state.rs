//! The check-driven alert state machine (spec §3.2). Control-plane edits live in `control.rs`.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// Failures (non-transient errors) in a row after which an alert is `broken`.
pub const MAX_CONSECUTIVE_FAILURES: u32 = 5;

/// `pending_resolve` exists for compatibility and is never entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AlertStateName))]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    #[default]
    NotFiring,
    Firing,
    /// Exists for API compatibility; never entered.
    PendingResolve,
    Errored,
    Snoozed,
    Broken,
}

/// What a check sent (or would send, in a simulation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = NotificationName))]
#[serde(rename_all = "snake_case")]
pub enum Notification {
    None,
    Fire,
    Resolve,
    Error,
    Broken,
}

/// Audit event kinds: `check` for the scheduler's checks; the others for user edits (spec §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AlertEventKindName))]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Check,
    Reset,
    Enable,
    Disable,
    Snooze,
    Unsnooze,
    ThresholdChange,
    BrokenConfig,
}

/// An alert event row, minus ids, timestamps and query duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEvent {
    pub kind: EventKind,
    pub state_before: AlertState,
    pub state_after: AlertState,
    pub result_count: Option<u64>,
    pub threshold_breached: bool,
    pub error_message: Option<String>,
}

/// What the state machine needs from the stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub state: AlertState,
    pub snooze_until: Option<OffsetDateTime>,
    pub consecutive_failures: u32,
    pub last_notified_at: Option<OffsetDateTime>,
    pub cooldown_minutes: u32,
    /// M.
    pub evaluation_periods: u32,
    /// N.
    pub datapoints_to_alarm: u32,
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// `recent_breaches` are the older windows' outcomes, newest first.
    Ok { breached: bool, count: u64, recent_breaches: Vec<bool> },
    /// `transient`: busy/rate-limited, cancelled or unknown; these do not count as failures.
    Error { message: String, transient: bool },
}

/// Why a notification that the transition implies is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldReason {
    /// Fire/resolve inside the cooldown; the state change still happens.
    Cooldown { until: OffsetDateTime },
    /// Error notifications go out only on entry into `errored`.
    AlreadyErrored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub notification: Notification,
    pub reason: HoldReason,
}

/// New bookkeeping after a check, what to send, and the event row to write (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub state: AlertState,
    pub consecutive_failures: u32,
    pub last_notified_at: Option<OffsetDateTime>,
    /// `Some` = set to this; `None` = clear (the latest check succeeded). Unchanged if skipped.
    pub last_error_message: Option<String>,
    pub notification: Notification,
    pub held: Option<Held>,
    /// Written when the state changed or the check errored.
    pub event: Option<AlertEvent>,
    /// True when the alert was not evaluated (broken, or snoozed into the future):
    /// the caller should leave the stored row alone.
    pub skipped: bool,
}

/// Applies one check to the alert at `now`.
pub fn evaluate(snap: &Snapshot, check: &Check, now: OffsetDateTime) -> Outcome {
    let unchanged = Outcome {
        state: snap.state,
        consecutive_failures: snap.consecutive_failures,
        last_notified_at: snap.last_notified_at,
        last_error_message: None,
        notification: Notification::None,
        held: None,
        event: None,
        skipped: true,
    };
    // Broken is terminal until reset; an active snooze silences everything.
    if snap.state == AlertState::Broken {
        return unchanged;
    }
    let effective = match snap.state {
        AlertState::Snoozed if snap.snooze_until.is_some_and(|u| u > now) => return unchanged,
        AlertState::Snoozed => AlertState::NotFiring,
        s => s,
    };
    match check {
        Check::Error { message, transient } => on_error(snap, effective, message, *transient),
        Check::Ok { breached, count, recent_breaches } => {
            on_success(snap, effective, *breached, *count, recent_breaches, now)
        }
    }
}

fn on_error(snap: &Snapshot, effective: AlertState, message: &str, transient: bool) -> Outcome {
    let failures =
        if transient { snap.consecutive_failures } else { snap.consecutive_failures.saturating_add(1) };
    let (state, notification, held) = if failures >= MAX_CONSECUTIVE_FAILURES {
        (AlertState::Broken, Notification::Broken, None)
    } else if effective == AlertState::Errored {
        let held = Held { notification: Notification::Error, reason: HoldReason::AlreadyErrored };
        (AlertState::Errored, Notification::None, Some(held))
    } else {
        (AlertState::Errored, Notification::Error, None)
    };
    Outcome {
        state,
        consecutive_failures: failures,
        // Error notifications neither consult nor move the cooldown clock.
        last_notified_at: snap.last_notified_at,
        last_error_message: Some(message.to_owned()),
        notification,
        held,
        event: Some(AlertEvent {
            kind: EventKind::Check,
            state_before: snap.state,
            state_after: state,
            result_count: None,
            threshold_breached: false,
            error_message: Some(message.to_owned()),
        }),
        skipped: false,
    }
}

fn on_success(
    snap: &Snapshot,
    effective: AlertState,
    breached: bool,
    count: u64,
    recent: &[bool],
    now: OffsetDateTime,
) -> Outcome {
    let effective = match effective {
        AlertState::Errored | AlertState::PendingResolve => AlertState::NotFiring,
        s => s,
    };
    let m = usize::try_from(snap.evaluation_periods.max(1)).unwrap_or(usize::MAX);
    let n = usize::try_from(snap.datapoints_to_alarm.max(1)).unwrap_or(usize::MAX);
    let breaches = std::iter::once(breached).chain(recent.iter().copied()).take(m).filter(|b| *b).count();
    let (state, intended) = match effective {
        AlertState::Firing if breached => (AlertState::Firing, Notification::None),
        // Resolution is immediate on the first OK check; N-of-M only governs firing.
        AlertState::Firing => (AlertState::NotFiring, Notification::Resolve),
        _ if breaches >= n => (AlertState::Firing, Notification::Fire),
        _ => (AlertState::NotFiring, Notification::None),
    };
    let (notification, held, last_notified_at) = apply_cooldown(snap, intended, now);
    Outcome {
        state,
        consecutive_failures: 0,
        last_notified_at,
        last_error_message: None,
        notification,
        held,
        event: (state != snap.state).then_some(AlertEvent {
            kind: EventKind::Check,
            state_before: snap.state,
            state_after: state,
            result_count: Some(count),
            threshold_breached: breached,
            error_message: None,
        }),
        skipped: false,
    }
}

/// Cooldown mutes fire/resolve notifications, never the transition itself.
fn apply_cooldown(
    snap: &Snapshot,
    intended: Notification,
    now: OffsetDateTime,
) -> (Notification, Option<Held>, Option<OffsetDateTime>) {
    if intended == Notification::None {
        return (intended, None, snap.last_notified_at);
    }
    if snap.cooldown_minutes > 0
        && let Some(last) = snap.last_notified_at
    {
        let until = last + Duration::minutes(i64::from(snap.cooldown_minutes));
        if now < until {
            let held = Held { notification: intended, reason: HoldReason::Cooldown { until } };
            return (Notification::None, Some(held), snap.last_notified_at);
        }
    }
    (intended, None, Some(now))
}

/// The notification could not be enqueued: keep the previous state (and cooldown
/// clock) so the next cycle retries it. Failures may only go down.
pub fn rollback_unsent(snap: &Snapshot, out: Outcome) -> Outcome {
    Outcome {
        state: snap.state,
        consecutive_failures: out.consecutive_failures.min(snap.consecutive_failures),
        last_notified_at: snap.last_notified_at,
        notification: Notification::None,
        held: None,
        event: None,
        ..out
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
