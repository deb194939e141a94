//! Logs: the stored record, the queries the API accepts (LogsQuery and friends) and the
//! rules that give them meaning. Pure: the log store answers these queries.

pub mod record;

pub use record::{LogRecord, Severity};
