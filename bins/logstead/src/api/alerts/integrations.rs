//! Slack integrations (PostHog's `integrations` API): what a Slack alert destination's
//! `slack_workspace_id` refers to. The bot token is write-only.

use actix_web::{HttpResponse, delete, get, post, web};
use alerts_engine::repo::{AlertRepoError, Integration};
use alerts_engine::service::IntegrationInput;
use auth_scopes::{Scope, ScopeObject};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::crud::access;
use crate::api::dto::iso;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::pagination::Paginated;
use crate::state::AppState;

const READ: Scope = Scope::read(ScopeObject::Integration);
const WRITE: Scope = Scope::write(ScopeObject::Integration);

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntegrationBody {
    /// Only `slack`.
    pub kind: String,
    /// Public settings, e.g. `{"team": {"id": "T1", "name": "Acme"}}`.
    #[schema(value_type = Option<Object>)]
    pub config: Option<Value>,
    /// `{"access_token": "xoxb-..."}`; never returned.
    #[schema(value_type = Object)]
    pub sensitive_config: Option<Value>,
}
impl RequestBody for IntegrationBody {
    const READ_ONLY: &'static [&'static str] = &["id", "created_at", "created_by", "errors", "display_name"];
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationDto {
    pub id: i64,
    pub kind: String,
    #[schema(value_type = Object)]
    pub config: Value,
    /// The Slack workspace's name when the config has one.
    pub display_name: String,
    pub errors: String,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The creating user's id.
    pub created_by: Option<i64>,
}

impl From<Integration> for IntegrationDto {
    fn from(i: Integration) -> Self {
        let display_name =
            i.config.pointer("/team/name").and_then(Value::as_str).unwrap_or_default().to_string();
        Self {
            id: i.id,
            kind: i.kind,
            config: i.config,
            display_name,
            errors: String::new(),
            created_at: i.created_at,
            created_by: i.created_by,
        }
    }
}

impl From<IntegrationBody> for IntegrationInput {
    fn from(b: IntegrationBody) -> Self {
        Self { kind: b.kind, config: b.config, sensitive_config: b.sensitive_config }
    }
}

fn integration_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| AlertRepoError::NotFound.into())
}

/// Every integration of the project, in one page.
#[utoipa::path(tag = "integrations", params(("project_id" = String, Path)),
    responses((status = 200, body = Paginated<IntegrationDto>), (status = 403, body = ErrorBody)),
    security(("bearer" = ["integration:read"])))]
#[get("/{project_id}/integrations")]
pub async fn list(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = access(&st, auth, &id, READ).await?;
    let svc = st.alert_service();
    let rows = blocking(move || svc.integrations(p.id.0)).await?;
    Ok(HttpResponse::Ok().json(Paginated::whole(rows.into_iter().map(IntegrationDto::from).collect())))
}

/// Stores a Slack bot token (`sensitive_config.access_token`).
#[utoipa::path(tag = "integrations", params(("project_id" = String, Path)), request_body = IntegrationBody,
    responses((status = 201, body = IntegrationDto), (status = 400, body = ErrorBody)),
    security(("bearer" = ["integration:write"])))]
#[post("/{project_id}/integrations")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<IntegrationBody>,
) -> Result<HttpResponse, ApiError> {
    let (_, caller) = access(&st, auth, &id, WRITE).await?;
    let (svc, now, input) = (st.alert_service(), st.now(), IntegrationInput::from(body.0));
    let created = blocking(move || svc.create_integration(&caller, input, now)).await?;
    Ok(HttpResponse::Created().json(IntegrationDto::from(created)))
}

#[utoipa::path(tag = "integrations", params(("project_id" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = IntegrationDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["integration:read"])))]
#[get("/{project_id}/integrations/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (p, _) = access(&st, auth, &pid, READ).await?;
    let iid = integration_id(&raw)?;
    let svc = st.alert_service();
    let found = blocking(move || svc.integration(p.id.0, iid)).await?;
    Ok(HttpResponse::Ok().json(IntegrationDto::from(found)))
}

#[utoipa::path(tag = "integrations", params(("project_id" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = ["integration:write"])))]
#[delete("/{project_id}/integrations/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (_, caller) = access(&st, auth, &pid, WRITE).await?;
    let iid = integration_id(&raw)?;
    let (svc, now) = (st.alert_service(), st.now());
    blocking(move || svc.delete_integration(&caller, iid, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
