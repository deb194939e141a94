//! Evaluating a query against segments: metadata pruning (segment, then batch), the segment
//! index (candidate rows, and rows it proves match), then cheap column checks per row before
//! a row is materialized and given to `RowFilter::matches`.

use std::ops::Range;
use std::sync::Arc;

use arrow::array::{Array, Int32Array, StringArray};
use arrow::record_batch::RecordBatch;
use logs_query::filter::contains_ci;
use logs_query::{AttributeScope, LogRecord, RowFilter};
use roaring::RoaringBitmap;

use super::head::{Key, KeyRange};
use crate::codec::severity_code;
use crate::segment::Segment;
use crate::segment::columns::{Cols, Filled, HotCol};
use crate::segment::index::select::{Answer, LeafSpec, Want};
use crate::segment::meta::{BatchMeta, SegmentMeta};
use crate::segment::schema::decode_attrs_into;

/// A filter leaf decidable from one attribute's string value or its absence
/// (`CompiledGroup::simple_conjuncts`).
#[derive(Debug)]
struct Leaf<'a> {
    scope: AttributeScope,
    key: &'a str,
    /// `Some`: the value is one of these; `None`: the key is present.
    equals: Option<&'a [String]>,
    negate: bool,
}

impl Leaf<'_> {
    /// The same answer as the filter leaf for a row whose attribute has `value`.
    fn matches_value(&self, value: Option<&str>) -> bool {
        let positive = match (self.equals, value) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(values), Some(v)) => values.iter().any(|x| x == v),
        };
        positive != self.negate
    }
}

/// One query's pruning predicates, prepared once.
#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub(crate) filter: &'a RowFilter,
    pub(crate) range: KeyRange,
    pub(crate) observed_from: Option<i64>,
    severities: u8,
    needle: Option<&'a str>,
    required: Vec<(AttributeScope, &'a str)>,
    /// Required log attribute keys checked per row in [`BatchView::cheap_match`]: those no
    /// positive simple leaf checks more precisely.
    row_required: Vec<&'a str>,
    /// No filter group: the column checks decide alone.
    columns_suffice: bool,
    /// Leaves of the filter group's top-level AND decidable on attribute columns.
    simple: Vec<Leaf<'a>>,
    /// `simple` is the whole filter group: rows they all decide need no materializing.
    simple_complete: bool,
    severity_codes: Vec<u8>,
    index_leaves: Vec<LeafSpec<'a>>,
}

/// A batch that may hold matching rows.
pub(crate) struct Candidate {
    pub(crate) seg: Arc<Segment>,
    pub(crate) batch: usize,
    /// From the segment index: the only rows that may match. `None`: every row may.
    pub(crate) rows: Option<Selected>,
}

/// Rows of one batch (batch ordinals) the index left.
pub(crate) struct Selected {
    /// Ascending.
    pub(crate) rows: Vec<u32>,
    /// The rows proven to match the whole filter (no check needed).
    pub(crate) sure: RoaringBitmap,
}

impl<'a> Plan<'a> {
    pub(crate) fn new(filter: &'a RowFilter, range: KeyRange, observed_from: Option<i64>) -> Self {
        let severities = match filter.severities() {
            [] => u8::MAX,
            s => s.iter().fold(0, |m, s| m | 1 << severity_code(*s)),
        };
        let (simple, simple_complete) = filter.filter_group().simple_conjuncts();
        let simple: Vec<Leaf<'a>> = simple
            .into_iter()
            .map(|l| Leaf { scope: l.scope, key: l.key, equals: l.equals, negate: l.negate })
            .collect();
        let required = filter.attribute_keys_required();
        let covered =
            |k: &str| simple.iter().any(|l| l.scope == AttributeScope::Log && !l.negate && l.key == k);
        let row_required = required
            .iter()
            .filter(|(scope, k)| *scope == AttributeScope::Log && !covered(k))
            .map(|(_, k)| *k)
            .collect();
        let severity_codes = filter.severities().iter().map(|s| severity_code(*s)).collect();
        let index_leaves = simple
            .iter()
            .map(|l| LeafSpec {
                resource: l.scope == AttributeScope::Resource,
                key: l.key,
                equals: l.equals,
                negate: l.negate,
            })
            .collect();
        Self {
            severity_codes,
            index_leaves,
            filter,
            range,
            observed_from,
            severities,
            needle: filter.search_term_lower(),
            required,
            row_required,
            columns_suffice: filter.filter_group().is_match_all(),
            simple,
            simple_complete,
        }
    }

    fn segment_may_match(&self, m: &SegmentMeta) -> bool {
        let services = self.filter.services();
        self.range.overlaps(m.min_ts, m.max_ts)
            && self.observed_from.is_none_or(|o| m.max_observed >= o)
            && m.severities & self.severities != 0
            && (services.is_empty() || services.iter().any(|s| m.service_index(s).is_some()))
            && self.filter.resource_fingerprint().is_none_or(|f| m.fingerprints.binary_search(&f).is_ok())
            && self.required.iter().all(|(scope, k)| m.has_key(*scope == AttributeScope::Resource, k))
    }

    /// Bits of the query's services in `m.services`, as batch metadata records them.
    fn service_mask(&self, m: &SegmentMeta) -> u64 {
        match self.filter.services() {
            [] => u64::MAX,
            s => s.iter().filter_map(|s| m.service_index(s)).fold(0, |mask, i| mask | 1 << i.min(63)),
        }
    }

    fn batch_may_match(&self, b: &BatchMeta, service_mask: u64) -> bool {
        self.range.overlaps(b.min_ts, b.max_ts)
            && b.severities & self.severities != 0
            && b.services & service_mask != 0
            && self.needle.is_none_or(|n| b.bloom.may_contain(n))
    }

    fn want(&self) -> Want<'_> {
        Want {
            needle: self.needle,
            severities: &self.severity_codes,
            services: self.filter.services(),
            leaves: &self.index_leaves,
            rest: !self.simple_complete
                || self.observed_from.is_some()
                || self.filter.resource_fingerprint().is_some(),
        }
    }

    /// Whether the segment index can narrow this query.
    pub(crate) fn uses_index(&self) -> bool {
        self.want().indexable()
    }

    /// The index's answer for a segment; `None` if it has no usable index or the query
    /// gains nothing from one.
    pub(crate) fn index_answer(&self, seg: &Segment) -> Option<Answer> {
        let want = self.want();
        if !want.indexable() {
            return None;
        }
        seg.index()?.select(&want)
    }

    /// Segments that may hold matching rows.
    pub(crate) fn segments<'s>(
        &self,
        segments: &'s [Arc<Segment>],
    ) -> impl Iterator<Item = &'s Arc<Segment>> {
        segments.iter().filter(|s| !s.is_broken() && self.segment_may_match(&s.meta))
    }

    /// Every batch of `s` that may hold a matching row, given the index's `answer`.
    pub(crate) fn batches_of(&self, s: &Arc<Segment>, answer: Option<&Answer>, out: &mut Vec<Candidate>) {
        let mask = self.service_mask(&s.meta);
        let index = answer.and_then(|a| s.index().map(|i| (a, i)));
        for (i, b) in s.meta.batches.iter().enumerate() {
            if !self.range.overlaps(b.min_ts, b.max_ts) {
                continue;
            }
            let rows = match &index {
                None if !self.batch_may_match(b, mask) => continue,
                None => None,
                Some((a, idx)) => {
                    let span = idx.batch_span(i);
                    let rows: Vec<u32> = a.any.range(span.clone()).map(|r| r - span.start).collect();
                    if rows.is_empty() {
                        continue;
                    }
                    let sure = a.sure.range(span.clone()).map(|r| r - span.start).collect();
                    Some(Selected { rows, sure })
                }
            };
            out.push(Candidate { seg: Arc::clone(s), batch: i, rows });
        }
    }

    /// Every batch that may hold a matching row.
    pub(crate) fn candidates(&self, segments: &[Arc<Segment>]) -> Vec<Candidate> {
        let mut out = Vec::new();
        for s in self.segments(segments) {
            self.batches_of(s, self.index_answer(s).as_ref(), &mut out);
        }
        out
    }
}

/// A decoded batch being evaluated for one query. Rows are materialized into one reused
/// record; callers clone only what they keep.
pub(crate) struct BatchView<'a> {
    cols: Cols<'a>,
    team_id: i64,
    /// Per service dictionary key: allowed by the query. Empty: any service.
    service_ok: Vec<bool>,
    filled: Filled,
    /// Per row, whether the body contains the search term; computed for the whole batch at
    /// first use (ASCII terms only).
    needle_rows: Option<Vec<bool>>,
    /// Row `filled` holds.
    loaded: Option<usize>,
    /// Only index-selected rows are checked: search the body row by row, not the batch.
    row_body: bool,
    /// Per entry of the plan's simple leaves: how this batch evaluates it.
    leaves: Vec<LeafCol<'a>>,
}

/// A simple filter leaf prepared for one batch.
enum LeafCol<'a> {
    /// The log attribute's dictionary column: the leaf's answer per dictionary key.
    Dict(&'a Int32Array, Vec<bool>),
    /// The log attribute's plain column.
    Plain(&'a StringArray),
    /// A resource attribute: the leaf's answer per resource dictionary key, found at first
    /// use (`None`: not yet, or the resource does not decode).
    Resource(Vec<Option<Option<bool>>>),
    /// The key has no column in this batch: only the materialized row decides.
    Unknown,
}

/// A row's answer from the simple leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pre {
    /// Some leaf fails: the row does not match.
    Fail,
    /// Every leaf holds.
    Pass,
    /// No leaf fails, but some cannot be decided on columns.
    Unknown,
}

/// Per row of `body`: whether it contains `needle` (ASCII, lower-case), ignoring ASCII case;
/// the same answer as [`contains_ci`]. Searches the batch's values buffer lower-cased once,
/// instead of each row on its own.
fn ascii_matches(body: &StringArray, needle: &str) -> Vec<bool> {
    let mut out = vec![needle.is_empty(); body.len()];
    if needle.is_empty() || body.is_empty() {
        return out;
    }
    let offsets = body.value_offsets();
    let base = offsets[0] as usize;
    let end = offsets[body.len()] as usize;
    // Lower-casing ASCII bytes keeps valid UTF-8 valid.
    let lower = body.value_data()[base..end].to_ascii_lowercase();
    let Ok(hay) = std::str::from_utf8(&lower) else { return out };
    let row_end = |row: usize| offsets[row + 1] as usize - base;
    let (mut from, mut row) = (0, 0);
    while let Some(p) = hay[from..].find(needle).map(|p| p + from) {
        while row_end(row) <= p {
            row += 1;
        }
        if p + needle.len() <= row_end(row) {
            out[row] = true;
            // One match per row is enough: go on from the next row.
            from = row_end(row);
        } else {
            // The match straddles rows: it counts for neither; look again one byte on.
            from = p + 1;
        }
        if from >= hay.len() {
            break;
        }
    }
    out
}

/// Index of the first `i` in `0..n` where `pred(i)` is false (`pred` true on a prefix).
fn partition(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) { lo = mid + 1 } else { hi = mid }
    }
    lo
}

impl<'a> BatchView<'a> {
    /// `None` if the batch does not have the segment schema (damage).
    pub(crate) fn new(batch: &'a RecordBatch, team_id: i64, plan: &Plan<'_>) -> Option<Self> {
        let mut view = Self::with_services(batch, team_id, plan.filter.services())?;
        view.leaves = plan.simple.iter().map(|leaf| view.leaf_col(leaf)).collect();
        Some(view)
    }

    fn leaf_col(&self, leaf: &Leaf<'_>) -> LeafCol<'a> {
        if leaf.scope == AttributeScope::Resource {
            return LeafCol::Resource(vec![None; self.cols.resource.len()]);
        }
        match self.cols.hot_col(leaf.key) {
            Some(HotCol::Dict(keys, values)) => {
                let ok = (0..values.len()).map(|k| leaf.matches_value(Some(values.value(k)))).collect();
                LeafCol::Dict(keys, ok)
            }
            Some(HotCol::Plain(values)) => LeafCol::Plain(values),
            None => LeafCol::Unknown,
        }
    }

    /// Row `i` judged by the plan's simple leaves on columns alone.
    fn pre_check(&mut self, plan: &Plan<'_>, i: usize) -> Pre {
        let mut out = Pre::Pass;
        let mut scratch = Vec::new();
        for (leaf, col) in plan.simple.iter().zip(self.leaves.iter_mut()) {
            let answer = match col {
                LeafCol::Dict(keys, ok) if keys.is_valid(i) => ok.get(keys.values()[i] as usize).copied(),
                LeafCol::Plain(values) if values.is_valid(i) => {
                    Some(leaf.matches_value(Some(values.value(i))))
                }
                // No value in the column: absent unless the row keeps the key packed.
                LeafCol::Dict(..) | LeafCol::Plain(_) => {
                    (!self.cols.packed_may_hold(i, leaf.key)).then(|| leaf.matches_value(None))
                }
                LeafCol::Resource(answers) => {
                    let k = self.cols.resource.keys[i] as usize;
                    match answers.get_mut(k) {
                        Some(Some(a)) => *a,
                        Some(slot) => {
                            let a = decode_attrs_into(self.cols.resource.value(k), &mut scratch).map(|()| {
                                let found = scratch.binary_search_by(|(key, _)| key.as_str().cmp(leaf.key));
                                leaf.matches_value(found.ok().map(|j| scratch[j].1.as_str()))
                            });
                            *slot = Some(a);
                            a
                        }
                        None => None,
                    }
                }
                LeafCol::Unknown => None,
            };
            match answer {
                Some(false) => return Pre::Fail,
                Some(true) => {}
                None => out = Pre::Unknown,
            }
        }
        out
    }

    /// `services`: the allowed services; empty means any.
    pub(crate) fn with_services(batch: &'a RecordBatch, team_id: i64, services: &[String]) -> Option<Self> {
        let cols = Cols::checked_before(batch)?;
        let service_ok = match services {
            [] => Vec::new(),
            s => (0..cols.service.len()).map(|k| s.iter().any(|x| x == cols.service.value(k))).collect(),
        };
        Some(Self {
            cols,
            team_id,
            service_ok,
            filled: Filled::default(),
            needle_rows: None,
            loaded: None,
            row_body: false,
            leaves: Vec::new(),
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.cols.len
    }

    pub(crate) fn key(&self, i: usize) -> Key {
        self.cols.key(i)
    }

    /// Rows whose keys fall in `r` (rows are sorted by key).
    pub(crate) fn rows_in(&self, r: &KeyRange) -> Range<usize> {
        let n = self.cols.len;
        let start = partition(n, |i| !r.after_lo(&self.key(i)));
        let end = partition(n, |i| self.key(i) < r.hi);
        start..end.max(start)
    }

    /// Checks on columns only: severity, service, resource, observed time, attribute keys on
    /// their own columns, search term.
    fn cheap_match(&mut self, plan: &Plan<'_>, i: usize) -> bool {
        let c = &self.cols;
        let cheap = plan.severities & (1 << c.severity[i]) != 0
            && (self.service_ok.is_empty() || self.service_ok[c.service.keys[i] as usize])
            && plan.filter.resource_fingerprint().is_none_or(|f| f == c.fingerprint[i])
            && plan.observed_from.is_none_or(|o| c.observed[i] >= o)
            && plan.row_required.iter().all(|k| c.may_have(i, k));
        match plan.needle {
            None => cheap,
            Some(_) if !cheap => false,
            Some(n) if n.is_ascii() && !self.row_body => {
                let body = c.body;
                self.needle_rows.get_or_insert_with(|| ascii_matches(body, n))[i]
            }
            Some(n) => contains_ci(c.body.value(i), n),
        }
    }

    /// Row `i`, materialized into the reused record; `None` if its encodings are damaged.
    pub(crate) fn load(&mut self, i: usize) -> Option<&LogRecord> {
        if self.loaded == Some(i) {
            return Some(&self.filled.record);
        }
        self.loaded = None;
        self.cols.fill(i, self.team_id, &mut self.filled)?;
        self.loaded = Some(i);
        Some(&self.filled.record)
    }

    /// Rows to check in `range` (ascending): the index's selection, or every row.
    pub(crate) fn rows_to_check(&mut self, range: &KeyRange, sel: Option<&Selected>) -> Vec<usize> {
        let rows = self.rows_in(range);
        match sel {
            None => rows.collect(),
            Some(s) => {
                self.row_body = true;
                s.rows.iter().map(|&r| r as usize).filter(|r| rows.contains(r)).collect()
            }
        }
    }

    /// [`Self::matches`], trusting the index's proof for its sure rows.
    pub(crate) fn matches_in(
        &mut self,
        plan: &Plan<'_>,
        i: usize,
        sel: Option<&Selected>,
    ) -> Result<bool, ()> {
        if sel.is_some_and(|s| s.sure.contains(i as u32)) {
            return Ok(true);
        }
        self.matches(plan, i)
    }

    /// Whether row `i` matches the whole query (materializing it only if the filter needs
    /// more than columns). `Err` if the row is damaged.
    pub(crate) fn matches(&mut self, plan: &Plan<'_>, i: usize) -> Result<bool, ()> {
        if !self.cheap_match(plan, i) {
            return Ok(false);
        }
        if plan.columns_suffice {
            return Ok(true);
        }
        match self.pre_check(plan, i) {
            Pre::Fail => return Ok(false),
            Pre::Pass if plan.simple_complete => return Ok(true),
            Pre::Pass | Pre::Unknown => {}
        }
        let r = self.load(i).ok_or(())?;
        Ok(plan.filter.matches(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_search_agrees_with_contains_ci() {
        let bodies = ["a", "aa", "", "xAa", "ÄaA", "bAA", "a", "ab", "ba", "Straße TIMEOUT", "timeou", "t"];
        let array = StringArray::from_iter_values(bodies);
        for needle in ["a", "aa", "aaa", "ab", "ba", "timeout", "t", "ta", "at", "straße"] {
            if !needle.is_ascii() {
                continue;
            }
            let want: Vec<bool> = bodies.iter().map(|b| contains_ci(b, needle)).collect();
            assert_eq!(ascii_matches(&array, needle), want, "{needle}");
        }
        // Slices (offsets not starting at zero) too.
        let sliced = array.slice(3, 4);
        let want: Vec<bool> = bodies[3..7].iter().map(|b| contains_ci(b, "aa")).collect();
        assert_eq!(ascii_matches(&sliced, "aa"), want);
    }
}
