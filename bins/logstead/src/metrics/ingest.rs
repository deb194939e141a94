//! Ingestion metrics, per project and counted once per request (never per record):
//! records and bytes stored, records dropped before the store and why, whole requests
//! refused and why, and timestamps replaced by the receive time.

use logs_ingest::{IngestError, MapStats};
use logs_query::{LogsError, StoreError};
use prometheus::{IntCounterVec, Registry};

use super::counter;
use crate::error::ApiError;

/// Why decoded records were not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordReason {
    /// The project's sampling rules dropped them.
    Sampled,
    /// The log store refused the batch (the request failed with 503).
    StoreError,
}

impl RecordReason {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordReason::Sampled => "sampled",
            RecordReason::StoreError => "store_error",
        }
    }
}

/// Why a whole request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestReason {
    /// No, malformed or unknown project token (401).
    Unauthorized,
    /// Not OTLP protobuf, JSON or JSON lines, or a corrupt compressed body (400).
    Decode,
    /// Over the body or decompressed-size cap (413).
    TooLarge,
    /// A `Content-Encoding` other than gzip, deflate or zstd (415).
    UnsupportedEncoding,
    /// The log store could not take the records (503).
    StoreError,
    /// Anything else (an API-only server refusing log routes, an internal failure).
    Other,
}

impl RequestReason {
    pub fn of(e: &ApiError) -> Self {
        match e {
            ApiError::IngestToken(_) | ApiError::UnknownProjectToken => RequestReason::Unauthorized,
            ApiError::Ingest(IngestError::Decode(_) | IngestError::BadInput(_)) => RequestReason::Decode,
            ApiError::Ingest(IngestError::TooLarge(_)) => RequestReason::TooLarge,
            ApiError::Ingest(IngestError::UnsupportedEncoding(_)) => RequestReason::UnsupportedEncoding,
            ApiError::Logs(LogsError::Store(StoreError::Write(_))) => RequestReason::StoreError,
            _ => RequestReason::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RequestReason::Unauthorized => "unauthorized",
            RequestReason::Decode => "decode",
            RequestReason::TooLarge => "too_large",
            RequestReason::UnsupportedEncoding => "unsupported_encoding",
            RequestReason::StoreError => "store_error",
            RequestReason::Other => "other",
        }
    }
}

/// The `project` label of a request whose token did not resolve to a project.
pub const NO_PROJECT: &str = "none";

pub struct IngestMetrics {
    records: IntCounterVec,
    bytes: IntCounterVec,
    received_bytes: IntCounterVec,
    rejected_records: IntCounterVec,
    rejected_bytes: IntCounterVec,
    rejected_requests: IntCounterVec,
    timestamps_replaced: IntCounterVec,
}

impl IngestMetrics {
    pub fn new(registry: &Registry) -> Self {
        let c = |name, help, labels: &[&str]| counter(registry, name, help, labels);
        Self {
            records: c("ingest_records_total", "Log records stored, per project.", &["project"]),
            bytes: c(
                "ingest_bytes_total",
                "Size of the log records stored (body, attributes and resource, as billed), per project.",
                &["project"],
            ),
            received_bytes: c(
                "ingest_received_bytes_total",
                "Request body bytes received, as sent (compressed or not), per project.",
                &["project"],
            ),
            rejected_records: c(
                "ingest_rejected_records_total",
                "Decoded log records not stored, per project and reason (sampled, store_error).",
                &["project", "reason"],
            ),
            rejected_bytes: c(
                "ingest_rejected_bytes_total",
                "Size of the decoded log records not stored, per project and reason.",
                &["project", "reason"],
            ),
            rejected_requests: c(
                "ingest_rejected_requests_total",
                "Ingestion requests refused, per project (\"none\" when the token matched none) and reason \
                 (unauthorized, decode, too_large, unsupported_encoding, store_error, other).",
                &["project", "reason"],
            ),
            timestamps_replaced: c(
                "ingest_timestamps_replaced_total",
                "Log records whose timestamp was outside the skew window and was replaced by the receive \
                 time, per project and direction (past, future).",
                &["project", "direction"],
            ),
        }
    }

    /// A request body was read in full.
    pub fn received(&self, project: i64, body_bytes: usize) {
        self.received_bytes.with_label_values(&[&project.to_string()]).inc_by(body_bytes as u64);
    }

    /// One request's records made durable.
    pub fn stored(&self, project: i64, records: usize, bytes: u64) {
        let p = project.to_string();
        self.records.with_label_values(&[&p]).inc_by(records as u64);
        self.bytes.with_label_values(&[&p]).inc_by(bytes);
    }

    /// The timestamps one request's mapping replaced (whether or not the records were kept).
    pub fn replaced(&self, project: i64, mapped: &MapStats) {
        if mapped.replaced() == 0 {
            return;
        }
        let p = project.to_string();
        for (direction, n) in [("past", mapped.replaced_past), ("future", mapped.replaced_future)] {
            if n > 0 {
                self.timestamps_replaced.with_label_values(&[p.as_str(), direction]).inc_by(n);
            }
        }
    }

    /// Decoded records of one request that were not stored.
    pub fn rejected_records(&self, project: i64, reason: RecordReason, records: usize, bytes: u64) {
        if records == 0 {
            return;
        }
        let labels = [project.to_string(), reason.as_str().to_owned()];
        self.rejected_records.with_label_values(&labels).inc_by(records as u64);
        self.rejected_bytes.with_label_values(&labels).inc_by(bytes);
    }

    /// A refused request; `project` is `None` when the token resolved to none.
    pub fn rejected_request(&self, project: Option<i64>, reason: RequestReason) {
        let p = project.map_or_else(|| NO_PROJECT.to_owned(), |p| p.to_string());
        self.rejected_requests.with_label_values(&[p.as_str(), reason.as_str()]).inc();
    }
}
