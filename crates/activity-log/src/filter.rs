//! What a list or export asks for. Parsing and validation live in `query`; SQL-expressible
//! parts are applied by the repository, the rest by [`ActivityFilter::post_matches`].

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ActivityRow;
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
    (
        "User",
        &[
            "created",
            "updated",
            "deleted",
            "scim_provisioned",
            "scim_replaced",
            "scim_updated",
            "scim_deprovisioned",
        ],
    ),
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

impl ActivityFilter {
    /// Whether some filters cannot be expressed in SQL and need [`Self::post_matches`].
    pub fn needs_post_filter(&self) -> bool {
        !self.detail_filters.is_empty() || self.hogql.is_some()
    }

    /// The filters applied after SQL: every detail filter and the HogQL expression. A row
    /// without a detail fails any detail filter.
    pub fn post_matches(&self, row: &ActivityRow) -> bool {
        let detail = row.entry.detail.as_ref().unwrap_or(&Value::Null);
        self.detail_filters.iter().all(|f| f.matches(detail))
            && self.hogql.as_ref().is_none_or(|e| e.eval(row))
    }
}

impl Cursor {
    /// Opaque, URL-safe form: lower-case hex of `<created_at_us>:<uuid>`.
    pub fn encode(&self) -> String {
        hex::encode(format!("{}:{}", self.created_at_us, self.id))
    }

    /// The inverse of [`Self::encode`]; `None` for anything it did not produce.
    pub fn decode(s: &str) -> Option<Cursor> {
        if s.is_empty() || s.len() > 128 {
            return None;
        }
        let bytes = hex::decode(s).ok()?;
        let plain = String::from_utf8(bytes).ok()?;
        let (us, id) = plain.split_once(':')?;
        if us.is_empty() || us.starts_with('+') {
            return None;
        }
        Some(Cursor { created_at_us: us.parse().ok()?, id: Uuid::try_parse(id).ok()? })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::detail_filter::DetailOp;
    use crate::test_support::{bare_row, row};

    fn name_filter(value: &str) -> DetailFilter {
        DetailFilter { path: "name".into(), op: DetailOp::Exact, value: json!(value) }
    }

    #[test]
    fn post_filter_needed_only_for_detail_or_hogql() {
        let mut f =
            ActivityFilter { scopes: vec!["X".into()], search_text: Some("a".into()), ..Default::default() };
        assert!(!f.needs_post_filter());
        f.detail_filters.push(name_filter("Beta flag"));
        assert!(f.needs_post_filter());
        let g =
            ActivityFilter { hogql: Some(crate::hogql::parse("scope = 'x'").unwrap()), ..Default::default() };
        assert!(g.needs_post_filter());
    }

    #[test]
    fn post_matches_requires_every_detail_filter_and_hogql() {
        let r = row();
        assert!(ActivityFilter::default().post_matches(&r));
        let mut f = ActivityFilter { detail_filters: vec![name_filter("Beta flag")], ..Default::default() };
        assert!(f.post_matches(&r));
        f.detail_filters.push(DetailFilter {
            path: "context.flag_key".into(),
            op: DetailOp::Contains,
            value: json!("ET"),
        });
        assert!(f.post_matches(&r));
        f.hogql = Some(crate::hogql::parse("team_id = 7").unwrap());
        assert!(f.post_matches(&r));
        f.hogql = Some(crate::hogql::parse("team_id = 8").unwrap());
        assert!(!f.post_matches(&r));
        f.hogql = None;
        f.detail_filters.push(name_filter("Other"));
        assert!(!f.post_matches(&r));
    }

    #[test]
    fn rows_without_detail_fail_detail_filters() {
        let f = ActivityFilter { detail_filters: vec![name_filter("Beta flag")], ..Default::default() };
        assert!(!f.post_matches(&bare_row()));
        let g = ActivityFilter {
            hogql: Some(crate::hogql::parse("detail.name = null").unwrap()),
            ..Default::default()
        };
        assert!(g.post_matches(&bare_row()));
    }

    #[test]
    fn cursor_round_trips_as_hex() {
        let c = Cursor { created_at_us: 1_714_557_600_123_456, id: crate::test_support::ENTRY_ID };
        let s = c.encode();
        assert!(s.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(&s[..8], "31373134");
        assert_eq!(Cursor::decode(&s), Some(c));
        let negative = Cursor { created_at_us: -5, id: Uuid::nil() };
        assert_eq!(Cursor::decode(&negative.encode()), Some(negative));
    }

    #[test]
    fn cursor_decode_rejects_garbage() {
        for bad in [
            String::new(),
            "abc".into(),
            "zz".into(),
            "é1".into(),
            hex::encode("123"),
            hex::encode("x:00000000-0000-0000-0000-000000000000"),
            hex::encode("12:not-a-uuid"),
            hex::encode(":00000000-0000-0000-0000-000000000000"),
            hex::encode("+1:00000000-0000-0000-0000-000000000000"),
            "a".repeat(130),
        ] {
            assert_eq!(Cursor::decode(&bad), None, "{bad}");
        }
    }
}
