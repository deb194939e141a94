//! A naive evaluation of every `LogStore` method over a list of records, and a checker that
//! compares a store against it.

use std::collections::BTreeMap;

use logs_query::{
    AttributeScope, AttributeStatsRequest, ListRequest, LogCursor, LogRecord, LogStore, OrderBy, RowFilter,
    ScanRequest, Severity, StatsMode,
};

use super::{BASE, HOUR, MINUTE, filters};

pub struct Oracle {
    pub rows: Vec<LogRecord>,
}

type Cells = BTreeMap<(i64, String, Severity, u64), (u64, u64)>;
type Stats = BTreeMap<(String, Option<String>), u64>;

impl Oracle {
    pub fn new(rows: &[LogRecord]) -> Self {
        Self { rows: rows.to_vec() }
    }

    fn in_range<'a>(&'a self, team: i64, from: i64, to: i64) -> impl Iterator<Item = &'a LogRecord> + 'a {
        self.rows.iter().filter(move |r| r.team_id == team && r.timestamp_us >= from && r.timestamp_us < to)
    }

    pub fn list(&self, req: &ListRequest<'_>) -> Vec<LogRecord> {
        let mut rows: Vec<LogRecord> = self
            .in_range(req.team_id, req.from_us, req.to_us)
            .filter(|r| {
                req.observed_from_us.is_none_or(|o| r.observed_timestamp_us >= o) && req.filter.matches(r)
            })
            .filter(|r| {
                req.after.is_none_or(|c| match req.order {
                    OrderBy::Latest => (r.timestamp_us, r.uuid) < (c.timestamp_us, c.uuid),
                    OrderBy::Earliest => (r.timestamp_us, r.uuid) > (c.timestamp_us, c.uuid),
                })
            })
            .cloned()
            .collect();
        rows.sort_by_key(|r| (r.timestamp_us, r.uuid));
        if req.order == OrderBy::Latest {
            rows.reverse();
        }
        rows.truncate(req.limit);
        rows
    }

    pub fn scan(&self, team: i64, from: i64, to: i64, f: &RowFilter) -> Vec<(i64, u128)> {
        let mut keys: Vec<_> = self
            .in_range(team, from, to)
            .filter(|r| f.matches(r))
            .map(|r| (r.timestamp_us, r.uuid.as_u128()))
            .collect();
        keys.sort_unstable();
        keys
    }

    pub fn rollups(&self, team: i64, from: i64, to: i64) -> Cells {
        let mut out = Cells::new();
        for r in self.in_range(team, from, to) {
            let minute = r.timestamp_us - r.timestamp_us.rem_euclid(MINUTE);
            let c =
                out.entry((minute, r.service_name.clone(), r.severity, r.resource_fingerprint)).or_default();
            c.0 += 1;
            c.1 += u64::from(r.bytes);
        }
        out
    }

    pub fn stats(&self, team: i64, from: i64, to: i64, scope: AttributeScope, mode: StatsMode<'_>) -> Stats {
        let mut out = Stats::new();
        for r in self.in_range(team, from, to) {
            let attrs = if scope == AttributeScope::Log { &r.attributes } else { &r.resource_attributes };
            for (k, v) in attrs {
                let key = match mode {
                    StatsMode::Keys => (k.clone(), None),
                    StatsMode::ValuesOf(want) if want != k => continue,
                    _ => (k.clone(), Some(v.clone())),
                };
                *out.entry(key).or_default() += 1;
            }
        }
        out
    }
}

pub fn keys(rows: &[LogRecord]) -> Vec<(i64, u128)> {
    rows.iter().map(|r| (r.timestamp_us, r.uuid.as_u128())).collect()
}

pub fn store_scan(store: &dyn LogStore, team: i64, from: i64, to: i64, f: &RowFilter) -> Vec<(i64, u128)> {
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

pub fn store_rollups(store: &dyn LogStore, team: i64, from: i64, to: i64) -> Cells {
    let mut out = Cells::new();
    store
        .rollups(team, from, to, &mut |c| {
            let e = out
                .entry((c.minute_us, c.service_name.to_string(), c.severity, c.resource_fingerprint))
                .or_default();
            e.0 += c.count;
            e.1 += c.bytes;
        })
        .expect("rollups");
    out
}

pub fn store_stats(
    store: &dyn LogStore,
    team: i64,
    from: i64,
    to: i64,
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

/// Pages through everything with `limit`-row pages and the cursor.
pub fn page_all(
    store: &dyn LogStore,
    team: i64,
    from: i64,
    to: i64,
    f: &RowFilter,
    order: OrderBy,
    limit: usize,
) -> Vec<LogRecord> {
    let mut out: Vec<LogRecord> = Vec::new();
    loop {
        let after = out.last().map(LogCursor::after_record);
        let req = ListRequest {
            team_id: team,
            from_us: from,
            to_us: to,
            filter: f,
            order,
            after,
            observed_from_us: None,
            limit,
        };
        let page = store.list(&req).expect("list");
        let done = page.len() < limit;
        out.extend(page);
        if done {
            return out;
        }
    }
}

/// Every method of `store` against the oracle, for every team, filter and a few ranges.
/// Attribute statistics are compared on hour-aligned ranges only: stores may answer them
/// per segment (a UTC hour).
pub fn check(store: &dyn LogStore, oracle: &Oracle, stage: &str) {
    let ranges =
        [(BASE - HOUR, BASE + 6 * HOUR), (BASE + HOUR + 17 * MINUTE + 3, BASE + 3 * HOUR + 41 * MINUTE)];
    let aligned = [(BASE - HOUR, BASE + 6 * HOUR), (BASE + HOUR, BASE + 3 * HOUR)];
    let minute_ranges = [(BASE - HOUR, BASE + 6 * HOUR), (BASE + 61 * MINUTE, BASE + 200 * MINUTE)];
    for team in [1, 2, 3, 4] {
        assert_eq!(
            store.has_logs(team).expect("has_logs"),
            oracle.rows.iter().any(|r| r.team_id == team),
            "{stage}"
        );
        for (name, f) in filters() {
            for (from, to) in ranges {
                let ctx = format!("{stage}: team {team} filter {name} range {from}..{to}");
                assert_eq!(
                    store_scan(store, team, from, to, &f),
                    oracle.scan(team, from, to, &f),
                    "scan {ctx}"
                );
                for order in [OrderBy::Latest, OrderBy::Earliest] {
                    for (limit, observed) in
                        [(1, None), (7, None), (100_000, None), (50, Some(BASE + 2 * HOUR))]
                    {
                        let req = ListRequest {
                            team_id: team,
                            from_us: from,
                            to_us: to,
                            filter: &f,
                            order,
                            after: None,
                            observed_from_us: observed,
                            limit,
                        };
                        let got = store.list(&req).expect("list");
                        let want = oracle.list(&req);
                        assert_eq!(keys(&got), keys(&want), "list {order:?} {limit} {observed:?} {ctx}");
                        assert_eq!(got, want, "whole records {ctx}");
                    }
                }
            }
        }
        let all = RowFilter::default();
        for order in [OrderBy::Latest, OrderBy::Earliest] {
            let (from, to) = ranges[0];
            let paged = page_all(store, team, from, to, &all, order, 13);
            let req = ListRequest {
                team_id: team,
                from_us: from,
                to_us: to,
                filter: &all,
                order,
                after: None,
                observed_from_us: None,
                limit: usize::MAX,
            };
            assert_eq!(keys(&paged), keys(&oracle.list(&req)), "{stage}: paging {order:?} team {team}");
        }
        for (from, to) in minute_ranges {
            assert_eq!(
                store_rollups(store, team, from, to),
                oracle.rollups(team, from, to),
                "{stage}: rollups team {team}"
            );
        }
        for (from, to) in aligned {
            for scope in [AttributeScope::Log, AttributeScope::Resource] {
                for mode in [
                    StatsMode::Keys,
                    StatsMode::AllValues,
                    StatsMode::ValuesOf("http.method"),
                    StatsMode::ValuesOf("host"),
                ] {
                    assert_eq!(
                        store_stats(store, team, from, to, scope, mode),
                        oracle.stats(team, from, to, scope, mode),
                        "{stage}: stats {scope:?} {mode:?} team {team} {from}..{to}"
                    );
                }
            }
        }
    }
}
