//! The request body `{uuid, timestamp, force_refresh}` and its validation (400s).

use logs_query::timefmt::{is_date_only, parse_absolute, to_us};
use uuid::Uuid;

use crate::ExplainError;

/// The body as received (the server parses JSON into it).
#[derive(Debug, Clone, Default)]
pub struct ExplainInput {
    pub uuid: String,
    pub timestamp: String,
    pub force_refresh: bool,
}

/// A validated request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplainRequest {
    pub uuid: Uuid,
    /// The given timestamp, µs since the epoch (UTC).
    pub timestamp_us: i64,
    pub force_refresh: bool,
}

/// DRF's `DateTimeField` message.
const BAD_DATETIME: &str = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].";

impl ExplainRequest {
    pub fn parse(input: &ExplainInput) -> Result<Self, ExplainError> {
        let invalid = |attr, code, detail: &str| ExplainError::Invalid { attr, code, detail: detail.into() };
        if input.uuid.trim().is_empty() {
            return Err(invalid("uuid", "blank", "This field may not be blank."));
        }
        let uuid = Uuid::parse_str(input.uuid.trim())
            .map_err(|_| invalid("uuid", "invalid", "Must be a valid UUID."))?;
        let ts = input.timestamp.trim();
        if ts.is_empty() {
            return Err(invalid("timestamp", "blank", "This field may not be blank."));
        }
        // A date alone is not a datetime for DRF either.
        let t = parse_absolute(ts)
            .filter(|_| !is_date_only(ts))
            .ok_or_else(|| invalid("timestamp", "invalid", BAD_DATETIME))?;
        Ok(Self { uuid, timestamp_us: to_us(t), force_refresh: input.force_refresh })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn input(uuid: &str, ts: &str) -> ExplainInput {
        ExplainInput { uuid: uuid.into(), timestamp: ts.into(), force_refresh: false }
    }

    fn attr_of(r: Result<ExplainRequest, ExplainError>) -> &'static str {
        match r {
            Err(ExplainError::Invalid { attr, .. }) => attr,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn good_input_parses_to_utc_microseconds() {
        let u = "0193a9c2-1111-7000-8000-000000000001";
        let r = ExplainRequest::parse(&input(u, "2025-01-02T03:04:05.123456+01:00")).unwrap();
        assert_eq!(r.uuid.to_string(), u);
        assert_eq!(r.timestamp_us, 1_735_783_445_123_456);
        assert!(!r.force_refresh);
    }

    #[test]
    fn each_bad_field_is_named() {
        let u = "0193a9c2-1111-7000-8000-000000000001";
        assert_eq!(attr_of(ExplainRequest::parse(&input("", "2025-01-02T03:04:05Z"))), "uuid");
        assert_eq!(attr_of(ExplainRequest::parse(&input("nope", "2025-01-02T03:04:05Z"))), "uuid");
        assert_eq!(attr_of(ExplainRequest::parse(&input(u, ""))), "timestamp");
        assert_eq!(attr_of(ExplainRequest::parse(&input(u, "yesterday"))), "timestamp");
        assert_eq!(attr_of(ExplainRequest::parse(&input(u, "2025-01-02"))), "timestamp");
    }
}
