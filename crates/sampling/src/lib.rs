//! Log sampling rules (spec `logs.md` §4, a.k.a. drop / exclusion rules): the stored rule,
//! write validation, the per-record evaluator ingestion runs (§4.4), a per-team rule cache
//! refreshed by version, simulate (the same evaluator replayed over stored logs), and the
//! use cases in `service`. Pure: no I/O, and time is always passed in.

pub mod cache;
pub mod config;
pub mod error;
pub mod eval;
pub mod filter;
pub mod model;
pub mod repo;
pub mod service;
pub mod simulate;
pub mod validate;

pub use cache::RuleCache;
pub use error::SamplingError;
pub use eval::{Decision, Limiter, RuleSet};
pub use model::{RuleType, SamplingRule};
pub use repo::{RuleCounts, SamplingRuleRepo, Stamp};

#[cfg(test)]
mod testutil;
