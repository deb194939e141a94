//! The classic data set (the only one before issue 14, kept byte for byte for comparison):
//! 30 services with 1-8 fixed pods each, 200 templates, 12 attribute keys, `Kerfuffle`.

mod record;

use std::collections::BTreeMap;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::vocab::{CLOUD_REGIONS, LANGUAGES, SERVICES};
use super::{Dataset, SPAN_SECS, Stats, Weighted, hex_id, kv_str};

/// The rare word planted in ~0.1 % of bodies (in random letter case) for Q3/Q3c.
pub const PLANTED: &str = "Kerfuffle";
/// Q4: two log-attribute equality filters.
pub const Q4_FILTERS: [(&str, &str); 2] = [("http.method", "POST"), ("region", "eu-west-1")];

/// One pod of a service: its OTLP resource, prebuilt.
#[derive(Debug, Clone)]
struct Instance {
    resource: Resource,
}

#[derive(Debug, Clone)]
pub(super) struct World {
    /// Zipf-like (1/k^1.1) choice of service.
    services: Weighted,
    /// Per service, the range of its pods in `instances`.
    pods: Vec<std::ops::Range<usize>>,
    instances: Vec<Instance>,
    scopes: Vec<InstrumentationScope>,
}

impl World {
    pub(super) fn new(seed: u64) -> World {
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

    pub(super) fn pods(&self) -> usize {
        self.instances.len()
    }

    /// Batch `index`: rows `index * batch ..`, in time order across batches (uniform rate,
    /// jittered), grouped into one `ResourceLogs` per pod as a collector would send them.
    pub(super) fn batch(&self, d: &Dataset, index: usize) -> (ExportLogsServiceRequest, Stats) {
        let mut rng = StdRng::seed_from_u64(
            d.seed.wrapping_add((index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        );
        let first = index as u64 * d.batch as u64;
        let count = (d.rows.saturating_sub(first)).min(d.batch as u64);
        let start_ns = i128::from(d.end_s - SPAN_SECS) * 1_000_000_000;
        let step_ns = (i128::from(SPAN_SECS) * 1_000_000_000) as f64 / d.rows.max(1) as f64;
        let ctx = record::Context::new(d);
        let mut by_pod: BTreeMap<usize, (usize, Vec<_>)> = BTreeMap::new();
        let mut stats = Stats::default();
        for j in first..first + count {
            let t_ns = start_ns + ((j as f64 + rng.random::<f64>()) * step_ns) as i128;
            let service = self.services.sample(&mut rng);
            let pods = &self.pods[service];
            let pod = rng.random_range(pods.clone());
            let rec = ctx.record(&mut rng, service, t_ns as u64, &mut stats);
            by_pod.entry(pod).or_insert_with(|| (service, Vec::new())).1.push(rec);
        }
        let resource_logs = by_pod
            .into_iter()
            .map(|(pod, (service, log_records))| ResourceLogs {
                resource: Some(self.instances[pod].resource.clone()),
                scope_logs: vec![ScopeLogs {
                    scope: Some(self.scopes[service].clone()),
                    log_records,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            })
            .collect();
        (ExportLogsServiceRequest { resource_logs }, stats)
    }
}
