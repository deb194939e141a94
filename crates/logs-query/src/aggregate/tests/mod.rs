//! Aggregate use cases over an in-memory store.

mod count;
mod planner;
mod services;
mod sparkline;

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::record::{LogRecord, Severity};
use crate::testutil::record;
use crate::timefmt::to_us;
use crate::{LogsQuery, parse_body};

pub const TEAM: i64 = 7;
pub const SECOND: i64 = 1_000_000;
pub const MINUTE: i64 = 60 * SECOND;

/// 2024-01-15T10:00:00Z, minute- and hour-aligned.
pub fn t0() -> i64 {
    to_us(datetime!(2024-01-15 10:00 UTC))
}

pub fn now() -> OffsetDateTime {
    datetime!(2024-01-16 00:00 UTC)
}

pub fn rec(ts_us: i64, service: &str, severity: Severity, body: &str, bytes: u32) -> LogRecord {
    let mut r = record();
    static NEXT: AtomicU64 = AtomicU64::new(1);
    r.uuid = Uuid::from_u128(u128::from(NEXT.fetch_add(1, Ordering::Relaxed)));
    r.team_id = TEAM;
    r.timestamp_us = ts_us;
    r.service_name = service.to_owned();
    r.severity = severity;
    r.body = body.to_owned();
    r.bytes = bytes;
    r
}

/// `{"query": q}` parsed, with an absolute range `[t0 + from, t0 + to)` (µs offsets).
pub fn query(from: i64, to: i64, mut q: Value) -> LogsQuery {
    let iso = |us: i64| crate::timefmt::format_iso_us(t0() + us);
    q["dateRange"] = json!({"date_from": iso(from), "date_to": iso(to)});
    parse_body(&json!({ "query": q }), false).unwrap()
}
