//! OTLP/HTTP log ingestion, authenticated by the project token (`phc_...`).

use std::pin::pin;

use actix_web::http::header::{AUTHORIZATION, CONTENT_LENGTH};
use actix_web::{HttpRequest, HttpResponse, post, web};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use logs_ingest::{IngestError, decode, into_records, project_token};
use orgs::service::project_for_token;

use super::dto::ExportLogsServiceResponse;
use super::input::IngestParams;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::state::AppState;

/// The body, read up to the ingest cap (413 beyond it). `expected` (Content-Length) sizes
/// the buffer up front: growing it by doubling copied a 1.5 MB batch twice over.
async fn read_capped(
    mut payload: web::Payload,
    cap: usize,
    expected: Option<usize>,
) -> Result<web::BytesMut, ApiError> {
    let mut bytes = web::BytesMut::with_capacity(expected.unwrap_or(0).min(cap));
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

/// The project token from `Authorization: Bearer` or `?token=`. The query string is read by
/// hand, not `web::Query<IngestParams>`: other query keys and repeats are ignored.
fn request_token(req: &HttpRequest) -> Result<String, ApiError> {
    let header = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let query_token = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    Ok(project_token(header, query_token.as_deref())?.to_string())
}

/// Decode, map, apply the project's sampling rules (spec §4.4: dropped records never reach
/// the WAL) and append durably. Runs on the blocking pool.
fn store(st: &AppState, team: i64, body: web::BytesMut, now_us: i64) -> Result<(), ApiError> {
    let request = decode(&body, st.settings.max_ingest_bytes)?;
    drop(body); // the records own their strings; the raw body is not needed any more
    let records = st.sampling.filter(team, into_records(request, team, now_us), now_us);
    Ok(st.logs.append(team, records)?)
}

async fn ingest(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    crate::api_only::refuse_logs(&st)?;
    let token = request_token(&req)?;
    let (repos, cap) = (st.repos.clone(), st.settings.max_ingest_bytes);
    let expected =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    // The token lookup (a database query on the blocking pool) overlaps the body upload.
    // An unknown token still answers 401 before any body error, and as soon as it is known
    // (the rest of the body is not read).
    let lookup = pin!(blocking(move || project_for_token(&*repos, &token)));
    let read = pin!(read_capped(payload, cap, expected));
    let (project, body) = match select(lookup, read).await {
        Either::Left((project, read)) => {
            let project = project?.ok_or(ApiError::UnknownProjectToken)?;
            (project, read.await?)
        }
        Either::Right((body, lookup)) => (lookup.await?.ok_or(ApiError::UnknownProjectToken)?, body?),
    };
    let (s, now_us) = (st.clone(), (st.now().unix_timestamp_nanos() / 1000) as i64);
    blocking(move || store(&s, project.id.0, body, now_us)).await?;
    // OTLP: an empty ExportLogsServiceResponse means every record was accepted (and is durable).
    Ok(HttpResponse::Ok().json(ExportLogsServiceResponse {}))
}

/// OTLP/HTTP logs (protobuf, JSON or JSON lines; gzip detected). Token: `Authorization:
/// Bearer phc_...` or `?token=`. 200 `{}` once the records are durable.
#[utoipa::path(tag = "ingestion", params(IngestParams),
    request_body(content = String, description = "ExportLogsServiceRequest"),
    responses((status = 200, description = "accepted and durable", body = ExportLogsServiceResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("project_token" = [])))]
#[post("/i/v1/logs")]
pub async fn capture(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    ingest(st, req, payload).await
}

/// The same as `/i/v1/logs`, at the OTLP default path.
#[utoipa::path(tag = "ingestion", params(IngestParams),
    request_body(content = String, description = "ExportLogsServiceRequest"),
    responses((status = 200, description = "accepted and durable", body = ExportLogsServiceResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("project_token" = [])))]
#[post("/v1/logs")]
pub async fn otlp(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    ingest(st, req, payload).await
}
