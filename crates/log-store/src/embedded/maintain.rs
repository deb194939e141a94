//! The background maintenance thread: seals the head when it is big or old enough, compacts,
//! quarantines segments queries found damaged, and loads (or rebuilds, when missing or
//! damaged) segment indexes. Stopped and joined when the store drops.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::head::read;
use super::{Inner, lock};
use crate::segment::{ReadError, Retire, Segment};

pub(super) fn spawn(inner: Arc<Inner>) -> JoinHandle<()> {
    let tick = (inner.opts.seal_age / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let spawned = std::thread::Builder::new().name("log-store-maintenance".into()).spawn({
        let inner = Arc::clone(&inner);
        move || run(&inner, tick)
    });
    match spawned {
        Ok(handle) => handle,
        Err(e) => {
            // Without the thread, `flush` still seals; the server keeps working.
            tracing::error!(error = %e, "could not start the log store maintenance thread");
            std::thread::spawn(|| {})
        }
    }
}

fn run(inner: &Inner, tick: Duration) {
    loop {
        {
            let stop = lock(&inner.wake.0);
            if *stop {
                return;
            }
            let (stop, _) =
                inner.wake.1.wait_timeout(stop, tick).unwrap_or_else(std::sync::PoisonError::into_inner);
            if *stop {
                return;
            }
        }
        inner.maintain();
    }
}

/// Segment indexes rebuilt per round at most, so a stop request is not kept waiting long.
const REBUILDS_PER_ROUND: usize = 2;
/// Data bytes scrubbed per round at most (a segment is never split).
const SCRUB_BYTES_PER_ROUND: u64 = 256 << 20;

impl Inner {
    /// Loads every segment's index ahead of queries; rebuilds a few that are unusable.
    fn index_segments(&self) {
        let segments = read(&self.published).all_segments();
        let mut rebuilt = 0;
        for s in segments.iter().filter(|s| !s.is_broken()) {
            if s.index().is_some() || rebuilt >= REBUILDS_PER_ROUND {
                continue;
            }
            rebuilt += 1;
            match crate::segment::index::build::rebuild(s) {
                Ok(()) => tracing::info!(path = %s.index_path.display(), "segment index rebuilt"),
                Err(ReadError::Damaged(e)) => self.corrupt(s, &e),
                Err(ReadError::Io(e)) => tracing::warn!(error = %e, "rebuilding a segment index failed"),
            }
        }
    }

    /// Checks the whole-file checksum of segments found at open, up to `max_bytes` of data;
    /// damaged ones are marked (then quarantined).
    pub(crate) fn scrub(&self, max_bytes: u64) {
        let segments = read(&self.published).all_segments();
        let mut done = 0u64;
        for s in segments.iter().filter(|s| s.unscrubbed() && !s.is_broken()) {
            if done >= max_bytes {
                return;
            }
            done += s.meta.data_len;
            if let Err(e) = s.scrub() {
                self.corrupt(s, &e);
            }
        }
    }

    fn needs_seal(&self) -> bool {
        let p = read(&self.published);
        let head = &p.active;
        !p.frozen.is_empty()
            || head.rows() >= self.opts.seal_rows
            || head.age().is_some_and(|a| a >= self.opts.seal_age && head.rows() > 0)
    }

    /// One round of background work; errors are logged and retried next round.
    fn maintain(&self) {
        self.maintain_locked();
        // Reads only: outside the maintenance lock, so seals do not wait for it.
        self.scrub(SCRUB_BYTES_PER_ROUND);
    }

    fn maintain_locked(&self) {
        let mut durable = lock(&self.durable);
        if self.needs_seal()
            && let Err(e) = self.seal(&mut durable)
        {
            tracing::error!(error = %e, "sealing the log head failed");
        }
        let broken: Vec<Arc<Segment>> =
            read(&self.published).all_segments().into_iter().filter(|s| s.is_broken()).collect();
        if !broken.is_empty() {
            let dir = self.dir.clone();
            self.retire(&broken, || Retire::Quarantine(dir.clone()));
        }
        self.index_segments();
        // A few merges per round, so a stop request is not kept waiting long.
        for _ in 0..4 {
            // Appends wait for room in the head: seal before each merge, not only once.
            if self.needs_seal()
                && let Err(e) = self.seal(&mut durable)
            {
                tracing::error!(error = %e, "sealing the log head failed");
            }
            match self.compact_once(&mut durable) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(error = %e, "log compaction failed");
                    break;
                }
            }
        }
    }
}
