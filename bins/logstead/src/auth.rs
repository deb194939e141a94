//! Authentication: turns the request's credential into an `Actor`. Authorization (scopes,
//! key limits, membership) happens in the domain services.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use auth_scopes::{AuthError, CredentialKind, KeyGrant, ScopeGrant, classify, decode_session, secure_value};
use orgs::service::Actor;
use orgs::{OrgsError, UserId};
use time::Duration;

use crate::error::{ApiError, blocking};
use crate::state::AppState;

/// `last_used_at` is written at most this often per key, to keep reads read-only.
const TOUCH_EVERY: Duration = Duration::hours(1);

/// The authenticated caller. Extracting it fails with 401 when there is no valid credential.
pub struct Authenticated(pub Actor);

/// The credential and where it was found (for PostHog's error wording).
fn credential(req: &HttpRequest) -> Option<(String, &'static str)> {
    if let Some(value) = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "));
        return token.map(|t| (t.trim().to_string(), "Authorization header"));
    }
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "personal_api_key")
        .map(|(_, v)| (v.into_owned(), "query string"))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let cred = credential(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("app state missing".into()))?;
            let (token, source) = cred.ok_or(AuthError::NotAuthenticated)?;
            let actor = match classify(&token) {
                CredentialKind::PersonalKey => personal_key(&state, token, source).await?,
                CredentialKind::Session => session(&state, &token).await?,
                CredentialKind::ProjectToken => return Err(AuthError::ProjectTokenNotAccepted.into()),
                CredentialKind::Unknown => return Err(AuthError::InvalidPersonalKey(source).into()),
            };
            Ok(Authenticated(actor))
        })
    }
}

async fn personal_key(state: &AppState, token: String, source: &'static str) -> Result<Actor, ApiError> {
    let repos = state.repos.clone();
    let now = state.now();
    blocking(move || -> Result<Actor, OrgsError> {
        let (key, user) =
            repos.key_by_secure_value(&secure_value(&token))?.ok_or(AuthError::InvalidPersonalKey(source))?;
        if key.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
            repos.touch_key(&key.id, now)?;
        }
        // A stored scope we no longer know grants nothing rather than failing the request.
        let scopes = key.scopes.iter().filter_map(|s| s.parse::<ScopeGrant>().ok()).collect();
        let grant = KeyGrant {
            key_id: key.id,
            scopes,
            scoped_teams: key.scoped_teams,
            scoped_organizations: key.scoped_organizations,
        };
        Ok(Actor::with_key(user, grant))
    })
    .await
}

async fn session(state: &AppState, token: &str) -> Result<Actor, ApiError> {
    let user_id = decode_session(&state.settings.jwt_secret, token, state.now().unix_timestamp())?;
    let repos = state.repos.clone();
    blocking(move || match repos.user(UserId(user_id))? {
        Some(user) if user.is_active => Ok(Actor::session(user)),
        _ => Err(OrgsError::Auth(AuthError::InvalidSession)),
    })
    .await
}
