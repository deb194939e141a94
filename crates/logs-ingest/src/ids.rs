//! UUIDv7 record ids, a whole batch at a time.
//!
//! `Uuid::now_v7()` takes a process-wide lock, reads the clock and asks the OS for random
//! bytes (a `getrandom` system call) for *every* id: ~1 µs a record, a few ms for a
//! 5,000-record request. [`V7Ids`] does the same work once per batch: one lock, one clock
//! read, one `getrandom`, then plain arithmetic per id.
//!
//! The ids keep `now_v7`'s layout and guarantees (RFC 9562 method 1, as the `uuid` crate
//! does it): 48-bit Unix milliseconds, then a 42-bit counter (12 bits in `rand_a`, 30 at the
//! top of `rand_b`) reseeded with 41 random bits each new millisecond, then 32 random bits.
//! Every id this process makes is greater than every earlier one, so they are unique.

use std::sync::{Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use uuid::Uuid;

/// Largest counter value (42 bits).
const MAX_COUNTER: u64 = (1 << 42) - 1;
/// A reseeded counter leaves its top bit clear, so a millisecond has ≥ 2^41 ids left.
const RESEED_MASK: u64 = (1 << 41) - 1;

/// The last (millisecond, counter) handed out by this process.
static LAST: Mutex<(u64, u64)> = Mutex::new((0, 0));

/// `n` ids reserved at once; iterate to get them in increasing order.
#[derive(Debug, Clone)]
pub struct V7Ids {
    millis: u64,
    next: u64,
    end: u64,
    rng: u64,
}

impl V7Ids {
    pub fn reserve(n: usize) -> V7Ids {
        let seed = Uuid::new_v4().as_u64_pair();
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        reserve_in(&mut last, now_ms, n, seed)
    }
}

/// The reservation itself, against `last` = the (millisecond, counter) of the newest id.
fn reserve_in(last: &mut (u64, u64), now_ms: u64, n: usize, seed: (u64, u64)) -> V7Ids {
    let n = u64::try_from(n).unwrap_or(u64::MAX).min(RESEED_MASK);
    let (millis, first) = if now_ms > last.0 {
        (now_ms, seed.0 & RESEED_MASK)
    } else if last.1 + n < MAX_COUNTER {
        // Same millisecond (or the clock went back): count on from the newest id.
        (last.0, last.1 + 1)
    } else {
        // The counter would overflow: borrow the next millisecond, as `uuid` does.
        (last.0 + 1, seed.0 & RESEED_MASK)
    };
    // `first + n` < 2^42: either `first` < 2^41 and n ≤ 2^41 - 1, or checked above.
    *last = (millis, (first + n).saturating_sub(1).max(first));
    V7Ids { millis, next: first, end: first + n, rng: seed.1 | 1 }
}

impl Iterator for V7Ids {
    type Item = Uuid;

    fn next(&mut self) -> Option<Uuid> {
        if self.next >= self.end {
            return None;
        }
        let counter = u128::from(self.next);
        self.next += 1;
        // xorshift64: the low 32 bits only need to be unpredictable-looking, not secret.
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let random = u128::from(self.rng & 0xFFFF_FFFF);
        let bits = (u128::from(self.millis & 0xFFFF_FFFF_FFFF) << 80)
            | (0x7 << 76)
            | ((counter >> 30) << 64)
            | (0b10 << 62)
            | ((counter & 0x3FFF_FFFF) << 32)
            | random;
        Some(Uuid::from_u128(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_v7_increasing_and_unique_across_batches() {
        let mut all: Vec<Uuid> = Vec::new();
        for n in [0, 1, 5_000, 3, 10_000] {
            let batch: Vec<Uuid> = V7Ids::reserve(n).collect();
            assert_eq!(batch.len(), n);
            all.extend(batch);
        }
        assert!(all.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
        for id in &all {
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
        }
        let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
        let (secs, nanos) = all[0].get_timestamp().map(|t| t.to_unix()).unwrap_or_default();
        let ms = secs * 1000 + u64::from(nanos) / 1_000_000;
        assert!(ms <= now_ms && ms + 5_000 > now_ms, "timestamp is now: {ms} vs {now_ms}");
    }

    #[test]
    fn counter_overflow_moves_to_the_next_millisecond() {
        let far = (1 << 47) + 12_345;
        let mut last = (far, MAX_COUNTER - 2);
        let ids: Vec<Uuid> = reserve_in(&mut last, far, 10, (7, 9)).collect();
        let ms = |id: &Uuid| id.as_u128() >> 80;
        assert!(ids.iter().all(|id| ms(id) == u128::from(far + 1)));
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let more: Vec<Uuid> = reserve_in(&mut last, far - 3, 2, (7, 9)).collect();
        assert!(more[0] > ids[9], "later batches stay ordered while the clock lags");
        let next_ms: Vec<Uuid> = reserve_in(&mut last, far + 2, 1, (u64::MAX, 9)).collect();
        assert_eq!(ms(&next_ms[0]), u128::from(far + 2));
        assert_eq!(
            (next_ms[0].as_u128() >> 64) & 0xfff,
            u128::from(RESEED_MASK >> 30),
            "top counter bit clear"
        );
    }
}
