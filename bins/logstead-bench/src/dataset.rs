//! The deterministic data set: a "world" of services and pods built from the seed, and
//! batches of OTLP records generated independently (each from its own seeded RNG), so
//! a batch can be produced on demand without keeping a million records in memory.

mod record;
pub mod vocab;

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use vocab::{CLOUD_REGIONS, LANGUAGES, SERVICES};

/// The rare word planted in ~0.1 % of bodies (in random letter case) for Q3/Q3c.
pub const PLANTED: &str = "Kerfuffle";
pub const PLANT_RATE: f64 = 0.001;
/// Rows cover the 23 h 45 min before `end`: the server replaces timestamps more than 24 h
/// old by "now", and a slow ingest must not age the oldest rows past that.
pub const SPAN_SECS: i64 = 24 * 3600 - 15 * 60;
/// Q2: one mid-sized service's errors in the last hour.
pub const Q2_SERVICE: &str = SERVICES[2];
/// Q9: the biggest service's errors in a 5-minute window ending 30 minutes before `end`.
pub const Q9_SERVICE: &str = SERVICES[0];
/// Q4: two log-attribute equality filters.
pub const Q4_FILTERS: [(&str, &str); 2] = [("http.method", "POST"), ("region", "eu-west-1")];
/// Severity mix: trace 2 %, debug 10 %, info 70 %, warn 10 %, error 7.5 %, fatal 0.5 %.
pub const SEVERITY_WEIGHTS: [f64; 6] = [2.0, 10.0, 70.0, 10.0, 7.5, 0.5];

/// Ground truth gathered while generating, used to check the server's answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub rows: u64,
    pub by_severity: [u64; 6],
    pub planted: u64,
    pub last_hour: u64,
    pub q2_expected: u64,
    pub q4_expected: u64,
    pub q9_expected: u64,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.rows += o.rows;
        for (a, b) in self.by_severity.iter_mut().zip(o.by_severity) {
            *a += b;
        }
        self.planted += o.planted;
        self.last_hour += o.last_hour;
        self.q2_expected += o.q2_expected;
        self.q4_expected += o.q4_expected;
        self.q9_expected += o.q9_expected;
    }
}

/// Draws an index with probability proportional to its weight.
#[derive(Debug, Clone)]
pub struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    pub fn sample(&self, rng: &mut StdRng) -> usize {
        let x = rng.random::<f64>() * self.cumulative.last().copied().unwrap_or(0.0);
        self.cumulative.partition_point(|c| *c <= x).min(self.cumulative.len().saturating_sub(1))
    }
}

/// One pod of a service: its OTLP resource, prebuilt.
#[derive(Debug, Clone)]
struct Instance {
    resource: Resource,
}

#[derive(Debug, Clone)]
struct World {
    /// Zipf-like (1/k^1.1) choice of service.
    services: Weighted,
    /// Per service, the range of its pods in `instances`.
    pods: Vec<std::ops::Range<usize>>,
    instances: Vec<Instance>,
    scopes: Vec<InstrumentationScope>,
}

pub fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue { key: key.to_string(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
}

pub fn kv_str(key: &str, value: impl Into<String>) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

fn hex_id(rng: &mut StdRng, len: usize) -> String {
    (0..len).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect()
}

impl World {
    fn new(seed: u64) -> World {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x05EE_D0F3_011D);
        let weights: Vec<f64> = (0..SERVICES.len()).map(|k| 1.0 / ((k + 1) as f64).powf(1.1)).collect();
        let mut instances = Vec::new();
        let mut pods = Vec::new();
        let mut scopes = Vec::new();
        for (k, name) in SERVICES.iter().enumerate() {
            // Busier services run more pods: 8 for the biggest, 1-2 for the tail.
            let count = 1 + (7.0 * weights[k] / weights[0]).round() as usize;
            let start = instances.len();
            let env = if k % 10 == 9 { "staging" } else { "production" };
            let replica_set = hex_id(&mut rng, 10);
            for _ in 0..count {
                let node = rng.random_range(0..24);
                let attributes = vec![
                    kv_str("service.name", *name),
                    kv_str("service.namespace", "shop"),
                    kv_str("service.version", format!("1.{}.{}", k % 7, rng.random_range(0..20))),
                    kv_str("deployment.environment", env),
                    kv_str("k8s.namespace.name", env),
                    kv_str("k8s.deployment.name", *name),
                    kv_str("k8s.pod.name", format!("{name}-{replica_set}-{}", hex_id(&mut rng, 5))),
                    kv_str("host.name", format!("ip-10-0-{}-{}.ec2.internal", node / 8, 10 + node)),
                    kv_str("cloud.region", CLOUD_REGIONS[node % CLOUD_REGIONS.len()]),
                    kv_str("telemetry.sdk.language", LANGUAGES[k % LANGUAGES.len()]),
                    kv_str("telemetry.sdk.name", "opentelemetry"),
                ];
                instances.push(Instance { resource: Resource { attributes, ..Default::default() } });
            }
            pods.push(start..instances.len());
            scopes.push(InstrumentationScope {
                name: format!("shop.{}", name.replace('-', "_")),
                version: format!("2.{}.0", k % 4),
                ..Default::default()
            });
        }
        World { services: Weighted::new(weights), pods, instances, scopes }
    }
}

/// N rows over [end - SPAN_SECS, end), in batches of `batch` records, deterministic for a seed.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub seed: u64,
    pub rows: u64,
    pub batch: usize,
    /// Unix seconds, a whole minute.
    pub end_s: i64,
    world: World,
}

impl Dataset {
    pub fn new(seed: u64, rows: u64, batch: usize, end_s: i64) -> Dataset {
        Dataset { seed, rows, batch: batch.max(1), end_s, world: World::new(seed) }
    }

    pub fn batches(&self) -> usize {
        self.rows.div_ceil(self.batch as u64) as usize
    }

    /// The Q9 window, unix seconds, half-open.
    pub fn q9_window(&self) -> (i64, i64) {
        (self.end_s - 35 * 60, self.end_s - 30 * 60)
    }

    /// Batch `index`: rows `index * batch ..`, in time order across batches (uniform rate,
    /// jittered), grouped into one `ResourceLogs` per pod as a collector would send them.
    pub fn batch(&self, index: usize) -> (ExportLogsServiceRequest, Stats) {
        let mut rng = StdRng::seed_from_u64(
            self.seed.wrapping_add((index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        );
        let first = index as u64 * self.batch as u64;
        let count = (self.rows.saturating_sub(first)).min(self.batch as u64);
        let start_ns = i128::from(self.end_s - SPAN_SECS) * 1_000_000_000;
        let step_ns = (i128::from(SPAN_SECS) * 1_000_000_000) as f64 / self.rows.max(1) as f64;
        let ctx = record::Context::new(self);
        let mut by_pod: BTreeMap<usize, (usize, Vec<_>)> = BTreeMap::new();
        let mut stats = Stats::default();
        for j in first..first + count {
            let t_ns = start_ns + ((j as f64 + rng.random::<f64>()) * step_ns) as i128;
            let service = self.world.services.sample(&mut rng);
            let pods = &self.world.pods[service];
            let pod = rng.random_range(pods.clone());
            let rec = ctx.record(&mut rng, service, t_ns as u64, &mut stats);
            by_pod.entry(pod).or_insert_with(|| (service, Vec::new())).1.push(rec);
        }
        let resource_logs = by_pod
            .into_iter()
            .map(|(pod, (service, log_records))| ResourceLogs {
                resource: Some(self.world.instances[pod].resource.clone()),
                scope_logs: vec![ScopeLogs {
                    scope: Some(self.world.scopes[service].clone()),
                    log_records,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            })
            .collect();
        (ExportLogsServiceRequest { resource_logs }, stats)
    }
}

#[cfg(test)]
mod tests;
