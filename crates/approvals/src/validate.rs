//! Policy input and its validation: every message of §4.2.

use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::error::{ApprovalError, Result};
use crate::model::{ApproverConfig, Policy};
use crate::repo::Directory;

#[path = "validate_drf.rs"]
mod drf;
use drf::{boolean, expires_after, integer, invalid, list, not_null, required, type_name, uuid};

pub const ACTION_KEY_MAX_CHARS: usize = 128;
/// §4.1's default lifetime of a policy's change requests.
pub const DEFAULT_EXPIRES_AFTER: Duration = Duration::days(14);
const LEVELS_NOT_INTS: &str = "All membership levels must be integers";
const QUORUM_TOO_LOW: &str = "Quorum must be at least 1";

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
    let mut policy = match (mode, current) {
        (Mode::Create, _) => defaults(ctx),
        (_, Some(p)) => p.clone(),
        (_, None) => return Err(ApprovalError::NotFound),
    };
    // Fields in the serializer's order: the first failing one is the one reported.
    if let Some(v) = required(input.action_key.as_ref(), "action_key", mode)? {
        policy.action_key = action_key(v, ctx.known_keys)?;
    }
    if let Some(v) = &input.conditions {
        policy.conditions = conditions(v)?;
    }
    if let Some(v) = required(input.approver_config.as_ref(), "approver_config", mode)? {
        policy.approver_config = approver_config(v)?;
    }
    if let Some(v) = &input.allow_self_approve {
        policy.allow_self_approve = boolean("allow_self_approve", v)?;
    }
    if let Some(v) = &input.bypass_org_membership_levels {
        policy.bypass_org_membership_levels = levels(v)?;
    }
    match &input.bypass_roles {
        Some(v) => policy.bypass_roles = bypass_roles(v, ctx)?,
        // PostHog's serializer declares `default=list` for this field alone, so a PUT
        // without it clears the roles; every other optional field a PUT omits is kept.
        None if mode == Mode::Full => policy.bypass_roles = Vec::new(),
        None => {}
    }
    if let Some(v) = &input.expires_after {
        policy.expires_after = expires_after(v)?;
    }
    if let Some(v) = &input.enabled {
        policy.enabled = boolean("enabled", v)?;
    }
    policy.updated_at = ctx.now;
    Ok(policy)
}

/// A new policy with §4.1's defaults (its required fields are always sent).
fn defaults(ctx: &Ctx<'_>) -> Policy {
    Policy {
        id: ctx.id,
        organization_id: ctx.org,
        team_id: ctx.team,
        action_key: String::new(),
        conditions: json!({}),
        approver_config: ApproverConfig::default(),
        allow_self_approve: false,
        bypass_org_membership_levels: Vec::new(),
        bypass_roles: Vec::new(),
        expires_after: DEFAULT_EXPIRES_AFTER,
        enabled: true,
        created_by: ctx.author,
        created_at: ctx.now,
        updated_at: ctx.now,
    }
}

/// A DRF `CharField` (trimmed, not blank, at most 128 characters) naming a registered
/// action: an unknown key is refused rather than stored as a policy that gates nothing.
fn action_key(v: &Value, known: &[&str]) -> Result<String> {
    let key = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err(invalid("action_key", "Not a valid string.")),
    };
    if key.is_empty() {
        return Err(ApprovalError::invalid("action_key", "blank", "This field may not be blank."));
    }
    if key.chars().count() > ACTION_KEY_MAX_CHARS {
        let detail = format!("Ensure this field has no more than {ACTION_KEY_MAX_CHARS} characters.");
        return Err(ApprovalError::invalid("action_key", "max_length", detail));
    }
    if !known.contains(&key.as_str()) {
        let names = if known.is_empty() { "none".to_string() } else { known.join(", ") };
        let detail = format!("\"{key}\" is not a valid action. Known actions: {names}.");
        return Err(ApprovalError::invalid("action_key", "invalid_choice", detail));
    }
    Ok(key)
}

/// An object (`{}` is "always"), or a list of objects (any of them gates).
fn conditions(v: &Value) -> Result<Value> {
    let ok = match not_null("conditions", v)? {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().all(Value::is_object),
        _ => false,
    };
    if !ok {
        return Err(invalid("conditions", "Conditions must be an object or a list of objects."));
    }
    Ok(v.clone())
}

/// `{"quorum": int >= 1, "users": [int], "roles": [uuid]}`; other keys are dropped. Where
/// PostHog answers 500 (not an object, a quorum that is not a number) this is a 400.
fn approver_config(v: &Value) -> Result<ApproverConfig> {
    const ATTR: &str = "approver_config";
    let Value::Object(m) = v else {
        let detail = format!("Expected a dictionary of items but got type \"{}\".", type_name(v));
        return Err(invalid(ATTR, detail));
    };
    // A missing (or null) quorum counts as 0.
    let quorum = match m.get("quorum").unwrap_or(&Value::Null) {
        Value::Null => 0,
        q => integer(q).ok_or_else(|| invalid(ATTR, "Quorum must be an integer"))?,
    };
    if quorum < 1 {
        return Err(invalid(ATTR, QUORUM_TOO_LOW));
    }
    let empty = Value::Array(Vec::new());
    let users = match m.get("users").unwrap_or(&empty) {
        Value::Array(items) => items.iter().map(integer).collect::<Option<Vec<_>>>(),
        _ => None,
    }
    .ok_or_else(|| invalid(ATTR, "Approver users must be a list of integer user ids"))?;
    let roles = match m.get("roles").unwrap_or(&empty) {
        Value::Array(items) => {
            items.iter().map(|r| uuid(r).map(|u| u.to_string())).collect::<Option<Vec<_>>>()
        }
        _ => None,
    }
    .ok_or_else(|| invalid(ATTR, "Approver roles must be a list of role UUIDs"))?;
    Ok(ApproverConfig { quorum, users, roles })
}

/// `["8", "15"]` is stored as `[8, 15]`.
fn levels(v: &Value) -> Result<Vec<i64>> {
    let items = list("bypass_org_membership_levels", v)?;
    items
        .iter()
        .map(integer)
        .collect::<Option<_>>()
        .ok_or_else(|| invalid("bypass_org_membership_levels", LEVELS_NOT_INTS))
}

/// Role UUIDs that exist and belong to the policy's organization (duplicates dropped).
fn bypass_roles(v: &Value, ctx: &Ctx<'_>) -> Result<Vec<Uuid>> {
    const ATTR: &str = "bypass_roles";
    let mut ids: Vec<Uuid> = Vec::new();
    for (i, item) in list(ATTR, v)?.iter().enumerate() {
        let id = uuid(item).ok_or_else(|| invalid(&format!("{ATTR}__{i}"), "Must be a valid UUID."))?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Ok(ids);
    }
    let found = ctx.directory.roles(&ids).map_err(|e| ApprovalError::Directory(e.to_string()))?;
    let role = |id: &Uuid| found.iter().find(|r| r.id == *id);
    let missing: Vec<String> = ids.iter().filter(|id| role(id).is_none()).map(Uuid::to_string).collect();
    if !missing.is_empty() {
        return Err(invalid(ATTR, format!("Roles do not exist: {}", missing.join(", "))));
    }
    let foreign: Vec<&str> = ids
        .iter()
        .filter_map(role)
        .filter(|r| r.organization_id != ctx.org)
        .map(|r| r.name.as_str())
        .collect();
    if !foreign.is_empty() {
        let detail = format!("Roles must belong to the same organization: {}", foreign.join(", "));
        return Err(invalid(ATTR, detail));
    }
    Ok(ids)
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
