//! The entry that records one change by one author. Every domain crate that writes activity
//! (orgs, alerts-engine, ...) builds its entries here, so none has to depend on another's
//! service layer to audit (see docs/decisions/0006-service-layers.md).

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::diff::{changes, created, deleted};
use crate::{ActivityEntry, Client, Detail};

/// Who made the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Author {
    pub user_id: i64,
    pub client: Client,
}

/// Where an entry belongs: organization rows have no team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub org: Option<Uuid>,
    pub team: Option<i64>,
}

/// What changed, in the detail's terms.
#[derive(Debug, Clone)]
pub enum What {
    Created(Value),
    Updated(Value, Value),
    Deleted(Value),
}

/// The entry, or None for an update that changed nothing (not recorded).
pub fn entry(
    author: impl Into<Author>,
    place: impl Into<Place>,
    scope: &str,
    item_id: String,
    name: &str,
    what: What,
    now: OffsetDateTime,
) -> Option<ActivityEntry> {
    let (activity, changes) = match what {
        What::Created(after) => ("created", created(scope, &after)),
        What::Deleted(before) => ("deleted", deleted(scope, &before)),
        What::Updated(before, after) => ("updated", changes(scope, &before, &after)),
    };
    if activity == "updated" && changes.is_empty() {
        return None;
    }
    let (author, place) = (author.into(), place.into());
    let detail = Detail { name: Some(name.to_string()), changes, ..Detail::default() };
    Some(ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: place.org,
        team_id: place.team,
        user_id: Some(author.user_id),
        scope: scope.to_string(),
        activity: activity.to_string(),
        item_id: Some(item_id),
        detail: Some(detail.into_value()),
        client: Some(author.client.as_str().to_string()),
        is_system: author.client == Client::System,
        was_impersonated: false,
        created_at: now,
    })
}

/// `Some(e)` → `[e]`, `None` → `[]`.
pub fn one(e: Option<ActivityEntry>) -> Vec<ActivityEntry> {
    e.into_iter().collect()
}

/// Who acts, and in which project (`team`) of which organization: what every
/// project-scoped use case needs to authorize nothing more and to audit its change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub author: Author,
    pub org: Option<Uuid>,
    pub team: i64,
}

impl Caller {
    /// The entries recording `what` on the item (`[]` for an update that changed nothing).
    pub fn audit(
        &self,
        scope: &str,
        item_id: String,
        name: &str,
        what: What,
        now: OffsetDateTime,
    ) -> Vec<ActivityEntry> {
        let place = Place { org: self.org, team: Some(self.team) };
        one(entry(self.author, place, scope, item_id, name, what, now))
    }
}

/// Failure of the user directory (a storage error in the embedding service).
pub type DirectoryError = Box<dyn std::error::Error + Send + Sync>;

/// Users as the embedding service knows them: domain objects name their creator by id,
/// and responses show the user (`User`, whatever the service renders).
pub trait Users: Send + Sync {
    type User: Clone;
    fn user(&self, id: i64) -> Result<Option<Self::User>, DirectoryError>;
    fn user_id_by_uuid(&self, uuid: Uuid) -> Result<Option<i64>, DirectoryError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn author() -> Author {
        Author { user_id: 7, client: Client::ApiKey }
    }

    #[test]
    fn an_update_that_changes_nothing_is_not_recorded() {
        let same = What::Updated(json!({"a": 1}), json!({"a": 1}));
        let place = Place { org: None, team: Some(1) };
        assert!(entry(author(), place, "Thing", "1".into(), "n", same, OffsetDateTime::UNIX_EPOCH).is_none());
    }

    #[test]
    fn entries_carry_author_place_and_verb() {
        let org = Uuid::now_v7();
        let place = Place { org: Some(org), team: Some(3) };
        let what = What::Created(json!({"name": "x"}));
        let e = entry(author(), place, "Thing", "9".into(), "x", what, OffsetDateTime::UNIX_EPOCH);
        let e = e.unwrap_or_else(|| panic!("created is always recorded"));
        assert_eq!((e.organization_id, e.team_id, e.user_id), (Some(org), Some(3), Some(7)));
        assert_eq!(
            (e.activity.as_str(), e.client.as_deref(), e.is_system),
            ("created", Some("api_key"), false)
        );
    }
}
