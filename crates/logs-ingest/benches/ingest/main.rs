//! Where the time of one ingest request goes, stage by stage, for realistic batches
//! (see `data.rs`). No criterion: medians of wall-clock timings, printed as a table.
//!
//!     cargo bench -p logs-ingest --bench ingest            # 5,000 records, 30 runs
//!     cargo bench -p logs-ingest --bench ingest -- 1000 50 # records, runs
//!     cargo bench -p logs-ingest --bench ingest -- JSON    # only stages named so
//!
//! The HTTP handler also resolves the token, collects the body and hands the records to
//! the log store; those are measured end to end by `logstead-bench` (docs/performance.md).

mod data;

use std::hint::black_box;
use std::io::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use flate2::Compression;
use flate2::write::GzEncoder;
use logs_ingest::{decode, into_records, to_records};
use prost::Message;

const CAP: usize = 512 << 20;
const NOW_US: i64 = 1_700_000_000_000_000;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Stage names must contain this (the first non-numeric argument) to run; for `perf`.
static ONLY: OnceLock<String> = OnceLock::new();

/// Runs `f` `runs` times (after one warm-up) and prints its median.
fn stage<T>(name: &str, rows: usize, runs: usize, mut f: impl FnMut() -> T) -> Duration {
    if !name.contains(ONLY.get().map_or("", String::as_str)) {
        return Duration::MAX;
    }
    black_box(f());
    let times = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let out = black_box(f());
            let elapsed = start.elapsed();
            drop(out); // not timed: see "drop records"
            elapsed
        })
        .collect();
    let m = median(times);
    let per_s = rows as f64 / m.as_secs_f64();
    println!("| {name:<28} | {:>9.2} | {:>11.0} |", m.as_secs_f64() * 1e3, per_s);
    m
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let nums: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let _ = ONLY.set(args.iter().find(|a| a.parse::<usize>().is_err()).cloned().unwrap_or_default());
    let rows = nums.first().copied().unwrap_or(5_000);
    let runs = nums.get(1).copied().unwrap_or(30).max(1);
    let req = data::batch(42, rows, NOW_US as u64 * 1000);
    let protobuf = req.encode_to_vec();
    let json = serde_json::to_vec(&req).unwrap_or_default();
    let (protobuf_gz, json_gz) = (gzip(&protobuf), gzip(&json));
    println!(
        "{rows} records in {} resources; protobuf {} KiB (gzip {}), JSON {} KiB (gzip {}); median of {runs}\n",
        req.resource_logs.len(),
        protobuf.len() / 1024,
        protobuf_gz.len() / 1024,
        json.len() / 1024,
        json_gz.len() / 1024
    );
    println!("| {:<28} | {:>9} | {:>11} |", "stage", "ms/batch", "records/s");
    println!("|{:-<30}|{:->11}|{:->13}|", "", "", "");
    let pb = stage("decode protobuf", rows, runs, || decode(&protobuf, CAP));
    stage("decode protobuf (gzip)", rows, runs, || decode(&protobuf_gz, CAP));
    let js = stage("decode JSON", rows, runs, || decode(&json, CAP));
    stage("decode JSON (gzip)", rows, runs, || decode(&json_gz, CAP));
    stage("to_records (copies)", rows, runs, || to_records(&req, 1, NOW_US));
    let mut copies: Vec<_> = (0..=runs).map(|_| req.clone()).collect();
    let map = stage("into_records", rows, runs, || into_records(copies.pop().unwrap_or_default(), 1, NOW_US));
    if !ONLY.get().is_some_and(|o| o.is_empty()) {
        return;
    }
    // Dropping is part of a request too (unless the store keeps the records).
    let drops = (0..runs)
        .map(|_| {
            let records = into_records(req.clone(), 1, NOW_US);
            let start = Instant::now();
            drop(black_box(records));
            start.elapsed()
        })
        .collect();
    let d = median(drops);
    println!(
        "| {:<28} | {:>9.2} | {:>11.0} |",
        "drop records",
        d.as_secs_f64() * 1e3,
        rows as f64 / d.as_secs_f64()
    );
    let total = |d: Duration| rows as f64 / (d + map).as_secs_f64();
    println!(
        "\ndecode + into_records on one core: protobuf {:.0} records/s, JSON {:.0} records/s",
        total(pb),
        total(js)
    );
}
