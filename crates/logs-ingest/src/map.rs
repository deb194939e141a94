//! OTLP `ExportLogsServiceRequest` → [`LogRecord`]s (specs/logs.md 1.1 and 1.3).

use std::sync::Arc;

use logs_query::LogRecord;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::logs::v1::LogRecord as OtlpLogRecord;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::ids::V7Ids;
use crate::severity;
use crate::value::{into_attributes, into_text, resource_fingerprint};

/// Resource attribute that names the service; always present in stored records.
pub const SERVICE_NAME: &str = "service.name";
/// Attribute holding the client's timestamp when it was replaced by "now".
pub const ORIGINAL_TIMESTAMP: &str = "$originalTimestamp";
/// How far (either direction) a record's timestamp may be from "now" before it is replaced,
/// by default ([`MapOptions`]).
pub const MAX_TIMESTAMP_SKEW_US: i64 = 24 * 60 * 60 * 1_000_000;
/// Scope and event names only count towards [`LogRecord::bytes`] when longer than this.
pub const NAME_BYTES_THRESHOLD: usize = 50;

/// How records are mapped: the server's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapOptions {
    /// A timestamp further than this (µs, either direction) from "now" is replaced by now.
    /// Widened for a backfill after an outage, so old records keep their real times.
    pub max_timestamp_skew_us: i64,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self { max_timestamp_skew_us: MAX_TIMESTAMP_SKEW_US }
    }
}

/// What mapping one request did besides producing the records: timestamps outside the
/// window, replaced by "now" (and kept in [`ORIGINAL_TIMESTAMP`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MapStats {
    /// Timestamps that were too far in the past.
    pub replaced_past: u64,
    /// Timestamps that were too far in the future.
    pub replaced_future: u64,
}

impl MapStats {
    pub fn replaced(&self) -> u64 {
        self.replaced_past + self.replaced_future
    }
}

/// One [`LogRecord`] per OTLP log record, in request order.
///
/// `now_us` (microseconds since the epoch) is the capture time: it becomes every record's
/// `observed_timestamp_us`, replaces absent/zero timestamps and those more than 24 h away.
/// Copies the request; the server uses [`map_request`].
pub fn to_records(req: &ExportLogsServiceRequest, team_id: i64, now_us: i64) -> Vec<LogRecord> {
    into_records(req.clone(), team_id, now_us)
}

/// [`to_records`], taking the request: bodies, attribute keys and string values move into
/// the records instead of being copied (most of the strings of a request).
pub fn into_records(req: ExportLogsServiceRequest, team_id: i64, now_us: i64) -> Vec<LogRecord> {
    map_request(req, team_id, now_us, &MapOptions::default()).0
}

/// [`into_records`] with the server's options, and what was replaced.
pub fn map_request(
    req: ExportLogsServiceRequest,
    team_id: i64,
    now_us: i64,
    opts: &MapOptions,
) -> (Vec<LogRecord>, MapStats) {
    let total = req.resource_logs.iter().flat_map(|r| &r.scope_logs).map(|s| s.log_records.len()).sum();
    let mut out = Vec::with_capacity(total);
    let mut stats = MapStats::default();
    let mut ids = V7Ids::reserve(total);
    for resource_logs in req.resource_logs {
        // Once per resource, not per record: the records share these.
        let resource = resource_logs.resource.map(|r| r.attributes).unwrap_or_default();
        let mut resource_attributes = into_attributes(resource);
        if let Err(at) = resource_attributes.binary_search_by(|(k, _)| k.as_str().cmp(SERVICE_NAME)) {
            resource_attributes.insert(at, (SERVICE_NAME.to_owned(), String::new()));
        }
        let service_name = find(&resource_attributes, SERVICE_NAME).to_owned();
        let resource_fingerprint = resource_fingerprint(&resource_attributes);
        let resource_bytes: usize = resource_attributes.iter().map(|(k, v)| k.len() + v.len()).sum();
        let resource_attributes = Arc::new(resource_attributes);

        for scope_logs in resource_logs.scope_logs {
            let scope = scope_name(scope_logs.scope.as_ref());
            let shared = Shared {
                team_id,
                now_us,
                skew_us: opts.max_timestamp_skew_us,
                service_name: &service_name,
                resource_attributes: &resource_attributes,
                resource_fingerprint,
                resource_bytes,
                scope: &scope,
            };
            for record in scope_logs.log_records {
                let uuid = ids.next().unwrap_or_else(Uuid::now_v7);
                out.push(map_record(record, &shared, uuid, &mut stats));
            }
        }
    }
    (out, stats)
}

fn find<'a>(sorted: &'a [(String, String)], key: &str) -> &'a str {
    sorted.binary_search_by(|(k, _)| k.as_str().cmp(key)).map_or("", |i| sorted[i].1.as_str())
}

/// What every record of one resource/scope shares.
struct Shared<'a> {
    team_id: i64,
    now_us: i64,
    skew_us: i64,
    service_name: &'a str,
    resource_attributes: &'a Arc<Vec<(String, String)>>,
    resource_fingerprint: u64,
    resource_bytes: usize,
    scope: &'a str,
}

fn map_record(record: OtlpLogRecord, shared: &Shared<'_>, uuid: Uuid, stats: &mut MapStats) -> LogRecord {
    let body = into_text(record.body);
    let (severity, severity_number) = severity::resolve(&record.severity_text, record.severity_number, &body);

    let mut attributes = into_attributes(record.attributes);
    let (timestamp_us, original) =
        resolve_timestamp_within(record.time_unix_nano, shared.now_us, shared.skew_us);
    if let Some(original) = original {
        if i128::from(record.time_unix_nano) > i128::from(shared.now_us) * 1000 {
            stats.replaced_future += 1;
        } else {
            stats.replaced_past += 1;
        }
        match attributes.binary_search_by(|(k, _)| k.as_str().cmp(ORIGINAL_TIMESTAMP)) {
            Ok(at) => attributes[at].1 = original,
            Err(at) => attributes.insert(at, (ORIGINAL_TIMESTAMP.to_owned(), original)),
        }
    }

    let mut bytes = body.len() + shared.resource_bytes;
    bytes += attributes.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    if shared.scope.len() > NAME_BYTES_THRESHOLD {
        bytes += shared.scope.len();
    }
    if record.event_name.len() > NAME_BYTES_THRESHOLD {
        bytes += record.event_name.len();
    }

    LogRecord {
        uuid,
        team_id: shared.team_id,
        timestamp_us,
        observed_timestamp_us: shared.now_us,
        body,
        severity,
        severity_number,
        service_name: shared.service_name.to_owned(),
        resource_attributes: Arc::clone(shared.resource_attributes),
        resource_fingerprint: shared.resource_fingerprint,
        attributes,
        trace_id: fixed_id(&record.trace_id),
        span_id: fixed_id(&record.span_id),
        // Bit-for-bit: OTLP flags are a u32 bit field, the column is Int32.
        trace_flags: i32::from_ne_bytes(record.flags.to_ne_bytes()),
        instrumentation_scope: shared.scope.to_owned(),
        event_name: record.event_name,
        bytes: u32::try_from(bytes).unwrap_or(u32::MAX),
    }
}

/// `"name@version"`; `"name"` when the version is empty; `""` when the scope is absent or
/// has no name (a version alone identifies nothing).
pub fn scope_name(scope: Option<&InstrumentationScope>) -> String {
    match scope {
        Some(s) if !s.name.is_empty() && !s.version.is_empty() => format!("{}@{}", s.name, s.version),
        Some(s) => s.name.clone(),
        None => String::new(),
    }
}

/// `(timestamp_us, original)`: 0 → now; more than 24 h before or after now → now, with the
/// original as RFC 3339 (nanosecond precision when it has any). Exactly 24 h away is kept.
pub fn resolve_timestamp(time_unix_nano: u64, now_us: i64) -> (i64, Option<String>) {
    resolve_timestamp_within(time_unix_nano, now_us, MAX_TIMESTAMP_SKEW_US)
}

/// [`resolve_timestamp`] with a window of `skew_us` either side of now instead of 24 h.
pub fn resolve_timestamp_within(time_unix_nano: u64, now_us: i64, skew_us: i64) -> (i64, Option<String>) {
    if time_unix_nano == 0 {
        return (now_us, None);
    }
    let ts_ns = i128::from(time_unix_nano);
    let now_ns = i128::from(now_us) * 1000;
    let skew_ns = i128::from(skew_us.max(0)) * 1000;
    if ts_ns < now_ns - skew_ns || ts_ns > now_ns + skew_ns {
        return (now_us, Some(rfc3339(ts_ns)));
    }
    // A u64 of nanoseconds is at most ~1.8e16 µs, well inside i64; the fallback is unreachable.
    (i64::try_from(ts_ns / 1000).unwrap_or(now_us), None)
}

fn rfc3339(unix_nanos: i128) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(unix_nanos)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| unix_nanos.to_string())
}

/// Exactly `N` bytes are kept; anything else becomes all zeros.
fn fixed_id<const N: usize>(bytes: &[u8]) -> [u8; N] {
    <[u8; N]>::try_from(bytes).unwrap_or([0; N])
}

#[cfg(test)]
mod tests;
