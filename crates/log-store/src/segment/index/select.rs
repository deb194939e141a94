//! Answering a query's filter parts from an index: rows that surely match, and rows that
//! may (to be checked on the data).

use roaring::{MultiOps, RoaringBitmap};

use super::tokens::pieces;
use super::{LogKey, SegmentIndex};

/// More hit tokens than this for one needle piece: the index does not answer (the union
/// would cost about as much as reading the bodies, and nearly every row matches).
const MAX_HIT_TOKENS: usize = 50_000;

/// A filter leaf on one attribute's value or presence (`SimpleLeaf`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LeafSpec<'a> {
    pub(crate) resource: bool,
    pub(crate) key: &'a str,
    /// `Some`: the value is one of these; `None`: the key is present.
    pub(crate) equals: Option<&'a [String]>,
    pub(crate) negate: bool,
}

/// What a query asks, as the index can take it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Want<'a> {
    /// Lower-cased search term.
    pub(crate) needle: Option<&'a str>,
    /// Allowed severity codes; empty: any.
    pub(crate) severities: &'a [u8],
    /// Allowed services; empty: any.
    pub(crate) services: &'a [String],
    pub(crate) leaves: &'a [LeafSpec<'a>],
    /// Some part of the filter is not among the above (a resource fingerprint, a filter
    /// group leaf that is not simple, a live-tail bound).
    pub(crate) rest: bool,
}

impl Want<'_> {
    /// Whether any part can use an index.
    pub(crate) fn indexable(&self) -> bool {
        self.needle.is_some_and(|n| pieces(n).is_some_and(|p| !p.is_empty()))
            || !self.severities.is_empty()
            || !self.services.is_empty()
            || !self.leaves.is_empty()
    }
}

/// Rows of the segment: `sure` match the whole filter; rows outside `any` do not match.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub(crate) any: RoaringBitmap,
    pub(crate) sure: RoaringBitmap,
    /// `any == sure`: intersecting two such answers needs one intersection, not two.
    exact: bool,
}

impl Answer {
    fn exact(rows: RoaringBitmap) -> Self {
        Self { sure: rows.clone(), any: rows, exact: true }
    }

    fn and(&mut self, o: Answer) {
        self.any &= o.any;
        if self.exact && o.exact {
            self.sure.clone_from(&self.any);
        } else {
            self.sure &= o.sure;
            self.exact = false;
        }
    }
}

impl SegmentIndex {
    /// `None` if a posting does not decode (the caller reads the data instead).
    pub(crate) fn select(&self, want: &Want<'_>) -> Option<Answer> {
        let all = self.all();
        // Parts intersected as they come; every row only if no part narrows (intersecting
        // with every row first would copy it for nothing).
        let mut acc: Option<Answer> = None;
        let mut and = |a: Answer| match &mut acc {
            None => acc = Some(a),
            Some(x) => x.and(a),
        };
        if let Some(n) = want.needle {
            and(self.body(n, &all)?);
        }
        if !want.severities.is_empty() {
            let hit = self.severities.iter().filter(|(c, _)| want.severities.contains(c)).map(|(_, b)| b);
            and(Answer::exact(hit.union()));
        }
        if !want.services.is_empty() {
            let hit = self.services.iter().filter(|(s, _)| want.services.contains(s)).map(|(_, b)| b);
            and(Answer::exact(hit.union()));
        }
        for leaf in want.leaves {
            let mut a = self.leaf(leaf)?;
            if leaf.negate {
                a = Answer { any: &all - &a.sure, sure: &all - &a.any, exact: a.exact };
            }
            and(a);
        }
        let mut acc = acc.unwrap_or_else(|| Answer::exact(all.clone()));
        if want.rest {
            acc.sure = RoaringBitmap::new();
            acc.exact = false;
        }
        Some(acc)
    }

    fn body(&self, needle: &str, all: &RoaringBitmap) -> Option<Answer> {
        let unknown = Answer { any: all.clone(), sure: RoaringBitmap::new(), exact: false };
        let Some(ps) = pieces(needle).filter(|p| !p.is_empty()) else { return Some(unknown) };
        let mut rows: Option<RoaringBitmap> = None;
        for p in &ps {
            let ids = self.dict.find(p);
            if ids.len() > MAX_HIT_TOKENS {
                return Some(unknown);
            }
            let hit = self.token_rows(&ids)?;
            rows = Some(match rows {
                None => hit,
                Some(r) => r & hit,
            });
        }
        let rows = rows.unwrap_or_default();
        let whole = ps.len() == 1 && !ps[0].at_start && !ps[0].at_end;
        let sure = if whole { &rows - &self.long_rows } else { RoaringBitmap::new() };
        Some(Answer { any: rows | &self.long_rows, sure, exact: false })
    }

    /// The positive leaf's answer (the caller negates).
    fn leaf(&self, leaf: &LeafSpec<'_>) -> Option<Answer> {
        if leaf.resource {
            let found = self.resource_keys.binary_search_by(|(k, _)| k.as_str().cmp(leaf.key));
            let Ok(i) = found else { return Some(Answer::exact(RoaringBitmap::new())) };
            let values =
                self.resource_keys[i].1.iter().filter(|(v, _)| leaf.equals.is_none_or(|e| e.contains(v)));
            let ids = values.flat_map(|(_, ids)| ids.iter());
            return Some(Answer::exact(ids.map(|&id| &self.resources[id as usize]).union()));
        }
        let found = self.log_keys.binary_search_by(|(k, _)| k.as_str().cmp(leaf.key));
        let Ok(i) = found else { return Some(Answer::exact(RoaringBitmap::new())) };
        match &self.log_keys[i].1 {
            LogKey::Values(values, lists) => {
                let wanted =
                    values.iter().enumerate().filter(|(_, v)| leaf.equals.is_none_or(|e| e.contains(v)));
                let lists: Vec<std::sync::Arc<RoaringBitmap>> =
                    wanted.map(|(j, _)| lists.get(j)).collect::<Option<_>>()?;
                Some(Answer::exact(lists.iter().map(AsRef::as_ref).union()))
            }
            LogKey::Bloom(present, _) if leaf.equals.is_none() => Some(Answer::exact(present.clone())),
            LogKey::Bloom(present, blooms) => {
                let equals = leaf.equals.unwrap_or_default();
                let mut any = RoaringBitmap::new();
                for (b, _) in blooms.iter().filter(|(_, bl)| equals.iter().any(|v| bl.may_contain(v))) {
                    any.insert_range(self.batch_span(*b as usize));
                }
                Some(Answer { any: any & present, sure: RoaringBitmap::new(), exact: false })
            }
        }
    }
}
