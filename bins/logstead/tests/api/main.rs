//! HTTP API tests: the real app over a real database, each test on SQLite and PostgreSQL.

mod common;

mod activity;

mod auth;
mod input;
mod keys;
mod logs;
mod logs_agg;
mod logs_attrs;
mod logs_export;
mod logs_retention;
mod members;
mod openapi;
mod organizations;
mod projects;
mod scopes;
