//! Approvals end to end over HTTP: gated writes of sampling rules, alerts, projects and
//! members become change requests with their evidence, nothing is written until approval,
//! and the approved change is applied as the requester (or fails when the resource moved).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use logstead::state::Clock;
use orgs::Level;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::sampling_rules::{ingest_req, otlp, rules_path};
use crate::common::{self, Backend, TestApp};

const SCOPES: &[&str] =
    &["logs:read", "logs:write", "approvals:read", "approvals:write", "project:read", "project:write"];

/// A clock tests move by hand (the sampling rule cache refreshes on it).
struct FakeClock(AtomicI64);

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0.load(Ordering::SeqCst)) * 1000).unwrap()
    }
}

fn fake_clock() -> Arc<FakeClock> {
    let now = OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000;
    Arc::new(FakeClock(AtomicI64::new(i64::try_from(now).unwrap())))
}

fn env(project: i64, rest: &str) -> String {
    format!("/api/environments/{project}/{rest}")
}

/// 1000 records, 100 of them on `/healthz`.
fn thousand() -> Value {
    let recs: Vec<_> = (0..1000)
        .map(|i| ("api", if i % 10 == 3 { "/healthz" } else { "/api" }, "info", String::new()))
        .collect();
    otlp(&recs)
}

async fn stored<S, B>(app: &TestApp<S>) -> i64
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let path = format!("/api/projects/{}/logs/count/", app.project());
    let to = (OffsetDateTime::now_utc() + time::Duration::days(1)).format(&Rfc3339).unwrap();
    let body = json!({"query": {"dateRange": {"date_from": "-1d", "date_to": to}}});
    app.post(&path, &app.key, body).await.ok(200)["count"].as_i64().unwrap()
}

async fn policy<S, B>(app: &TestApp<S>, action: &str, extra: Value) -> Value
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut body =
        json!({"action_key": action, "approver_config": {"quorum": 1, "users": [app.boot.user.id.0]}});
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    app.post(&env(app.project(), "approval_policies/"), &app.key, body).await.ok(201).clone()
}

async fn enabling_a_sampling_rule_waits_for_approval(backend: Backend) {
    let clock = fake_clock();
    let c2 = clock.clone();
    let app = common::start_with(backend, move |st| st.clock = c2).await;
    let token = app.boot.project.api_token.clone();
    let (_, member) = app.member("m@x.io", Level::Member, SCOPES);
    policy(&app, "logs_sampling_rule.enable", json!({})).await;
    assert_eq!(app.raw(ingest_req(&token, &thousand())).await.status, 200);
    // The records carry the real time; the simulated window ends at the test clock's now.
    clock.0.fetch_add(3_000_000, Ordering::SeqCst);

    let base = rules_path("environments", app.project());
    let rule = json!({"name": "Drop healthz", "rule_type": "path_drop", "enabled": false,
        "config": {"patterns": ["^/healthz$"]}});
    let id = app.post(&base, &member, rule).await.ok(201)["id"].as_str().unwrap().to_string();
    let gated = app.patch(&format!("{base}{id}/"), &member, json!({"enabled": true})).await;
    let body = gated.ok(409).clone();
    assert_eq!(body["code"], "approval_required", "{body}");
    assert_eq!(body["status"], "approval_required");
    assert_eq!(body["resource_type"], "logs_sampling_rule");
    assert_eq!(body["resource_id"], json!(id));
    assert_eq!(body["required_approvers"]["quorum"], 1);
    let cr = &body["change_request"];
    assert_eq!((cr["state"].as_str(), cr["can_approve"].as_bool()), (Some("pending"), Some(false)));
    let evidence = &cr["intent_display"]["evidence"];
    assert_eq!(evidence["records_in_window"], 1000, "{evidence}");
    assert_eq!(evidence["estimated_records_dropped"], 100.0, "{evidence}");
    assert_eq!(evidence["estimated_reduction_pct"], 10.0, "{evidence}");

    // Nothing was written: the rule is still off and ingestion keeps everything.
    assert_eq!(app.get(&format!("{base}{id}/"), &member).await.ok(200)["enabled"], false);
    clock.0.fetch_add(3_000_000, Ordering::SeqCst);
    assert_eq!(app.raw(ingest_req(&token, &thousand())).await.status, 200);
    assert_eq!(stored(&app).await, 2000);

    // A second attempt is the duplicate.
    let dup = app.patch(&format!("{base}{id}/"), &member, json!({"enabled": true})).await;
    assert_eq!(dup.ok(409)["code"], "change_request_pending");

    let cr_id = body["change_request_id"].as_str().unwrap();
    let approve = app
        .post(&env(app.project(), &format!("change_requests/{cr_id}/approve/")), &app.key, json!({}))
        .await;
    let done = approve.ok(200).clone();
    assert_eq!(done["status"], "applied", "{done}");
    assert_eq!(done["message"], "Quorum reached. Change applied successfully.");
    assert_eq!(done["change_request"]["state"], "applied");
    assert_eq!(done["change_request"]["applied_by"]["email"], "m@x.io", "applied as the requester");
    assert_eq!(app.get(&format!("{base}{id}/"), &member).await.ok(200)["enabled"], true);

    clock.0.fetch_add(3_000_000, Ordering::SeqCst);
    assert_eq!(app.raw(ingest_req(&token, &thousand())).await.status, 200);
    assert_eq!(stored(&app).await, 2900, "from now on ingestion drops what the rule says");

    let activity =
        app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
    let scopes: Vec<_> =
        activity.body["results"].as_array().unwrap().iter().map(|e| e["scope"].clone()).collect();
    assert!(scopes.contains(&json!("ChangeRequest")), "{scopes:?}");
    assert!(scopes.contains(&json!("ApprovalPolicy")), "{scopes:?}");
}

async fn a_request_whose_rule_changed_fails_at_approval(backend: Backend) {
    let app = common::start(backend).await;
    let (_, member) = app.member("m@x.io", Level::Member, SCOPES);
    // Owners bypass the policy; members need approval.
    policy(&app, "logs_sampling_rule.update", json!({"bypass_org_membership_levels": [15]})).await;
    let base = rules_path("projects", app.project());
    let rule =
        json!({"name": "rl", "rule_type": "rate_limit", "enabled": true, "config": {"logs_per_second": 100}});
    let id = app.post(&base, &app.key, rule).await.ok(201)["id"].as_str().unwrap().to_string();
    let item = format!("{base}{id}/");
    let gated = app.patch(&item, &member, json!({"config": {"logs_per_second": 1}})).await;
    let cr_id = gated.ok(409)["change_request_id"].as_str().unwrap().to_string();
    // The owner bypasses and edits the rule meanwhile.
    app.patch(&item, &app.key, json!({"config": {"logs_per_second": 50}})).await.ok(200);
    let r = app
        .post(
            &format!("/api/projects/{}/change_requests/{cr_id}/approve/", app.project()),
            &app.key,
            json!({}),
        )
        .await;
    let body = r.ok(200).clone();
    assert_eq!(body["status"], "failed", "{body}");
    let err = body["change_request"]["apply_error"].as_str().unwrap();
    assert!(err.starts_with("Precondition failed:"), "{err}");
    assert_eq!(app.get(&item, &app.key).await.ok(200)["config"]["logs_per_second"], 50);
}

async fn disabling_an_alert_shows_how_often_it_would_have_fired(backend: Backend) {
    let app = common::start(backend).await;
    let (_, member) = app.member("m@x.io", Level::Member, SCOPES);
    policy(&app, "logs_alert.disable", json!({})).await;
    let base = format!("/api/projects/{}/logs/alerts/", app.project());
    let alert = json!({"name": "errors", "filters": {"serviceNames": ["api"]}, "threshold_count": 1});
    let id = app.post(&base, &app.key, alert).await.ok(201)["id"].as_str().unwrap().to_string();
    let gated = app.patch(&format!("{base}{id}/"), &member, json!({"enabled": false})).await;
    let body = gated.ok(409).clone();
    let display = &body["change_request"]["intent_display"];
    assert!(display["description"].as_str().unwrap().contains("errors"), "{display}");
    assert_eq!(display["evidence"]["window"], "last 7 days", "{display}");
    assert_eq!(display["evidence"]["fires_after"], 0, "{display}");
    assert_eq!(app.get(&format!("{base}{id}/"), &member).await.ok(200)["enabled"], true);
    // A rename is not gated.
    app.patch(&format!("{base}{id}/"), &member, json!({"name": "errors!"})).await.ok(200);
}

async fn lowering_retention_counts_what_would_be_deleted(backend: Backend) {
    let app = common::start(backend).await;
    let (_, admin) = app.member("a@x.io", Level::Admin, SCOPES);
    policy(&app, "project.retention_decrease", json!({})).await;
    assert_eq!(app.raw(ingest_req(&app.boot.project.api_token, &thousand())).await.status, 200);
    let path = format!("/api/projects/{}/", app.project());
    // Raising is not gated.
    app.patch(&path, &admin, json!({"retention_days": 60})).await.ok(200);
    let body = app.patch(&path, &admin, json!({"retention_days": 7})).await.ok(409).clone();
    let evidence = &body["change_request"]["intent_display"]["evidence"];
    assert_eq!(
        (evidence["retention_days_before"].as_i64(), evidence["retention_days_after"].as_i64()),
        (Some(60), Some(7))
    );
    assert_eq!(evidence["records_deleted"], 0, "the records are from today: {evidence}");
    assert_eq!(app.get(&path, &admin).await.ok(200)["retention_days"], 60);
    let cr_id = body["change_request_id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/projects/{}/change_requests/{cr_id}/approve/", app.project()),
            &app.key,
            json!({}),
        )
        .await;
    assert_eq!(r.ok(200)["status"], "applied");
    assert_eq!(app.get(&path, &admin).await.ok(200)["retention_days"], 7);
}

async fn promoting_a_member_needs_approval(backend: Backend) {
    let app = common::start(backend).await;
    let (_, admin) = app.member(
        "a@x.io",
        Level::Admin,
        &["organization_member:write", "organization_member:read", "approvals:read"],
    );
    let (target, _) = app.member("t@x.io", Level::Member, &["logs:read"]);
    let p = policy(&app, "organization_member.level_change", json!({})).await;
    assert_eq!(p["action_key"], "organization_member.level_change");
    let path = format!("/api/organizations/{}/members/{}/", app.org().0, target.uuid);
    let body = app.patch(&path, &admin, json!({"level": 8})).await.ok(409).clone();
    assert_eq!(body["resource_type"], "organization_member");
    assert_eq!(body["resource_id"], json!(target.uuid.to_string()));
    // Demotions are not gated; the member stays a member until approval.
    let members = app.get(&format!("/api/organizations/{}/members/", app.org().0), &app.key).await;
    let level =
        members.body["results"].as_array().unwrap().iter().find(|m| m["user"]["email"] == "t@x.io").unwrap()
            ["level"]
            .clone();
    assert_eq!(level, 1);
    // Organization-level requests are listed under every project of the organization.
    let list = app.get(&env(app.project(), "change_requests/"), &admin).await.ok(200).clone();
    assert_eq!(list["count"], 1, "{list}");
    let cr_id = body["change_request_id"].as_str().unwrap();
    let r = app
        .post(&env(app.project(), &format!("change_requests/{cr_id}/approve/")), &app.key, json!({}))
        .await;
    assert_eq!(r.ok(200)["status"], "applied");
    let members = app.get(&format!("/api/organizations/{}/members/", app.org().0), &app.key).await;
    let level =
        members.body["results"].as_array().unwrap().iter().find(|m| m["user"]["email"] == "t@x.io").unwrap()
            ["level"]
            .clone();
    assert_eq!(level, 8);
}

async fn switched_off_the_gate_lets_everything_through(backend: Backend) {
    let app = common::start_with(backend, |st| st.approval_settings.enabled = false).await;
    let (_, member) = app.member("m@x.io", Level::Member, SCOPES);
    policy(&app, "logs_sampling_rule.enable", json!({})).await;
    let base = rules_path("projects", app.project());
    let rule =
        json!({"name": "hz", "rule_type": "path_drop", "enabled": true, "config": {"patterns": ["^/x$"]}});
    assert_eq!(app.post(&base, &member, rule).await.ok(201)["enabled"], true);
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite { $( #[actix_web::test] async fn $name() { super::$name(super::Backend::Sqlite).await } )* }
        mod postgres { $( #[actix_web::test] async fn $name() { super::$name(super::Backend::Postgres).await } )* }
    };
}

both!(
    enabling_a_sampling_rule_waits_for_approval,
    a_request_whose_rule_changed_fails_at_approval,
    disabling_an_alert_shows_how_often_it_would_have_fired,
    lowering_retention_counts_what_would_be_deleted,
    promoting_a_member_needs_approval,
    switched_off_the_gate_lets_everything_through
);
