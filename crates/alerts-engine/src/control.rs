//! Control-plane transitions: user edits that move the alert state (spec §3.2 table).

use time::OffsetDateTime;

use crate::state::{AlertEvent, AlertState, EventKind};

/// The stored fields a control-plane edit looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlSnapshot {
    pub state: AlertState,
    pub enabled: bool,
    pub snooze_until: Option<OffsetDateTime>,
    pub consecutive_failures: u32,
}

/// What one PATCH changed. `snooze_until`: `None` = not in the request,
/// `Some(None)` = set to null, `Some(Some(t))` = set (already validated as future).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    pub enabled: Option<bool>,
    pub snooze_until: Option<Option<OffsetDateTime>>,
    /// Any of threshold_count, threshold_operator, filters, evaluation_periods or
    /// datapoints_to_alarm differs from the stored value.
    pub threshold_changed: bool,
    /// window_minutes differs: no transition, but the alert is re-checked at once.
    pub window_changed: bool,
}

/// The state write, audit row and scheduling effect of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlTransition {
    pub state: AlertState,
    pub consecutive_failures: u32,
    pub event: AlertEvent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchEffect {
    pub transition: Option<ControlTransition>,
    /// Threshold-class or window changes clear `next_check_at` for an immediate re-check.
    pub clear_next_check: bool,
}

fn transition(
    snap: &ControlSnapshot,
    kind: EventKind,
    state: AlertState,
    failures: u32,
) -> ControlTransition {
    ControlTransition {
        state,
        consecutive_failures: failures,
        event: AlertEvent {
            kind,
            state_before: snap.state,
            state_after: state,
            result_count: None,
            threshold_breached: false,
            error_message: None,
        },
    }
}

/// Precedence within one PATCH: enable/disable > snooze/unsnooze > threshold change;
/// only the first that applies produces a transition.
pub fn apply_patch(snap: &ControlSnapshot, patch: &Patch) -> PatchEffect {
    let clear_next_check = patch.threshold_changed || patch.window_changed;
    let kept = snap.consecutive_failures;
    let t = match patch.enabled {
        Some(true) if !snap.enabled => Some(transition(snap, EventKind::Enable, AlertState::NotFiring, 0)),
        Some(false) if snap.enabled => {
            Some(transition(snap, EventKind::Disable, AlertState::NotFiring, kept))
        }
        _ => None,
    };
    let t = t.or_else(|| match patch.snooze_until {
        Some(Some(_)) => Some(transition(snap, EventKind::Snooze, AlertState::Snoozed, kept)),
        // Clearing is an unsnooze only if there was a snooze to clear.
        Some(None) if snap.snooze_until.is_some() || snap.state == AlertState::Snoozed => {
            Some(transition(snap, EventKind::Unsnooze, AlertState::NotFiring, 0))
        }
        _ => None,
    });
    let t = t.or_else(|| {
        patch.threshold_changed.then(|| {
            // A snoozed alert stays snoozed and keeps its failure count.
            if snap.state == AlertState::Snoozed {
                transition(snap, EventKind::ThresholdChange, AlertState::Snoozed, kept)
            } else {
                transition(snap, EventKind::ThresholdChange, AlertState::NotFiring, 0)
            }
        })
    });
    PatchEffect { transition: t, clear_next_check }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Only broken alerts can be reset.")]
pub struct NotBroken;

/// `POST .../reset/`: only a broken alert can be reset.
pub fn reset(snap: &ControlSnapshot) -> Result<ControlTransition, NotBroken> {
    if snap.state != AlertState::Broken {
        return Err(NotBroken);
    }
    Ok(transition(snap, EventKind::Reset, AlertState::NotFiring, 0))
}

/// The worker found structurally invalid filters: break the alert with the reason.
pub fn broken_config(snap: &ControlSnapshot, reason: &str) -> ControlTransition {
    let mut t = transition(snap, EventKind::BrokenConfig, AlertState::Broken, snap.consecutive_failures);
    t.event.error_message = Some(reason.to_owned());
    t
}

#[cfg(test)]
#[path = "control_tests.rs"]
mod tests;
