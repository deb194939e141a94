//! The embedded log store (DESIGN.md, "Log path").
//!
//! Records travel: ingest -> **write-ahead log** (durable: acknowledged means it survives
//! kill -9) -> **in-memory head** (queryable at once) -> **immutable segments** (per team,
//! time-partitioned, with pruning metadata). On start the WAL is replayed into the head;
//! once the head is flushed to segments the WAL is truncated through that checkpoint.
//!
//! This crate currently provides the durability layer:
//! * [`codec`]: the compact, versioned binary encoding of one team's batch of
//!   [`LogRecord`](logs_query::LogRecord)s, used as the WAL payload;
//! * [`wal`]: the write-ahead log with group commit, rotation, crash recovery and
//!   checkpoint truncation;
//! * [`embedded`]: [`EmbeddedStore`], the `logs_query::LogStore` implementation: WAL plus
//!   in-memory head. Head only: segments, retention, compaction and WAL truncation come
//!   later, so memory and the WAL grow with the data.

pub mod codec;
pub mod embedded;
mod fsutil;
mod segment;
pub mod wal;

pub use codec::{CodecError, decode_batch, encode_batch};
pub use embedded::{CrashPoint, EmbeddedStore, OpenReport, StoreOptions, StoreStats};
pub use wal::{
    CorruptionKind, CorruptionReport, FrameFault, Lsn, Replay, Wal, WalError, WalOptions, WalStats,
};
