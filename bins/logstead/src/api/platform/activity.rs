//! Advanced activity logs: project level (under `/api/projects` and `/api/environments`)
//! and organization level, with available filters and asynchronous exports.

use activity_log::query::{ActivityQuery, Paging, parse_query};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use orgs::service::activity::{self, Target};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::activity_dto::{ActivityDto, AvailableFilters};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, org_ref, project_ref};
use crate::pagination::{query_pairs, url_with};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityPage {
    /// Page-number mode only (when `page` is given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<ActivityDto>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportBody {
    /// `csv` (default) or `json`.
    #[serde(default = "csv")]
    pub format: String,
    /// The list endpoint's filters as JSON values.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub filters: Value,
}
impl RequestBody for ExportBody {}

fn csv() -> String {
    "csv".into()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAccepted {
    pub id: i64,
    pub export_format: String,
}

async fn list_in(
    st: web::Data<AppState>,
    auth: Authenticated,
    target: Target,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let org_level = matches!(target, Target::Organization(_));
    let query: ActivityQuery = parse_query(&query_pairs(&req), org_level).map_err(orgs::OrgsError::from)?;
    let paging = query.paging;
    let (repos, store) = (st.repos.clone(), st.activity.clone());
    let found = blocking(move || activity::list(&*repos, &*store, &auth.0, target, &query)).await?;
    let (next, previous) = match paging {
        Paging::Page { page, page_size } => {
            let count = found.count.unwrap_or_default();
            let next = (i64::from(page) * i64::from(page_size) < count)
                .then(|| url_with(&req, &["page"], &[("page", (page + 1).to_string())]));
            let previous = (page > 1).then(|| url_with(&req, &["page"], &[("page", (page - 1).to_string())]));
            (next, previous)
        }
        Paging::Cursor { .. } => {
            let next = found
                .has_more
                .then(|| {
                    found.rows.last().map(|r| activity_log::Cursor {
                        created_at_us: (r.entry.created_at.unix_timestamp_nanos() / 1000) as i64,
                        id: r.entry.id,
                    })
                })
                .flatten()
                .map(|c| url_with(&req, &["cursor"], &[("cursor", c.encode())]));
            (next, None)
        }
    };
    let results = found.rows.into_iter().map(ActivityDto::from).collect();
    Ok(HttpResponse::Ok().json(ActivityPage { count: found.count, next, previous, results }))
}

async fn filters_in(
    st: web::Data<AppState>,
    auth: Authenticated,
    target: Target,
) -> Result<HttpResponse, ApiError> {
    let (repos, store) = (st.repos.clone(), st.activity.clone());
    let (values, details) =
        blocking(move || activity::available_filters(&*repos, &*store, &auth.0, target)).await?;
    Ok(HttpResponse::Ok().json(AvailableFilters::new(values, &details)))
}

async fn export_in(
    st: web::Data<AppState>,
    auth: Authenticated,
    target: Target,
    body: ExportBody,
) -> Result<HttpResponse, ApiError> {
    let (repos, exports, now) = (st.repos.clone(), st.exports.clone(), st.now());
    let job = blocking(move || {
        activity::request_export(&*repos, &*exports, &auth.0, target, &body.format, &body.filters, now)
    })
    .await?;
    Ok(HttpResponse::Accepted()
        .json(ExportAccepted { id: job.id, export_format: job.format.as_str().to_string() }))
}

/// A project's activity log. With `page`: page-number mode with `count`; otherwise cursor mode.
#[utoipa::path(tag = "advanced activity logs", params(("project_id" = String, Path)),
    responses((status = 200, body = ActivityPage), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["activity_log:read"])))]
#[get("/{project_id}/advanced_activity_logs")]
pub async fn project_list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    list_in(st, auth, Target::Project(project_ref(&id)?), req).await
}

#[utoipa::path(tag = "advanced activity logs", params(("project_id" = String, Path)),
    responses((status = 200, body = AvailableFilters), (status = 403, body = ErrorBody)),
    security(("bearer" = ["activity_log:read"])))]
#[get("/{project_id}/advanced_activity_logs/available_filters")]
pub async fn project_filters(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    filters_in(st, auth, Target::Project(project_ref(&id)?)).await
}

/// Queues an export (CSV or JSON); poll `/exports/:id/`, download `/exports/:id/content/`.
#[utoipa::path(tag = "advanced activity logs", params(("project_id" = String, Path)), request_body = ExportBody,
    responses((status = 202, body = ExportAccepted), (status = 400, body = ErrorBody)),
    security(("bearer" = ["activity_log:read"])))]
#[post("/{project_id}/advanced_activity_logs/export")]
pub async fn project_export(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<ExportBody>,
) -> Result<HttpResponse, ApiError> {
    export_in(st, auth, Target::Project(project_ref(&id)?), body.0).await
}

/// Every project's activity plus organization-level entries; admins and owners only.
#[utoipa::path(tag = "advanced activity logs", params(("organization_id" = String, Path)),
    responses((status = 200, body = ActivityPage), (status = 403, body = ErrorBody)),
    security(("bearer" = ["activity_log:read"])))]
#[get("/organizations/{organization_id}/advanced_activity_logs")]
pub async fn org_list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    list_in(st, auth, Target::Organization(org_ref(&id)?), req).await
}

#[utoipa::path(tag = "advanced activity logs", params(("organization_id" = String, Path)),
    responses((status = 200, body = AvailableFilters), (status = 403, body = ErrorBody)),
    security(("bearer" = ["activity_log:read"])))]
#[get("/organizations/{organization_id}/advanced_activity_logs/available_filters")]
pub async fn org_filters(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    filters_in(st, auth, Target::Organization(org_ref(&id)?)).await
}

#[utoipa::path(tag = "advanced activity logs", params(("organization_id" = String, Path)), request_body = ExportBody,
    responses((status = 202, body = ExportAccepted), (status = 400, body = ErrorBody)),
    security(("bearer" = ["activity_log:read"])))]
#[post("/organizations/{organization_id}/advanced_activity_logs/export")]
pub async fn org_export(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<ExportBody>,
) -> Result<HttpResponse, ApiError> {
    export_in(st, auth, Target::Organization(org_ref(&id)?), body.0).await
}
