//! `ActivityRepo` on SQLite and PostgreSQL (`<module>::sqlite::<test>` and
//! `<module>::postgres::<test>`).

#[path = "activity/filters.rs"]
mod filters;
#[path = "activity/list.rs"]
mod list;
#[path = "activity/paging.rs"]
mod paging;
#[path = "activity/values.rs"]
mod values;

use std::collections::HashSet;

use activity_log::{
    ActivityEntry, ActivityError, ActivityFilter, ActivityRepo, ActivityRow, Base, Cursor, Order,
};
use orgs::{NewUser, User, UserRepo};
use serde_json::{Value, json};
use store_sql::testing::TestDb;
use store_sql::{AnyConnection, SqlStore, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T1: i64 = 1;
const T2: i64 = 2;

/// A fixed instant plus `secs`, microsecond-precise so it survives storage exactly.
fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-11-22 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

fn store(db: &TestDb) -> SqlStore {
    SqlStore::new(db.pool.clone())
}

/// Runs raw diesel against the test database.
fn with_conn<T>(db: &TestDb, f: impl FnOnce(&mut AnyConnection) -> diesel::QueryResult<T>) -> T {
    let mut conn = db.pool.get().expect("pooled connection");
    f(&mut conn).expect("raw query")
}

fn user(s: &SqlStore, email: &str, first: &str, last: &str) -> User {
    s.create_user(NewUser {
        uuid: Uuid::new_v4(),
        email: email.to_string(),
        first_name: first.to_string(),
        last_name: last.to_string(),
        password_hash: "x".to_string(),
        created_at: at(0),
    })
    .expect("create user")
}

/// A project row (team `T1` unless changed) of `org`, labelled by `item_id`.
fn entry(org: Uuid, item: &str, secs: i64) -> ActivityEntry {
    ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: Some(org),
        team_id: Some(T1),
        user_id: None,
        scope: "Dashboard".to_string(),
        activity: "updated".to_string(),
        item_id: Some(item.to_string()),
        detail: None,
        client: Some("web".to_string()),
        is_system: false,
        was_impersonated: false,
        created_at: at(secs),
    }
}

fn team(org: Uuid) -> Base {
    Base::Team { team_id: T1, organization_id: org, include_org_level: false }
}

fn team_and_org(org: Uuid) -> Base {
    Base::Team { team_id: T1, organization_id: org, include_org_level: true }
}

fn no_filter() -> ActivityFilter {
    ActivityFilter::default()
}

fn item(r: &ActivityRow) -> String {
    r.entry.item_id.clone().unwrap_or_default()
}

fn items(rows: &[ActivityRow]) -> Vec<String> {
    rows.iter().map(item).collect()
}

fn cursor_of(r: &ActivityRow) -> Cursor {
    let us = r.entry.created_at.unix_timestamp_nanos() / 1000;
    Cursor { created_at_us: i64::try_from(us).expect("µs fit i64"), id: r.entry.id }
}

/// Every row through cursor mode, `limit` at a time; asserts no row comes twice.
fn walk(s: &SqlStore, base: &Base, filter: &ActivityFilter, order: Order, limit: u32) -> Vec<ActivityRow> {
    let mut out: Vec<ActivityRow> = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor = None;
    loop {
        let rows = s.after(base, filter, order, cursor, limit).expect("after");
        assert!(rows.len() <= limit as usize, "more than limit");
        for r in &rows {
            assert!(seen.insert(r.entry.id), "row {} returned twice", item(r));
        }
        let Some(last) = rows.last() else { break };
        cursor = Some(cursor_of(last));
        let full = rows.len() == limit as usize;
        out.extend(rows);
        if !full {
            break;
        }
    }
    out
}

/// The labels (item ids) a filter selects, newest first. Checks that page mode (with its
/// count), cursor mode and `for_each` agree.
fn labels(s: &SqlStore, base: &Base, filter: &ActivityFilter) -> Vec<String> {
    let (rows, count) = s.page(base, filter, Order::NewestFirst, 1, 10_000).expect("page");
    assert_eq!(count, rows.len() as i64, "count matches the rows");
    let by_cursor = walk(s, base, filter, Order::NewestFirst, 2);
    assert_eq!(items(&by_cursor), items(&rows), "cursor mode agrees with page mode");
    let mut each = Vec::new();
    let n = s
        .for_each(base, filter, Order::NewestFirst, &mut |r| {
            each.push(item(&r));
            Ok(())
        })
        .expect("for_each");
    assert_eq!(n, each.len() as u64);
    assert_eq!(each, items(&rows), "for_each agrees with page mode");
    items(&rows)
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}
