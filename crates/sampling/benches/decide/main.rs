//! What sampling rules cost the ingest path: decode + mapping of a realistic 5,000-record
//! batch (logs-ingest's bench data) with no rules and with 5 enabled rules of mixed types,
//! interleaved in the same run. No criterion: medians of wall-clock timings, as the
//! logs-ingest bench.
//!
//!     cargo bench -p sampling --bench decide            # 5,000 records, 30 runs
//!     cargo bench -p sampling --bench decide -- 5000 60 # records, runs
//!     cargo bench -p sampling --bench decide -- 5000 30 10000000 # + simulate over 10M rows
//!
//! The pipeline includes the embedded store's append (WAL, group commit) so the figure is
//! the ingest path minus HTTP; the last argument also times simulate over a stored set.

#[path = "../../../logs-ingest/benches/ingest/data.rs"]
#[allow(dead_code)]
mod data;

use std::hint::black_box;
use std::time::{Duration, Instant};

use log_store::EmbeddedStore;
use logs_ingest::{decode, into_records};
use logs_query::{LogRecord, LogStore};
use prost::Message;
use sampling::{Limiter, RuleSet, RuleType, SamplingRule};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

const CAP: usize = 512 << 20;
const NOW_US: i64 = 1_700_000_000_000_000;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn rule(n: u128, rule_type: RuleType, scope_service: Option<&str>, config: Value) -> SamplingRule {
    let at = OffsetDateTime::UNIX_EPOCH;
    SamplingRule {
        id: Uuid::from_u128(n),
        team_id: 1,
        name: format!("rule {n}"),
        enabled: true,
        priority: n as i64,
        rule_type,
        scope_service: scope_service.map(str::to_string),
        scope_path_pattern: None,
        scope_attribute_filters: json!([]),
        config,
        version: 1,
        created_by: None,
        created_at: at,
        updated_at: at,
    }
}

/// Five enabled rules of the three types, with filter groups, regexes and always_keep:
/// most records walk all of them.
fn five_rules() -> Vec<SamplingRule> {
    let fg = |k: &str, op: &str, v: &str| json!({"type": "AND", "values": [{"key": k, "type": "log_attribute", "operator": op, "value": v}]});
    vec![
        rule(
            1,
            RuleType::PathDrop,
            None,
            json!({"patterns": ["^/healthz$", "^/metrics$"], "filter_group": fg("http.method", "exact", "OPTIONS")}),
        ),
        rule(
            2,
            RuleType::PathDrop,
            Some("checkout"),
            json!({"patterns": ["^/api/cart/\\{id\\}$"], "always_keep": {"status_gte": 500}}),
        ),
        rule(
            3,
            RuleType::SeveritySampling,
            Some("search"),
            json!({"actions": {"DEBUG": {"type": "sample", "rate": 0.1}, "INFO": {"type": "sample", "rate": 0.5}}, "always_keep": {"latency_ms_gt": 1000}}),
        ),
        rule(
            4,
            RuleType::RateLimit,
            None,
            json!({"logs_per_second": 1_000_000, "filter_group": fg("region", "regex", "^eu-")}),
        ),
        rule(5, RuleType::RateLimit, None, json!({"kb_per_second": 1_000_000})),
    ]
}

fn main() {
    let nums: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let rows = nums.first().copied().unwrap_or(5_000);
    let runs = nums.get(1).copied().unwrap_or(30).max(1);
    let body = data::batch(42, rows, NOW_US as u64 * 1000).encode_to_vec();
    let set = RuleSet::new(1, &five_rules());
    let limiter = Limiter::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _) = EmbeddedStore::open(&dir.path().join("ingest")).expect("store");
    let pipeline = |with_rules: bool| {
        let start = Instant::now();
        let req = decode(&body, CAP).unwrap_or_default();
        let mut records: Vec<LogRecord> = into_records(req, 1, NOW_US);
        if with_rules {
            records.retain(|r| set.decide(r, &limiter, NOW_US).keep);
        }
        let kept = records.len();
        store.append(1, records).expect("append");
        (start.elapsed(), kept)
    };
    pipeline(false);
    pipeline(true);
    let (mut none, mut five, mut kept) = (Vec::new(), Vec::new(), 0);
    for _ in 0..runs {
        none.push(pipeline(false).0);
        let (t, k) = pipeline(true);
        five.push(t);
        kept = k;
    }
    let records = into_records(decode(&body, CAP).unwrap_or_default(), 1, NOW_US);
    let decide: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            for r in &records {
                black_box(set.decide(r, &limiter, NOW_US));
            }
            start.elapsed()
        })
        .collect();
    let (a, b, d) = (median(none), median(five), median(decide));
    let per_s = |t: Duration| rows as f64 / t.as_secs_f64();
    println!("{rows} records (protobuf {} KiB), median of {runs}; 5 rules keep {kept}", body.len() / 1024);
    println!("| {:<42} | {:>9} | {:>11} |", "stage", "ms/batch", "records/s");
    println!("|{:-<44}|{:->11}|{:->13}|", "", "", "");
    for (name, t) in
        [("decode + into_records + append, no rules", a), ("... + 5 rules", b), ("decide alone, 5 rules", d)]
    {
        println!("| {:<42} | {:>9.2} | {:>11.0} |", name, t.as_secs_f64() * 1e3, per_s(t));
    }
    println!(
        "\nslowdown of the ingest path with 5 rules: {:.1} %",
        100.0 * (b.as_secs_f64() / a.as_secs_f64() - 1.0)
    );
    if let Some(&n) = nums.get(2) {
        simulate_at(n, dir.path());
    }
}

/// Stores `n` rows (5,000 per minute of data) and times simulate over all of them: "cold"
/// is the first run on a freshly reopened store (empty batch cache; the OS page cache is
/// warm from the writes), "warm" the runs after it.
fn simulate_at(n: usize, dir: &std::path::Path) {
    let path = dir.join("simulate");
    let (store, _) = EmbeddedStore::open(&path).expect("store");
    let batches = n.div_ceil(5_000);
    let start_ns = NOW_US as u64 * 1000;
    let t = Instant::now();
    for i in 0..batches {
        let now_ns = start_ns + i as u64 * 60_000_000_000;
        let req = data::batch(i as u64, 5_000, now_ns);
        // Each batch captured when it was sent: with one fixed "now", ingestion would move
        // every record more than 24 h after it to that instant (the skew rule).
        store.append(1, into_records(req, 1, (now_ns / 1000) as i64)).expect("append");
    }
    println!("\nstored {} rows in {:.1} s", batches * 5_000, t.elapsed().as_secs_f64());
    // Sealed and compacted first, so no maintenance competes with the timed runs.
    let t = Instant::now();
    store.flush().expect("flush");
    store.compact().expect("compact");
    drop(store);
    let (store, _) = EmbeddedStore::open(&path).expect("reopen");
    let stats = store.stats();
    println!(
        "sealed, compacted and reopened in {:.1} s: {} segments, {} rows",
        t.elapsed().as_secs_f64(),
        stats.segments,
        stats.segment_rows
    );
    let (from, to) = (NOW_US - 120_000_000, NOW_US + (batches as i64 + 1) * 60_000_000);
    // A draft that drops product pages (2 of the data's 6 routes), after the five rules above.
    let draft = rule(9, RuleType::PathDrop, None, json!({"patterns": ["^/api/products"]}));
    let max = sampling::simulate::DEFAULT_MAX_ROWS;
    for (run, max_rows) in [("cold", max), ("warm", max), ("warm", max), ("100k rows, warm-ish", 100_000)] {
        let t = Instant::now();
        let rep =
            sampling::simulate::run(&store, &five_rules(), &draft, from, to, max_rows).expect("simulate");
        println!(
            "simulate {run}: {:.0} ms, examined {} of {} rows (sampled {}, {:.2} %), estimate {} %",
            t.elapsed().as_secs_f64() * 1e3,
            rep.records.examined,
            rep.rows_in_window,
            rep.sampled,
            100.0 * rep.sample_fraction,
            rep.estimated_reduction_pct()
        );
    }
}
