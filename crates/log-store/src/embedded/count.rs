//! Exact counts from the segment indexes (`LogStore::count_matching`): a batch wholly inside
//! the time range whose candidate rows the index all proves is counted without reading it;
//! other candidate batches are read and only their candidate rows checked.

use logs_query::{ScanRequest, StoreError};

use super::Inner;
use super::eval::Plan;
use super::head::KeyRange;
use super::query::scan_head;
use crate::segment::meta::BatchMeta;

/// Whether every row of the batch falls in the time range.
fn covers(range: &KeyRange, b: &BatchMeta) -> bool {
    let after_lo =
        b.min_ts > range.lo.0 || (b.min_ts == range.lo.0 && range.lo_inclusive && range.lo.1.is_nil());
    after_lo && b.max_ts < range.hi.0
}

impl Inner {
    /// `None` when the query gains nothing from the indexes or some segment it needs has no
    /// usable index: the caller scans instead (in parallel).
    pub(crate) fn count_matching(&self, req: &ScanRequest<'_>) -> Result<Option<u64>, StoreError> {
        let Some(range) = KeyRange::time(req.from_us, req.to_us) else { return Ok(Some(0)) };
        let plan = Plan::new(req.filter, range, None);
        if !plan.uses_index() {
            return Ok(None);
        }
        let (heads, segments) = self.snapshot(req.team_id);
        let mut candidates = Vec::new();
        for s in plan.segments(&segments) {
            let Some(answer) = plan.index_answer(s) else { return Ok(None) };
            plan.batches_of(s, Some(&answer), &mut candidates);
        }
        let mut total = 0u64;
        for head in heads.iter().filter_map(|h| h.team(req.team_id)) {
            scan_head(&head, &range, req.filter, &mut |_| {
                total += 1;
                true
            });
        }
        for c in candidates {
            let b = &c.seg.meta.batches[c.batch];
            if let Some(sel) = &c.rows
                && covers(&range, b)
                && sel.sure.len() == sel.rows.len() as u64
            {
                total += sel.sure.len();
                continue;
            }
            match self.batch_matches(&c.seg, c.batch, c.rows.as_ref(), &plan, true)? {
                Some((_, rows, _)) => total += rows.len() as u64,
                // Damage: the segment is skipped from now on; let the scan count without it.
                None => return Ok(None),
            }
        }
        Ok(Some(total))
    }
}
