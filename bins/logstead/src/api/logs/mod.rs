//! Logs endpoints: ingestion (OTLP, capture), query, aggregates, attributes and export.

pub mod aggregates;
pub mod attributes;
pub mod dto;
pub mod explain;
pub mod explain_dto;
pub mod export;
pub mod ingest;
pub mod input;
pub mod query;
pub mod sampling_rules;
pub mod sampling_rules_dto;
pub mod views;
