//! `.../logs/alerts/:id/destinations/` (spec §3.7): one destination row per notification
//! kind, created and deleted atomically.

use actix_web::{HttpResponse, post, web};
use alerts_engine::service::DestinationInput;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::crud::{WRITE, access, alert_id};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DestinationBody {
    /// `slack` or `webhook`.
    #[serde(rename = "type")]
    pub dtype: String,
    /// Slack: the id of a Slack integration of this project.
    pub slack_workspace_id: Option<i64>,
    pub slack_channel_id: Option<String>,
    pub slack_channel_name: Option<String>,
    /// Webhook: an https URL.
    pub webhook_url: Option<String>,
}
impl RequestBody for DestinationBody {}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteDestinationsBody {
    pub hog_function_ids: Vec<Uuid>,
}
impl RequestBody for DeleteDestinationsBody {}

impl From<DestinationBody> for DestinationInput {
    fn from(b: DestinationBody) -> Self {
        Self {
            dtype: b.dtype,
            slack_workspace_id: b.slack_workspace_id,
            slack_channel_id: b.slack_channel_id,
            slack_channel_name: b.slack_channel_name,
            webhook_url: b.webhook_url,
        }
    }
}

/// `signing_secret` only for webhooks, and only in this response.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDestinationDto {
    pub hog_function_ids: Vec<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_secret: Option<String>,
}

/// Creates the destination's rows (firing, resolved, broken, errored). Webhooks get a
/// signing secret, shown in this response only.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = DestinationBody,
    responses((status = 201, body = CreatedDestinationDto),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/alerts/{id}/destinations")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<DestinationBody>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (_, caller) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let (svc, now, input) = (st.alert_service(), st.now(), DestinationInput::from(body.0));
    let c = blocking(move || svc.create_destination(&caller, aid, &input, now)).await?;
    let dto =
        CreatedDestinationDto { hog_function_ids: c.hog_function_ids, signing_secret: c.signing_secret };
    Ok(HttpResponse::Created().json(dto))
}

/// Deletes exactly these destination rows if all belong to this alert; else nothing.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = DeleteDestinationsBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/alerts/{id}/destinations/delete")]
pub async fn delete(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<DeleteDestinationsBody>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (_, caller) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let (svc, now, ids) = (st.alert_service(), st.now(), body.0.hog_function_ids);
    blocking(move || svc.delete_destinations(&caller, aid, &ids, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}
