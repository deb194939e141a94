//! `logs/sparkline` (specs/logs.md 2.5): volume per bucket, broken down by severity or
//! service, top 10 values kept and the rest folded into one "other" series.

use std::collections::{BTreeMap, HashMap};

use time::OffsetDateTime;

use super::intern::Interner;
use super::planner::for_each_count_in;
use crate::interval::{self, Interval};
use crate::{LogStore, LogsError, LogsQuery, SparklineBreakdownBy, SparklineRankBy};

/// Buckets the sparkline aims for.
pub const SPARKLINE_TARGET_BUCKETS: u32 = 50;
/// Breakdown values kept before folding the rest into [`OTHER_LABEL`].
pub const TOP_VALUES: usize = 10;
/// PostHog's breakdown label for the folded values; its UI knows it.
pub const OTHER_LABEL: &str = "$$_posthog_breakdown_other_$$";
/// An empty breakdown value, and a spine bucket without data.
pub const NO_VALUE_LABEL: &str = "(no value)";
/// PostHog's hard limit on returned points.
pub const MAX_POINTS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparklinePoint {
    /// Bucket start (µs).
    pub time_us: i64,
    /// A severity or service name, [`OTHER_LABEL`] or [`NO_VALUE_LABEL`].
    pub value: String,
    pub count: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sparkline {
    pub breakdown_by: SparklineBreakdownBy,
    pub interval: Interval,
    /// Ordered by time, then value; every spine bucket appears at least once.
    pub points: Vec<SparklinePoint>,
}

#[derive(Default)]
struct Totals {
    count: u64,
    bytes: u64,
}

/// Totals per breakdown value and per (bucket, value).
#[derive(Default)]
struct Tally {
    values: Interner,
    per_value: Vec<Totals>,
    cells: HashMap<(i64, usize), Totals>,
}

impl Tally {
    fn add(&mut self, bucket: i64, value: &str, count: u64, bytes: u64) {
        let id = self.values.id(value);
        if id == self.per_value.len() {
            self.per_value.push(Totals::default());
        }
        for t in [&mut self.per_value[id], self.cells.entry((bucket, id)).or_default()] {
            t.count += count;
            t.bytes += bytes;
        }
    }

    /// Ids of the values kept as their own series: by total desc, then value asc.
    fn top(&self, rank_by: SparklineRankBy) -> Vec<bool> {
        let metric = |id: usize| match rank_by {
            SparklineRankBy::Count => self.per_value[id].count,
            SparklineRankBy::Bytes => self.per_value[id].bytes,
        };
        let names = self.values.names();
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|a, b| metric(*b).cmp(&metric(*a)).then_with(|| names[*a].cmp(&names[*b])));
        let mut keep = vec![false; names.len()];
        for id in order.into_iter().take(TOP_VALUES) {
            keep[id] = true;
        }
        keep
    }
}

pub fn sparkline(
    store: &dyn LogStore,
    team_id: i64,
    q: &LogsQuery,
    now: OffsetDateTime,
) -> Result<Sparkline, LogsError> {
    let (from_us, to_us) = q.time_range_us(now)?;
    let interval = interval::pick(from_us, to_us, SPARKLINE_TARGET_BUCKETS);
    let by = q.sparkline_breakdown_by;
    let mut tally = Tally::default();
    for_each_count_in(store, team_id, from_us, to_us, interval, &q.row_filter(), &mut |row| {
        let value = match by {
            SparklineBreakdownBy::Severity => row.severity.as_str(),
            SparklineBreakdownBy::Service => row.service_name,
        };
        tally.add(interval::bucket_start(row.ts_us, interval), value, row.count, row.bytes);
    })?;
    let keep = tally.top(q.sparkline_rank_by);
    let names = tally.values.into_names();
    let mut folded: BTreeMap<(i64, String), Totals> = BTreeMap::new();
    for ((bucket, id), t) in tally.cells {
        let label = match names[id].as_str() {
            _ if !keep[id] => OTHER_LABEL,
            "" => NO_VALUE_LABEL,
            name => name,
        };
        let slot = folded.entry((bucket, label.to_owned())).or_default();
        slot.count += t.count;
        slot.bytes += t.bytes;
    }
    let points = join_spine(&folded, interval::spine(from_us, to_us, interval));
    Ok(Sparkline { breakdown_by: by, interval, points })
}

/// A left join of the data onto the spine: data outside it is dropped, empty buckets get one
/// zero point.
fn join_spine(data: &BTreeMap<(i64, String), Totals>, spine: Vec<i64>) -> Vec<SparklinePoint> {
    let mut points = Vec::new();
    for bucket in spine {
        let start = points.len();
        let upper = (bucket.saturating_add(1), String::new());
        for ((time_us, value), t) in data.range((bucket, String::new())..upper) {
            points.push(SparklinePoint {
                time_us: *time_us,
                value: value.clone(),
                count: t.count,
                bytes: t.bytes,
            });
        }
        if points.len() == start {
            points.push(SparklinePoint {
                time_us: bucket,
                value: NO_VALUE_LABEL.to_owned(),
                count: 0,
                bytes: 0,
            });
        }
        if points.len() >= MAX_POINTS {
            points.truncate(MAX_POINTS);
            break;
        }
    }
    points
}
