use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use orgs::service;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::api::dto::OrganizationDto;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody, double_option, org_ref};
use crate::pagination::{Paginated, page_req, paginate};
use crate::state::AppState;

/// Writable organization fields; read-only ones sent back by clients are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizationBody {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub enforce_2fa: Option<Option<bool>>,
    #[serde(default, deserialize_with = "double_option")]
    pub members_can_invite: Option<Option<bool>>,
    pub members_can_use_personal_api_keys: Option<bool>,
    pub allow_publicly_shared_resources: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub is_ai_data_processing_approved: Option<Option<bool>>,
    pub default_anonymize_ips: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    pub default_experiment_stats_method: Option<Option<String>>,
}

impl RequestBody for OrganizationBody {
    const READ_ONLY: &'static [&'static str] = &[
        "id",
        "slug",
        "logo_media_id",
        "created_at",
        "updated_at",
        "membership_level",
        "plugins_access_level",
        "teams",
        "projects",
        "available_product_features",
        "is_member_join_email_enabled",
        "metadata",
        "customer_id",
        "member_count",
        "is_ai_training_opted_in",
        "is_ai_training_locked",
        "is_ai_training_cta_shown",
        "is_hipaa",
        "default_role_id",
        "is_active",
        "is_not_active_reason",
        "is_pending_deletion",
    ];
}

impl From<OrganizationBody> for service::OrgInput {
    fn from(b: OrganizationBody) -> Self {
        Self {
            name: b.name,
            enforce_2fa: b.enforce_2fa,
            members_can_invite: b.members_can_invite,
            members_can_use_personal_api_keys: b.members_can_use_personal_api_keys,
            allow_publicly_shared_resources: b.allow_publicly_shared_resources,
            is_ai_data_processing_approved: b.is_ai_data_processing_approved,
            default_anonymize_ips: b.default_anonymize_ips,
            default_experiment_stats_method: b.default_experiment_stats_method,
        }
    }
}

/// Organizations the caller belongs to.
#[utoipa::path(tag = "organizations", params(("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query)),
    responses((status = 200, body = Paginated<OrganizationDto>), (status = 401, body = ErrorBody)),
    security(("bearer" = ["organization:read"])))]
#[get("/organizations")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let page = page_req(&req);
    let repos = st.repos.clone();
    let found = blocking(move || service::list_organizations(&*repos, &auth.0, page)).await?;
    Ok(HttpResponse::Ok().json(paginate(&req, page, found.map(OrganizationDto::from))))
}

/// Creates an organization with a default project; the caller becomes its owner.
#[utoipa::path(tag = "organizations", request_body = OrganizationBody,
    responses((status = 201, body = OrganizationDto), (status = 400, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[post("/organizations")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    body: Body<OrganizationBody>,
) -> Result<HttpResponse, ApiError> {
    let (repos, now) = (st.repos.clone(), st.now());
    let view = blocking(move || service::create_organization(&*repos, &auth.0, body.0.into(), now)).await?;
    Ok(HttpResponse::Created().json(OrganizationDto::from(view)))
}

#[utoipa::path(tag = "organizations", params(("id" = String, Path, description = "UUID or @current")),
    responses((status = 200, body = OrganizationDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["organization:read"])))]
#[get("/organizations/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let org = org_ref(&id)?;
    let repos = st.repos.clone();
    let view = blocking(move || service::get_organization(&*repos, &auth.0, org)).await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(view)))
}

async fn update(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<OrganizationBody>,
) -> Result<HttpResponse, ApiError> {
    let org = org_ref(&id)?;
    let (repos, now) = (st.repos.clone(), st.now());
    let view =
        blocking(move || service::update_organization(&*repos, &auth.0, org, body.0.into(), now)).await?;
    Ok(HttpResponse::Ok().json(OrganizationDto::from(view)))
}

/// Admins and owners update an organization.
#[utoipa::path(tag = "organizations", params(("id" = String, Path)), request_body = OrganizationBody,
    responses((status = 200, body = OrganizationDto), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[patch("/organizations/{id}")]
pub async fn partial_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<OrganizationBody>,
) -> Result<HttpResponse, ApiError> {
    update(st, auth, id, body).await
}

#[utoipa::path(tag = "organizations", params(("id" = String, Path)), request_body = OrganizationBody,
    responses((status = 200, body = OrganizationDto), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[put("/organizations/{id}")]
pub async fn full_update(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<OrganizationBody>,
) -> Result<HttpResponse, ApiError> {
    update(st, auth, id, body).await
}

/// Owners delete an organization with its projects and memberships.
#[utoipa::path(tag = "organizations", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody)),
    security(("bearer" = ["organization:write"])))]
#[delete("/organizations/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (org, repos, now) = (org_ref(&id)?, st.repos.clone(), st.now());
    blocking(move || service::delete_organization(&*repos, &auth.0, org, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
