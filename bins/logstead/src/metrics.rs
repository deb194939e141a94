//! Prometheus metrics at `/metrics`, all under `logstead_`: HTTP requests by route pattern,
//! ingestion per project ([`ingest`]), the log store ([`store`]), and the server's work:
//! logs queries by kind, alert checks, notification deliveries and export jobs ([`work`]).
//! Labels are bounded: route patterns, project ids and fixed sets of reasons and outcomes.

pub mod ingest;
pub mod store;
pub mod work;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder, exponential_buckets,
};

pub use ingest::{IngestMetrics, RecordReason, RequestReason};
pub use work::{CheckOutcome, DeliveryResult, QueryKind, WorkMetrics};

pub struct Metrics {
    registry: Registry,
    pub requests: IntCounterVec,
    pub latency: HistogramVec,
    pub ingest: IngestMetrics,
    /// Logs queries, alert checks, deliveries and exports.
    pub work: WorkMetrics,
    store: store::StoreMetrics,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// Registers a counter family. Names and labels are static, so failing is a programming error.
#[allow(clippy::expect_used)]
pub(crate) fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("counter definition");
    registry.register(Box::new(c.clone())).expect("counter registered once");
    c
}

/// Registers a histogram family; `buckets` from `start` seconds, doubling `count` times.
#[allow(clippy::expect_used)]
pub(crate) fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
    (start, count): (f64, usize),
) -> HistogramVec {
    let buckets = exponential_buckets(start, 2.0, count).expect("bucket definition");
    let h = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels).expect("histogram");
    registry.register(Box::new(h.clone())).expect("histogram registered once");
    h
}

impl Metrics {
    #[allow(clippy::expect_used)] // static, valid definitions: failing here is a programming error
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("logstead".into()), None).expect("registry");
        let requests = counter(
            &registry,
            "http_requests_total",
            "HTTP requests by method, route and status.",
            &["method", "route", "status"],
        );
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route."),
            &["method", "route"],
        )
        .expect("histogram");
        registry.register(Box::new(latency.clone())).expect("register histogram");
        Self {
            ingest: IngestMetrics::new(&registry),
            work: WorkMetrics::new(&registry),
            store: store::StoreMetrics::new(&registry),
            registry,
            requests,
            latency,
        }
    }

    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[method, route, &status.to_string()]).inc();
        self.latency.with_label_values(&[method, route]).observe(seconds);
    }

    /// Reports `store`'s events (WAL syncs, seals, compactions) and exports its gauges,
    /// read at each scrape. Once per store; a second store is ignored (returns false).
    pub fn watch_store(&self, store: &std::sync::Arc<log_store::EmbeddedStore>) -> bool {
        self.store.watch(&self.registry, store)
    }

    /// Where other parts (sampling rules) register their own metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The Prometheus text exposition format. Reads the store's gauges (a file size per
    /// segment): call it off the async executor.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}
