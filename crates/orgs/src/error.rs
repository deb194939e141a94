use auth_scopes::AuthError;
use exports::ExportError;
use thiserror::Error;

/// Everything that can go wrong in the organizations domain, by meaning.
#[derive(Debug, Error)]
pub enum OrgsError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Activity(#[from] activity_log::ActivityError),
    /// An object that does not exist or that the caller may not know exists.
    #[error("Not found.")]
    NotFound,
    #[error("Project not found.")]
    ProjectNotFound,
    #[error("Organization not found.")]
    OrganizationNotFound,
    #[error("You don't have access to the project.")]
    NoProjectAccess,
    #[error("{0}")]
    Forbidden(String),
    /// A field failed validation; `attr` names it (None for non-field errors).
    #[error("{detail}")]
    Invalid { attr: Option<String>, code: &'static str, detail: String },
    #[error("Invalid email or password.")]
    BadCredentials,
    /// Too many failed logins for the account or from the address (DRF's wording).
    #[error("Request was throttled. Expected available in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    #[error("the slug is already taken")]
    SlugTaken,
    #[error("A user with this email already exists.")]
    EmailTaken,
    #[error("This user is already a member of the organization.")]
    AlreadyMember,
    /// The approvals gate stopped the write (a change request, a policy conflict, ...).
    #[error("the change needs approval")]
    Gated(Box<approvals::Gated>),
    /// The database failed; the detail is logged, never shown.
    #[error("storage failure: {0}")]
    Storage(String),
}

impl From<ExportError> for OrgsError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::NotFound => OrgsError::NotFound,
            ExportError::Storage(s) => OrgsError::Storage(s),
        }
    }
}

impl OrgsError {
    pub fn invalid(attr: &str, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr: Some(attr.to_string()), code, detail: detail.into() }
    }

    pub fn insufficient_level() -> Self {
        Self::Forbidden("Your organization access level is insufficient.".to_string())
    }
}
