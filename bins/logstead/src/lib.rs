//! The Logstead server: typed config, app state, routes with thin handlers, the one
//! error-to-HTTP mapping, and the OpenAPI document.

pub mod alerts;
pub mod api;
pub mod api_only;
pub mod app;
pub mod approval_jobs;
pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod explain;
pub mod extract;
pub mod files;
pub mod gates;
pub mod lease;
pub mod metrics;
pub mod openapi;
pub mod pagination;
pub mod retention;
pub mod sampling;
pub mod state;
pub mod worker;
