use crate::{ActivityEntry, ActivityError, ActivityFilter, ActivityRow, Base, Cursor, Order, UserSummary};

pub type Result<T> = std::result::Result<T, ActivityError>;

/// Distinct values that occur in a base set (for `available_filters`), each sorted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StaticValues {
    pub users: Vec<UserSummary>,
    pub scopes: Vec<String>,
    pub activities: Vec<String>,
    pub clients: Vec<String>,
}

/// Storage of activity entries. Every method applies the visibility rules
/// ([`crate::filter::is_hidden`]) and, where it takes a filter, every part of it: the
/// SQL-expressible fields in SQL, then [`ActivityFilter::post_matches`] for detail filters
/// and HogQL.
pub trait ActivityRepo: Send + Sync {
    /// Entries written by something other than a platform mutation (background jobs);
    /// mutations write theirs in their own transaction.
    fn insert(&self, entries: &[ActivityEntry]) -> Result<()>;
    /// Page-number mode: page `page` (from 1) of `page_size`, and the total count.
    fn page(
        &self,
        base: &Base,
        filter: &ActivityFilter,
        order: Order,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<ActivityRow>, i64)>;
    /// Cursor mode: up to `limit` rows after `after` in `order`.
    fn after(
        &self,
        base: &Base,
        filter: &ActivityFilter,
        order: Order,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<ActivityRow>>;
    /// Every matching row in order, fetched in batches (exports); returns the row count.
    fn for_each(
        &self,
        base: &Base,
        filter: &ActivityFilter,
        order: Order,
        f: &mut dyn FnMut(ActivityRow) -> Result<()>,
    ) -> Result<u64>;
    fn static_values(&self, base: &Base) -> Result<StaticValues>;
    /// (scope, detail) of up to `limit` of the organization's newest rows that have a detail.
    fn org_details(
        &self,
        organization_id: uuid::Uuid,
        limit: u32,
    ) -> Result<Vec<(String, serde_json::Value)>>;
}
