//! One test per filter, then several combined. `labels` checks page mode, cursor mode and
//! `for_each` agree on every filter.

use activity_log::detail_filter::parse_detail_filters;

use super::*;

fn with(s: &SqlStore, org: Uuid, entries: Vec<ActivityEntry>) -> Base {
    s.insert(&entries).expect("insert");
    team(org)
}

fn detail_rows(org: Uuid) -> Vec<ActivityEntry> {
    let d = |item: &str, secs: i64, detail: Option<Value>| ActivityEntry { detail, ..entry(org, item, secs) };
    vec![
        d(
            "alpha",
            0,
            Some(json!({"name": "Alpha", "type": "dashboard", "short_id": "A1",
            "changes": [{"field": "name", "after": "x"}, {"field": "tags", "after": ["t1", "t2"]}]})),
        ),
        d(
            "beta",
            1,
            Some(json!({"name": "Beta", "type": "insight", "short_id": 7,
            "changes": [{"field": "filters"}]})),
        ),
        d("alphabet", 2, Some(json!({"name": "alphabet soup", "type": "notebook", "changes": []}))),
        d("none", 3, None),
    ]
}

fn detail(raw: &str) -> ActivityFilter {
    ActivityFilter { detail_filters: parse_detail_filters(raw).expect("valid detail_filters"), ..no_filter() }
}

both_backends! {
    fn filter_activities(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let act = |i: &str, a: &str, secs| ActivityEntry { activity: a.into(), ..entry(org, i, secs) };
        let base = with(&s, org, vec![act("c", "created", 0), act("u", "updated", 1), act("d", "deleted", 2)]);
        let f = |v: &[&str]| ActivityFilter { activities: strs(v), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(&["created"])), strs(&["c"]));
        assert_eq!(labels(&s, &base, &f(&["created", "deleted"])), strs(&["d", "c"]));
        assert!(labels(&s, &base, &f(&["exported"])).is_empty());
        assert_eq!(labels(&s, &base, &f(&[])), strs(&["d", "u", "c"]), "empty list: no filter");
    }

    fn filter_clients(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let cl = |i: &str, c: Option<&str>, secs| ActivityEntry { client: c.map(Into::into), ..entry(org, i, secs) };
        let base = with(&s, org, vec![cl("w", Some("web"), 0), cl("k", Some("api_key"), 1), cl("n", None, 2)]);
        let f = |v: &[&str]| ActivityFilter { clients: strs(v), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(&["api_key"])), strs(&["k"]));
        assert_eq!(labels(&s, &base, &f(&["web", "api_key"])), strs(&["k", "w"]));
        assert!(labels(&s, &base, &f(&["cli"])).is_empty());
    }

    fn filter_item_ids(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let base = with(&s, org, vec![entry(org, "1", 0), entry(org, "2", 1), entry(org, "3", 2),
            ActivityEntry { item_id: None, ..entry(org, "", 3) }]);
        let f = |v: &[&str]| ActivityFilter { item_ids: strs(v), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(&["2"])), strs(&["2"]));
        assert_eq!(labels(&s, &base, &f(&["1", "3", "99"])), strs(&["3", "1"]));
    }

    fn filter_scopes(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let sc = |i: &str, scope: &str, secs| ActivityEntry { scope: scope.into(), ..entry(org, i, secs) };
        let base = with(&s, org, vec![sc("d", "Dashboard", 0), sc("i", "Insight", 1), sc("f", "FeatureFlag", 2)]);
        let f = |v: &[&str]| ActivityFilter { scopes: strs(v), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(&["Insight"])), strs(&["i"]));
        assert_eq!(labels(&s, &base, &f(&["Dashboard", "FeatureFlag"])), strs(&["f", "d"]));
        assert!(labels(&s, &base, &f(&["insight"])).is_empty(), "scopes are case-sensitive");
    }

    fn filter_users(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let (ann, ben) = (user(&s, "ann@example.com", "Ann", "A"), user(&s, "ben@example.com", "Ben", "B"));
        let by = |i: &str, u: Option<&User>, secs| ActivityEntry { user_id: u.map(|u| u.id.0), ..entry(org, i, secs) };
        let base = with(&s, org, vec![by("ann1", Some(&ann), 0), by("ben", Some(&ben), 1), by("nobody", None, 2),
            by("ann2", Some(&ann), 3)]);
        let f = |v: &[Uuid]| ActivityFilter { users: v.to_vec(), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(&[ann.uuid])), strs(&["ann2", "ann1"]));
        assert_eq!(labels(&s, &base, &f(&[ben.uuid, ann.uuid])), strs(&["ann2", "ben", "ann1"]));
        assert!(labels(&s, &base, &f(&[Uuid::new_v4()])).is_empty());
    }

    fn filter_team_ids(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let t = |i: &str, team: Option<i64>, secs| ActivityEntry { team_id: team, ..entry(org, i, secs) };
        s.insert(&[t("t1", Some(T1), 0), t("t2", Some(T2), 1), t("t3", Some(3), 2), t("org", None, 3)]).expect("insert");
        let f = |v: &[i64]| ActivityFilter { team_ids: v.to_vec(), ..no_filter() };
        let base = Base::Organization(org);
        assert_eq!(labels(&s, &base, &f(&[T2])), strs(&["t2"]));
        assert_eq!(labels(&s, &base, &f(&[T1, 3])), strs(&["t3", "t1"]));
        assert!(labels(&s, &team(org), &f(&[T2])).is_empty(), "AND with the base set");
        assert_eq!(labels(&s, &team_and_org(org), &f(&[T1])), strs(&["t1"]), "org-level rows have no team");
    }

    fn filter_start_date_is_inclusive(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let base = with(&s, org, vec![entry(org, "0", 0), entry(org, "10", 10), entry(org, "20", 20)]);
        let f = |t| ActivityFilter { start_date: Some(t), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(at(10))), strs(&["20", "10"]));
        assert_eq!(labels(&s, &base, &f(at(10) - time::Duration::microseconds(1))), strs(&["20", "10"]));
        assert_eq!(labels(&s, &base, &f(at(10) + time::Duration::nanoseconds(1))), strs(&["20"]), "sub-µs");
        assert!(labels(&s, &base, &f(at(21))).is_empty());
    }

    fn filter_end_date_is_inclusive(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let base = with(&s, org, vec![entry(org, "0", 0), entry(org, "10", 10), entry(org, "20", 20)]);
        let f = |t| ActivityFilter { end_date: Some(t), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(at(10))), strs(&["10", "0"]));
        assert_eq!(labels(&s, &base, &f(at(10) + time::Duration::nanoseconds(999))), strs(&["10", "0"]));
        assert_eq!(labels(&s, &base, &f(at(10) - time::Duration::nanoseconds(1))), strs(&["0"]), "sub-µs");
        let both = ActivityFilter { start_date: Some(at(10)), end_date: Some(at(10)), ..no_filter() };
        assert_eq!(labels(&s, &base, &both), strs(&["10"]));
    }

    fn filter_search_text(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let d = |i: &str, secs, detail: Option<Value>| ActivityEntry { detail, ..entry(org, i, secs) };
        let base = with(&s, org, vec![
            d("hello", 0, Some(json!({"name": "Hello World"}))),
            d("percent", 1, Some(json!({"name": "100% sure"}))),
            d("hundred", 2, Some(json!({"name": "1000 sure"}))),
            d("snake", 3, Some(json!({"name": "snake_case"}))),
            d("snakeX", 4, Some(json!({"name": "snakeXcase"}))),
            d("changes", 5, Some(json!({"changes": [{"field": "Plan", "after": "TEAM"}]}))),
            d("backslash", 6, Some(json!({"short_id": "a\\b"}))),
            d("no detail", 7, None),
        ]);
        let f = |t: &str| ActivityFilter { search_text: Some(t.into()), ..no_filter() };
        assert_eq!(labels(&s, &base, &f("hello world")), strs(&["hello"]), "case-insensitive");
        assert_eq!(labels(&s, &base, &f("WORLD")), strs(&["hello"]));
        assert_eq!(labels(&s, &base, &f("team")), strs(&["changes"]), "values inside arrays");
        assert_eq!(labels(&s, &base, &f("CHANGES")), strs(&["changes"]), "keys are searched too");
        assert_eq!(labels(&s, &base, &f("name")), strs(&["snakeX", "snake", "hundred", "percent", "hello"]));
        assert_eq!(labels(&s, &base, &f("100%")), strs(&["percent"]), "% is literal");
        assert_eq!(labels(&s, &base, &f("e_c")), strs(&["snake"]), "_ is literal");
        assert_eq!(labels(&s, &base, &f("\\")), strs(&["backslash"]), "backslash is literal");
        assert!(labels(&s, &base, &f("nowhere")).is_empty());
        assert_eq!(labels(&s, &base, &f("")).len(), 8, "empty search text: no filter");
    }

    fn filter_was_impersonated(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let imp = |i: &str, b, secs| ActivityEntry { was_impersonated: b, ..entry(org, i, secs) };
        let base = with(&s, org, vec![imp("yes", true, 0), imp("no", false, 1)]);
        let f = |b| ActivityFilter { was_impersonated: Some(b), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(true)), strs(&["yes"]));
        assert_eq!(labels(&s, &base, &f(false)), strs(&["no"]));
    }

    fn filter_is_system(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let sys = |i: &str, b, secs| ActivityEntry { is_system: b, ..entry(org, i, secs) };
        let base = with(&s, org, vec![sys("system", true, 0), sys("person", false, 1)]);
        let f = |b| ActivityFilter { is_system: Some(b), ..no_filter() };
        assert_eq!(labels(&s, &base, &f(true)), strs(&["system"]));
        assert_eq!(labels(&s, &base, &f(false)), strs(&["person"]));
    }

    fn filter_detail_exact(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let base = with(&s, org, detail_rows(org));
        assert_eq!(labels(&s, &base, &detail(r#"{"name": {"operation": "exact", "value": "Alpha"}}"#)), strs(&["alpha"]));
        assert_eq!(labels(&s, &base, &detail(r#"{"name": {"value": "Beta"}}"#)), strs(&["beta"]), "exact is the default");
        assert!(labels(&s, &base, &detail(r#"{"name": {"operation": "exact", "value": "alpha"}}"#)).is_empty());
        assert_eq!(labels(&s, &base, &detail(r#"{"short_id": {"operation": "exact", "value": "7"}}"#)), strs(&["beta"]),
            "type-insensitive");
    }

    fn filter_detail_contains(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let base = with(&s, org, detail_rows(org));
        assert_eq!(labels(&s, &base, &detail(r#"{"name": {"operation": "contains", "value": "ALPH"}}"#)),
            strs(&["alphabet", "alpha"]));
        assert!(labels(&s, &base, &detail(r#"{"missing": {"operation": "contains", "value": "a"}}"#)).is_empty());
    }

    fn filter_detail_in(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let base = with(&s, org, detail_rows(org));
        assert_eq!(labels(&s, &base, &detail(r#"{"type": {"operation": "in", "value": ["dashboard", "notebook"]}}"#)),
            strs(&["alphabet", "alpha"]));
    }

    fn filter_detail_array_path(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let base = with(&s, org, detail_rows(org));
        assert_eq!(labels(&s, &base, &detail(r#"{"changes[].field": {"operation": "exact", "value": "tags"}}"#)),
            strs(&["alpha"]));
        assert_eq!(labels(&s, &base, &detail(r#"{"changes[].field": {"operation": "in", "value": ["filters", "name"]}}"#)),
            strs(&["beta", "alpha"]));
        let two = detail(r#"{"changes[].field": {"value": "name"}, "type": {"value": "dashboard"}}"#);
        assert_eq!(labels(&s, &base, &two), strs(&["alpha"]), "entries combine with AND");
    }

    fn filter_hogql(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let mut rows = detail_rows(org);
        rows[1].scope = "Insight".into();
        let base = with(&s, org, rows);
        let f = |q: &str| ActivityFilter { hogql: Some(activity_log::hogql::parse(q).expect("valid hogql")), ..no_filter() };
        assert_eq!(labels(&s, &base, &f("detail.name = 'Alpha'")), strs(&["alpha"]));
        assert_eq!(labels(&s, &base, &f("scope = 'Insight' OR detail.type = 'notebook'")), strs(&["alphabet", "beta"]));
        assert_eq!(labels(&s, &base, &f("NOT scope = 'Insight' AND item_id != 'none'")), strs(&["alphabet", "alpha"]));
    }

    fn filters_combine_with_and(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let ann = user(&s, "ann@example.com", "Ann", "A");
        let mk = |i: &str, secs, scope: &str, by_ann: bool, name: &str| ActivityEntry {
            scope: scope.into(),
            user_id: by_ann.then_some(ann.id.0),
            detail: Some(json!({"name": name, "type": "x"})),
            ..entry(org, i, secs)
        };
        let base = with(&s, org, vec![
            mk("match-1", 10, "Insight", true, "Revenue"),
            mk("match-2", 20, "Insight", true, "revenue 2"),
            mk("wrong-scope", 21, "Dashboard", true, "Revenue"),
            mk("wrong-user", 22, "Insight", false, "Revenue"),
            mk("too-early", 1, "Insight", true, "Revenue"),
            mk("wrong-text", 23, "Insight", true, "Costs"),
            mk("wrong-detail", 24, "Insight", true, "Revenue (archived)"),
        ]);
        let f = ActivityFilter {
            scopes: strs(&["Insight"]),
            users: vec![ann.uuid],
            start_date: Some(at(5)),
            search_text: Some("REVENUE".into()),
            detail_filters: parse_detail_filters(r#"{"name": {"operation": "in", "value": ["Revenue", "revenue 2"]}}"#)
                .expect("valid"),
            ..no_filter()
        };
        assert_eq!(labels(&s, &base, &f), strs(&["match-2", "match-1"]));
        let without_post = ActivityFilter { detail_filters: Vec::new(), ..f };
        assert_eq!(labels(&s, &base, &without_post), strs(&["wrong-detail", "match-2", "match-1"]));
    }
}
