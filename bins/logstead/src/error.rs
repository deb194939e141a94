//! The one place errors become HTTP: PostHog's body `{type, code, detail, attr}`.

use activity_log::ActivityError;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use alerts_engine::config::ConfigError as AlertConfigError;
use alerts_engine::repo::AlertRepoError;
use alerts_engine::service::ServiceError as AlertServiceError;
use auth_scopes::AuthError;
use logs_explain::ExplainError;
use logs_ingest::{IngestError, TokenError};
use logs_query::{LogsError, StoreError};
use logs_views::ViewsError;
use orgs::OrgsError;
use sampling::SamplingError;
use serde::Serialize;

mod approval;

pub use approval::{
    ApprovalRequiredBody, ConflictingPolicy, ErrorMessageBody, PolicyConflictBody, RequiredApprovers,
};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Orgs(OrgsError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The body could not be parsed at all.
    #[error("{0}")]
    Parse(String),
    /// A field of the request is wrong.
    #[error("{detail}")]
    Invalid { attr: Option<String>, code: &'static str, detail: String },
    #[error("Unsupported media type \"{0}\" in request.")]
    UnsupportedMediaType(String),
    #[error("Request body is larger than {0} bytes.")]
    PayloadTooLarge(usize),
    #[error("Not found.")]
    RouteNotFound,
    #[error("Method \"{0}\" not allowed.")]
    MethodNotAllowed(String),
    /// Unexpected failure; the detail is logged, the client sees a generic message.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Logs(#[from] LogsError),
    /// Ingestion (OTLP): bodies also carry `error`, as OTLP senders and PostHog's capture
    /// expect.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    IngestToken(#[from] TokenError),
    #[error(
        "Project API token is invalid: no project uses it. Use the project API token (phc_...) of your project."
    )]
    UnknownProjectToken,
    #[error(transparent)]
    Alerts(#[from] AlertRepoError),
    #[error(transparent)]
    AlertConfig(#[from] AlertConfigError),
    #[error(transparent)]
    AlertService(AlertServiceError),
    #[error(transparent)]
    Views(#[from] ViewsError),
    #[error(transparent)]
    Explain(#[from] ExplainError),
    #[error(transparent)]
    Sampling(SamplingError),
    #[error(transparent)]
    Approval(#[from] approvals::ApprovalError),
    /// A gated write was not made (409 approval required, 400 policy conflict, ...).
    #[error("{}", approval::gated_message(.0))]
    Gated(Box<approvals::Gated>),
}

impl From<approvals::Gated> for ApiError {
    fn from(g: approvals::Gated) -> Self {
        ApiError::Gated(Box::new(g))
    }
}

// A gated write stopped inside a resource's use case answers the gate's own body.
impl From<OrgsError> for ApiError {
    fn from(e: OrgsError) -> Self {
        match e {
            OrgsError::Gated(g) => ApiError::Gated(g),
            e => ApiError::Orgs(e),
        }
    }
}

impl From<AlertServiceError> for ApiError {
    fn from(e: AlertServiceError) -> Self {
        match e {
            AlertServiceError::Gated(g) => ApiError::Gated(g),
            e => ApiError::AlertService(e),
        }
    }
}

impl From<SamplingError> for ApiError {
    fn from(e: SamplingError) -> Self {
        match e {
            SamplingError::Gated(g) => ApiError::Gated(g),
            e => ApiError::Sampling(e),
        }
    }
}

/// Status, `type`, `code`, `detail`, `attr`.
type Parts = (StatusCode, &'static str, &'static str, String, Option<String>);

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: &'static str,
    pub detail: String,
    pub attr: Option<String>,
    /// Ingestion endpoints and invalid `customColumns` only: the same message under the
    /// key OTLP capture and PostHog's logs query use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ApiError {
    pub fn invalid(attr: &str, code: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid { attr: Some(attr.to_string()), code, detail: detail.into() }
    }

    fn parts(&self) -> Parts {
        let msg = self.to_string();
        match self {
            ApiError::Orgs(e) => orgs_parts(e),
            ApiError::Auth(e) => auth_parts(e),
            ApiError::Parse(_) => (StatusCode::BAD_REQUEST, "invalid_request", "parse_error", msg, None),
            ApiError::Invalid { attr, code, detail } => {
                (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), attr.clone())
            }
            ApiError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", "unsupported_media_type", msg, None)
            }
            ApiError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "payload_too_large", msg, None)
            }
            ApiError::RouteNotFound => (StatusCode::NOT_FOUND, "invalid_request", "not_found", msg, None),
            ApiError::MethodNotAllowed(_) => {
                (StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "method_not_allowed", msg, None)
            }
            ApiError::Internal(_) => server_error(),
            ApiError::Logs(LogsError::Query(q)) => query_parts(q),
            ApiError::Logs(LogsError::Store(e)) => store_parts(e),
            ApiError::Ingest(IngestError::Decode(_) | IngestError::BadInput(_)) => {
                (StatusCode::BAD_REQUEST, "invalid_request", "parse_error", msg, None)
            }
            ApiError::Ingest(IngestError::TooLarge(_)) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "invalid_request", "payload_too_large", msg, None)
            }
            ApiError::Ingest(IngestError::UnsupportedEncoding(_)) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "invalid_request", "unsupported_media_type", msg, None)
            }
            ApiError::IngestToken(TokenError::NoToken) => {
                (StatusCode::UNAUTHORIZED, "authentication_error", "not_authenticated", msg, None)
            }
            ApiError::IngestToken(_) | ApiError::UnknownProjectToken => {
                (StatusCode::UNAUTHORIZED, "authentication_error", "authentication_failed", msg, None)
            }
            ApiError::Alerts(e) => alert_parts(e),
            ApiError::AlertConfig(e) => alert_config_parts(e),
            ApiError::AlertService(e) => alert_service_parts(e),
            ApiError::Views(e) => views_parts(e),
            ApiError::Explain(e) => explain_parts(e),
            ApiError::Sampling(e) => sampling_parts(e),
            ApiError::Approval(e) => approval::approval_parts(e),
            ApiError::Gated(g) => approval::gated_parts(g),
        }
    }

    /// The bodies that are not PostHog's `{type, code, detail, attr}`: explainLogWithAI's,
    /// the approval actions' `{"error": ...}` and the gate's 409 / 400.
    fn plain_body(&self) -> Option<PlainBody> {
        match self {
            ApiError::Explain(e) => explain_plain_body(e).map(PlainBody::Explain),
            ApiError::Approval(e) => approval::approval_body(e),
            ApiError::Gated(g) => approval::gated_body(g),
            _ => None,
        }
    }

    fn is_ingest(&self) -> bool {
        matches!(self, ApiError::Ingest(_) | ApiError::IngestToken(_) | ApiError::UnknownProjectToken)
    }

    /// An invalid `customColumns`: PostHog answers `{"error": "Invalid custom column ..."}`.
    fn is_custom_column(&self) -> bool {
        matches!(self, ApiError::Logs(LogsError::Query(q)) if q.attr.as_deref() == Some("customColumns"))
    }
}

fn server_error() -> Parts {
    (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "error", "A server error occurred.".into(), None)
}

fn forbidden(detail: String) -> Parts {
    (StatusCode::FORBIDDEN, "authentication_error", "permission_denied", detail, None)
}

fn auth_parts(e: &AuthError) -> Parts {
    let msg = e.to_string();
    match e {
        AuthError::NotAuthenticated => {
            (StatusCode::UNAUTHORIZED, "authentication_error", "not_authenticated", msg, None)
        }
        AuthError::InvalidPersonalKey(_) | AuthError::InvalidSession | AuthError::ProjectTokenNotAccepted => {
            (StatusCode::UNAUTHORIZED, "authentication_error", "authentication_failed", msg, None)
        }
        AuthError::MissingScope(_)
        | AuthError::ProjectNotInKey(_)
        | AuthError::OrganizationNotInKey(_)
        | AuthError::ScopedKeyOnOrgRoute => forbidden(msg),
        AuthError::InvalidScope(_) => {
            (StatusCode::BAD_REQUEST, "validation_error", "invalid_input", msg, Some("scopes".into()))
        }
        AuthError::BadHash | AuthError::TokenEncoding(_) => server_error(),
    }
}

fn orgs_parts(e: &OrgsError) -> Parts {
    let msg = e.to_string();
    let not_found = |m| (StatusCode::NOT_FOUND, "invalid_request", "not_found", m, None);
    match e {
        OrgsError::Auth(a) => auth_parts(a),
        OrgsError::Activity(a) => activity_parts(a),
        OrgsError::NotFound | OrgsError::ProjectNotFound | OrgsError::OrganizationNotFound => not_found(msg),
        OrgsError::NoProjectAccess | OrgsError::Forbidden(_) => forbidden(msg),
        OrgsError::Invalid { attr, code, detail } => {
            (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), attr.clone())
        }
        OrgsError::BadCredentials => {
            (StatusCode::BAD_REQUEST, "validation_error", "invalid_credentials", msg, None)
        }
        OrgsError::Throttled { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "throttled_error", "throttled", msg, None)
        }
        OrgsError::EmailTaken | OrgsError::AlreadyMember => {
            (StatusCode::BAD_REQUEST, "validation_error", "unique", msg, Some("email".into()))
        }
        OrgsError::SlugTaken | OrgsError::Storage(_) | OrgsError::Gated(_) => server_error(),
    }
}

fn alert_parts(e: &AlertRepoError) -> Parts {
    let msg = e.to_string();
    match e {
        AlertRepoError::NotFound => (StatusCode::NOT_FOUND, "invalid_request", "not_found", msg, None),
        AlertRepoError::LimitReached(_) | AlertRepoError::NotOwned => {
            (StatusCode::BAD_REQUEST, "validation_error", "invalid_input", msg, None)
        }
        AlertRepoError::Conflict => (StatusCode::CONFLICT, "invalid_request", "conflict", msg, None),
        AlertRepoError::Storage(_) => server_error(),
    }
}

fn alert_config_parts(e: &AlertConfigError) -> Parts {
    let attr = e.attr.map(str::to_string);
    (StatusCode::BAD_REQUEST, "validation_error", "invalid_input", e.detail.clone(), attr)
}

fn alert_service_parts(e: &AlertServiceError) -> Parts {
    match e {
        AlertServiceError::Repo(r) => alert_parts(r),
        AlertServiceError::Config(c) => alert_config_parts(c),
        AlertServiceError::Filters(q) => query_parts(q),
        AlertServiceError::Invalid { attr, code, detail } => {
            (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), Some(attr.to_string()))
        }
        AlertServiceError::Counts(s) => store_parts(s),
        // Converted to `ApiError::Gated` before it gets here.
        AlertServiceError::Directory(_) | AlertServiceError::Gated(_) => server_error(),
    }
}

fn sampling_parts(e: &SamplingError) -> Parts {
    let msg = e.to_string();
    match e {
        SamplingError::Invalid { attr, code, detail } => {
            (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), attr.map(str::to_string))
        }
        SamplingError::NotFound => (StatusCode::NOT_FOUND, "invalid_request", "not_found", msg, None),
        SamplingError::Conflict => (StatusCode::CONFLICT, "invalid_request", "conflict", msg, None),
        SamplingError::Logs(s) => store_parts(s),
        SamplingError::Storage(_) | SamplingError::Gated(_) => server_error(),
    }
}

/// explainLogWithAI's 404 and model failures: the spec's `{"error": ..., "detail": ...}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExplainErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn explain_parts(e: &ExplainError) -> Parts {
    let msg = e.to_string();
    match e {
        ExplainError::NotApproved => forbidden(msg),
        ExplainError::Throttled { .. } => {
            (StatusCode::TOO_MANY_REQUESTS, "throttled_error", "throttled", msg, None)
        }
        ExplainError::Invalid { attr, code, detail } => {
            (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), Some(attr.to_string()))
        }
        ExplainError::NotFound => (StatusCode::NOT_FOUND, "invalid_request", "not_found", msg, None),
        ExplainError::Model(_) => (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "error", msg, None),
        ExplainError::BadAnswer(_) => (StatusCode::BAD_GATEWAY, "server_error", "bad_gateway", msg, None),
        ExplainError::Store(s) => store_parts(s),
    }
}

/// A body that is not PostHog's error shape, serialized as the inner type.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum PlainBody {
    Explain(ExplainErrorBody),
    Message(ErrorMessageBody),
    ApprovalRequired(ApprovalRequiredBody),
    PolicyConflict(PolicyConflictBody),
}

/// The spec's plain bodies (404 and the model's failures), else `None` for PostHog's.
fn explain_plain_body(e: &ExplainError) -> Option<ExplainErrorBody> {
    let detail = match e {
        ExplainError::NotFound => None,
        ExplainError::Model(m) => Some(m.to_string()),
        ExplainError::BadAnswer(a) => Some(a.to_string()),
        _ => return None,
    };
    Some(ExplainErrorBody { error: e.to_string(), detail })
}

fn views_parts(e: &ViewsError) -> Parts {
    let msg = e.to_string();
    match e {
        ViewsError::NotFound => (StatusCode::NOT_FOUND, "invalid_request", "not_found", msg, None),
        ViewsError::Invalid { attr, code, detail } => {
            (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), Some(attr.clone()))
        }
        ViewsError::Conflict => (StatusCode::CONFLICT, "invalid_request", "conflict", msg, None),
        // The service retries taken short ids; one that escapes is a server fault.
        ViewsError::ShortIdTaken(_) | ViewsError::Storage(_) | ViewsError::Directory(_) => server_error(),
    }
}

fn query_parts(q: &logs_query::QueryError) -> Parts {
    (StatusCode::BAD_REQUEST, "validation_error", "invalid_input", q.detail.clone(), q.attr.clone())
}

fn store_parts(e: &StoreError) -> Parts {
    match e {
        StoreError::Write(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "unavailable",
            "The log store could not take the request; try again.".into(),
            None,
        ),
        StoreError::Read(_) => server_error(),
        // An API-only server: retrying here cannot help, the detail says where to go.
        StoreError::Unavailable(detail) => {
            (StatusCode::SERVICE_UNAVAILABLE, "server_error", "log_store_unavailable", detail.clone(), None)
        }
    }
}

fn activity_parts(e: &ActivityError) -> Parts {
    match e {
        ActivityError::InvalidFilter { attr, code, detail } => {
            (StatusCode::BAD_REQUEST, "validation_error", code, detail.clone(), attr.clone())
        }
        ActivityError::InvalidPage => {
            (StatusCode::NOT_FOUND, "invalid_request", "not_found", e.to_string(), None)
        }
        ActivityError::Storage(_) => server_error(),
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Logs(e.into())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.parts().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, kind, code, detail, attr) = self.parts();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut resp = HttpResponse::build(status);
        if status == StatusCode::UNAUTHORIZED {
            resp.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let ApiError::Explain(ExplainError::Throttled { retry_after_secs })
        | ApiError::Orgs(OrgsError::Throttled { retry_after_secs }) = self
        {
            resp.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
        }
        if let Some(body) = self.plain_body() {
            return resp.json(body);
        }
        let error = (self.is_ingest() || self.is_custom_column()).then(|| detail.clone());
        resp.json(ErrorBody { kind, code, detail, attr, error })
    }
}

/// Runs blocking (diesel, argon2) work off the async executor.
pub async fn blocking<T, E, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
    ApiError: From<E>,
{
    actix_web::web::block(f)
        .await
        .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))?
        .map_err(ApiError::from)
}
