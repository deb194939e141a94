//! `expires_after` as Django's DurationField reads and writes it (§4.2).

use time::Duration;

/// `"D HH:MM:SS[.ffffff]"`; under one day no day part (`"01:00:00"`).
pub fn format(d: Duration) -> String {
    let _ = d;
    todo!("helper: duration::format")
}

/// `"D HH:MM:SS[.ffffff]"`, `"HH:MM:SS"`, seconds (`"3600"`), ISO-8601 (`"P14D"`,
/// `"PT1H"`), Postgres style (`"3 days 04:05:06"`); None for anything else.
pub fn parse(s: &str) -> Option<Duration> {
    let _ = s;
    todo!("helper: duration::parse")
}
