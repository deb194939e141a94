//! Activity logs: every change to the platform as an entry (who, what, before/after), the
//! filters of the list endpoints, the fields seen in details, and export encoders. Pure:
//! storage implements [`ActivityRepo`].

pub mod audit;
pub mod datetime;
pub mod detail_filter;
pub mod diff;
pub mod encode;
mod error;
pub mod fields;
pub mod filter;
pub mod hogql;
mod json_text;
pub mod model;
pub mod query;
pub mod repo;
#[cfg(test)]
mod test_support;

pub use detail_filter::{DetailFilter, DetailOp, detail_filters_from_value, parse_detail_filters};
pub use diff::mask_secrets;
pub use encode::{CsvWriter, JsonWriter, export_filename};
pub use error::ActivityError;
pub use fields::{FieldInfo, detail_fields_json, discover};
pub use filter::{ActivityFilter, Base, Cursor, Order};
pub use hogql::{CmpOp, Expr};
pub use model::{ActivityEntry, ActivityRow, Change, Client, Detail, UserSummary};
pub use query::{ActivityQuery, Paging, parse_query, query_from_json};
pub use repo::{ActivityRepo, StaticValues};
