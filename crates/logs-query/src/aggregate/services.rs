//! `logs/services` (specs/logs.md 2.6): volume and error rate per service, with a per-service
//! sparkline.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::intern::Interner;
use super::planner::for_each_count_in;
use super::sparkline::SPARKLINE_TARGET_BUCKETS;
use crate::interval::{self, Interval};
use crate::{LogStore, LogsError, LogsQuery, Severity};

/// PostHog's newest cap; `total_services` says how many there were before it.
pub const MAX_SERVICES: usize = 10_000;
pub const MAX_SPARKLINE_POINTS: usize = 10_000;
/// The summary covers this many of the largest services.
pub const SUMMARY_TOP: usize = 5;
pub const NO_SERVICE_LABEL: &str = "(no service)";

/// Counts by lower-cased severity, grouped the way PostHog's services view shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeverityBreakdown {
    /// trace + debug
    pub debug: u64,
    pub info: u64,
    pub warn: u64,
    /// error + fatal
    pub error: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServiceStats {
    /// `(no service)` for rows without one.
    pub service_name: String,
    pub log_count: u64,
    /// error + fatal
    pub error_count: u64,
    /// `error_count / log_count`, 4 decimals.
    pub error_rate: f64,
    /// Share of the returned services' rows, in percent, 2 decimals.
    pub volume_share_pct: f64,
    pub severity_breakdown: SeverityBreakdown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePoint {
    pub time_us: i64,
    pub service_name: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServicesSummary {
    pub top_services_count: usize,
    pub top_services_volume_share_pct: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServicesReport {
    /// Largest first (ties by name), at most [`MAX_SERVICES`].
    pub services: Vec<ServiceStats>,
    /// Counts per (bucket, service) of the returned services, by time then service.
    pub sparkline: Vec<ServicePoint>,
    pub interval: Interval,
    pub summary: ServicesSummary,
    /// Services matching the query, before the cap.
    pub total_services: usize,
}

#[derive(Default)]
struct PerService {
    log_count: u64,
    breakdown: SeverityBreakdown,
    per_bucket: BTreeMap<i64, u64>,
}

impl PerService {
    fn add(&mut self, severity: Severity, bucket: i64, count: u64) {
        self.log_count += count;
        let b = &mut self.breakdown;
        match severity {
            Severity::Trace | Severity::Debug => b.debug += count,
            Severity::Info => b.info += count,
            Severity::Warn => b.warn += count,
            Severity::Error | Severity::Fatal => b.error += count,
            Severity::Unknown => {}
        }
        *self.per_bucket.entry(bucket).or_default() += count;
    }
}

pub fn services(
    store: &dyn LogStore,
    team_id: i64,
    q: &LogsQuery,
    now: OffsetDateTime,
) -> Result<ServicesReport, LogsError> {
    let (from_us, to_us) = q.time_range_us(now)?;
    let interval = interval::pick(from_us, to_us, SPARKLINE_TARGET_BUCKETS);
    let (mut names, mut per) = (Interner::default(), Vec::<PerService>::new());
    for_each_count_in(store, team_id, from_us, to_us, interval, &q.row_filter(), &mut |row| {
        let id = names.id(row.service_name);
        if id == per.len() {
            per.push(PerService::default());
        }
        per[id].add(row.severity, interval::bucket_start(row.ts_us, interval), row.count);
    })?;
    let mut by_name: Vec<(String, PerService)> = names.into_names().into_iter().zip(per).collect();
    // Few distinct names: filtering after the pass lower-cases each name once.
    if let Some(search) = q.service_name_search_lower() {
        by_name.retain(|(name, _)| name.to_lowercase().contains(&search));
    }
    let total_services = by_name.len();
    let mut ranked: Vec<(String, PerService)> = by_name
        .into_iter()
        .map(|(name, s)| (if name.is_empty() { NO_SERVICE_LABEL.to_owned() } else { name }, s))
        .collect();
    ranked.sort_by(|a, b| b.1.log_count.cmp(&a.1.log_count).then_with(|| a.0.cmp(&b.0)));
    ranked.truncate(MAX_SERVICES);
    Ok(report(ranked, interval, total_services))
}

fn report(ranked: Vec<(String, PerService)>, interval: Interval, total_services: usize) -> ServicesReport {
    let total: u64 = ranked.iter().map(|(_, s)| s.log_count).sum();
    let share = |n: u64| if total == 0 { 0.0 } else { round(100.0 * n as f64 / total as f64, 2) };
    let top_services_count = ranked.len().min(SUMMARY_TOP);
    let summary = ServicesSummary {
        top_services_count,
        top_services_volume_share_pct: share(ranked.iter().take(SUMMARY_TOP).map(|(_, s)| s.log_count).sum()),
    };
    let mut sparkline: Vec<ServicePoint> = ranked
        .iter()
        .flat_map(|(name, s)| {
            s.per_bucket.iter().map(|(time_us, count)| ServicePoint {
                time_us: *time_us,
                service_name: name.clone(),
                count: *count,
            })
        })
        .collect();
    sparkline.sort_by(|a, b| a.time_us.cmp(&b.time_us).then_with(|| a.service_name.cmp(&b.service_name)));
    sparkline.truncate(MAX_SPARKLINE_POINTS);
    let services = ranked
        .into_iter()
        .map(|(service_name, s)| {
            let error_count = s.breakdown.error;
            let error_rate =
                if s.log_count == 0 { 0.0 } else { round(error_count as f64 / s.log_count as f64, 4) };
            ServiceStats {
                service_name,
                log_count: s.log_count,
                error_count,
                error_rate,
                volume_share_pct: share(s.log_count),
                severity_breakdown: s.breakdown,
            }
        })
        .collect();
    ServicesReport { services, sparkline, interval, summary, total_services }
}

/// Rounds half away from zero to `places` decimals (Python's `round` differs only on exact
/// binary halves, which these ratios practically never hit).
fn round(x: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (x * scale).round() / scale
}
