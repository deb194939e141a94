//! `.../logs/alerts/:id/destinations/` (spec §3.7): one destination row per notification
//! kind, created and deleted atomically.

use activity_log::audit::What;
use rand::Rng;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AlertService, AlertSettings, Caller, ServiceError, ServiceResult, destination_groups};
use crate::edit::ACTIVITY_SCOPE;
use crate::repo::{Alert, Destination, DestinationType, NotifyKind};
use crate::ssrf;

/// A destination as the client describes it.
#[derive(Debug, Clone, Default)]
pub struct DestinationInput {
    /// `slack` or `webhook`.
    pub dtype: String,
    /// Slack: the id of a Slack integration of this project.
    pub slack_workspace_id: Option<i64>,
    pub slack_channel_id: Option<String>,
    pub slack_channel_name: Option<String>,
    /// Webhook: an https URL.
    pub webhook_url: Option<String>,
}

/// The created rows' ids and, for a webhook, the signing secret (shown this once).
#[derive(Debug, Clone)]
pub struct CreatedDestination {
    pub hog_function_ids: Vec<Uuid>,
    pub signing_secret: Option<String>,
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `whsec_` and 32 random alphanumerics: the HMAC-SHA256 key receivers verify with.
fn signing_secret() -> String {
    let tail: String = rand::rng().sample_iter(&rand::distr::Alphanumeric).take(32).map(char::from).collect();
    format!("whsec_{tail}")
}

/// A webhook URL must be absolute with a host, https unless plain http is allowed, and not
/// aimed at an internal address unless private targets are allowed.
pub fn check_webhook_url(raw: &str, settings: &AlertSettings) -> ServiceResult<()> {
    let bad = |d: &str| ServiceError::invalid("webhook_url", "invalid", d);
    let url = url::Url::parse(raw).map_err(|_| bad("Enter a valid URL."))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("Enter a valid URL."));
    }
    match url.scheme() {
        "https" => {}
        "http" if settings.allow_http_webhooks => {}
        _ => return Err(bad("Webhook URL must use https.")),
    }
    if settings.allow_private_webhook_targets {
        return Ok(());
    }
    ssrf::check_url(&url, ssrf::system_resolve).map_err(|r| {
        let detail = format!("Webhook URL must not point at an internal address: {r}.");
        ServiceError::invalid("webhook_url", "forbidden_address", detail)
    })
}

impl<U: Clone> AlertService<U> {
    fn record_destinations(
        &self,
        caller: &Caller,
        alert: &Alert,
        before: &[Destination],
        after: &[Destination],
        now: OffsetDateTime,
    ) -> Vec<activity_log::ActivityEntry> {
        let what = What::Updated(
            json!({"destinations": destination_groups(before)}),
            json!({"destinations": destination_groups(after)}),
        );
        caller.audit(ACTIVITY_SCOPE, alert.id.to_string(), &alert.config.name, what, now)
    }

    /// The template row every kind's row copies: type-specific fields validated.
    fn template(
        &self,
        caller: &Caller,
        alert_id: Uuid,
        dtype: DestinationType,
        input: &DestinationInput,
        now: OffsetDateTime,
    ) -> ServiceResult<Destination> {
        let mut t = Destination {
            created_by: Some(caller.author.user_id),
            ..Destination::blank(caller.team, alert_id, dtype, now)
        };
        match dtype {
            DestinationType::Slack => {
                let ws =
                    input.slack_workspace_id.ok_or_else(|| ServiceError::required("slack_workspace_id"))?;
                let channel = non_empty(&input.slack_channel_id)
                    .ok_or_else(|| ServiceError::required("slack_channel_id"))?;
                if self.repo.integration(caller.team, ws)?.is_none_or(|i| i.kind != "slack") {
                    let detail = "No Slack integration with this id in this project.";
                    return Err(ServiceError::invalid("slack_workspace_id", "invalid", detail));
                }
                t.slack_integration_id = Some(ws);
                t.slack_channel_id = Some(channel);
                t.slack_channel_name = non_empty(&input.slack_channel_name);
            }
            DestinationType::Webhook => {
                let url =
                    non_empty(&input.webhook_url).ok_or_else(|| ServiceError::required("webhook_url"))?;
                check_webhook_url(&url, &self.settings)?;
                t.webhook_url = Some(url);
                t.signing_secret = Some(signing_secret());
            }
        }
        Ok(t)
    }

    /// Creates the destination's rows (firing, resolved, broken, errored). Webhooks get a
    /// signing secret.
    pub fn create_destination(
        &self,
        caller: &Caller,
        alert_id: Uuid,
        input: &DestinationInput,
        now: OffsetDateTime,
    ) -> ServiceResult<CreatedDestination> {
        let dtype = DestinationType::parse(&input.dtype).ok_or_else(|| {
            ServiceError::invalid(
                "type",
                "invalid_choice",
                format!("\"{}\" is not a valid choice.", input.dtype),
            )
        })?;
        let alert = self.current(caller.team, alert_id)?;
        let template = self.template(caller, alert_id, dtype, input, now)?;
        let rows: Vec<Destination> = NotifyKind::ALL
            .into_iter()
            .map(|kind| Destination { id: Uuid::now_v7(), kind, ..template.clone() })
            .collect();
        let before = self.repo.destinations(caller.team, &[alert_id])?;
        let after: Vec<Destination> = before.iter().cloned().chain(rows.iter().cloned()).collect();
        let audit = self.record_destinations(caller, &alert, &before, &after, now);
        self.repo.create_destinations(caller.team, alert_id, &rows, &audit)?;
        Ok(CreatedDestination {
            hog_function_ids: rows.iter().map(|d| d.id).collect(),
            signing_secret: template.signing_secret,
        })
    }

    /// Deletes exactly these destination rows if all belong to this alert; else nothing.
    pub fn delete_destinations(
        &self,
        caller: &Caller,
        alert_id: Uuid,
        ids: &[Uuid],
        now: OffsetDateTime,
    ) -> ServiceResult<()> {
        if ids.is_empty() {
            return Err(ServiceError::invalid("hog_function_ids", "empty", "This list may not be empty."));
        }
        let alert = self.current(caller.team, alert_id)?;
        let before = self.repo.destinations(caller.team, &[alert_id])?;
        let after: Vec<Destination> = before.iter().filter(|d| !ids.contains(&d.id)).cloned().collect();
        let audit = self.record_destinations(caller, &alert, &before, &after, now);
        Ok(self.repo.delete_destinations(caller.team, alert_id, ids, &audit)?)
    }
}
