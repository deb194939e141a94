//! The SQL side of a list: base set, visibility rules and every SQL-expressible filter as
//! boxed diesel conditions, keyset batches, counts, and a k-way merge of the base set's
//! segments.
//!
//! A base set is one or two disjoint *segments*, each with its own index: a project's
//! rows (`team_id = X`, index `(team_id, created_at, id)`) and, with `include_org_level`,
//! its organization's rows without a project (`team_id IS NULL AND organization_id = O`,
//! partial index). `A OR B` in one query would have to sort the whole base set for every
//! page; two keyset queries merged in Rust read only what a page needs.

use std::collections::VecDeque;

use ::activity_log::filter::HIDDEN;
use ::activity_log::{ActivityError, ActivityFilter, Base, Cursor, Order};
use diesel::dsl::{count_star, not, sql};
use diesel::helper_types::LeftJoinQuerySource;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use super::{ActivityLogRow, Keyed, UserBrief, ceil_us, decode, storage};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::{to_us, uuid_text};
use crate::schema::{activity_log as al, users};

type Result<T> = std::result::Result<T, ActivityError>;

/// Rows per keyset batch when walking (post filters, exports, deep pages).
pub(crate) const BATCH: i64 = 500;

type Source = LeftJoinQuerySource<al::table, users::table>;
/// One `WHERE` term over `activity_log LEFT JOIN users`.
type Cond = Box<dyn BoxableExpression<Source, MultiBackend, SqlType = Nullable<Bool>>>;

diesel::define_sql_function! {
    /// SQLite's `lower` (folds ASCII only).
    fn lower(x: Nullable<Text>) -> Nullable<Text>;
}

/// A disjoint part of a base set, listed by its own index.
#[derive(Debug, Clone)]
pub(crate) enum Segment {
    Team(i64),
    /// The organization's rows that belong to no project.
    OrgLevel(String),
    Organization(String),
}

impl Segment {
    fn cond(&self) -> Cond {
        match self {
            Segment::Team(t) => Box::new(al::team_id.eq(*t)),
            Segment::OrgLevel(o) => Box::new(al::team_id.is_null().and(al::organization_id.eq(o.clone()))),
            Segment::Organization(o) => Box::new(al::organization_id.eq(o.clone())),
        }
    }
}

pub(crate) fn segments(base: &Base) -> Vec<Segment> {
    match base {
        Base::Team { team_id, organization_id, include_org_level } => {
            let mut s = vec![Segment::Team(*team_id)];
            if *include_org_level {
                s.push(Segment::OrgLevel(uuid_text(*organization_id)));
            }
            s
        }
        Base::Organization(o) => vec![Segment::Organization(uuid_text(*o))],
    }
}

/// The whole base set as one condition (for unordered aggregates).
fn any_of(segments: &[Segment]) -> Cond {
    let mut iter = segments.iter();
    let first =
        iter.next().map_or_else(|| Box::new(false.into_sql::<Bool>().nullable()) as Cond, Segment::cond);
    iter.fold(first, |acc, s| Box::new(acc.or(s.cond())))
}

/// `NOT (...)` for every pair of [`HIDDEN`], and for impersonated `User` log-ins and
/// log-outs: the SQL form of [`activity_log::filter::is_hidden`].
fn visibility() -> Vec<Cond> {
    let mut out: Vec<Cond> = HIDDEN
        .iter()
        .map(|(scope, activities)| {
            Box::new(
                not(al::scope.eq(*scope).and(al::activity.eq_any(activities.iter().copied()))).nullable(),
            ) as Cond
        })
        .collect();
    out.push(Box::new(
        not(al::scope
            .eq("User")
            .and(al::was_impersonated.eq(true))
            .and(al::activity.eq_any(["logged_in", "logged_out"])))
        .nullable(),
    ));
    out
}

/// `%`, `_` and `\` match themselves (`ESCAPE '\'`).
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for ch in s.chars() {
        if matches!(ch, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Case-insensitive substring of the detail text: `ILIKE` on PostgreSQL; on SQLite
/// `lower(detail) LIKE lower(pattern)`, which folds ASCII letters only.
fn search(conn: &AnyConnection, text: &str) -> Cond {
    let pattern = format!("%{}%", like_escape(text));
    match conn {
        AnyConnection::Postgresql(_) => Box::new(
            sql::<Nullable<Bool>>("\"activity_log\".\"detail\" ILIKE ")
                .bind::<Text, _>(pattern)
                .sql(" ESCAPE '\\'"),
        ),
        AnyConnection::Sqlite(_) => Box::new(lower(al::detail).like(lower(pattern)).escape('\\')),
    }
}

/// Every SQL-expressible part of `filter` (AND), plus the visibility rules.
fn filter_conds(conn: &AnyConnection, f: &ActivityFilter) -> Vec<Cond> {
    let mut c = visibility();
    if !f.activities.is_empty() {
        c.push(Box::new(al::activity.eq_any(f.activities.clone()).nullable()));
    }
    if !f.clients.is_empty() {
        c.push(Box::new(al::client.eq_any(f.clients.clone())));
    }
    if !f.item_ids.is_empty() {
        c.push(Box::new(al::item_id.eq_any(f.item_ids.clone())));
    }
    if !f.scopes.is_empty() {
        c.push(Box::new(al::scope.eq_any(f.scopes.clone()).nullable()));
    }
    if !f.users.is_empty() {
        let uuids: Vec<String> = f.users.iter().copied().map(uuid_text).collect();
        c.push(Box::new(users::uuid.eq_any(uuids).nullable()));
    }
    if !f.team_ids.is_empty() {
        c.push(Box::new(al::team_id.eq_any(f.team_ids.clone())));
    }
    if let Some(t) = f.start_date {
        c.push(Box::new(al::created_at.ge(ceil_us(t)).nullable()));
    }
    if let Some(t) = f.end_date {
        // Rows are whole microseconds: `created_at <= t` is `created_at <= floor(t)`.
        c.push(Box::new(al::created_at.le(to_us(t)).nullable()));
    }
    if let Some(text) = f.search_text.as_deref().filter(|t| !t.is_empty()) {
        c.push(search(conn, text));
    }
    if let Some(b) = f.was_impersonated {
        c.push(Box::new(al::was_impersonated.eq(b).nullable()));
    }
    if let Some(b) = f.is_system {
        c.push(Box::new(al::is_system.eq(b).nullable()));
    }
    c
}

/// Rows strictly after the cursor in `order`. The redundant `created_at <=`/`>=` bound
/// lets both databases start the index scan at the cursor instead of filtering from the
/// first row.
fn after(c: Cursor, order: Order) -> Cond {
    let (at, id) = (c.created_at_us, uuid_text(c.id));
    match order {
        Order::NewestFirst => {
            Box::new(al::created_at.le(at).and(al::created_at.lt(at).or(al::id.lt(id))).nullable())
        }
        Order::OldestFirst => {
            Box::new(al::created_at.ge(at).and(al::created_at.gt(at).or(al::id.gt(id))).nullable())
        }
    }
}

/// A list request, SQL side.
pub(crate) struct Query<'a> {
    pub filter: &'a ActivityFilter,
    pub order: Order,
}

impl Query<'_> {
    /// Up to `limit` rows of one segment after `cursor`, skipping `offset`.
    pub(crate) fn load(
        &self,
        conn: &mut AnyConnection,
        segment: &Segment,
        cursor: Option<Cursor>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Keyed>> {
        let mut q = al::table
            .left_join(users::table)
            .select((ActivityLogRow::as_select(), Option::<UserBrief>::as_select()))
            .into_boxed::<MultiBackend>()
            .filter(segment.cond());
        for c in filter_conds(conn, self.filter) {
            q = q.filter(c);
        }
        if let Some(c) = cursor {
            q = q.filter(after(c, self.order));
        }
        q = match self.order {
            Order::NewestFirst => q.order_by((al::created_at.desc(), al::id.desc())),
            Order::OldestFirst => q.order_by((al::created_at.asc(), al::id.asc())),
        };
        q = q.limit(limit);
        if offset > 0 {
            q = q.offset(offset);
        }
        let rows: Vec<(ActivityLogRow, Option<UserBrief>)> = q.load(conn).map_err(storage)?;
        rows.into_iter().map(|(r, u)| decode(r, u)).collect()
    }

    /// Rows of one segment that pass the SQL filters.
    pub(crate) fn count(&self, conn: &mut AnyConnection, segment: &Segment) -> Result<i64> {
        let mut q = al::table
            .left_join(users::table)
            .select(count_star())
            .into_boxed::<MultiBackend>()
            .filter(segment.cond());
        for c in filter_conds(conn, self.filter) {
            q = q.filter(c);
        }
        q.get_result(conn).map_err(storage)
    }

    /// Walks the segments merged in order, `batch` rows per query and segment, after
    /// `cursor`; `visit` returns whether to go on. Memory stays within one batch per
    /// segment.
    pub(crate) fn walk(
        &self,
        conn: &mut AnyConnection,
        segments: &[Segment],
        cursor: Option<Cursor>,
        batch: i64,
        visit: &mut dyn FnMut(Keyed) -> Result<bool>,
    ) -> Result<()> {
        struct Stream<'s> {
            segment: &'s Segment,
            cursor: Option<Cursor>,
            buf: VecDeque<Keyed>,
            done: bool,
        }
        let batch = batch.max(1);
        let mut streams: Vec<Stream<'_>> = segments
            .iter()
            .map(|segment| Stream { segment, cursor, buf: VecDeque::new(), done: false })
            .collect();
        loop {
            for s in streams.iter_mut().filter(|s| s.buf.is_empty() && !s.done) {
                let rows = self.load(conn, s.segment, s.cursor, batch, 0)?;
                s.done = (rows.len() as i64) < batch;
                if let Some(last) = rows.last() {
                    s.cursor = Some(Cursor { created_at_us: last.key.0, id: last.key.1 });
                }
                s.buf.extend(rows);
            }
            // Every stream is now either non-empty or exhausted: the best head is next.
            let mut best: Option<usize> = None;
            for (i, s) in streams.iter().enumerate() {
                let Some(head) = s.buf.front() else { continue };
                let better = match best.and_then(|b| streams[b].buf.front()) {
                    None => true,
                    Some(cur) => match self.order {
                        Order::NewestFirst => head.key > cur.key,
                        Order::OldestFirst => head.key < cur.key,
                    },
                };
                if better {
                    best = Some(i);
                }
            }
            let Some(b) = best else { return Ok(()) };
            let Some(row) = streams[b].buf.pop_front() else { return Ok(()) };
            if !visit(row)? {
                return Ok(());
            }
        }
    }
}

/// Distinct values of the base set after the visibility rules.
pub(crate) mod distinct {
    use super::*;

    fn conds(segments: &[Segment]) -> Vec<Cond> {
        let mut c = visibility();
        c.push(any_of(segments));
        c
    }

    /// The users who made visible rows (deleted users' rows have no `user_id`).
    pub(crate) fn users(conn: &mut AnyConnection, segments: &[Segment]) -> Result<Vec<UserBrief>> {
        let mut q = al::table
            .left_join(users::table)
            .select(al::user_id)
            .filter(al::user_id.is_not_null())
            .distinct()
            .into_boxed::<MultiBackend>();
        for c in conds(segments) {
            q = q.filter(c);
        }
        let ids: Vec<Option<i64>> = q.load(conn).map_err(storage)?;
        let ids: Vec<i64> = ids.into_iter().flatten().collect();
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1000) {
            let found: Vec<UserBrief> = users::table
                .filter(users::id.eq_any(chunk))
                .select(UserBrief::as_select())
                .load(conn)
                .map_err(storage)?;
            out.extend(found);
        }
        Ok(out)
    }

    macro_rules! distinct_text {
        ($name:ident, $column:expr) => {
            pub(crate) fn $name(conn: &mut AnyConnection, segments: &[Segment]) -> Result<Vec<String>> {
                let mut q = al::table
                    .left_join(users::table)
                    .select($column.nullable())
                    .filter($column.is_not_null())
                    .distinct()
                    .into_boxed::<MultiBackend>();
                for c in conds(segments) {
                    q = q.filter(c);
                }
                let values: Vec<Option<String>> = q.load(conn).map_err(storage)?;
                let mut values: Vec<String> = values.into_iter().flatten().collect();
                // Sorted here, by bytes, so both backends agree whatever their collation.
                values.sort();
                Ok(values)
            }
        };
    }

    distinct_text!(scopes, al::scope);
    distinct_text!(activities, al::activity);
    distinct_text!(clients, al::client);

    /// (scope, detail text) of the organization's newest visible rows with a detail.
    pub(crate) fn org_details(
        conn: &mut AnyConnection,
        organization_id: String,
        limit: i64,
    ) -> Result<Vec<(String, String)>> {
        let mut q = al::table
            .left_join(users::table)
            .select((al::scope, al::detail))
            .filter(al::organization_id.eq(organization_id))
            .filter(al::detail.is_not_null())
            .into_boxed::<MultiBackend>();
        for c in visibility() {
            q = q.filter(c);
        }
        let rows: Vec<(String, Option<String>)> =
            q.order_by((al::created_at.desc(), al::id.desc())).limit(limit).load(conn).map_err(storage)?;
        Ok(rows.into_iter().filter_map(|(s, d)| d.map(|d| (s, d))).collect())
    }
}
