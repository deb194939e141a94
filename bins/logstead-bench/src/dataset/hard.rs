//! The hard data set: a cluster with pod churn. Each service has several pod slots; each
//! slot's pod is replaced every hour (staggered), with a new name and uid, and a new
//! ReplicaSet hash every six hours (a rollout), so 276 pods are live at any time and
//! ~6,800 distinct resources appear over a day. Resources are derived from (slot,
//! generation) on demand, so nothing but the slot table is kept.

mod attrs;
mod body;
mod record;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::ops::Range;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::resource::v1::Resource;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::vocab::hard::{NAMESPACES, NODES, ZONES, template_count};
use super::vocab::{CLOUD_REGIONS, ROUTES, SERVICES};
use super::{Dataset, SPAN_SECS, Stats, Weighted, kv_str};

pub use super::vocab::hard::PLANTED;
/// Q4: two equalities on mid-cardinality keys (40 routes, 400 tenants, both skewed).
pub const Q4_FILTERS: [(&str, &str); 2] = [("http.route", ROUTES[0]), ("tenant", "tenant-0")];
/// Every pod is replaced after this long.
pub const POD_LIFETIME_S: i64 = 3600;
/// A service's ReplicaSet hash (and version) changes this often.
const ROLLOUT_S: i64 = 6 * 3600;
/// The letters Kubernetes uses for generated name suffixes (no vowels).
const K8S_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A stable 64-bit mix of several values (splitmix64 finalizer), for per-pod seeds.
fn mix(parts: &[u64]) -> u64 {
    parts.iter().fold(0x243F_6A88_85A3_08D3, |h, p| {
        let mut z = (h ^ p).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    })
}

fn k8s_suffix(rng: &mut StdRng, len: usize) -> String {
    (0..len).map(|_| char::from(K8S_ALPHABET[rng.random_range(0..K8S_ALPHABET.len())])).collect()
}

fn uuid(rng: &mut StdRng) -> String {
    let h = format!("{:032x}", rng.random::<u128>());
    format!("{}-{}-4{}-a{}-{}", &h[..8], &h[8..12], &h[13..16], &h[17..20], &h[20..])
}

#[derive(Debug, Clone)]
pub(super) struct World {
    seed: u64,
    /// Unix seconds of the first row.
    start_s: i64,
    /// Zipf-like (1/k^1.1) choice of service.
    services: Weighted,
    /// Per service, its slots.
    slots_of: Vec<Range<usize>>,
    /// Per slot: its service and when in the hour its pod is replaced (seconds).
    slots: Vec<(usize, i64)>,
    scopes: Vec<InstrumentationScope>,
    ctx: record::Context,
}

impl World {
    pub(super) fn new(seed: u64, start_s: i64) -> World {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x4A2D_C1A5_7E12);
        let weights: Vec<f64> = (0..SERVICES.len()).map(|k| 1.0 / ((k + 1) as f64).powf(1.1)).collect();
        let (mut slots, mut slots_of, mut scopes) = (Vec::new(), Vec::new(), Vec::new());
        for (k, name) in SERVICES.iter().enumerate() {
            // 49 pods for the biggest service, 5 for the tail: 276 in all.
            let count = 4 + (45.0 * weights[k] / weights[0]).round() as usize;
            let start = slots.len();
            slots.extend((0..count).map(|_| (k, rng.random_range(0..POD_LIFETIME_S))));
            slots_of.push(start..slots.len());
            scopes.push(InstrumentationScope {
                name: format!("com.shop.{}", name.replace('-', "_")),
                version: format!("3.{}.0", k % 5),
                ..Default::default()
            });
        }
        let ctx = record::Context::new(start_s + SPAN_SECS);
        World { seed, start_s, services: Weighted::new(weights), slots_of, slots, scopes, ctx }
    }

    /// Pod slots, that is live pods at any moment.
    pub(super) fn live_pods(&self) -> usize {
        self.slots.len()
    }

    /// Which generation of `slot`'s pod is live at `t_s`.
    fn generation(&self, slot: usize, t_s: i64) -> i64 {
        (t_s - self.start_s + self.slots[slot].1).div_euclid(POD_LIFETIME_S)
    }

    /// The resource of generation `generation` of `slot`'s pod, the same on every call.
    fn resource(&self, slot: usize, generation: i64) -> Resource {
        let (k, phase) = self.slots[slot];
        let name = SERVICES[k];
        let born = self.start_s - phase + generation * POD_LIFETIME_S;
        let rollout = (born + k as i64 * 1_337).div_euclid(ROLLOUT_S);
        let mut rs = StdRng::seed_from_u64(mix(&[self.seed, k as u64, rollout as u64]));
        let replica_set = k8s_suffix(&mut rs, 10);
        let mut rng = StdRng::seed_from_u64(mix(&[self.seed, slot as u64, generation as u64, 1]));
        let pod = format!("{name}-{replica_set}-{}", k8s_suffix(&mut rng, 5));
        let uid = uuid(&mut rng);
        let n = rng.random_range(0..NODES);
        let region = CLOUD_REGIONS[n % CLOUD_REGIONS.len()];
        let node = format!("ip-10-{}-{}-{}.{region}.compute.internal", n % 3, n / 3, 10 + n);
        let env = if k % 10 == 9 { "staging" } else { "production" };
        let attributes: Vec<KeyValue> = vec![
            kv_str("service.name", name),
            kv_str("service.namespace", NAMESPACES[k % NAMESPACES.len()]),
            kv_str("service.version", format!("1.{}.{}", k % 7, rollout.rem_euclid(100))),
            kv_str("service.instance.id", uid.clone()),
            kv_str("deployment.environment", env),
            kv_str("k8s.namespace.name", format!("{}-{env}", NAMESPACES[k % NAMESPACES.len()])),
            kv_str("k8s.deployment.name", name),
            kv_str("k8s.replicaset.name", format!("{name}-{replica_set}")),
            kv_str("k8s.pod.name", pod),
            kv_str("k8s.pod.uid", uid),
            kv_str("k8s.node.name", node.clone()),
            kv_str("host.name", node),
            kv_str("cloud.provider", "aws"),
            kv_str("cloud.region", region),
            kv_str("cloud.availability_zone", format!("{region}{}", ZONES[n % ZONES.len()])),
            kv_str("telemetry.sdk.language", if k.is_multiple_of(2) { "java" } else { "python" }),
            kv_str("telemetry.sdk.name", "opentelemetry"),
        ];
        Resource { attributes, ..Default::default() }
    }

    /// Distinct pods (resources) over the whole span.
    pub(super) fn resources_in_span(&self) -> i64 {
        let end = self.start_s + SPAN_SECS - 1;
        (0..self.slots.len()).map(|s| self.generation(s, end) - self.generation(s, self.start_s) + 1).sum()
    }

    pub(super) fn describe(&self) -> String {
        format!(
            "hard: 30 services, {} live pods replaced hourly ({} resources over the span), {} templates, \
             ~50 attribute keys",
            self.live_pods(),
            self.resources_in_span(),
            template_count()
        )
    }

    /// Batch `index`: rows `index * batch ..` in time order, one `ResourceLogs` per live
    /// pod that logged in the batch.
    pub(super) fn batch(&self, d: &Dataset, index: usize) -> (ExportLogsServiceRequest, Stats) {
        let mut rng = StdRng::seed_from_u64(mix(&[d.seed, index as u64, 0x4A2D]).wrapping_add(index as u64));
        let first = index as u64 * d.batch as u64;
        let count = (d.rows.saturating_sub(first)).min(d.batch as u64);
        let start_ns = i128::from(d.end_s - SPAN_SECS) * 1_000_000_000;
        let step_ns = (i128::from(SPAN_SECS) * 1_000_000_000) as f64 / d.rows.max(1) as f64;
        let mut by_pod: BTreeMap<(usize, i64), Vec<_>> = BTreeMap::new();
        let mut stats = Stats::default();
        for j in first..first + count {
            let t_ns = start_ns + ((j as f64 + rng.random::<f64>()) * step_ns) as i128;
            let service = self.services.sample(&mut rng);
            let slot = rng.random_range(self.slots_of[service].clone());
            let generation = self.generation(slot, (t_ns / 1_000_000_000) as i64);
            let rec = self.ctx.record(&mut rng, service, t_ns as u64, &mut stats);
            by_pod.entry((slot, generation)).or_default().push(rec);
        }
        let resource_logs = by_pod
            .into_iter()
            .map(|((slot, generation), log_records)| ResourceLogs {
                resource: Some(self.resource(slot, generation)),
                scope_logs: vec![ScopeLogs {
                    scope: Some(self.scopes[self.slots[slot].0].clone()),
                    log_records,
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            })
            .collect();
        (ExportLogsServiceRequest { resource_logs }, stats)
    }
}
