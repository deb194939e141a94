//! `logstead-bench`: the logs benchmark in one command. See `--help` and docs/performance.md.

mod dataset;
mod ingest;
mod mix;
mod queries;
mod report;
mod server;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;

use dataset::{Dataset, Profile, SPAN_SECS};
use ingest::Format;
use report::{INGEST_GOAL_JSON, INGEST_GOAL_PROTOBUF, Report};
use server::{Credentials, Server};

pub type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Logs benchmark: generates a realistic, seeded data set, starts the real `logstead` server
/// (SQLite, temporary data dir, free port), ingests over OTLP/HTTP (protobuf, then JSON into
/// a fresh server), times the logs query endpoints and prints a markdown table.
///
/// Run it (it builds the server itself, with the same profile and target dir):
///
///     cargo run --release -p logstead-bench -- --rows 1000000
///
/// A quick check in debug: `cargo run -p logstead-bench -- --rows 20000 --runs 1`.
#[derive(Debug, Parser)]
#[command(name = "logstead-bench", verbatim_doc_comment)]
struct Args {
    /// Rows to generate and ingest.
    #[arg(long, default_value_t = 1_000_000)]
    rows: u64,
    /// Runs per query; the table shows the median and the minimum.
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Data set: `hard` (pod churn, ~50 attribute keys, 230 templates with stack traces, a
    /// search word with common trigrams) or `classic` (the original data set, for comparison).
    #[arg(long, value_enum, default_value_t = Profile::Hard)]
    profile: Profile,
    /// Seed of the data generator (same seed, same data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the servers' data dirs here (must be absent or empty) instead of a temporary dir.
    #[arg(long)]
    keep_data: Option<PathBuf>,
    /// Records per ingest request.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Concurrent ingest clients (each keeps its connection alive).
    #[arg(long, default_value_t = 8)]
    threads: usize,
    /// Do not build the server; use `<target>/<profile>/logstead` as it is.
    #[arg(long)]
    no_build: bool,
    /// Seconds `<data>/logs` must stay unchanged before it counts as settled (longer than
    /// the store's seal age, 10 s).
    #[arg(long, default_value_t = 15)]
    settle_secs: u64,
    /// Skip the JSON ingest run.
    #[arg(long)]
    skip_json: bool,
    /// Mixed load (issue 14, goal 6): seconds of ingest into a second project, at
    /// `--mix-rate` rows/s, while `--mix-clients` clients run the query mix. 0 skips it.
    #[arg(long, default_value_t = 30)]
    mix_secs: u64,
    #[arg(long, default_value_t = 100_000.0)]
    mix_rate: f64,
    #[arg(long, default_value_t = 8)]
    mix_clients: usize,
    /// Each client generates and encodes a request just before sending it, instead of
    /// everything being encoded before the clock starts: for data sets that do not fit in
    /// memory (on by itself past 20M rows). Ingest rates are then lower: the
    /// clients' CPU competes with the server's.
    #[arg(long)]
    stream: bool,
}

/// Pre-encoded protobuf takes ≈ 360 bytes per row: 20M rows ≈ 7 GiB.
const STREAM_PAST: u64 = 20_000_000;

impl Args {
    /// Whether the clients encode as they send (see `stream`).
    fn streams(&self) -> bool {
        self.stream || self.rows > STREAM_PAST
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("logstead-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn progress(msg: impl AsRef<str>) {
    eprintln!("[bench] {}", msg.as_ref());
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']));
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kb: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    format!("{cores} cores ({}), {:.0} GiB RAM", model.unwrap_or("unknown CPU"), mem_kb as f64 / 1048576.0)
}

fn data_root(args: &Args) -> Res<PathBuf> {
    if let Some(dir) = &args.keep_data {
        if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
            return Err(format!("--keep-data {} is not empty", dir.display()).into());
        }
        std::fs::create_dir_all(dir)?;
        return Ok(dir.clone());
    }
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let dir = std::env::temp_dir().join(format!("logstead-bench-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

fn run(args: &Args) -> Res<()> {
    let root = data_root(args)?;
    let result = bench(args, &root);
    // On failure the data and the server logs (`<format>.server.log`) are kept for a look.
    if args.keep_data.is_none() && result.is_ok() {
        let _ = std::fs::remove_dir_all(&root);
    } else {
        progress(format!("data and server logs kept in {}", root.display()));
    }
    let report = result?;
    println!("{}", report.markdown());
    Ok(())
}

/// Encodes, starts a fresh server in `dir`, sends everything; returns the running server.
fn ingest_run(
    args: &Args,
    d: &Dataset,
    binary: &Path,
    dir: &Path,
    format: Format,
) -> Res<(Server, Credentials, Duration, dataset::Stats)> {
    let stream = args.streams();
    let (bodies, truth) = if stream {
        progress(format!("{} rows: each client encodes as it sends", d.rows));
        (Vec::new(), dataset::Stats::default())
    } else {
        progress(format!("encoding {} rows as {} ...", d.rows, format.name()));
        let started = Instant::now();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (bodies, truth) = ingest::encode(d, format, threads)?;
        let bytes: usize = bodies.iter().map(Vec::len).sum();
        progress(format!(
            "encoded {} requests, {:.1} MiB, in {:.1} s",
            bodies.len(),
            bytes as f64 / 1048576.0,
            started.elapsed().as_secs_f64()
        ));
        (bodies, truth)
    };
    let (server, creds) = Server::start(binary, dir)?;
    let creds = creds.ok_or("the server did not print its first-start credentials")?;
    progress(format!("server up at {} (pid {}); ingesting ...", server.base, server.pid()));
    let cpu_before = server.cpu_secs();
    let streamed = std::sync::Mutex::new(dataset::Stats::default());
    let source = if stream {
        ingest::Bodies::Streamed { d, format, truth: &streamed }
    } else {
        ingest::Bodies::Encoded(&bodies)
    };
    let took = ingest::send(&server.base, &creds.project_token, format, &source, args.threads, None)?;
    let truth =
        if stream { streamed.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) } else { truth };
    if let (Some(a), Some(b)) = (cpu_before, server.cpu_secs()) {
        progress(format!(
            "{} ingest: server CPU {:.1} s to the last 200 = {:.2} µs per row",
            format.name(),
            b - a,
            (b - a) * 1e6 / d.rows as f64
        ));
    }
    progress(format!(
        "{} ingest: {:.1} s, {:.0} rows/s",
        format.name(),
        took.as_secs_f64(),
        d.rows as f64 / took.as_secs_f64()
    ));
    Ok((server, creds, took, truth))
}

fn bench(args: &Args, root: &Path) -> Res<Report> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let end_s = now - now % 60;
    let d = Dataset::new(args.profile, args.seed, args.rows, args.batch, end_s);
    let binary = server::locate_binary(args.no_build)?;
    let mut report = Report {
        command: format!(
            "cargo run {}-p logstead-bench -- {}",
            if cfg!(debug_assertions) { "" } else { "--release " },
            std::env::args().skip(1).collect::<Vec<_>>().join(" ")
        ),
        rows: d.rows,
        ..Report::default()
    };
    report.setup = vec![
        format!(
            "N = {} rows, seed {}, spread over the {} h {} min before {} (30 services, Zipf-like mix)",
            report::thousands(d.rows),
            d.seed,
            SPAN_SECS / 3600,
            SPAN_SECS % 3600 / 60,
            queries_end(end_s)
        ),
        format!("profile {}", d.describe()),
        format!("{} requests of up to {} records, {} keep-alive clients", d.batches(), d.batch, args.threads),
        format!(
            "machine: {}; build: {}",
            machine(),
            if cfg!(debug_assertions) { "**debug**" } else { "release" }
        ),
        format!("server: {} (SQLite, fresh data dir per format)", binary.display()),
    ];
    if args.streams() {
        report.setup.push(
            "requests generated and encoded by the clients as they send (`--stream`): the clients' CPU competes with the server's, so ingest rates are understated".into(),
        );
    }

    // Protobuf: ingest and let the store seal/compact; then restart (WAL replay) and let it
    // settle again, so the queries run against the steady state, not against sealing.
    let pb_dir = root.join("protobuf");
    let logs_dir = pb_dir.join("logs");
    let quiet = Duration::from_secs(args.settle_secs);
    let (server, creds, took, truth) = ingest_run(args, &d, &binary, &pb_dir, Format::Protobuf)?;
    report.ingest.push(("OTLP protobuf", d.rows, Some(took), INGEST_GOAL_PROTOBUF));
    let cpu_ingest = server.cpu_secs();
    settle(&mut report, &logs_dir, quiet, "after ingest");
    if let (Some(a), Some(b)) = (cpu_ingest, server.cpu_secs()) {
        report.notes.push(format!(
            "server CPU (user + system), protobuf: {:.1} s from start to the last 200, {:.1} s with sealing and compaction = {:.2} / {:.2} µs per row",
            a,
            b,
            a * 1e6 / d.rows as f64,
            b * 1e6 / d.rows as f64
        ));
    }
    report.memory.push(("server peak RSS, protobuf ingest + sealing".into(), server.peak_rss()));
    server.stop()?;
    let (server, _) = Server::start(&binary, &pb_dir)?;
    report.notes.push(format!(
        "the server was then stopped (SIGTERM) and started again: {:.2} s to listening (replay included)",
        server.startup.as_secs_f64()
    ));
    report.disk_bytes = Some(settle(&mut report, &logs_dir, quiet, "after the restart"));
    let parts: Vec<String> = server::dir_breakdown(&logs_dir)
        .iter()
        .take(8)
        .map(|(name, bytes)| format!("{name} {:.1} MiB", *bytes as f64 / 1048576.0))
        .collect();
    report.notes.push(format!("`<data>/logs` after settling: {}", parts.join(", ")));

    let agent = ingest::agent(Duration::from_secs(300));
    for q in queries::all(&d, &truth)? {
        progress(format!("{} {} ...", q.id, q.what));
        let outcome =
            queries::run(&agent, &server.base, creds.project_id, &creds.personal_key, &q, args.runs);
        report.queries.push((q, outcome));
    }
    report.memory.push(("server peak RSS after the restart + queries".into(), server.peak_rss()));
    if args.mix_secs > 0 {
        let qs = queries::all(&d, &truth)?;
        // Alone first: after the ingest, sealing and compaction would still be running.
        report.mix_alone = Some(mixed_load(args, &d, &server, &creds, &qs, true)?);
        report.mix = Some(mixed_load(args, &d, &server, &creds, &qs, false)?);
        report.memory.push(("server peak RSS after the mixed load".into(), server.peak_rss()));
    }
    server.stop()?;

    if args.skip_json {
        report.ingest.push(("OTLP JSON", d.rows, None, INGEST_GOAL_JSON));
    } else {
        let (server, _, took, _) = ingest_run(args, &d, &binary, &root.join("json"), Format::Json)?;
        report.ingest.push(("OTLP JSON", d.rows, Some(took), INGEST_GOAL_JSON));
        report.memory.push(("server peak RSS after JSON ingest (fresh server)".into(), server.peak_rss()));
        server.stop()?;
    }
    Ok(report)
}

/// Goal 6: the query mix from several clients while ingest runs into a second project, or
/// (`alone`) for as long without ingest: how much of the slowdown is the clients' own.
fn mixed_load(
    args: &Args,
    d: &Dataset,
    server: &Server,
    creds: &Credentials,
    qs: &[queries::Query],
    alone: bool,
) -> Res<mix::Mix> {
    let (bodies, token) = if alone {
        progress(format!("{} query clients alone for {} s ...", args.mix_clients, args.mix_secs));
        (Vec::new(), String::new())
    } else {
        let rows = (args.mix_rate * args.mix_secs as f64) as u64;
        let n = rows.div_ceil(d.batch as u64).max(1) as usize;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let (bodies, _) = ingest::encode_first(d, Format::Protobuf, threads, n)?;
        progress(format!(
            "mixed load: {} rows at up to {} rows/s into a second project, {} query clients ...",
            bodies.len() * d.batch,
            args.mix_rate,
            args.mix_clients
        ));
        (bodies, mix::second_project(&server.base, &creds.personal_key, creds.project_id)?)
    };
    let load = mix::Load {
        base: &server.base,
        project: creds.project_id,
        key: &creds.personal_key,
        ingest_token: &token,
        bodies: &bodies,
        rows_per_body: d.batch as u64,
        rate: args.mix_rate,
        ingest_threads: args.threads,
        query_clients: args.mix_clients,
        alone: Duration::from_secs(args.mix_secs),
    };
    mix::run(&load, qs)
}

/// Waits until `<data>/logs` stops changing for `quiet` (sealing, compaction); returns its size.
fn settle(report: &mut Report, logs_dir: &Path, quiet: Duration, when: &str) -> u64 {
    progress(format!(
        "{when}: waiting for {} to stay unchanged for {} s ...",
        logs_dir.display(),
        quiet.as_secs()
    ));
    let started = Instant::now();
    let (bytes, settled) = server::wait_settled(logs_dir, quiet, Duration::from_secs(900));
    let busy = started.elapsed().saturating_sub(quiet).as_secs_f64();
    if settled {
        report
            .notes
            .push(format!("{when}: `<data>/logs` stopped changing after {busy:.1} s (sealing, compaction)"));
    } else {
        report.notes.push(format!("{when}: `<data>/logs` was still changing after 15 minutes"));
    }
    bytes
}

fn queries_end(end_s: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(end_s)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| end_s.to_string())
}
