//! Change requests (spec §5.3) under `.../change_requests/`: read-only objects (made by the
//! gate of gated writes) with approve, reject and cancel actions.

use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, post, web};
use approvals::service::{RequestQuery, VoteInput};
use orgs::Page;

use super::dto::{ApprovalDecisionDto, ChangeRequestDto, VoteBody};
use super::{READ, WRITE, access, object_id};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, ErrorMessageBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

impl RequestBody for VoteInput {}

/// The project's change requests, newest first, filtered.
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path),
    ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query),
    ("state" = Option<String>, Query, description = "Comma-separated states, e.g. `pending,applied`"),
    ("action_key" = Option<String>, Query), ("requester" = Option<i64>, Query, description = "User id"),
    ("resource_type" = Option<String>, Query), ("resource_id" = Option<String>, Query)),
    responses((status = 200, body = Paginated<ChangeRequestDto>), (status = 400, body = ErrorBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:read"])))]
#[get("/{project_id}/change_requests")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    query: web::Query<RequestQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let c = access(&st, auth, &id, READ).await?;
    let (page, svc) = (page_req(&req), st.approval_service());
    let found = blocking(move || svc.list_requests(&c, &query, page.limit, page.offset)).await?;
    let count = i64::try_from(found.count).unwrap_or(i64::MAX);
    let items = found.results.iter().map(ChangeRequestDto::from).collect();
    Ok(HttpResponse::Ok().json(paginate(&req, page, Page { items, count })))
}

/// One change request, with the caller's `can_approve`, `can_cancel`, `is_requester` and
/// `user_decision`.
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = ChangeRequestDto), (status = 403, body = ErrorBody),
    (status = 404, body = ErrorBody)),
    security(("bearer" = ["approvals:read"])))]
#[get("/{project_id}/change_requests/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let c = access(&st, auth, &pid, READ).await?;
    let request = object_id(&raw)?;
    let svc = st.approval_service();
    let view = blocking(move || svc.get_request(&c, request)).await?;
    Ok(HttpResponse::Ok().json(ChangeRequestDto::from(&view)))
}

#[derive(Clone, Copy)]
enum Decide {
    Approve,
    Reject,
    Cancel,
}

async fn decide(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: (String, String),
    input: VoteInput,
    what: Decide,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path;
    let c = access(&st, auth, &pid, WRITE).await?;
    let request = object_id(&raw)?;
    let (svc, now) = (st.approval_service(), st.now());
    let outcome = blocking(move || match what {
        Decide::Approve => svc.approve(&c, request, &input, now),
        Decide::Reject => svc.reject(&c, request, &input, now),
        Decide::Cancel => svc.cancel(&c, request, &input, now),
    })
    .await?;
    Ok(HttpResponse::Ok().json(ApprovalDecisionDto::from(&outcome)))
}

/// Votes to approve; at quorum the change is applied at once (as the requester).
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = VoteBody, responses((status = 200, body = ApprovalDecisionDto),
    (status = 400, description = "No longer pending, or already voted", body = ErrorMessageBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 500, body = ErrorMessageBody)),
    security(("bearer" = ["approvals:write"])))]
#[post("/{project_id}/change_requests/{id}/approve")]
pub async fn approve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<VoteInput>,
) -> Result<HttpResponse, ApiError> {
    decide(st, auth, path.into_inner(), body.0, Decide::Approve).await
}

/// Rejects (`reason` required); one rejection ends the request.
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = VoteBody, responses((status = 200, body = ApprovalDecisionDto),
    (status = 400, description = "No reason, no longer pending, or already voted", body = ErrorMessageBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 500, body = ErrorMessageBody)),
    security(("bearer" = ["approvals:write"])))]
#[post("/{project_id}/change_requests/{id}/reject")]
pub async fn reject(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<VoteInput>,
) -> Result<HttpResponse, ApiError> {
    decide(st, auth, path.into_inner(), body.0, Decide::Reject).await
}

/// The requester withdraws a pending request (it ends `rejected`; the reply says `canceled`).
#[utoipa::path(tag = "approvals", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = VoteBody, responses((status = 200, body = ApprovalDecisionDto),
    (status = 400, description = "No longer pending", body = ErrorMessageBody),
    (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
    (status = 500, body = ErrorMessageBody)),
    security(("bearer" = ["approvals:write"])))]
#[post("/{project_id}/change_requests/{id}/cancel")]
pub async fn cancel(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<VoteInput>,
) -> Result<HttpResponse, ApiError> {
    decide(st, auth, path.into_inner(), body.0, Decide::Cancel).await
}

/// Change requests are read-only: any method but GET on the collection or an item is 405,
/// with `Allow` as DRF sends it.
pub async fn read_only(req: HttpRequest) -> HttpResponse {
    let mut resp = ApiError::MethodNotAllowed(req.method().to_string()).error_response();
    resp.headers_mut().insert(ALLOW, HeaderValue::from_static("GET"));
    resp
}
