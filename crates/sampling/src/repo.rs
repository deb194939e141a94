//! Storage contract for sampling rules and their hourly counters. `store-sql` implements
//! it on SQLite and PostgreSQL; every change takes its activity entries, written in the
//! same transaction.

use std::collections::HashMap;

use activity_log::ActivityEntry;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::Result;
use crate::model::SamplingRule;

/// A page of a LimitOffset list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub count: u64,
    pub results: Vec<T>,
}

/// What changes whenever any rule of a team is created, updated, reordered or deleted:
/// the rule cache compares it instead of reloading the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stamp {
    pub count: i64,
    /// Every update and reorder bumps a version, so the sum moves.
    pub version_sum: i64,
    /// A delete followed by a create keeps count and may keep the sum; the newest
    /// `updated_at` moves.
    pub max_updated_us: i64,
}

/// Records and bytes one rule kept and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RuleCounts {
    pub kept_records: i64,
    pub kept_bytes: i64,
    pub dropped_records: i64,
    pub dropped_bytes: i64,
}

impl RuleCounts {
    pub fn add(&mut self, o: &RuleCounts) {
        self.kept_records += o.kept_records;
        self.kept_bytes += o.kept_bytes;
        self.dropped_records += o.dropped_records;
        self.dropped_bytes += o.dropped_bytes;
    }

    /// One record of `bytes` a rule kept or dropped.
    pub fn count(&mut self, kept: bool, bytes: i64) {
        if kept {
            self.kept_records += 1;
            self.kept_bytes += bytes;
        } else {
            self.dropped_records += 1;
            self.dropped_bytes += bytes;
        }
    }

    pub fn is_zero(&self) -> bool {
        *self == RuleCounts::default()
    }
}

/// Counts to add to one rule's row of one hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CounterDelta {
    pub team_id: i64,
    pub rule_id: Uuid,
    /// Start of the hour, µs since the epoch.
    pub hour_us: i64,
    pub counts: RuleCounts,
}

pub trait SamplingRuleRepo: Send + Sync {
    /// Ordered by `priority`, `created_at` (then id).
    fn list(&self, team_id: i64, limit: i64, offset: i64) -> Result<Page<SamplingRule>>;
    fn get(&self, team_id: i64, id: Uuid) -> Result<Option<SamplingRule>>;
    /// The largest priority of the team's rules (None: no rules).
    fn max_priority(&self, team_id: i64) -> Result<Option<i64>>;
    /// Inserts `rule` (version 1). `NotFound` when the team does not exist.
    fn create(&self, rule: &SamplingRule, audit: &[ActivityEntry]) -> Result<SamplingRule>;
    /// Writes every field of `rule` if the stored version is still `rule.version`, bumping
    /// it; `Conflict` otherwise (`NotFound` when the rule is gone).
    fn update(&self, rule: &SamplingRule, audit: &[ActivityEntry]) -> Result<SamplingRule>;
    fn delete(&self, team_id: i64, id: Uuid, audit: &[ActivityEntry]) -> Result<()>;
    /// Sets priority = index in `ordered` and bumps every version, in one transaction that
    /// first checks `ordered` is exactly the team's rules (spec §4.5 error otherwise).
    /// Returns the full ordered list.
    fn reorder(
        &self,
        team_id: i64,
        ordered: &[Uuid],
        now: OffsetDateTime,
        audit: &[ActivityEntry],
    ) -> Result<Vec<SamplingRule>>;
    /// Enabled rules, in walk order.
    fn enabled(&self, team_id: i64) -> Result<Vec<SamplingRule>>;
    fn stamp(&self, team_id: i64) -> Result<Stamp>;
    /// Adds to the hourly counter rows (insert or add; rows of deleted rules are ignored).
    fn add_counts(&self, deltas: &[CounterDelta]) -> Result<()>;
    /// Per rule of the team, the sum of its hourly rows at or after `since_hour_us`.
    fn counts_since(&self, team_id: i64, since_hour_us: i64) -> Result<HashMap<Uuid, RuleCounts>>;
}
