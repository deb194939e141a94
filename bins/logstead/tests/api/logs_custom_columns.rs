//! `logs/query/` and `logs/export/`: `customColumns` (values in rows, aliases in `columns`,
//! 400s naming what is supported) and `personId` / `sessionId` on default and configured
//! attribute keys, on both databases.

use serde_json::{Value, json};

use crate::common;
use crate::logs_attrs::{ingest_req, otlp};
use crate::logs_export::parse_csv;

/// PostHog's alias rule, spelled out: `col_` + 12 hex digits of SHA-256 of the text.
const UPPER_LEVEL: &str = "col_ec05982ca9de";
const HTTP_METHOD: &str = "col_d45127fc1dbd";

/// Service `api`: u-1 (posthogDistinctId, sessionId), u-2 (distinctId, posthogSessionId);
/// service `web` (its resource carries posthogDistinctId u-1): one record with a JSON body
/// and the configured-key attributes `user.id` u-3 / `sid` s-3.
async fn ingest<S, B>(app: &common::TestApp<S>)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let token = app.boot.project.api_token.clone();
    let api = otlp(
        &[("service.name", "api")],
        &[
            (
                "u1 first",
                &[
                    ("posthogDistinctId", "u-1"),
                    ("sessionId", "s-1"),
                    ("http.method", "GET"),
                    ("status", "200"),
                ],
            ),
            ("u2", &[("distinctId", "u-2"), ("posthogSessionId", "s-2"), ("http.method", "POST")]),
            ("u1 second", &[("posthogDistinctId", "u-1"), ("sessionId", "s-9"), ("status", "503")]),
        ],
    );
    app.raw(ingest_req(&token, &api)).await.ok(200);
    let web = otlp(
        &[("service.name", "web"), ("posthogDistinctId", "u-1")],
        &[(r#"{"user": {"id": "u-3"}, "msg": "json body"}"#, &[("user.id", "u-3"), ("sid", "s-3")])],
    );
    app.raw(ingest_req(&token, &web)).await.ok(200);
}

fn bodies(r: &Value) -> Vec<String> {
    let rows = r["results"].as_array().cloned().unwrap_or_default();
    rows.iter().map(|row| row["body"].as_str().unwrap_or_default().to_owned()).collect()
}

crate::dual! {
    async fn rows_carry_custom_values_and_columns_echoes_aliases(app) {
        ingest(&app).await;
        let cols = json!(["upper(level)", "attributes.http.method", "body.user.id",
            "resource_attributes['service.name']", "toInt(attributes['status']) + 1", "concat(service_name, '/', level)"]);
        for prefix in ["projects", "environments"] {
            let path = format!("/api/{prefix}/{}/logs/query/", app.project());
            let q = json!({"query": {"dateRange": {"date_from": "-1h"}, "customColumns": cols, "orderBy": "earliest"}});
            let r = app.post(&path, &app.key, q).await;
            let body = r.ok(200).clone();
            let columns = body["columns"].as_array().cloned().unwrap_or_default();
            assert_eq!(columns.len(), 6, "{}", r.text);
            assert_eq!((&columns[0], &columns[1]), (&json!(UPPER_LEVEL), &json!(HTTP_METHOD)), "request order");
            let aliases: Vec<&str> = columns.iter().filter_map(Value::as_str).collect();
            let rows = body["results"].as_array().cloned().unwrap_or_default();
            assert_eq!(rows.len(), 4);
            let values = |i: usize| aliases.iter().map(|a| rows[i][*a].clone()).collect::<Vec<_>>();
            assert_eq!(values(0), [json!("INFO"), json!("GET"), Value::Null, json!("api"), json!(201), json!("api/info")]);
            assert_eq!(values(1)[1..3], [json!("POST"), Value::Null], "a missing attribute is null");
            assert_eq!(values(3)[..4], [json!("INFO"), Value::Null, json!("u-3"), json!("web")]);
            assert_eq!(rows[0]["body"], "u1 first", "the fixed fields stay");
        }
        let path = format!("/api/projects/{}/logs/query/", app.project());
        let r = app.post(&path, &app.key, json!({"query": {"dateRange": {"date_from": "-1h"}}})).await;
        assert_eq!(r.ok(200)["columns"], Value::Null, "no custom columns: null, as PostHog");
        assert!(r.body["results"][0].as_object().is_some_and(|o| !o.keys().any(|k| k.starts_with("col_"))));
    }

    async fn invalid_custom_columns_are_400_with_error(app) {
        let path = format!("/api/projects/{}/logs/query/", app.project());
        let post = |cols: Value| app.post(&path, &app.key, json!({"query": {"dateRange": {"date_from": "-1h"}, "customColumns": cols}}));
        let many: Vec<String> = (0..51).map(|i| format!("attributes.k{i}")).collect();
        let r = post(json!(many)).await;
        assert_eq!((r.status.as_u16(), &r.body["attr"]), (400, &json!("customColumns")), "{}", r.text);
        assert_eq!(r.body["error"], "customColumns accepts at most 50 columns");
        let fifty: Vec<String> = (0..50).map(|i| format!("attributes.k{i}")).collect();
        assert_eq!(post(json!(fifty)).await.ok(200)["columns"].as_array().map(Vec::len), Some(50));
        for (col, why) in [
            ("count()", "aggregation 'count' is not allowed"),
            ("sum(severity_number)", "aggregation 'sum' is not allowed"),
            ("(SELECT 1)", "subqueries are not allowed"),
            ("arrayJoin([1, 2])", "function 'arrayJoin' is not supported"),
            ("properties.$browser", "unknown field"),
        ] {
            let r = post(json!(["level", col])).await;
            assert_eq!(r.status.as_u16(), 400, "{col}: {}", r.text);
            let error = r.body["error"].as_str().unwrap_or_default();
            assert!(error.starts_with(&format!("Invalid custom column '{col}': ")), "{error}");
            assert!(error.contains(why) && error.contains("Supported: attributes.<key>"), "{error}");
            assert_eq!(r.body["error"], r.body["detail"]);
        }
        let export = format!("/api/projects/{}/logs/export/", app.project());
        let r = app.post(&export, &app.key, json!({"query": {"customColumns": ["avg(severity_number)"]}})).await;
        assert_eq!(r.status.as_u16(), 400, "{}", r.text);
        assert!(r.body["error"].as_str().unwrap_or_default().contains("aggregation 'avg'"), "{}", r.text);
    }

    async fn person_and_session_narrow_results_on_default_keys(app) {
        ingest(&app).await;
        let path = format!("/api/projects/{}/logs/query/", app.project());
        let run = |extra: Value| {
            let mut q = json!({"dateRange": {"date_from": "-1h"}, "orderBy": "earliest"});
            q.as_object_mut().into_iter().for_each(|m| m.extend(extra.as_object().cloned().unwrap_or_default()));
            app.post(&path, &app.key, json!({"query": q}))
        };
        assert_eq!(bodies(run(json!({})).await.ok(200)).len(), 4);
        let web = r#"{"user": {"id": "u-3"}, "msg": "json body"}"#;
        assert_eq!(bodies(run(json!({"personId": "u-1"})).await.ok(200)), ["u1 first", "u1 second", web], "log and resource attributes");
        assert_eq!(bodies(run(json!({"personId": "u-2"})).await.ok(200)), ["u2"], "distinctId is a default key too");
        assert_eq!(bodies(run(json!({"sessionId": "s-2"})).await.ok(200)), ["u2"], "posthogSessionId");
        assert_eq!(bodies(run(json!({"sessionId": "s-9", "personId": "u-1"})).await.ok(200)), ["u1 second"]);
        assert!(bodies(run(json!({"sessionId": "s-2", "personId": "u-1"})).await.ok(200)).is_empty());
        assert!(bodies(run(json!({"personId": "u-3"})).await.ok(200)).is_empty(), "user.id is not a default key");
        assert!(bodies(run(json!({"personId": "u-"})).await.ok(200)).is_empty(), "whole values only");
        let count = format!("/api/projects/{}/logs/count/", app.project());
        let r = app.post(&count, &app.key, json!({"query": {"personId": "u-1", "sessionId": "s-1"}})).await;
        assert_eq!(r.ok(200)["count"], 1, "the aggregate endpoints narrow too");
        // Another organization's key sees none of it.
        let (_, other_key, _, _) = app.other_org("o@x.io");
        let r = app.post(&path, &other_key, json!({"query": {"dateRange": {"date_from": "-1h"}, "personId": "u-1"}})).await;
        assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.text);
    }

    async fn export_csv_has_one_column_per_alias(app) {
        ingest(&app).await;
        let base = format!("/api/projects/{}", app.project());
        let body = json!({
            "query": {"dateRange": {"date_from": "-1h"}, "orderBy": "earliest", "personId": "u-1",
                      "customColumns": ["upper(level)", "attributes.http.method"]},
            "columns": ["body", "level"],
        });
        let id = app.post(&format!("{base}/logs/export/"), &app.key, body).await.ok(201)["id"].as_i64().unwrap_or_default();
        assert_eq!(logstead::worker::run_pending_exports(&app.state).map_err(|e| e.to_string()), Ok(1));
        let file = app.get(&format!("{base}/exports/{id}/content/"), &app.key).await;
        let rows = parse_csv(&file.text);
        assert_eq!(rows[0], ["body", "level", UPPER_LEVEL, HTTP_METHOD], "{}", file.text);
        assert_eq!(rows.len(), 4, "personId narrows the export: {}", file.text);
        assert_eq!(rows[1], ["u1 first", "info", "INFO", "GET"]);
        assert_eq!(rows[2], ["u1 second", "info", "INFO", ""], "null is an empty cell");
    }
}

/// A server configured with `[logs] person_id_keys = ["user.id"]`, `session_id_keys = ["sid"]`.
async fn configured_keys(backend: common::Backend) {
    let keys = logs_query::IdentityKeys { person: vec!["user.id".into()], session: vec!["sid".into()] };
    let app = common::start_with(backend, |st| st.identity_keys = std::sync::Arc::new(keys)).await;
    ingest(&app).await;
    let path = format!("/api/projects/{}/logs/query/", app.project());
    let run = |extra: Value| {
        let mut q = json!({"dateRange": {"date_from": "-1h"}});
        q.as_object_mut().into_iter().for_each(|m| m.extend(extra.as_object().cloned().unwrap_or_default()));
        app.post(&path, &app.key, json!({"query": q}))
    };
    let web = r#"{"user": {"id": "u-3"}, "msg": "json body"}"#;
    assert_eq!(bodies(run(json!({"personId": "u-3"})).await.ok(200)), [web]);
    assert_eq!(bodies(run(json!({"sessionId": "s-3", "personId": "u-3"})).await.ok(200)), [web]);
    assert!(bodies(run(json!({"personId": "u-1"})).await.ok(200)).is_empty(), "the defaults no longer apply");
    assert!(bodies(run(json!({"sessionId": "s-1"})).await.ok(200)).is_empty());
    // Exports freeze the keys in force when they are asked for.
    let base = format!("/api/projects/{}", app.project());
    let body = json!({"query": {"dateRange": {"date_from": "-1h"}, "personId": "u-3"}, "columns": ["body"]});
    let id = app.post(&format!("{base}/logs/export/"), &app.key, body).await.ok(201)["id"]
        .as_i64()
        .unwrap_or_default();
    assert_eq!(logstead::worker::run_pending_exports(&app.state).map_err(|e| e.to_string()), Ok(1));
    let rows = parse_csv(&app.get(&format!("{base}/exports/{id}/content/"), &app.key).await.text);
    assert_eq!(rows, [vec!["body".to_owned()], vec![web.to_owned()]]);
}

#[actix_web::test]
async fn person_and_session_use_configured_keys_sqlite() {
    configured_keys(common::Backend::Sqlite).await;
}

#[actix_web::test]
async fn person_and_session_use_configured_keys_postgres() {
    configured_keys(common::Backend::Postgres).await;
}
