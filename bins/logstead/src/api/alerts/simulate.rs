//! `POST .../logs/alerts/simulate/` (spec §3.6): how an alert would have behaved over past
//! logs. Read-only; the replay is the scheduler's own evaluator.

use actix_web::{HttpResponse, post, web};
use alerts_engine::config::ThresholdOperator;
use alerts_engine::service::{self, SimulateInput};
use alerts_engine::simulate::{SimBucket, SimulateResult};
use alerts_engine::state::{AlertState, Notification};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::crud::{READ, access};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::extract::{Body, RequestBody};
use crate::state::AppState;

// The body is the domain's `SimulateInput` (its schema is named `SimulateBody`).
impl RequestBody for SimulateInput {
    const READ_ONLY: &'static [&'static str] = &["name", "enabled"];
}

/// One check of the replay.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulateBucket {
    /// The check's time (the end of its bucket).
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub timestamp: OffsetDateTime,
    /// The rolling count over `window_minutes` that the check saw.
    pub count: u64,
    pub threshold_breached: bool,
    /// The state after the check.
    pub state: AlertState,
    pub notification: Notification,
    /// Why the state or notification is what it is.
    pub reason: String,
}

/// `alerts_engine::simulate::SimulateResult`, field for field.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimulateResponse {
    /// Oldest first.
    pub buckets: Vec<SimulateBucket>,
    pub fire_count: usize,
    pub resolve_count: usize,
    pub total_buckets: usize,
    pub threshold_count: u64,
    pub threshold_operator: ThresholdOperator,
}

impl From<SimulateResult> for SimulateResponse {
    fn from(r: SimulateResult) -> Self {
        let bucket = |b: SimBucket| SimulateBucket {
            timestamp: b.timestamp,
            count: b.count,
            threshold_breached: b.threshold_breached,
            state: b.state,
            notification: b.notification,
            reason: b.reason,
        };
        Self {
            buckets: r.buckets.into_iter().map(bucket).collect(),
            fire_count: r.fire_count,
            resolve_count: r.resolve_count,
            total_buckets: r.total_buckets,
            threshold_count: r.threshold_count,
            threshold_operator: r.threshold_operator,
        }
    }
}

/// Buckets with the rolling count each check would have seen, its state and notification.
#[utoipa::path(tag = "log alerts", params(("project_id" = String, Path)), request_body = SimulateInput,
    responses((status = 200, body = SimulateResponse),
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
    Ok(HttpResponse::Ok().json(SimulateResponse::from(result)))
}
