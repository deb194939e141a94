//! Organization roles and their members: `/api/organizations/:id/roles/` and
//! `.../roles/:role_id/role_memberships/` (PostHog's RBAC roles; scope `organization`).

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use orgs::OrgsError;
use orgs::service::{self, OrgRef};
use uuid::Uuid;

use super::roles_dto::{RoleBody, RoleDto, RoleMembershipBody, RoleMembershipDto, RolePatchBody};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, org_ref};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

/// A role or membership id in a path; anything but a UUID names nothing.
fn id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| OrgsError::NotFound.into())
}

fn org_and_id(path: &(String, String)) -> Result<(OrgRef, Uuid), ApiError> {
    Ok((org_ref(&path.0)?, id(&path.1)?))
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<RoleDto>), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:read"])))]
#[get("/organizations/{organization_id}/roles")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (org, page, repos, roles) = (org_ref(&org)?, page_req(&req), st.repos.clone(), st.roles.clone());
    let found = blocking(move || service::list_roles(&*repos, &*roles, &auth.0, org, page)).await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, found.map(RoleDto::from))))
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path)), request_body = RoleBody,
    responses((status = 201, body = RoleDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[post("/organizations/{organization_id}/roles")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    org: web::Path<String>,
    body: Body<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    let (org, repos, roles, now) = (org_ref(&org)?, st.repos.clone(), st.roles.clone(), st.now());
    let name = body.0.name;
    let created = blocking(move || service::create_role(&*repos, &*roles, &auth.0, org, &name, now)).await?;
    Ok(HttpResponse::Created().json(RoleDto::from(created)))
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = RoleDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:read"])))]
#[get("/organizations/{organization_id}/roles/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org, role) = org_and_id(&path)?;
    let (repos, roles) = (st.repos.clone(), st.roles.clone());
    let found = blocking(move || service::get_role(&*repos, &*roles, &auth.0, org, role)).await?;
    Ok(HttpResponse::Ok().json(RoleDto::from(found)))
}

async fn rename(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: &(String, String),
    name: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let (org, role) = org_and_id(path)?;
    let (repos, roles, now) = (st.repos.clone(), st.roles.clone(), st.now());
    let updated =
        blocking(move || service::update_role(&*repos, &*roles, &auth.0, org, role, name.as_deref(), now))
            .await?;
    Ok(HttpResponse::Ok().json(RoleDto::from(updated)))
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("id" = String, Path)),
    request_body = RolePatchBody,
    responses((status = 200, body = RoleDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[patch("/organizations/{organization_id}/roles/{id}")]
pub async fn partial_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<RolePatchBody>,
) -> Result<HttpResponse, ApiError> {
    let name = match body.0.name {
        None => None,
        Some(Some(n)) => Some(n),
        Some(None) => return Err(ApiError::invalid("name", "null", "This field may not be null.")),
    };
    rename(st, auth, &path, name).await
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("id" = String, Path)),
    request_body = RoleBody,
    responses((status = 200, body = RoleDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[put("/organizations/{organization_id}/roles/{id}")]
pub async fn update(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<RoleBody>,
) -> Result<HttpResponse, ApiError> {
    rename(st, auth, &path, Some(body.0.name)).await
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[delete("/organizations/{organization_id}/roles/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org, role) = org_and_id(&path)?;
    let (repos, roles, now) = (st.repos.clone(), st.roles.clone(), st.now());
    blocking(move || service::delete_role(&*repos, &*roles, &auth.0, org, role, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("role_id" = String, Path),
        ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<RoleMembershipDto>), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:read"])))]
#[get("/organizations/{organization_id}/roles/{role_id}/role_memberships")]
pub async fn list_members(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (org, role) = org_and_id(&path)?;
    let (page, repos, roles) = (page_req(&req), st.repos.clone(), st.roles.clone());
    let found =
        blocking(move || service::list_role_members(&*repos, &*roles, &auth.0, org, role, page)).await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, found.map(RoleMembershipDto::from))))
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("role_id" = String, Path)),
    request_body = RoleMembershipBody,
    responses((status = 201, body = RoleMembershipDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[post("/organizations/{organization_id}/roles/{role_id}/role_memberships")]
pub async fn add_member(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<RoleMembershipBody>,
) -> Result<HttpResponse, ApiError> {
    let (org, role) = org_and_id(&path)?;
    let user = Uuid::parse_str(body.0.user_uuid.trim())
        .map_err(|_| ApiError::invalid("user_uuid", "invalid", "Must be a valid UUID."))?;
    let (repos, roles, now) = (st.repos.clone(), st.roles.clone(), st.now());
    let added =
        blocking(move || service::add_role_member(&*repos, &*roles, &auth.0, org, role, user, now)).await?;
    Ok(HttpResponse::Created().json(RoleMembershipDto::from(added)))
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("role_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = RoleMembershipDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:read"])))]
#[get("/organizations/{organization_id}/roles/{role_id}/role_memberships/{id}")]
pub async fn retrieve_member(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org, role, member) = (org_ref(&path.0)?, id(&path.1)?, id(&path.2)?);
    let (repos, roles) = (st.repos.clone(), st.roles.clone());
    let found =
        blocking(move || service::get_role_member(&*repos, &*roles, &auth.0, org, role, member)).await?;
    Ok(HttpResponse::Ok().json(RoleMembershipDto::from(found)))
}

#[utoipa::path(tag = "roles", params(("organization_id" = String, Path), ("role_id" = String, Path), ("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[delete("/organizations/{organization_id}/roles/{role_id}/role_memberships/{id}")]
pub async fn remove_member(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (org, role, member) = (org_ref(&path.0)?, id(&path.1)?, id(&path.2)?);
    let (repos, roles, now) = (st.repos.clone(), st.roles.clone(), st.now());
    blocking(move || service::remove_role_member(&*repos, &*roles, &auth.0, org, role, member, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
