//! Logs: the stored record, the queries the API accepts (LogsQuery and friends) and the
//! rules that give them meaning. Pure: the log store answers these queries.

pub mod aggregate;
pub mod attributes;
pub mod columns;
pub mod cursor;
pub mod date_range;
pub mod error;
pub mod export;
pub mod filter;
pub mod ids;
pub mod interval;
pub mod query;
pub mod record;
pub mod row_filter;
pub mod serde_wording;
pub mod service;
pub mod store;
pub mod timefmt;

#[cfg(any(test, feature = "testsuite"))]
pub mod mem_store;
#[cfg(any(test, feature = "testsuite"))]
pub mod testsuite;
#[cfg(test)]
mod testutil;

pub use columns::CustomColumns;
pub use cursor::LogCursor;
pub use date_range::{DEFAULT_DATE_FROM, DateRange};
pub use error::QueryError;
pub use filter::{
    AttributeScope, CompiledFilter, CompiledGroup, Filter, FilterGroup, FilterNode, FilterType, GroupType,
    Operator,
};
pub use interval::Interval;
pub use query::{
    IdentityKeys, LogsQuery, OrderBy, SparklineBreakdownBy, SparklineRankBy, parse_alert_filters, parse_body,
};
pub use record::{LogRecord, Severity};
pub use row_filter::RowFilter;
pub use service::{ListPage, LogsError, list_page};
pub use store::{
    AttributeStatsRequest, CountCell, ListRequest, LogStore, ScanRequest, StatsMode, StoreError,
};
