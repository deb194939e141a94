//! The decoded-batch cache (`segment/cache.rs`): our byte-budget LRU against `quick_cache`
//! on the store's workload. Keys are (segment id, batch index), weights a decoded batch's
//! bytes (1–4 MiB), the budget 256 MiB (the default `cache_bytes`). Queries: 80 % re-read
//! the newest segments (dashboards, live tail; skewed to the newest), 20 % scan a run of
//! older segments (4–30), which only fills free room when bigger than the cache (`fits`).
//! Reports the hit ratio (a miss costs a batch decode, milliseconds) and ns per lookup,
//! one thread and four.
//!
//!     cargo bench -p log-store --bench segment_cache

use std::collections::{BTreeMap, HashMap};
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::Instant;

type Key = (u64, usize);
type Batch = Arc<u64>;

const BUDGET: u64 = 256 << 20;
const SEGMENTS: u64 = 400;
const BATCHES: usize = 8;

/// The algorithm of `segment/cache.rs` (map + tick-ordered BTreeMap under one mutex).
#[derive(Default)]
struct Lru {
    map: HashMap<Key, (Batch, u64, u64)>,
    order: BTreeMap<u64, Key>,
    tick: u64,
    bytes: u64,
}

trait Cache: Sync {
    fn get(&self, k: &Key) -> Option<Batch>;
    /// Inserts, evicting older entries if `evict`, else only into free room.
    fn insert(&self, k: Key, v: Batch, evict: bool);
}

struct Ours(Mutex<Lru>);

impl Cache for Ours {
    fn get(&self, k: &Key) -> Option<Batch> {
        let mut l = self.0.lock().ok()?;
        l.tick += 1;
        let tick = l.tick;
        let e = l.map.get_mut(k)?;
        let old = std::mem::replace(&mut e.2, tick);
        let v = Arc::clone(&e.0);
        l.order.remove(&old);
        l.order.insert(tick, *k);
        Some(v)
    }

    fn insert(&self, k: Key, v: Batch, evict: bool) {
        let Ok(mut l) = self.0.lock() else { return };
        let bytes = *v;
        if !evict && l.bytes + bytes > BUDGET {
            return;
        }
        l.tick += 1;
        let tick = l.tick;
        if let Some(old) = l.map.insert(k, (v, bytes, tick)) {
            l.order.remove(&old.2);
            l.bytes -= old.1;
        }
        l.order.insert(tick, k);
        l.bytes += bytes;
        while l.bytes > BUDGET {
            let Some((_, old)) = l.order.pop_first() else { break };
            if let Some(e) = l.map.remove(&old) {
                l.bytes -= e.1;
            }
        }
    }
}

#[derive(Clone)]
struct Bytes;

impl quick_cache::Weighter<Key, Batch> for Bytes {
    fn weight(&self, _: &Key, v: &Batch) -> u64 {
        **v
    }
}

struct Quick(quick_cache::sync::Cache<Key, Batch, Bytes>);

impl Cache for Quick {
    fn get(&self, k: &Key) -> Option<Batch> {
        self.0.get(k)
    }

    fn insert(&self, k: Key, v: Batch, evict: bool) {
        if evict || self.0.weight() + *v <= self.0.capacity() {
            self.0.insert(k, v);
        }
    }
}

fn weight(k: &Key) -> u64 {
    (1 << 20) + (k.0.wrapping_mul(2_654_435_761) ^ k.1 as u64) % (3 << 20)
}

/// One query's batch reads, and whether it may evict.
fn trace(seed: u64, queries: usize) -> Vec<(Vec<Key>, bool)> {
    let mut rng = bench_data::Rng::new(seed);
    (0..queries)
        .map(|_| {
            if rng.below(5) > 0 {
                // Newest segments, skewed: the live hour is read far more than the one before.
                let back = rng.below(40).min(rng.below(40));
                let seg = SEGMENTS - 1 - back;
                ((0..BATCHES).map(|b| (seg, b)).collect(), true)
            } else {
                let (len, start) = (4 + rng.below(27), rng.below(SEGMENTS - 100));
                let keys: Vec<Key> =
                    (start..start + len).flat_map(|s| (0..BATCHES).map(move |b| (s, b))).collect();
                let fits = keys.iter().map(weight).sum::<u64>() <= BUDGET;
                (keys, fits)
            }
        })
        .collect()
}

/// Replays the trace; returns (hits, lookups) of the recent-data queries and of the scans.
fn replay(cache: &dyn Cache, trace: &[(Vec<Key>, bool)]) -> [(u64, u64); 2] {
    let mut out = [(0, 0); 2];
    for (keys, evict) in trace {
        let kind = &mut out[usize::from(keys.len() > BATCHES)];
        for k in keys {
            kind.1 += 1;
            if cache.get(k).is_some() {
                kind.0 += 1;
            } else {
                cache.insert(*k, Arc::new(weight(k)), *evict);
            }
        }
    }
    out
}

fn ns_per_lookup(cache: &dyn Cache, trace: &[(Vec<Key>, bool)], threads: usize) -> f64 {
    let lookups: usize = trace.iter().map(|(k, _)| k.len()).sum::<usize>() * threads;
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| black_box(replay(cache, trace)));
        }
    });
    start.elapsed().as_nanos() as f64 / lookups as f64
}

fn main() {
    let trace = trace(7, 20_000);
    let caches: [(&str, Box<dyn Cache>); 2] = [
        ("ours (LRU, Mutex)", Box::new(Ours(Mutex::default()))),
        ("quick_cache 0.7", Box::new(Quick(quick_cache::sync::Cache::with_weighter(256, BUDGET, Bytes)))),
    ];
    println!("| cache | hits, recent queries | hits, scans | decodes | ns/lookup, 1 thread | 4 threads |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, cache) in &caches {
        let [recent, scans] = replay(cache.as_ref(), &trace);
        let pct = |(h, n): (u64, u64)| h as f64 * 100.0 / n as f64;
        let misses = recent.1 - recent.0 + scans.1 - scans.0;
        let one = ns_per_lookup(cache.as_ref(), &trace, 1);
        let four = ns_per_lookup(cache.as_ref(), &trace, 4);
        println!("| {name} | {:.1} % | {:.1} % | {misses} | {one:.0} | {four:.0} |", pct(recent), pct(scans));
    }
}
