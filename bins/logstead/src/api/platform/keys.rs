use actix_web::{HttpResponse, delete, get, post, web};
use orgs::service::{self, KeyInput};

use crate::api::dto::PersonalApiKeyDto;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::state::AppState;

// The body is the domain's `KeyInput` (schema `KeyCreateBody`).
impl RequestBody for KeyInput {
    const READ_ONLY: &'static [&'static str] =
        &["id", "value", "mask_value", "created_at", "last_used_at", "last_rolled_at", "user_id"];
}

#[utoipa::path(tag = "personal api keys", responses((status = 200, body = Vec<PersonalApiKeyDto>), (status = 401, body = ErrorBody)),
    security(("bearer" = ["personal_api_key:read"])))]
#[get("/personal_api_keys")]
pub async fn list(st: web::Data<AppState>, auth: Authenticated) -> Result<HttpResponse, ApiError> {
    let repos = st.repos.clone();
    let keys = blocking(move || service::list_keys(&*repos, &auth.0)).await?;
    let body: Vec<_> = keys.into_iter().map(|k| PersonalApiKeyDto::new(k, None)).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// Creates a key; its `value` is in this response only.
#[utoipa::path(tag = "personal api keys", request_body = KeyInput,
    responses((status = 201, body = PersonalApiKeyDto), (status = 400, body = ErrorBody)),
    security(("bearer" = ["personal_api_key:write"])))]
#[post("/personal_api_keys")]
pub async fn create(
    st: web::Data<AppState>,
    auth: Authenticated,
    body: Body<KeyInput>,
) -> Result<HttpResponse, ApiError> {
    let (repos, now, input) = (st.repos.clone(), st.now(), body.0);
    let created = blocking(move || service::create_key(&*repos, &auth.0, input, now)).await?;
    Ok(HttpResponse::Created().json(PersonalApiKeyDto::new(created.key, Some(created.value))))
}

/// A key by id, or `@current` for the key making the request.
#[utoipa::path(tag = "personal api keys", params(("id" = String, Path)),
    responses((status = 200, body = PersonalApiKeyDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["personal_api_key:read"])))]
#[get("/personal_api_keys/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let repos = st.repos.clone();
    let key = blocking(move || service::get_key(&*repos, &auth.0, &id)).await?;
    Ok(HttpResponse::Ok().json(PersonalApiKeyDto::new(key, None)))
}

#[utoipa::path(tag = "personal api keys", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = ["personal_api_key:write"])))]
#[delete("/personal_api_keys/{id}")]
pub async fn destroy(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (repos, now) = (st.repos.clone(), st.now());
    blocking(move || service::delete_key(&*repos, &auth.0, &id, now)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the key's secret; the new `value` is in this response only.
#[utoipa::path(tag = "personal api keys", params(("id" = String, Path)),
    responses((status = 200, body = PersonalApiKeyDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["personal_api_key:write"])))]
#[post("/personal_api_keys/{id}/roll")]
pub async fn roll(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (repos, now) = (st.repos.clone(), st.now());
    let rolled = blocking(move || service::roll_key(&*repos, &auth.0, &id, now)).await?;
    Ok(HttpResponse::Ok().json(PersonalApiKeyDto::new(rolled.key, Some(rolled.value))))
}
