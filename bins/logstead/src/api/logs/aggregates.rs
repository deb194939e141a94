//! Aggregate logs endpoints: count, count-ranges, sparkline and services (specs/logs.md
//! 2.3–2.6). Each parses the body, checks `logs:read` and runs one `logs_query::aggregate`
//! use case off the async runtime.

use actix_web::{HttpResponse, post, web};
use logs_query::{LogsQuery, aggregate};
use serde_json::Value;

use super::dto::{LogsCountRangesResponse, LogsCountResponse, LogsServicesResponse, LogsSparklinePoint};
use super::input::LogsQueryBody;
use super::query::{readable_project, timed};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::extract::Body;
use crate::metrics::QueryKind;
use crate::state::AppState;

/// The team the caller may read logs of, and the parsed query.
async fn prepare(
    st: &AppState,
    auth: Authenticated,
    id: &str,
    body: &Value,
    require_date_range: bool,
) -> Result<(i64, LogsQuery), ApiError> {
    let p = readable_project(st, auth, id).await?;
    let q = super::query::parse_query(st, body, require_date_range)?;
    Ok((p.id.0, q))
}

/// Rows matching the filters in `[date_from, date_to)` (default: the last hour).
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = LogsQueryBody,
    responses((status = 200, body = LogsCountResponse), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/count")]
pub async fn count(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<Value>,
) -> Result<HttpResponse, ApiError> {
    let (team, q) = prepare(&st, auth, &id, &body.0, false).await?;
    let (logs, now) = (st.logs.clone(), st.now());
    let n = timed(&st, QueryKind::Count, move || aggregate::count(&*logs, team, &q, now)).await?;
    Ok(HttpResponse::Ok().json(LogsCountResponse { count: n }))
}

/// Counts per adaptive bucket (about `targetBuckets`, default 10); empty buckets left out.
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = LogsQueryBody,
    responses((status = 200, body = LogsCountRangesResponse), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/count-ranges")]
pub async fn count_ranges(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<Value>,
) -> Result<HttpResponse, ApiError> {
    let (team, q) = prepare(&st, auth, &id, &body.0, false).await?;
    let (logs, now) = (st.logs.clone(), st.now());
    let r =
        timed(&st, QueryKind::CountRanges, move || aggregate::count_ranges(&*logs, team, &q, now)).await?;
    Ok(HttpResponse::Ok().json(LogsCountRangesResponse {
        ranges: r.ranges.iter().map(Into::into).collect(),
        interval: r.interval.short_form(),
    }))
}

/// Volume per bucket (about 50) by severity or service; a bare array, as PostHog's handler
/// returns and its UI reads.
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = LogsQueryBody,
    responses((status = 200, body = Vec<LogsSparklinePoint>), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/sparkline")]
pub async fn sparkline(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<Value>,
) -> Result<HttpResponse, ApiError> {
    let (team, q) = prepare(&st, auth, &id, &body.0, false).await?;
    let (logs, now) = (st.logs.clone(), st.now());
    let s = timed(&st, QueryKind::Sparkline, move || aggregate::sparkline(&*logs, team, &q, now)).await?;
    let points: Vec<LogsSparklinePoint> =
        s.points.iter().map(|p| LogsSparklinePoint::new(p, s.breakdown_by)).collect();
    Ok(HttpResponse::Ok().json(points))
}

/// Volume, errors and a sparkline per service (`dateRange` required).
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = LogsQueryBody,
    responses((status = 200, body = LogsServicesResponse), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/services")]
pub async fn services(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<Value>,
) -> Result<HttpResponse, ApiError> {
    let (team, q) = prepare(&st, auth, &id, &body.0, true).await?;
    let (logs, rules, now) = (st.logs.clone(), st.sampling.repo.clone(), st.now());
    let (r, enabled) = timed(&st, QueryKind::Services, move || -> Result<_, ApiError> {
        Ok((aggregate::services(&*logs, team, &q, now)?, rules.enabled(team)?))
    })
    .await?;
    Ok(HttpResponse::Ok().json(LogsServicesResponse::from(&r).with_active_rules(&enabled)))
}
