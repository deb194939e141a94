//! What the store says around a record: how often its message pattern occurred in the
//! last hour and day, the other records of its trace, and whether its service's errors
//! are rising.

use logs_query::timefmt::to_us;
use logs_query::{LogRecord, LogStore, LogsQuery, RowFilter, ScanRequest, Severity, StoreError};
use time::OffsetDateTime;

use crate::context::hex_id;
use crate::pattern::{literal_anchor, pattern_of};
use crate::redact::scrub;

const HOUR_US: i64 = 3_600_000_000;
const MINUTE_US: i64 = 60_000_000;
/// Rows examined for pattern counts at most; past it the counts say "at least".
pub const MAX_SCANNED: u64 = 200_000;
/// Hours before the last one that the error-rate baseline averages.
pub const BASELINE_HOURS: i64 = 5;
/// Other records of the trace kept (the nearest in time).
pub const MAX_TRACE: usize = 20;
/// How far from the record its trace's other records are looked for.
const TRACE_WINDOW_US: i64 = 30 * MINUTE_US;

#[derive(Debug, Clone, PartialEq)]
pub struct TraceEntry {
    pub timestamp_us: i64,
    pub severity: Severity,
    pub service: String,
    pub span_id: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evidence {
    pub pattern: String,
    pub pattern_last_hour: u64,
    pub pattern_last_day: u64,
    /// True when the day's scan stopped at `MAX_SCANNED` rows (counts are minimums).
    pub pattern_capped: bool,
    /// Other records of the same trace, in time order.
    pub trace: Vec<TraceEntry>,
    /// Error and fatal records of the service in the last hour, and all its records.
    pub errors_last_hour: u64,
    pub total_last_hour: u64,
    /// Hourly averages over the `BASELINE_HOURS` before the last hour.
    pub errors_baseline: f64,
    pub total_baseline: f64,
}

impl Evidence {
    /// Errors clearly above the baseline: at least 3 in the last hour and more than twice
    /// the hourly average before it.
    pub fn rising(&self) -> bool {
        self.errors_last_hour >= 3 && self.errors_last_hour as f64 > 2.0 * self.errors_baseline
    }
}

pub fn gather(
    store: &dyn LogStore,
    team_id: i64,
    r: &LogRecord,
    secrets: &[String],
    now: OffsetDateTime,
) -> Result<Evidence, StoreError> {
    let now_us = to_us(now);
    let mut ev = Evidence::default();
    let pattern = pattern_of(&r.body);
    count_pattern(store, team_id, r, &pattern, now_us, &mut ev)?;
    // Matched raw, shown masked: the pattern is quoted back to the user.
    ev.pattern = scrub(&pattern, secrets);
    error_rate(store, team_id, &r.service_name, now_us, &mut ev)?;
    if r.trace_id != [0; 16] {
        ev.trace = trace_of(store, team_id, r, secrets)?;
    }
    Ok(ev)
}

fn count_pattern(
    store: &dyn LogStore,
    team: i64,
    r: &LogRecord,
    pattern: &str,
    now_us: i64,
    ev: &mut Evidence,
) -> Result<(), StoreError> {
    let q = LogsQuery { service_names: vec![r.service_name.clone()], ..LogsQuery::default() };
    let filter = RowFilter::new(&q);
    let (from_us, hour_us) = (now_us - 24 * HOUR_US, now_us - HOUR_US);
    // Bodies without the anchor cannot have the pattern: most rows skip the masking.
    let anchor = literal_anchor(pattern);
    let mut scanned = 0u64;
    let req = ScanRequest { team_id: team, from_us, to_us: now_us + 1, filter: &filter };
    store.scan(&req, &mut |row| {
        scanned += 1;
        if row.body.contains(anchor) && pattern_of(&row.body) == pattern {
            ev.pattern_last_day += 1;
            if row.timestamp_us >= hour_us {
                ev.pattern_last_hour += 1;
            }
        }
        scanned < MAX_SCANNED
    })?;
    ev.pattern_capped = scanned >= MAX_SCANNED;
    Ok(())
}

fn error_rate(
    store: &dyn LogStore,
    team: i64,
    service: &str,
    now_us: i64,
    ev: &mut Evidence,
) -> Result<(), StoreError> {
    let to = now_us - now_us.rem_euclid(MINUTE_US);
    let (hour_start, from) = (to - HOUR_US, to - (BASELINE_HOURS + 1) * HOUR_US);
    let (mut errors_before, mut total_before) = (0u64, 0u64);
    store.rollups(team, from, to, &mut |c| {
        if c.service_name != service {
            return;
        }
        let is_error = matches!(c.severity, Severity::Error | Severity::Fatal);
        if c.minute_us >= hour_start {
            ev.total_last_hour += c.count;
            ev.errors_last_hour += if is_error { c.count } else { 0 };
        } else {
            total_before += c.count;
            errors_before += if is_error { c.count } else { 0 };
        }
    })?;
    ev.errors_baseline = errors_before as f64 / BASELINE_HOURS as f64;
    ev.total_baseline = total_before as f64 / BASELINE_HOURS as f64;
    Ok(())
}

fn trace_of(
    store: &dyn LogStore,
    team: i64,
    r: &LogRecord,
    secrets: &[String],
) -> Result<Vec<TraceEntry>, StoreError> {
    let filter = RowFilter::default();
    let req = ScanRequest {
        team_id: team,
        from_us: r.timestamp_us - TRACE_WINDOW_US,
        to_us: r.timestamp_us + TRACE_WINDOW_US,
        filter: &filter,
    };
    let mut found: Vec<TraceEntry> = Vec::new();
    store.scan(&req, &mut |row| {
        if row.trace_id == r.trace_id && row.uuid != r.uuid {
            let body: String = row.body.chars().take(160).collect();
            found.push(TraceEntry {
                timestamp_us: row.timestamp_us,
                severity: row.severity,
                service: row.service_name.clone(),
                span_id: hex_id(&row.span_id),
                body: scrub(&body, secrets),
            });
        }
        true
    })?;
    found.sort_by_key(|e| (e.timestamp_us - r.timestamp_us).abs());
    found.truncate(MAX_TRACE);
    found.sort_by_key(|e| e.timestamp_us);
    Ok(found)
}
