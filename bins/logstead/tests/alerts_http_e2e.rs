//! The same loop driven through the API: alert, Slack integration and destinations are
//! created over HTTP (the webhook's signing secret comes from the response, once), the
//! scheduler and sender run, and the alert's events endpoint shows the check's inputs and
//! each notification's delivery status, `delivered` or, for a failing receiver, `dead`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_common;

use actix_web::test;
use alerts_common::{Backend, Env, Receiver, env, ingest};
use logstead::alerts::notify::signature;
use logstead::alerts::{delivery, scheduler};
use logstead::config::AlertSettings;
use serde_json::{Value, json};
use time::Duration;

async fn call<S, B>(svc: &S, env: &Env, method: &str, path: &str, body: Option<Value>) -> (u16, Value)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut req = test::TestRequest::default()
        .method(method.parse().unwrap())
        .uri(path)
        .insert_header(("authorization", format!("Bearer {}", env.boot.personal_api_key)));
    if let Some(b) = body {
        req = req.set_json(b);
    }
    let res = test::call_service(svc, req.to_request()).await;
    let status = res.status().as_u16();
    let bytes = test::read_body(res).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

async fn api_driven(backend: Backend) {
    let rx = Receiver::start();
    let settings = AlertSettings {
        slack_api_url: rx.base.clone(),
        delivery_max_attempts: 2,
        delivery_backoff_secs: 10,
        allow_http_webhooks: true,
        allow_private_webhook_targets: true,
        ..AlertSettings::default()
    };
    let env = env(backend, settings);
    let svc = test::init_service(logstead::app::build(env.state.clone())).await;
    let alerts = format!("/api/projects/{}/logs/alerts/", env.team);
    let body = json!({"name": "Checkout errors", "threshold_count": 5, "window_minutes": 5,
        "filters": {"severityLevels": ["error"], "serviceNames": ["checkout"]}});
    let (status, created) = call(&svc, &env, "POST", &alerts, Some(body)).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, integ) = call(&svc, &env, "POST", &format!("/api/projects/{}/integrations/", env.team), Some(
        json!({"kind": "slack", "config": {"team": {"id": "T1", "name": "Acme"}}, "sensitive_config": {"access_token": "xoxb-api"}}),
    ))
    .await;
    assert_eq!(status, 201, "{integ}");
    let dests = format!("{alerts}{id}/destinations/");
    let slack = json!({"type": "slack", "slack_workspace_id": integ["id"], "slack_channel_id": "C9"});
    assert_eq!(call(&svc, &env, "POST", &dests, Some(slack)).await.0, 201);
    let hook = json!({"type": "webhook", "webhook_url": format!("{}/hook", rx.base)});
    let (status, hook) = call(&svc, &env, "POST", &dests, Some(hook)).await;
    assert_eq!(status, 201, "{hook}");
    let secret = hook["signing_secret"].as_str().unwrap().to_owned();
    // A second alert whose webhook always answers 500.
    let body = json!({"name": "Failing", "threshold_count": 0, "filters": {"serviceNames": ["checkout"]}});
    let failing = call(&svc, &env, "POST", &alerts, Some(body)).await.1["id"].as_str().unwrap().to_owned();
    let hook = json!({"type": "webhook", "webhook_url": format!("{}/fail", rx.base)});
    assert_eq!(
        call(&svc, &env, "POST", &format!("{alerts}{failing}/destinations/"), Some(hook)).await.0,
        201
    );

    let t0 = env.clock.now_grid();
    ingest(&env, "checkout", t0 - Duration::minutes(3), Duration::minutes(2), 12);
    let r = scheduler::tick(&env.state, t0).unwrap();
    assert_eq!((r.checked, r.deliveries), (2, 3), "{r:?}");
    let agent = delivery::agent();
    let sent = delivery::send_due(&env.state, &agent, t0).unwrap();
    assert_eq!((sent.delivered, sent.retried), (2, 1), "{sent:?}");
    let got = rx.take();
    let webhook = got.iter().find(|r| r.path == "/hook").unwrap();
    assert_eq!(webhook.header("X-Logstead-Signature"), Some(signature(&secret, &webhook.body).as_str()));
    assert_eq!(webhook.json()["data"]["result_count"], "12");
    let slack = got.iter().find(|r| r.path == "/chat.postMessage").unwrap();
    assert_eq!(slack.header("Authorization"), Some("Bearer xoxb-api"));
    assert_eq!(slack.json()["channel"], "C9");

    let (status, events) = call(&svc, &env, "GET", &format!("{alerts}{id}/events/"), None).await;
    assert_eq!(status, 200, "{events}");
    let e = &events["results"][0];
    assert_eq!(
        (&e["kind"], &e["state_before"], &e["state_after"]),
        (&json!("check"), &json!("not_firing"), &json!("firing"))
    );
    assert_eq!((&e["result_count"], &e["inputs"]["windows"][0]["count"]), (&json!(12), &json!(12)));
    assert_eq!(e["inputs"]["notification"], "fire");
    let mut statuses: Vec<(String, String)> = e["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["type"].as_str().unwrap().to_owned(), n["status"].as_str().unwrap().to_owned()))
        .collect();
    statuses.sort();
    assert_eq!(statuses, [("slack".into(), "delivered".into()), ("webhook".into(), "delivered".into())]);
    let (_, alert) = call(&svc, &env, "GET", &format!("{alerts}{id}/"), None).await;
    assert_eq!(alert["state"], "firing");

    // The failing receiver: one retry after the backoff, then dead.
    env.clock.set(t0 + Duration::seconds(10));
    assert_eq!(delivery::send_due(&env.state, &agent, t0 + Duration::seconds(10)).unwrap().dead, 1);
    let (_, events) = call(&svc, &env, "GET", &format!("{alerts}{failing}/events/"), None).await;
    let n = &events["results"][0]["notifications"][0];
    assert_eq!((&n["status"], &n["attempts"], &n["type"]), (&json!("dead"), &json!(2), &json!("webhook")));
    assert!(n["last_error"].as_str().unwrap().contains("500"), "{n}");
    assert_eq!(rx.take().len(), 1);
}

#[actix_web::test]
async fn sqlite_api_driven_alert_notifies_and_reports_delivery() {
    api_driven(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_api_driven_alert_notifies_and_reports_delivery() {
    api_driven(Backend::Postgres).await;
}
