//! `POST .../logs/alerts/simulate/` (spec §3.6): how an alert would have behaved over past
//! logs. Read-only; the replay is the scheduler's own evaluator.

use actix_web::{HttpResponse, post, web};
use alerts_engine::edit::{self, AlertInput};
use alerts_engine::simulate::{SimulateRule, simulate as replay, validate_simulate};
use logs_query::aggregate::bucket_counts;
use logs_query::date_range::parse_date;
use serde::Deserialize;
use serde_json::Value;
use time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

use super::logs_alerts::{READ, access, check_filters};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::state::AppState;

/// Without `date_from`, the last week (the spec's example).
const DEFAULT_DATE_FROM: &str = "-7d";

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulateBody {
    #[schema(value_type = Object)]
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
impl RequestBody for SimulateBody {
    const READ_ONLY: &'static [&'static str] = &["name", "enabled"];
}

fn to_u32(v: i64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Buckets with the rolling count each check would have seen, its state and notification.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path)), request_body = SimulateBody,
    responses((status = 200, description = "buckets, fire_count, resolve_count, total_buckets, threshold_count, threshold_operator"),
    (status = 400, body = ErrorBody)), security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/alerts/simulate")]
pub async fn simulate(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<SimulateBody>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = access(&st, auth, &id, READ).await?;
    let b = body.0;
    let now = st.now();
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
    let c = edit::create(&input, Uuid::nil(), p.id.0, None, now)?.config;
    let raw_from = b.date_from.unwrap_or_else(|| DEFAULT_DATE_FROM.to_string());
    let date_from = parse_date(&raw_from, now).ok_or_else(|| {
        ApiError::invalid(
            "date_from",
            "invalid",
            format!(
                "Invalid date_from '{raw_from}': expected an ISO 8601 date or a relative date such as -7d."
            ),
        )
    })?;
    let cadence = b.check_interval_minutes.unwrap_or(5);
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
    let step = Duration::minutes(cadence);
    let step_us = i64::try_from(step.whole_microseconds()).unwrap_or(i64::MAX);
    let from_us = i64::try_from(date_from.unix_timestamp_nanos() / 1000).unwrap_or(0);
    let first_us = from_us.div_euclid(step_us) * step_us;
    let now_us = i64::try_from(now.unix_timestamp_nanos() / 1000).unwrap_or(0);
    let n = usize::try_from((now_us - first_us).div_euclid(step_us) + 1).unwrap_or(0);
    let filter =
        logs_query::parse_alert_filters(&filters).map_err(|e| ApiError::Logs(e.into()))?.row_filter();
    let (logs, team) = (st.logs.clone(), p.id.0);
    let counts = blocking(move || bucket_counts(&*logs, team, &filter, first_us, step_us, n)).await?;
    let first = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(first_us) * 1000)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok().json(replay(&rule, first, &counts)))
}
