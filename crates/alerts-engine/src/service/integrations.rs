//! Slack integrations (PostHog's `integrations` API): what a Slack destination's
//! `slack_workspace_id` refers to. The bot token is stored, never returned.

use activity_log::audit::What;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{AlertService, Caller, ServiceError, ServiceResult};
use crate::repo::{AlertRepoError, Integration, NewIntegration};

const ACTIVITY_SCOPE: &str = "Integration";

/// An integration as the client sends it.
#[derive(Debug, Clone, Default)]
pub struct IntegrationInput {
    /// Only `slack`.
    pub kind: String,
    /// Public settings, e.g. `{"team": {"id": "T1", "name": "Acme"}}`.
    pub config: Option<Value>,
    /// `{"access_token": "xoxb-..."}`.
    pub sensitive_config: Option<Value>,
}

/// What the activity log keeps: never the token.
fn snapshot(kind: &str, config: &Value) -> Value {
    json!({"kind": kind, "config": config})
}

impl<U: Clone> AlertService<U> {
    pub fn integrations(&self, team: i64) -> ServiceResult<Vec<Integration>> {
        Ok(self.repo.integrations(team)?)
    }

    pub fn integration(&self, team: i64, id: i64) -> ServiceResult<Integration> {
        Ok(self.repo.integration(team, id)?.ok_or(AlertRepoError::NotFound)?)
    }

    /// Stores a Slack bot token (`sensitive_config.access_token`).
    pub fn create_integration(
        &self,
        caller: &Caller,
        input: IntegrationInput,
        now: OffsetDateTime,
    ) -> ServiceResult<Integration> {
        if input.kind != "slack" {
            let detail = format!("\"{}\" is not a valid choice.", input.kind);
            return Err(ServiceError::invalid("kind", "invalid_choice", detail));
        }
        let config = match input.config {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v,
            Some(_) => return Err(ServiceError::invalid("config", "invalid", "Must be an object.")),
        };
        let token =
            input.sensitive_config.as_ref().and_then(|s| s.get("access_token")).and_then(Value::as_str);
        let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
            return Err(ServiceError::invalid("sensitive_config", "required", "access_token is required."));
        };
        let new = NewIntegration {
            team_id: caller.team,
            kind: input.kind,
            config,
            sensitive_config: json!({"access_token": token}),
            created_at: now,
            created_by: Some(caller.author.user_id),
        };
        let what = What::Created(snapshot(&new.kind, &new.config));
        let mut audit = caller.audit(ACTIVITY_SCOPE, String::new(), "slack", what, now);
        // The id is the database's, unknown until the insert.
        audit.iter_mut().for_each(|e| e.item_id = None);
        Ok(self.repo.create_integration(&new, &audit)?)
    }

    pub fn delete_integration(&self, caller: &Caller, id: i64, now: OffsetDateTime) -> ServiceResult<()> {
        let cur = self.integration(caller.team, id)?;
        let what = What::Deleted(snapshot(&cur.kind, &cur.config));
        let audit = caller.audit(ACTIVITY_SCOPE, id.to_string(), "slack", what, now);
        Ok(self.repo.delete_integration(caller.team, id, &audit)?)
    }
}
