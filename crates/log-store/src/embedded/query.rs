//! `list` and `scan` over a snapshot of heads and segments.

use std::collections::BinaryHeap;
use std::ops::Bound;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use arrow::record_batch::RecordBatch;
use logs_query::{ListRequest, LogRecord, OrderBy, RowFilter, ScanRequest, StoreError};

use super::budget::Permit;
use super::eval::{BatchView, Candidate, Plan, Selected};
use super::head::{Head, Key, KeyRange, TeamRows, read};
use super::{Inner, lock};
use crate::segment::{ReadError, Segment};

pub(crate) type Snapshot = (Vec<Arc<Head>>, Arc<Vec<Arc<Segment>>>);
/// A decoded batch, the indices of its matching rows, and the memory charged for it.
pub(crate) type Matches = (Arc<RecordBatch>, Vec<usize>, Permit);

/// A row ranked for a page: the heap's greatest element is the worst row kept.
struct Ranked {
    key: Key,
    latest: bool,
    row: LogRecord,
}

impl PartialEq for Ranked {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ranked {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        if self.latest { o.key.cmp(&self.key) } else { self.key.cmp(&o.key) }
    }
}

/// The best `limit` rows seen so far in page order.
struct TopK {
    latest: bool,
    limit: usize,
    heap: BinaryHeap<Ranked>,
}

impl TopK {
    /// The worst key kept, once the page is full.
    fn bar(&self) -> Option<Key> {
        (self.heap.len() >= self.limit).then(|| self.heap.peek().map(|r| r.key)).flatten()
    }

    /// Whether a row with key `k` would make the page.
    fn wants(&self, k: &Key) -> bool {
        self.bar().is_none_or(|bar| if self.latest { *k > bar } else { *k < bar })
    }

    fn push(&mut self, key: Key, row: LogRecord) {
        self.heap.push(Ranked { key, latest: self.latest, row });
        if self.heap.len() > self.limit {
            self.heap.pop();
        }
    }

    fn into_rows(self) -> Vec<LogRecord> {
        self.heap.into_sorted_vec().into_iter().map(|r| r.row).collect()
    }
}

/// Visits a head's matching rows in chunks copied out under its lock, so a slow visitor does
/// not hold up appends. Returns false once `visit` says stop.
pub(crate) fn scan_head(
    head: &TeamRows,
    range: &KeyRange,
    filter: &RowFilter,
    visit: &mut dyn FnMut(&LogRecord) -> bool,
) -> bool {
    const CHUNK: usize = 1024;
    let (mut lo, hi) = range.bounds();
    loop {
        let mut chunk = Vec::new();
        let mut last = None;
        {
            let rows = read(head);
            for (k, r) in rows.range((lo, hi)).take(CHUNK * 16) {
                last = Some(*k);
                if filter.matches(r) {
                    chunk.push(r.clone());
                    if chunk.len() == CHUNK {
                        break;
                    }
                }
            }
        }
        if !chunk.iter().all(&mut *visit) {
            return false;
        }
        match last {
            Some(k) => lo = Bound::Excluded(k),
            None => return true,
        }
    }
}

impl Inner {
    pub(crate) fn snapshot(&self, team_id: i64) -> Snapshot {
        let p = read(&self.published);
        (p.heads(), p.team_segments(team_id))
    }

    /// Records damage found by a query: the segment is skipped from now on.
    pub(crate) fn corrupt(&self, seg: &Segment, error: &str) {
        if seg.mark_broken() {
            tracing::warn!(path = %seg.data_path.display(), error, "damaged segment skipped");
            lock(&self.runtime_corrupt).push(seg.data_path.clone());
            self.wake_maintenance();
        }
    }

    /// A decoded batch, charged to the query memory budget (waiting for room first); `Ok(None)`
    /// if the segment is damaged (now skipped), `Err` for an I/O failure that fails the query.
    fn batch(
        &self,
        seg: &Segment,
        i: usize,
        evict: bool,
    ) -> Result<Option<(Arc<RecordBatch>, Permit)>, StoreError> {
        let permit = self.budget.acquire(seg.meta.batches[i].raw_bytes as usize);
        match self.cache.get(seg, i, evict) {
            Ok(b) => Ok(Some((b, permit))),
            Err(ReadError::Damaged(e)) => {
                self.corrupt(seg, &e);
                Ok(None)
            }
            Err(ReadError::Io(e)) => Err(StoreError::Read(e)),
        }
    }

    pub(crate) fn list(&self, req: &ListRequest<'_>) -> Result<Vec<LogRecord>, StoreError> {
        let Some(range) = KeyRange::for_list(req).filter(|_| req.limit > 0) else { return Ok(Vec::new()) };
        let (heads, segments) = self.snapshot(req.team_id);
        let latest = req.order == OrderBy::Latest;
        let mut top = TopK { latest, limit: req.limit, heap: BinaryHeap::new() };
        let keep = |r: &LogRecord| {
            req.observed_from_us.is_none_or(|o| r.observed_timestamp_us >= o) && req.filter.matches(r)
        };
        for head in heads.iter().filter_map(|h| h.team(req.team_id)) {
            let rows = read(&head);
            let mut visit = |(k, r): (&Key, &LogRecord)| {
                if !top.wants(k) {
                    return false;
                }
                if keep(r) {
                    top.push(*k, r.clone());
                }
                true
            };
            let range = rows.range(range.bounds());
            if latest {
                range.rev().take_while(|e| visit(*e)).count()
            } else {
                range.take_while(|e| visit(*e)).count()
            };
        }
        let plan = Plan::new(req.filter, range, req.observed_from_us);
        let mut batches = plan.candidates(&segments);
        // Newest batches first for latest (oldest for earliest): once the page is full,
        // the first batch that cannot beat its worst row ends the search.
        if latest {
            batches.sort_by_key(|c| std::cmp::Reverse(c.seg.meta.batches[c.batch].max_ts));
        } else {
            batches.sort_by_key(|c| c.seg.meta.batches[c.batch].min_ts);
        }
        for Candidate { seg, batch: i, rows: sel } in batches {
            let b = &seg.meta.batches[i];
            let beyond =
                top.bar().is_some_and(|bar| if latest { b.max_ts < bar.0 } else { b.min_ts > bar.0 });
            if beyond {
                break;
            }
            let Some((batch, _permit)) = self.batch(&seg, i, true)? else { continue };
            let Some(mut view) = BatchView::new(&batch, req.team_id, &plan) else {
                self.corrupt(&seg, "batch does not have the segment schema");
                continue;
            };
            let mut rows = view.rows_to_check(&range, sel.as_ref());
            if latest {
                rows.reverse();
            }
            for j in rows {
                let k = view.key(j);
                if !top.wants(&k) {
                    break;
                }
                let row = match view.matches_in(&plan, j, sel.as_ref()) {
                    Ok(true) => view.load(j).cloned(),
                    Ok(false) => continue,
                    Err(()) => None,
                };
                match row {
                    Some(r) => top.push(k, r),
                    None => {
                        self.corrupt(&seg, "undecodable row");
                        break;
                    }
                }
            }
        }
        Ok(top.into_rows())
    }

    /// Indices of one batch's matching rows, with the batch; `None` if it is damaged.
    pub(crate) fn batch_matches(
        &self,
        seg: &Segment,
        i: usize,
        sel: Option<&Selected>,
        plan: &Plan<'_>,
        evict: bool,
    ) -> Result<Option<Matches>, StoreError> {
        let Some((batch, permit)) = self.batch(seg, i, evict)? else { return Ok(None) };
        let Some(mut view) = BatchView::new(&batch, seg.meta.team_id, plan) else {
            self.corrupt(seg, "batch does not have the segment schema");
            return Ok(None);
        };
        let mut rows = Vec::new();
        for j in view.rows_to_check(&plan.range, sel) {
            match view.matches_in(plan, j, sel) {
                Ok(true) => rows.push(j),
                Ok(false) => {}
                Err(()) => {
                    self.corrupt(seg, "undecodable row");
                    return Ok(None);
                }
            }
        }
        drop(view);
        Ok(Some((batch, rows, permit)))
    }

    /// Visits the rows found by [`Self::batch_matches`]; false once `visit` says stop.
    fn visit_matches(&self, seg: &Segment, m: Matches, visit: &mut dyn FnMut(&LogRecord) -> bool) -> bool {
        let (batch, rows, _permit) = m;
        let Some(mut view) = BatchView::with_services(&batch, seg.meta.team_id, &[]) else { return true };
        for j in rows {
            match view.load(j) {
                Some(r) if !visit(r) => return false,
                Some(_) => {}
                None => {
                    self.corrupt(seg, "undecodable row");
                    return true;
                }
            }
        }
        true
    }

    pub(crate) fn scan(
        &self,
        req: &ScanRequest<'_>,
        visit: &mut dyn FnMut(&LogRecord) -> bool,
    ) -> Result<(), StoreError> {
        let Some(range) = KeyRange::time(req.from_us, req.to_us) else { return Ok(()) };
        let (heads, segments) = self.snapshot(req.team_id);
        for head in heads.iter().filter_map(|h| h.team(req.team_id)) {
            if !scan_head(&head, &range, req.filter, visit) {
                return Ok(());
            }
        }
        let plan = Plan::new(req.filter, range, None);
        let batches = plan.candidates(&segments);
        let evict =
            self.cache.fits(batches.iter().map(|c| u64::from(c.seg.meta.batches[c.batch].rows)).sum());
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4).min(batches.len());
        if threads <= 1 {
            for c in &batches {
                let found = self.batch_matches(&c.seg, c.batch, c.rows.as_ref(), &plan, evict)?;
                if found.is_some_and(|m| !self.visit_matches(&c.seg, m, visit)) {
                    break;
                }
            }
            return Ok(());
        }
        // Workers decode and filter batches; this thread materializes the matches and visits
        // them, so `visit` needs no `Send`.
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            let (tx, rx) = mpsc::sync_channel::<Result<(usize, Matches), StoreError>>(threads * 2);
            for _ in 0..threads {
                let tx = tx.clone();
                let (next, stop, batches, plan) = (&next, &stop, &batches, &plan);
                s.spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(c) = batches.get(k) else { break };
                        let found = match self.batch_matches(&c.seg, c.batch, c.rows.as_ref(), plan, evict) {
                            Ok(None) => continue,
                            Ok(Some(m)) => Ok((k, m)),
                            Err(e) => Err(e),
                        };
                        if tx.send(found).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            for found in rx {
                let stopped = match found {
                    Ok((k, m)) => !self.visit_matches(&batches[k].seg, m, visit),
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                };
                if stopped {
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            }
            Ok(())
        })
    }
}
