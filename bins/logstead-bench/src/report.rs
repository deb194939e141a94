//! The markdown report printed at the end.

use std::fmt::Write as _;
use std::time::Duration;

use crate::mix::{Mix, percentile};
use crate::queries::{Outcome, Query};

// Issue 14's goals (docs/performance.md).
pub const INGEST_GOAL_PROTOBUF: f64 = 250_000.0;
pub const INGEST_GOAL_JSON: f64 = 150_000.0;
pub const BYTES_PER_ROW_GOAL: f64 = 64.0;
pub const RSS_GOAL: u64 = 1 << 30;

/// Everything measured in one run of the bench.
#[derive(Default)]
pub struct Report {
    pub command: String,
    pub setup: Vec<String>,
    pub ingest: Vec<(&'static str, u64, Option<Duration>, f64)>,
    pub disk_bytes: Option<u64>,
    pub rows: u64,
    pub memory: Vec<(String, Option<u64>)>,
    pub notes: Vec<String>,
    pub queries: Vec<(Query, Outcome)>,
    pub mix: Option<Mix>,
    /// The same clients without ingest.
    pub mix_alone: Option<Mix>,
}

/// Goal 6: p99 under mixed load at most this many times the idle median...
pub const MIX_P99_GOAL: f64 = 3.0;
/// ...and ingest keeps at least this share of its idle rate.
pub const MIX_INGEST_GOAL: f64 = 0.8;

pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

/// Median (the upper one for an even count) and minimum, in ms.
pub fn median_min(times: &[Duration]) -> (f64, f64) {
    let mut v: Vec<f64> = times.iter().map(|t| ms(*t)).collect();
    v.sort_by(f64::total_cmp);
    (v.get(v.len() / 2).copied().unwrap_or(0.0), v.first().copied().unwrap_or(0.0))
}

impl Report {
    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "## Logstead logs benchmark\n");
        let _ = writeln!(o, "`{}`\n", self.command);
        for line in &self.setup {
            let _ = writeln!(o, "- {line}");
        }
        let _ = writeln!(o, "\n| ingest | rows/s | time | goal rows/s | met |\n|---|---:|---:|---:|---|");
        for (name, rows, took, goal) in &self.ingest {
            match took {
                Some(d) => {
                    let rate = *rows as f64 / d.as_secs_f64().max(1e-9);
                    let _ = writeln!(
                        o,
                        "| {name} | {} | {:.1} s | ≥ {} | {} |",
                        thousands(rate as u64),
                        d.as_secs_f64(),
                        thousands(*goal as u64),
                        verdict(rate >= *goal)
                    );
                }
                None => {
                    let _ = writeln!(o, "| {name} | skipped | | ≥ {} | |", thousands(*goal as u64));
                }
            }
        }
        let _ = writeln!(o, "\n| resources | value | goal | met |\n|---|---:|---:|---|");
        if let Some(bytes) = self.disk_bytes {
            let per_row = bytes as f64 / self.rows.max(1) as f64;
            let _ = writeln!(
                o,
                "| bytes on disk per row (`<data>/logs`, {}) | {per_row:.1} | ≤ {BYTES_PER_ROW_GOAL} | {} |",
                mib(bytes),
                verdict(per_row <= BYTES_PER_ROW_GOAL)
            );
        }
        for (what, rss) in &self.memory {
            match rss {
                Some(b) => {
                    let _ = writeln!(o, "| {what} | {} | ≤ 1 GiB | {} |", mib(*b), verdict(*b <= RSS_GOAL));
                }
                None => {
                    let _ = writeln!(o, "| {what} | n/a | ≤ 1 GiB | |");
                }
            }
        }
        let _ = writeln!(
            o,
            "\n| query | what | median ms | min ms | goal ms | met | answer |\n|---|---|---:|---:|---:|---|---|"
        );
        let mut warnings = Vec::new();
        for (q, outcome) in &self.queries {
            let row = match outcome {
                Outcome::Timed { times, answer, warning } => {
                    if let Some(w) = warning {
                        warnings.push(format!("{}: {w}", q.id));
                    }
                    let (median, min) = median_min(times);
                    format!(
                        "{median:.1} | {min:.1} | {} | {} | {answer}",
                        q.goal_ms,
                        verdict(median <= q.goal_ms)
                    )
                }
                Outcome::NotFound => format!("n/a (404) | | {} | | ", q.goal_ms),
                Outcome::Failed(e) => {
                    warnings.push(format!("{}: {e}", q.id));
                    format!("error | | {} | | ", q.goal_ms)
                }
            };
            let _ = writeln!(o, "| {} | {} | {row} |", q.id, q.what);
        }
        if let Some(m) = &self.mix {
            self.mix_markdown(&mut o, m, &mut warnings);
        }
        if !self.notes.is_empty() || !warnings.is_empty() {
            let _ = writeln!(o);
        }
        for n in &self.notes {
            let _ = writeln!(o, "- note: {n}");
        }
        for w in &warnings {
            let _ = writeln!(o, "- **warning** {w}");
        }
        o
    }
}

impl Report {
    fn mix_markdown(&self, o: &mut String, m: &Mix, warnings: &mut Vec<String>) {
        let idle_rate =
            self.ingest.first().and_then(|(_, rows, took, _)| Some(*rows as f64 / (*took)?.as_secs_f64()));
        let rate = m.rows_sent as f64 / m.ingest_took.as_secs_f64().max(1e-9);
        let _ = writeln!(
            o,
            "\nMixed load: {} query clients while {} rows are ingested into a second project at up to {} rows/s; \
             before that, the same clients for as long without ingest (\"alone\").\n",
            m.query_clients,
            thousands(m.rows_sent),
            thousands(m.target_rows_per_s as u64)
        );
        let _ = writeln!(
            o,
            "| ingest under load | rows/s | idle rows/s | kept | goal | met |\n|---|---:|---:|---:|---:|---|"
        );
        let kept = idle_rate.map(|idle| rate / idle);
        let _ = writeln!(
            o,
            "| OTLP protobuf | {} | {} | {} | ≥ {:.0} % of idle, or the target | {} |",
            thousands(rate as u64),
            idle_rate.map_or("n/a".into(), |r| thousands(r as u64)),
            kept.map_or("n/a".into(), |k| format!("{:.0} %", k * 100.0)),
            MIX_INGEST_GOAL * 100.0,
            verdict(kept.is_some_and(|k| k >= MIX_INGEST_GOAL) || rate >= m.target_rows_per_s * 0.98)
        );
        let _ = writeln!(
            o,
            "\n| query | idle median ms | runs | p50 ms | p99 ms | p99 / idle | goal | met | alone: p50 / p99 ms |\n\
             |---|---:|---:|---:|---:|---:|---:|---|---:|"
        );
        for (i, (q, outcome)) in self.queries.iter().enumerate() {
            let times = m.times.get(i).map(Vec::as_slice).unwrap_or_default();
            let idle = match outcome {
                Outcome::Timed { times, .. } => Some(median_min(times).0),
                _ => None,
            };
            let (p50, p99) = (percentile(times, 50.0), percentile(times, 99.0));
            let ratio = idle.filter(|i| *i > 0.0).map(|i| p99 / i);
            let alone =
                self.mix_alone.as_ref().and_then(|a| a.times.get(i)).map_or("n/a".into(), |t| {
                    format!("{:.1} / {:.1}", percentile(t, 50.0), percentile(t, 99.0))
                });
            let _ = writeln!(
                o,
                "| {} | {} | {} | {p50:.1} | {p99:.1} | {} | ≤ {MIX_P99_GOAL}× | {} | {alone} |",
                q.id,
                idle.map_or("n/a".into(), |i| format!("{i:.1}")),
                times.len(),
                ratio.map_or("n/a".into(), |r| format!("{r:.1}×")),
                verdict(ratio.is_some_and(|r| r <= MIX_P99_GOAL))
            );
            for (phase, mix) in [("under mixed load", Some(m)), ("alone", self.mix_alone.as_ref())] {
                if let Some(Some(p)) = mix.and_then(|x| x.problems.get(i)) {
                    warnings.push(format!("{} {phase}: {p}", q.id));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_for_people() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
        let t = |ms: u64| Duration::from_millis(ms);
        assert_eq!(median_min(&[t(5), t(1), t(3), t(9), t(2)]), (3.0, 1.0));
    }
}
