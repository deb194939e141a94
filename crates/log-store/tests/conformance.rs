//! The `LogStore` conformance suite (`logs_query::testsuite`) on the embedded store, three
//! ways: as the server runs it; tiered, so every answer mixes segments (small and
//! compacted), a frozen head and the active head; and tiered then restarted (closed and
//! reopened from its directory) before every read. The in-memory store runs the same suite
//! in logs-query's own tests.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use log_store::{EmbeddedStore, StoreOptions};
use logs_query::LogStore;
use logs_query::testsuite::StoreFactory;
use logs_query::testsuite::wrapped::Wrapped;
use support::{TempDir, open, temp_dir};

/// Splits every append in three: the first third is sealed into segments, the second left
/// in a frozen head, the last in the active head (each seal also takes the previous
/// append's frozen and active rows). Every fourth append compacts.
fn tiered_store(store: EmbeddedStore) -> Wrapped<EmbeddedStore> {
    let appends = AtomicUsize::new(0);
    Wrapped::new(store).on_append(move |store, team_id, mut records| {
        let mut frozen = records.split_off(records.len() / 3);
        let active = frozen.split_off(frozen.len() / 2);
        store.append(team_id, records)?;
        store.flush()?;
        if appends.fetch_add(1, Ordering::Relaxed) % 4 == 3 {
            store.compact()?;
        }
        store.append(team_id, frozen)?;
        store.freeze_head();
        store.append(team_id, active)
    })
}

/// Tiny batches and segments, no background thread: the tiers are exactly as
/// `tiered_store` leaves them.
fn tiered_opts() -> StoreOptions {
    StoreOptions {
        background: false,
        batch_rows: 16,
        seal_rows: 8,
        seal_age: Duration::from_secs(3600),
        compact_min_segments: 3,
        compact_small_rows: 200,
        ..StoreOptions::default()
    }
}

struct Embedded {
    dir: TempDir,
    opts: StoreOptions,
    tiered: bool,
    restart: bool,
}

impl Embedded {
    /// The server's options: background sealing and compaction.
    fn server() -> Self {
        Self { dir: temp_dir("conformance"), opts: StoreOptions::default(), tiered: false, restart: false }
    }

    fn tiered(restart: bool) -> Self {
        Self { dir: temp_dir("conformance-tiered"), opts: tiered_opts(), tiered: true, restart }
    }

    fn open_store(&self) -> Box<dyn LogStore> {
        let store = open(self.dir.path(), self.opts.clone());
        if self.tiered { Box::new(tiered_store(store)) } else { Box::new(store) }
    }
}

impl StoreFactory for Embedded {
    fn open(&mut self) -> Box<dyn LogStore> {
        self.open_store()
    }

    fn reopen(&mut self, store: Box<dyn LogStore>) -> Box<dyn LogStore> {
        if !self.restart {
            return store;
        }
        drop(store);
        self.open_store()
    }
}

logs_query::logstore_conformance_suite!(embedded, Embedded::server());
logs_query::logstore_conformance_suite!(embedded_tiered, Embedded::tiered(false));
logs_query::logstore_conformance_suite!(embedded_restarted, Embedded::tiered(true));

/// The tiered set-up does what it says: after loading, the store holds segments (some
/// compacted), a frozen head and an active head at once.
#[test]
fn tiered_store_mixes_segments_a_frozen_head_and_the_head() {
    let dir = temp_dir("tiered-check");
    let tiered = tiered_store(open(dir.path(), tiered_opts()));
    let rows = logs_query::testsuite::data::dataset(3, 1500);
    logs_query::testsuite::data::append_grouped(&tiered, &rows, 200);
    let stats = tiered.inner.stats();
    assert!(stats.segments > 0 && stats.segment_rows > 0, "{stats:?}");
    assert_eq!(stats.frozen_heads, 1, "{stats:?}");
    assert!(stats.head_rows as u64 > 0 && (stats.segment_rows as usize) < rows.len(), "{stats:?}");
    support::check(&tiered, &rows, "tiered");
}
