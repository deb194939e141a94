//! Simulate (beyond PostHog's stub): the team's rule set, with one rule as stored or as a
//! draft, replayed by the ingestion evaluator over stored logs of a window.
//!
//! Bounded work: the window is cut into `SLICES` equal slices; the store's per-minute
//! rollups (metadata, no rows read) give each slice's row count. When the window holds more
//! than `max_rows`, each slice gets a share of `max_rows` proportional to its count, read as
//! one contiguous block from its start (slices in parallel), and every row read is weighed by
//! the stored rows it stands for, so the estimate stays unbiased when traffic is uneven.
//!
//! Rate limits are replayed in time order over blocks of real traffic at its real density
//! (see [`simulate_read::read`]), so limits need no scaling by the sample fraction: a
//! thinned sample (every k-th row) would need `limit × fraction`, a contiguous block does not.

use std::collections::BTreeMap;

use logs_query::{LogRecord, LogStore};

use crate::error::Result;
use crate::eval::{Limiter, RuleSet};
use crate::model::SamplingRule;

#[path = "simulate_read.rs"]
mod simulate_read;

pub use simulate_read::SLICES;

/// About 300 rows per slice. The estimate is a ratio: a simple random sample of 30,000 rows
/// is within ±0.6 points at 95 %; rows of one block are correlated, so the spread over 100
/// slices matters more than the count, and more rows mostly cost time.
pub const DEFAULT_MAX_ROWS: usize = 30_000;
pub const MAX_EXAMPLES: usize = 5;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub examined: u64,
    pub dropped: u64,
    pub kept: u64,
}

impl Tally {
    /// One examined row of weight `n`: dropped by the simulated rule, kept, or neither
    /// (dropped by another rule).
    fn count(&mut self, n: u64, by_this: bool, kept: bool) {
        self.examined += n;
        if by_this {
            self.dropped += n;
        } else if kept {
            self.kept += n;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceTally {
    pub records: Tally,
    pub bytes: Tally,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub from_us: i64,
    pub to_us: i64,
    /// Records and bytes the replay looked at; `dropped` counts what this rule drops,
    /// `dropped_by_other_rules` what rules before it in the walk drop.
    pub records: Tally,
    pub bytes: Tally,
    pub dropped_by_other_rules: u64,
    /// Rows stored in the window (from the store's per-minute counts).
    pub rows_in_window: u64,
    pub sampled: bool,
    /// `records.examined / rows_in_window` (1 when everything was read).
    pub sample_fraction: f64,
    pub per_service: BTreeMap<String, ServiceTally>,
    pub examples: Vec<LogRecord>,
    /// The tallies weighed by the stored rows each examined row stands for: what the
    /// percentages come from. Equal to the tallies when nothing was sampled.
    pub weighted: WeightedTally,
}

/// Estimated stored records and bytes examined and dropped by this rule.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightedTally {
    pub records: f64,
    pub records_dropped: f64,
    pub bytes: f64,
    pub bytes_dropped: f64,
}

impl Report {
    /// Estimated share of the window's records this rule drops, in percent, 2 decimals.
    pub fn estimated_reduction_pct(&self) -> f64 {
        pct_f(self.weighted.records_dropped, self.weighted.records)
    }

    /// The same for bytes.
    pub fn estimated_bytes_reduction_pct(&self) -> f64 {
        pct_f(self.weighted.bytes_dropped, self.weighted.bytes)
    }
}

pub fn pct(part: u64, whole: u64) -> f64 {
    pct_f(part as f64, whole as f64)
}

fn pct_f(part: f64, whole: f64) -> f64 {
    if whole <= 0.0 {
        return 0.0;
    }
    (10_000.0 * part / whole).round() / 100.0
}

/// Replays `others` (the team's other enabled rules) plus `draft` (enabled, whatever it is
/// stored as) over the team's logs in `[from_us, to_us)`.
pub fn run(
    store: &dyn LogStore,
    others: &[SamplingRule],
    draft: &SamplingRule,
    from_us: i64,
    to_us: i64,
    max_rows: usize,
) -> Result<Report> {
    let team = draft.team_id;
    let mut rules: Vec<SamplingRule> = others.iter().filter(|r| r.id != draft.id).cloned().collect();
    rules.push(SamplingRule { enabled: true, ..draft.clone() });
    let set = RuleSet::new(team, &rules);
    let read = simulate_read::read(store, team, &simulate_read::edges(from_us, to_us), max_rows)?;
    let total = read.stored.max(read.rows.len() as u64);
    let rows = read.rows;
    let limiter = Limiter::new();
    let mut rep = Report {
        from_us,
        to_us,
        records: Tally::default(),
        bytes: Tally::default(),
        dropped_by_other_rules: 0,
        rows_in_window: total,
        sampled: read.truncated,
        sample_fraction: if total == 0 { 1.0 } else { rows.len() as f64 / total as f64 },
        per_service: BTreeMap::new(),
        examples: Vec::new(),
        weighted: WeightedTally::default(),
    };
    for (t, w, r) in rows {
        let d = set.decide(&r, &limiter, t);
        let by_this = !d.keep && d.rule == Some(draft.id);
        let size = u64::from(r.bytes);
        let wt = &mut rep.weighted;
        wt.records += w;
        wt.bytes += w * size as f64;
        if by_this {
            wt.records_dropped += w;
            wt.bytes_dropped += w * size as f64;
        }
        rep.records.count(1, by_this, d.keep);
        rep.bytes.count(size, by_this, d.keep);
        let svc = rep.per_service.entry(r.service_name.clone()).or_default();
        svc.records.count(1, by_this, d.keep);
        svc.bytes.count(size, by_this, d.keep);
        if !d.keep && !by_this {
            rep.dropped_by_other_rules += 1;
        }
        if by_this && rep.examples.len() < MAX_EXAMPLES {
            rep.examples.push(r);
        }
    }
    Ok(rep)
}

#[cfg(test)]
#[path = "simulate_tests.rs"]
mod tests;
