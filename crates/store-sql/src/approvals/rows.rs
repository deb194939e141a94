//! Row structs of `approval_policies`, `change_requests` and `change_request_votes`, and
//! their conversions to and from `approvals::model`. Conventions as in `crate::rows`
//! (JSON as TEXT, BIGINT microseconds, TEXT UUIDs, `expires_after` as microseconds); a
//! value that does not decode becomes `ApprovalError::Storage`, never a panic.

use ::approvals::ApprovalError;
use ::approvals::model::{ChangeRequest, Decision, Policy, State, ValidationStatus, Vote};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sqlite::Sqlite;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::rows::{to_us, uuid_text};
use crate::schema::{approval_policies, change_request_votes, change_requests};

type Result<T> = std::result::Result<T, ApprovalError>;

fn corrupt(what: &str, value: &str, e: impl std::fmt::Display) -> ApprovalError {
    ApprovalError::Storage(format!("corrupt {what} {value:?} in the database: {e}"))
}

fn time(us: i64, what: &str) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|e| corrupt(what, &us.to_string(), e))
}

fn opt_time(us: Option<i64>, what: &str) -> Result<Option<OffsetDateTime>> {
    us.map(|v| time(v, what)).transpose()
}

pub(super) fn parse_uuid(s: &str, what: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| corrupt(what, s, e))
}

fn to_json<T: Serialize + ?Sized>(v: &T, what: &str) -> Result<String> {
    serde_json::to_string(v).map_err(|e| ApprovalError::Storage(format!("cannot encode {what}: {e}")))
}

fn from_json<T: DeserializeOwned>(s: &str, what: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(what, s, e))
}

/// Whole microseconds; a duration beyond ±292,000 years does not fit and is refused.
fn duration_us(d: Duration) -> Result<i64> {
    i64::try_from(d.whole_microseconds())
        .map_err(|_| ApprovalError::invalid("expires_after", "invalid", "Duration is too large."))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = approval_policies, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct PolicyRow {
    pub id: String,
    pub organization_id: String,
    pub team_id: Option<i64>,
    pub action_key: String,
    pub conditions: String,
    pub approver_config: String,
    pub allow_self_approve: bool,
    pub bypass_org_membership_levels: String,
    pub bypass_roles: String,
    pub expires_after_us: i64,
    pub enabled: bool,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What an update writes: every field but the identity, the creator and `created_at`.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = approval_policies)]
#[diesel(treat_none_as_null = true)]
pub(super) struct PolicyChanges {
    pub action_key: String,
    pub conditions: String,
    pub approver_config: String,
    pub allow_self_approve: bool,
    pub bypass_org_membership_levels: String,
    pub bypass_roles: String,
    pub expires_after_us: i64,
    pub enabled: bool,
    pub updated_at: i64,
}

impl PolicyRow {
    pub fn from_domain(p: &Policy) -> Result<Self> {
        Ok(Self {
            id: uuid_text(p.id),
            organization_id: uuid_text(p.organization_id),
            team_id: p.team_id,
            action_key: p.action_key.clone(),
            conditions: to_json(&p.conditions, "conditions")?,
            approver_config: to_json(&p.approver_config, "approver_config")?,
            allow_self_approve: p.allow_self_approve,
            bypass_org_membership_levels: to_json(&p.bypass_org_membership_levels, "bypass levels")?,
            bypass_roles: to_json(&p.bypass_roles, "bypass_roles")?,
            expires_after_us: duration_us(p.expires_after)?,
            enabled: p.enabled,
            created_by: p.created_by,
            created_at: to_us(p.created_at),
            updated_at: to_us(p.updated_at),
        })
    }

    pub fn changes(self) -> PolicyChanges {
        PolicyChanges {
            action_key: self.action_key,
            conditions: self.conditions,
            approver_config: self.approver_config,
            allow_self_approve: self.allow_self_approve,
            bypass_org_membership_levels: self.bypass_org_membership_levels,
            bypass_roles: self.bypass_roles,
            expires_after_us: self.expires_after_us,
            enabled: self.enabled,
            updated_at: self.updated_at,
        }
    }

    pub fn into_domain(self) -> Result<Policy> {
        Ok(Policy {
            id: parse_uuid(&self.id, "approval_policies.id")?,
            organization_id: parse_uuid(&self.organization_id, "approval_policies.organization_id")?,
            team_id: self.team_id,
            action_key: self.action_key,
            conditions: from_json(&self.conditions, "approval_policies.conditions")?,
            approver_config: from_json(&self.approver_config, "approval_policies.approver_config")?,
            allow_self_approve: self.allow_self_approve,
            bypass_org_membership_levels: from_json(
                &self.bypass_org_membership_levels,
                "approval_policies.bypass_org_membership_levels",
            )?,
            bypass_roles: from_json(&self.bypass_roles, "approval_policies.bypass_roles")?,
            expires_after: Duration::microseconds(self.expires_after_us),
            enabled: self.enabled,
            created_by: self.created_by,
            created_at: time(self.created_at, "approval_policies.created_at")?,
            updated_at: time(self.updated_at, "approval_policies.updated_at")?,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = change_requests, check_for_backend(Sqlite, Pg))]
#[diesel(treat_none_as_null = true, treat_none_as_default_value = false)]
pub(super) struct RequestRow {
    pub id: String,
    pub organization_id: String,
    pub team_id: Option<i64>,
    pub policy_id: Option<String>,
    pub action_key: String,
    pub action_version: i32,
    pub resource_type: String,
    pub resource_id: Option<String>,
    pub intent: String,
    pub intent_display: String,
    pub policy_snapshot: String,
    pub validation_status: String,
    pub validation_errors: Option<String>,
    pub validated_at: Option<i64>,
    pub state: String,
    pub created_by: i64,
    pub applied_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: i64,
    pub applied_at: Option<i64>,
    pub apply_error: String,
    pub result_data: Option<String>,
}

/// What a transition writes: the columns the state machine, the apply and the jobs change.
/// The request's identity, what it asks (intent, snapshot) and its requester never change.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = change_requests)]
#[diesel(treat_none_as_null = true)]
pub(super) struct RequestChanges {
    pub validation_status: String,
    pub validation_errors: Option<String>,
    pub validated_at: Option<i64>,
    pub state: String,
    pub applied_by: Option<i64>,
    pub updated_at: i64,
    pub expires_at: i64,
    pub applied_at: Option<i64>,
    pub apply_error: String,
    pub result_data: Option<String>,
}

impl RequestRow {
    pub fn from_domain(r: &ChangeRequest) -> Result<Self> {
        Ok(Self {
            id: uuid_text(r.id),
            organization_id: uuid_text(r.organization_id),
            team_id: r.team_id,
            policy_id: r.policy_id.map(uuid_text),
            action_key: r.action_key.clone(),
            action_version: r.action_version,
            resource_type: r.resource_type.clone(),
            resource_id: r.resource_id.clone(),
            intent: to_json(&r.intent, "intent")?,
            intent_display: to_json(&r.intent_display, "intent_display")?,
            policy_snapshot: to_json(&r.policy_snapshot, "policy_snapshot")?,
            validation_status: r.validation_status.as_str().to_string(),
            validation_errors: r
                .validation_errors
                .as_ref()
                .map(|v| to_json(v, "validation_errors"))
                .transpose()?,
            validated_at: r.validated_at.map(to_us),
            state: r.state.as_str().to_string(),
            created_by: r.created_by,
            applied_by: r.applied_by,
            created_at: to_us(r.created_at),
            updated_at: to_us(r.updated_at),
            expires_at: to_us(r.expires_at),
            applied_at: r.applied_at.map(to_us),
            apply_error: r.apply_error.clone(),
            result_data: r.result_data.as_ref().map(|v| to_json(v, "result_data")).transpose()?,
        })
    }

    pub fn changes(self) -> RequestChanges {
        RequestChanges {
            validation_status: self.validation_status,
            validation_errors: self.validation_errors,
            validated_at: self.validated_at,
            state: self.state,
            applied_by: self.applied_by,
            updated_at: self.updated_at,
            expires_at: self.expires_at,
            applied_at: self.applied_at,
            apply_error: self.apply_error,
            result_data: self.result_data,
        }
    }

    /// The request without its votes (`super::requests::with_votes` adds them).
    pub fn into_domain(self) -> Result<ChangeRequest> {
        let state = State::parse(&self.state)
            .ok_or_else(|| corrupt("change_requests.state", &self.state, "unknown state"))?;
        let validation_status = ValidationStatus::parse(&self.validation_status).ok_or_else(|| {
            corrupt("change_requests.validation_status", &self.validation_status, "unknown status")
        })?;
        Ok(ChangeRequest {
            id: parse_uuid(&self.id, "change_requests.id")?,
            organization_id: parse_uuid(&self.organization_id, "change_requests.organization_id")?,
            team_id: self.team_id,
            policy_id: self.policy_id.map(|s| parse_uuid(&s, "change_requests.policy_id")).transpose()?,
            action_key: self.action_key,
            action_version: self.action_version,
            resource_type: self.resource_type,
            resource_id: self.resource_id,
            intent: from_json(&self.intent, "change_requests.intent")?,
            intent_display: from_json(&self.intent_display, "change_requests.intent_display")?,
            policy_snapshot: from_json(&self.policy_snapshot, "change_requests.policy_snapshot")?,
            validation_status,
            validation_errors: self
                .validation_errors
                .map(|s| from_json(&s, "change_requests.validation_errors"))
                .transpose()?,
            validated_at: opt_time(self.validated_at, "change_requests.validated_at")?,
            state,
            created_by: self.created_by,
            applied_by: self.applied_by,
            created_at: time(self.created_at, "change_requests.created_at")?,
            updated_at: time(self.updated_at, "change_requests.updated_at")?,
            expires_at: time(self.expires_at, "change_requests.expires_at")?,
            applied_at: opt_time(self.applied_at, "change_requests.applied_at")?,
            apply_error: self.apply_error,
            result_data: self
                .result_data
                .map(|s| from_json(&s, "change_requests.result_data"))
                .transpose()?,
            votes: Vec::new(),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = change_request_votes, check_for_backend(Sqlite, Pg))]
pub(super) struct VoteRow {
    pub id: String,
    pub change_request_id: String,
    pub created_by: i64,
    pub decision: String,
    pub reason: String,
    pub created_at: i64,
}

impl VoteRow {
    pub fn from_domain(request: Uuid, v: &Vote) -> Self {
        Self {
            id: uuid_text(v.id),
            change_request_id: uuid_text(request),
            created_by: v.created_by,
            decision: v.decision.as_str().to_string(),
            reason: v.reason.clone(),
            created_at: to_us(v.created_at),
        }
    }

    pub fn into_domain(self) -> Result<Vote> {
        let decision = Decision::parse(&self.decision)
            .ok_or_else(|| corrupt("change_request_votes.decision", &self.decision, "unknown decision"))?;
        Ok(Vote {
            id: parse_uuid(&self.id, "change_request_votes.id")?,
            created_by: self.created_by,
            decision,
            reason: self.reason,
            created_at: time(self.created_at, "change_request_votes.created_at")?,
        })
    }
}

#[cfg(test)]
#[path = "rows_tests.rs"]
mod tests;
