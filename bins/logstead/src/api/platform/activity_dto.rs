//! Response shapes of the advanced activity log endpoints.

use std::collections::BTreeMap;

use activity_log::fields::{FieldInfo, discover};
use activity_log::{ActivityRow, StaticValues};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::dto::{UserBasic, iso};

/// An activity log entry as PostHog shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: Uuid,
    pub user: Option<UserBasic>,
    /// Always false here: these endpoints have no notification bookmark.
    pub unread: bool,
    pub organization_id: Option<Uuid>,
    pub team_id: Option<i64>,
    pub was_impersonated: bool,
    pub is_system: bool,
    pub client: Option<String>,
    pub activity: String,
    pub item_id: Option<String>,
    pub scope: String,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<Value>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<ActivityRow> for ActivityDto {
    fn from(r: ActivityRow) -> Self {
        let e = r.entry;
        Self {
            id: e.id,
            user: r.user.map(|u| UserBasic {
                id: u.id,
                uuid: u.uuid,
                distinct_id: u.uuid.to_string(),
                first_name: u.first_name,
                last_name: u.last_name,
                email: u.email,
                is_email_verified: None,
                hedgehog_config: None,
                role_at_organization: None,
            }),
            unread: false,
            organization_id: e.organization_id,
            team_id: e.team_id,
            was_impersonated: e.was_impersonated,
            is_system: e.is_system,
            client: e.client,
            activity: e.activity,
            item_id: e.item_id,
            scope: e.scope,
            detail: e.detail,
            created_at: e.created_at,
        }
    }
}

/// What the activity log can be filtered by (spec 6.2).
#[derive(Debug, Serialize, ToSchema)]
pub struct AvailableFilters {
    pub static_filters: StaticFilters,
    /// Per scope (`FeatureFlag`, ..., and `General` for `changes[]`), every JSON path seen
    /// in the details of the organization's newest entries.
    pub detail_fields: BTreeMap<String, DetailFields>,
}

/// The distinct values found in the entries the caller can read.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaticFilters {
    pub users: Vec<UserOption>,
    pub scopes: Vec<FilterOption>,
    pub activities: Vec<FilterOption>,
    pub clients: Vec<FilterOption>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserOption {
    /// The user's uuid.
    pub value: Uuid,
    /// "First Last", else the email.
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilterOption {
    pub value: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DetailFields {
    /// Sorted by name.
    pub fields: Vec<DetailField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DetailField {
    /// `name`, `context.flag_key`, `changes[].after`, ...
    pub name: String,
    /// `null`, `boolean`, `number`, `string`, `array`, `object`, or `any`.
    pub types: Vec<String>,
}

impl AvailableFilters {
    pub fn new(values: StaticValues, details: &[(String, Value)]) -> Self {
        let list = |v: Vec<String>| v.into_iter().map(|value| FilterOption { value }).collect();
        let users = values.users.iter().map(|u| UserOption { value: u.uuid, label: u.label() }).collect();
        let field = |f: FieldInfo| DetailField { name: f.name, types: f.types };
        let detail_fields = discover(details)
            .into_iter()
            .map(|(scope, fields)| (scope, DetailFields { fields: fields.into_iter().map(field).collect() }))
            .collect();
        Self {
            static_filters: StaticFilters {
                users,
                scopes: list(values.scopes),
                activities: list(values.activities),
                clients: list(values.clients),
            },
            detail_fields,
        }
    }
}
