//! A saved view (`LogsView`, spec §5) and its column configuration.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

/// Activity-log scope of view entries (PostHog's model name).
pub const ACTIVITY_SCOPE: &str = "LogsView";

/// Column types a client may save. Built-in types render from row fields; `custom`
/// columns are computed from their `expression`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    Timestamp,
    Level,
    Source,
    TraceId,
    SpanId,
    Person,
    Session,
    Pattern,
    Message,
    Custom,
}

impl ColumnType {
    pub const ALL: [ColumnType; 10] = [
        Self::Timestamp,
        Self::Level,
        Self::Source,
        Self::TraceId,
        Self::SpanId,
        Self::Person,
        Self::Session,
        Self::Pattern,
        Self::Message,
        Self::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timestamp => "timestamp",
            Self::Level => "level",
            Self::Source => "source",
            Self::TraceId => "trace_id",
            Self::SpanId => "span_id",
            Self::Person => "person",
            Self::Session => "session",
            Self::Pattern => "pattern",
            Self::Message => "message",
            Self::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One column of the logs table. Optional keys are left out (not null) when absent, so
/// the stored JSON round-trips the client's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The client's stable identity for the column; never interpreted.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `custom` columns only (and required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Pixels, 1..=2000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
}

/// A stored view.
#[derive(Debug, Clone, PartialEq)]
pub struct LogsView {
    pub id: Uuid,
    /// 8 characters of `[A-Za-z0-9]`, unique in the team; the key of every lookup.
    pub short_id: String,
    pub team_id: i64,
    pub name: String,
    /// Viewer filters, stored as the client sent them.
    pub filters: Map<String, Value>,
    pub pinned: bool,
    /// Ordered columns; None = the client's default set.
    pub columns: Option<Vec<Column>>,
    pub created_at: OffsetDateTime,
    pub created_by: Option<i64>,
    pub updated_at: OffsetDateTime,
    /// Bumped by every write: an edit based on an older read conflicts.
    pub version: i64,
}

/// What the activity log records of a view: its user-visible fields.
pub fn snapshot(v: &LogsView) -> Value {
    json!({
        "short_id": v.short_id,
        "name": v.name,
        "filters": v.filters,
        "pinned": v.pinned,
        "columns": v.columns,
    })
}
