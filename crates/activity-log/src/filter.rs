//! What a list or export asks for. Parsing and validation live in `query`; SQL-expressible
//! parts are applied by the repository, the rest by [`ActivityFilter::post_matches`].

use time::OffsetDateTime;
use uuid::Uuid;

use crate::detail_filter::DetailFilter;
use crate::hogql::Expr;

/// The rows an endpoint starts from, before filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// A project's rows (`team_id = id`); with `include_org_level`, also its organization's
    /// rows that have no team.
    Team { team_id: i64, organization_id: Uuid, include_org_level: bool },
    /// Every row of the organization (all projects and org-level rows).
    Organization(Uuid),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// `-created_at` (the default), `id` descending as tie-break.
    #[default]
    NewestFirst,
    /// `created_at`, `id` ascending.
    OldestFirst,
}

/// Keyset position: the last row returned (`created_at` in microseconds, `id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at_us: i64,
    pub id: Uuid,
}

/// Filters combine with AND; values inside one list combine with OR. Empty lists and
/// `None` mean "no filter".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityFilter {
    pub activities: Vec<String>,
    pub clients: Vec<String>,
    pub item_ids: Vec<String>,
    pub scopes: Vec<String>,
    pub users: Vec<Uuid>,
    pub team_ids: Vec<i64>,
    /// `created_at >= start_date`.
    pub start_date: Option<OffsetDateTime>,
    /// `created_at <= end_date` (inclusive).
    pub end_date: Option<OffsetDateTime>,
    /// Case-insensitive substring of the whole detail JSON text (keys included).
    pub search_text: Option<String>,
    pub was_impersonated: Option<bool>,
    pub is_system: Option<bool>,
    pub detail_filters: Vec<DetailFilter>,
    pub hogql: Option<Expr>,
}

/// (scope, activities) pairs never shown on these endpoints (spec 6.1 visibility rules).
/// `User` `logged_in`/`logged_out` are hidden only when impersonated; see [`is_hidden`].
pub const HIDDEN: &[(&str, &[&str])] = &[
    ("User", &["created", "updated", "deleted", "scim_provisioned", "scim_replaced", "scim_updated", "scim_deprovisioned"]),
    ("Team", &["email_sending_suspended", "email_sending_unsuspended"]),
    ("Role", &["scim_provisioned", "scim_replaced", "scim_updated", "scim_deprovisioned"]),
    ("InstanceSetting", &["updated"]),
    ("AIGatewayCredit", &["credit_added"]),
    ("Ticket", &["commented", "created task"]),
    ("conversations_ticket", &["commented", "created task"]),
];

/// Whether the visibility rules hide a row.
pub fn is_hidden(scope: &str, activity: &str, was_impersonated: bool) -> bool {
    if scope == "User" && was_impersonated && (activity == "logged_in" || activity == "logged_out") {
        return true;
    }
    HIDDEN.iter().any(|(s, acts)| *s == scope && acts.contains(&activity))
}
