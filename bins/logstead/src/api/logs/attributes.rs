//! Attribute discovery for filter pickers: `GET .../logs/attributes/` and `.../logs/values/`.

use actix_web::{HttpRequest, HttpResponse, get, web};
use logs_query::attributes::{
    AttributesQuery, MatchedOn, ValuesQuery, attribute_keys, attribute_values, property_filter_type,
};
use serde_json::{Value, json};

use super::logs::readable_project;
use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorBody, blocking};
use crate::pagination::query_pairs;
use crate::state::AppState;

/// Attribute keys seen in the window, best matches first.
#[utoipa::path(tag = "logs",
    params(
        ("project_id" = String, Path),
        ("attribute_type" = Option<String>, Query, description = "`log` (default) or `resource`"),
        ("search" = Option<String>, Query, description = "Case-insensitive substring of the key"),
        ("search_values" = Option<bool>, Query, description = "Also match values (search of 4+ characters)"),
        ("keys" = Option<String>, Query, description = "Comma-separated exact keys to restrict to"),
        ("limit" = Option<i64>, Query, description = "1..100, default 100"),
        ("offset" = Option<i64>, Query),
        ("dateRange" = Option<String>, Query, description = "JSON DateRange; malformed means the last hour"),
        ("date_from" = Option<String>, Query),
        ("date_to" = Option<String>, Query),
        ("serviceNames" = Option<String>, Query, description = "JSON array of service names"),
        ("filterGroup" = Option<String>, Query, description = "JSON filter group; malformed is ignored"),
    ),
    responses((status = 200, description = "{results: [{name, propertyFilterType, matchedOn, matchedValue?}], count}"),
        (status = 403, body = ErrorBody)),
    security(("bearer" = ["logs:read"])))]
#[get("/{project_id}/logs/attributes")]
pub async fn attributes(
    st: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let p = readable_project(&st, auth, &id).await?;
    let q = AttributesQuery::from_params(&query_pairs(&req));
    let kind = property_filter_type(q.window.scope);
    let (logs, now) = (st.logs.clone(), st.now());
    let page = blocking(move || attribute_keys(&*logs, p.id.0, &q, now)).await?;
    let results: Vec<Value> = page
        .results
        .into_iter()
        .map(|k| match k.matched_on {
            MatchedOn::Key => json!({"name": k.name, "propertyFilterType": kind, "matchedOn": "key"}),
            MatchedOn::Value(v) => json!({
                "name": k.name, "propertyFilterType": kind, "matchedOn": "value", "matchedValue": v,
            }),
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"results": results, "count": page.count})))
}

/// Values of one attribute key, most frequent first. Services: `key=service.name&attribute_type=resource`.
#[utoipa::path(tag = "logs",
    params(
        ("project_id" = String, Path),
        ("key" = String, Query, description = "The attribute key (required)"),
        ("attribute_type" = Option<String>, Query, description = "`log` (default) or `resource`"),
        ("value" = Option<String>, Query, description = "Case-insensitive substring of the value"),
        ("limit" = Option<i64>, Query, description = "1..1000, default 100"),
        ("offset" = Option<i64>, Query),
        ("dateRange" = Option<String>, Query, description = "JSON DateRange; malformed means the last hour"),
        ("date_from" = Option<String>, Query),
        ("date_to" = Option<String>, Query),
        ("serviceNames" = Option<String>, Query, description = "JSON array of service names"),
        ("filterGroup" = Option<String>, Query, description = "JSON filter group; malformed is ignored"),
    ),
    responses((status = 200, description = "{results: [{id, name, count}], refreshing: false}"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)),
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
    let values = blocking(move || attribute_values(&*logs, p.id.0, &q, now)).await?;
    let results: Vec<Value> =
        values.into_iter().map(|v| json!({"id": v.value, "name": v.value, "count": v.count})).collect();
    Ok(HttpResponse::Ok().json(json!({"results": results, "refreshing": false})))
}
