use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use orgs::service::{self, MemberTarget};
use orgs::{Level, OrgsError};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::dto::MemberDto;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, org_ref};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

/// Adds an existing user by email, or creates the user when a password is given
/// (self-hosted: there are no invitation emails).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberCreateBody {
    pub email: String,
    pub password: Option<String>,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// 1 member, 8 admin, 15 owner; default 1.
    pub level: Option<i32>,
}
impl RequestBody for MemberCreateBody {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberUpdateBody {
    pub level: i32,
}
impl RequestBody for MemberUpdateBody {
    const READ_ONLY: &'static [&'static str] =
        &["id", "user", "joined_at", "updated_at", "is_2fa_enabled", "has_social_auth"];
}

fn level(raw: i32) -> Result<Level, ApiError> {
    Level::from_i32(raw).ok_or_else(|| {
        ApiError::invalid("level", "invalid_choice", format!("\"{raw}\" is not a valid choice."))
    })
}

fn user_uuid(raw: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(raw).map_err(|_| OrgsError::NotFound.into())
}

#[utoipa::path(tag = "organization members", params(("organization_id" = String, Path)),
    responses((status = 200, body = Paginated<MemberDto>), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization_member:read"])))]
#[get("/organizations/{organization_id}/members")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (org, page, repos) = (org_ref(&org)?, page_req(&req), st.repos.clone());
    let found = blocking(move || service::list_members(&*repos, &auth.0, org, page)).await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, found.map(MemberDto::from))))
}

#[utoipa::path(tag = "organization members", params(("organization_id" = String, Path)), request_body = MemberCreateBody,
    responses((status = 201, body = MemberDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization_member:write"])))]
#[post("/organizations/{organization_id}/members")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: web::Path<String>,
    body: Body<MemberCreateBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let target = MemberTarget {
        email: b.email,
        password: b.password,
        first_name: b.first_name,
        last_name: b.last_name,
        level: level(b.level.unwrap_or(1))?,
    };
    let (org, repos, now) = (org_ref(&org)?, st.repos.clone(), st.now());
    let added = blocking(move || service::add_member(&*repos, &auth.0, org, target, now)).await?;
    Ok(HttpResponse::Created().json(MemberDto::from(added)))
}

/// Changes a member's level (see the level rules in docs/api-notes.md).
#[utoipa::path(tag = "organization members", params(("organization_id" = String, Path), ("user_uuid" = String, Path)),
    request_body = MemberUpdateBody,
    responses((status = 409, body = crate::error::ApprovalRequiredBody, description = "An approval policy gates this change: a change request was created, or one is already pending; nothing was written."), (status = 200, body = MemberDto), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization_member:write"])))]
#[patch("/organizations/{organization_id}/members/{user_uuid}")]
pub async fn update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<MemberUpdateBody>,
) -> Result<HttpResponse, ApiError> {
    let (org, user) = (org_ref(&path.0)?, user_uuid(&path.1)?);
    let (new_level, repos, gate, now) = (level(body.0.level)?, st.repos.clone(), st.gate(), st.now());
    let updated = blocking(move || {
        service::set_member_level(&*repos, gate.as_deref(), &auth.0, org, user, new_level, now)
    })
    .await?;
    Ok(HttpResponse::Ok().json(MemberDto::from(updated)))
}

#[utoipa::path(tag = "organization members", params(("organization_id" = String, Path), ("user_uuid" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization_member:write"])))]
#[delete("/organizations/{organization_id}/members/{user_uuid}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org, user) = (org_ref(&path.0)?, user_uuid(&path.1)?);
    let (repos, now) = (st.repos.clone(), st.now());
    blocking(move || service::remove_member(&*repos, &auth.0, org, user, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
