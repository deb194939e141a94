//! Per-list values for resource attribute lists, found by the list's `Arc` address.
//!
//! Rows of one resource share one `Arc`'d list (ingest, the WAL codec and batch decoding all
//! share it), so writing a segment needs each list's dictionary key, index entry or stats
//! once, not once per row (hashing and comparing ~20 pairs per row showed as `memcmp` and
//! `hash_bytes_long` at ~12 % of the server's CPU during ingest). Each entry holds a clone of
//! its `Arc`, so the address cannot be reused by another list while it is cached; two equal
//! lists behind different `Arc`s just get two entries, which every caller's `make` maps to
//! the same value.

use std::sync::Arc;

use foldhash::HashMap;

pub(crate) type Attrs = Vec<(String, String)>;

/// Entries kept before the map starts over (a compaction sees one `Arc` per resource per
/// decoded batch).
const CAP: usize = 1 << 16;

#[derive(Debug)]
pub(crate) struct ByList<V> {
    by_ptr: HashMap<usize, (Arc<Attrs>, V)>,
}

impl<V> Default for ByList<V> {
    fn default() -> Self {
        Self { by_ptr: HashMap::default() }
    }
}

impl<V: Clone> ByList<V> {
    /// The value for `list`, made by `make` the first time this `Arc` is seen.
    pub(crate) fn get(&mut self, list: &Arc<Attrs>, make: impl FnOnce(&Attrs) -> V) -> V {
        let key = Arc::as_ptr(list) as usize;
        if let Some((_, v)) = self.by_ptr.get(&key) {
            return v.clone();
        }
        if self.by_ptr.len() >= CAP {
            self.by_ptr.clear();
        }
        let v = make(list);
        self.by_ptr.insert(key, (Arc::clone(list), v.clone()));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_make_per_arc_and_equal_lists_behind_two_arcs_each_get_theirs() {
        let a = Arc::new(vec![("k8s.pod.name".to_string(), "a".to_string())]);
        let b = Arc::new((*a).clone());
        let mut ids = ByList::default();
        let mut made = 0;
        let mut get = |l: &Arc<Attrs>| {
            ids.get(l, |x| {
                made += 1;
                x[0].1.clone()
            })
        };
        assert_eq!(get(&a), "a");
        assert_eq!(get(&Arc::clone(&a)), "a");
        assert_eq!(get(&b), "a");
        assert_eq!(made, 2);
    }

    #[test]
    fn a_dropped_list_cannot_alias_a_new_one() {
        let mut ids = ByList::default();
        for i in 0..1000 {
            // Each list is dropped by the caller right away; the map's clone keeps its address.
            let l = Arc::new(vec![("i".to_string(), i.to_string())]);
            assert_eq!(ids.get(&l, |x| x[0].1.clone()), i.to_string());
        }
    }
}
