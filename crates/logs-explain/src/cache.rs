//! Explanations cached for an hour under PostHog's key. quick_cache bounds the size; the
//! TTL is checked here against the caller's clock, so tests and the server agree on time.

use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::Explanation;

pub const TTL_US: i64 = 3600 * 1_000_000;
const CAPACITY: usize = 10_000;

/// `log_explain:v1:<team_id>:<uuid>:<timestamp ISO>` (spec §6).
pub fn cache_key(team_id: i64, uuid: Uuid, timestamp_iso: &str) -> String {
    format!("log_explain:v1:{team_id}:{uuid}:{timestamp_iso}")
}

pub struct ExplanationCache {
    entries: Cache<String, (Explanation, i64)>,
}

impl Default for ExplanationCache {
    fn default() -> Self {
        Self { entries: Cache::new(CAPACITY) }
    }
}

impl ExplanationCache {
    pub fn get(&self, key: &str, now_us: i64) -> Option<Explanation> {
        match self.entries.get(key) {
            Some((e, expires_us)) if now_us < expires_us => Some(e),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, key: String, e: Explanation, now_us: i64) {
        self.entries.insert(key, (e, now_us.saturating_add(TTL_US)));
    }
}
