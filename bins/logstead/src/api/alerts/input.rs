//! What the log alerts endpoints accept, for the OpenAPI document. Documentation only: bodies
//! are parsed into `alerts_engine::edit::AlertInput`, which names the field that fails (a
//! typed body here would not). The enums are the domain's own (its `openapi` feature).

use alerts_engine::config::ThresholdOperator;
use utoipa::ToSchema;

use logs_query::record::Severity;

use crate::api::logs::input::LogsFilterGroup;

/// The writable fields of an alert (spec §3.1). Create and PUT: absent fields take their
/// defaults; PATCH: absent fields are kept. Unknown fields are a 400; read-only ones are ignored.
#[derive(Debug, ToSchema)]
pub struct AlertBody {
    /// At most 255 characters; blank or null means `Untitled alert`.
    #[schema(max_length = 255)]
    pub name: Option<String>,
    /// Default true. Disabling resets the state to `not_firing`.
    pub enabled: Option<bool>,
    /// Default `{}`. At least one of the three keys must be non-empty unless the alert is a
    /// draft (`enabled: false` and no filters).
    pub filters: Option<AlertFilters>,
    /// Default 100. With `above`, 0 fires on any log.
    #[schema(minimum = 0)]
    pub threshold_count: Option<i64>,
    /// Default `above`: breached when the count is strictly above (below) the threshold.
    pub threshold_operator: Option<ThresholdOperator>,
    /// One of 5, 10, 15, 30, 60 (default 5).
    pub window_minutes: Option<i64>,
    /// M: checks looked at, 1..10 (default 1).
    #[schema(minimum = 1, maximum = 10)]
    pub evaluation_periods: Option<i64>,
    /// N: breaching checks of the last M that fire, 1..10 and at most M (default 1).
    #[schema(minimum = 1, maximum = 10)]
    pub datapoints_to_alarm: Option<i64>,
    /// Default 0: fire and resolve notifications held for this long after the last one.
    #[schema(minimum = 0)]
    pub cooldown_minutes: Option<i64>,
    /// A future ISO 8601 time (UTC when it has no offset); null unsnoozes.
    #[schema(format = DateTime)]
    pub snooze_until: Option<String>,
    /// Quiet hours; `[]` or null clears them.
    pub schedule_restriction: Option<ScheduleRestriction>,
}

/// Which logs an alert counts; the same filters as `logs/query/`.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "camelCase")]
pub struct AlertFilters {
    pub severity_levels: Option<Vec<Severity>>,
    pub service_names: Option<Vec<String>>,
    pub filter_group: Option<LogsFilterGroup>,
}

/// Windows in the project's timezone when no notification is sent: at most 5, each at
/// least 30 minutes; overlapping windows are merged.
#[derive(Debug, ToSchema)]
pub struct ScheduleRestriction {
    pub blocked_windows: Vec<BlockedWindow>,
}

/// `HH:MM` to `HH:MM`; may wrap midnight.
#[derive(Debug, ToSchema)]
pub struct BlockedWindow {
    pub start: String,
    pub end: String,
}
