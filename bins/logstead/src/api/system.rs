//! Health, readiness, metrics and the OpenAPI document.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// `ok` or `unavailable`; absent when the check itself could not run.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(tag = "system", responses((status = 200, description = "ok", body = Health)))]
#[get("/_health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

/// The database answers; load balancers route traffic only when this is 200.
#[utoipa::path(tag = "system", responses((status = 200, description = "ready", body = Readiness),
    (status = 503, description = "not ready", body = Readiness)))]
#[get("/_readiness")]
pub async fn readiness(st: web::Data<AppState>) -> HttpResponse {
    let sql = st.sql.clone();
    let not_ready =
        |database| HttpResponse::ServiceUnavailable().json(Readiness { status: "not_ready", database });
    match web::block(move || sql.ping()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(Readiness { status: "ready", database: Some("ok") }),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            not_ready(Some("unavailable"))
        }
        Err(_) => not_ready(None),
    }
}

/// Prometheus text format.
#[utoipa::path(tag = "system", responses((status = 200, description = "Prometheus metrics", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(st: web::Data<AppState>) -> HttpResponse {
    // Off the executor: the log store's gauges read a file size per segment.
    let m = st.metrics.clone();
    let text = web::block(move || m.render()).await.unwrap_or_default();
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(text)
}
