//! `LogsViewRepo` on SQLite and PostgreSQL (`sqlite::<test>` and `postgres::<test>`).

use std::sync::{Arc, Barrier};

use activity_log::ActivityEntry;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use logs_views::{Column, ColumnType, LogsView, LogsViewRepo, ViewsError};
use serde_json::{Map, Value, json};
use store_sql::testing::{TestDb, TwoTeams};
use store_sql::{AnyConnection, both_backends};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

/// A fixed instant plus `secs`, microsecond-precise so it survives storage exactly.
fn at(secs: i64) -> OffsetDateTime {
    datetime!(2026-12-07 10:00:00.123456 UTC) + time::Duration::seconds(secs)
}

/// A store with a user and two teams (projects of two organizations).
type Fx = TwoTeams;

fn fixture(db: &TestDb) -> Fx {
    TwoTeams::new(db, at(0))
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A view of `team` named `name`, created at `secs`.
fn view(team: i64, short_id: &str, name: &str, secs: i64) -> LogsView {
    LogsView {
        id: Uuid::now_v7(),
        short_id: short_id.to_string(),
        team_id: team,
        name: name.to_string(),
        filters: Map::new(),
        pinned: false,
        columns: None,
        created_at: at(secs),
        created_by: None,
        updated_at: at(secs),
        version: 1,
    }
}

fn audit(team: i64, activity: &str) -> ActivityEntry {
    ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: None,
        team_id: Some(team),
        user_id: None,
        scope: "LogsView".into(),
        activity: activity.into(),
        item_id: None,
        detail: None,
        client: None,
        is_system: false,
        was_impersonated: false,
        created_at: at(0),
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(db: &TestDb, from_where: &str) -> i64 {
    let mut conn = db.pool.get().expect("pooled connection");
    let c: &mut AnyConnection = &mut conn;
    let row: Count = diesel::sql_query(format!("SELECT count(*) AS n FROM {from_where}"))
        .get_result(c)
        .expect("raw count");
    row.n
}

fn activity(db: &TestDb, what: &str) -> i64 {
    count(db, &format!("activity_log WHERE scope = 'LogsView' AND activity = '{what}'"))
}

fn create(fx: &Fx, v: &LogsView) -> LogsView {
    fx.s.create_view(v, &[audit(v.team_id, "created")]).expect("create view")
}

fn names(page: &logs_views::Page<LogsView>) -> Vec<&str> {
    page.results.iter().map(|v| v.name.as_str()).collect()
}

both_backends! {
    fn every_field_round_trips(db: TestDb) {
        let fx = fixture(&db);
        let mut v = view(fx.team, "AbCd1234", "Checkout errors", 5);
        v.filters = obj(json!({
            "severityLevels": ["error", "fatal"],
            "searchTerm": "timeout ✓",
            "filterGroup": {"type": "AND", "values": [{"type": "AND", "values": [{"key": "k", "value": 1.5}]}]},
            "dateRange": {"date_from": "-1h"},
            "unknownKey": null,
        }));
        v.pinned = true;
        v.columns = Some(vec![
            Column { id: "a".into(), kind: ColumnType::Timestamp, name: None, expression: None, width: Some(180) },
            Column { id: "b".into(), kind: ColumnType::Custom, name: Some("Route".into()),
                expression: Some("attributes.http.route".into()), width: None },
        ]);
        v.created_by = Some(fx.user);
        v.updated_at = at(9);
        assert_eq!(create(&fx, &v), v);
        assert_eq!(fx.s.view(fx.team, "AbCd1234").expect("get"), Some(v.clone()));
        assert_eq!(activity(&db, "created"), 1, "the audit row is written with the view");
        let plain = view(fx.team, "plain000", "Plain", 6);
        assert_eq!(create(&fx, &plain), plain, "NULL columns and an empty filter object round-trip");
        let empty = LogsView { columns: Some(vec![]), ..view(fx.team, "empty000", "Empty list", 7) };
        assert_eq!(create(&fx, &empty).columns, Some(vec![]), "[] is not NULL");
    }

    fn short_ids_are_unique_per_team(db: TestDb) {
        let fx = fixture(&db);
        create(&fx, &view(fx.team, "SAMESAME", "first", 0));
        let again = fx.s.create_view(&view(fx.team, "SAMESAME", "second", 1), &[audit(fx.team, "created")]);
        assert!(matches!(again, Err(ViewsError::ShortIdTaken(ref s)) if s == "SAMESAME"), "{again:?}");
        assert_eq!(count(&db, "logs_views"), 1);
        assert_eq!(activity(&db, "created"), 1, "no audit row for the refused view");
        // Another team may use it; case matters.
        create(&fx, &view(fx.other, "SAMESAME", "theirs", 2));
        create(&fx, &view(fx.team, "samesame", "lower", 3));
        assert_eq!(fx.s.view(fx.team, "SAMESAME").expect("get").map(|v| v.name), Some("first".into()));
        assert_eq!(fx.s.view(fx.other, "SAMESAME").expect("get").map(|v| v.name), Some("theirs".into()));
    }

    fn concurrent_creates_of_one_short_id_let_one_through(db: TestDb) {
        let fx = fixture(&db);
        let threads = 6;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let (s, barrier, team) = (Arc::clone(&fx.s), Arc::clone(&barrier), fx.team);
                std::thread::spawn(move || {
                    barrier.wait();
                    s.create_view(&view(team, "RACERACE", &format!("v{i}"), 0), &[audit(team, "created")])
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().expect("creator thread")).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
        assert!(results.iter().all(|r| r.is_ok() || matches!(r, Err(ViewsError::ShortIdTaken(_)))), "{results:?}");
        assert_eq!((count(&db, "logs_views"), activity(&db, "created")), (1, 1));
    }

    fn an_unknown_team_is_not_found(db: TestDb) {
        let fx = fixture(&db);
        let r = fx.s.create_view(&view(fx.other + 1000, "NOTEAM00", "x", 0), &[audit(fx.team, "created")]);
        assert!(matches!(r, Err(ViewsError::NotFound)), "{r:?}");
        assert_eq!((count(&db, "logs_views"), activity(&db, "created")), (0, 0));
    }

    fn lookups_and_writes_are_team_scoped(db: TestDb) {
        let fx = fixture(&db);
        let mine = create(&fx, &view(fx.team, "MINE0000", "mine", 0));
        assert_eq!(fx.s.view(fx.other, "MINE0000").expect("get"), None);
        assert_eq!(fx.s.list_views(fx.other, 10, 0).expect("list").count, 0);
        let stolen = LogsView { team_id: fx.other, name: "stolen".into(), ..mine.clone() };
        assert!(matches!(fx.s.update_view(&stolen, &[audit(fx.other, "updated")]), Err(ViewsError::NotFound)));
        let gone = fx.s.delete_view(fx.other, "MINE0000", &[audit(fx.other, "deleted")]);
        assert!(matches!(gone, Err(ViewsError::NotFound)), "{gone:?}");
        assert_eq!(fx.s.view(fx.team, "MINE0000").expect("get"), Some(mine));
        assert_eq!((activity(&db, "updated"), activity(&db, "deleted")), (0, 0), "failed writes roll back their audit");
    }

    fn list_is_newest_first_paged_and_per_team(db: TestDb) {
        let fx = fixture(&db);
        for (i, name) in ["one", "two", "three", "four"].into_iter().enumerate() {
            create(&fx, &view(fx.team, &format!("LIST000{i}"), name, i as i64 * 10));
        }
        create(&fx, &view(fx.other, "OTHER000", "theirs", 100));
        let all = fx.s.list_views(fx.team, 100, 0).expect("list");
        assert_eq!((all.count, names(&all)), (4, vec!["four", "three", "two", "one"]));
        let page = fx.s.list_views(fx.team, 2, 1).expect("page");
        assert_eq!((page.count, names(&page)), (4, vec!["three", "two"]));
        assert!(fx.s.list_views(fx.team, 2, 10).expect("past the end").results.is_empty());
        assert!(fx.s.list_views(fx.team, -5, -5).expect("clamped").results.is_empty(), "a negative limit is 0");
        // Same created_at: the later id (v7, time-ordered) first.
        let a = create(&fx, &view(fx.other, "TIE00000", "tie a", 200));
        let b = create(&fx, &view(fx.other, "TIE00001", "tie b", 200));
        let theirs = fx.s.list_views(fx.other, 2, 0).expect("list");
        let want = if b.id > a.id { vec!["tie b", "tie a"] } else { vec!["tie a", "tie b"] };
        assert_eq!(names(&theirs), want);
    }

    fn updates_bump_the_version_and_stale_ones_conflict(db: TestDb) {
        let fx = fixture(&db);
        let mut v = view(fx.team, "EDIT0000", "before", 0);
        v.columns = Some(vec![Column { id: "a".into(), kind: ColumnType::Level, name: None, expression: None, width: None }]);
        let v = create(&fx, &v);
        let edit = LogsView {
            name: "after".into(),
            filters: obj(json!({"serviceNames": ["api"]})),
            pinned: true,
            columns: None,
            updated_at: at(60),
            ..v.clone()
        };
        let saved = fx.s.update_view(&edit, &[audit(fx.team, "updated")]).expect("update");
        assert_eq!(saved, LogsView { version: 2, ..edit.clone() }, "NULL columns written; created_* kept");
        assert_eq!(fx.s.view(fx.team, "EDIT0000").expect("get"), Some(saved.clone()));
        let stale = LogsView { name: "stale".into(), ..edit };
        let r = fx.s.update_view(&stale, &[audit(fx.team, "updated")]);
        assert!(matches!(r, Err(ViewsError::Conflict)), "{r:?}");
        assert_eq!(activity(&db, "updated"), 1, "the conflicting edit wrote no audit row");
        assert_eq!(fx.s.view(fx.team, "EDIT0000").expect("get").map(|v| v.name), Some("after".into()));
    }

    fn delete_removes_and_records(db: TestDb) {
        let fx = fixture(&db);
        let v = create(&fx, &view(fx.team, "DEL00000", "bye", 0));
        fx.s.delete_view(fx.team, "DEL00000", &[audit(fx.team, "deleted")]).expect("delete");
        assert_eq!(fx.s.view(fx.team, "DEL00000").expect("get"), None);
        assert_eq!(activity(&db, "deleted"), 1);
        let again = fx.s.delete_view(fx.team, "DEL00000", &[audit(fx.team, "deleted")]);
        assert!(matches!(again, Err(ViewsError::NotFound)), "{again:?}");
        let r = fx.s.update_view(&v, &[audit(fx.team, "updated")]);
        assert!(matches!(r, Err(ViewsError::NotFound)), "{r:?}");
        assert_eq!((activity(&db, "deleted"), activity(&db, "updated")), (1, 0));
        // The short id is free again.
        create(&fx, &view(fx.team, "DEL00000", "again", 1));
    }
}
