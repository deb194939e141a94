//! Fixed vocabularies of the data set: services, routes, message patterns, names. They
//! live in the `bench-data` crate, shared with the log-store and ingest benches.

pub use bench_data::*;
