//! Answers of any `LogStore` in comparable form (sorted keys, summed cells), and [`check`],
//! which compares every method of a store with the oracle over the same rows.

use std::collections::BTreeMap;

use super::data::{BASE, EMPTY_TEAM, HOUR, MINUTE, TEAMS, filters, top_level_filters};
use crate::mem_store::MemStore;
use crate::{
    AttributeScope, AttributeStatsRequest, ListRequest, LogCursor, LogRecord, LogStore, OrderBy, RowFilter,
    ScanRequest, Severity, StatsMode,
};

/// (minute, service, severity) -> (rows, bytes).
pub type Cells = BTreeMap<(i64, String, Severity), (u64, u64)>;
/// (key, value) -> rows.
pub type Stats = BTreeMap<(String, Option<String>), u64>;

/// The one naive model every store is compared with: [`MemStore`] over `rows`, each row in
/// its own team.
pub fn oracle(rows: &[LogRecord]) -> MemStore {
    MemStore::with(rows.to_vec())
}

/// (timestamp, uuid) of each row, in the given order.
pub fn keys(rows: &[LogRecord]) -> Vec<(i64, u128)> {
    rows.iter().map(|r| (r.timestamp_us, r.uuid.as_u128())).collect()
}

/// A list request with no cursor, no live tail and no limit.
pub fn list_req(team: i64, from: i64, to: i64, filter: &RowFilter, order: OrderBy) -> ListRequest<'_> {
    ListRequest {
        team_id: team,
        from_us: from,
        to_us: to,
        filter,
        order,
        after: None,
        observed_from_us: None,
        limit: usize::MAX,
    }
}

pub fn list(store: &dyn LogStore, req: &ListRequest<'_>) -> Vec<LogRecord> {
    store.list(req).expect("list")
}

/// Keys of every row `scan` visits, sorted.
pub fn scan_keys(store: &dyn LogStore, team: i64, from: i64, to: i64, f: &RowFilter) -> Vec<(i64, u128)> {
    let mut keys = Vec::new();
    let req = ScanRequest { team_id: team, from_us: from, to_us: to, filter: f };
    store
        .scan(&req, &mut |r| {
            keys.push((r.timestamp_us, r.uuid.as_u128()));
            true
        })
        .expect("scan");
    keys.sort_unstable();
    keys
}

/// Rollup cells with the cells sharing a key added up.
pub fn rollup_cells(store: &dyn LogStore, team: i64, from: i64, to: i64) -> Cells {
    let mut out = Cells::new();
    store
        .rollups(team, from, to, &mut |c| {
            let e = out.entry((c.minute_us, c.service_name.to_string(), c.severity)).or_default();
            e.0 += c.count;
            e.1 += c.bytes;
        })
        .expect("rollups");
    out
}

/// Attribute statistics with the visits sharing a (key, value) added up.
pub fn stats(
    store: &dyn LogStore,
    team: i64,
    (from, to): (i64, i64),
    scope: AttributeScope,
    mode: StatsMode<'_>,
) -> Stats {
    let mut out = Stats::new();
    let req = AttributeStatsRequest { team_id: team, from_us: from, to_us: to, scope, mode };
    store
        .attribute_stats(&req, &mut |k, v, n| {
            *out.entry((k.to_string(), v.map(str::to_string))).or_default() += n
        })
        .expect("attribute stats");
    out
}

/// Pages through everything with `limit`-row pages, each continuing after the last row.
pub fn page_all(store: &dyn LogStore, req: &ListRequest<'_>, limit: usize) -> Vec<LogRecord> {
    let mut out: Vec<LogRecord> = Vec::new();
    loop {
        let page_req = ListRequest { after: out.last().map(LogCursor::after_record), limit, ..*req };
        let page = list(store, &page_req);
        assert!(page.len() <= limit, "a page holds at most `limit` rows");
        let done = page.len() < limit;
        out.extend(page);
        if done {
            return out;
        }
    }
}

/// The statistics modes and scopes [`check`] compares.
pub const STATS_MODES: [StatsMode<'static>; 5] = [
    StatsMode::Keys,
    StatsMode::AllValues,
    StatsMode::ValuesOf("http.method"),
    StatsMode::ValuesOf("host"),
    StatsMode::ValuesOf("nope"),
];

/// Every method of `store` against the oracle over `rows`, for every team (and one without
/// rows), every filter of [`filters`] and a few ranges. Attribute statistics are compared on
/// hour-aligned ranges only: a store may answer them per hour (coarser is allowed).
pub fn check(store: &dyn LogStore, rows: &[LogRecord], stage: &str) {
    let oracle = oracle(rows);
    let ranges =
        [(BASE - HOUR, BASE + 6 * HOUR), (BASE + HOUR + 17 * MINUTE + 3, BASE + 3 * HOUR + 41 * MINUTE)];
    let aligned = [(BASE - HOUR, BASE + 6 * HOUR), (BASE + HOUR, BASE + 3 * HOUR)];
    let minute_ranges = [(BASE - HOUR, BASE + 6 * HOUR), (BASE + 61 * MINUTE, BASE + 200 * MINUTE)];
    let (top_level, every_kind) = (top_level_filters(), filters());
    for team in TEAMS.into_iter().chain([EMPTY_TEAM]) {
        let has = store.has_logs(team).expect("has_logs");
        assert_eq!(has, oracle.has_logs(team).expect("has_logs"), "{stage}: has_logs team {team}");
        // Pruning paths: every range, order, limit and live tail.
        for (name, f) in &top_level {
            for (from, to) in ranges {
                let ctx = format!("{stage}: team {team} filter {name} range {from}..{to}");
                let want = scan_keys(&oracle, team, from, to, f);
                assert_eq!(scan_keys(store, team, from, to, f), want, "scan {ctx}");
                for order in [OrderBy::Latest, OrderBy::Earliest] {
                    for (limit, observed) in
                        [(1, None), (7, None), (100_000, None), (50, Some(BASE + 2 * HOUR))]
                    {
                        let req = ListRequest {
                            observed_from_us: observed,
                            limit,
                            ..list_req(team, from, to, f, order)
                        };
                        let (got, want) = (list(store, &req), list(&oracle, &req));
                        assert_eq!(keys(&got), keys(&want), "list {order:?} {limit} {observed:?} {ctx}");
                        assert_eq!(got, want, "whole records {ctx}");
                    }
                }
            }
        }
        // Every filter kind: one range, both orders.
        for (name, f) in &every_kind {
            let ctx = format!("{stage}: team {team} filter {name}");
            let (from, to) = ranges[1];
            assert_eq!(
                scan_keys(store, team, from, to, f),
                scan_keys(&oracle, team, from, to, f),
                "scan {ctx}"
            );
            for (order, limit) in [(OrderBy::Latest, 7), (OrderBy::Earliest, 100_000)] {
                let req = ListRequest { limit, ..list_req(team, from, to, f, order) };
                assert_eq!(list(store, &req), list(&oracle, &req), "list {order:?} {ctx}");
            }
        }
        let all = RowFilter::default();
        for order in [OrderBy::Latest, OrderBy::Earliest] {
            let (from, to) = ranges[0];
            let req = list_req(team, from, to, &all, order);
            let paged = page_all(store, &req, 13);
            assert_eq!(keys(&paged), keys(&list(&oracle, &req)), "{stage}: paging {order:?} team {team}");
        }
        for (from, to) in minute_ranges {
            let want = rollup_cells(&oracle, team, from, to);
            assert_eq!(rollup_cells(store, team, from, to), want, "{stage}: rollups team {team}");
        }
        for range in aligned {
            for scope in [AttributeScope::Log, AttributeScope::Resource] {
                for mode in STATS_MODES {
                    assert_eq!(
                        stats(store, team, range, scope, mode),
                        stats(&oracle, team, range, scope, mode),
                        "{stage}: stats {scope:?} {mode:?} team {team} {range:?}"
                    );
                }
            }
        }
    }
}
