//! HTTP API tests: the real app over a real database, each test on SQLite and PostgreSQL.

mod common;

mod activity;
mod approvals;
mod approvals_e2e;

mod auth;
mod input;
mod keys;
mod login_security;
mod logs;
mod logs_agg;
mod logs_alerts;
mod logs_alerts_conflict;
mod logs_alerts_control;
mod logs_alerts_destinations;
mod logs_alerts_simulate;
mod logs_alerts_ssrf;
mod logs_attrs;
mod logs_custom_columns;
mod logs_explain;
mod logs_explain_openai;
mod logs_export;
mod logs_ingest_otlp;
mod logs_retention;
mod logs_views;
mod members;
mod metrics;
mod openapi;
mod openapi_contract;
mod organizations;
mod projects;
mod roles;
mod sampling_rules;
mod sampling_rules_e2e;
mod scopes;
