//! Builds the actix `App`: the same function serves `main` and the tests.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::{App, HttpRequest, HttpResponse, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::error::ApiError;
use crate::state::AppState;

pub const SCHEMA_PATH: &str = "/api/schema";
pub const DOCS_PATH: &str = "/api/schema/swagger-ui/";

fn base_doc() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Logstead API")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("PostHog-compatible API of Logstead, a self-hosted log platform."))
                .build(),
        )
        .build();
    let scheme = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some("A personal API key (phx_...) or a session token from POST /api/login/."));
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(scheme.build()));
    let ingest = HttpBuilder::new()
        .scheme(HttpAuthScheme::Bearer)
        .description(Some("The project API token (phc_...); `?token=` works too."));
    components.add_security_scheme("project_token", SecurityScheme::Http(ingest.build()));
    doc
}

/// What utoipa makes of the registered handlers, before `openapi::finish`.
pub fn raw_openapi() -> OpenApi {
    App::new().into_utoipa_app().openapi(base_doc()).configure(api::configure).split_for_parts().1
}

/// The OpenAPI document served at `/api/schema/`.
pub fn openapi() -> serde_json::Value {
    crate::openapi::document().clone()
}

/// Unknown path: 404; known path with another method: 405 with `Allow`. Both with the
/// error body.
async fn fallback(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if !req.resource_map().has_resource(req.path()) {
        return Err(ApiError::RouteNotFound);
    }
    // Paths outside the document are the schema and docs pages: GET only.
    let allow = crate::openapi::allowed_methods(req.path()).unwrap_or_else(|| "GET".into());
    let err = ApiError::MethodNotAllowed(req.method().to_string());
    let mut resp = actix_web::ResponseError::error_response(&err);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allow) {
        resp.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    Ok(resp)
}

/// Trailing slashes are optional on every route (PostHog's `/?`). Swagger UI's own paths
/// keep theirs.
fn trim_trailing_slash(req: &mut ServiceRequest) {
    let path = req.path();
    if path.len() <= 1 || !path.ends_with('/') || path.starts_with(DOCS_PATH) {
        return;
    }
    let trimmed = path.trim_end_matches('/');
    let trimmed = if trimmed.is_empty() { "/" } else { trimmed };
    let new = match req.uri().query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    if let Ok(uri) = new.parse::<Uri>() {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
}

pub fn build(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // Swagger UI and the schema go first: the `/api` scope would otherwise claim their paths.
    let docs = SwaggerUi::new(format!("{DOCS_PATH}{{_:.*}}")).external_url_unchecked(SCHEMA_PATH, openapi());
    let app = App::new()
        .service(docs)
        .route(
            DOCS_PATH.trim_end_matches('/'),
            web::get().to(|| async {
                HttpResponse::MovedPermanently().insert_header(("location", DOCS_PATH)).finish()
            }),
        )
        .into_utoipa_app()
        .configure(api::configure)
        .into_app();
    let metrics = state.metrics.clone();
    let max_body = state.settings.max_body_bytes;
    app.app_data(web::Data::new(state))
        .app_data(web::PayloadConfig::new(max_body))
        .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::RouteNotFound.into()))
        .app_data(
            web::QueryConfig::default()
                .error_handler(|e, _| ApiError::invalid("query", "invalid_input", e.to_string()).into()),
        )
        .default_service(web::to(fallback))
        .wrap_fn(move |req, srv| {
            let started = Instant::now();
            let method = req.method().to_string();
            let fut = srv.call(req);
            let metrics = metrics.clone();
            async move {
                let res: ServiceResponse<BoxBody> = fut.await?.map_into_boxed_body();
                let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".into());
                metrics.observe(&method, &route, res.status().as_u16(), started.elapsed().as_secs_f64());
                Ok(res)
            }
        })
        .wrap_fn(|mut req, srv| {
            trim_trailing_slash(&mut req);
            srv.call(req)
        })
        .wrap(actix_web::middleware::Logger::new("%r %s %Dms").log_target("logstead::http"))
}
