use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("could not connect to the database: {0}")]
    Connect(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("secrets at rest: {0}")]
    Secrets(String),
}

impl From<StoreError> for orgs::OrgsError {
    fn from(e: StoreError) -> Self {
        orgs::OrgsError::Storage(e.to_string())
    }
}
