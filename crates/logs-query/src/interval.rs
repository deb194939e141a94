//! The adaptive interval picker and bucketing for volume charts (specs/logs.md 2.1, 2.4, 2.5).

/// The intervals PostHog picks from, in seconds. All divide a day, so epoch-aligned buckets
/// equal ClickHouse's `toStartOfInterval` (which aligns hours to midnight) in UTC.
pub const CHOICES_SECONDS: [i64; 15] =
    [1, 5, 10, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400];

const US_PER_SECOND: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    seconds: i64,
}

impl Interval {
    /// Only the picker's choices, so bucketing stays aligned the way ClickHouse's is.
    pub fn from_seconds(seconds: i64) -> Option<Self> {
        CHOICES_SECONDS.contains(&seconds).then_some(Self { seconds })
    }

    pub fn seconds(self) -> i64 {
        self.seconds
    }

    pub fn micros(self) -> i64 {
        self.seconds * US_PER_SECOND
    }

    /// `30s`, `5m`, `2h`, `1d`: seconds below a minute, else minutes normalised.
    pub fn short_form(self) -> String {
        if self.seconds < 60 {
            return format!("{}s", self.seconds);
        }
        let minutes = self.seconds / 60;
        if minutes % 1440 == 0 {
            format!("{}d", minutes / 1440)
        } else if minutes % 60 == 0 {
            format!("{}h", minutes / 60)
        } else {
            format!("{minutes}m")
        }
    }
}

/// The choice closest to `(to − from) / target` (ties go to the smaller); times in µs.
/// A target of 0 counts as 1.
pub fn pick(from_us: i64, to_us: i64, target: u32) -> Interval {
    let span_s = to_us.saturating_sub(from_us).max(0) as f64 / US_PER_SECOND as f64;
    let step = span_s / f64::from(target.max(1));
    let mut best = CHOICES_SECONDS[0];
    for candidate in CHOICES_SECONDS {
        if (candidate as f64 - step).abs() < (best as f64 - step).abs() {
            best = candidate;
        }
    }
    Interval { seconds: best }
}

/// `toStartOfInterval(ts, interval)` in UTC, for µs timestamps (floors before 1970 too).
pub fn bucket_start(ts_us: i64, interval: Interval) -> i64 {
    ts_us - ts_us.rem_euclid(interval.micros())
}

/// Zero-fill spine: bucket starts from `start(from)` through `start(to − 1 s)`, at least one.
pub fn spine(from_us: i64, to_us: i64, interval: Interval) -> Vec<i64> {
    let first = bucket_start(from_us, interval);
    let last = bucket_start(to_us.saturating_sub(US_PER_SECOND), interval).max(first);
    let step = interval.micros();
    let mut out = Vec::with_capacity(usize::try_from((last - first) / step + 1).unwrap_or(1));
    let mut at = first;
    while at <= last {
        out.push(at);
        at += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR_US: i64 = 3_600 * US_PER_SECOND;

    fn iv(seconds: i64) -> Interval {
        Interval::from_seconds(seconds).unwrap()
    }

    #[test]
    fn picks_the_closest_choice() {
        assert_eq!(pick(0, HOUR_US, 50).seconds(), 60, "72 s is closest to 60");
        assert_eq!(pick(0, 24 * HOUR_US, 50).seconds(), 1800, "1728 s");
        assert_eq!(pick(0, 24 * HOUR_US, 10).seconds(), 7200, "8640 s");
        assert_eq!(pick(0, 7 * 24 * HOUR_US, 50).seconds(), 14400, "12096 s");
        assert_eq!(pick(0, 365 * 24 * HOUR_US, 10).seconds(), 86400);
        assert_eq!(pick(0, 10 * US_PER_SECOND, 50).seconds(), 1);
        assert_eq!(pick(0, 0, 50).seconds(), 1, "empty window");
        assert_eq!(pick(HOUR_US, 0, 50).seconds(), 1, "inverted window");
    }

    #[test]
    fn ties_go_to_the_smaller_choice() {
        assert_eq!(pick(0, 90 * US_PER_SECOND, 1).seconds(), 60, "90 is between 60 and 120");
        assert_eq!(pick(0, 3 * US_PER_SECOND, 1).seconds(), 1, "3 is between 1 and 5");
        assert_eq!(pick(0, 91 * US_PER_SECOND, 1).seconds(), 120);
    }

    #[test]
    fn target_zero_counts_as_one() {
        assert_eq!(pick(0, HOUR_US, 0), pick(0, HOUR_US, 1));
        assert_eq!(pick(0, HOUR_US, 1).seconds(), 3600);
    }

    #[test]
    fn short_forms() {
        let forms: Vec<String> = CHOICES_SECONDS.iter().map(|s| iv(*s).short_form()).collect();
        assert_eq!(
            forms,
            ["1s", "5s", "10s", "1m", "2m", "5m", "10m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d"]
        );
        assert_eq!(Interval::from_seconds(7), None);
    }

    #[test]
    fn buckets_floor_to_the_interval() {
        let t = 1_714_000_123_456_789; // 2024-04-24T23:08:43.456789Z
        assert_eq!(bucket_start(t, iv(1)), 1_714_000_123_000_000);
        assert_eq!(bucket_start(t, iv(300)), 1_713_999_900_000_000);
        assert_eq!(bucket_start(t, iv(14400)), 1_713_988_800_000_000, "20:00");
        assert_eq!(bucket_start(t, iv(86400)), 1_713_916_800_000_000, "midnight");
        assert_eq!(bucket_start(-1, iv(60)), -60 * US_PER_SECOND, "before the epoch");
        assert_eq!(bucket_start(0, iv(60)), 0);
    }

    #[test]
    fn spine_covers_from_through_to_minus_one_second() {
        let m = iv(60).micros();
        assert_eq!(spine(0, 3 * m, iv(60)), vec![0, m, 2 * m], "to is exclusive");
        assert_eq!(spine(30 * US_PER_SECOND, 3 * m + 2 * US_PER_SECOND, iv(60)), vec![0, m, 2 * m, 3 * m]);
        assert_eq!(spine(3 * m + US_PER_SECOND / 2, 3 * m + US_PER_SECOND, iv(60)), vec![3 * m]);
        assert_eq!(spine(5 * m, 5 * m, iv(60)), vec![5 * m], "never empty");
        assert_eq!(spine(0, HOUR_US, pick(0, HOUR_US, 50)).len(), 60);
    }
}
