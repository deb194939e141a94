use std::net::{IpAddr, SocketAddr};

use actix_web::{HttpRequest, HttpResponse, get, post, web};
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

/// Email and password in, a session token (JWT) out. Too many failed logins for the account
/// or from the client address answer 429 with `Retry-After`.
#[utoipa::path(tag = "users", request_body = LoginBody,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody),
        (status = 429, body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a login may be tried again.")))))]
#[post("/login")]
pub async fn login(
    st: web::Data<AppState>,
    req: HttpRequest,
    body: Body<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let LoginBody { email, password } = body.0;
    let client = client_addr(&req, st.login.trust_x_forwarded_for);
    let (repos, throttle, now) = (st.repos.clone(), st.login_throttle.clone(), st.now());
    let user = blocking(move || service::login(&*repos, &throttle, &email, &password, client, now)).await?;
    let ttl = st.settings.session_ttl_secs;
    let token = encode_session(&st.settings.jwt_secret, user.id.0, now.unix_timestamp(), ttl)?;
    Ok(HttpResponse::Ok().json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at: now + time::Duration::seconds(ttl),
        user: UserBasic::from(&user),
    }))
}

/// The connection's peer, or with `trust_x_forwarded_for` the last `X-Forwarded-For` entry:
/// the one the proxy in front added (earlier entries are whatever the client sent).
fn client_addr(req: &HttpRequest, trust_forwarded_for: bool) -> Option<IpAddr> {
    let forwarded = || {
        let headers = req.headers().get_all("x-forwarded-for");
        let last = headers.filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).last()?.trim();
        last.parse::<IpAddr>().ok().or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
    };
    trust_forwarded_for.then(forwarded).flatten().or_else(|| req.peer_addr().map(|a| a.ip()))
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
