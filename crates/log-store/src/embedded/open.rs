//! Opening the store: state file, segment metadata (verified), cleanup, WAL replay.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64};
use std::sync::{Arc, Condvar, Mutex, RwLock};

use logs_query::StoreError;

use super::budget::MemoryBudget;
use super::head::Head;
use super::state::{Durable, Published};
use super::{Inner, OpenReport, StoreOptions};
use crate::codec::decode_batch;
use crate::fsutil::{TMP_SUFFIX, quarantine, sync_dir, unframe};
use crate::segment::cache::BatchCache;
use crate::segment::index::INDEX_EXT;
use crate::segment::meta::{MAGIC, SegmentMeta};
use crate::segment::{DATA_EXT, META_EXT, Segment, parse_name};
use crate::wal::{Lsn, Wal};

fn io_err(what: &str, path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Read(format!("{what} {}: {e}", path.display()))
}

/// Removes a leftover file; false if it is still there.
fn remove(path: PathBuf, report: &mut OpenReport) -> bool {
    match std::fs::remove_file(&path) {
        Ok(()) => {
            report.removed_files.push(path);
            true
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "could not remove leftover file");
            false
        }
    }
}

fn load_meta(path: &Path) -> Result<SegmentMeta, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    SegmentMeta::decode(unframe(MAGIC, &bytes)?).map_err(|e| e.to_string())
}

/// Loads every segment in `seg_dir`, verifying it, and sorts out leftovers.
fn load_segments(
    dir: &Path,
    seg_dir: &Path,
    durable: &Durable,
    state_missing: bool,
    report: &mut OpenReport,
) -> Result<(Vec<Segment>, Vec<u64>), StoreError> {
    let mut metas = HashSet::new();
    let mut datas = HashSet::new();
    let mut indexes = HashSet::new();
    for entry in std::fs::read_dir(seg_dir).map_err(|e| io_err("listing", seg_dir, e))? {
        let path = entry.map_err(|e| io_err("listing", seg_dir, e))?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.ends_with(TMP_SUFFIX) {
            remove(path, report);
            continue;
        }
        match parse_name(&name) {
            Some((id, META_EXT)) => metas.insert(id),
            Some((id, DATA_EXT)) => datas.insert(id),
            Some((id, INDEX_EXT)) => indexes.insert(id),
            _ => {
                tracing::warn!(path = %path.display(), "unexpected file in the segment directory");
                false
            }
        };
    }
    let path_of = |id: u64, ext: &str| seg_dir.join(crate::segment::file_name(id, ext));
    let mut segments = Vec::new();
    let mut ids: Vec<u64> = metas.iter().copied().collect();
    ids.sort_unstable();
    for id in ids {
        let meta_path = path_of(id, META_EXT);
        if !datas.remove(&id) {
            // The sidecar is written first: alone, it is an interrupted write.
            remove(meta_path, report);
            continue;
        }
        let seg = load_meta(&meta_path)
            .and_then(|m| if m.id == id { Ok(m) } else { Err(format!("metadata names segment {}", m.id)) })
            .and_then(|m| Segment::found(seg_dir, m));
        match seg {
            Ok(s) => {
                indexes.remove(&id);
                segments.push(s);
            }
            Err(e) => {
                let data = path_of(id, DATA_EXT);
                tracing::warn!(path = %data.display(), error = %e, "corrupt segment quarantined");
                quarantine(dir, &meta_path);
                quarantine(dir, &data);
                report.corrupt_segments.push(data);
            }
        }
    }
    // An index is written first: without its segment it is an interrupted write (or the
    // rest of a quarantined one).
    for id in indexes {
        remove(path_of(id, INDEX_EXT), report);
    }
    for id in datas {
        let data = path_of(id, DATA_EXT);
        tracing::warn!(path = %data.display(), "segment data without metadata quarantined");
        quarantine(dir, &data);
        report.corrupt_segments.push(data);
    }
    // Segments but no state file: it was lost (open writes one before any segment).
    if state_missing && !segments.is_empty() {
        report.corrupt_state = true;
    }
    let mut undeleted = Vec::new();
    // Retired by compaction, retention or a failed seal: drop them now.
    let mut dead: HashSet<u64> = durable.dead_segments.iter().copied().collect();
    dead.extend(segments.iter().flat_map(|s| s.meta.replaces.iter().copied()));
    let sealed = durable.sealed();
    let (keep, drop): (Vec<Segment>, Vec<Segment>) = segments.into_iter().partition(|s| {
        let uncommitted = uncommitted(sealed, s, report.corrupt_state);
        !dead.contains(&s.meta.id) && !uncommitted && s.meta.max_ts >= durable.cutoff(s.meta.team_id)
    });
    for s in drop {
        // Data first, as for any deletion: a sidecar left alone is an interrupted write.
        if !(remove(s.data_path.clone(), report)
            && remove(s.index_path.clone(), report)
            && remove(s.meta_path.clone(), report))
        {
            undeleted.push(s.meta.id);
        }
    }
    Ok((keep, undeleted))
}

/// A segment whose WAL position the state file does not cover was written by a seal that
/// never committed: its rows are still in the WAL.
fn uncommitted(sealed: Option<Lsn>, s: &Segment, state_lost: bool) -> bool {
    if state_lost {
        return false;
    }
    match (s.meta.max_lsn, sealed) {
        (Some(l), Some(c)) => l > c,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

pub(super) fn open(dir: &Path, opts: StoreOptions) -> Result<(Inner, OpenReport), StoreError> {
    let wal_dir = dir.join("wal");
    let seg_dir = dir.join("segments");
    for d in [&wal_dir, &seg_dir] {
        crate::fsutil::create_private_dir_all(d).map_err(|e| io_err("creating", d, e))?;
    }
    let mut report = OpenReport::default();
    let _ = std::fs::remove_file(dir.join(format!("{}{TMP_SUFFIX}", super::state::STATE_FILE)));
    let loaded = Durable::load(dir);
    let state_missing = matches!(loaded, Ok(None));
    let mut durable = match loaded {
        Ok(d) => d.unwrap_or_default(),
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "unreadable state file; using segment metadata");
            report.corrupt_state = true;
            Durable::default()
        }
    };
    let (mut segments, undeleted) = load_segments(dir, &seg_dir, &durable, state_missing, &mut report)?;
    let max_segment_lsn = segments.iter().filter_map(|s| s.meta.max_lsn).max();
    if report.corrupt_state
        && let Some(l) = max_segment_lsn
    {
        durable.seal_through(l);
    }
    let max_id =
        segments.iter().flat_map(|s| std::iter::once(s.meta.id).chain(s.meta.replaces.iter().copied())).max();
    durable.next_segment_id = durable.next_segment_id.max(max_id.map_or(0, |m| m + 1));
    durable.dead_segments = undeleted;
    durable.save(dir).map_err(|e| io_err("writing state in", dir, e))?;
    let _ = sync_dir(&seg_dir);

    let sealed = durable.sealed();
    let head = Head::default();
    let mut max_observed = segments.iter().map(|s| s.meta.max_observed).max().unwrap_or(i64::MIN);
    let (wal, replay) = Wal::open(&wal_dir, opts.wal.clone(), |lsn, payload| {
        if sealed.is_some_and(|s| lsn <= s) {
            report.skipped_frames += 1;
            return;
        }
        match decode_batch(payload) {
            Ok((team_id, records)) => {
                let cutoff = durable.cutoff(team_id);
                let mut records: Vec<_> = records.into_iter().filter(|r| r.timestamp_us >= cutoff).collect();
                for r in &mut records {
                    r.team_id = team_id;
                    max_observed = max_observed.max(r.observed_timestamp_us);
                }
                report.replayed_records += records.len() as u64;
                head.insert(team_id, records);
            }
            Err(e) => {
                report.corrupt_frames += 1;
                tracing::warn!(%lsn, error = %e, "skipping undecodable WAL frame");
            }
        }
    })
    .map_err(|e| io_err("opening WAL in", &wal_dir, e))?;
    if !replay.corruption.is_empty() {
        tracing::warn!(reports = replay.corruption.len(), "WAL damage found during replay");
    }
    // Positions only compare within one WAL: if it was reset, move past the committed one.
    if let Some(s) = sealed.filter(|s| wal.active_file() <= s.file) {
        tracing::warn!(sealed = %s, "WAL is behind the committed position; starting a new file past it");
        wal.start_new_file(s.file + 1).map_err(|e| io_err("advancing WAL in", &wal_dir, e))?;
    }
    if let Some(s) = sealed.filter(|_| report.skipped_frames > 0) {
        // A crash between commit and truncation left covered files behind.
        if let Err(e) = wal.truncate_through(s) {
            tracing::warn!(error = %e, "WAL truncation at open failed");
        }
    }
    report.wal = replay;
    report.segments = segments.len();
    report.segment_rows = segments.iter().map(|s| s.meta.rows).sum();

    let mut by_team: HashMap<i64, Vec<Arc<Segment>>> = HashMap::new();
    for s in segments.drain(..) {
        by_team.entry(s.meta.team_id).or_default().push(Arc::new(s));
    }
    let segments = by_team
        .into_iter()
        .map(|(t, mut v)| {
            v.sort_by_key(|s| (s.meta.min_ts, s.meta.id));
            (t, Arc::new(v))
        })
        .collect();
    let cache = BatchCache::new(opts.cache_bytes);
    let inner = Inner {
        dir: dir.to_owned(),
        seg_dir,
        wal,
        gate: RwLock::new(()),
        published: RwLock::new(Published { active: Arc::new(head), frozen: Vec::new(), segments }),
        last_lsn: Mutex::new(report.wal.last_lsn),
        durable: Mutex::new(durable),
        compacting: Mutex::new(()),
        deleted: Arc::default(),
        cache,
        budget: MemoryBudget::new(opts.query_memory_bytes),
        max_observed_us: AtomicI64::new(max_observed),
        in_flight: Mutex::new(HashMap::new()),
        next_batch: AtomicU64::new(0),
        runtime_corrupt: Mutex::new(Vec::new()),
        wake: (Mutex::new(false), Condvar::new()),
        observer: std::sync::OnceLock::new(),
        opts,
    };
    Ok((inner, report))
}
