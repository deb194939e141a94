//! Policy input and its validation: every message of §4.2.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::Result;
use crate::model::Policy;
use crate::repo::Directory;

/// A field as sent: absent is None, `null` is `Some(Value::Null)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// `POST` / `PUT` / `PATCH` body of `approval_policies/`. Raw values: the messages of §4.2
/// (and 400 where PostHog answers 500) are this crate's.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PolicyInput {
    #[serde(default, deserialize_with = "present")]
    pub action_key: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub conditions: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub approver_config: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub allow_self_approve: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub bypass_org_membership_levels: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub bypass_roles: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub expires_after: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub enabled: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Create,
    /// PUT: required fields must be present.
    Full,
    /// PATCH: only what is sent changes.
    Partial,
}

/// What validation needs besides the input.
pub struct Ctx<'a> {
    pub org: Uuid,
    /// The policy's team (None: organization-wide).
    pub team: Option<i64>,
    /// The creator (creates only).
    pub author: Option<i64>,
    /// The new policy's id (creates) or the stored one's.
    pub id: Uuid,
    pub now: OffsetDateTime,
    /// Registered action keys: any other is a 400 listing them (docs/api-notes.md).
    pub known_keys: &'a [&'static str],
    /// Resolves `bypass_roles` (must exist and belong to `org`).
    pub directory: &'a dyn Directory,
}

/// The policy `input` makes of `current` (None for creates): defaults of §4.1, the checks
/// of §4.2, the first failure as an `ApprovalError::Invalid` with PostHog's attr and text.
pub fn apply(current: Option<&Policy>, input: &PolicyInput, mode: Mode, ctx: &Ctx<'_>) -> Result<Policy> {
    let _ = (current, input, mode, ctx);
    todo!("helper: validate::apply")
}
