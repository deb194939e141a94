//! Approval policies (spec §4.6) under `.../approval_policies/`: reads for any member with
//! project access, writes for admins and owners (the service checks the level).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use approvals::service::PolicyQuery;
use approvals::validate::{Mode, PolicyInput};
use orgs::Page;

use super::dto::{ApprovalPolicyBody, ApprovalPolicyDto};
use super::{READ, WRITE, access, object_id};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

impl RequestBody for PolicyInput {
    const READ_ONLY: &'static [&'static str] = &["id", "created_by", "created_at", "updated_at"];
}

/// The project's policies, newest first.
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path),
    ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query),
    ("action_key" = Option<String>, Query, description = "Exact match"),
    ("enabled" = Option<String>, Query, description = "`true` (any case) or anything else for false")),
    responses((status = 200, body = Paginated<ApprovalPolicyDto>), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:read"])))]
#[get("/{project_id}/approval_policies")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    query: web::Query<PolicyQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let c = access(&st, auth, &id, READ).await?;
    let (page, svc) = (page_req(&req), st.approval_service());
    let found = blocking(move || svc.list_policies(&c, &query, page.limit, page.offset)).await?;
    let count = i64::try_from(found.count).unwrap_or(i64::MAX);
    let items = found.results.iter().map(ApprovalPolicyDto::from).collect();
    Ok(HttpResponse::Ok().json(paginate(&req, page, Page { items, count })))
}

/// Creates the project's policy for an action (one per action).
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path)), request_body = ApprovalPolicyBody,
    responses((status = 201, body = ApprovalPolicyDto), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:write"])))]
#[post("/{project_id}/approval_policies")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<PolicyInput>,
) -> Result<HttpResponse, ApiError> {
    let c = access(&st, auth, &id, WRITE).await?;
    let (svc, now) = (st.approval_service(), st.now());
    let view = blocking(move || svc.create_policy(&c, &body.0, now)).await?;
    Ok(HttpResponse::Created().json(ApprovalPolicyDto::from(&view)))
}

#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ApprovalPolicyDto), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:read"])))]
#[get("/{project_id}/approval_policies/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let c = access(&st, auth, &pid, READ).await?;
    let policy = object_id(&raw)?;
    let svc = st.approval_service();
    let view = blocking(move || svc.get_policy(&c, policy)).await?;
    Ok(HttpResponse::Ok().json(ApprovalPolicyDto::from(&view)))
}

async fn write(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: (String, String),
    input: PolicyInput,
    mode: Mode,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path;
    let c = access(&st, auth, &pid, WRITE).await?;
    let policy = object_id(&raw)?;
    let (svc, now) = (st.approval_service(), st.now());
    let view = blocking(move || svc.update_policy(&c, policy, &input, mode, now)).await?;
    Ok(HttpResponse::Ok().json(ApprovalPolicyDto::from(&view)))
}

/// Changes only the given fields.
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = ApprovalPolicyBody, responses((status = 200, body = ApprovalPolicyDto),
    (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:write"])))]
#[patch("/{project_id}/approval_policies/{id}")]
pub async fn partial_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<PolicyInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Partial).await
}

/// Replaces the writable fields (`action_key` and `approver_config` required).
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = ApprovalPolicyBody, responses((status = 200, body = ApprovalPolicyDto),
    (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:write"])))]
#[put("/{project_id}/approval_policies/{id}")]
pub async fn update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<PolicyInput>,
) -> Result<HttpResponse, ApiError> {
    write(st, auth, path.into_inner(), body.0, Mode::Full).await
}

/// Deletes the policy; its existing change requests keep their snapshot.
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:write"])))]
#[delete("/{project_id}/approval_policies/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let c = access(&st, auth, &pid, WRITE).await?;
    let policy = object_id(&raw)?;
    let (svc, now) = (st.approval_service(), st.now());
    blocking(move || svc.delete_policy(&c, policy, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
