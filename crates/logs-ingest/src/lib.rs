//! Log ingestion, OTLP/HTTP compatible (specs/logs.md 1.1–1.3). Pure: no HTTP server, no
//! database; the server crate wires these steps to `POST /v1/logs` and `/i/v1/logs`.
//!
//! The pipeline for one request:
//!
//! 1. **auth** — [`project_token`] takes the project token from `Authorization: Bearer` or
//!    `?token=` and checks its shape ([`TokenError`] → 401). Resolving it to a team happens in
//!    the caller, which has the database.
//! 2. **decode** — [`decode()`] / [`decode_encoded`] turn the body (optionally gzip, deflate
//!    or zstd) into an OTLP `ExportLogsServiceRequest`, whether it was protobuf, JSON or
//!    JSON lines
//!    ([`IngestError::Decode`] → 400, [`IngestError::TooLarge`] → 413,
//!    [`IngestError::UnsupportedEncoding`] → 415).
//! 3. **map** — [`to_records`] / [`map_request`] turn the request into [`LogRecord`]s:
//!    severity normalization, timestamp clamping (window: [`MapOptions`]; what was replaced:
//!    [`MapStats`]), decoded attributes, resource fingerprint, ids.
//! 4. **sample** — the caller applies the project's sampling rules to the records.
//! 5. **store** — the caller hands the records to the log store and answers with
//!    [`response`]'s `ExportLogsServiceResponse` (protobuf or JSON).

pub mod decode;
pub mod error;
pub mod ids;
pub mod map;
pub mod response;
pub mod severity;
pub mod token;
pub mod value;

pub use decode::{ContentEncoding, SUPPORTED_ENCODINGS, decode, decode_encoded};
pub use error::{IngestError, InvalidTokenReason, TokenError};
pub use logs_query::{LogRecord, Severity};
pub use map::{MapOptions, MapStats, into_records, map_request, to_records};
pub use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
pub use token::project_token;
pub use value::resource_fingerprint;

/// The OTLP message types, for callers and tests that build requests.
pub use opentelemetry_proto;
