//! `ActivityRepo for SqlStore`.
//!
//! Without detail filters or HogQL everything happens in SQL: page mode is `COUNT(*)` and
//! `LIMIT/OFFSET`, cursor mode one keyset query per segment. With them
//! ([`ActivityFilter::needs_post_filter`]) the SQL-filtered candidates are walked in
//! keyset batches of [`BATCH`] and [`ActivityFilter::post_matches`] decides, so page mode
//! counts exactly and cursor mode fills its `limit`.

use ::activity_log::{
    ActivityEntry, ActivityError, ActivityFilter, ActivityRepo, ActivityRow, Base, Cursor, Order,
    StaticValues,
};
use diesel::Connection;

use super::query::{BATCH, Query, distinct, segments};
use super::{UserBrief, insert_activity, parse_json, storage};
use crate::db::DbConn;
use crate::rows::uuid_text;
use crate::store::SqlStore;

type Result<T> = std::result::Result<T, ActivityError>;

impl SqlStore {
    fn activity_conn(&self) -> Result<DbConn> {
        self.pool().get().map_err(|e| ActivityError::Storage(format!("database pool: {e}")))
    }
}

impl ActivityRepo for SqlStore {
    fn insert(&self, entries: &[ActivityEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut conn = self.activity_conn()?;
        conn.transaction(|c| insert_activity(c, entries)).map_err(storage)
    }

    fn page(
        &self,
        base: &Base,
        filter: &ActivityFilter,
        order: Order,
        page: u32,
        page_size: u32,
    ) -> Result<(Vec<ActivityRow>, i64)> {
        // Pages count from 1 (DRF: a page below 1 is an invalid page too).
        if page == 0 {
            return Err(ActivityError::InvalidPage);
        }
        let offset = i64::from(page - 1) * i64::from(page_size);
        let limit = i64::from(page_size);
        let past_end = |count: i64| page > 1 && offset >= count;
        let segments = segments(base);
        let q = Query { filter, order };
        let mut conn = self.activity_conn()?;

        if filter.needs_post_filter() {
            // Every candidate is looked at: the count has to be exact.
            let (mut rows, mut count) = (Vec::new(), 0i64);
            q.walk(&mut conn, &segments, None, BATCH, &mut |k| {
                if filter.post_matches(&k.row) {
                    if count >= offset && count < offset + limit {
                        rows.push(k.row);
                    }
                    count += 1;
                }
                Ok(true)
            })?;
            return if past_end(count) { Err(ActivityError::InvalidPage) } else { Ok((rows, count)) };
        }

        let mut count = 0;
        for s in &segments {
            count += q.count(&mut conn, s)?;
        }
        if past_end(count) {
            return Err(ActivityError::InvalidPage);
        }
        let rows = match segments.as_slice() {
            [one] => q.load(&mut conn, one, None, limit, offset)?.into_iter().map(|k| k.row).collect(),
            _ => {
                // Merged segments: walk to the page (cheap for the first pages, which are
                // what lists ask for).
                let (mut rows, mut seen) = (Vec::new(), 0i64);
                if limit > 0 {
                    let batch = (offset + limit).min(BATCH);
                    q.walk(&mut conn, &segments, None, batch, &mut |k| {
                        if seen >= offset {
                            rows.push(k.row);
                        }
                        seen += 1;
                        Ok(seen < offset + limit)
                    })?;
                }
                rows
            }
        };
        Ok((rows, count))
    }

    fn after(
        &self,
        base: &Base,
        filter: &ActivityFilter,
        order: Order,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<ActivityRow>> {
        let limit = i64::from(limit);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let post = filter.needs_post_filter();
        let segments = segments(base);
        let q = Query { filter, order };
        let mut conn = self.activity_conn()?;
        let mut rows = Vec::new();
        // Without a post filter one query per segment of exactly `limit` rows suffices.
        let batch = if post { BATCH } else { limit };
        q.walk(&mut conn, &segments, after, batch, &mut |k| {
            if !post || filter.post_matches(&k.row) {
                rows.push(k.row);
            }
            Ok((rows.len() as i64) < limit)
        })?;
        Ok(rows)
    }

    fn for_each(
        &self,
        base: &Base,
        filter: &ActivityFilter,
        order: Order,
        f: &mut dyn FnMut(ActivityRow) -> Result<()>,
    ) -> Result<u64> {
        let post = filter.needs_post_filter();
        let segments = segments(base);
        let q = Query { filter, order };
        let mut conn = self.activity_conn()?;
        let mut n = 0u64;
        q.walk(&mut conn, &segments, None, BATCH, &mut |k| {
            if !post || filter.post_matches(&k.row) {
                f(k.row)?;
                n += 1;
            }
            Ok(true)
        })?;
        Ok(n)
    }

    fn static_values(&self, base: &Base) -> Result<StaticValues> {
        let segments = segments(base);
        let mut conn = self.activity_conn()?;
        let values = distinct::values(&mut conn, &segments)?;
        let mut users = distinct::users(&mut conn, &values.user_ids)?
            .into_iter()
            .map(UserBrief::into_summary)
            .collect::<Result<Vec<_>>>()?;
        // By label, ignoring case, as a picker lists them.
        users.sort_by_cached_key(|u| (u.label().to_lowercase(), u.email.clone(), u.id));
        Ok(StaticValues {
            users,
            scopes: values.scopes,
            activities: values.activities,
            clients: values.clients,
        })
    }

    fn org_details(
        &self,
        organization_id: uuid::Uuid,
        limit: u32,
    ) -> Result<Vec<(String, serde_json::Value)>> {
        let mut conn = self.activity_conn()?;
        distinct::org_details(&mut conn, uuid_text(organization_id), i64::from(limit))?
            .into_iter()
            .map(|(scope, detail)| Ok((scope, parse_json(&detail, "activity_log.detail")?)))
            .collect()
    }
}
