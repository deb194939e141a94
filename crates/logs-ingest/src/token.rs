//! Project-token extraction and shape validation (specs/logs.md 1.2, "Auth").
//!
//! Only the *shape* is checked here: a well-formed token that belongs to no team is accepted
//! and its records are dropped later, when the token is resolved to a team.

use crate::error::{InvalidTokenReason, TokenError};

/// Longest token that can be a project API key.
pub const MAX_TOKEN_LEN: usize = 64;

/// Prefix of personal API keys, which are never valid for ingestion.
pub const PERSONAL_KEY_PREFIX: &str = "phx_";

/// The project token of an ingestion request.
///
/// `authorization` is the raw `Authorization` header value; `query_token` the `?token=`
/// parameter. A present, non-blank header wins over the query parameter, even when its token
/// is empty (`"Bearer "` → [`TokenError::NoToken`]). The `Bearer` scheme is matched
/// case-insensitively and is optional (a bare `Authorization: phc_...` is accepted, as
/// several exporters are configured that way). Surrounding whitespace is trimmed, so a pasted
/// key with a trailing newline still works; the returned slice is the trimmed token.
pub fn project_token<'a>(
    authorization: Option<&'a str>,
    query_token: Option<&'a str>,
) -> Result<&'a str, TokenError> {
    let token = match authorization.map(str::trim).filter(|h| !h.is_empty()) {
        Some(header) => strip_bearer(header),
        None => query_token.unwrap_or(""),
    };
    validate(token.trim())
}

/// `"Bearer abc"` → `"abc"` (scheme case-insensitive); anything else unchanged.
fn strip_bearer(header: &str) -> &str {
    const SCHEME: &str = "bearer";
    match header.split_at_checked(SCHEME.len()) {
        // "Bearer" alone, or "Bearer <token>"; "Bearerx" is not the scheme.
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case(SCHEME)
                && (rest.is_empty() || rest.starts_with(char::is_whitespace)) =>
        {
            rest
        }
        _ => header,
    }
}

/// Shape validation of an already-trimmed token.
fn validate(token: &str) -> Result<&str, TokenError> {
    if token.is_empty() {
        return Err(TokenError::NoToken);
    }
    // Checked first: the dedicated message is the most useful one for this mistake.
    if token.starts_with(PERSONAL_KEY_PREFIX) {
        return Err(TokenError::PersonalKey);
    }
    if !token.is_ascii() {
        return Err(TokenError::Invalid(InvalidTokenReason::NotAscii));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Invalid(InvalidTokenReason::TooLong));
    }
    if token.bytes().any(|b| b.is_ascii_control()) {
        return Err(TokenError::Invalid(InvalidTokenReason::ControlCharacter));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_is_used() {
        assert_eq!(project_token(Some("Bearer phc_abc"), None), Ok("phc_abc"));
        assert_eq!(project_token(Some("bearer phc_abc"), None), Ok("phc_abc"));
        assert_eq!(project_token(Some("BEARER   phc_abc  "), None), Ok("phc_abc"));
    }

    #[test]
    fn header_wins_over_query() {
        assert_eq!(project_token(Some("Bearer phc_header"), Some("phc_query")), Ok("phc_header"));
    }

    #[test]
    fn query_is_the_fallback() {
        assert_eq!(project_token(None, Some("phc_query")), Ok("phc_query"));
        assert_eq!(project_token(Some(""), Some("phc_query")), Ok("phc_query"), "blank header = absent");
        assert_eq!(project_token(Some("   "), Some("phc_query")), Ok("phc_query"));
    }

    #[test]
    fn bare_header_value_is_a_token() {
        assert_eq!(project_token(Some("phc_bare"), None), Ok("phc_bare"));
        assert_eq!(project_token(Some("Bearerphc"), None), Ok("Bearerphc"), "not the scheme");
    }

    #[test]
    fn missing_or_empty_is_no_token() {
        assert_eq!(project_token(None, None), Err(TokenError::NoToken));
        assert_eq!(project_token(None, Some("")), Err(TokenError::NoToken));
        assert_eq!(project_token(None, Some("  \n")), Err(TokenError::NoToken));
        assert_eq!(project_token(Some("Bearer "), None), Err(TokenError::NoToken));
        assert_eq!(project_token(Some("Bearer"), None), Err(TokenError::NoToken));
        // The header is present, so the query parameter is not consulted.
        assert_eq!(project_token(Some("Bearer  "), Some("phc_query")), Err(TokenError::NoToken));
        assert_eq!(TokenError::NoToken.to_string(), "No token provided");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(project_token(None, Some("  phc_abc\n")), Ok("phc_abc"));
        assert_eq!(project_token(Some("Bearer phc_abc\r\n"), None), Ok("phc_abc"));
    }

    #[test]
    fn too_long_is_invalid() {
        let ok = "a".repeat(64);
        assert_eq!(project_token(None, Some(&ok)), Ok(ok.as_str()));
        let long = "a".repeat(65);
        let err = project_token(None, Some(&long));
        assert_eq!(err, Err(TokenError::Invalid(InvalidTokenReason::TooLong)));
        assert!(err.unwrap_err().to_string().contains("Use your project API key"));
    }

    #[test]
    fn control_characters_and_nul_are_invalid() {
        for t in ["phc_a\0b", "phc_a\tb", "phc_a\nb", "phc_\u{7f}x"] {
            assert_eq!(
                project_token(None, Some(t)),
                Err(TokenError::Invalid(InvalidTokenReason::ControlCharacter)),
                "{t:?}"
            );
        }
    }

    #[test]
    fn non_ascii_is_invalid() {
        assert_eq!(project_token(None, Some("🦀")), Err(TokenError::Invalid(InvalidTokenReason::NotAscii)));
        assert_eq!(
            project_token(Some("Bearer phc_é"), None),
            Err(TokenError::Invalid(InvalidTokenReason::NotAscii))
        );
    }

    #[test]
    fn personal_keys_are_refused_with_their_own_message() {
        let err = project_token(Some("Bearer phx_personal"), None);
        assert_eq!(err, Err(TokenError::PersonalKey));
        assert_eq!(
            err.unwrap_err().to_string(),
            "Personal API keys (phx_...) cannot be used for ingestion. Use your project API token (phc_...) instead."
        );
        let long_personal = format!("phx_{}", "a".repeat(70));
        assert_eq!(project_token(None, Some(&long_personal)), Err(TokenError::PersonalKey));
    }

    #[test]
    fn well_formed_unknown_tokens_pass() {
        // Shape only: whether a team owns the token is decided later.
        assert_eq!(project_token(None, Some("not-a-real-token")), Ok("not-a-real-token"));
    }
}
