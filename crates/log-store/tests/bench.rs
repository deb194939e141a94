//! Size and speed on realistic rows (shaped like logstead-bench's data set). Ignored; run:
//! `cargo test --release -p log-store --test bench -- --ignored --nocapture`
//! (`BENCH_ROWS=1000000` for more rows).

mod support;

use std::fmt::Write as _;
use std::time::Instant;

use bench_data::{ERRORS, FIRST_NAMES, HOSTS, PATTERNS, ROUTES, TABLES};
use log_store::StoreOptions;
use logs_query::{ListRequest, LogRecord, LogStore, OrderBy, RowFilter, ScanRequest, Severity};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::{filter, open, temp_dir};
use uuid::Uuid;

/// logstead-bench's vocabulary (crate `bench-data`): its twelve biggest services.
const SERVICES: &[&str] = bench_data::SERVICES.split_at(12).0;

fn hex(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect()
}

type Attrs = Vec<(String, String)>;
/// A pod: service index, resource attributes, fingerprint.
type Pod = (usize, Attrs, u64);
/// An optional attribute: probability, maker.
type Optional<'a> = (f64, &'a dyn Fn(&mut StdRng) -> (String, String));

struct World {
    pods: Vec<Pod>,
}

impl World {
    fn new(rng: &mut StdRng) -> Self {
        let mut pods = Vec::new();
        for (k, name) in SERVICES.iter().enumerate() {
            let rs = hex(rng, 10);
            for _ in 0..(1 + 7 / (k + 1)) {
                let mut attrs = vec![
                    ("service.name".to_string(), name.to_string()),
                    ("service.namespace".into(), "shop".into()),
                    ("service.version".into(), format!("1.{}.{}", k % 7, rng.random_range(0..20))),
                    ("deployment.environment".into(), "production".into()),
                    ("k8s.namespace.name".into(), "production".into()),
                    ("k8s.deployment.name".into(), name.to_string()),
                    ("k8s.pod.name".into(), format!("{name}-{rs}-{}", hex(rng, 5))),
                    ("host.name".into(), format!("ip-10-0-{}-{}.ec2.internal", k % 3, 10 + k)),
                    ("cloud.region".into(), "us-east-1".into()),
                    ("telemetry.sdk.language".into(), "go".into()),
                    ("telemetry.sdk.name".into(), "opentelemetry".into()),
                ];
                attrs.sort();
                pods.push((k, attrs, rng.random()));
            }
        }
        Self { pods }
    }

    fn record(&self, rng: &mut StdRng, ts: i64) -> LogRecord {
        let (service, resource_attributes, fp) =
            &self.pods[(rng.random::<f64>().powi(2) * self.pods.len() as f64) as usize];
        let sev = [
            Severity::Trace,
            Severity::Debug,
            Severity::Info,
            Severity::Info,
            Severity::Info,
            Severity::Info,
            Severity::Info,
            Severity::Info,
            Severity::Warn,
            Severity::Error,
        ][rng.random_range(0..10)];
        let method = ["GET", "GET", "GET", "POST", "PUT", "DELETE"][rng.random_range(0..6)];
        let route = ROUTES[rng.random_range(0..ROUTES.len())];
        let path = route.replace("{id}", &rng.random_range(1..500_000).to_string());
        let status = [200, 200, 200, 201, 404, 500][rng.random_range(0..6)];
        let ms = (rng.random::<f64>().powi(4) * 5000.0) as i64 + 1;
        let user = (rng.random::<f64>().powi(3) * 5000.0) as usize;
        let mut body = format!("[{}] ", ["http", "db", "queue", "cache"][rng.random_range(0..4)]);
        let level = match sev {
            Severity::Trace => 0,
            Severity::Debug => 1,
            Severity::Info => 2,
            Severity::Warn => 3,
            _ => 4,
        };
        let patterns = PATTERNS[level];
        let pattern = patterns[rng.random_range(0..patterns.len())];
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            body.push_str(&rest[..open]);
            let close = rest[open..].find('}').unwrap_or(0);
            let _ = match &rest[open + 1..open + close] {
                "method" => write!(body, "{method}"),
                "path" => write!(body, "{path}"),
                "status" => write!(body, "{status}"),
                "ms" => write!(body, "{ms}"),
                "user" => write!(body, "{}.{}", FIRST_NAMES[user % FIRST_NAMES.len()], user),
                "uid" => write!(body, "u_{user:06}"),
                "ip" => write!(
                    body,
                    "10.{}.{}.{}",
                    rng.random_range(0..255),
                    rng.random_range(0..255),
                    rng.random_range(0..255)
                ),
                "id" => write!(body, "{}", hex(rng, 16)),
                "n" => write!(body, "{}", rng.random_range(1..1000)),
                "table" => write!(body, "{}", TABLES[rng.random_range(0..TABLES.len())]),
                "key" => write!(
                    body,
                    "{}:{}",
                    TABLES[rng.random_range(0..TABLES.len())],
                    rng.random_range(0..10_000)
                ),
                "host" => write!(body, "{}", HOSTS[rng.random_range(0..HOSTS.len())]),
                "err" => write!(body, "{}", ERRORS[rng.random_range(0..ERRORS.len())]),
                _ => Ok(()),
            };
            rest = &rest[open + close + 1..];
        }
        body.push_str(rest);
        if rng.random_bool(0.001) {
            body = format!("{body} (KerFuFfle)");
        }
        let mut attributes = vec![
            ("http.method".to_string(), method.to_string()),
            ("http.route".into(), route.into()),
            ("status_code".into(), status.to_string()),
        ];
        let optional: [Optional<'_>; 7] = [
            (0.8, &|r| {
                ("region".into(), ["us-east-1", "eu-west-1", "us-west-2"][r.random_range(0..3)].into())
            }),
            (0.7, &|_| ("user_id".into(), format!("u_{user:06}"))),
            (0.5, &|r| ("request_id".into(), hex(r, 32))),
            (0.6, &|_| ("duration_ms".into(), ms.to_string())),
            (0.4, &|r| ("tenant".into(), format!("tenant-{}", r.random_range(0..50)))),
            (0.2, &|r| ("cache.hit".into(), r.random_bool(0.7).to_string())),
            (0.1, &|r| ("retry_count".into(), r.random_range(1..5).to_string())),
        ];
        for (p, make) in optional {
            if rng.random_bool(p) {
                attributes.push(make(rng));
            }
        }
        attributes.sort();
        let traced = rng.random_bool(0.9);
        let bytes = (body.len() + attributes.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()) as u32;
        LogRecord {
            uuid: Uuid::now_v7(),
            team_id: 1,
            timestamp_us: ts,
            observed_timestamp_us: ts + rng.random_range(1_000..400_000),
            body,
            severity: sev,
            severity_number: sev.default_number(),
            service_name: SERVICES[*service].to_string(),
            resource_attributes: resource_attributes.clone().into(),
            resource_fingerprint: *fp,
            attributes,
            trace_id: if traced { rng.random() } else { [0; 16] },
            span_id: if traced { rng.random() } else { [0; 8] },
            trace_flags: 1,
            instrumentation_scope: format!("shop.{}@2.{}.0", SERVICES[*service], service % 4),
            event_name: String::new(),
            bytes,
        }
    }
}

fn time<T>(what: &str, f: impl Fn() -> T) -> T {
    let mut best = f64::MAX;
    let mut out = f();
    for _ in 0..5 {
        let t = Instant::now();
        out = f();
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{what}: {best:.2} ms (best of 5, after one warm-up)");
    out
}

/// Bytes per row of each column alone (zstd IPC), and of the metadata sidecars.
fn column_breakdown(dir: &std::path::Path, rows: u64) {
    use arrow::ipc::reader::FileReader;
    use arrow::ipc::writer::{FileWriter, IpcWriteOptions};
    use arrow::record_batch::RecordBatch;
    let mut per_col: Vec<(String, usize)> = Vec::new();
    let (mut meta, mut index) = (0, 0);
    for e in std::fs::read_dir(dir).expect("column breakdown") {
        let p = e.expect("column breakdown").path();
        let len = std::fs::metadata(&p).expect("column breakdown").len();
        if p.extension().is_some_and(|e| e == "meta") {
            meta += len;
            continue;
        }
        if p.extension().is_some_and(|e| e == "idx") {
            index += len;
            continue;
        }
        let reader = FileReader::try_new(std::fs::File::open(&p).expect("column breakdown"), None)
            .expect("column breakdown");
        let schema = reader.schema();
        let batches: Vec<RecordBatch> = reader.map(|b| b.expect("column breakdown")).collect();
        for (i, f) in schema.fields().iter().enumerate() {
            let one = std::sync::Arc::new(arrow::datatypes::Schema::new(vec![f.as_ref().clone()]));
            let opts = IpcWriteOptions::default()
                .try_with_compression(Some(arrow::ipc::CompressionType::ZSTD))
                .expect("column breakdown");
            let mut w = FileWriter::try_new_with_options(Vec::new(), &one, opts).expect("column breakdown");
            for b in &batches {
                w.write(
                    &RecordBatch::try_new(one.clone(), vec![b.column(i).clone()]).expect("column breakdown"),
                )
                .expect("column breakdown");
            }
            w.finish().expect("column breakdown");
            let len = w.into_inner().expect("column breakdown").len();
            match per_col.iter_mut().find(|(n, _)| n == f.name()) {
                Some(e) => e.1 += len,
                None => per_col.push((f.name().clone(), len)),
            }
        }
    }
    for (name, bytes) in per_col {
        println!("  {name:>24}: {:6.2} bytes/row", bytes as f64 / rows as f64);
    }
    println!("  {:>24}: {:6.2} bytes/row", "metadata", meta as f64 / rows as f64);
    println!("  {:>24}: {:6.2} bytes/row", "index", index as f64 / rows as f64);
}

#[test]
#[ignore = "benchmark"]
fn bytes_per_row_and_query_times() {
    let n: usize = std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let dir = temp_dir("bench");
    let mut rng = StdRng::seed_from_u64(1);
    let world = World::new(&mut rng);
    let end: i64 = 1_750_000_000_000_000;
    let span: i64 = 24 * 3600 * 1_000_000;
    let zstd_level = std::env::var("BENCH_ZSTD")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(StoreOptions::default().zstd_level);
    let cache_bytes = std::env::var("BENCH_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(256 << 20, |m| m << 20);
    let opts = StoreOptions {
        background: false,
        seal_rows: usize::MAX,
        zstd_level,
        cache_bytes,
        ..StoreOptions::default()
    };
    let store = open(dir.path(), opts);
    let t = Instant::now();
    let mut raw = 0usize;
    for b in 0..n / 1000 {
        let batch: Vec<LogRecord> = (0..1000)
            .map(|j| {
                let i = (b * 1000 + j) as i64;
                world.record(&mut rng, end - span + i * (span / n as i64))
            })
            .collect();
        raw += batch.iter().map(|r| r.bytes as usize + 60).sum::<usize>();
        store.append(1, batch).unwrap();
        if (b + 1) % 250 == 0 {
            store.flush().unwrap();
        }
    }
    println!("appended {n} rows in {:.2} s (~{} raw bytes/row)", t.elapsed().as_secs_f64(), raw / n);
    let t = Instant::now();
    store.flush().unwrap();
    store.compact().unwrap();
    println!("flush + compact: {:.2} s", t.elapsed().as_secs_f64());
    let s = store.stats();
    println!("{s:?}");
    println!("ON DISK: {:.1} bytes/row", s.segment_bytes as f64 / s.segment_rows as f64);
    column_breakdown(&dir.path().join("segments"), s.segment_rows);

    let all = RowFilter::default();
    let list = |from: i64, f: &RowFilter| {
        let req = ListRequest {
            team_id: 1,
            from_us: from,
            to_us: end + 1,
            filter: f,
            order: OrderBy::Latest,
            after: None,
            observed_from_us: None,
            limit: 100,
        };
        store.list(&req).unwrap().len()
    };
    let count = |f: &RowFilter| {
        let mut n = 0u64;
        store
            .scan(&ScanRequest { team_id: 1, from_us: end - span, to_us: end + 1, filter: f }, &mut |_| {
                n += 1;
                true
            })
            .unwrap();
        n
    };
    time("latest 100, last hour", || list(end - 3_600_000_000, &all));
    let needle = filter(serde_json::json!({"searchTerm": "kerfuffle"}));
    time("latest 100, searchTerm kerfuffle, 24 h", || list(end - span, &needle));
    let c = time("count searchTerm kerfuffle, 24 h", || count(&needle));
    println!("  = {c}");
    let rare = filter(serde_json::json!({"searchTerm": "zebra-unicorn"}));
    time("count of an absent term, 24 h", || count(&rare));
    let errors = filter(serde_json::json!({"severityLevels": ["error"], "serviceNames": ["checkout"]}));
    time("latest 100 checkout errors, 24 h", || list(end - span, &errors));
    let attrs = filter(serde_json::json!({"filterGroup": [
        {"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "POST"},
        {"key": "region", "type": "log_attribute", "operator": "exact", "value": "eu-west-1"}]}));
    let c = time("count, 2 attribute filters, 24 h", || count(&attrs));
    println!("  = {c}");
    // A long steady loop for `perf record`: BENCH_PROFILE=search|attrs|all.
    if let Ok(what) = std::env::var("BENCH_PROFILE") {
        let f = match what.as_str() {
            "search" => &needle,
            "attrs" => &attrs,
            _ => &all,
        };
        for _ in 0..20 {
            count(f);
        }
    }
    let c = time("count everything, 24 h", || count(&all));
    println!("  = {c}; cache holds {} MB", store.stats().cache_bytes >> 20);
}

/// Current and peak resident memory of this process, in MB (Linux only; 0 elsewhere).
fn rss_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb >> 10)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Memory during sustained concurrent ingest with background sealing and default options,
/// like logstead-bench (8 clients, 5,000-record batches). Ignored; run:
/// `cargo test --release -p log-store --test bench concurrent -- --ignored --nocapture`
/// (`BENCH_ROWS`, default 1M).
#[test]
#[ignore]
fn concurrent_ingest_memory() {
    let n: usize = std::env::var("BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = temp_dir("bench-ingest");
    let world = World::new(&mut StdRng::seed_from_u64(1));
    let store = open(dir.path(), StoreOptions::default());
    let end: i64 = 1_750_000_000_000_000;
    let span: i64 = 24 * 3600 * 1_000_000;
    let (clients, batch) = (8usize, 5000usize);
    let per_client = n / clients / batch;
    let t = Instant::now();
    let (mut max_head, mut max_frozen, mut max_rss) = (0usize, 0usize, 0u64);
    std::thread::scope(|s| {
        for c in 0..clients {
            let (world, store) = (&world, &store);
            s.spawn(move || {
                let mut rng = StdRng::seed_from_u64(100 + c as u64);
                for b in 0..per_client {
                    let rows: Vec<LogRecord> = (0..batch)
                        .map(|j| {
                            let i = ((b * clients + c) * batch + j) as i64;
                            world.record(&mut rng, end - span + i * (span / n as i64))
                        })
                        .collect();
                    store.append(1, rows).unwrap();
                }
            });
        }
        // Sample on this thread until the clients finish.
        let total = (per_client * clients * batch) as u64;
        loop {
            let st = store.stats();
            max_head = max_head.max(st.head_rows);
            max_frozen = max_frozen.max(st.frozen_heads);
            max_rss = max_rss.max(rss_mb().0);
            if st.segment_rows + st.head_rows as u64 >= total {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    });
    let secs = t.elapsed().as_secs_f64();
    let rows = per_client * clients * batch;
    println!("ingested {rows} rows in {secs:.2} s ({:.0} rows/s)", rows as f64 / secs);
    println!("max head rows (active + frozen): {max_head}, max frozen heads: {max_frozen}");
    let (now, peak) = rss_mb();
    println!("RSS sampled max {max_rss} MB, peak (VmHWM) {peak} MB, now {now} MB");
    store.flush().unwrap();
    println!("after flush: {:?}, RSS {} MB", store.stats(), rss_mb().0);
}
