//! Attribute discovery for filter pickers: `GET .../logs/attributes/` and `.../logs/values/`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use logs_query::attributes::{
    AttributesQuery, ValuesQuery, attribute_keys, attribute_values, property_filter_type,
};

use super::dto::{LogsAttribute, LogsAttributesResponse, LogsValuesResponse};
use super::input::{LogsAttributesParams, LogsValuesParams, LogsWindowParams};
use super::query::{readable_project, timed};
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody};
use crate::metrics::QueryKind;
use crate::pagination::query_pairs;
use crate::state::AppState;

/// Attribute keys seen in the window, best matches first.
#[utoipa::path(tag = "logs",
    params(("project_id" = String, Path), LogsAttributesParams, LogsWindowParams),
    responses((status = 200, body = LogsAttributesResponse), (status = 403, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/attributes")]
pub async fn attributes(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let p = readable_project(&st, auth, &id).await?;
    // By hand, not `web::Query<LogsAttributesParams>`: see `input.rs`.
    let q = AttributesQuery::from_params(&query_pairs(&req));
    let kind = property_filter_type(q.window.scope);
    let (logs, now) = (st.logs.clone(), st.now());
    let page = timed(&st, QueryKind::Attributes, move || attribute_keys(&*logs, p.id.0, &q, now)).await?;
    Ok(HttpResponse::Ok().json(LogsAttributesResponse {
        results: page.results.into_iter().map(|k| LogsAttribute::new(k, kind)).collect(),
        count: page.count,
    }))
}

/// Values of one attribute key, most frequent first. Services: `key=service.name&attribute_type=resource`.
#[utoipa::path(tag = "logs",
    params(("project_id" = String, Path), LogsValuesParams, LogsWindowParams),
    responses((status = 200, body = LogsValuesResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/values")]
pub async fn values(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let p = readable_project(&st, auth, &id).await?;
    let q = ValuesQuery::from_params(&query_pairs(&req)).map_err(|e| ApiError::Logs(e.into()))?;
    let (logs, now) = (st.logs.clone(), st.now());
    let values = timed(&st, QueryKind::Values, move || attribute_values(&*logs, p.id.0, &q, now)).await?;
    Ok(HttpResponse::Ok().json(LogsValuesResponse {
        results: values.into_iter().map(Into::into).collect(),
        refreshing: false,
    }))
}
