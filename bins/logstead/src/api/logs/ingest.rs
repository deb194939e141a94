//! OTLP/HTTP log ingestion, authenticated by the project token (`phc_...`). The answer is
//! in the request's encoding, as OTLP/HTTP requires: protobuf (`ExportLogsServiceResponse`,
//! or a `google.rpc.Status` for a failure) to a protobuf request, JSON to any other.

use std::pin::pin;

use actix_web::body::MessageBody;
use actix_web::http::header::{self, AUTHORIZATION, CONTENT_LENGTH};
use actix_web::{HttpRequest, HttpResponse, ResponseError, post, web};
use futures_util::StreamExt;
use futures_util::future::{Either, select};
use logs_ingest::response::{ExportSummary, PROTOBUF_CONTENT_TYPE, Status, is_protobuf};
use logs_ingest::{
    ContentEncoding, IngestError, LogRecord, SUPPORTED_ENCODINGS, decode_encoded, map_request, project_token,
};
use orgs::service::project_for_token;

use super::dto::ExportLogsServiceResponse;
use super::input::IngestParams;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::metrics::{RecordReason, RequestReason};
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

/// Records and their size (as billed).
fn totals(records: &[LogRecord]) -> (usize, u64) {
    (records.len(), records.iter().map(|r| u64::from(r.bytes)).sum())
}

/// Decode, map, apply the project's sampling rules (spec §4.4: dropped records never reach
/// the WAL) and append durably. Runs on the blocking pool. Metrics are counted per request.
fn store(
    st: &AppState,
    team: i64,
    body: web::BytesMut,
    encoding: ContentEncoding,
    now_us: i64,
) -> Result<ExportSummary, ApiError> {
    let request = decode_encoded(&body, encoding, st.settings.max_ingest_bytes)?;
    drop(body); // the records own their strings; the raw body is not needed any more
    let (records, mapped) = map_request(request, team, now_us, &st.ingest);
    let m = &st.metrics.ingest;
    m.replaced(team, &mapped);
    let (decoded, decoded_bytes) = totals(&records);
    let records = st.sampling.filter(team, records, now_us);
    let (kept, kept_bytes) = totals(&records);
    m.rejected_records(team, RecordReason::Sampled, decoded - kept, decoded_bytes - kept_bytes);
    if let Err(e) = st.logs.append(team, records) {
        m.rejected_records(team, RecordReason::StoreError, kept, kept_bytes);
        return Err(e.into());
    }
    m.stored(team, kept, kept_bytes);
    Ok(ExportSummary { dropped_by_sampling: (decoded - kept) as u64, mapped, options: st.ingest })
}

/// Authenticate, read, decode and store; `project` is set once the token resolves.
async fn receive(
    st: &web::Data<AppState>,
    req: &HttpRequest,
    payload: web::Payload,
    project: &mut Option<i64>,
) -> Result<ExportSummary, ApiError> {
    crate::api_only::refuse_logs(st)?;
    let token = request_token(req)?;
    let (repos, cap) = (st.repos.clone(), st.settings.max_ingest_bytes);
    let expected =
        req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    // The token lookup (a database query on the blocking pool) overlaps the body upload.
    // An unknown token still answers 401 before any body error, and as soon as it is known
    // (the rest of the body is not read).
    let lookup = pin!(blocking(move || project_for_token(&*repos, &token)));
    let read = pin!(read_capped(payload, cap, expected));
    let (team, body) = match select(lookup, read).await {
        Either::Left((found, read)) => {
            let team = found?.ok_or(ApiError::UnknownProjectToken)?.id.0;
            *project = Some(team);
            (team, read.await?)
        }
        Either::Right((body, lookup)) => {
            let team = lookup.await?.ok_or(ApiError::UnknownProjectToken)?.id.0;
            *project = Some(team);
            (team, body?)
        }
    };
    st.metrics.ingest.received(team, body.len());
    let header = req.headers().get(header::CONTENT_ENCODING);
    let encoding = match header.map(|v| v.to_str()) {
        None => ContentEncoding::Identity,
        Some(Ok(v)) => ContentEncoding::from_header(Some(v))?,
        Some(Err(_)) => return Err(IngestError::UnsupportedEncoding("(not ASCII)".into()).into()),
    };
    // Queued here, not on the blocking pool: waiting holds no thread.
    let _turn =
        st.ingest_gate.acquire().await.map_err(|_| ApiError::Internal("ingest gate closed".into()))?;
    let (s, now_us) = (st.clone(), (st.now().unix_timestamp_nanos() / 1000) as i64);
    blocking(move || store(&s, team, body, encoding, now_us)).await
}

/// 200 with the `ExportLogsServiceResponse` (`partial_success` when records were dropped or
/// their timestamps replaced).
fn accepted(protobuf: bool, summary: &ExportSummary) -> HttpResponse {
    if protobuf {
        return HttpResponse::Ok().content_type(PROTOBUF_CONTENT_TYPE).body(summary.to_protobuf());
    }
    HttpResponse::Ok().json(ExportLogsServiceResponse::from(summary.partial_success()))
}

/// The error: PostHog's JSON body, or for a protobuf request a `google.rpc.Status` with the
/// same status code, headers and message (the body's `detail`: never internals for a 5xx).
/// A 415 names the accepted encodings (`Accept-Encoding`).
fn refused(protobuf: bool, e: &ApiError) -> HttpResponse {
    let mut resp = e.error_response();
    if protobuf {
        let (status, headers) = (resp.status(), resp.headers().clone());
        let detail = resp
            .into_body()
            .try_into_bytes()
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["detail"].as_str().map(str::to_owned))
            .unwrap_or_else(|| e.to_string());
        let mut pb = HttpResponse::build(status);
        for (name, value) in headers.iter().filter(|(n, _)| *n != header::CONTENT_TYPE) {
            pb.append_header((name.clone(), value.clone()));
        }
        resp = pb
            .content_type(PROTOBUF_CONTENT_TYPE)
            .body(Status::for_http(status.as_u16(), detail).to_protobuf());
    }
    if matches!(e, ApiError::Ingest(IngestError::UnsupportedEncoding(_))) {
        resp.headers_mut()
            .insert(header::ACCEPT_ENCODING, header::HeaderValue::from_static(SUPPORTED_ENCODINGS));
    }
    resp
}

async fn ingest(st: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let protobuf = is_protobuf(content_type);
    let mut project = None;
    match receive(&st, &req, payload, &mut project).await {
        // OTLP: an empty response means every record was accepted (and is durable).
        Ok(summary) => accepted(protobuf, &summary),
        Err(e) => {
            st.metrics.ingest.rejected_request(project, RequestReason::of(&e));
            refused(protobuf, &e)
        }
    }
}

/// OTLP/HTTP logs (protobuf, JSON or JSON lines; gzip detected, `Content-Encoding` gzip,
/// deflate or zstd). Token: `Authorization: Bearer phc_...` or `?token=`. 200 once the
/// records are durable: `{}`, or `partialSuccess` when records were dropped by sampling or
/// their timestamps replaced. A protobuf request (`application/x-protobuf`) gets protobuf.
#[utoipa::path(tag = "ingestion", params(IngestParams),
    request_body(content = String, description = "ExportLogsServiceRequest"),
    responses((status = 200, description = "accepted and durable", body = ExportLogsServiceResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, description = "unsupported Content-Encoding", body = ErrorBody)),
    security(("project_token" = [])))]
#[post("/i/v1/logs")]
pub async fn capture(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    Ok(ingest(st, req, payload).await)
}

/// The same as `/i/v1/logs`, at the OTLP default path.
#[utoipa::path(tag = "ingestion", params(IngestParams),
    request_body(content = String, description = "ExportLogsServiceRequest"),
    responses((status = 200, description = "accepted and durable", body = ExportLogsServiceResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, description = "unsupported Content-Encoding", body = ErrorBody)),
    security(("project_token" = [])))]
#[post("/v1/logs")]
pub async fn otlp(
    st: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    Ok(ingest(st, req, payload).await)
}
