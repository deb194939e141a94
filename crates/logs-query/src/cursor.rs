//! Keyset pagination cursor (specs/logs.md 2.2): base64 of
//! `{"timestamp": "<ISO>", "uuid": "<uuid>"}`, the last row of the previous page.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::QueryError;
use crate::record::LogRecord;
use crate::timefmt::{format_iso_us, parse_absolute, to_us};

/// `latest` (default, and what any unknown value means) or `earliest`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LogsOrderBy))]
#[serde(rename_all = "lowercase")]
pub enum OrderBy {
    #[default]
    Latest,
    Earliest,
}

impl<'de> Deserialize<'de> for OrderBy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(if v.as_str() == Some("earliest") { Self::Earliest } else { Self::Latest })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LogCursor {
    pub timestamp_us: i64,
    pub uuid: Uuid,
}

#[derive(Deserialize)]
struct CursorJson {
    timestamp: String,
    uuid: String,
}

impl LogCursor {
    pub fn new(timestamp_us: i64, uuid: Uuid) -> Self {
        Self { timestamp_us, uuid }
    }

    /// The cursor that continues after `r`.
    pub fn after_record(r: &LogRecord) -> Self {
        Self::new(r.timestamp_us, r.uuid)
    }

    /// Spaced like Python's `json.dumps`, so cursors look the same as PostHog's.
    pub fn encode(&self) -> String {
        let json =
            format!(r#"{{"timestamp": "{}", "uuid": "{}"}}"#, format_iso_us(self.timestamp_us), self.uuid);
        STANDARD.encode(json)
    }

    /// Accepts any base64 alphabet/padding and any ISO 8601 timestamp (naive = UTC).
    pub fn decode(s: &str) -> Result<Self, QueryError> {
        let invalid = || QueryError::for_attr("after", "Invalid cursor");
        let s = s.trim();
        let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(s).ok())
            .ok_or_else(invalid)?;
        let json: CursorJson = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        let timestamp = parse_absolute(&json.timestamp).ok_or_else(invalid)?;
        let uuid = Uuid::parse_str(&json.uuid).map_err(|_| invalid())?;
        Ok(Self::new(to_us(timestamp), uuid))
    }

    /// Latest-first paging: the row comes after the cursor iff `(ts, uuid) < cursor`.
    pub fn is_before_latest(&self, timestamp_us: i64, uuid: Uuid) -> bool {
        (timestamp_us, uuid) < (self.timestamp_us, self.uuid)
    }

    /// Earliest-first paging: the row comes after the cursor iff `(ts, uuid) > cursor`.
    pub fn is_after_earliest(&self, timestamp_us: i64, uuid: Uuid) -> bool {
        (timestamp_us, uuid) > (self.timestamp_us, self.uuid)
    }

    /// Whether a row belongs on the page after this cursor in `order`.
    pub fn admits(&self, order: OrderBy, timestamp_us: i64, uuid: Uuid) -> bool {
        match order {
            OrderBy::Latest => self.is_before_latest(timestamp_us, uuid),
            OrderBy::Earliest => self.is_after_earliest(timestamp_us, uuid),
        }
    }
}

/// In JSON a cursor is its encoded string (`after`, `nextCursor`).
impl Serialize for LogCursor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for LogCursor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::decode(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: Uuid = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001);

    #[test]
    fn encodes_posthog_shaped_json() {
        let c = LogCursor::new(1_765_880_596_449_937, UUID);
        let json = String::from_utf8(STANDARD.decode(c.encode()).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"timestamp": "2025-12-16T10:23:16.449937+00:00", "uuid": "01930000-0000-7000-8000-000000000001"}"#
        );
        assert_eq!(LogCursor::decode(&c.encode()), Ok(c));
    }

    #[test]
    fn decodes_posthog_cursors_without_microseconds_and_url_safe_base64() {
        let json =
            r#"{"timestamp":"2025-12-16T10:23:16+00:00","uuid":"01930000-0000-7000-8000-000000000001"}"#;
        let c = LogCursor::decode(&URL_SAFE_NO_PAD.encode(json)).unwrap();
        assert_eq!(c, LogCursor::new(1_765_880_596_000_000, UUID));
        let naive = r#"{"timestamp":"2025-12-16T10:23:16.5","uuid":"01930000-0000-7000-8000-000000000001"}"#;
        assert_eq!(LogCursor::decode(&STANDARD.encode(naive)).unwrap().timestamp_us, 1_765_880_596_500_000);
    }

    #[test]
    fn rejects_malformed_cursors() {
        for bad in [
            "not base64!".to_owned(),
            STANDARD.encode("not json"),
            STANDARD.encode(r#"{"timestamp":"yesterday","uuid":"01930000-0000-7000-8000-000000000001"}"#),
            STANDARD.encode(r#"{"timestamp":"2025-12-16T10:23:16Z","uuid":"nope"}"#),
            STANDARD.encode(r#"{"uuid":"01930000-0000-7000-8000-000000000001"}"#),
        ] {
            let err = LogCursor::decode(&bad).unwrap_err();
            assert_eq!(
                (err.attr.as_deref(), err.detail.as_str()),
                (Some("after"), "Invalid cursor"),
                "{bad}"
            );
        }
    }

    #[test]
    fn ordering_helpers_compare_timestamp_then_uuid() {
        let c = LogCursor::new(1_000, UUID);
        let smaller = Uuid::from_u128(UUID.as_u128() - 1);
        let larger = Uuid::from_u128(UUID.as_u128() + 1);
        assert!(c.is_before_latest(999, larger));
        assert!(c.is_before_latest(1_000, smaller));
        assert!(!c.is_before_latest(1_000, UUID), "the cursor row itself is excluded");
        assert!(!c.is_before_latest(1_001, smaller));
        assert!(c.is_after_earliest(1_001, smaller));
        assert!(c.is_after_earliest(1_000, larger));
        assert!(!c.is_after_earliest(1_000, UUID));
        assert!(!c.is_after_earliest(999, larger));
        assert!(c.admits(OrderBy::Latest, 999, UUID) && !c.admits(OrderBy::Earliest, 999, UUID));
    }

    #[test]
    fn serde_is_the_encoded_string() {
        let c = LogCursor::new(42, UUID);
        let v = serde_json::to_value(c).unwrap();
        assert_eq!(v, serde_json::Value::String(c.encode()));
        assert_eq!(serde_json::from_value::<LogCursor>(v).unwrap(), c);
        assert!(serde_json::from_value::<LogCursor>(serde_json::json!("zzz")).is_err());
    }
}
