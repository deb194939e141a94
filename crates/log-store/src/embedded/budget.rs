//! The query memory budget ([`StoreOptions::query_memory_bytes`](super::StoreOptions)): every
//! decoded batch a query holds is charged before it is decoded, and a query that would go over
//! waits until others give memory back. Queries therefore hold a bounded amount of decoded data
//! whatever their number; the decoded-batch cache has its own budget.
//!
//! Deadlock-free because no thread waits here while holding a permit: a scan's workers hand
//! their permit to the consumer with the batch, and the consumer never acquires.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BudgetStats {
    /// The configured budget.
    pub limit: usize,
    /// Charged now, and the most ever charged at once.
    pub used: usize,
    pub peak: usize,
    /// Times a query had to wait for memory.
    pub waits: u64,
}

#[derive(Debug)]
pub(crate) struct MemoryBudget {
    state: Mutex<BudgetStats>,
    freed: Condvar,
}

/// Charged bytes, given back on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    budget: Arc<MemoryBudget>,
    bytes: usize,
}

impl MemoryBudget {
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        let stats = BudgetStats { limit: limit.max(1), ..BudgetStats::default() };
        Arc::new(Self { state: Mutex::new(stats), freed: Condvar::new() })
    }

    fn lock(&self) -> MutexGuard<'_, BudgetStats> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Charges `bytes` (at most the whole budget: a batch larger than it runs alone), waiting
    /// while that would exceed the budget. Must not be called while holding a permit.
    pub(crate) fn acquire(self: &Arc<Self>, bytes: usize) -> Permit {
        let mut s = self.lock();
        let bytes = bytes.clamp(1, s.limit);
        if s.used + bytes > s.limit {
            s.waits += 1;
            while s.used + bytes > s.limit {
                s = self.freed.wait(s).unwrap_or_else(PoisonError::into_inner);
            }
        }
        s.used += bytes;
        s.peak = s.peak.max(s.used);
        Permit { budget: Arc::clone(self), bytes }
    }

    pub(crate) fn stats(&self) -> BudgetStats {
        *self.lock()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut s = self.budget.lock();
        s.used -= self.bytes;
        drop(s);
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn holders_never_exceed_the_limit_and_waiters_proceed() {
        let budget = MemoryBudget::new(100);
        let held = AtomicUsize::new(0);
        let max_held = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for t in 0..8 {
                let (budget, held, max_held) = (&budget, &held, &max_held);
                s.spawn(move || {
                    for i in 0..200 {
                        let bytes = 10 + (t * 7 + i) % 50;
                        let p = budget.acquire(bytes);
                        let now = held.fetch_add(bytes, Ordering::SeqCst) + bytes;
                        max_held.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        held.fetch_sub(bytes, Ordering::SeqCst);
                        drop(p);
                    }
                });
            }
        });
        let stats = budget.stats();
        assert!(max_held.load(Ordering::SeqCst) <= 100);
        assert!(stats.peak <= 100 && stats.peak > 0, "{stats:?}");
        assert_eq!(stats.used, 0, "every permit was given back");
    }

    #[test]
    fn a_request_larger_than_the_budget_runs_alone() {
        let budget = MemoryBudget::new(64);
        let p = budget.acquire(1 << 30);
        assert_eq!(budget.stats().used, 64);
        drop(p);
        let small = budget.acquire(8);
        assert_eq!(budget.stats().used, 8);
        drop(small);
    }
}
