//! Row structs of destinations, integrations and deliveries (see `rows.rs`).

use alerts_engine::repo::{
    AlertRepoError, Delivery, DeliveryStatus, Destination, DestinationType, Integration, NewIntegration,
    NotifyKind,
};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use uuid::Uuid;

use super::rows::{corrupt, from_json, opt_time, parse_uuid, time, u32_of};
use super::secret_rows::{SENSITIVE_CONFIG, SIGNING_SECRET, open_secret, seal_secret};
use crate::rows::{to_us, uuid_text};
use crate::schema::{integrations, logs_alert_deliveries, logs_alert_destinations};
use crate::secrets::SecretBox;

type Result<T> = std::result::Result<T, AlertRepoError>;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = logs_alert_destinations, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct DestinationRow {
    pub id: String,
    pub group_id: String,
    pub team_id: i64,
    pub alert_id: String,
    pub kind: String,
    pub dtype: String,
    pub enabled: bool,
    pub slack_integration_id: Option<i64>,
    pub slack_channel_id: Option<String>,
    pub slack_channel_name: Option<String>,
    pub webhook_url: Option<String>,
    pub signing_secret: Option<String>,
    pub created_at: i64,
    pub created_by: Option<i64>,
    pub deleted_at: Option<i64>,
}

impl DestinationRow {
    /// Stored under `team_id` and `alert_id` (the ones the caller verified), the signing
    /// secret sealed with `secrets`.
    pub fn from_domain(
        team_id: i64,
        alert_id: Uuid,
        d: &Destination,
        secrets: Option<&SecretBox>,
    ) -> Result<Self> {
        let signing_secret =
            d.signing_secret.as_deref().map(|s| seal_secret(secrets, SIGNING_SECRET, s)).transpose()?;
        Ok(Self {
            id: uuid_text(d.id),
            group_id: uuid_text(d.group_id),
            team_id,
            alert_id: uuid_text(alert_id),
            kind: d.kind.as_str().to_owned(),
            dtype: d.dtype.as_str().to_owned(),
            enabled: d.enabled,
            slack_integration_id: d.slack_integration_id,
            slack_channel_id: d.slack_channel_id.clone(),
            slack_channel_name: d.slack_channel_name.clone(),
            webhook_url: d.webhook_url.clone(),
            signing_secret,
            created_at: to_us(d.created_at),
            created_by: d.created_by,
            deleted_at: None,
        })
    }

    pub fn into_domain(self, secrets: Option<&SecretBox>) -> Result<Destination> {
        let signing_secret =
            self.signing_secret.as_deref().map(|s| open_secret(secrets, SIGNING_SECRET, s)).transpose()?;
        Ok(Destination {
            id: parse_uuid(&self.id, "logs_alert_destinations.id")?,
            group_id: parse_uuid(&self.group_id, "logs_alert_destinations.group_id")?,
            team_id: self.team_id,
            alert_id: parse_uuid(&self.alert_id, "logs_alert_destinations.alert_id")?,
            kind: NotifyKind::parse(&self.kind)
                .ok_or_else(|| corrupt("logs_alert_destinations.kind", &self.kind, "unknown kind"))?,
            dtype: DestinationType::parse(&self.dtype)
                .ok_or_else(|| corrupt("logs_alert_destinations.dtype", &self.dtype, "unknown type"))?,
            enabled: self.enabled,
            slack_integration_id: self.slack_integration_id,
            slack_channel_id: self.slack_channel_id,
            slack_channel_name: self.slack_channel_name,
            webhook_url: self.webhook_url,
            signing_secret,
            created_at: time(self.created_at, "logs_alert_destinations.created_at")?,
            created_by: self.created_by,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = integrations, check_for_backend(Sqlite, Pg))]
pub(crate) struct IntegrationRow {
    pub id: i64,
    pub team_id: i64,
    pub kind: String,
    pub config: String,
    pub sensitive_config: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
}

/// `integrations.id` is assigned by the database.
#[derive(Debug, Insertable)]
#[diesel(table_name = integrations)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewIntegrationRow {
    pub team_id: i64,
    pub kind: String,
    pub config: String,
    pub sensitive_config: String,
    pub created_at: i64,
    pub created_by: Option<i64>,
}

impl NewIntegrationRow {
    /// `sensitive_config` (the bot token) sealed with `secrets`.
    pub fn from_domain(n: &NewIntegration, secrets: Option<&SecretBox>) -> Result<Self> {
        Ok(Self {
            team_id: n.team_id,
            kind: n.kind.clone(),
            config: n.config.to_string(),
            sensitive_config: seal_secret(secrets, SENSITIVE_CONFIG, &n.sensitive_config.to_string())?,
            created_at: to_us(n.created_at),
            created_by: n.created_by,
        })
    }
}

impl IntegrationRow {
    pub fn into_domain(self, secrets: Option<&SecretBox>) -> Result<Integration> {
        let sensitive = open_secret(secrets, SENSITIVE_CONFIG, &self.sensitive_config)?;
        Ok(Integration {
            id: self.id,
            team_id: self.team_id,
            kind: self.kind,
            config: from_json(&self.config, "integrations.config")?,
            sensitive_config: from_json(&sensitive, SENSITIVE_CONFIG)?,
            created_at: time(self.created_at, "integrations.created_at")?,
            created_by: self.created_by,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = logs_alert_deliveries, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct DeliveryRow {
    pub id: String,
    pub team_id: i64,
    pub alert_id: String,
    pub event_id: String,
    pub destination_id: String,
    pub dtype: String,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

impl DeliveryRow {
    pub fn into_domain(self) -> Result<Delivery> {
        Ok(Delivery {
            id: parse_uuid(&self.id, "logs_alert_deliveries.id")?,
            team_id: self.team_id,
            alert_id: parse_uuid(&self.alert_id, "logs_alert_deliveries.alert_id")?,
            event_id: parse_uuid(&self.event_id, "logs_alert_deliveries.event_id")?,
            destination_id: parse_uuid(&self.destination_id, "logs_alert_deliveries.destination_id")?,
            dtype: DestinationType::parse(&self.dtype)
                .ok_or_else(|| corrupt("logs_alert_deliveries.dtype", &self.dtype, "unknown type"))?,
            kind: NotifyKind::parse(&self.kind)
                .ok_or_else(|| corrupt("logs_alert_deliveries.kind", &self.kind, "unknown kind"))?,
            payload: from_json(&self.payload, "logs_alert_deliveries.payload")?,
            status: DeliveryStatus::parse(&self.status)
                .ok_or_else(|| corrupt("logs_alert_deliveries.status", &self.status, "unknown status"))?,
            attempts: u32_of(self.attempts, "logs_alert_deliveries.attempts")?,
            next_attempt_at: time(self.next_attempt_at, "logs_alert_deliveries.next_attempt_at")?,
            last_error: self.last_error,
            delivered_at: opt_time(self.delivered_at, "logs_alert_deliveries.delivered_at")?,
            created_at: time(self.created_at, "logs_alert_deliveries.created_at")?,
        })
    }
}
