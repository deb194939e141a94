//! Fixtures shared by the unit tests.

use serde_json::{Value, json};
use time::macros::datetime;
use uuid::Uuid;

use crate::{ActivityEntry, ActivityRow, UserSummary};

pub(crate) const ENTRY_ID: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0001);
pub(crate) const ORG_ID: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_00aa);
pub(crate) const USER_UUID: Uuid = Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0bbb);

pub(crate) fn detail() -> Value {
    json!({
        "name": "Beta flag",
        "context": {"flag_key": "beta", "rollout": 50},
        "changes": [{"type": "FeatureFlag", "action": "changed", "field": "active", "before": false, "after": true}],
    })
}

/// A project row with a user and a detail.
pub(crate) fn row() -> ActivityRow {
    ActivityRow {
        entry: ActivityEntry {
            id: ENTRY_ID,
            organization_id: Some(ORG_ID),
            team_id: Some(7),
            user_id: Some(3),
            scope: "FeatureFlag".into(),
            activity: "updated".into(),
            item_id: Some("42".into()),
            detail: Some(detail()),
            client: Some("mcp".into()),
            is_system: false,
            was_impersonated: false,
            created_at: datetime!(2024-05-01 10:00:00.123456 UTC),
        },
        user: Some(UserSummary {
            id: 3,
            uuid: USER_UUID,
            email: "ada@example.com".into(),
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
        }),
    }
}

/// An org-level system row: no team, user, item, client or detail.
pub(crate) fn bare_row() -> ActivityRow {
    let mut r = row();
    r.entry.team_id = None;
    r.entry.user_id = None;
    r.entry.item_id = None;
    r.entry.client = None;
    r.entry.detail = None;
    r.entry.is_system = true;
    r.entry.scope = "Organization".into();
    r.user = None;
    r
}
