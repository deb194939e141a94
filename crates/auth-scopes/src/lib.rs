//! Scopes, credential formats, hashing and session tokens.
//!
//! Pure: no web framework and no database. The server asks this crate whether a credential
//! looks right and whether what it grants covers what an endpoint requires.

mod error;
mod grant;
mod keys;
mod password;
mod scope;
mod session;

pub use error::AuthError;
pub use grant::{Access, KeyGrant};
pub use keys::{
    CredentialKind, classify, generate_key_id, generate_personal_key, generate_project_token, mask_value,
    secure_value,
};
pub use password::{hash_password, verify_password};
pub use scope::{Action, Scope, ScopeGrant, ScopeObject, parse_scopes};
pub use session::{SessionClaims, decode_session, encode_session};
