//! Per-team compiled rule sets for the ingest path.
//!
//! Staleness bound: a team's set is re-validated at most once per `refresh` (default 2 s)
//! with one cheap query (`SamplingRuleRepo::stamp`: count, sum of versions, newest
//! `updated_at`); only a changed stamp reloads and recompiles the rules. So a change made
//! through the API on any server sharing the database is enforced by every server within
//! `refresh` plus one request, and no request in between touches the database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::Result;
use crate::eval::RuleSet;
use crate::repo::{SamplingRuleRepo, Stamp};

pub const DEFAULT_REFRESH_US: i64 = 2_000_000;

#[derive(Clone)]
struct Entry {
    stamp: Stamp,
    checked_us: i64,
    set: Arc<RuleSet>,
}

pub struct RuleCache {
    repo: Arc<dyn SamplingRuleRepo>,
    refresh_us: i64,
    teams: Mutex<HashMap<i64, Entry>>,
}

impl RuleCache {
    pub fn new(repo: Arc<dyn SamplingRuleRepo>, refresh_us: i64) -> Self {
        Self { repo, refresh_us, teams: Mutex::new(HashMap::new()) }
    }

    pub fn refresh_us(&self) -> i64 {
        self.refresh_us
    }

    fn entry(&self, team: i64) -> Option<Entry> {
        self.teams.lock().unwrap_or_else(PoisonError::into_inner).get(&team).cloned()
    }

    fn put(&self, team: i64, e: Entry) {
        self.teams.lock().unwrap_or_else(PoisonError::into_inner).insert(team, e);
    }

    /// The team's enabled rules as of at most `refresh` ago. When the database cannot be
    /// asked, the last known set stays in force (and is re-checked after `refresh`); with
    /// none known the error is returned.
    pub fn rules(&self, team: i64, now_us: i64) -> Result<Arc<RuleSet>> {
        let old = self.entry(team);
        if let Some(e) = &old
            && now_us - e.checked_us < self.refresh_us
            && now_us >= e.checked_us
        {
            return Ok(e.set.clone());
        }
        // Lookups run outside the lock: a slow database must not stall other teams.
        let stamp = match self.repo.stamp(team) {
            Ok(s) => s,
            Err(e) => return self.stale(team, old, now_us, e),
        };
        if let Some(e) = old.as_ref().filter(|e| e.stamp == stamp) {
            let set = e.set.clone();
            self.put(team, Entry { stamp, checked_us: now_us, set: set.clone() });
            return Ok(set);
        }
        let set = match self.repo.enabled(team) {
            Ok(rules) => Arc::new(RuleSet::new(team, &rules)),
            Err(e) => return self.stale(team, old, now_us, e),
        };
        self.put(team, Entry { stamp, checked_us: now_us, set: set.clone() });
        Ok(set)
    }

    fn stale(
        &self,
        team: i64,
        old: Option<Entry>,
        now_us: i64,
        e: crate::SamplingError,
    ) -> Result<Arc<RuleSet>> {
        match old {
            Some(mut entry) => {
                entry.checked_us = now_us;
                let set = entry.set.clone();
                self.put(team, entry);
                Ok(set)
            }
            None => Err(e),
        }
    }

    /// Forgets a team's set (the next request reloads it).
    pub fn invalidate(&self, team: i64) {
        self.teams.lock().unwrap_or_else(PoisonError::into_inner).remove(&team);
    }
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
