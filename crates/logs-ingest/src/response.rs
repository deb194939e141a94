//! The answer to an export (OTLP/HTTP, "Response"): an `ExportLogsServiceResponse` whose
//! `partial_success` says how many records were dropped and why, or warns about records
//! that were changed; and the `google.rpc.Status` body of a failure. The caller picks the
//! encoding: protobuf when the request was protobuf, JSON otherwise.

use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsPartialSuccess, ExportLogsServiceResponse};
use prost::Message;

use crate::map::{MapOptions, MapStats, ORIGINAL_TIMESTAMP};

/// `Content-Type` of protobuf requests and of the responses to them.
pub const PROTOBUF_CONTENT_TYPE: &str = "application/x-protobuf";

/// Whether a request `Content-Type` is protobuf (`application/x-protobuf`, as OTLP says, or
/// `application/protobuf`), parameters ignored.
pub fn is_protobuf(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let essence = ct.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case(PROTOBUF_CONTENT_TYPE)
        || essence.eq_ignore_ascii_case("application/protobuf")
}

/// What happened to an accepted request's records, for its response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Records the project's sampling rules dropped (never stored).
    pub dropped_by_sampling: u64,
    /// Timestamps outside the window, replaced by the receive time.
    pub mapped: MapStats,
    /// The window they were outside of.
    pub options: MapOptions,
}

impl ExportSummary {
    /// `None` when every record was stored as sent (the response is then empty).
    /// Dropped records are "rejected" (a client must not retry them); replaced timestamps
    /// are a warning on an accepted request (`rejected_log_records` 0).
    pub fn partial_success(&self) -> Option<ExportLogsPartialSuccess> {
        let mut notes = Vec::new();
        if self.dropped_by_sampling > 0 {
            notes.push(format!(
                "{} log record(s) were dropped by the project's sampling rules.",
                self.dropped_by_sampling
            ));
        }
        let replaced = self.mapped.replaced();
        if replaced > 0 {
            notes.push(format!(
                "{replaced} log record(s) had a timestamp more than {} from the server's time and were stored \
                 at the time they were received, with the original in the attribute {ORIGINAL_TIMESTAMP}; \
                 a backfill can keep its times with the server setting max_timestamp_skew_secs.",
                window_text(self.options.max_timestamp_skew_us)
            ));
        }
        if notes.is_empty() {
            return None;
        }
        Some(ExportLogsPartialSuccess {
            rejected_log_records: i64::try_from(self.dropped_by_sampling).unwrap_or(i64::MAX),
            error_message: notes.join(" "),
        })
    }

    /// The protobuf response body.
    pub fn to_protobuf(&self) -> Vec<u8> {
        ExportLogsServiceResponse { partial_success: self.partial_success() }.encode_to_vec()
    }
}

/// `"24 h"`, `"90 s"`, `"7 d"`: the window as configured.
fn window_text(us: i64) -> String {
    let secs = us / 1_000_000;
    match secs {
        s if s >= 86_400 && s % 86_400 == 0 => format!("{} d", s / 86_400),
        s if s >= 3_600 && s % 3_600 == 0 => format!("{} h", s / 3_600),
        s => format!("{s} s"),
    }
}

/// `google.rpc.Status`, the body OTLP/HTTP gives every 4xx and 5xx of a protobuf request.
/// `details` is never sent, so it is not declared.
#[derive(Clone, PartialEq, Eq, Message)]
pub struct Status {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

impl Status {
    /// The status of an HTTP error: its gRPC code ([`grpc_code`]) and the message.
    pub fn for_http(http_status: u16, message: impl Into<String>) -> Self {
        Self { code: grpc_code(http_status), message: message.into() }
    }

    pub fn to_protobuf(&self) -> Vec<u8> {
        self.encode_to_vec()
    }
}

/// The gRPC code matching an HTTP status (the gRPC HTTP mapping, read backwards).
pub fn grpc_code(http_status: u16) -> i32 {
    match http_status {
        400 | 413 | 415 => 3, // INVALID_ARGUMENT
        401 => 16,            // UNAUTHENTICATED
        403 => 7,             // PERMISSION_DENIED
        404 => 5,             // NOT_FOUND
        429 => 8,             // RESOURCE_EXHAUSTED
        500 => 13,            // INTERNAL
        503 => 14,            // UNAVAILABLE
        _ => 2,               // UNKNOWN
    }
}

#[cfg(test)]
mod tests;
