//! `POST .../logs/alerts/simulate/` (spec §3.6): how an alert would have behaved over past
//! logs. Read-only; the replay is the scheduler's own evaluator over counts from a
//! [`CountSource`].

use logs_query::date_range::parse_date;
use logs_query::{LogStore, RowFilter, StoreError};
use serde::Deserialize;
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::alerts::check_filters;
use super::{ServiceError, ServiceResult};
use crate::edit::{self, AlertInput};
use crate::simulate::{SimulateResult, SimulateRule, simulate as replay, validate_simulate};

/// Without `date_from`, the last week (the spec's example).
const DEFAULT_DATE_FROM: &str = "-7d";
/// The check cadence when the body names none.
const DEFAULT_CADENCE_MINUTES: i64 = 5;

/// `n` buckets of `step_us` microseconds from `start_us`: bucket `i` covers
/// `[start_us + i*step_us, start_us + (i+1)*step_us)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketGrid {
    pub start_us: i64,
    pub step_us: i64,
    pub n: usize,
}

/// Where simulate gets its numbers: counts of matching records per fixed-size bucket.
/// A `dyn LogStore` is one; another service can answer from its own storage.
pub trait CountSource {
    /// The counts of `team`'s records matching `f`, one per bucket of `g`.
    fn bucket_counts(&self, team: i64, f: &RowFilter, g: BucketGrid) -> Result<Vec<u64>, StoreError>;
}

impl CountSource for dyn LogStore {
    fn bucket_counts(&self, team: i64, f: &RowFilter, g: BucketGrid) -> Result<Vec<u64>, StoreError> {
        logs_query::aggregate::bucket_counts(self, team, f, g.start_us, g.step_us, g.n)
    }
}

/// The simulate body: the alert fields that matter, the cadence and how far back.
// Unknown fields are an error: a typo would otherwise simulate the defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SimulateBody))]
#[serde(deny_unknown_fields)]
pub struct SimulateInput {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub filters: Option<Value>,
    pub threshold_count: Option<i64>,
    /// `above` (default) or `below`.
    pub threshold_operator: Option<String>,
    pub window_minutes: Option<i64>,
    /// The check cadence and bucket size, 1..60 and at most `window_minutes` (default 5).
    pub check_interval_minutes: Option<i64>,
    pub evaluation_periods: Option<i64>,
    pub datapoints_to_alarm: Option<i64>,
    pub cooldown_minutes: Option<i64>,
    /// ISO 8601 or relative (`-7d`), at most 30 days back.
    pub date_from: Option<String>,
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn micros(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(0)
}

/// Buckets with the rolling count each check would have seen, its state and notification.
pub fn simulate<C: CountSource + ?Sized>(
    counts: &C,
    team_id: i64,
    b: SimulateInput,
    now: OffsetDateTime,
) -> ServiceResult<SimulateResult> {
    let filters = b.filters.unwrap_or(Value::Null);
    check_filters(Some(&filters))?;
    // The alert fields validate exactly as on create (filters required: it is "enabled").
    let input = AlertInput {
        filters: Some(Some(filters.clone())),
        threshold_count: b.threshold_count,
        threshold_operator: b.threshold_operator,
        window_minutes: b.window_minutes,
        evaluation_periods: b.evaluation_periods,
        datapoints_to_alarm: b.datapoints_to_alarm,
        cooldown_minutes: b.cooldown_minutes,
        ..AlertInput::default()
    };
    let c = edit::create(&input, Uuid::nil(), team_id, None, now)?.config;
    let raw_from = b.date_from.unwrap_or_else(|| DEFAULT_DATE_FROM.to_string());
    let date_from = parse_date(&raw_from, now).ok_or_else(|| {
        let detail = format!(
            "Invalid date_from '{raw_from}': expected an ISO 8601 date or a relative date such as -7d."
        );
        ServiceError::invalid("date_from", "invalid", detail)
    })?;
    let cadence = b.check_interval_minutes.unwrap_or(DEFAULT_CADENCE_MINUTES);
    validate_simulate(cadence, c.window_minutes, date_from, now)?;
    let rule = SimulateRule {
        threshold_count: u64::try_from(c.threshold_count).unwrap_or(0),
        threshold_operator: c.threshold_operator,
        window_minutes: to_u32(c.window_minutes),
        cadence_minutes: to_u32(cadence),
        evaluation_periods: to_u32(c.evaluation_periods),
        datapoints_to_alarm: to_u32(c.datapoints_to_alarm),
        cooldown_minutes: to_u32(c.cooldown_minutes),
    };
    // Buckets on the cadence grid from the epoch; the last one holds `now`.
    let step_us = i64::try_from(Duration::minutes(cadence).whole_microseconds()).unwrap_or(i64::MAX);
    let first_us = micros(date_from).div_euclid(step_us) * step_us;
    let n = usize::try_from((micros(now) - first_us).div_euclid(step_us) + 1).unwrap_or(0);
    let filter = logs_query::parse_alert_filters(&filters)?.row_filter();
    let counts = counts.bucket_counts(team_id, &filter, BucketGrid { start_us: first_us, step_us, n })?;
    let first = OffsetDateTime::from_unix_timestamp_nanos(i128::from(first_us) * 1000)
        .map_err(|e| ServiceError::Counts(StoreError::Read(e.to_string())))?;
    Ok(replay(&rule, first, &counts))
}
