//! The stored policy (§4.1), change request (§5.1) and vote.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Activity-log scopes (§7 of the issue: every policy change, request, vote, apply and expiry).
pub const POLICY_SCOPE: &str = "ApprovalPolicy";
pub const REQUEST_SCOPE: &str = "ChangeRequest";

/// Organization membership levels (orgs: 1 member, 8 admin, 15 owner).
pub const LEVEL_MEMBER: i64 = 1;
pub const LEVEL_ADMIN: i64 = 8;
pub const LEVEL_OWNER: i64 = 15;

/// `approver_config`: who approves and how many must.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApproverConfig {
    pub quorum: i64,
    #[serde(default)]
    pub users: Vec<i64>,
    /// Role UUIDs as strings (compared as strings, §5.1).
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// None: organization-wide (created for organization-level actions).
    pub team_id: Option<i64>,
    pub action_key: String,
    /// `{}` means always (§4.4).
    pub conditions: Value,
    pub approver_config: ApproverConfig,
    pub allow_self_approve: bool,
    pub bypass_org_membership_levels: Vec<i64>,
    pub bypass_roles: Vec<Uuid>,
    pub expires_after: Duration,
    pub enabled: bool,
    pub created_by: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

impl Policy {
    /// `policy_snapshot` (§4.5 step 8): copied into each request, never changed after.
    pub fn snapshot(&self) -> Value {
        json!({
            "quorum": self.approver_config.quorum,
            "users": self.approver_config.users,
            "roles": self.approver_config.roles,
            "allow_self_approve": self.allow_self_approve,
            "conditions": self.conditions,
            "bypass_org_membership_levels": self.bypass_org_membership_levels,
            "bypass_roles": self.bypass_roles.iter().map(Uuid::to_string).collect::<Vec<_>>(),
        })
    }

    /// The fields an activity entry diffs.
    pub fn audit(&self) -> Value {
        json!({
            "action_key": self.action_key,
            "conditions": self.conditions,
            "approver_config": self.approver_config,
            "allow_self_approve": self.allow_self_approve,
            "bypass_org_membership_levels": self.bypass_org_membership_levels,
            "bypass_roles": self.bypass_roles.iter().map(Uuid::to_string).collect::<Vec<_>>(),
            "expires_after": crate::duration::format(self.expires_after),
            "enabled": self.enabled,
        })
    }

    /// `ApprovalPolicy(<action_key>, Team <id>)`, as PostHog names it in conflicts.
    pub fn display_name(&self) -> String {
        match self.team_id {
            Some(t) => format!("ApprovalPolicy({}, Team {t})", self.action_key),
            None => format!("ApprovalPolicy({}, Organization)", self.action_key),
        }
    }
}

macro_rules! str_enum {
    ($(#[$m:meta])* $name:ident { $($v:ident => $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

str_enum!(
    /// §5.2. There is no `cancelled`: a cancel ends in `rejected`.
    State { Pending => "pending", Approved => "approved", Applied => "applied",
            Rejected => "rejected", Expired => "expired", Failed => "failed" }
);

impl State {
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Applied | State::Rejected | State::Expired | State::Failed)
    }
}

str_enum!(ValidationStatus { Valid => "valid", Invalid => "invalid", Stale => "stale" });

str_enum!(Decision { Approved => "approved", Rejected => "rejected" });

/// One user's vote on one request (unique per request and user).
#[derive(Debug, Clone, PartialEq)]
pub struct Vote {
    pub id: Uuid,
    pub created_by: i64,
    pub decision: Decision,
    /// `""` when none was given.
    pub reason: String,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRequest {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// None for organization-level actions.
    pub team_id: Option<i64>,
    pub policy_id: Option<Uuid>,
    pub action_key: String,
    pub action_version: i32,
    pub resource_type: String,
    /// None for creates.
    pub resource_id: Option<String>,
    pub intent: Value,
    /// `{description, before, after[, evidence]}`.
    pub intent_display: Value,
    pub policy_snapshot: Value,
    pub validation_status: ValidationStatus,
    pub validation_errors: Option<Value>,
    pub validated_at: Option<OffsetDateTime>,
    pub state: State,
    pub created_by: i64,
    /// Set on apply to the requester, not the approver (PostHog's quirk, kept).
    pub applied_by: Option<i64>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub applied_at: Option<OffsetDateTime>,
    /// `""` when none.
    pub apply_error: String,
    pub result_data: Option<Value>,
    /// Oldest first. Stores write votes separately (`repo::Transition::vote`).
    pub votes: Vec<Vote>,
}

impl ChangeRequest {
    /// The fields an activity entry diffs.
    pub fn audit(&self) -> Value {
        json!({
            "action_key": self.action_key,
            "resource_type": self.resource_type,
            "resource_id": self.resource_id,
            "state": self.state.as_str(),
            "validation_status": self.validation_status.as_str(),
            "apply_error": self.apply_error,
            "description": self.intent_display.get("description"),
        })
    }

    /// The requester's description, or the action key: the activity entry's name.
    pub fn display_name(&self) -> String {
        self.intent_display
            .get("description")
            .and_then(Value::as_str)
            .map_or_else(|| self.action_key.clone(), str::to_string)
    }

    pub fn quorum(&self) -> i64 {
        self.policy_snapshot.get("quorum").and_then(Value::as_i64).unwrap_or(1).max(1)
    }

    pub fn approved_votes(&self) -> usize {
        self.votes.iter().filter(|v| v.decision == Decision::Approved).count()
    }
}
