//! Logs query endpoints (under `/api/projects/:id/logs/` and `/api/environments/:id/logs/`).

use std::time::Instant;

use actix_web::{HttpResponse, get, post, web};
use auth_scopes::{Scope, ScopeObject};
use logs_query::timefmt::format_iso_us;
use logs_query::{LogsQuery, list_page, parse_body};
use orgs::Project;
use orgs::service::project_access;
use serde_json::Value;

use super::dto::{HasLogsResponse, LogRow, LogsQueryResponse};
use super::input::LogsQueryBody;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, project_ref};
use crate::metrics::QueryKind;
use crate::state::AppState;

const READ: Scope = Scope::read(ScopeObject::Logs);

/// The project whose logs the caller may read (`logs:read`): every logs endpoint's check.
pub(super) async fn readable_project(
    st: &AppState,
    auth: Authenticated,
    id: &str,
) -> Result<Project, ApiError> {
    let project = project_ref(id)?;
    let repos = st.repos.clone();
    let (p, _) = blocking(move || project_access(&*repos, &auth.0, project, READ)).await?;
    Ok(p)
}

/// `{"query": {...}}` parsed, with the server's `personId` / `sessionId` keys.
pub(super) fn parse_query(
    st: &AppState,
    body: &Value,
    require_date_range: bool,
) -> Result<LogsQuery, ApiError> {
    let mut q = parse_body(body, require_date_range).map_err(|e| ApiError::Logs(e.into()))?;
    q.identity_keys = (*st.identity_keys).clone();
    Ok(q)
}

/// [`blocking`], timed as a logs query of `kind` (failures too: they took that long).
pub(super) async fn timed<T, E, F>(st: &AppState, kind: QueryKind, f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
    ApiError: From<E>,
{
    let started = Instant::now();
    let result = blocking(f).await;
    st.metrics.work.query(kind, started.elapsed());
    result
}

/// What an export may hold (PostHog's limit).
const MAX_EXPORTABLE_LOGS: u32 = 10_000;

/// Log rows, newest (or oldest) first, in cursor pages; `liveLogsCheckpoint` for live tail.
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = LogsQueryBody,
    responses((status = 200, body = LogsQueryResponse), (status = 400, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/query")]
pub async fn query(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<Value>,
) -> Result<HttpResponse, ApiError> {
    let p = readable_project(&st, auth, &id).await?;
    let body = body.0;
    let q = parse_query(&st, &body, true)?;
    let exclude_attributes = q.exclude_attributes;
    let (logs, now) = (st.logs.clone(), st.now());
    let page = timed(&st, QueryKind::Query, move || list_page(&*logs, p.id.0, &q, now)).await?;
    let checkpoint = format_iso_us(page.checkpoint_us);
    Ok(HttpResponse::Ok().json(LogsQueryResponse {
        query: body.get("query").cloned().unwrap_or(Value::Null),
        results: LogRow::page(&page, exclude_attributes, &checkpoint),
        has_more: page.has_more,
        next_cursor: page.next_cursor.clone(),
        max_exportable_logs: MAX_EXPORTABLE_LOGS,
        columns: (!page.columns.is_empty()).then(|| page.columns.clone()),
    }))
}

/// Whether the project has any log.
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)),
    responses((status = 200, body = HasLogsResponse)), security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/has_logs")]
pub async fn has_logs(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let p = readable_project(&st, auth, &id).await?;
    let logs = st.logs.clone();
    let has = timed(&st, QueryKind::HasLogs, move || logs.has_logs(p.id.0)).await?;
    Ok(HttpResponse::Ok().json(HasLogsResponse { has_logs: has }))
}
