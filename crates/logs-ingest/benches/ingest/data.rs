//! A realistic batch, shaped like logstead-bench's data set (bins/logstead-bench/src/dataset):
//! ~50 pods with 11 resource attributes each, one `ResourceLogs` per pod, bodies built from
//! message templates, 4–10 attributes per record (strings, ints, a bool), ids on 90 %.
//! A tiny PRNG keeps the bench free of extra dependencies.

use bench_data::{COMPONENTS, METHODS, REGIONS};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;

/// The biggest services of logstead-bench's fleet, and its vocabulary (crate `bench-data`).
const SERVICES: &[&str] = bench_data::SERVICES.split_at(12).0;
const ROUTES: &[&str] = bench_data::ROUTES.split_at(6).0;
const SEVERITIES: [(i32, &str); 6] =
    [(1, "TRACE"), (5, "DEBUG"), (9, "INFO"), (13, "WARN"), (17, "ERROR"), (21, "FATAL")];

/// `bench_data::Rng` (the benches' shared xorshift64*) with the draws this data set uses.
pub struct Rng(bench_data::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(bench_data::Rng::new(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next()
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn hex(&mut self, len: usize) -> String {
        (0..len).map(|_| char::from(b"0123456789abcdef"[self.below(16)])).collect()
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue { key: key.to_owned(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
}

fn s(v: impl Into<String>) -> Value {
    Value::StringValue(v.into())
}

fn resource(rng: &mut Rng, service: usize) -> Resource {
    let name = SERVICES[service];
    let node = rng.below(24);
    let attributes = vec![
        kv("service.name", s(name)),
        kv("service.namespace", s("shop")),
        kv("service.version", s(format!("1.{}.{}", service % 7, rng.below(20)))),
        kv("deployment.environment", s("production")),
        kv("k8s.namespace.name", s("production")),
        kv("k8s.deployment.name", s(name)),
        kv("k8s.pod.name", s(format!("{name}-{}-{}", rng.hex(10), rng.hex(5)))),
        kv("host.name", s(format!("ip-10-0-{}-{}.ec2.internal", node / 8, 10 + node))),
        kv("cloud.region", s(REGIONS[node % 3].0)),
        kv("telemetry.sdk.language", s("rust")),
        kv("telemetry.sdk.name", s("opentelemetry")),
    ];
    Resource { attributes, ..Default::default() }
}

fn record(rng: &mut Rng, t_ns: u64) -> LogRecord {
    let sev = match rng.below(100) {
        0..2 => 0,
        2..12 => 1,
        12..82 => 2,
        82..92 => 3,
        92..99 => 4,
        _ => 5,
    };
    let method = METHODS[rng.below(METHODS.len())].0;
    let route = ROUTES[rng.below(ROUTES.len())];
    let path = route.replace("{id}", &rng.below(500_000).to_string());
    let status = [200, 201, 204, 304, 404, 500][rng.below(6)];
    let ms = rng.below(5000) as i64 + 1;
    let user = rng.below(20_000);
    let body = format!(
        "[{}] {method} {path} -> {status} in {ms} ms (user=alice.smith{}, trace {})",
        COMPONENTS[rng.below(COMPONENTS.len())],
        user % 100,
        rng.hex(16)
    );
    let mut attributes = vec![
        kv("http.method", s(method)),
        kv("http.route", s(route)),
        kv("status_code", Value::IntValue(status)),
    ];
    if rng.chance(0.8) {
        attributes.push(kv("region", s(REGIONS[rng.below(REGIONS.len())].0)));
    }
    if rng.chance(0.7) {
        attributes.push(kv("user_id", s(format!("u_{user:06}"))));
    }
    if rng.chance(0.5) {
        attributes.push(kv("request_id", s(rng.hex(32))));
    }
    if rng.chance(0.6) {
        attributes.push(kv("duration_ms", Value::IntValue(ms)));
    }
    if rng.chance(0.4) {
        attributes.push(kv("tenant", s(format!("tenant-{}", rng.below(300)))));
    }
    if rng.chance(0.2) {
        attributes.push(kv("cache.hit", Value::BoolValue(rng.chance(0.7))));
    }
    let (trace_id, span_id) = if rng.chance(0.9) { (rng.bytes(16), rng.bytes(8)) } else { (vec![], vec![]) };
    LogRecord {
        time_unix_nano: t_ns,
        observed_time_unix_nano: t_ns,
        severity_number: SEVERITIES[sev].0,
        severity_text: SEVERITIES[sev].1.to_owned(),
        body: Some(AnyValue { value: Some(s(body)) }),
        attributes,
        trace_id,
        span_id,
        flags: 1,
        ..Default::default()
    }
}

/// `rows` records spread over the minute before `now_ns`, grouped by pod.
pub fn batch(seed: u64, rows: usize, now_ns: u64) -> ExportLogsServiceRequest {
    let mut rng = Rng::new(seed);
    // Pods per service: a Zipf-like skew (8 for the first service, 1 for the tail), 28 in all.
    let pods: Vec<(usize, Resource)> = (0..SERVICES.len())
        .flat_map(|svc| (0..1 + 7 / (svc + 1)).map(move |_| svc))
        .map(|svc| (svc, resource(&mut rng, svc)))
        .collect();
    let mut by_pod: Vec<Vec<LogRecord>> = vec![Vec::new(); pods.len()];
    for i in 0..rows {
        // Skewed pod choice: lower pods (bigger services) more often.
        let pod = rng.below(pods.len()).min(rng.below(pods.len()));
        let t_ns = now_ns - 60_000_000_000 + (i as u64 * 60_000_000_000 / rows.max(1) as u64);
        by_pod[pod].push(record(&mut rng, t_ns));
    }
    let resource_logs = pods
        .into_iter()
        .zip(by_pod)
        .filter(|(_, records)| !records.is_empty())
        .map(|((svc, resource), log_records)| ResourceLogs {
            resource: Some(resource),
            scope_logs: vec![ScopeLogs {
                scope: Some(InstrumentationScope {
                    name: format!("shop.{}", SERVICES[svc].replace('-', "_")),
                    version: "2.1.0".to_owned(),
                    ..Default::default()
                }),
                log_records,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        })
        .collect();
    ExportLogsServiceRequest { resource_logs }
}
