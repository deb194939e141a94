//! Projects. Registered under both `/api/projects` and `/api/environments` (a project and
//! its environment share one id), plus `/api/organizations/:id/projects`.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use orgs::service::{self, OrgRef, ProjectInput, ProjectPatch};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::dto::ProjectDto;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, org_ref, project_ref};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

const READ_ONLY: &[&str] =
    &["id", "uuid", "organization", "project_id", "api_token", "created_at", "updated_at"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectCreateBody {
    pub name: String,
    /// IANA zone name, default `UTC`.
    pub timezone: Option<String>,
    /// Days logs are kept, 1–3650, default 30.
    pub retention_days: Option<i32>,
}
impl RequestBody for ProjectCreateBody {
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectUpdateBody {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub retention_days: Option<i32>,
}
impl RequestBody for ProjectUpdateBody {
    const READ_ONLY: &'static [&'static str] = READ_ONLY;
}

async fn list_in(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: OrgRef,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (page, repos) = (page_req(&req), st.repos.clone());
    let found = blocking(move || service::list_projects(&*repos, &auth.0, org, page)).await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, found.map(ProjectDto::from))))
}

async fn create_in(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: OrgRef,
    body: ProjectCreateBody,
) -> Result<HttpResponse, ApiError> {
    let input =
        ProjectInput { name: body.name, timezone: body.timezone, retention_days: body.retention_days };
    let (repos, now) = (st.repos.clone(), st.now());
    let p = blocking(move || service::create_project(&*repos, &auth.0, org, input, now)).await?;
    Ok(HttpResponse::Created().json(ProjectDto::from(p)))
}

/// Projects of the caller's current organization.
#[utoipa::path(tag = "projects", responses((status = 200, body = Paginated<ProjectDto>), (status = 401, body = ErrorBody)),
    security(("bearer" = ["project:read"])))]
#[get("")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    list_in(st, auth, OrgRef::Current, req).await
}

/// Creates a project in the caller's current organization (admins and owners).
#[utoipa::path(tag = "projects", request_body = ProjectCreateBody,
    responses((status = 201, body = ProjectDto), (status = 403, body = ErrorBody)),
    security(("bearer" = ["project:write"])))]
#[post("")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    body: Body<ProjectCreateBody>,
) -> Result<HttpResponse, ApiError> {
    create_in(st, auth, OrgRef::Current, body.0).await
}

#[utoipa::path(tag = "projects", params(("organization_id" = String, Path)),
    responses((status = 200, body = Paginated<ProjectDto>), (status = 404, body = ErrorBody)),
    security(("bearer" = ["project:read"])))]
#[get("/organizations/{organization_id}/projects")]
pub async fn list_for_org(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    list_in(st, auth, org_ref(&org)?, req).await
}

#[utoipa::path(tag = "projects", params(("organization_id" = String, Path)), request_body = ProjectCreateBody,
    responses((status = 201, body = ProjectDto), (status = 403, body = ErrorBody)),
    security(("bearer" = ["project:write"])))]
#[post("/organizations/{organization_id}/projects")]
pub async fn create_for_org(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: web::Path<String>,
    body: Body<ProjectCreateBody>,
) -> Result<HttpResponse, ApiError> {
    create_in(st, auth, org_ref(&org)?, body.0).await
}

#[utoipa::path(tag = "projects", params(("project_id" = String, Path, description = "Integer id or @current")),
    responses((status = 200, body = ProjectDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["project:read"])))]
#[get("/{project_id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (project, repos) = (project_ref(&id)?, st.repos.clone());
    let p = blocking(move || service::get_project(&*repos, &auth.0, project)).await?;
    Ok(HttpResponse::Ok().json(ProjectDto::from(p)))
}

#[utoipa::path(tag = "projects", params(("project_id" = String, Path)), request_body = ProjectUpdateBody,
    responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 200, body = ProjectDto), (status = 403, body = ErrorBody)),
    security(("bearer" = ["project:write"])))]
#[patch("/{project_id}")]
pub async fn partial_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<ProjectUpdateBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let patch = ProjectPatch { name: b.name, timezone: b.timezone, retention_days: b.retention_days };
    let (project, repos, gate, now) = (project_ref(&id)?, st.repos.clone(), st.gate(), st.now());
    let p = blocking(move || service::update_project(&*repos, gate.as_deref(), &auth.0, project, patch, now))
        .await?;
    Ok(HttpResponse::Ok().json(ProjectDto::from(p)))
}

/// Issues a new ingestion token (`phc_...`); the old one stops working at once.
#[utoipa::path(tag = "projects", params(("project_id" = String, Path)),
    responses((status = 200, body = ProjectDto), (status = 403, body = ErrorBody)),
    security(("bearer" = ["project:write"])))]
#[patch("/{project_id}/reset_token")]
pub async fn reset_token(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (project, repos, now) = (project_ref(&id)?, st.repos.clone(), st.now());
    let p = blocking(move || service::reset_project_token(&*repos, &auth.0, project, now)).await?;
    Ok(HttpResponse::Ok().json(ProjectDto::from(p)))
}

#[utoipa::path(tag = "projects", params(("project_id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)),
    security(("bearer" = ["project:write"])))]
#[delete("/{project_id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (project, repos, now) = (project_ref(&id)?, st.repos.clone(), st.now());
    crate::api_only::refuse_project_delete(&st)?;
    let logs = ProjectLogs(st.logs.clone());
    let deleted = blocking(move || service::delete_project(&*repos, &logs, &auth.0, project, now)).await?;
    if let Some(e) = deleted.data_error {
        tracing::warn!(project = deleted.id.0, error = %e, "dropping a deleted project's logs");
    }
    Ok(HttpResponse::NoContent().finish())
}

/// A project's logs go with it.
struct ProjectLogs(std::sync::Arc<dyn logs_query::LogStore>);

impl service::ProjectData for ProjectLogs {
    fn drop_project_data(&self, project: orgs::ProjectId) -> Result<(), String> {
        self.0.drop_before(project.0, i64::MAX).map(drop).map_err(|e| e.to_string())
    }
}
