//! Storage contract for alerts, their events, destinations, Slack integrations and the
//! notification delivery queue. Pure: `store-sql` implements [`AlertRepo`] on SQLite and
//! PostgreSQL; the server's handlers, scheduler and delivery worker use it.
//!
//! Every user mutation takes the activity-log entries to write in the same transaction,
//! and control-plane changes take their alert event too (spec §3.2: state write + audit row
//! + save are one transaction).

use activity_log::ActivityEntry;
use serde_json::Value;
use thiserror::Error;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::AlertConfig;
use crate::quiet_hours::ScheduleRestriction;
use crate::state::{AlertEvent, AlertState, EventKind};

/// A stored alert (`LogsAlertConfiguration`).
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub id: Uuid,
    pub team_id: i64,
    pub config: AlertConfig,
    pub schedule_restriction: Option<ScheduleRestriction>,
    pub state: AlertState,
    pub next_check_at: Option<OffsetDateTime>,
    pub last_checked_at: Option<OffsetDateTime>,
    pub last_notified_at: Option<OffsetDateTime>,
    pub consecutive_failures: u32,
    pub last_error_message: Option<String>,
    pub first_enabled_at: Option<OffsetDateTime>,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Bumped by every write (user edits and checks): an evaluation of an older version is
    /// discarded, and an edit based on one conflicts (and is re-applied by the caller).
    pub version: i64,
}

impl Alert {
    /// A never-checked alert created at `now` (version 1, due at the next tick; `snoozed`
    /// when created with a future snooze, which is not a transition).
    pub fn new(
        id: Uuid,
        team_id: i64,
        config: AlertConfig,
        created_by: Option<i64>,
        now: OffsetDateTime,
    ) -> Self {
        let snoozed = config.snooze_until.is_some_and(|s| s > now);
        Self {
            id,
            team_id,
            first_enabled_at: config.enabled.then_some(now),
            state: if snoozed { AlertState::Snoozed } else { AlertState::NotFiring },
            config,
            schedule_restriction: None,
            next_check_at: None,
            last_checked_at: None,
            last_notified_at: None,
            consecutive_failures: 0,
            last_error_message: None,
            created_by,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}

/// An event row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: Uuid,
    pub alert_id: Uuid,
    pub created_at: OffsetDateTime,
    pub event: AlertEvent,
    pub query_duration_ms: Option<i64>,
    /// Beyond PostHog: the check's inputs (window bounds, counts per window, which of the M
    /// windows breached, threshold, why a notification was held). Null for control rows.
    pub inputs: Option<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub id: Uuid,
    pub created_at: OffsetDateTime,
    pub event: AlertEvent,
    pub query_duration_ms: Option<i64>,
    pub inputs: Option<Value>,
}

/// Destination types. Stored and serialized lowercase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DestinationType {
    Slack,
    Webhook,
}

impl DestinationType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Slack => "slack",
            Self::Webhook => "webhook",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Slack, Self::Webhook].into_iter().find(|t| t.as_str() == s)
    }
}

/// The notification a destination row is for: one row per kind (spec §3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotifyKind {
    Firing,
    Resolved,
    Broken,
    Errored,
}

impl NotifyKind {
    pub const ALL: [NotifyKind; 4] = [Self::Firing, Self::Resolved, Self::Broken, Self::Errored];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Firing => "firing",
            Self::Resolved => "resolved",
            Self::Broken => "broken",
            Self::Errored => "errored",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One destination row (PostHog: one HogFunction per event kind). Rows created together
/// share `group_id` and, for webhooks, the signing secret.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// The `hog_function_id` clients see.
    pub id: Uuid,
    pub group_id: Uuid,
    pub team_id: i64,
    pub alert_id: Uuid,
    pub kind: NotifyKind,
    pub dtype: DestinationType,
    pub enabled: bool,
    pub slack_integration_id: Option<i64>,
    pub slack_channel_id: Option<String>,
    pub slack_channel_name: Option<String>,
    pub webhook_url: Option<String>,
    /// HMAC-SHA256 key for webhook signatures; returned to the client once, at creation.
    pub signing_secret: Option<String>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<i64>,
}

impl Destination {
    /// An enabled `firing` row of `dtype` with no type-specific fields yet and a nil id
    /// (the store assigns it).
    pub fn blank(team_id: i64, alert_id: Uuid, dtype: DestinationType, created_at: OffsetDateTime) -> Self {
        Self {
            id: Uuid::nil(),
            group_id: Uuid::now_v7(),
            team_id,
            alert_id,
            kind: NotifyKind::Firing,
            dtype,
            enabled: true,
            slack_integration_id: None,
            slack_channel_id: None,
            slack_channel_name: None,
            webhook_url: None,
            signing_secret: None,
            created_at,
            created_by: None,
        }
    }
}

/// A Slack workspace connection holding a bot token (PostHog `Integration` of kind `slack`).
#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    pub id: i64,
    pub team_id: i64,
    pub kind: String,
    /// Public config, e.g. `{"team": {"id", "name"}}`.
    pub config: Value,
    /// Secret config (`access_token`); never returned by the API.
    pub sensitive_config: Value,
    pub created_at: OffsetDateTime,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewIntegration {
    pub team_id: i64,
    pub kind: String,
    pub config: Value,
    pub sensitive_config: Value,
    pub created_at: OffsetDateTime,
    pub created_by: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    /// Claimed by a worker until `lease_until`; a crashed worker's claim expires.
    Sending,
    Delivered,
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sending, Self::Delivered, Self::Dead].into_iter().find(|k| k.as_str() == s)
    }
}

/// A queued notification: the rendered request for one destination row.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    pub id: Uuid,
    pub destination_id: Uuid,
    /// Webhook: the JSON body. Slack: the `chat.postMessage` body without the token.
    pub payload: Value,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: Uuid,
    pub team_id: i64,
    pub alert_id: Uuid,
    pub event_id: Uuid,
    pub destination_id: Uuid,
    pub dtype: DestinationType,
    pub kind: NotifyKind,
    pub payload: Value,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub delivered_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// The scheduler's write after evaluating one claimed alert.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckWrite {
    pub alert_id: Uuid,
    /// The version the evaluation read; a newer stored version discards the write.
    pub version: i64,
    pub state: AlertState,
    pub consecutive_failures: u32,
    pub last_error_message: Option<String>,
    pub last_notified_at: Option<OffsetDateTime>,
    pub last_checked_at: OffsetDateTime,
    pub next_check_at: OffsetDateTime,
    pub event: Option<NewEvent>,
    /// Written in the same transaction as the state, so a notification is never lost
    /// and never sent for a state that was not stored. Each belongs to `event` (a
    /// notification always comes with a state change, hence an event); team, alert, type
    /// and kind are taken from the destination row.
    pub deliveries: Vec<NewDelivery>,
}

/// How many quiet `check` rows (no state change, no error) are kept per alert.
pub const MAX_QUIET_CHECKS: usize = 10;

#[derive(Debug, Error, PartialEq)]
pub enum AlertRepoError {
    #[error("Not found.")]
    NotFound,
    #[error("Maximum number of alerts ({0}) reached for this team.")]
    LimitReached(usize),
    /// The row changed since it was read (optimistic concurrency).
    #[error("The alert was changed concurrently; retry.")]
    Conflict,
    #[error("One or more HogFunctions do not belong to this alert.")]
    NotOwned,
    #[error("storage failure: {0}")]
    Storage(String),
}

pub type Result<T> = std::result::Result<T, AlertRepoError>;

/// A page of a LimitOffset list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub count: u64,
    pub results: Vec<T>,
}

pub trait AlertRepo: Send + Sync {
    // --- alerts (API) ---

    /// Inserts `alert` (its `id`, `team_id`, `created_*` set by the caller; `version` 1)
    /// unless the team already has `max` alerts, counted under a team-level lock (PostgreSQL:
    /// the team row `FOR UPDATE`; SQLite: an IMMEDIATE transaction).
    fn create_alert(&self, alert: &Alert, max: usize, audit: &[ActivityEntry]) -> Result<Alert>;
    fn alert(&self, team_id: i64, id: Uuid) -> Result<Option<Alert>>;
    /// Newest first (`-created_at`), optionally only those created by one user.
    fn list_alerts(
        &self,
        team_id: i64,
        created_by: Option<i64>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<Alert>>;
    /// Writes every user-visible and state field of `alert` if the stored version is still
    /// `alert.version`, bumping it; `Conflict` otherwise. `event` (a control-plane row) and
    /// `audit` go in the same transaction.
    fn update_alert(&self, alert: &Alert, event: Option<&NewEvent>, audit: &[ActivityEntry])
    -> Result<Alert>;
    /// Hard delete; events, destinations and queued deliveries go with it.
    fn delete_alert(&self, team_id: i64, id: Uuid, audit: &[ActivityEntry]) -> Result<()>;

    // --- events ---

    /// Newest first; only rows where `kind != check OR error_message IS NOT NULL OR
    /// state_before != state_after`, optionally of one kind.
    fn events(
        &self,
        team_id: i64,
        alert_id: Uuid,
        kind: Option<EventKind>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<StoredEvent>>;
    /// For `state_timeline`: all events of the alert at or after `from`, oldest first, and
    /// the kind of the latest `enable`/`disable` before `from`.
    fn timeline_events(
        &self,
        alert_id: Uuid,
        from: OffsetDateTime,
    ) -> Result<(Option<EventKind>, Vec<StoredEvent>)>;
    /// Deletes events created before `before`; returns how many.
    fn prune_events(&self, before: OffsetDateTime) -> Result<u64>;

    // --- destinations ---

    /// Inserts all rows in one transaction (they share a group id). The alert must belong to
    /// the team (`NotFound` otherwise).
    fn create_destinations(
        &self,
        team_id: i64,
        alert_id: Uuid,
        rows: &[Destination],
        audit: &[ActivityEntry],
    ) -> Result<()>;
    /// Soft-deletes exactly `ids` if every one is a live destination of this alert and team;
    /// `NotOwned` and no change otherwise.
    fn delete_destinations(
        &self,
        team_id: i64,
        alert_id: Uuid,
        ids: &[Uuid],
        audit: &[ActivityEntry],
    ) -> Result<()>;
    /// Live destinations of these alerts.
    fn destinations(&self, team_id: i64, alert_ids: &[Uuid]) -> Result<Vec<Destination>>;
    /// A destination by id, deleted or not (the delivery worker resolves queued rows).
    fn destination(&self, id: Uuid) -> Result<Option<Destination>>;

    // --- Slack integrations ---

    fn create_integration(&self, new: &NewIntegration, audit: &[ActivityEntry]) -> Result<Integration>;
    fn integrations(&self, team_id: i64) -> Result<Vec<Integration>>;
    fn integration(&self, team_id: i64, id: i64) -> Result<Option<Integration>>;
    fn delete_integration(&self, team_id: i64, id: i64, audit: &[ActivityEntry]) -> Result<()>;

    // --- scheduler ---

    /// Claims up to `limit` due alerts (spec §3.3 predicate) whose claim is free or expired,
    /// marking them claimed until `lease_until`. PostgreSQL: `FOR UPDATE SKIP LOCKED`, so
    /// two servers never claim the same alert; SQLite: an IMMEDIATE transaction.
    fn claim_due_alerts(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Alert>>;
    /// Applies a check: state, bookkeeping, event (and quiet-check pruning to
    /// [`MAX_QUIET_CHECKS`]) and deliveries in one transaction, releasing the claim and
    /// bumping `version`.
    /// Returns false (nothing written except the claim release) when the alert was edited
    /// or deleted since it was claimed.
    fn record_check(&self, write: &CheckWrite) -> Result<bool>;
    /// Several checks in one transaction (one commit instead of one per check); each
    /// result is what [`AlertRepo::record_check`] would return for it. Any storage error
    /// rolls back all of them, so callers may fall back to writing them one by one.
    fn record_checks(&self, writes: &[CheckWrite]) -> Result<Vec<bool>>;
    /// Releases a claim without writing a check (e.g. the count could not be taken and
    /// the caller will record the error check instead, or shutdown).
    fn release_claim(&self, alert_id: Uuid) -> Result<()>;

    // --- delivery queue ---

    /// Claims up to `limit` pending deliveries with `next_attempt_at <= now` (and `sending`
    /// ones whose lease expired), marking them `sending` until `lease_until`.
    fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease_until: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<Delivery>>;
    fn delivery_succeeded(&self, id: Uuid, now: OffsetDateTime) -> Result<()>;
    /// Records a failed attempt: back to `pending` at `retry_at`, or `dead` when None.
    fn delivery_failed(&self, id: Uuid, error: &str, retry_at: Option<OffsetDateTime>) -> Result<()>;
    /// Deliveries of these events (for the events endpoint), oldest first.
    fn deliveries_for_events(&self, event_ids: &[Uuid]) -> Result<Vec<Delivery>>;
}
