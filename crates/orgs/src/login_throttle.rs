//! Login throttle: failed attempts counted per account (the normalized email) and per client
//! address, each in a fixed window that starts at its first counted attempt. An attempt is
//! counted before the password is checked (so parallel guesses cannot slip past the limit)
//! and given back when it succeeds; a success also clears the account's count.
//!
//! In memory, per server. quick_cache bounds the keys kept (the least used go first), so a
//! flood of emails or addresses cannot grow it without limit.

use std::net::{IpAddr, Ipv6Addr};

use quick_cache::sync::{Cache, EntryAction, EntryResult};
use time::OffsetDateTime;

/// Keys kept per kind (accounts, addresses).
const CAPACITY: usize = 100_000;
/// No account email is longer (`rules::validate_email`); longer keys are cut so one cannot
/// weigh more than this.
const MAX_ACCOUNT_KEY: usize = 255;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Failed attempts one account may have within a window; 0 turns the limit off.
    pub per_account: u32,
    /// Failed attempts one client address may make within a window; 0 turns the limit off.
    pub per_client: u32,
    pub window_secs: u64,
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self { per_account: 10, per_client: 50, window_secs: 900 }
    }
}

/// Refused: try again in `retry_after_secs` (at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_secs: u64,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    count: u32,
}

/// One kind of key with its limit.
struct Counter<K> {
    limit: u32,
    window_ms: i64,
    windows: Cache<K, Window>,
}

impl<K: Eq + std::hash::Hash + Clone> Counter<K> {
    fn new(limit: u32, window_ms: i64, capacity: usize) -> Self {
        Self { limit, window_ms, windows: Cache::new(capacity.max(1)) }
    }

    /// Counts one attempt unless the key is at its limit.
    fn take(&self, key: &K, now_ms: i64) -> Result<(), Throttled> {
        if self.limit == 0 {
            return Ok(());
        }
        let (limit, window_ms) = (self.limit, self.window_ms);
        let result = self.windows.entry(key, None, |_, w| {
            if now_ms.saturating_sub(w.start_ms) >= window_ms {
                *w = Window { start_ms: now_ms, count: 1 };
                EntryAction::Retain(Ok(()))
            } else if w.count >= limit {
                EntryAction::Retain(Err(retry_after(w.start_ms, window_ms, now_ms)))
            } else {
                w.count += 1;
                EntryAction::Retain(Ok(()))
            }
        });
        match result {
            EntryResult::Retained(r) => r,
            EntryResult::Vacant(guard) | EntryResult::Replaced(guard, _) => {
                let _ = guard.insert(Window { start_ms: now_ms, count: 1 });
                Ok(())
            }
            // Not returned without a timeout or a removing action.
            EntryResult::Removed(..) | EntryResult::Timeout => Ok(()),
        }
    }

    /// Undoes one counted attempt of the current window.
    fn give_back(&self, key: &K, now_ms: i64) {
        if self.limit == 0 {
            return;
        }
        let window_ms = self.window_ms;
        let _ = self.windows.entry(key, None, |_, w| {
            if now_ms.saturating_sub(w.start_ms) < window_ms {
                w.count = w.count.saturating_sub(1);
            }
            EntryAction::Retain(())
        });
    }

    fn clear(&self, key: &K) {
        self.windows.remove(key);
    }
}

/// Seconds until the window opens again, rounded up, between 1 and the window.
fn retry_after(start_ms: i64, window_ms: i64, now_ms: i64) -> Throttled {
    let left_ms = start_ms.saturating_add(window_ms).saturating_sub(now_ms).clamp(1, window_ms.max(1));
    let secs = left_ms.saturating_add(999) / 1000;
    Throttled { retry_after_secs: u64::try_from(secs).unwrap_or(1).max(1) }
}

/// Shared by every worker of a server.
pub struct LoginThrottle {
    limits: LoginLimits,
    accounts: Counter<String>,
    clients: Counter<IpAddr>,
}

impl LoginThrottle {
    pub fn new(limits: LoginLimits) -> Self {
        Self::with_capacity(limits, CAPACITY)
    }

    /// `capacity` keys kept per kind (accounts, addresses).
    pub fn with_capacity(limits: LoginLimits, capacity: usize) -> Self {
        let window_ms = i64::try_from(limits.window_secs).unwrap_or(i64::MAX / 1000).saturating_mul(1000);
        Self {
            limits,
            accounts: Counter::new(limits.per_account, window_ms, capacity),
            clients: Counter::new(limits.per_client, window_ms, capacity),
        }
    }

    pub fn limits(&self) -> LoginLimits {
        self.limits
    }

    /// Counts an attempt for `account` (an email, normalized by the caller) and `client`,
    /// unless either is at its limit: then nothing is counted and the wait is returned.
    pub fn attempt(
        &self,
        account: &str,
        client: Option<IpAddr>,
        now: OffsetDateTime,
    ) -> Result<(), Throttled> {
        let now_ms = millis(now);
        let client = client.map(client_key);
        if let Some(ip) = &client {
            self.clients.take(ip, now_ms)?;
        }
        if let Err(t) = self.accounts.take(&account_key(account), now_ms) {
            if let Some(ip) = &client {
                self.clients.give_back(ip, now_ms);
            }
            return Err(t);
        }
        Ok(())
    }

    /// The attempt succeeded: the account starts over and the address is not charged.
    pub fn succeeded(&self, account: &str, client: Option<IpAddr>, now: OffsetDateTime) {
        self.accounts.clear(&account_key(account));
        if let Some(ip) = client.map(client_key) {
            self.clients.give_back(&ip, millis(now));
        }
    }

    /// The attempt could not be judged (storage failed): neither is charged.
    pub fn abandoned(&self, account: &str, client: Option<IpAddr>, now: OffsetDateTime) {
        let now_ms = millis(now);
        self.accounts.give_back(&account_key(account), now_ms);
        if let Some(ip) = client.map(client_key) {
            self.clients.give_back(&ip, now_ms);
        }
    }
}

fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn account_key(account: &str) -> String {
    let mut end = account.len().min(MAX_ACCOUNT_KEY);
    while !account.is_char_boundary(end) {
        end -= 1;
    }
    account[..end].to_string()
}

/// IPv4-mapped IPv6 counts as the IPv4 address; other IPv6 addresses by their /64, the
/// block one subscriber usually gets whole.
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
#[path = "login_throttle_tests.rs"]
mod tests;
