//! A record's attributes: at most ten, chosen by what its template is about (HTTP, DB,
//! queue, ...), with the ids its body mentions.

use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value::Value};
use rand::Rng;
use rand::rngs::StdRng;

use super::super::vocab::hard::{
    AUTH_METHODS, CONSUMER_GROUPS, CURRENCIES, DB_NAMES, DB_OPERATIONS, EMAIL_TEMPLATES, JOBS, Kind,
    PROVIDERS, THREADS, TOPICS, USER_AGENTS,
};
use super::super::vocab::{DB_SYSTEMS, REGIONS, TABLES};
use super::super::{Weighted, kv, kv_str};
use super::body::Draws;

pub(super) const MAX_ATTRIBUTES: usize = 10;

/// Attributes up to `MAX_ATTRIBUTES`; optional ones draw their chance either way, so the
/// random sequence does not depend on how full the list is.
pub(super) struct Attrs(pub Vec<KeyValue>);

impl Attrs {
    pub fn add(&mut self, kv: KeyValue) {
        if self.0.len() < MAX_ATTRIBUTES {
            self.0.push(kv);
        }
    }
    pub fn maybe(&mut self, rng: &mut StdRng, p: f64, kv: impl FnOnce(&mut StdRng) -> KeyValue) {
        if rng.random_bool(p) {
            let kv = kv(rng);
            self.add(kv);
        }
    }
    pub fn has(&self, key: &str, value: &str) -> bool {
        self.0.iter().any(|a| {
            a.key == key
                && matches!(a.value.as_ref().and_then(|v| v.value.as_ref()), Some(Value::StringValue(s)) if s == value)
        })
    }
}

fn int(key: &str, v: i64) -> KeyValue {
    kv(key, Value::IntValue(v))
}

/// The attributes of what the record is about: at least three, the ids matching the body.
pub(super) fn kind_attributes(rng: &mut StdRng, kind: Kind, d: &Draws, region: &Weighted, a: &mut Attrs) {
    let pick = |r: &mut StdRng, items: &[&'static str]| items[r.random_range(0..items.len())];
    match kind {
        Kind::Http => {
            a.add(kv_str("http.method", d.method));
            a.add(kv_str("http.route", d.route));
            a.add(int("status_code", d.status));
            a.add(int("duration_ms", d.ms));
            a.maybe(rng, 0.6, |_| kv_str("tenant", format!("tenant-{}", d.tenant)));
            a.maybe(rng, 0.8, |_| kv_str("request_id", d.request_id()));
            a.maybe(rng, 0.6, |_| kv_str("user_id", d.uid()));
            a.maybe(rng, 0.7, |r| kv_str("region", REGIONS[region.sample(r)].0));
            a.maybe(rng, 0.3, |_| kv_str("session_id", d.session_id()));
            a.maybe(rng, 0.3, |r| {
                kv_str(
                    "http.client_ip",
                    format!(
                        "10.{}.{}.{}",
                        r.random_range(0..255),
                        r.random_range(0..255),
                        r.random_range(1..255)
                    ),
                )
            });
            a.maybe(rng, 0.25, |r| kv_str("http.user_agent", pick(r, &USER_AGENTS)));
            a.maybe(rng, 0.3, |r| int("http.response_size", r.random_range(0..200_000)));
        }
        Kind::Db => {
            a.add(kv_str("db.system", DB_SYSTEMS[0]));
            a.add(kv_str("db.operation", pick(rng, &DB_OPERATIONS)));
            a.add(kv_str("db.table", pick(rng, &TABLES)));
            a.maybe(rng, 0.6, |_| int("duration_ms", d.ms));
            a.maybe(rng, 0.6, |r| kv_str("db.name", pick(r, &DB_NAMES)));
            a.maybe(rng, 0.5, |r| int("db.rows", r.random_range(0..10_000)));
            a.maybe(rng, 0.4, |_| kv_str("request_id", d.request_id()));
            a.maybe(rng, 0.4, |_| kv_str("tenant", format!("tenant-{}", d.tenant)));
            a.maybe(rng, 0.3, |r| kv_str("net.peer.name", format!("pg-{}.internal", r.random_range(0..4))));
        }
        Kind::Queue => {
            a.add(kv_str("messaging.system", "kafka"));
            a.add(kv_str("messaging.destination", TOPICS[d.topic]));
            a.add(int("messaging.partition", d.partition));
            a.maybe(rng, 0.6, |_| int("messaging.offset", d.offset));
            a.maybe(rng, 0.6, |r| kv_str("messaging.consumer_group", pick(r, &CONSUMER_GROUPS)));
            a.maybe(rng, 0.4, |r| int("messaging.batch_size", r.random_range(1..500)));
            a.maybe(rng, 0.3, |_| kv_str("tenant", format!("tenant-{}", d.tenant)));
        }
        Kind::Cache => {
            a.add(kv_str("db.system", DB_SYSTEMS[1]));
            a.add(kv("cache.hit", Value::BoolValue(rng.random_bool(0.8))));
            a.add(kv_str("cache.key", format!("{}:{}", pick(rng, &TABLES), rng.random_range(1..1_000_000))));
            a.maybe(rng, 0.5, |r| int("cache.ttl_s", [60, 300, 900, 3600][r.random_range(0..4)]));
            a.maybe(rng, 0.5, |_| int("duration_ms", d.ms));
            a.maybe(rng, 0.4, |_| kv_str("request_id", d.request_id()));
        }
        Kind::Auth => {
            a.add(kv_str("auth.method", pick(rng, &AUTH_METHODS)));
            a.add(kv_str("auth.result", if rng.random_bool(0.9) { "success" } else { "failure" }));
            a.add(kv_str("user_id", d.uid()));
            a.maybe(rng, 0.7, |_| kv_str("session_id", d.session_id()));
            a.maybe(rng, 0.6, |r| kv_str("region", REGIONS[region.sample(r)].0));
            a.maybe(rng, 0.5, |_| kv_str("tenant", format!("tenant-{}", d.tenant)));
            a.maybe(rng, 0.3, |r| kv_str("http.user_agent", pick(r, &USER_AGENTS)));
        }
        Kind::Payment => {
            a.add(kv_str("payment.provider", PROVIDERS[d.provider]));
            a.add(int("payment.amount_cents", d.cents));
            a.add(kv_str("currency", CURRENCIES[d.currency]));
            a.add(kv_str("order_id", d.order_id()));
            a.maybe(rng, 0.8, |_| kv_str("user_id", d.uid()));
            a.maybe(rng, 0.6, |_| kv_str("tenant", format!("tenant-{}", d.tenant)));
            a.maybe(rng, 0.5, |_| kv_str("request_id", d.request_id()));
        }
        Kind::Order => {
            a.add(kv_str("order_id", d.order_id()));
            a.add(kv_str("user_id", d.uid()));
            a.add(kv_str("tenant", format!("tenant-{}", d.tenant)));
            a.maybe(rng, 0.5, |r| kv_str("cart_id", format!("cart_{:012x}", r.random::<u64>() >> 16)));
            a.maybe(rng, 0.5, |_| kv_str("sku", d.sku_id()));
            a.maybe(rng, 0.5, |r| int("item_count", r.random_range(1..20)));
            a.maybe(rng, 0.4, |r| kv_str("region", REGIONS[region.sample(r)].0));
            a.maybe(rng, 0.3, |_| kv_str("session_id", d.session_id()));
        }
        Kind::Job => {
            a.add(kv_str("job.name", JOBS[d.job]));
            a.add(kv_str("job.id", format!("{:016x}", rng.random::<u64>())));
            a.add(kv_str("job.queue", ["default", "critical", "bulk"][d.job % 3]));
            a.maybe(rng, 0.6, |_| int("duration_ms", d.ms));
            a.maybe(rng, 0.3, |r| int("retry_count", r.random_range(0..5)));
            a.maybe(rng, 0.4, |r| int("job.records", r.random_range(0..1_000_000)));
            a.maybe(rng, 0.3, |_| kv_str("tenant", format!("tenant-{}", d.tenant)));
        }
        Kind::Mail => {
            a.add(kv_str("email.template", pick(rng, &EMAIL_TEMPLATES)));
            a.add(kv_str("email.provider", ["sendgrid", "ses", "postmark"][rng.random_range(0..3)]));
            a.add(kv_str("message_id", format!("<{:020x}@mail.shop.example>", rng.random::<u128>() >> 48)));
            a.maybe(rng, 0.8, |_| kv_str("user_id", d.uid()));
            a.maybe(rng, 0.4, |_| kv_str("tenant", format!("tenant-{}", d.tenant)));
        }
        Kind::Runtime => {
            a.add(kv_str("thread.name", pick(rng, &THREADS)));
            a.add(int("process.pid", rng.random_range(1..64)));
            a.add(int("runtime.heap_mb", rng.random_range(64..4096)));
            a.maybe(rng, 0.4, |r| int("gc.pause_ms", r.random_range(0..400)));
        }
    }
}
