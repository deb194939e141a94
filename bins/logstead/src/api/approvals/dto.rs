//! Response shapes of approval policies and change requests (spec platform.md §4.1, §5.1).

use approvals::service::{Outcome, PolicyView, RequestView};
use orgs::User;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::dto::{UserBasic, iso};

/// One vote (`approvals[]` of a change request).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalDto {
    pub id: Uuid,
    pub created_by: Option<UserBasic>,
    pub decision: String,
    pub reason: String,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequestDto {
    pub id: Uuid,
    pub action_key: String,
    pub action_version: i32,
    pub resource_type: String,
    pub resource_id: Option<String>,
    #[schema(value_type = Object)]
    pub intent: Value,
    #[schema(value_type = Object)]
    pub intent_display: Value,
    #[schema(value_type = Object)]
    pub policy_snapshot: Value,
    pub validation_status: String,
    #[schema(value_type = Option<Object>)]
    pub validation_errors: Option<Value>,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub validated_at: Option<OffsetDateTime>,
    pub state: String,
    pub created_by: Option<UserBasic>,
    pub applied_by: Option<UserBasic>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    #[serde(with = "iso::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub applied_at: Option<OffsetDateTime>,
    pub apply_error: String,
    #[schema(value_type = Option<Object>)]
    pub result_data: Option<Value>,
    pub approvals: Vec<ApprovalDto>,
    pub can_approve: bool,
    pub can_cancel: bool,
    pub is_requester: bool,
    pub user_decision: Option<String>,
}

impl From<&RequestView<User>> for ChangeRequestDto {
    fn from(v: &RequestView<User>) -> Self {
        let r = &v.request;
        Self {
            id: r.id,
            action_key: r.action_key.clone(),
            action_version: r.action_version,
            resource_type: r.resource_type.clone(),
            resource_id: r.resource_id.clone(),
            intent: r.intent.clone(),
            intent_display: r.intent_display.clone(),
            policy_snapshot: r.policy_snapshot.clone(),
            validation_status: r.validation_status.as_str().to_string(),
            validation_errors: r.validation_errors.clone(),
            validated_at: r.validated_at,
            state: r.state.as_str().to_string(),
            created_by: v.created_by.as_ref().map(UserBasic::from),
            applied_by: v.applied_by.as_ref().map(UserBasic::from),
            created_at: r.created_at,
            updated_at: r.updated_at,
            expires_at: r.expires_at,
            applied_at: r.applied_at,
            apply_error: r.apply_error.clone(),
            result_data: r.result_data.clone(),
            approvals: v
                .votes
                .iter()
                .map(|(vote, user)| ApprovalDto {
                    id: vote.id,
                    created_by: user.as_ref().map(UserBasic::from),
                    decision: vote.decision.as_str().to_string(),
                    reason: vote.reason.clone(),
                    created_at: vote.created_at,
                })
                .collect(),
            can_approve: v.viewer.can_approve,
            can_cancel: v.viewer.can_cancel,
            is_requester: v.viewer.is_requester,
            user_decision: v.viewer.user_decision.map(|d| d.as_str().to_string()),
        }
    }
}

/// The change request as the gate's 409 embeds it (no caller context).
pub fn render_request(v: &RequestView<User>) -> Value {
    serde_json::to_value(ChangeRequestDto::from(v)).unwrap_or(Value::Null)
}

fn conditions_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Object, Type::Array])).build()
}

/// An approval policy (§4.1).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalPolicyDto {
    pub id: Uuid,
    pub action_key: String,
    /// An object or a list of objects, as sent.
    #[schema(schema_with = conditions_schema)]
    pub conditions: Value,
    pub approver_config: ApproverConfigDto,
    pub allow_self_approve: bool,
    pub bypass_org_membership_levels: Vec<i64>,
    pub bypass_roles: Vec<String>,
    /// A Django duration, e.g. `"14 00:00:00"`.
    pub expires_after: String,
    pub enabled: bool,
    pub created_by: Option<UserBasic>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApproverConfigDto {
    pub quorum: i64,
    pub users: Vec<i64>,
    pub roles: Vec<String>,
}

impl From<&PolicyView<User>> for ApprovalPolicyDto {
    fn from(v: &PolicyView<User>) -> Self {
        let p = &v.policy;
        Self {
            id: p.id,
            action_key: p.action_key.clone(),
            conditions: p.conditions.clone(),
            approver_config: ApproverConfigDto {
                quorum: p.approver_config.quorum,
                users: p.approver_config.users.clone(),
                roles: p.approver_config.roles.clone(),
            },
            allow_self_approve: p.allow_self_approve,
            bypass_org_membership_levels: p.bypass_org_membership_levels.clone(),
            bypass_roles: p.bypass_roles.iter().map(Uuid::to_string).collect(),
            expires_after: approvals::duration::format(p.expires_after),
            enabled: p.enabled,
            created_by: v.created_by.as_ref().map(UserBasic::from),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Create / PUT / PATCH body (documentation; parsed as `approvals::validate::PolicyInput`).
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // read by utoipa only
pub struct ApprovalPolicyBody {
    /// Required on create and PUT: a registered gated action, e.g. `logs_sampling_rule.update`.
    #[schema(max_length = 128)]
    pub action_key: Option<String>,
    /// When the gate applies; `{}` (the default) means always. `null` is refused.
    #[schema(value_type = Option<Object>)]
    pub conditions: Option<Value>,
    /// Required on create and PUT: `{"quorum": ≥ 1, "users": [user ids], "roles": [role UUIDs]}`.
    pub approver_config: Option<ApproverConfigDto>,
    /// Default false: may the requester vote on their own request.
    pub allow_self_approve: Option<bool>,
    /// Organization levels (1, 8, 15) that skip the gate; default `[]`.
    pub bypass_org_membership_levels: Option<Vec<i64>>,
    /// Role UUIDs of this organization whose members skip the gate; default `[]`.
    pub bypass_roles: Option<Vec<String>>,
    /// A Django duration (`"14 00:00:00"`, `"HH:MM:SS"`, seconds, `"P14D"`, `"3 days 04:05:06"`);
    /// default 14 days.
    pub expires_after: Option<String>,
    /// Default true; disabled policies are ignored.
    pub enabled: Option<bool>,
}

/// Approve / reject / cancel body. `reason` is required by reject.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // read by utoipa only
pub struct VoteBody {
    pub reason: Option<String>,
}

/// The reply of approve / reject / cancel (spec §5.3 and §9 item 1: the envelope).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalDecisionDto {
    /// Approve: `applied`, `approved` (also below quorum) or `failed`; then `rejected`, `canceled`.
    pub status: String,
    pub message: String,
    pub change_request: ChangeRequestDto,
    /// `{"resource_id", "resource_version"}`, only when the change was applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
}

impl From<&Outcome<User>> for ApprovalDecisionDto {
    fn from(o: &Outcome<User>) -> Self {
        Self {
            status: o.status.to_string(),
            message: o.message.clone(),
            change_request: ChangeRequestDto::from(&o.view),
            result: o.result.clone(),
        }
    }
}
