//! Diesel schema, embedded migrations and the repository implementations of the domain
//! traits, for SQLite (default, bundled) and PostgreSQL, through one `AnyConnection`.

mod activity;
mod alerts;
mod approvals;
pub mod db;
mod error;
mod exports;
pub mod lease;
mod roles;
mod rows;
mod sampling;
pub mod schema;
/// Secret columns sealed at rest (XChaCha20-Poly1305).
pub mod secrets;
mod store;
/// Test databases (a temporary SQLite file, a fresh PostgreSQL database); tests only.
#[cfg(feature = "testing")]
pub mod testing;
mod views;

pub use alerts::SealReport;
pub use db::{AnyConnection, Backend, DbPool, connect, migrate, ping};
pub use error::StoreError;
pub use store::SqlStore;
