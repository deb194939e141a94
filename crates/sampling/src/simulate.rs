//! Simulate (beyond PostHog's stub): the team's rule set, with one rule as stored or as a
//! draft, replayed by the ingestion evaluator over stored logs of a window.
//!
//! Bounded work: the window is cut into `SLICES` equal slices and at most `max_rows /
//! SLICES` rows of each are read (oldest first), so the cost does not grow with the data.
//! A slice read whole keeps its real times; a truncated one is a dense block of real
//! traffic, and blocks are joined end to end (each lasting its span × n/(n−1)) so rate limits see
//! the real density without the refill a gap between blocks would give (rate limits are
//! replayed in time order).

use std::collections::BTreeMap;

use logs_query::{ListRequest, LogRecord, LogStore, OrderBy, RowFilter};

use crate::error::Result;
use crate::eval::{Limiter, RuleSet};
use crate::model::SamplingRule;

pub const SLICES: i64 = 100;
pub const DEFAULT_MAX_ROWS: usize = 100_000;
pub const MAX_EXAMPLES: usize = 5;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub examined: u64,
    pub dropped: u64,
    pub kept: u64,
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
}

impl Report {
    /// Share of examined records this rule drops, in percent, rounded to 2 decimals.
    pub fn estimated_reduction_pct(&self) -> f64 {
        pct(self.records.dropped, self.records.examined)
    }
}

pub fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (10_000.0 * part as f64 / whole as f64).round() / 100.0
}

/// Rows of the window read for the replay, in (joined) time order: `(replay_time_us, row)`.
fn read(
    store: &dyn LogStore,
    team: i64,
    from_us: i64,
    to_us: i64,
    max_rows: usize,
) -> Result<(Vec<(i64, LogRecord)>, bool)> {
    let filter = RowFilter::default();
    let per_slice = max_rows.div_ceil(SLICES as usize).max(2);
    let width = ((to_us - from_us) / SLICES).max(1);
    let (mut out, mut truncated, mut cursor) = (Vec::new(), false, from_us);
    let mut start = from_us;
    while start < to_us {
        let end = (start + width).min(to_us);
        let req = ListRequest {
            team_id: team,
            from_us: start,
            to_us: end,
            filter: &filter,
            order: OrderBy::Earliest,
            after: None,
            observed_from_us: None,
            limit: per_slice,
        };
        let rows = store.list(&req)?;
        let whole = rows.len() < per_slice;
        truncated |= !whole;
        let first = if whole { start } else { rows.first().map_or(start, |r| r.timestamp_us) };
        let last = rows.last().map_or(start, |r| r.timestamp_us);
        let before = out.len();
        for r in rows {
            out.push((cursor + (r.timestamp_us - first), r));
        }
        // n rows spanning `last - first` stand for n gaps of real traffic, not n - 1.
        let n = out.len() - before;
        cursor += if whole { end - start } else { (last - first) * n as i64 / (n as i64 - 1).max(1) + 1 };
        start = end;
    }
    Ok((out, truncated))
}

fn rows_in_window(store: &dyn LogStore, team: i64, from_us: i64, to_us: i64) -> Result<u64> {
    const MIN: i64 = 60_000_000;
    let (a, b) = (from_us.div_euclid(MIN) * MIN, (to_us + MIN - 1).div_euclid(MIN) * MIN);
    let mut n = 0u64;
    store.rollups(team, a, b, &mut |c| n += c.count)?;
    Ok(n)
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
    let (rows, truncated) = read(store, team, from_us, to_us, max_rows)?;
    let total = if truncated {
        rows_in_window(store, team, from_us, to_us)?.max(rows.len() as u64)
    } else {
        rows.len() as u64
    };
    let limiter = Limiter::new();
    let mut rep = Report {
        from_us,
        to_us,
        records: Tally::default(),
        bytes: Tally::default(),
        dropped_by_other_rules: 0,
        rows_in_window: total,
        sampled: truncated,
        sample_fraction: if total == 0 { 1.0 } else { rows.len() as f64 / total as f64 },
        per_service: BTreeMap::new(),
        examples: Vec::new(),
    };
    for (t, r) in rows {
        let d = set.decide(&r, &limiter, t);
        let by_this = !d.keep && d.rule == Some(draft.id);
        let size = u64::from(r.bytes);
        let svc = rep.per_service.entry(r.service_name.clone()).or_default();
        for (tally, n) in [(&mut rep.records, 1), (&mut rep.bytes, size)] {
            tally.examined += n;
            if by_this {
                tally.dropped += n;
            } else if d.keep {
                tally.kept += n;
            }
        }
        for (tally, n) in [(&mut svc.records, 1), (&mut svc.bytes, size)] {
            tally.examined += n;
            if by_this {
                tally.dropped += n;
            } else if d.keep {
                tally.kept += n;
            }
        }
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
