//! Per-user throttle: token buckets (burst 10 a minute, sustained 100 a day by default).
//! Hand-written (a few lines) because time is passed in: rate-limit crates read their own
//! clock, and the service's tests drive a fake one.

use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub capacity: u32,
    pub per_secs: u64,
}

pub const DEFAULT_LIMITS: [Limit; 2] =
    [Limit { capacity: 10, per_secs: 60 }, Limit { capacity: 100, per_secs: 86_400 }];

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_us: i64,
}

pub struct Throttle {
    limits: Vec<Limit>,
    users: Mutex<HashMap<i64, Vec<Bucket>>>,
}

impl Default for Throttle {
    fn default() -> Self {
        Self::new(DEFAULT_LIMITS.to_vec())
    }
}

impl Throttle {
    pub fn new(limits: Vec<Limit>) -> Self {
        Self { limits, users: Mutex::default() }
    }

    pub fn limits(&self) -> &[Limit] {
        &self.limits
    }

    /// Takes one token from every bucket of `user`, or none and `Err(seconds until
    /// the emptiest bucket has a token again)`.
    pub fn check(&self, user: i64, now_us: i64) -> Result<(), u64> {
        let mut users = self.users.lock().unwrap_or_else(|p| p.into_inner());
        let fresh =
            || self.limits.iter().map(|l| Bucket { tokens: f64::from(l.capacity), at_us: now_us }).collect();
        let buckets: &mut Vec<Bucket> = users.entry(user).or_insert_with(fresh);
        let mut wait_secs = 0u64;
        for (b, l) in buckets.iter_mut().zip(&self.limits) {
            let rate_per_us = f64::from(l.capacity) / (l.per_secs.max(1) as f64 * 1e6);
            let elapsed = (now_us - b.at_us).max(0) as f64;
            b.tokens = (b.tokens + elapsed * rate_per_us).min(f64::from(l.capacity));
            b.at_us = now_us.max(b.at_us);
            if b.tokens < 1.0 {
                let secs = ((1.0 - b.tokens) / rate_per_us / 1e6).ceil() as u64;
                wait_secs = wait_secs.max(secs.max(1));
            }
        }
        if wait_secs > 0 {
            return Err(wait_secs);
        }
        for b in buckets.iter_mut() {
            b.tokens -= 1.0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;

    #[test]
    fn burst_then_refill_then_daily_cap() {
        let t = Throttle::default();
        for _ in 0..10 {
            assert_eq!(t.check(1, 0), Ok(()));
        }
        assert_eq!(t.check(1, 0), Err(6), "one token every 6 s");
        assert_eq!(t.check(2, 0), Ok(()), "per user");
        assert_eq!(t.check(1, 6 * S), Ok(()));
        // A day's worth: 100 requests spread so the burst bucket never empties.
        let t = Throttle::default();
        let mut allowed = 0;
        for i in 0..150 {
            if t.check(7, i * 6 * S).is_ok() {
                allowed += 1;
            }
        }
        assert!((100..=110).contains(&allowed), "{allowed}");
        assert!(t.check(7, 150 * 6 * S).is_err(), "the daily bucket is empty");
    }
}
