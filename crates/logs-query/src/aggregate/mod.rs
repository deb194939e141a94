//! The aggregate logs endpoints: count, count-ranges, sparkline and services
//! (specs/logs.md 2.3–2.6). Counts come from the store's per-minute rollups where they can,
//! from row scans where they must (see [`planner`]).

mod buckets;
mod count;
mod intern;
pub mod planner;
mod services;
mod sparkline;

#[cfg(test)]
mod tests;

pub use buckets::bucket_counts;
pub use count::{CountRange, CountRanges, count, count_ranges};
pub use planner::{CountRow, for_each_count, for_each_count_in, scan_counts};
pub use services::{
    MAX_SERVICES, NO_SERVICE_LABEL, ServicePoint, ServiceStats, ServicesReport, ServicesSummary,
    SeverityBreakdown, services,
};
pub use sparkline::{NO_VALUE_LABEL, OTHER_LABEL, Sparkline, SparklinePoint, sparkline};

use crate::timefmt::from_us;

/// `2025-12-16T10:00:00Z`: bucket bounds are whole seconds, and a `Z` string can be sent
/// straight back as a `dateRange` bound.
pub fn format_bucket_time(us: i64) -> String {
    let t = from_us(us);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}
