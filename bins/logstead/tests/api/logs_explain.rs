//! `POST .../logs/explainLogWithAI/`: approval, lookup, validation, cache, throttle and
//! isolation with the built-in explainer; the OpenAI-compatible provider is in
//! `logs_explain_openai.rs`.
#![allow(clippy::unwrap_used)]

use logs_query::{LogRecord, Severity};
use orgs::Level;
use serde_json::{Value, json};

use crate::common;

pub const BASE_PATH: &str = "/api/projects";

pub fn path(project: i64) -> String {
    format!("{BASE_PATH}/{project}/logs/explainLogWithAI/")
}

/// An error record of `service` stored in `team` at `ts_us`, in trace 0A0B...
pub fn record(team: i64, ts_us: i64, service: &str, body: &str, attrs: &[(&str, &str)]) -> LogRecord {
    let mut attributes: Vec<(String, String)> =
        attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    attributes.sort();
    LogRecord {
        uuid: uuid::Uuid::now_v7(),
        team_id: team,
        timestamp_us: ts_us,
        observed_timestamp_us: ts_us,
        body: body.into(),
        severity: Severity::Error,
        severity_number: 17,
        service_name: service.into(),
        resource_attributes: vec![("service.name".into(), service.into())].into(),
        resource_fingerprint: 1,
        attributes,
        trace_id: [0x0a; 16],
        span_id: [0x0b; 8],
        trace_flags: 1,
        instrumentation_scope: String::new(),
        event_name: String::new(),
        bytes: 64,
    }
}

pub fn now_us() -> i64 {
    logs_query::timefmt::to_us(time::OffsetDateTime::now_utc())
}

pub fn body_for(r: &LogRecord, offset_us: i64) -> Value {
    json!({"uuid": r.uuid.to_string(), "timestamp": logs_query::timefmt::format_iso_us(r.timestamp_us + offset_us)})
}

/// A stored record with a secret attribute and the project token in its body.
pub fn stored<S>(app: &common::TestApp<S>, team: i64, body: &str) -> LogRecord {
    let token = app.boot.project.api_token.clone();
    let r = record(
        team,
        now_us() - 60_000_000,
        "checkout",
        &format!("{body} (sent with {token})"),
        &[("exception.type", "TimeoutError"), ("http.status_code", "504"), ("db.password", "hunter2-secret")],
    );
    app.state.logs.append(team, vec![r.clone()]).unwrap();
    r
}

fn check_schema(v: &Value) {
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "headline",
        "severity_assessment",
        "impact_summary",
        "probable_causes",
        "immediate_actions",
        "technical_explanation",
        "key_fields",
    ] {
        assert!(keys.contains(&k), "{k} missing in {v}");
    }
    assert!(["ok", "warning", "error", "critical"].contains(&v["severity_assessment"].as_str().unwrap()));
    let causes = v["probable_causes"].as_array().unwrap();
    assert!((1..=3).contains(&causes.len()));
    let rank = |c: &str| ["high", "medium", "low"].iter().position(|x| *x == c).unwrap();
    let ranks: Vec<usize> = causes.iter().map(|c| rank(c["confidence"].as_str().unwrap())).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    let actions = v["immediate_actions"].as_array().unwrap();
    assert!((1..=5).contains(&actions.len()));
    assert_eq!(actions[0]["priority"], "now", "{v}");
    for k in v["key_fields"].as_array().unwrap() {
        assert!(["log", "resource"].contains(&k["attribute_type"].as_str().unwrap()));
    }
}

pub async fn approve<S, B>(app: &common::TestApp<S>, org: orgs::OrgId, key: &str)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = app
        .patch(&format!("/api/organizations/{org}/"), key, json!({"is_ai_data_processing_approved": true}))
        .await;
    assert_eq!(r.ok(200)["is_ai_data_processing_approved"], true);
}

crate::dual! {
    async fn needs_approval_set_through_the_org_patch_then_explains(app) {
        let r = stored(&app, app.project(), "charge failed: database timeout");
        let not_yet = app.post(&path(app.project()), &app.key, body_for(&r, 0)).await;
        not_yet.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(not_yet.body["detail"], "AI data processing must be approved by your organization before using log explanation");
        // Only admins and owners change organization settings.
        let (_, member_key) = app.member("member@x.test", Level::Member, &["*"]);
        app.patch(&format!("/api/organizations/{}/", app.org()), &member_key, json!({"is_ai_data_processing_approved": true}))
            .await
            .assert_error(403, "authentication_error", "permission_denied");
        app.post(&path(app.project()), &app.key, body_for(&r, 0)).await.assert_error(403, "authentication_error", "permission_denied");
        approve(&app, app.org(), &app.key).await;
        let got = app.post(&path(app.project()), &app.key, body_for(&r, 0)).await;
        let v = got.ok(200);
        check_schema(v);
        assert_eq!(v["headline"], "TimeoutError in checkout", "{v}");
        let text = got.text.clone();
        assert!(text.contains("database timeout") && text.contains("504"), "{text}");
        assert!(!text.contains(&app.boot.project.api_token) && !text.contains("hunter2-secret"), "{text}");
        // The environments prefix is the same endpoint; members may use it once approved.
        let env = format!("/api/environments/{}/logs/explainLogWithAI/", app.project());
        let m = app.post(&env, &member_key, json!({"uuid": r.uuid.to_string(), "timestamp": logs_query::timefmt::format_iso_us(r.timestamp_us), "force_refresh": true})).await;
        check_schema(m.ok(200));
    }

    async fn not_found_bad_input_and_the_one_second_window(app) {
        approve(&app, app.org(), &app.key).await;
        let r = stored(&app, app.project(), "boom");
        let p = path(app.project());
        let other_uuid = json!({"uuid": uuid::Uuid::now_v7().to_string(), "timestamp": body_for(&r, 0)["timestamp"]});
        for body in [other_uuid, body_for(&r, 2_000_000), body_for(&r, -2_000_000)] {
            let nf = app.post(&p, &app.key, body).await;
            assert_eq!(nf.status.as_u16(), 404, "{}", nf.text);
            assert_eq!(nf.body, json!({"error": "Log not found"}));
        }
        app.post(&p, &app.key, body_for(&r, 999_000)).await.ok(200);
        app.post(&p, &app.key, body_for(&r, -1_000_000)).await.ok(200);
        let bad = app.post(&p, &app.key, json!({"uuid": "nope", "timestamp": "2025-01-01T00:00:00Z"})).await;
        assert_eq!(bad.assert_error(400, "validation_error", "invalid").body["attr"], "uuid");
        let bad = app.post(&p, &app.key, json!({"uuid": r.uuid.to_string(), "timestamp": "last tuesday"})).await;
        assert_eq!(bad.assert_error(400, "validation_error", "invalid").body["attr"], "timestamp");
        let missing = app.post(&p, &app.key, json!({"uuid": r.uuid.to_string()})).await;
        assert_eq!(missing.assert_error(400, "validation_error", "required").body["attr"], "timestamp");
        let bad_flag = app.post(&p, &app.key, json!({"uuid": r.uuid.to_string(), "timestamp": "2025-01-01T00:00:00Z", "force_refresh": "maybe"})).await;
        assert_eq!(bad_flag.status.as_u16(), 400, "{}", bad_flag.text);
        assert_eq!(bad_flag.body["attr"], "force_refresh");
    }

    async fn scopes_and_other_projects(app) {
        approve(&app, app.org(), &app.key).await;
        let r = stored(&app, app.project(), "boom");
        let (_, read_key) = app.member("reader@x.test", Level::Admin, &["logs:read"]);
        app.post(&path(app.project()), &read_key, body_for(&r, 0)).await.assert_error(403, "authentication_error", "permission_denied");
        app.call("POST", &path(app.project()), None, Some(body_for(&r, 0))).await.assert_error(401, "authentication_error", "not_authenticated");
        // Another organization's key: 403 on our project; on its own project our row is
        // not found (once it approves) and not explained.
        let (_, other_key, other_org, other_project) = app.other_org("other@x.test");
        app.post(&path(app.project()), &other_key, body_for(&r, 0)).await.assert_error(403, "authentication_error", "permission_denied");
        app.post(&path(other_project), &other_key, body_for(&r, 0)).await.assert_error(403, "authentication_error", "permission_denied");
        approve(&app, other_org, &other_key).await;
        let nf = app.post(&path(other_project), &other_key, body_for(&r, 0)).await;
        assert_eq!((nf.status.as_u16(), nf.body.clone()), (404, json!({"error": "Log not found"})));
        app.post(&path(999_999), &app.key, body_for(&r, 0)).await.assert_error(404, "invalid_request", "not_found");
    }

    async fn cached_for_an_hour_and_force_refresh_recomputes(app) {
        approve(&app, app.org(), &app.key).await;
        let r = stored(&app, app.project(), "charge failed");
        let p = path(app.project());
        let first = app.post(&p, &app.key, body_for(&r, 0)).await.ok(200).clone();
        // More of the same pattern now: a fresh explanation would count them, a cached one not.
        let more: Vec<LogRecord> = (0..3).map(|i| record(app.project(), now_us() - 1_000_000 * (i + 2), "checkout", &r.body, &[])).collect();
        app.state.logs.append(app.project(), more).unwrap();
        let cached = app.post(&p, &app.key, body_for(&r, 0)).await.ok(200).clone();
        assert_eq!(cached, first);
        let mut forced = body_for(&r, 0);
        forced["force_refresh"] = json!(true);
        let fresh = app.post(&p, &app.key, forced).await.ok(200).clone();
        assert_ne!(fresh["impact_summary"], first["impact_summary"]);
        assert!(fresh["impact_summary"].as_str().unwrap().contains("4 times in the last hour"), "{}", fresh["impact_summary"]);
        assert_eq!(app.post(&p, &app.key, body_for(&r, 0)).await.ok(200), &fresh, "the refresh replaced the entry");
    }

    async fn throttled_per_user(app) {
        approve(&app, app.org(), &app.key).await;
        let r = stored(&app, app.project(), "boom");
        let p = path(app.project());
        for _ in 0..10 {
            app.post(&p, &app.key, body_for(&r, 0)).await.ok(200);
        }
        let t = app.post(&p, &app.key, body_for(&r, 0)).await;
        t.assert_error(429, "throttled_error", "throttled");
        let retry: u64 = t.headers.get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        let (_, admin_key) = app.member("admin@x.test", Level::Admin, &["logs:write"]);
        app.post(&p, &admin_key, body_for(&r, 0)).await.ok(200);
    }

    async fn two_records_two_explanations(app) {
        approve(&app, app.org(), &app.key).await;
        let a = stored(&app, app.project(), "payment failed: connection refused by db-primary");
        let b = record(app.project(), now_us() - 30_000_000, "users-api", "user 77 not found", &[("http.status_code", "404"), ("http.route", "/api/users/:id")]);
        app.state.logs.append(app.project(), vec![b.clone()]).unwrap();
        let p = path(app.project());
        let ea = app.post(&p, &app.key, body_for(&a, 0)).await.ok(200).clone();
        let eb = app.post(&p, &app.key, body_for(&b, 0)).await.ok(200).clone();
        assert_ne!(ea["headline"], eb["headline"]);
        assert_ne!(ea["probable_causes"], eb["probable_causes"]);
        assert!(ea["technical_explanation"].as_str().unwrap().contains("connection refused"));
        assert_eq!(eb["headline"], "HTTP 404 from users-api on /api/users/:id");
    }
}
