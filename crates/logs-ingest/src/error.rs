//! Errors of the ingestion pipeline. The HTTP layer maps them to status codes:
//! `Decode`/`BadInput` → 400, `TooLarge` → 413, `UnsupportedEncoding` → 415, every
//! `TokenError` → 401.

use thiserror::Error;

/// `"No token provided"`: neither an `Authorization` header nor `?token=` carried one.
pub const NO_TOKEN_MESSAGE: &str = "No token provided";

/// A personal API key was used where a project token is required.
pub const PERSONAL_KEY_MESSAGE: &str =
    "Personal API keys (phx_...) cannot be used for ingestion. Use your project API token (phc_...) instead.";

/// Appended to every shape-validation failure.
pub const USE_PROJECT_KEY_HINT: &str =
    "Use your project API key (phc_...), which you can find in your project settings.";

/// What the API answers for a record that cannot be converted.
pub const BAD_INPUT_MESSAGE: &str = "Bad input format provided";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IngestError {
    /// The body is neither OTLP protobuf, OTLP JSON nor JSON lines, or its gzip is corrupt.
    /// The message is complete (`Failed to decode JSON: ... or Protobuf: ...`).
    #[error("{0}")]
    Decode(String),
    /// The (decompressed) body exceeds the cap; carries the cap in bytes.
    #[error("Request body too large: more than {0} bytes after decompression")]
    TooLarge(usize),
    /// A record that cannot be converted.
    #[error("{BAD_INPUT_MESSAGE}: {0}")]
    BadInput(String),
    /// A `Content-Encoding` other than gzip, deflate, zstd or identity; carries it.
    #[error("Unsupported Content-Encoding \"{0}\": send the body uncompressed, or as gzip, deflate or zstd")]
    UnsupportedEncoding(String),
}

/// Why a token cannot possibly be a project API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum InvalidTokenReason {
    #[error("longer than 64 characters")]
    TooLong,
    #[error("contains control characters")]
    ControlCharacter,
    #[error("contains non-ASCII characters")]
    NotAscii,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenError {
    #[error("{NO_TOKEN_MESSAGE}")]
    NoToken,
    #[error("Invalid project API key ({0}). {USE_PROJECT_KEY_HINT}")]
    Invalid(InvalidTokenReason),
    #[error("{PERSONAL_KEY_MESSAGE}")]
    PersonalKey,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_documented_ones() {
        assert_eq!(TokenError::NoToken.to_string(), "No token provided");
        assert_eq!(
            TokenError::PersonalKey.to_string(),
            "Personal API keys (phx_...) cannot be used for ingestion. Use your project API token (phc_...) instead."
        );
        let invalid = TokenError::Invalid(InvalidTokenReason::TooLong).to_string();
        assert!(invalid.starts_with("Invalid project API key (longer than 64 characters)."), "{invalid}");
        assert!(invalid.contains("Use your project API key"), "{invalid}");
        assert_eq!(IngestError::Decode("Failed to decode".into()).to_string(), "Failed to decode");
        assert_eq!(
            IngestError::TooLarge(10).to_string(),
            "Request body too large: more than 10 bytes after decompression"
        );
        assert_eq!(IngestError::BadInput("x".into()).to_string(), "Bad input format provided: x");
        assert_eq!(
            IngestError::UnsupportedEncoding("br".into()).to_string(),
            "Unsupported Content-Encoding \"br\": send the body uncompressed, or as gzip, deflate or zstd"
        );
    }
}
