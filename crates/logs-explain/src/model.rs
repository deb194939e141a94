//! The remote model the server plugs in (an OpenAI-compatible chat-completions client).

use serde_json::Value;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ModelError {
    /// No answer: connection, timeout, or an HTTP error status.
    #[error("{0}")]
    Unavailable(String),
    /// An answer that is not a chat completion (no message content).
    #[error("{0}")]
    Malformed(String),
}

pub trait ChatModel: Send + Sync {
    /// Sends one system and one user message, asking for JSON matching `schema`; returns
    /// the assistant message's text.
    fn complete(&self, system: &str, user: &str, schema: &Value) -> Result<String, ModelError>;
}
