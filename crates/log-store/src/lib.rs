//! The embedded log store (DESIGN.md, "Log path").
//!
//! Records travel: ingest -> **write-ahead log** (durable: acknowledged means it survives
//! kill -9) -> **in-memory head** (queryable at once) -> **immutable segments** (per team,
//! time-partitioned, with pruning metadata). On start the WAL is replayed into the head;
//! once the head is flushed to segments the WAL is truncated through that checkpoint.
//!
//! * [`codec`]: the compact, versioned binary encoding of one team's batch of
//!   [`LogRecord`](logs_query::LogRecord)s, used as the WAL payload;
//! * [`wal`]: the write-ahead log with group commit, rotation, crash recovery and
//!   checkpoint truncation;
//! * `segment`: immutable per-team, per-UTC-hour Arrow IPC files (zstd, sorted by
//!   (timestamp, uuid), batches of up to 8192 rows) with a checksummed metadata sidecar
//!   (time bounds, services, severities, attribute keys and value counts, per-batch body
//!   trigram blooms, per-minute rollup cells) that is loaded at open;
//! * [`embedded`]: [`EmbeddedStore`], the `logs_query::LogStore` implementation: WAL, head,
//!   sealing into segments, pruned and parallel reads, a decoded-batch cache, compaction,
//!   retention and damage handling;
//! * [`observe`]: [`StoreObserver`], the events a metrics layer hears about (WAL syncs,
//!   seals, compactions); gauges come from [`StoreStats`].

pub mod codec;
pub mod embedded;
mod fsutil;
pub mod observe;
mod segment;
pub mod wal;

pub use codec::{CodecError, decode_batch, encode_batch};
pub use embedded::{
    BudgetStats, CrashPoint, DEFAULT_QUERY_MEMORY_BYTES, EmbeddedStore, OpenReport, StoreOptions, StoreStats,
};
pub use observe::{Outcome, StoreObserver};
pub use wal::{
    CorruptionKind, CorruptionReport, FrameFault, Lsn, Replay, Wal, WalError, WalOptions, WalStats,
};
