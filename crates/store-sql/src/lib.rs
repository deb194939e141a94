//! Diesel schema, embedded migrations and the repository implementations of the domain
//! traits, for SQLite (default, bundled) and PostgreSQL, through one `AnyConnection`.

mod activity;
mod alerts;
pub mod db;
mod error;
mod exports;
mod rows;
pub mod schema;
mod store;
pub mod testing;

pub use db::{AnyConnection, Backend, DbPool, connect, migrate, ping};
pub use error::StoreError;
pub use store::SqlStore;
