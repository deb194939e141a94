//! Compaction: merging a team-hour's segments into one, streaming (one batch per input in
//! memory at a time).

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::time::Instant;

use logs_query::LogRecord;

use super::eval::BatchView;
use super::head::{Key, read};
use super::seal::by_partition;
use super::{Inner, lock};
use crate::observe::Outcome;
use crate::segment::layout::LayoutBuilder;
use crate::segment::stats::SegmentSpec;
use crate::segment::write::write_segment;
use crate::segment::{ReadError, Retire, Segment};

const TIER: u64 = 4;

/// Rows of one segment in key order, a batch at a time.
struct Cursor<'a> {
    seg: &'a Segment,
    next_batch: usize,
    rows: std::vec::IntoIter<LogRecord>,
}

impl Cursor<'_> {
    fn next(&mut self) -> Result<Option<LogRecord>, ReadError> {
        loop {
            if let Some(r) = self.rows.next() {
                return Ok(Some(r));
            }
            if self.next_batch >= self.seg.meta.batches.len() {
                return Ok(None);
            }
            let batch = self.seg.read_batch(self.next_batch)?;
            self.next_batch += 1;
            let view = BatchView::with_services(&batch, self.seg.meta.team_id, &[]);
            let mut view = view.ok_or_else(|| ReadError::Damaged("batch schema mismatch".into()))?;
            let rows: Option<Vec<LogRecord>> = (0..view.len()).map(|i| view.load(i).cloned()).collect();
            self.rows = rows.ok_or_else(|| ReadError::Damaged("undecodable row".into()))?.into_iter();
        }
    }
}

/// A k-way merge of sorted segments. Stops at the first error, which it leaves in `error`.
struct Merge<'a> {
    cursors: Vec<Cursor<'a>>,
    heads: Vec<Option<LogRecord>>,
    heap: BinaryHeap<Reverse<(Key, usize)>>,
    error: &'a RefCell<Option<(usize, ReadError)>>,
}

impl<'a> Merge<'a> {
    fn new(segments: &'a [Arc<Segment>], error: &'a RefCell<Option<(usize, ReadError)>>) -> Self {
        let cursors = segments.iter().map(|s| Cursor { seg: s, next_batch: 0, rows: Vec::new().into_iter() });
        let mut m = Self { cursors: cursors.collect(), heads: Vec::new(), heap: BinaryHeap::new(), error };
        m.heads = (0..m.cursors.len()).map(|_| None).collect();
        for i in 0..m.cursors.len() {
            m.refill(i);
        }
        m
    }

    fn refill(&mut self, i: usize) {
        match self.cursors[i].next() {
            Ok(Some(r)) => {
                self.heap.push(Reverse(((r.timestamp_us, r.uuid), i)));
                self.heads[i] = Some(r);
            }
            Ok(None) => {}
            Err(e) => {
                self.error.borrow_mut().get_or_insert((i, e));
            }
        }
    }
}

impl Iterator for Merge<'_> {
    type Item = LogRecord;

    fn next(&mut self) -> Option<LogRecord> {
        if self.error.borrow().is_some() {
            return None;
        }
        let Reverse((_, i)) = self.heap.pop()?;
        let row = self.heads[i].take();
        self.refill(i);
        row
    }
}

impl Inner {
    /// Merges one qualifying group of segments, if any. Returns whether it did. Runs beside
    /// sealing: it holds `compacting` throughout and the durable state only to take an id
    /// and to commit.
    pub(crate) fn compact_once(&self) -> Result<bool, String> {
        let _turn = lock(&self.compacting);
        let teams: Vec<Arc<Vec<Arc<Segment>>>> = read(&self.published).segments.values().cloned().collect();
        for segments in teams {
            for (partition_us, mut group) in by_partition(&segments) {
                // Size tiers: the smallest segments, adding the next only while it is at most
                // TIER times what is gathered so far, so a big segment is not rewritten for
                // every small one that arrives (write amplification stays logarithmic).
                group.sort_by_key(|s| s.meta.rows);
                let mut total = 0u64;
                let fit = group.iter().take_while(|s| {
                    let fits = total == 0 || s.meta.rows <= total.saturating_mul(TIER);
                    total += s.meta.rows;
                    fits && total <= self.opts.compact_max_rows
                });
                let n = fit.count();
                let rows: u64 = group[..n].iter().map(|s| s.meta.rows).sum();
                if n >= 2 && (n >= self.opts.compact_min_segments || rows < self.opts.compact_small_rows) {
                    let started = Instant::now();
                    let merged = self.merge(partition_us, &group[..n]);
                    self.notify(|o| o.compacted(Outcome::of(&merged), n, started.elapsed()));
                    merged?;
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    fn merge(&self, partition_us: i64, inputs: &[Arc<Segment>]) -> Result<(), String> {
        // Two passes: the layout (dictionaries, key columns) needs every row first.
        let error = RefCell::new(None);
        let mut layout = LayoutBuilder::default();
        Merge::new(inputs, &error).for_each(|r| layout.add(&r));
        if let Some((i, e)) = error.take() {
            return Err(self.fail(&inputs[i], e));
        }
        let spec = SegmentSpec {
            id: lock(&self.durable).take_id(),
            team_id: inputs[0].meta.team_id,
            partition_us,
            max_lsn: inputs.iter().filter_map(|s| s.meta.max_lsn).max(),
            replaces: inputs.iter().map(|s| s.meta.id).collect(),
        };
        let out = write_segment(
            &self.seg_dir,
            spec,
            &layout.finish(),
            Merge::new(inputs, &error),
            self.write_options(false),
        );
        let mut durable = lock(&self.durable);
        if let Some((i, e)) = error.take() {
            if let Ok(s) = out {
                self.discard(vec![s], &mut durable);
            }
            return Err(self.fail(&inputs[i], e));
        }
        let out = out?;
        let ids: Vec<u64> = inputs.iter().map(|s| s.meta.id).collect();
        // The output names its inputs, so from here a crash cannot leave both in use.
        {
            let mut p = super::write_lock(&self.published);
            // Sealing ran meanwhile; only quarantine can have retired an input since.
            let team = p.team_segments(out.meta.team_id);
            if !ids.iter().all(|id| team.iter().any(|s| s.meta.id == *id)) {
                drop(p);
                self.discard(vec![out], &mut durable);
                return Err("an input was retired during the merge; its output is discarded".into());
            }
            p.replace(&ids, vec![Arc::new(out)]);
        }
        durable.dead_segments.extend(ids);
        for s in inputs {
            s.retire(Retire::Delete(Arc::clone(&self.deleted)));
            self.cache.forget(s.meta.id);
        }
        if let Err(e) = self.save_durable(&mut durable) {
            tracing::warn!(error = %e, "could not record compacted segments");
        }
        Ok(())
    }

    /// A failed input: damage marks it (compaction skips it from then on).
    fn fail(&self, seg: &Segment, e: ReadError) -> String {
        if let ReadError::Damaged(e) = &e {
            self.corrupt(seg, e);
        }
        format!("compacting {}: {e}", seg.data_path.display())
    }
}
