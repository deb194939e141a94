//! Conformance cases for the read methods: `list` (order, limit, cursor, range, live tail),
//! `scan`, every filter kind, `rollups` and `attribute_stats`.

use super::compare::{
    STATS_MODES, check, keys, list, list_req, oracle, page_all, rollup_cells, scan_keys, stats,
};
use super::data::{BASE, EMPTY_TEAM, HOUR, MINUTE, TEAMS, dataset, filters};
use super::{ROWS, StoreFactory, loaded};
use crate::{AttributeScope, ListRequest, LogCursor, OrderBy, RowFilter, ScanRequest};

/// All of the data set's time, and then some.
const ALL: (i64, i64) = (BASE - HOUR, BASE + 6 * HOUR);

/// Every method, every team, every filter, a few ranges: the whole contract at once.
pub fn whole_contract_matches_the_oracle(factory: &mut dyn StoreFactory) {
    let rows = dataset(42, ROWS);
    let store = loaded(factory, &rows);
    check(&*store, &rows, "conformance");
}

pub fn list_returns_whole_records_sorted_by_time_then_uuid(factory: &mut dyn StoreFactory) {
    let rows = dataset(1, ROWS);
    let store = loaded(factory, &rows);
    let all = RowFilter::default();
    for team in TEAMS {
        let mut want: Vec<_> = rows.iter().filter(|r| r.team_id == team).cloned().collect();
        want.sort_by_key(|r| (r.timestamp_us, r.uuid));
        let earliest = list(&*store, &list_req(team, ALL.0, ALL.1, &all, OrderBy::Earliest));
        assert_eq!(earliest, want, "team {team}, earliest first, whole records");
        want.reverse();
        let latest = list(&*store, &list_req(team, ALL.0, ALL.1, &all, OrderBy::Latest));
        assert_eq!(latest, want, "team {team}, latest first");
    }
}

pub fn list_limit_keeps_the_first_rows(factory: &mut dyn StoreFactory) {
    let rows = dataset(2, ROWS);
    let store = loaded(factory, &rows);
    let f = RowFilter::default();
    for order in [OrderBy::Latest, OrderBy::Earliest] {
        let full = list(&*store, &list_req(1, ALL.0, ALL.1, &f, order));
        for limit in [0, 1, 2, 7, full.len() - 1, full.len(), full.len() + 1] {
            let req = ListRequest { limit, ..list_req(1, ALL.0, ALL.1, &f, order) };
            let got = list(&*store, &req);
            assert_eq!(keys(&got), keys(&full[..limit.min(full.len())]), "{order:?} limit {limit}");
        }
    }
}

pub fn cursor_pages_cover_every_row_once(factory: &mut dyn StoreFactory) {
    let rows = dataset(3, ROWS);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    let narrow = super::data::filter(serde_json::json!({"severityLevels": ["warn"]}));
    for (f, sizes) in [(RowFilter::default(), [5, 64, 1000]), (narrow, [1, 3, 10])] {
        for order in [OrderBy::Latest, OrderBy::Earliest] {
            let req = list_req(1, ALL.0, ALL.1, &f, order);
            let want = keys(&list(&mem, &req));
            for size in sizes {
                assert_eq!(keys(&page_all(&*store, &req, size)), want, "{order:?} pages of {size}");
            }
        }
    }
}

/// Cursors that are not a row: equal timestamps with the smallest and largest uuid, and
/// times between rows.
pub fn cursor_between_rows_continues_strictly_after_it(factory: &mut dyn StoreFactory) {
    let rows = dataset(4, ROWS);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    let f = RowFilter::default();
    let team1: Vec<_> = rows.iter().filter(|r| r.team_id == 1).collect();
    let mut cursors = vec![
        LogCursor::new(BASE - HOUR, uuid::Uuid::nil()),
        LogCursor::new(BASE + 6 * HOUR, uuid::Uuid::max()),
    ];
    for r in team1.iter().step_by(97) {
        cursors.push(LogCursor::new(r.timestamp_us, uuid::Uuid::nil()));
        cursors.push(LogCursor::new(r.timestamp_us, uuid::Uuid::max()));
        cursors.push(LogCursor::new(r.timestamp_us + 1, r.uuid));
        cursors.push(LogCursor::after_record(r));
    }
    for after in cursors {
        for order in [OrderBy::Latest, OrderBy::Earliest] {
            let req = ListRequest { after: Some(after), limit: 20, ..list_req(1, ALL.0, ALL.1, &f, order) };
            assert_eq!(keys(&list(&*store, &req)), keys(&list(&mem, &req)), "{order:?} after {after:?}");
        }
    }
}

pub fn time_range_includes_from_and_excludes_to(factory: &mut dyn StoreFactory) {
    let rows = dataset(5, ROWS);
    let store = loaded(factory, &rows);
    let f = RowFilter::default();
    // A timestamp several rows share.
    let t = rows
        .windows(2)
        .find(|w| w[0].timestamp_us == w[1].timestamp_us)
        .map(|w| (w[0].team_id, w[0].timestamp_us));
    let (team, t) = t.expect("the data set repeats timestamps");
    let at_t: Vec<_> = rows.iter().filter(|r| r.team_id == team && r.timestamp_us == t).collect();
    for (from, to, want) in
        [(t, t + 1, at_t.len()), (t, t, 0), (t + 1, t, 0), (t - 1, t, 0), (t + 1, t + 2, 0)]
    {
        let got = list(&*store, &list_req(team, from, to, &f, OrderBy::Earliest));
        assert_eq!(got.len(), want, "list {from}..{to}");
        assert!(got.iter().all(|r| r.timestamp_us == t));
        assert_eq!(scan_keys(&*store, team, from, to, &f).len(), want, "scan {from}..{to}");
    }
    let mem = oracle(&rows);
    for (from, to) in
        [(BASE + 7 * MINUTE + 1, BASE + 2 * HOUR - 1), (BASE + 4 * HOUR, BASE + 9 * HOUR), (0, BASE)]
    {
        let req = list_req(team, from, to, &f, OrderBy::Latest);
        let got = list(&*store, &req);
        assert!(got.iter().all(|r| (from..to).contains(&r.timestamp_us)), "{from}..{to}");
        assert_eq!(keys(&got), keys(&list(&mem, &req)), "{from}..{to}");
    }
}

pub fn live_tail_lists_rows_observed_from_a_time(factory: &mut dyn StoreFactory) {
    let rows = dataset(6, ROWS);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    let f = RowFilter::default();
    for observed in [BASE, BASE + 2 * HOUR + 3, BASE + 4 * HOUR + 59 * MINUTE, BASE + 6 * HOUR] {
        for order in [OrderBy::Latest, OrderBy::Earliest] {
            let req =
                ListRequest { observed_from_us: Some(observed), ..list_req(1, ALL.0, ALL.1, &f, order) };
            let got = list(&*store, &req);
            assert!(got.iter().all(|r| r.observed_timestamp_us >= observed));
            assert_eq!(keys(&got), keys(&list(&mem, &req)), "observed from {observed}");
        }
    }
}

pub fn every_filter_kind_matches_the_oracle(factory: &mut dyn StoreFactory) {
    let rows = dataset(7, ROWS);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    let filters = filters();
    let untested: Vec<_> = filters
        .iter()
        .filter(|(name, f)| {
            !name.starts_with("edge:")
                && !(1..rows.len()).contains(&rows.iter().filter(|r| f.matches(r)).count())
        })
        .map(|(name, _)| name)
        .collect();
    assert!(untested.is_empty(), "filters that match no row or every row of the data set: {untested:?}");
    for (name, f) in &filters {
        for team in TEAMS {
            let req = list_req(team, ALL.0, ALL.1, f, OrderBy::Earliest);
            assert_eq!(list(&*store, &req), list(&mem, &req), "list, filter {name}, team {team}");
            let req = ListRequest { limit: 10, ..list_req(team, ALL.0, ALL.1, f, OrderBy::Latest) };
            assert_eq!(keys(&list(&*store, &req)), keys(&list(&mem, &req)), "top 10, filter {name}");
            let want = scan_keys(&mem, team, ALL.0, ALL.1, f);
            assert_eq!(scan_keys(&*store, team, ALL.0, ALL.1, f), want, "scan, filter {name}, team {team}");
        }
    }
}

pub fn scan_visits_each_matching_row_once(factory: &mut dyn StoreFactory) {
    let rows = dataset(8, ROWS);
    let store = loaded(factory, &rows);
    let f = super::data::filter(serde_json::json!({"searchTerm": "o"}));
    for team in TEAMS {
        let got = scan_keys(&*store, team, BASE + HOUR, BASE + 4 * HOUR, &f);
        let mut want: Vec<_> = rows
            .iter()
            .filter(|r| {
                r.team_id == team && (BASE + HOUR..BASE + 4 * HOUR).contains(&r.timestamp_us) && f.matches(r)
            })
            .map(|r| (r.timestamp_us, r.uuid.as_u128()))
            .collect();
        want.sort_unstable();
        assert_eq!(got, want, "team {team}: every matching row, none twice");
    }
}

pub fn scan_stops_when_the_visitor_says_so(factory: &mut dyn StoreFactory) {
    let rows = dataset(9, ROWS);
    let store = loaded(factory, &rows);
    let f = RowFilter::default();
    for stop_after in [1, 10, 150] {
        let mut seen = 0;
        let req = ScanRequest { team_id: 1, from_us: ALL.0, to_us: ALL.1, filter: &f };
        store
            .scan(&req, &mut |_| {
                seen += 1;
                seen < stop_after
            })
            .expect("scan");
        assert_eq!(seen, stop_after, "no row after the visitor returned false");
    }
}

pub fn rollups_count_rows_and_bytes_per_minute(factory: &mut dyn StoreFactory) {
    let rows = dataset(10, ROWS);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    for team in TEAMS.into_iter().chain([EMPTY_TEAM]) {
        for (from, to) in
            [ALL, (BASE + 61 * MINUTE, BASE + 200 * MINUTE), (BASE + 5 * MINUTE, BASE + 6 * MINUTE)]
        {
            let got = rollup_cells(&*store, team, from, to);
            assert_eq!(got, rollup_cells(&mem, team, from, to), "team {team} {from}..{to}");
            let in_range = rows.iter().filter(|r| r.team_id == team && (from..to).contains(&r.timestamp_us));
            assert_eq!(
                got.values().map(|c| c.0).sum::<u64>(),
                in_range.count() as u64,
                "every row counted once"
            );
            assert!(got.keys().all(|k| (from..to).contains(&k.0) && k.0 % MINUTE == 0));
        }
    }
}

pub fn attribute_stats_match_on_whole_hours(factory: &mut dyn StoreFactory) {
    let rows = dataset(11, ROWS);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    for team in TEAMS.into_iter().chain([EMPTY_TEAM]) {
        for range in [ALL, (BASE + HOUR, BASE + 3 * HOUR), (BASE + 4 * HOUR, BASE + 5 * HOUR)] {
            for scope in [AttributeScope::Log, AttributeScope::Resource] {
                for mode in STATS_MODES {
                    let got = stats(&*store, team, range, scope, mode);
                    assert_eq!(
                        got,
                        stats(&mem, team, range, scope, mode),
                        "team {team} {range:?} {scope:?} {mode:?}"
                    );
                }
            }
        }
    }
}

/// A store may count whole hours around an unaligned range, never less than the range.
pub fn attribute_stats_are_never_finer_than_the_range(factory: &mut dyn StoreFactory) {
    let rows = dataset(12, ROWS);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    let floor = |t: i64| t - t.rem_euclid(HOUR);
    for (from, to) in
        [(BASE + 17 * MINUTE, BASE + 2 * HOUR + 3 * MINUTE), (BASE + 3 * HOUR + 1, BASE + 3 * HOUR + 2)]
    {
        let outer = (floor(from), floor(to - 1) + HOUR);
        for scope in [AttributeScope::Log, AttributeScope::Resource] {
            for mode in STATS_MODES {
                let got = stats(&*store, 1, (from, to), scope, mode);
                let (least, most) =
                    (stats(&mem, 1, (from, to), scope, mode), stats(&mem, 1, outer, scope, mode));
                for (k, n) in &least {
                    assert!(got.get(k).is_some_and(|g| g >= n), "{k:?}: at least {n}, got {got:?}");
                }
                for (k, n) in &got {
                    assert!(most.get(k).is_some_and(|m| n <= m), "{k:?}: at most the whole hours' count");
                }
            }
        }
    }
}
