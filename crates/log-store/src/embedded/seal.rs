//! Sealing heads into segments, and retention.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Instant;

use logs_query::LogRecord;
use uuid::Uuid;

use super::head::{Head, read};
use super::state::Durable;
use super::{CrashPoint, Inner, lock, write_lock};
use crate::observe::Outcome;
use crate::segment::layout::LayoutBuilder;
use crate::segment::stats::SegmentSpec;
use crate::segment::write::write_segment;
use crate::segment::{Retire, Segment};
use crate::wal::Lsn;

pub(crate) const HOUR_US: i64 = 3_600_000_000;

pub(crate) fn partition_of(ts: i64) -> i64 {
    ts - ts.rem_euclid(HOUR_US)
}

impl Inner {
    /// Persists `durable`, first forgetting retired segments whose files are gone.
    pub(crate) fn save_durable(&self, durable: &mut Durable) -> Result<(), String> {
        let deleted = std::mem::take(&mut *lock(&self.deleted));
        durable.dead_segments.retain(|id| !deleted.contains(id));
        durable.save(&self.dir).map_err(|e| format!("writing the state file: {e}"))
    }

    /// Swaps the active head for an empty one (if it has rows). Holding the gate
    /// exclusively means no append is between its WAL write and its head insert, so every
    /// frame up to the noted position is in the frozen head.
    pub(super) fn freeze(&self) {
        let _gate = write_lock(&self.gate);
        if read(&self.published).active.rows() == 0 {
            return;
        }
        let lsn = *lock(&self.last_lsn);
        // A new WAL file, so truncating through `lsn` can delete every file of this head.
        if let Err(e) = self.wal.start_new_file(0) {
            tracing::warn!(error = %e, "could not start a new WAL file before sealing");
        }
        let mut p = write_lock(&self.published);
        let old = std::mem::replace(&mut p.active, Arc::new(Head::default()));
        p.frozen.push((old, lsn));
    }

    /// Freezes the active head, then writes every frozen head (oldest first) to segments,
    /// commits, publishes and truncates the WAL. A failed head stays frozen (and
    /// queryable) for the next attempt.
    pub(crate) fn seal(&self, durable: &mut Durable) -> Result<(), String> {
        self.freeze();
        loop {
            let Some((head, lsn)) = read(&self.published).frozen.first().cloned() else { return Ok(()) };
            let started = Instant::now();
            let sealed = self.seal_head(&head, lsn, durable);
            self.notify(|o| o.head_sealed(Outcome::of(&sealed), head.rows(), started.elapsed()));
            sealed?;
        }
    }

    /// Writes one frozen head's segments, commits them, publishes them in its place and
    /// truncates the WAL through it.
    fn seal_head(&self, head: &Arc<Head>, lsn: Option<Lsn>, durable: &mut Durable) -> Result<(), String> {
        let segments = self.write_head(head, lsn, durable)?;
        if self.opts.crash_point == Some(CrashPoint::BeforeCommit) {
            return Err("crash point: segments written but not committed".into());
        }
        let before = durable.clone();
        if let Some(l) = lsn {
            durable.seal_through(l);
        }
        if let Err(e) = self.save_durable(durable) {
            // The state may or may not have reached the disk, so the segments must stay
            // until a later commit lists them as dead (the retry writes new ones).
            *durable = before;
            durable.dead_segments.extend(segments.iter().map(|s| s.meta.id));
            return Err(e);
        }
        {
            let mut p = write_lock(&self.published);
            p.frozen.retain(|(h, _)| !Arc::ptr_eq(h, head));
            p.replace(&[], segments.into_iter().map(Arc::new).collect());
        }
        if self.opts.crash_point == Some(CrashPoint::BeforeTruncate) {
            return Ok(());
        }
        if let Some(l) = lsn
            && let Err(e) = self.wal.truncate_through(l)
        {
            tracing::warn!(error = %e, "WAL truncation failed; it is retried at the next seal");
        }
        Ok(())
    }

    /// One segment per team and UTC hour of the head.
    fn write_head(
        &self,
        head: &Head,
        lsn: Option<Lsn>,
        durable: &mut Durable,
    ) -> Result<Vec<Segment>, String> {
        let mut written = Vec::new();
        for (team_id, rows) in head.teams() {
            let rows = read(&rows);
            let mut next = rows.keys().next().copied();
            while let Some(first) = next {
                let partition_us = partition_of(first.0);
                let end = partition_us.checked_add(HOUR_US).map(|e| (e, Uuid::nil()));
                let part =
                    rows.range((Bound::Included(first), end.map_or(Bound::Unbounded, Bound::Excluded)));
                let spec = SegmentSpec {
                    id: durable.take_id(),
                    team_id,
                    partition_us,
                    max_lsn: lsn,
                    replaces: vec![],
                };
                match self.write_rows(spec, part.map(|(_, r)| r)) {
                    Ok(s) => written.push(s),
                    Err(e) => {
                        self.discard(written, durable);
                        return Err(e);
                    }
                }
                next = end.and_then(|e| rows.range(e..).next().map(|(k, _)| *k));
            }
        }
        Ok(written)
    }

    fn write_rows<'a>(
        &self,
        spec: SegmentSpec,
        rows: impl Iterator<Item = &'a LogRecord> + Clone,
    ) -> Result<Segment, String> {
        let mut layout = LayoutBuilder::default();
        rows.clone().for_each(|r| layout.add(r));
        write_segment(&self.seg_dir, spec, &layout.finish(), rows, self.write_options(true))
    }

    /// Deletes segments that were written but never published.
    pub(crate) fn discard(&self, segments: Vec<Segment>, durable: &mut Durable) {
        for s in segments {
            durable.dead_segments.push(s.meta.id);
            s.retire(Retire::Delete(Arc::clone(&self.deleted)));
        }
    }

    /// Retires published segments: out of the view now, files deleted once unused.
    pub(crate) fn retire(&self, segments: &[Arc<Segment>], how: impl Fn() -> Retire) {
        let ids: Vec<u64> = segments.iter().map(|s| s.meta.id).collect();
        write_lock(&self.published).replace(&ids, Vec::new());
        for s in segments {
            s.retire(how());
            self.cache.forget(s.meta.id);
        }
    }

    pub(crate) fn drop_before(
        &self,
        durable: &mut Durable,
        team_id: i64,
        cutoff_us: i64,
    ) -> Result<u64, String> {
        if cutoff_us > durable.cutoff(team_id) {
            // Durable first, so replay after a crash drops the same head rows again.
            let before = durable.clone();
            durable.cutoffs.insert(team_id, cutoff_us);
            if let Err(e) = self.save_durable(durable) {
                *durable = before;
                return Err(e);
            }
        }
        let (heads, segments) = self.snapshot(team_id);
        let mut dropped: u64 = heads.iter().map(|h| h.drop_before(team_id, cutoff_us)).sum();
        let expired: Vec<Arc<Segment>> =
            segments.iter().filter(|s| s.meta.max_ts < cutoff_us).cloned().collect();
        dropped += expired.iter().map(|s| s.meta.rows).sum::<u64>();
        if !expired.is_empty() {
            durable.dead_segments.extend(expired.iter().map(|s| s.meta.id));
            self.retire(&expired, || Retire::Delete(Arc::clone(&self.deleted)));
            if let Err(e) = self.save_durable(durable) {
                tracing::warn!(error = %e, "could not record retired segments");
            }
        }
        Ok(dropped)
    }
}

/// Groups of a team's segments by partition (hour).
pub(crate) fn by_partition(segments: &[Arc<Segment>]) -> BTreeMap<i64, Vec<Arc<Segment>>> {
    let mut out: BTreeMap<i64, Vec<Arc<Segment>>> = BTreeMap::new();
    for s in segments.iter().filter(|s| !s.is_broken()) {
        out.entry(s.meta.partition_us).or_default().push(Arc::clone(s));
    }
    out
}
