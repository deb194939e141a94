//! The SQL side of a list: base set, visibility rules and every SQL-expressible filter as
//! boxed diesel conditions, keyset batches, counts, and a k-way merge of the base set's
//! segments.
//!
//! A base set is one or two disjoint *segments*, each with its own index: a project's
//! rows (`team_id = X`, index `(team_id, created_at, id)`) and, with `include_org_level`,
//! its organization's rows without a project (`team_id IS NULL AND organization_id = O`,
//! partial index). `A OR B` in one query would have to sort the whole base set for every
//! page; two keyset queries merged in Rust read only what a page needs.

use std::collections::{BTreeSet, HashMap, VecDeque};

use ::activity_log::filter::{HIDDEN, is_hidden};
use ::activity_log::{ActivityError, ActivityFilter, Base, Cursor, Order};
use diesel::dsl::{count_star, not, sql};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Nullable, Text};

use super::{ActivityLogRow, Keyed, UserBrief, ceil_us, decode, storage};
use crate::db::{AnyConnection, MultiBackend};
use crate::rows::{to_us, uuid_text};
use crate::schema::{activity_log as al, users};

type Result<T> = std::result::Result<T, ActivityError>;

/// Rows per keyset batch when walking (post filters, exports, deep pages).
pub(crate) const BATCH: i64 = 500;

/// One `WHERE` term over `activity_log`. (No join: SQLite would not drop an unused
/// LEFT JOIN from a count, which then costs a lookup per row.)
type Cond = Box<dyn BoxableExpression<al::table, MultiBackend, SqlType = Nullable<Bool>>>;

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

/// One term per pair of [`HIDDEN`], plus impersonated `User` log-ins and log-outs: a row
/// is hidden when any holds. The SQL form of [`activity_log::filter::is_hidden`].
fn hidden_terms() -> Vec<Cond> {
    let mut out: Vec<Cond> = HIDDEN
        .iter()
        .map(|(scope, activities)| {
            Box::new(al::scope.eq(*scope).and(al::activity.eq_any(activities.iter().copied())).nullable())
                as Cond
        })
        .collect();
    out.push(Box::new(
        al::scope
            .eq("User")
            .and(al::was_impersonated.eq(true))
            .and(al::activity.eq_any(["logged_in", "logged_out"]))
            .nullable(),
    ));
    out
}

/// The visibility rules: `NOT (...)` of every hidden term.
fn visibility() -> Vec<Cond> {
    hidden_terms().into_iter().map(|t| Box::new(not(t)) as Cond).collect()
}

/// Rows the visibility rules hide, led by `scope IN (...)` so that the scope indexes find
/// them without reading the other rows.
fn hidden() -> Cond {
    let mut scopes: Vec<&'static str> = HIDDEN.iter().map(|(s, _)| *s).collect();
    scopes.push("User");
    scopes.sort_unstable();
    scopes.dedup();
    let mut terms = hidden_terms().into_iter();
    let first = terms.next().unwrap_or_else(|| Box::new(false.into_sql::<Bool>().nullable()));
    let any = terms.fold(first, |acc, t| Box::new(acc.or(t)) as Cond);
    Box::new(al::scope.eq_any(scopes).nullable().and(any))
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

/// Case-insensitive substring of the detail text. PostgreSQL: `ILIKE`, served by the
/// trigram index where pg_trgm is installed. SQLite: the FTS5 trigram index when the text
/// has at least 3 characters and no LIKE wildcards (FTS5 has no `ESCAPE`), else
/// `lower(detail) LIKE lower(pattern)`, which folds ASCII letters only.
fn search(conn: &AnyConnection, text: &str) -> Cond {
    let pattern = format!("%{}%", like_escape(text));
    match conn {
        AnyConnection::Postgresql(_) => Box::new(
            sql::<Nullable<Bool>>("\"activity_log\".\"detail\" ILIKE ")
                .bind::<Text, _>(pattern)
                .sql(" ESCAPE '\\'"),
        ),
        AnyConnection::Sqlite(_) if text.chars().count() >= 3 && !text.contains(['%', '_', '\\']) => {
            Box::new(
                sql::<Nullable<Bool>>(
                    "\"activity_log\".\"id\" IN (SELECT id FROM activity_log_search WHERE detail LIKE ",
                )
                .bind::<Text, _>(format!("%{text}%"))
                .sql(")"),
            )
        }
        AnyConnection::Sqlite(_) => Box::new(lower(al::detail).like(lower(pattern)).escape('\\')),
    }
}

/// Every SQL-expressible part of `filter` (AND).
fn filter_conds(conn: &AnyConnection, f: &ActivityFilter) -> Vec<Cond> {
    let mut c: Vec<Cond> = Vec::new();
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
        let ids = users::table.filter(users::uuid.eq_any(uuids)).select(users::id.nullable());
        c.push(Box::new(al::user_id.eq_any(ids)));
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
        let mut q =
            al::table.select(ActivityLogRow::as_select()).into_boxed::<MultiBackend>().filter(segment.cond());
        for c in visibility().into_iter().chain(filter_conds(conn, self.filter)) {
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
        let rows: Vec<ActivityLogRow> = q.load(conn).map_err(storage)?;
        with_users(conn, rows)
    }

    /// Visible rows of one segment that pass the SQL filters, counted as all that pass
    /// them minus the hidden ones: without filters the first count reads only an index
    /// (the visibility rules need the row), and the hidden rows are found by scope.
    pub(crate) fn count(&self, conn: &mut AnyConnection, segment: &Segment) -> Result<i64> {
        let all = self.count_where(conn, segment, None)?;
        let hidden = self.count_where(conn, segment, Some(hidden()))?;
        Ok(all - hidden)
    }

    fn count_where(&self, conn: &mut AnyConnection, segment: &Segment, extra: Option<Cond>) -> Result<i64> {
        let mut q = al::table.select(count_star()).into_boxed::<MultiBackend>().filter(segment.cond());
        for c in filter_conds(conn, self.filter).into_iter().chain(extra) {
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

/// The users with these ids (ids of deleted users are skipped).
fn users_by_id(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<UserBrief>> {
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

/// Decodes rows and attaches their users, read in one query.
fn with_users(conn: &mut AnyConnection, rows: Vec<ActivityLogRow>) -> Result<Vec<Keyed>> {
    let mut ids: Vec<i64> = rows.iter().filter_map(|r| r.user_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let users: HashMap<i64, UserBrief> = users_by_id(conn, &ids)?.into_iter().map(|u| (u.id, u)).collect();
    rows.into_iter()
        .map(|r| {
            let user = r.user_id.and_then(|id| users.get(&id)).cloned();
            decode(r, user)
        })
        .collect()
}

/// Distinct values of the base set after the visibility rules.
pub(crate) mod distinct {
    use super::*;

    /// Distinct values of the visible rows, from one scan of the base set.
    pub(crate) struct Values {
        pub user_ids: Vec<i64>,
        pub scopes: Vec<String>,
        pub activities: Vec<String>,
        pub clients: Vec<String>,
    }

    /// One `SELECT DISTINCT scope, activity, was_impersonated, client, user_id` over the
    /// base set; [`is_hidden`] then drops hidden combinations. (A query per column with
    /// the rules in SQL reads every row of the base set four times.)
    pub(crate) fn values(conn: &mut AnyConnection, segments: &[Segment]) -> Result<Values> {
        type Combo = (String, String, bool, Option<String>, Option<i64>);
        let combos: Vec<Combo> = al::table
            .select((al::scope, al::activity, al::was_impersonated, al::client, al::user_id))
            .distinct()
            .into_boxed::<MultiBackend>()
            .filter(any_of(segments))
            .load(conn)
            .map_err(storage)?;
        let (mut user_ids, mut scopes, mut activities, mut clients) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for (scope, activity, impersonated, client, user_id) in combos {
            if is_hidden(&scope, &activity, impersonated) {
                continue;
            }
            user_ids.extend(user_id);
            clients.extend(client);
            scopes.insert(scope);
            activities.insert(activity);
        }
        // BTreeSet order is byte order: both backends agree whatever their collation.
        Ok(Values {
            user_ids: user_ids.into_iter().collect(),
            scopes: scopes.into_iter().collect(),
            activities: activities.into_iter().collect(),
            clients: clients.into_iter().collect(),
        })
    }

    /// The users with these ids (ids of deleted users are skipped).
    pub(crate) fn users(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<UserBrief>> {
        users_by_id(conn, ids)
    }

    /// (scope, detail text) of the organization's newest visible rows with a detail.
    pub(crate) fn org_details(
        conn: &mut AnyConnection,
        organization_id: String,
        limit: i64,
    ) -> Result<Vec<(String, String)>> {
        let mut q = al::table
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
