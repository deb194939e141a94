//! Aggregate logs endpoints: count, count-ranges, sparkline and services (specs/logs.md
//! 2.3–2.6). Each parses the body, checks `logs:read` and runs one `logs_query::aggregate`
//! use case off the async runtime.

use actix_web::{HttpResponse, post, web};
use logs_query::aggregate::{self, format_bucket_time};
use logs_query::{LogsQuery, SparklineBreakdownBy, parse_body};
use serde_json::{Value, json};

use super::logs::readable_project;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::Body;
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
    let q = parse_body(body, require_date_range).map_err(|e| ApiError::Logs(e.into()))?;
    Ok((p.id.0, q))
}

/// Rows matching the filters in `[date_from, date_to)` (default: the last hour).
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "{\"count\": int}"), (status = 400, body = ErrorBody)),
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
    let n = blocking(move || aggregate::count(&*logs, team, &q, now)).await?;
    Ok(HttpResponse::Ok().json(json!({"count": n})))
}

/// Counts per adaptive bucket (about `targetBuckets`, default 10); empty buckets left out.
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "{\"ranges\": [{date_from, date_to, count}], \"interval\": \"5m\"}"),
        (status = 400, body = ErrorBody)),
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
    let r = blocking(move || aggregate::count_ranges(&*logs, team, &q, now)).await?;
    let ranges: Vec<Value> = r
        .ranges
        .iter()
        .map(|c| {
            json!({
                "date_from": format_bucket_time(c.from_us),
                "date_to": format_bucket_time(c.to_us),
                "count": c.count,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"ranges": ranges, "interval": r.interval.short_form()})))
}

/// Volume per bucket (about 50) by severity or service; a bare array, as PostHog's handler
/// returns and its UI reads.
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "[{time, severity | service, count, bytes_uncompressed}]"),
        (status = 400, body = ErrorBody)),
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
    let s = blocking(move || aggregate::sparkline(&*logs, team, &q, now)).await?;
    let key = match s.breakdown_by {
        SparklineBreakdownBy::Severity => "severity",
        SparklineBreakdownBy::Service => "service",
    };
    let points: Vec<Value> = s
        .points
        .iter()
        .map(|p| {
            json!({
                "time": format_bucket_time(p.time_us),
                key: p.value,
                "count": p.count,
                "bytes_uncompressed": p.bytes,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(points))
}

/// Volume, errors and a sparkline per service (`dateRange` required).
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = Object,
    responses((status = 200, description = "{services, sparkline, summary, total_services}"),
        (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/services")]
pub async fn services(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<Value>,
) -> Result<HttpResponse, ApiError> {
    let (team, q) = prepare(&st, auth, &id, &body.0, true).await?;
    let (logs, now) = (st.logs.clone(), st.now());
    let r = blocking(move || aggregate::services(&*logs, team, &q, now)).await?;
    let per_service: Vec<Value> = r
        .services
        .iter()
        .map(|s| {
            let b = &s.severity_breakdown;
            json!({
                "service_name": s.service_name,
                "log_count": s.log_count,
                "error_count": s.error_count,
                "error_rate": s.error_rate,
                "volume_share_pct": s.volume_share_pct,
                "severity_breakdown": {"debug": b.debug, "info": b.info, "warn": b.warn, "error": b.error},
                // No sampling rules exist yet, so none can apply.
                "active_rules": [],
            })
        })
        .collect();
    let points: Vec<Value> = r
        .sparkline
        .iter()
        .map(|p| json!({"time": format_bucket_time(p.time_us), "service_name": p.service_name, "count": p.count}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "services": per_service,
        "sparkline": points,
        "summary": {
            "top_services_count": r.summary.top_services_count,
            "top_services_volume_share_pct": r.summary.top_services_volume_share_pct,
        },
        "total_services": r.total_services,
    })))
}
