//! Saved logs views (spec `logs.md` §5): the [`LogsView`] model, validation of create,
//! PUT and PATCH bodies, cryptographically random short ids, the storage contract
//! ([`LogsViewRepo`]) and the use cases (`service`). Pure: no I/O, time is passed in.

pub mod error;
pub mod input;
pub mod model;
pub mod repo;
pub mod service;
pub mod short_id;

pub use error::ViewsError;
pub use input::{Mode, ViewInput};
pub use model::{Column, ColumnType, LogsView};
pub use repo::{LogsViewRepo, Page};
