//! The `Wal` handle: group commit, rotation and checkpoint truncation.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Instant;

use super::scan::{self, MAX_PAYLOAD};
use super::{Lsn, Recovered, Replay, Sealed, WalError, WalOptions, WalStats};
use crate::observe::StoreObserver;

/// A write-ahead log. `Send + Sync`: share it (e.g. in an `Arc`) between ingest threads.
pub struct Wal {
    dir: PathBuf,
    opts: WalOptions,
    queue: Mutex<Queue>,
    wake: Condvar,
    files: Mutex<Files>,
    frames: AtomicU64,
    syncs: AtomicU64,
    bytes: AtomicU64,
    /// Told how long each group sync took (`set_observer`).
    observer: OnceLock<Arc<dyn StoreObserver>>,
    /// Test hook: the next group write fails as if the disk returned an error.
    #[cfg(test)]
    pub(crate) fail_next_write: std::sync::atomic::AtomicBool,
}

/// Frames waiting for the next leader, and the group they will be written as.
struct Queue {
    pending: Vec<u8>,
    pending_frames: u64,
    /// Offset in `pending` of the newest frame, to track each file's last frame.
    last_frame_at: usize,
    group: Arc<Group>,
    leader_active: bool,
    /// Set by the first failed write; every later append fails with it.
    failed: Option<String>,
}

/// Shared by the appenders of one group write: where it landed, or why it failed.
#[derive(Default)]
struct Group {
    outcome: OnceLock<Result<(u64, u64), (io::ErrorKind, String)>>,
}

/// Only the leader touches these (and `truncate_through`), so the lock is rarely contended.
struct Files {
    active: File,
    seq: u64,
    len: u64,
    last_frame: Option<u64>,
    sealed: VecDeque<Sealed>,
    /// Held for the life of the `Wal`; dropping it releases the directory.
    _lock: File,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing holding these locks can panic midway and leave state half-updated, so a
    // poisoned lock's data is still consistent.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Wal {
    /// Opens (creating if needed) the WAL in `dir` and replays it: `on_frame` receives every
    /// valid payload in log order, borrowed from a per-file read buffer, so replay holds
    /// one file in memory at a time. Damage is repaired or skipped and listed in the
    /// returned [`Replay`]; open fails only on I/O errors or if another `Wal` holds `dir`.
    pub fn open(
        dir: impl AsRef<Path>,
        opts: WalOptions,
        on_frame: impl FnMut(Lsn, &[u8]),
    ) -> Result<(Wal, Replay), WalError> {
        let dir = dir.as_ref().to_owned();
        let (rec, replay): (Recovered, Replay) = super::recover(&dir, on_frame)?;
        let files = Files {
            active: rec.active,
            seq: rec.seq,
            len: rec.len,
            last_frame: rec.last_frame,
            sealed: rec.sealed.into(),
            _lock: rec.lock,
        };
        let queue = Queue {
            pending: Vec::new(),
            pending_frames: 0,
            last_frame_at: 0,
            group: Arc::default(),
            leader_active: false,
            failed: None,
        };
        let wal = Wal {
            dir,
            opts,
            queue: Mutex::new(queue),
            wake: Condvar::new(),
            files: Mutex::new(files),
            frames: AtomicU64::new(0),
            syncs: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            observer: OnceLock::new(),
            #[cfg(test)]
            fail_next_write: Default::default(),
        };
        Ok((wal, replay))
    }

    /// Appends one frame and returns its position once it is durable. Many threads may
    /// append at once; they share writes and syncs. An error means the frame is not
    /// acknowledged (it may or may not reappear on replay).
    pub fn append(&self, payload: &[u8]) -> Result<Lsn, WalError> {
        if payload.len() > MAX_PAYLOAD {
            return Err(WalError::PayloadTooLarge { len: payload.len() });
        }
        let mut q = lock(&self.queue);
        if let Some(reason) = &q.failed {
            return Err(WalError::Failed(reason.clone()));
        }
        let at = q.pending.len();
        scan::encode_frame(payload, &mut q.pending);
        q.pending_frames += 1;
        q.last_frame_at = at;
        let group = Arc::clone(&q.group);
        loop {
            if let Some(outcome) = group.outcome.get() {
                return match outcome {
                    Ok((file, base)) => Ok(Lsn { file: *file, offset: base + at as u64 }),
                    Err((kind, msg)) => Err(WalError::Io(io::Error::new(*kind, msg.clone()))),
                };
            }
            if q.leader_active {
                q = self.wake.wait(q).unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // No leader and our group has no outcome, so it is still the queued one: lead.
            q.leader_active = true;
            let buf = std::mem::take(&mut q.pending);
            let frames = std::mem::take(&mut q.pending_frames);
            let last_at = q.last_frame_at;
            let taken = std::mem::take(&mut q.group);
            let failed = q.failed.clone();
            drop(q);

            let result = match failed {
                Some(reason) => Err(io::Error::other(format!("WAL failed earlier: {reason}"))),
                None => self.write_group(&buf, frames, last_at),
            };
            let outcome = result.map_err(|e| (e.kind(), e.to_string()));
            if let Err((_, msg)) = &outcome {
                tracing::error!(dir = %self.dir.display(), error = %msg, "WAL write failed");
            }
            let failure = outcome.as_ref().err().map(|(_, msg)| msg.clone());
            let _ = taken.outcome.set(outcome);

            q = lock(&self.queue);
            q.leader_active = false;
            if q.failed.is_none() {
                q.failed = failure;
            }
            // Hand the allocation back so steady-state appends do not reallocate.
            if q.pending.is_empty() {
                let mut buf = buf;
                buf.clear();
                q.pending = buf;
            }
            self.wake.notify_all();
        }
    }

    /// Writes one group with a single write and sync, rotating first if it would overfill
    /// the active file. Returns (file seq, offset the group starts at).
    fn write_group(&self, buf: &[u8], frames: u64, last_at: usize) -> io::Result<(u64, u64)> {
        let mut f = lock(&self.files);
        #[cfg(test)]
        if self.fail_next_write.swap(false, Ordering::SeqCst) {
            return Err(io::Error::other("injected write failure"));
        }
        if f.len > 0 && f.len + buf.len() as u64 > self.opts.max_file_bytes {
            self.rotate(&mut f)?;
        }
        let base = f.len;
        f.active.write_all(buf)?;
        let started = Instant::now();
        f.active.sync_data()?;
        if let Some(o) = self.observer.get() {
            o.wal_synced(started.elapsed());
        }
        f.len += buf.len() as u64;
        f.last_frame = Some(base + last_at as u64);
        self.frames.fetch_add(frames, Ordering::Relaxed);
        self.syncs.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        Ok((f.seq, base))
    }

    /// Seals the active file (its data is already synced) and starts the next one.
    fn rotate(&self, f: &mut Files) -> io::Result<()> {
        self.rotate_to(f, f.seq + 1)
    }

    /// Starts file `next`. The directory is synced so the new file's entry survives a crash
    /// before its frames are acknowledged.
    fn rotate_to(&self, f: &mut Files, next: u64) -> io::Result<()> {
        let active = super::open_append(&self.dir.join(scan::file_name(next)), true)?;
        super::sync_dir(&self.dir)?;
        let old = Sealed { seq: f.seq, last_frame: f.last_frame };
        f.sealed.push_back(old);
        f.active = active;
        f.seq = next;
        f.len = 0;
        f.last_frame = None;
        tracing::debug!(dir = %self.dir.display(), seq = next, "WAL rotated");
        Ok(())
    }

    /// Seals the active file and starts a new one numbered at least `min_seq`, unless the
    /// active file is empty and already numbered at least `min_seq`. A checkpoint can then
    /// cover every frame written so far (`truncate_through` never deletes the active file).
    /// Callers must make sure no append is in flight if they need that guarantee.
    pub fn start_new_file(&self, min_seq: u64) -> Result<(), WalError> {
        let mut f = lock(&self.files);
        if f.len == 0 && f.seq >= min_seq {
            return Ok(());
        }
        let next = (f.seq + 1).max(min_seq);
        Ok(self.rotate_to(&mut f, next)?)
    }

    /// Deletes sealed files whose every frame is at or before `lsn` (a checkpoint: their
    /// data is safely in segments). The active file is never deleted. Files go oldest
    /// first, so a crash midway leaves no gap. Returns how many were deleted.
    pub fn truncate_through(&self, lsn: Lsn) -> Result<usize, WalError> {
        let mut f = lock(&self.files);
        let mut deleted = 0;
        while let Some(s) = f.sealed.front() {
            let covered =
                s.seq < lsn.file || (s.seq == lsn.file && s.last_frame.is_none_or(|o| o <= lsn.offset));
            if !covered {
                break;
            }
            match std::fs::remove_file(self.dir.join(scan::file_name(s.seq))) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
            f.sealed.pop_front();
            deleted += 1;
        }
        if deleted > 0 {
            super::sync_dir(&self.dir)?;
        }
        Ok(deleted)
    }

    /// Reports every group sync to `observer` from now on. Set once: a second call is
    /// ignored and returns false.
    pub fn set_observer(&self, observer: Arc<dyn StoreObserver>) -> bool {
        self.observer.set(observer).is_ok()
    }

    pub fn stats(&self) -> WalStats {
        WalStats {
            frames: self.frames.load(Ordering::Relaxed),
            syncs: self.syncs.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Sequence number of the file appends currently go to.
    pub fn active_file(&self) -> u64 {
        lock(&self.files).seq
    }

    /// Whether an earlier write failed; such a WAL only returns errors until reopened.
    pub fn is_failed(&self) -> bool {
        lock(&self.queue).failed.is_some()
    }
}
