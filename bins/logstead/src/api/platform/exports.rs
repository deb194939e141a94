//! Export jobs: status and download (the file is written by the server's worker).

use actix_files::NamedFile;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, get, web};
use exports::{ExportJob, Format, State};
use orgs::OrgsError;
use orgs::service::activity;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::dto::iso;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::project_ref;
use crate::state::AppState;
use crate::worker::exports_dir;

/// PostHog's exported asset, with the job's state and row count added.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportDto {
    pub id: i64,
    /// MIME type, as PostHog reports it (`text/csv`, `application/json`).
    pub export_format: String,
    pub state: String,
    pub has_content: bool,
    pub filename: String,
    pub rows: Option<i64>,
    pub bytes: Option<i64>,
    pub exception: Option<String>,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "iso")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_after: OffsetDateTime,
}

impl From<ExportJob> for ExportDto {
    fn from(j: ExportJob) -> Self {
        Self {
            id: j.id,
            export_format: j.format.mime().to_string(),
            state: j.state.as_str().to_string(),
            has_content: j.state == State::Complete,
            filename: j.filename,
            rows: j.rows,
            bytes: j.bytes,
            exception: j.error,
            created_at: j.created_at,
            expires_after: j.expires_at,
        }
    }
}

/// One entry of a JSON activity log export, keys in `activity_log::encode::COLUMNS` order.
/// Documentation only: the worker's `JsonWriter` writes the file.
#[derive(Debug, ToSchema)]
pub struct ActivityExportRow {
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub project_id: Option<i64>,
    pub user_first_name: Option<String>,
    pub user_last_name: Option<String>,
    pub user_email: Option<String>,
    pub activity: String,
    pub scope: String,
    pub item_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
    pub client: Option<String>,
    /// Always null: not recorded.
    pub ip_address: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

async fn job(
    st: &web::Data<AppState>,
    auth: Authenticated,
    path: &(String, i64),
) -> Result<ExportJob, ApiError> {
    let (project, id) = (project_ref(&path.0)?, path.1);
    let (repos, exports) = (st.repos.clone(), st.exports.clone());
    blocking(move || activity::get_export(&*repos, &*exports, &auth.0, project, id)).await
}

#[utoipa::path(tag = "exports", params(("project_id" = String, Path), ("id" = i64, Path)),
    responses((status = 200, body = ExportDto), (status = 404, body = ErrorBody)),
    security(("bearer" = ["export:read"])))]
#[get("/{project_id}/exports/{id}")]
pub async fn retrieve(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse, ApiError> {
    let job = job(&st, auth, &path).await?;
    Ok(HttpResponse::Ok().json(ExportDto::from(job)))
}

/// The finished file, streamed from disk.
#[utoipa::path(tag = "exports", params(("project_id" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "the file: CSV (logs, activity) or JSON (activity)",
        content((String = "text/csv"), (Vec<ActivityExportRow> = "application/json"))), (status = 404, body = ErrorBody)),
    security(("bearer" = ["export:read"])))]
#[get("/{project_id}/exports/{id}/content")]
pub async fn content(
    st: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(String, i64)>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let job = job(&st, auth, &path).await?;
    let (State::Complete, Some(file)) = (job.state, &job.path) else {
        return Err(OrgsError::NotFound.into());
    };
    crate::api_only::refuse_export_files(&st)?;
    let named = NamedFile::open_async(exports_dir(&st.settings.data_dir).join(file))
        .await
        .map_err(|_| ApiError::from(OrgsError::NotFound))?
        .set_content_type(match job.format {
            Format::Csv => actix_web::mime::TEXT_CSV,
            Format::Json => actix_web::mime::APPLICATION_JSON,
        })
        .set_content_disposition(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(job.filename.clone())],
        });
    Ok(named.into_response(&req))
}
