use activity_log::ActivityRow;
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
