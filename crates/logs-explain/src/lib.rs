//! `POST .../logs/explainLogWithAI/` (specs/logs.md §6) as pure rules: the request, the
//! log row it names, the context a model may see (secrets removed), the prompt that wraps
//! it as data, the answer schema with its validation, the built-in explainer that needs no
//! network, the cache and the per-user throttle. The server supplies a [`ChatModel`] for
//! remote providers and a `LogStore`; time is always passed in.

pub mod answer;
pub mod builtin;
pub mod cache;
pub mod context;
pub mod error;
pub mod find;
pub mod model;
pub mod pattern;
pub mod prompt;
pub mod redact;
pub mod request;
pub mod service;
#[cfg(test)]
mod testutil;
pub mod throttle;

pub use answer::{
    Action, AttributeType, Cause, Confidence, Explanation, KeyField, Priority, SeverityAssessment,
};
pub use error::{AnswerError, ExplainError};
pub use model::{ChatModel, ModelError};
pub use request::{ExplainInput, ExplainRequest};
pub use service::{Caller, ExplainService, Provider};
