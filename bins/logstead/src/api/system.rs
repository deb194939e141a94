//! Health, readiness, metrics and the OpenAPI document.

use actix_web::{HttpResponse, get, web};
use serde_json::json;

use crate::state::AppState;

/// The process is up.
#[utoipa::path(tag = "system", responses((status = 200, description = "ok")))]
#[get("/_health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The database answers; load balancers route traffic only when this is 200.
#[utoipa::path(tag = "system", responses((status = 200, description = "ready"), (status = 503, description = "not ready")))]
#[get("/_readiness")]
pub async fn readiness(st: web::Data<AppState>) -> HttpResponse {
    let sql = st.sql.clone();
    match web::block(move || sql.ping()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({"status": "ready", "database": "ok"})),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready", "database": "unavailable"}))
        }
        Err(_) => HttpResponse::ServiceUnavailable().json(json!({"status": "not_ready"})),
    }
}

/// Prometheus text format.
#[utoipa::path(tag = "system", responses((status = 200, description = "Prometheus metrics", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(st: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(st.metrics.render())
}
