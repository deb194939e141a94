//! Log store metrics: events it reports as they happen ([`StoreObserver`]: WAL syncs,
//! seals, compactions) and gauges read from its stats at each scrape.

use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use log_store::{EmbeddedStore, Outcome, StoreObserver, StoreStats};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Histogram, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

use super::{counter, histogram};

/// The events, registered at start (zero until a store is watched).
pub struct StoreMetrics {
    events: Arc<Events>,
    watched: OnceLock<()>,
}

struct Events {
    wal_fsync: Histogram,
    seals: IntCounterVec,
    seal_duration: Histogram,
    compactions: IntCounterVec,
    compaction_duration: Histogram,
}

impl StoreObserver for Events {
    fn wal_synced(&self, sync: Duration) {
        self.wal_fsync.observe(sync.as_secs_f64());
    }

    fn head_sealed(&self, outcome: Outcome, _rows: usize, took: Duration) {
        self.seals.with_label_values(&[outcome.as_str()]).inc();
        self.seal_duration.observe(took.as_secs_f64());
    }

    fn compacted(&self, outcome: Outcome, _segments: usize, took: Duration) {
        self.compactions.with_label_values(&[outcome.as_str()]).inc();
        self.compaction_duration.observe(took.as_secs_f64());
    }
}

impl StoreMetrics {
    pub fn new(registry: &Registry) -> Self {
        let events = Events {
            // 50 µs .. ~3.3 s: an fsync on NVMe is tens of µs, on a busy disk hundreds of ms.
            wal_fsync: histogram(
                registry,
                "wal_fsync_duration_seconds",
                "Time the log store's WAL took to sync a group write to disk.",
                &[],
                (0.000_05, 17),
            )
            .with_label_values::<&str>(&[]),
            seals: counter(
                registry,
                "log_store_seals_total",
                "Heads written to segments, by outcome (ok, failed).",
                &["outcome"],
            ),
            seal_duration: histogram(
                registry,
                "log_store_seal_duration_seconds",
                "Time to write one head to segments.",
                &[],
                (0.001, 16),
            )
            .with_label_values::<&str>(&[]),
            compactions: counter(
                registry,
                "log_store_compactions_total",
                "Compaction runs (one team-hour's segments merged into one), by outcome (ok, failed).",
                &["outcome"],
            ),
            compaction_duration: histogram(
                registry,
                "log_store_compaction_duration_seconds",
                "Time of one compaction run.",
                &[],
                (0.001, 16),
            )
            .with_label_values::<&str>(&[]),
        };
        Self { events: Arc::new(events), watched: OnceLock::new() }
    }

    /// Hooks the store's observer and registers its gauges; once.
    pub fn watch(&self, registry: &Registry, store: &Arc<EmbeddedStore>) -> bool {
        if self.watched.set(()).is_err() {
            return false;
        }
        store.set_observer(self.events.clone());
        // Weak: the registry must not keep a dropped store (and its thread) alive.
        match Gauges::new(Arc::downgrade(store)) {
            Ok(g) => registry.register(Box::new(g)).is_ok(),
            Err(e) => {
                tracing::error!(error = %e, "log store gauges");
                false
            }
        }
    }
}

/// Gauges set from one `stats()` at each collection.
struct Gauges {
    store: Weak<EmbeddedStore>,
    head_rows: IntGauge,
    seal_backlog_rows: IntGauge,
    frozen_heads: IntGauge,
    segments: IntGauge,
    segment_rows: IntGauge,
    segment_bytes: IntGauge,
    cache_bytes: IntGauge,
    query_memory_bytes: IntGauge,
    /// Monotonic in the store since open: the counter follows it by increments.
    wal_bytes: IntCounter,
    wal_syncs: IntCounter,
    /// Serializes collections, so two scrapes never add the same increment twice.
    collecting: Mutex<()>,
}

impl Gauges {
    fn new(store: Weak<EmbeddedStore>) -> prometheus::Result<Self> {
        // The registry adds the `logstead_` prefix.
        let g = |name: &str, help: &str| IntGauge::with_opts(Opts::new(name, help));
        let c = |name: &str, help: &str| IntCounter::with_opts(Opts::new(name, help));
        Ok(Self {
            store,
            head_rows: g("log_store_head_rows", "Rows in the active in-memory head (sealed at 250,000).")?,
            seal_backlog_rows: g(
                "log_store_seal_backlog_rows",
                "Rows in frozen heads waiting to be written to segments.",
            )?,
            frozen_heads: g("log_store_frozen_heads", "Frozen heads waiting to be written to segments.")?,
            segments: g("log_store_segments", "Segments on disk.")?,
            segment_rows: g("log_store_segment_rows", "Rows in segments on disk.")?,
            segment_bytes: g("log_store_segment_bytes", "Bytes of segment data and metadata files on disk.")?,
            cache_bytes: g("log_store_cache_bytes", "Bytes held by the decoded-batch cache.")?,
            query_memory_bytes: g(
                "log_store_query_memory_bytes",
                "Decoded bytes running queries hold, charged to the query memory budget.",
            )?,
            wal_bytes: c("wal_written_bytes_total", "Bytes written to the WAL, frame headers included.")?,
            wal_syncs: c("wal_syncs_total", "WAL group writes synced to disk.")?,
            collecting: Mutex::new(()),
        })
    }

    fn gauges(&self) -> [&IntGauge; 8] {
        [
            &self.head_rows,
            &self.seal_backlog_rows,
            &self.frozen_heads,
            &self.segments,
            &self.segment_rows,
            &self.segment_bytes,
            &self.cache_bytes,
            &self.query_memory_bytes,
        ]
    }

    fn set(&self, s: &StoreStats) {
        let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.head_rows.set(int(s.head_rows.saturating_sub(s.frozen_rows) as u64));
        self.seal_backlog_rows.set(int(s.frozen_rows as u64));
        self.frozen_heads.set(int(s.frozen_heads as u64));
        self.segments.set(int(s.segments as u64));
        self.segment_rows.set(int(s.segment_rows));
        self.segment_bytes.set(int(s.segment_bytes));
        self.cache_bytes.set(int(s.cache_bytes as u64));
        self.query_memory_bytes.set(int(s.query_memory.used as u64));
        self.wal_bytes.inc_by(s.wal.bytes.saturating_sub(self.wal_bytes.get()));
        self.wal_syncs.inc_by(s.wal.syncs.saturating_sub(self.wal_syncs.get()));
    }
}

impl Collector for Gauges {
    fn desc(&self) -> Vec<&Desc> {
        let mut d: Vec<&Desc> = self.gauges().iter().flat_map(|g| g.desc()).collect();
        d.extend(self.wal_bytes.desc());
        d.extend(self.wal_syncs.desc());
        d
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let _one = self.collecting.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(store) = self.store.upgrade() {
            self.set(&store.stats());
        }
        let mut out: Vec<MetricFamily> = self.gauges().iter().flat_map(|g| g.collect()).collect();
        out.extend(self.wal_bytes.collect());
        out.extend(self.wal_syncs.collect());
        out
    }
}
