use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::AuthError;

/// Claims of a login session token. `sub` is the user id; times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    /// Distinguishes our session tokens from any other JWT signed with the same secret.
    pub kind: String,
}

const SESSION_KIND: &str = "logstead_session";

pub fn encode_session(secret: &[u8], user_id: i64, now: i64, ttl_secs: i64) -> Result<String, AuthError> {
    let claims = SessionClaims {
        sub: user_id.to_string(),
        iat: now,
        exp: now + ttl_secs,
        kind: SESSION_KIND.to_string(),
    };
    encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret))
        .map_err(|e| AuthError::TokenEncoding(e.to_string()))
}

/// Verifies signature and expiry against `now` (passed in, so tests control time).
pub fn decode_session(secret: &[u8], token: &str, now: i64) -> Result<i64, AuthError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.required_spec_claims.clear();
    let data = decode::<SessionClaims>(token, &DecodingKey::from_secret(secret), &validation)
        .map_err(|_| AuthError::InvalidSession)?;
    let c = data.claims;
    if c.kind != SESSION_KIND || c.exp <= now {
        return Err(AuthError::InvalidSession);
    }
    c.sub.parse().map_err(|_| AuthError::InvalidSession)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_expiry() {
        let t = encode_session(b"secret", 42, 1000, 60).unwrap_or_default();
        assert_eq!(decode_session(b"secret", &t, 1059), Ok(42));
        assert_eq!(decode_session(b"secret", &t, 1060), Err(AuthError::InvalidSession));
        assert_eq!(decode_session(b"other", &t, 1000), Err(AuthError::InvalidSession));
        assert_eq!(decode_session(b"secret", "a.b.c", 1000), Err(AuthError::InvalidSession));
    }
}
