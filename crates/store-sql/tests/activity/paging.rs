//! Page mode, cursor mode and `for_each`, with and without post filters (which walk the
//! candidates in keyset batches of 500).

use activity_log::detail_filter::parse_detail_filters;

use super::*;

/// `n` project rows, several per second so that timestamps tie; every `every`-th carries
/// `{"mark": true}` (the others `{"mark": false}`).
fn numbered(org: Uuid, n: i64, every: i64) -> Vec<ActivityEntry> {
    (0..n)
        .map(|i| ActivityEntry {
            detail: Some(json!({"mark": i % every == 0, "i": i})),
            ..entry(org, &format!("{i:05}"), i / 3)
        })
        .collect()
}

fn marked() -> ActivityFilter {
    ActivityFilter {
        detail_filters: parse_detail_filters(r#"{"mark": {"operation": "exact", "value": true}}"#)
            .expect("valid"),
        ..no_filter()
    }
}

fn newest_first(entries: &[ActivityEntry], keep: impl Fn(&ActivityEntry) -> bool) -> Vec<String> {
    let mut v: Vec<&ActivityEntry> = entries.iter().filter(|e| keep(e)).collect();
    v.sort_by_key(|e| std::cmp::Reverse((e.created_at, e.id)));
    v.iter().map(|e| e.item_id.clone().unwrap_or_default()).collect()
}

fn is_marked(e: &ActivityEntry) -> bool {
    e.detail.as_ref().and_then(|d| d.get("mark")).and_then(Value::as_bool) == Some(true)
}

both_backends! {
    fn page_mode_counts_and_rejects_pages_past_the_end(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        s.insert(&numbered(org, 25, 1)).expect("insert");
        let base = team(org);
        let page = |p, size| s.page(&base, &no_filter(), Order::NewestFirst, p, size);

        let (rows, count) = page(1, 10).expect("page 1");
        assert_eq!((rows.len(), count), (10, 25));
        assert_eq!(item(&rows[0]), "00024");
        let (rows, count) = page(3, 10).expect("last page");
        assert_eq!((items(&rows), count), (strs(&["00004", "00003", "00002", "00001", "00000"]), 25));
        assert!(matches!(page(4, 10), Err(ActivityError::InvalidPage)));
        assert!(matches!(page(0, 10), Err(ActivityError::InvalidPage)));
        let (rows, count) = page(5, 5).expect("exactly full last page");
        assert_eq!((rows.len(), count), (5, 25));
        assert!(matches!(page(6, 5), Err(ActivityError::InvalidPage)));

        // An empty result is a valid first page, never a later one.
        let nothing = ActivityFilter { scopes: strs(&["Nothing"]), ..no_filter() };
        assert_eq!(s.page(&base, &nothing, Order::NewestFirst, 1, 10).expect("empty page").1, 0);
        assert!(matches!(s.page(&base, &nothing, Order::NewestFirst, 2, 10), Err(ActivityError::InvalidPage)));
        // Merged segments count both.
        s.insert(&[ActivityEntry { team_id: None, ..entry(org, "org", 100) }]).expect("insert");
        let (rows, count) = s.page(&team_and_org(org), &no_filter(), Order::NewestFirst, 3, 10).expect("page");
        assert_eq!((rows.len(), count), (6, 26));
        assert!(matches!(s.page(&team_and_org(org), &no_filter(), Order::NewestFirst, 4, 10),
            Err(ActivityError::InvalidPage)));
    }

    fn page_mode_with_a_post_filter_counts_matches(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        // 1,200 rows (three batches), 172 marked.
        let entries = numbered(org, 1200, 7);
        s.insert(&entries).expect("insert");
        let expected = newest_first(&entries, is_marked);
        assert_eq!(expected.len(), 172);
        let mut paged = Vec::new();
        for p in 1..=4 {
            let (rows, count) = s.page(&team(org), &marked(), Order::NewestFirst, p, 50).expect("page");
            assert_eq!(count, 172);
            paged.extend(items(&rows));
        }
        assert_eq!(paged, expected);
        assert!(matches!(s.page(&team(org), &marked(), Order::NewestFirst, 5, 50), Err(ActivityError::InvalidPage)));
        // Combined with a SQL filter: both apply.
        let f = ActivityFilter { end_date: Some(at(100)), ..marked() };
        let (_, count) = s.page(&team(org), &f, Order::NewestFirst, 1, 50).expect("page");
        assert_eq!(count, newest_first(&entries, |e| is_marked(e) && e.created_at <= at(100)).len() as i64);
    }

    fn cursor_mode_walks_every_row_once(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let mut entries = numbered(org, 37, 1);
        for e in entries.iter_mut().skip(2).step_by(5) {
            e.team_id = None;
        }
        s.insert(&entries).expect("insert");
        for base in [team(org), team_and_org(org), Base::Organization(org)] {
            for order in [Order::NewestFirst, Order::OldestFirst] {
                let (all, count) = s.page(&base, &no_filter(), order, 1, 100).expect("page");
                assert_eq!(count as usize, all.len());
                for limit in [1, 5, 36, 37, 100] {
                    let walked = walk(&s, &base, &no_filter(), order, limit);
                    assert_eq!(items(&walked), items(&all), "{base:?} {order:?} limit {limit}");
                }
            }
        }
        let first = s.after(&team(org), &no_filter(), Order::NewestFirst, None, 5).expect("first page");
        assert_eq!(first.len(), 5);
        assert!(s.after(&team(org), &no_filter(), Order::NewestFirst, None, 0).expect("limit 0").is_empty());
    }

    fn cursor_mode_with_a_post_filter_fills_the_limit(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        // Marked rows far apart: a page of 3 spans several batches of candidates.
        let entries: Vec<_> = numbered(org, 1700, 1)
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                let mark = [3, 700, 701, 1300, 1699].contains(&i);
                e.detail = Some(json!({ "mark": mark }));
                e
            })
            .collect();
        s.insert(&entries).expect("insert");
        let expected = newest_first(&entries, is_marked);
        let first = s.after(&team(org), &marked(), Order::NewestFirst, None, 3).expect("after");
        assert_eq!(items(&first), expected[..3].to_vec());
        assert_eq!(items(&walk(&s, &team(org), &marked(), Order::NewestFirst, 2)), expected);
        let mut oldest = expected.clone();
        oldest.reverse();
        assert_eq!(items(&walk(&s, &team(org), &marked(), Order::OldestFirst, 2)), oldest);
    }

    fn for_each_visits_every_row_in_batches(db: TestDb) {
        let s = store(&db);
        let org = Uuid::new_v4();
        let mut entries = numbered(org, 1234, 5);
        for e in entries.iter_mut().skip(1).step_by(4) {
            e.team_id = None;
        }
        s.insert(&entries).expect("insert");
        for (base, keep) in [
            (team(org), Box::new(|e: &ActivityEntry| e.team_id.is_some()) as Box<dyn Fn(&ActivityEntry) -> bool>),
            (team_and_org(org), Box::new(|_: &ActivityEntry| true)),
        ] {
            for (filter, post) in [(no_filter(), false), (marked(), true)] {
                let expected = newest_first(&entries, |e| keep(e) && (!post || is_marked(e)));
                let mut seen = Vec::new();
                let n = s
                    .for_each(&base, &filter, Order::NewestFirst, &mut |r| {
                        seen.push(item(&r));
                        Ok(())
                    })
                    .expect("for_each");
                assert_eq!(n as usize, expected.len());
                assert_eq!(seen, expected, "{base:?} post={post}");
            }
        }
        let mut oldest = Vec::new();
        s.for_each(&team_and_org(org), &no_filter(), Order::OldestFirst, &mut |r| {
            oldest.push(item(&r));
            Ok(())
        })
        .expect("for_each");
        let mut expected = newest_first(&entries, |_| true);
        expected.reverse();
        assert_eq!(oldest, expected);

        // An error from the callback stops the walk and comes back.
        let mut calls = 0;
        let err = s
            .for_each(&team(org), &no_filter(), Order::NewestFirst, &mut |_| {
                calls += 1;
                if calls == 3 { Err(ActivityError::Storage("disk full".into())) } else { Ok(()) }
            })
            .expect_err("callback error");
        assert!(matches!(err, ActivityError::Storage(ref m) if m == "disk full"), "{err:?}");
        assert_eq!(calls, 3);
    }
}
