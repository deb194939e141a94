//! User edits of an alert (create, PATCH, PUT, reset): request fields → validated
//! [`Alert`], the control-plane transition it implies (spec §3.2) and the event to write
//! with it, plus the activity-log snapshot of an alert.
//!
//! Filter *shape* (property groups) is checked by the caller with the logs-query
//! semantics before this runs; here filters are only read into [`AlertFilters`].

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::config::{AlertConfig, AlertFilters, ConfigError, ThresholdOperator, normalize_name};
use crate::control::{ControlSnapshot, ControlTransition, NotBroken, Patch, apply_patch};
use crate::quiet_hours::{self, ScheduleRestriction};
use crate::repo::{Alert, NewEvent};
use crate::state::EventKind;

/// Activity-log scope of alert entries (PostHog's model name).
pub const ACTIVITY_SCOPE: &str = "LogsAlertConfiguration";

/// The writable fields of a request body. `None` = absent; for nullable fields
/// `Some(None)` = explicit null.
/// Serializes back to the body as sent (absent fields skipped): what a change request
/// stores and replays at apply.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlertInput {
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub name: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub filters: Option<Option<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold_operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_minutes: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown_minutes: Option<i64>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub snooze_until: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
    pub schedule_restriction: Option<Option<ScheduleRestriction>>,
}

fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// How absent fields are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// PATCH: absent fields keep their stored value.
    Partial,
    /// PUT: absent fields take their create default (full replacement).
    Full,
}

/// The result of an edit: the alert to store, and the control-plane event when the
/// edit moved the state machine.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub alert: Alert,
    pub event: Option<NewEvent>,
}

fn field(attr: &'static str, detail: impl Into<String>) -> ConfigError {
    ConfigError { attr: Some(attr), detail: detail.into() }
}

/// Filters as stored; the caller has already validated their shape.
pub fn parse_filters(v: Option<&Value>) -> Result<AlertFilters, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(AlertFilters::default()),
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            let e = e.to_string();
            let what = logs_query::serde_wording::drf_message(&e).unwrap_or(e);
            field("filters", format!("Invalid filters shape at filters: {what}"))
        }),
    }
}

fn parse_operator(s: &str) -> Result<ThresholdOperator, ConfigError> {
    match s {
        "above" => Ok(ThresholdOperator::Above),
        "below" => Ok(ThresholdOperator::Below),
        _ => Err(field("threshold_operator", format!("\"{s}\" is not a valid choice."))),
    }
}

/// ISO 8601 with an offset; a time without one is UTC (as Django with `USE_TZ`).
pub fn parse_datetime(attr: &'static str, s: &str) -> Result<OffsetDateTime, ConfigError> {
    let naive = || {
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute][optional [:[second][optional [.[subsecond]]]]]"
        );
        time::PrimitiveDateTime::parse(s, &fmt).map(|p| p.assume_utc())
    };
    OffsetDateTime::parse(s, &Rfc3339).or_else(|_| naive()).map_err(|_| {
        field(
            attr,
            "Datetime has wrong format. Use one of these formats instead: \
             YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        )
    })
}

/// `base` with the request's fields applied. Returns the config, the schedule restriction
/// and whether the request set a (non-null) snooze.
fn merge(
    base: &AlertConfig,
    base_restriction: Option<&ScheduleRestriction>,
    input: &AlertInput,
    mode: Mode,
) -> Result<(AlertConfig, Option<ScheduleRestriction>, bool), ConfigError> {
    let d = AlertConfig::default();
    // PUT starts from the defaults, PATCH from the stored alert.
    let start = if mode == Mode::Full { &d } else { base };
    let mut c = start.clone();
    if let Some(n) = &input.name {
        c.name = normalize_name(n.as_deref());
    }
    if let Some(e) = input.enabled {
        c.enabled = e;
    }
    if let Some(f) = &input.filters {
        c.filters = parse_filters(f.as_ref())?;
    }
    c.threshold_count = input.threshold_count.unwrap_or(c.threshold_count);
    if let Some(op) = &input.threshold_operator {
        c.threshold_operator = parse_operator(op)?;
    }
    c.window_minutes = input.window_minutes.unwrap_or(c.window_minutes);
    c.evaluation_periods = input.evaluation_periods.unwrap_or(c.evaluation_periods);
    c.datapoints_to_alarm = input.datapoints_to_alarm.unwrap_or(c.datapoints_to_alarm);
    c.cooldown_minutes = input.cooldown_minutes.unwrap_or(c.cooldown_minutes);
    if let Some(s) = &input.snooze_until {
        c.snooze_until = s.as_deref().map(|s| parse_datetime("snooze_until", s)).transpose()?;
    }
    let restriction = match (&input.schedule_restriction, mode) {
        (Some(r), _) => quiet_hours::normalize(r.as_ref())?,
        (None, Mode::Full) => None,
        (None, Mode::Partial) => base_restriction.cloned(),
    };
    let snooze_set = matches!(input.snooze_until, Some(Some(_)));
    Ok((c, restriction, snooze_set))
}

/// A new alert from a create body (spec §3.1 defaults). New alerts have no
/// `next_check_at`, so the scheduler checks them on its next tick.
pub fn create(
    input: &AlertInput,
    id: Uuid,
    team_id: i64,
    created_by: Option<i64>,
    now: OffsetDateTime,
) -> Result<Alert, ConfigError> {
    let (config, schedule_restriction, snooze_set) = merge(&AlertConfig::default(), None, input, Mode::Full)?;
    config.validate(now, snooze_set)?;
    Ok(Alert { schedule_restriction, ..Alert::new(id, team_id, config, created_by, now) })
}

fn control_snapshot(a: &Alert) -> ControlSnapshot {
    ControlSnapshot {
        state: a.state,
        enabled: a.config.enabled,
        snooze_until: a.config.snooze_until,
        consecutive_failures: a.consecutive_failures,
    }
}

fn new_event(t: &ControlTransition, id: Uuid, now: OffsetDateTime) -> NewEvent {
    NewEvent { id, created_at: now, event: t.event.clone(), query_duration_ms: None, inputs: None }
}

fn apply_transition(a: &mut Alert, t: &ControlTransition) {
    a.state = t.state;
    a.consecutive_failures = t.consecutive_failures;
    // These start the alert over: check on the next tick.
    if matches!(t.event.kind, EventKind::Enable | EventKind::Unsnooze | EventKind::Reset) {
        a.next_check_at = None;
    }
}

/// A PATCH (`Mode::Partial`) or PUT (`Mode::Full`) of `current`. `event_id` names the
/// control-plane event if one is produced.
pub fn update(
    current: &Alert,
    input: &AlertInput,
    mode: Mode,
    now: OffsetDateTime,
    event_id: Uuid,
) -> Result<Edit, ConfigError> {
    let old = &current.config;
    let (config, schedule_restriction, snooze_set) =
        merge(old, current.schedule_restriction.as_ref(), input, mode)?;
    config.validate(now, snooze_set)?;
    let patch = Patch {
        enabled: (config.enabled != old.enabled).then_some(config.enabled),
        // PUT without a snooze clears a stored one; PATCH only when the field is sent.
        snooze_until: match (&input.snooze_until, mode) {
            (Some(_), _) => Some(config.snooze_until),
            (None, Mode::Full) if old.snooze_until.is_some() => Some(None),
            (None, _) => None,
        },
        threshold_changed: config.threshold_count != old.threshold_count
            || config.threshold_operator != old.threshold_operator
            || config.filters != old.filters
            || config.evaluation_periods != old.evaluation_periods
            || config.datapoints_to_alarm != old.datapoints_to_alarm,
        window_changed: config.window_minutes != old.window_minutes,
    };
    let effect = apply_patch(&control_snapshot(current), &patch);
    let mut alert = current.clone();
    if config.enabled && alert.first_enabled_at.is_none() {
        alert.first_enabled_at = Some(now);
    }
    alert.config = config;
    alert.schedule_restriction = schedule_restriction;
    alert.updated_at = now;
    if effect.clear_next_check {
        alert.next_check_at = None;
    }
    let event = effect.transition.map(|t| {
        apply_transition(&mut alert, &t);
        new_event(&t, event_id, now)
    });
    Ok(Edit { alert, event })
}

/// `POST .../reset/`: a broken alert back to `not_firing`, re-checked on the next tick.
pub fn reset(current: &Alert, now: OffsetDateTime, event_id: Uuid) -> Result<Edit, NotBroken> {
    let t = crate::control::reset(&control_snapshot(current))?;
    let mut alert = current.clone();
    apply_transition(&mut alert, &t);
    alert.updated_at = now;
    Ok(Edit { alert, event: Some(new_event(&t, event_id, now)) })
}

fn iso(t: Option<OffsetDateTime>) -> Value {
    t.and_then(|t| t.format(&Rfc3339).ok()).map_or(Value::Null, Value::String)
}

/// What the activity log records of an alert: its user-visible configuration and state,
/// not scheduler bookkeeping (which changes every few minutes).
pub fn snapshot(a: &Alert) -> Value {
    let c = &a.config;
    json!({
        "name": c.name,
        "enabled": c.enabled,
        "filters": c.filters,
        "threshold_count": c.threshold_count,
        "threshold_operator": c.threshold_operator,
        "window_minutes": c.window_minutes,
        "evaluation_periods": c.evaluation_periods,
        "datapoints_to_alarm": c.datapoints_to_alarm,
        "cooldown_minutes": c.cooldown_minutes,
        "snooze_until": iso(c.snooze_until),
        "schedule_restriction": a.schedule_restriction,
        "state": a.state,
    })
}

#[cfg(test)]
#[path = "edit_tests.rs"]
mod tests;
