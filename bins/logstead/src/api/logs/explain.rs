//! `POST .../logs/explainLogWithAI/` (spec §6): authorize (`logs:write`), one
//! `ExplainService` call, render. Approval, throttle, validation, lookup, cache and the
//! provider are the use case's (`logs_explain::service`).

use actix_web::{HttpResponse, post, web};
use auth_scopes::{Scope, ScopeObject};
use logs_explain::{Caller, ExplainInput};
use orgs::service::project_with_organization;
use serde::Deserialize;
use utoipa::ToSchema;

use super::explain_dto::ExplanationDto;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, ExplainErrorBody, blocking};
use crate::extract::{Body, RequestBody, project_ref};
use crate::state::AppState;

const WRITE: Scope = Scope::write(ScopeObject::Logs);

/// Which log row to explain: its `uuid` and its `timestamp` (matched within ±1 s).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ExplainBody {
    #[schema(format = Uuid)]
    pub uuid: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// Skip the cached explanation (and replace it).
    #[serde(default)]
    pub force_refresh: bool,
}

impl RequestBody for ExplainBody {}

/// The caller, in the project's terms: its organization's AI approval and the token
/// that must never reach a model.
async fn caller(st: &AppState, auth: Authenticated, id: &str) -> Result<Caller, ApiError> {
    let project = project_ref(id)?;
    let repos = st.repos.clone();
    blocking(move || {
        let actor = auth.0;
        project_with_organization(&*repos, &actor, project, WRITE).map(|(p, o)| Caller {
            team_id: p.id.0,
            user_id: actor.user.id.0,
            ai_approved: o.settings.is_ai_data_processing_approved == Some(true),
            secrets: vec![p.api_token],
        })
    })
    .await
}

/// Explains one log row: built-in (no network) or an OpenAI-compatible model, per config.
/// 200, as PostHog returns (its docs say 201).
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = ExplainBody,
    responses((status = 200, body = ExplanationDto), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ExplainErrorBody),
        (status = 429, body = ErrorBody), (status = 500, body = ExplainErrorBody),
        (status = 502, body = ExplainErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/explainLogWithAI")]
pub async fn explain(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<ExplainBody>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller(&st, auth, &id).await?;
    let b = body.0;
    let input = ExplainInput { uuid: b.uuid, timestamp: b.timestamp, force_refresh: b.force_refresh };
    let (svc, now) = (st.explain_service(), st.now());
    let explanation = blocking(move || svc.explain(&caller, &input, now)).await?;
    Ok(HttpResponse::Ok().json(ExplanationDto::from(explanation)))
}
