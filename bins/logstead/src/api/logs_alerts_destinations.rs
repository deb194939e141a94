//! `.../logs/alerts/:id/destinations/` (spec §3.7): one destination row per notification
//! kind, created and deleted atomically.

use actix_web::{HttpResponse, post, web};
use alerts_engine::edit::ACTIVITY_SCOPE;
use alerts_engine::repo::{AlertRepoError, Destination, DestinationType, NotifyKind};
use orgs::service::audit::What;
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::logs_alerts::{WRITE, access, activity, alert_id};
use super::logs_alerts_dto::destination_groups;
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

fn required(attr: &str) -> ApiError {
    ApiError::invalid(attr, "required", "This field is required.")
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `whsec_` and 32 random alphanumerics: the HMAC-SHA256 key receivers verify with.
fn signing_secret() -> String {
    let tail: String = rand::rng().sample_iter(&rand::distr::Alphanumeric).take(32).map(char::from).collect();
    format!("whsec_{tail}")
}

fn check_webhook_url(raw: &str, allow_http: bool) -> Result<(), ApiError> {
    let bad = |d: &str| ApiError::invalid("webhook_url", "invalid", d);
    let url = url::Url::parse(raw).map_err(|_| bad("Enter a valid URL."))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("Enter a valid URL."));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http => Ok(()),
        _ => Err(bad("Webhook URL must use https.")),
    }
}

/// Creates the destination's rows (firing, resolved, broken, errored). Webhooks get a
/// signing secret, shown in this response only.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path), ("id" = String, Path)),
    request_body = DestinationBody,
    responses((status = 201, description = "{\"hog_function_ids\": [...], \"signing_secret\"?: \"whsec_...\"}"),
    (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)), security(("bearer" = ["logs:write"])))]
#[post("/{project_id}/logs/alerts/{id}/destinations")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, String)>,
    body: Body<DestinationBody>,
) -> Result<HttpResponse, ApiError> {
    let (pid, raw) = path.into_inner();
    let (p, actor) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let b = body.0;
    let dtype = DestinationType::parse(&b.dtype).ok_or_else(|| {
        ApiError::invalid("type", "invalid_choice", format!("\"{}\" is not a valid choice.", b.dtype))
    })?;
    let (s, now) = (st.clone(), st.now());
    let out = blocking(move || -> Result<Value, ApiError> {
        let team = p.id.0;
        let alert = s.alerts.alert(team, aid)?.ok_or(AlertRepoError::NotFound)?;
        let mut template = Destination {
            id: Uuid::nil(),
            group_id: Uuid::now_v7(),
            team_id: team,
            alert_id: aid,
            kind: NotifyKind::Firing,
            dtype,
            enabled: true,
            slack_integration_id: None,
            slack_channel_id: None,
            slack_channel_name: None,
            webhook_url: None,
            signing_secret: None,
            created_at: now,
            created_by: Some(actor.user.id.0),
        };
        match dtype {
            DestinationType::Slack => {
                let ws = b.slack_workspace_id.ok_or_else(|| required("slack_workspace_id"))?;
                let channel = non_empty(&b.slack_channel_id).ok_or_else(|| required("slack_channel_id"))?;
                if s.alerts.integration(team, ws)?.is_none_or(|i| i.kind != "slack") {
                    let detail = "No Slack integration with this id in this project.";
                    return Err(ApiError::invalid("slack_workspace_id", "invalid", detail));
                }
                template.slack_integration_id = Some(ws);
                template.slack_channel_id = Some(channel);
                template.slack_channel_name = non_empty(&b.slack_channel_name);
            }
            DestinationType::Webhook => {
                let url = non_empty(&b.webhook_url).ok_or_else(|| required("webhook_url"))?;
                check_webhook_url(&url, s.settings.alerts.allow_http_webhooks)?;
                template.webhook_url = Some(url);
                template.signing_secret = Some(signing_secret());
            }
        }
        let rows: Vec<Destination> = NotifyKind::ALL
            .into_iter()
            .map(|kind| Destination { id: Uuid::now_v7(), kind, ..template.clone() })
            .collect();
        let before = s.alerts.destinations(team, &[aid])?;
        let after: Vec<Destination> = before.iter().cloned().chain(rows.iter().cloned()).collect();
        let what = What::Updated(
            json!({"destinations": destination_groups(&before)}),
            json!({"destinations": destination_groups(&after)}),
        );
        let audit = activity(&actor, &p, ACTIVITY_SCOPE, aid.to_string(), &alert.config.name, what, now);
        s.alerts.create_destinations(team, aid, &rows, &audit)?;
        let mut out = json!({"hog_function_ids": rows.iter().map(|d| d.id).collect::<Vec<_>>()});
        if let (Some(secret), Some(m)) = (&template.signing_secret, out.as_object_mut()) {
            m.insert("signing_secret".into(), json!(secret));
        }
        Ok(out)
    })
    .await?;
    Ok(HttpResponse::Created().json(out))
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
    let (p, actor) = access(&st, auth, &pid, WRITE).await?;
    let aid = alert_id(&raw)?;
    let ids = body.0.hog_function_ids;
    if ids.is_empty() {
        return Err(ApiError::invalid("hog_function_ids", "empty", "This list may not be empty."));
    }
    let (s, now) = (st.clone(), st.now());
    blocking(move || -> Result<(), ApiError> {
        let team = p.id.0;
        let alert = s.alerts.alert(team, aid)?.ok_or(AlertRepoError::NotFound)?;
        let before = s.alerts.destinations(team, &[aid])?;
        let after: Vec<Destination> = before.iter().filter(|d| !ids.contains(&d.id)).cloned().collect();
        let what = What::Updated(
            json!({"destinations": destination_groups(&before)}),
            json!({"destinations": destination_groups(&after)}),
        );
        let audit = activity(&actor, &p, ACTIVITY_SCOPE, aid.to_string(), &alert.config.name, what, now);
        Ok(s.alerts.delete_destinations(team, aid, &ids, &audit)?)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
