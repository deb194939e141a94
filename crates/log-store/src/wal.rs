//! Write-ahead log: the durability point of the log path.
//!
//! A directory of files `wal-<16-digit seq>.log`, each a sequence of frames
//! `[magic u32 LE][payload len u32 LE][crc32 of payload u32 LE][payload]`.
//!
//! * [`Wal::append`] returns only after its frame is written and `sync_data`'d. Concurrent
//!   appenders share syncs (group commit): frames queue in memory; the first appender that
//!   finds no write in progress becomes the leader, writes everything queued with one
//!   `write` and one sync, then wakes the rest. While it syncs, the next group queues up.
//! * [`Wal::open`] replays every valid frame through a callback, reports damage, cuts a torn
//!   tail off the last file (what kill -9 mid-write leaves) so new frames follow good data,
//!   and skips damaged frames elsewhere by resynchronising on the next valid frame.
//! * A failed write or sync fails every appender in the affected group and every later one:
//!   after an fsync error the page cache can no longer be trusted (the kernel may have
//!   dropped the dirty pages), so the WAL refuses more appends until it is reopened, which
//!   re-reads what actually reached the disk.
//! * One process per directory: `open` takes an exclusive lock on `<dir>/LOCK`.

mod commit;
mod scan;
#[cfg(test)]
mod tests;

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

pub use commit::Wal;
pub use scan::{FrameFault, MAX_PAYLOAD};

/// A frame's position: WAL file sequence number and byte offset of the frame start in that
/// file. Orders like the log. Only meaningful for the directory that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lsn {
    pub file: u64,
    pub offset: u64,
}

impl std::fmt::Display for Lsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016}:{}", self.file, self.offset)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalOptions {
    /// A file is sealed and a new one started before a group write would take it past this
    /// size (one oversized group may still land in an otherwise empty file).
    pub max_file_bytes: u64,
}

impl Default for WalOptions {
    fn default() -> Self {
        Self { max_file_bytes: 64 << 20 }
    }
}

/// Counters since `open` (appends only, not replay).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalStats {
    /// Frames made durable.
    pub frames: u64,
    /// `sync_data` calls for group writes: fewer than `frames` when group commit works.
    pub syncs: u64,
    /// Bytes written, frame headers included.
    pub bytes: u64,
}

/// What [`Wal::open`] found. Payloads went to the callback; this is the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replay {
    pub files: usize,
    pub frames: u64,
    pub payload_bytes: u64,
    pub last_lsn: Option<Lsn>,
    pub corruption: Vec<CorruptionReport>,
}

impl Replay {
    /// Fails on damage other than a torn tail; for callers that refuse to start on it.
    pub fn ensure_clean(&self) -> Result<(), WalError> {
        match self.corruption.iter().find(|c| c.kind != CorruptionKind::TornTail) {
            Some(c) => {
                Err(WalError::Corrupt { path: c.path.clone(), offset: c.offset, reason: c.kind.to_string() })
            }
            None => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorruptionReport {
    pub path: PathBuf,
    /// Sequence number of the file.
    pub file: u64,
    /// Where the damage starts and how many bytes were skipped (or cut off).
    pub offset: u64,
    pub len: u64,
    pub kind: CorruptionKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorruptionKind {
    /// Incomplete or garbage bytes at the end of the last file, with no valid frame after
    /// them: an interrupted write. The file was truncated to `offset`.
    TornTail,
    /// Damaged bytes skipped; valid frames after them were kept. Also used for damage at
    /// the end of an older file, which is left untouched.
    BadFrame(FrameFault),
    /// `len` file sequence numbers starting at `file` are absent between existing files.
    MissingFiles,
}

impl std::fmt::Display for CorruptionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TornTail => f.write_str("torn tail"),
            Self::BadFrame(fault) => write!(f, "bad frame: {fault}"),
            Self::MissingFiles => f.write_str("missing WAL files"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WalError {
    #[error("WAL I/O error: {0}")]
    Io(#[from] io::Error),
    #[error("WAL corrupt at {}:{offset}: {reason}", path.display())]
    Corrupt { path: PathBuf, offset: u64, reason: String },
    #[error("WAL directory {} is in use by another writer", dir.display())]
    Locked { dir: PathBuf },
    #[error("payload of {len} bytes exceeds the {MAX_PAYLOAD}-byte frame limit")]
    PayloadTooLarge { len: usize },
    #[error("WAL failed earlier ({0}) and accepts no appends until reopened")]
    Failed(String),
}

/// A file sealed by rotation (or found at open), deletable once a checkpoint covers it.
#[derive(Debug)]
pub(crate) struct Sealed {
    seq: u64,
    /// Offset of its last good frame; `None` if it has none.
    last_frame: Option<u64>,
}

/// What open hands to the writer: the active file and the sealed ones.
pub(crate) struct Recovered {
    lock: File,
    active: File,
    seq: u64,
    len: u64,
    last_frame: Option<u64>,
    sealed: Vec<Sealed>,
}

fn report(path: &Path, file: u64, offset: u64, len: u64, kind: CorruptionKind) -> CorruptionReport {
    tracing::warn!(path = %path.display(), offset, len, %kind, "WAL damage");
    CorruptionReport { path: path.to_owned(), file, offset, len, kind }
}

/// Makes file creation and deletion in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

pub(crate) fn open_append(path: &Path, create_new: bool) -> io::Result<File> {
    crate::fsutil::private_options().append(true).create_new(create_new).open(path)
}

fn lock_dir(dir: &Path) -> Result<File, WalError> {
    let lock =
        crate::fsutil::private_options().create(true).truncate(false).write(true).open(dir.join("LOCK"))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(WalError::Locked { dir: dir.to_owned() }),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

/// Scans every file in order, feeding good frames to `on_frame`, repairing the last file's
/// tail, and returns the state the writer continues from.
pub(crate) fn recover(
    dir: &Path,
    mut on_frame: impl FnMut(Lsn, &[u8]),
) -> Result<(Recovered, Replay), WalError> {
    crate::fsutil::create_private_dir_all(dir)?;
    let lock = lock_dir(dir)?;
    let files = scan::list_files(dir)?;
    let mut replay = Replay { files: files.len(), ..Replay::default() };
    let mut sealed = Vec::with_capacity(files.len());
    let mut prev: Option<u64> = None;
    let mut active = None;
    for (i, (seq, path)) in files.iter().enumerate() {
        let seq = *seq;
        if let Some(p) = prev.filter(|&p| seq > p + 1) {
            let missing = dir.join(scan::file_name(p + 1));
            replay.corruption.push(report(&missing, p + 1, 0, seq - p - 1, CorruptionKind::MissingFiles));
        }
        prev = Some(seq);
        // Whole-file read: replay memory peaks at the largest file (about max_file_bytes).
        let buf = std::fs::read(path)?;
        let found = scan::scan(&buf, |offset, payload| on_frame(Lsn { file: seq, offset }, payload));
        replay.frames += found.frames;
        replay.payload_bytes += found.payload_bytes;
        if let Some(offset) = found.last_frame {
            replay.last_lsn = Some(Lsn { file: seq, offset });
        }
        for d in &found.damage {
            replay.corruption.push(report(path, seq, d.offset, d.len, CorruptionKind::BadFrame(d.fault)));
        }
        let is_last = i + 1 == files.len();
        let mut len = buf.len() as u64;
        if let Some(t) = found.tail {
            let kind = if is_last { CorruptionKind::TornTail } else { CorruptionKind::BadFrame(t.fault) };
            replay.corruption.push(report(path, seq, t.offset, t.len, kind));
            if is_last {
                let f = OpenOptions::new().write(true).open(path)?;
                f.set_len(t.offset)?;
                f.sync_all()?;
                len = t.offset;
            }
        }
        if is_last {
            active = Some((open_append(path, false)?, seq, len, found.last_frame));
        } else {
            sealed.push(Sealed { seq, last_frame: found.last_frame });
        }
    }
    let (active, seq, len, last_frame) = match active {
        Some(a) => a,
        None => {
            let f = open_append(&dir.join(scan::file_name(1)), true)?;
            sync_dir(dir)?;
            (f, 1, 0, None)
        }
    };
    Ok((Recovered { lock, active, seq, len, last_frame, sealed }, replay))
}
