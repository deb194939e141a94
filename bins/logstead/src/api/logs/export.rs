//! `POST .../logs/export/`: queues a CSV export of up to 10,000 log rows. The server's
//! worker writes it; clients poll `/exports/:id/` and download `/exports/:id/content/`.

use actix_web::{HttpResponse, post, web};
use logs_query::export::prepare_export;
use orgs::service::activity;
use serde_json::Value;

use super::dto::LogsExportCreated;
use super::input::LogsExportBody;
use super::query::readable_project;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::Body;
use crate::state::AppState;

/// Body `{"query": {...same as logs/query...}, "columns": ["timestamp", "body", "attributes.<key>", ...]}`.
#[utoipa::path(tag = "logs", params(("project_id" = String, Path)), request_body = LogsExportBody,
    responses((status = 201, body = LogsExportCreated), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/export")]
pub async fn export(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<Value>,
) -> Result<HttpResponse, ApiError> {
    let user = auth.0.user.id;
    let p = readable_project(&st, auth, &id).await?;
    let now = st.now();
    let req = prepare_export(&body.0, now, &st.identity_keys).map_err(|e| ApiError::Logs(e.into()))?;
    let exports = st.exports.clone();
    let job = blocking(move || {
        activity::create_logs_export(&*exports, &p, user, req.params(), &req.filename_stem, now)
    })
    .await?;
    Ok(HttpResponse::Created().json(LogsExportCreated {
        id: job.id,
        export_format: job.format.mime().to_string(),
        created_at: job.created_at,
        has_content: false,
        filename: job.filename,
    }))
}
