//! Activity logs: every change to the platform as an entry (who, what, before/after), the
//! filters of the list endpoints, the fields seen in details, and export encoders. Pure:
//! storage implements [`ActivityRepo`].

mod error;
pub mod model;
pub mod detail_filter;
pub mod filter;
pub mod hogql;
pub mod repo;

pub use error::ActivityError;
pub use filter::{ActivityFilter, Base, Cursor, Order};
pub use model::{ActivityEntry, ActivityRow, Change, Client, Detail, UserSummary};
pub use repo::{ActivityRepo, StaticValues};
