//! `POST .../logs/alerts/simulate/` (spec §3.6): how an alert would have behaved over past
//! logs. Read-only; the replay is the scheduler's own evaluator.

use actix_web::{HttpResponse, post, web};
use alerts_engine::service::{self, SimulateInput};
use alerts_engine::simulate::SimulateResult;

use super::crud::{READ, access};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::state::AppState;

// Body and response are the domain's own types (schemas `SimulateBody`, `SimulateResponse`).
impl RequestBody for SimulateInput {
    const READ_ONLY: &'static [&'static str] = &["name", "enabled"];
}

/// Buckets with the rolling count each check would have seen, its state and notification.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path)), request_body = SimulateInput,
    responses((status = 200, body = SimulateResult),
    (status = 400, body = ErrorBody)), security(("bearer" = ["logs:read"])))]
#[post("/{project_id}/logs/alerts/simulate")]
pub async fn simulate(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    body: Body<SimulateInput>,
) -> Result<HttpResponse, ApiError> {
    let (p, _) = access(&st, auth, &id, READ).await?;
    let (logs, now, input) = (st.logs.clone(), st.now(), body.0);
    let result = blocking(move || service::simulate(&*logs, p.id.0, input, now)).await?;
    Ok(HttpResponse::Ok().json(result))
}
