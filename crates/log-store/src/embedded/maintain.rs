//! The background threads. Maintenance seals the head when it is big or old enough,
//! quarantines segments queries found damaged, and loads (or rebuilds, when missing or
//! damaged) segment indexes. Compaction merges segments on a thread of its own, so a long
//! merge (tens of seconds for 2M rows) never holds up sealing, which appends wait on: with
//! both on one thread, ingest at 100M rows ran at 28k rows/s with half the CPU idle. Both
//! are stopped and joined when the store drops.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::head::read;
use super::{Inner, lock};
use crate::segment::{ReadError, Retire, Segment};

/// A background thread's name and its round of work.
type Work = (&'static str, fn(&Inner));

pub(super) fn spawn(inner: &Arc<Inner>) -> Vec<JoinHandle<()>> {
    let tick = (inner.opts.seal_age / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    let threads: [Work; 2] =
        [("log-store-maintenance", Inner::maintain), ("log-store-compaction", Inner::compact_round)];
    let mut handles = Vec::new();
    for (name, work) in threads {
        let spawned = std::thread::Builder::new().name(name.into()).spawn({
            let inner = Arc::clone(inner);
            move || run(&inner, tick, work)
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            // Without it, `flush` still seals and `compact` compacts; the server keeps working.
            Err(e) => tracing::error!(error = %e, thread = name, "could not start a log store thread"),
        }
    }
    handles
}

fn run(inner: &Inner, tick: Duration, work: fn(&Inner)) {
    while !inner.wait(tick) {
        work(inner);
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
        self.seal_and_quarantine();
        // Reads only: outside the durable state's lock, so seals do not wait for it.
        self.scrub(SCRUB_BYTES_PER_ROUND);
    }

    /// Waits for a wake-up or `tick`; true once the store asks its threads to stop.
    fn wait(&self, tick: Duration) -> bool {
        let stop = lock(&self.wake.0);
        if *stop {
            return true;
        }
        let (stop, _) =
            self.wake.1.wait_timeout(stop, tick).unwrap_or_else(std::sync::PoisonError::into_inner);
        *stop
    }

    fn stopping(&self) -> bool {
        *lock(&self.wake.0)
    }

    fn seal_and_quarantine(&self) {
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
        drop(durable);
        self.index_segments();
    }

    /// Merges until nothing qualifies or the store stops.
    fn compact_round(&self) {
        while !self.stopping() {
            match self.compact_once() {
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
