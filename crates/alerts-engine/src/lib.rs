//! Log alerts domain rules (spec `logs.md` §3): configuration validation, the
//! check-driven and control-plane state machine, and check scheduling.
//! Pure: no I/O (but `ssrf`'s name lookup for webhook URLs), and time is always passed in,
//! never read. `service` holds the use cases (what handlers call), over the storage
//! contract in `repo`.

pub mod check;
pub mod config;
pub mod control;
pub mod edit;
pub mod payload;
pub mod quiet_hours;
pub mod repo;
pub mod schedule;
pub mod service;
pub mod simulate;
pub mod slack;
pub mod ssrf;
pub mod state;
pub mod timeline;
