//! Conformance cases for the aggregate endpoints (count, count-ranges, sparkline, services)
//! on data with many short-lived resources: the store's answers, from its rollups where the
//! planner uses them, equal the oracle's, whose rollups are one cell per row (a scan).

use serde_json::{Value, json};

use super::compare::oracle;
use super::data::{BASE, EMPTY_TEAM, MINUTE, TEAMS, dataset};
use super::{StoreFactory, loaded};
use crate::aggregate::{count, count_ranges, services, sparkline};
use crate::timefmt::{format_iso_us, from_us};
use crate::{LogRecord, LogStore, LogsQuery, parse_body};

/// Pods alive at once; each lives [`POD_LIFE`], then is replaced.
const LIVE_PODS: i64 = 25;
const POD_LIFE: i64 = 2 * MINUTE;

/// The conformance data squeezed into minutes 50–70 after [`BASE`] (two hourly partitions),
/// with 25 pods replaced every 2 minutes: 250 resources, several of them in most
/// (minute, service, severity).
pub fn many_resources(seed: u64, n: usize) -> Vec<LogRecord> {
    let start = BASE + 50 * MINUTE;
    let mut rows = dataset(seed, n);
    for (i, r) in rows.iter_mut().enumerate() {
        let lag = r.observed_timestamp_us - r.timestamp_us;
        r.timestamp_us = start + (r.timestamp_us - BASE) % (20 * MINUTE);
        r.observed_timestamp_us = r.timestamp_us + lag;
        let pod = (r.timestamp_us - start) / POD_LIFE * LIVE_PODS + i as i64 % LIVE_PODS;
        r.resource_fingerprint = pod_fingerprint(pod);
        r.resource_attributes = vec![("k8s.pod.name".to_string(), format!("pod-{pod}"))].into();
    }
    rows
}

fn pod_fingerprint(pod: i64) -> u64 {
    1_000_003 * pod as u64 + 17
}

/// `{"query": q}` parsed, over `[from, to)`.
pub fn query(from: i64, to: i64, mut q: Value) -> LogsQuery {
    q["dateRange"] = json!({"date_from": format_iso_us(from), "date_to": format_iso_us(to)});
    parse_body(&json!({ "query": q }), false).expect("valid query")
}

/// Every aggregate of `q` on `store` equals the oracle's.
pub fn assert_same_aggregates(store: &dyn LogStore, mem: &dyn LogStore, team: i64, q: &LogsQuery, ctx: &str) {
    let now = from_us(BASE + 24 * 60 * MINUTE);
    assert_eq!(
        count(store, team, q, now).expect("aggregate"),
        count(mem, team, q, now).expect("aggregate"),
        "count {ctx}"
    );
    assert_eq!(
        count_ranges(store, team, q, now).expect("aggregate"),
        count_ranges(mem, team, q, now).expect("aggregate"),
        "count-ranges {ctx}"
    );
    assert_eq!(
        sparkline(store, team, q, now).expect("aggregate"),
        sparkline(mem, team, q, now).expect("aggregate"),
        "sparkline {ctx}"
    );
    assert_eq!(
        services(store, team, q, now).expect("aggregate"),
        services(mem, team, q, now).expect("aggregate"),
        "services {ctx}"
    );
}

pub fn aggregates_over_many_resources_match_the_oracle(factory: &mut dyn StoreFactory) {
    let rows = many_resources(21, 3000);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    let ranges = [
        (BASE + 45 * MINUTE, BASE + 75 * MINUTE),
        (BASE + 50 * MINUTE + 17_000_003, BASE + 68 * MINUTE + 3_000_000),
        (BASE + 61 * MINUTE, BASE + 62 * MINUTE),
    ];
    let queries = [
        json!({}),
        json!({"sparklineBreakdownBy": "service"}),
        json!({"sparklineBreakdownBy": "service", "sparklineRankBy": "bytes"}),
        json!({"severityLevels": ["error", "fatal"]}),
        json!({"serviceNames": ["checkout", "api"], "sparklineBreakdownBy": "service"}),
        json!({"serviceNameSearch": "E"}),
    ];
    for team in TEAMS.into_iter().chain([EMPTY_TEAM]) {
        for (from, to) in ranges {
            for q in &queries {
                assert_same_aggregates(
                    &*store,
                    &mem,
                    team,
                    &query(from, to, q.clone()),
                    &format!("{team} {q}"),
                );
            }
        }
    }
}

/// Rollup cells hold no resource: a resource filter must still count exactly its rows.
pub fn resource_filtered_aggregates_are_exact(factory: &mut dyn StoreFactory) {
    let rows = many_resources(22, 3000);
    let store = loaded(factory, &rows);
    let mem = oracle(&rows);
    let (from, to) = (BASE + 45 * MINUTE, BASE + 75 * MINUTE);
    let now = from_us(BASE + 24 * 60 * MINUTE);
    // A pod of the first generation, one of the hour's last and one that never existed.
    for pod in [3, 4 * LIVE_PODS + 7, 10_000] {
        let fp = pod_fingerprint(pod);
        let want = rows.iter().filter(|r| r.team_id == 1 && r.resource_fingerprint == fp).count() as u64;
        assert_eq!(want > 0, pod < 10_000, "pod {pod} has rows in the data set");
        for extra in
            [json!({}), json!({"severityLevels": ["info", "warn"], "sparklineBreakdownBy": "service"})]
        {
            let mut q = extra.clone();
            q["resourceFingerprint"] = json!(fp.to_string());
            let q = query(from, to, q);
            let ctx = format!("pod {pod} {extra}");
            assert_same_aggregates(&*store, &mem, 1, &q, &ctx);
            if extra == json!({}) {
                assert_eq!(count(&*store, 1, &q, now).expect("aggregate"), want, "{ctx}");
                let report = services(&*store, 1, &q, now).expect("aggregate");
                assert_eq!(report.services.iter().map(|s| s.log_count).sum::<u64>(), want, "{ctx}");
            }
        }
    }
}
