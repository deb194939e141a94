//! OTLP/HTTP log ingestion, authenticated by the project token (`phc_...`).

use actix_web::http::header::AUTHORIZATION;
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use logs_ingest::{IngestError, decode, project_token, to_records};
use serde_json::json;

use crate::error::{ApiError, ErrorBody, blocking};
use crate::state::AppState;

/// The body, read up to the ingest cap (413 beyond it).
async fn read_capped(mut payload: web::Payload, cap: usize) -> Result<web::BytesMut, ApiError> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::Ingest(IngestError::Decode(format!("could not read the body: {e}"))))?;
        if bytes.len() + chunk.len() > cap {
            return Err(IngestError::TooLarge(cap).into());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

async fn ingest(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let header = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let query_token = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    let token = project_token(header, query_token.as_deref())?.to_string();
    let repos = st.repos.clone();
    let project =
        blocking(move || repos.project_by_token(&token)).await?.ok_or(ApiError::UnknownProjectToken)?;
    let cap = st.settings.max_ingest_bytes;
    let body = read_capped(payload, cap).await?;
    let (logs, now_us) = (st.logs.clone(), (st.now().unix_timestamp_nanos() / 1000) as i64);
    blocking(move || -> Result<(), ApiError> {
        let request = decode(&body, cap)?;
        Ok(logs.append(project.id.0, to_records(&request, project.id.0, now_us))?)
    })
    .await?;
    // OTLP: an empty ExportLogsServiceResponse means every record was accepted (and is durable).
    Ok(HttpResponse::Ok().json(json!({})))
}

/// OTLP/HTTP logs (protobuf, JSON or JSON lines; gzip detected). Token: `Authorization:
/// Bearer phc_...` or `?token=`. 200 `{}` once the records are durable.
#[utoipa::path(tag = "ingestion", request_body(content = String, description = "ExportLogsServiceRequest"),
    responses((status = 200, description = "accepted and durable"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)))]
#[post("/i/v1/logs")]
pub async fn capture(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    ingest(st, req, payload).await
}

/// The same as `/i/v1/logs`, at the OTLP default path.
#[utoipa::path(tag = "ingestion", request_body(content = String, description = "ExportLogsServiceRequest"),
    responses((status = 200, description = "accepted and durable"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)))]
#[post("/v1/logs")]
pub async fn otlp(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    ingest(st, req, payload).await
}
