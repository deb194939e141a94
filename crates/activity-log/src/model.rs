use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

/// Who made a change, as the `client` column records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// A personal API key.
    ApiKey,
    /// A login session (web console, JWT).
    Web,
    /// The `logstead` command line on the server.
    Cli,
    /// A background job (then `is_system` is true).
    System,
}

impl Client {
    pub fn as_str(self) -> &'static str {
        match self {
            Client::ApiKey => "api_key",
            Client::Web => "web",
            Client::Cli => "cli",
            Client::System => "system",
        }
    }
}

/// One change of one field: `{type, action, field, before, after}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    #[serde(rename = "type")]
    pub kind: String,
    /// `changed`, `created` or `deleted`.
    pub action: String,
    pub field: Option<String>,
    pub before: Value,
    pub after: Value,
}

/// The `detail` object. Every key may be absent; unknown keys from older rows are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Detail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_id: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
}

impl Detail {
    pub fn into_value(self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// An entry as stored. Project rows carry both `team_id` and `organization_id`;
/// organization rows (settings, memberships) have no `team_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEntry {
    /// Time-ordered (v7).
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub team_id: Option<i64>,
    pub user_id: Option<i64>,
    /// The type of the affected object: `Organization`, `OrganizationMembership`, `Project`,
    /// `PersonalAPIKey`, ... (an open set).
    pub scope: String,
    /// The verb: `created`, `updated`, `deleted`, ...
    pub activity: String,
    pub item_id: Option<String>,
    /// The `detail` JSON as stored (written from a [`Detail`]; old or foreign rows may hold
    /// other keys, which filters and exports see as they are).
    pub detail: Option<Value>,
    pub client: Option<String>,
    pub is_system: bool,
    pub was_impersonated: bool,
    pub created_at: OffsetDateTime,
}

/// The acting user as lists show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: i64,
    pub uuid: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

impl UserSummary {
    /// "First Last", trimmed, else the email (available_filters' label).
    pub fn label(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name).trim().to_string();
        if name.is_empty() { self.email.clone() } else { name }
    }
}

/// An entry with its user, as lists and exports return it.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub entry: ActivityEntry,
    pub user: Option<UserSummary>,
}
