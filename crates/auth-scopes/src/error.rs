use thiserror::Error;

/// Why a credential was refused or does not reach what it asked for.
/// The detail strings are PostHog's, because clients match on them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AuthError {
    #[error("Authentication credentials were not provided.")]
    NotAuthenticated,
    #[error("Personal API key found in request {0} is invalid.")]
    InvalidPersonalKey(&'static str),
    #[error("Invalid or expired session token.")]
    InvalidSession,
    #[error(
        "Project API tokens (phc_...) are for ingestion only. Use a personal API key (phx_...) for this endpoint."
    )]
    ProjectTokenNotAccepted,
    #[error("API key missing required scope '{0}'")]
    MissingScope(String),
    #[error("API key does not have access to the requested project: ID {0}.")]
    ProjectNotInKey(i64),
    #[error("API key does not have access to the requested organization: ID {0}.")]
    OrganizationNotInKey(String),
    #[error("API keys with scoped projects are only supported on project-based endpoints.")]
    ScopedKeyOnOrgRoute,
    #[error("Invalid scope: {0}")]
    InvalidScope(String),
    #[error("Invalid password hash.")]
    BadHash,
    #[error("Session token could not be created: {0}")]
    TokenEncoding(String),
}

impl AuthError {
    /// 401 errors (the credential itself is missing or wrong) versus 403 (it is valid but
    /// does not reach the target).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(
            self,
            Self::NotAuthenticated
                | Self::InvalidPersonalKey(_)
                | Self::InvalidSession
                | Self::ProjectTokenNotAccepted
        )
    }
}
