use actix_web::{HttpResponse, get, post, web};
use auth_scopes::encode_session;
use orgs::service;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::dto::{UserBasic, iso};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}
impl RequestBody for LoginBody {}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub token_type: &'static str,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub user: UserBasic,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationBasic {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub membership_level: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    pub user: UserBasic,
    pub is_active: bool,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub date_joined: OffsetDateTime,
    pub organization: Option<OrganizationBasic>,
    pub organizations: Vec<OrganizationBasic>,
    pub team: Option<i64>,
}

/// Email and password in, a session token (JWT) out.
#[utoipa::path(tag = "users", request_body = LoginBody,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody)))]
#[post("/login")]
pub async fn login(st: web::Data<AppState>, body: Body<LoginBody>) -> Result<HttpResponse, ApiError> {
    let LoginBody { email, password } = body.0;
    let repos = st.repos.clone();
    let user = blocking(move || service::login(&*repos, &email, &password)).await?;
    let now = st.now();
    let ttl = st.settings.session_ttl_secs;
    let token = encode_session(&st.settings.jwt_secret, user.id.0, now.unix_timestamp(), ttl)?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at: now + time::Duration::seconds(ttl),
        user: UserBasic::from(&user),
    }))
}

/// The caller, their organizations and current project.
#[utoipa::path(tag = "users", responses((status = 200, body = MeResponse), (status = 401, body = ErrorBody)),
    security(("bearer" = ["user:read"])))]
#[get("/users/@me")]
pub async fn me(st: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let repos = st.repos.clone();
    let (user, orgs) = blocking(move || service::me(&*repos, &auth.0)).await?;
    let organizations: Vec<OrganizationBasic> = orgs
        .into_iter()
        .map(|(o, level)| OrganizationBasic {
            id: o.id.0,
            name: o.name,
            slug: o.slug,
            membership_level: level.as_i32(),
        })
        .collect();
    let current = user.current_organization_id.map(|c| c.0);
    let organization = organizations.iter().find(|o| Some(o.id) == current).or(organizations.first());
    Ok(HttpResponse::Ok().json(MeResponse {
        user: UserBasic::from(&user),
        is_active: user.is_active,
        date_joined: user.created_at,
        organization: organization.map(|o| OrganizationBasic {
            name: o.name.clone(),
            slug: o.slug.clone(),
            ..*o
        }),
        team: user.current_project_id.map(|p| p.0),
        organizations,
    }))
}
