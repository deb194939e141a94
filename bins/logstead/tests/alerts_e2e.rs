//! End to end through the scheduler and the sender: logs breach an alert, the tick fires,
//! a local receiver gets a signed webhook and a Slack `chat.postMessage` with the spec's
//! content and sample lines; the logs stop and the resolved notification arrives; a
//! failing receiver gets retries, then the delivery is dead. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_common;

use alerts_common::{Backend, Env, Receiver, SITE, add_slack, add_webhook, alert, env, errors_of, ingest};
use alerts_engine::repo::DeliveryStatus;
use alerts_engine::state::AlertState;
use logstead::alerts::notify::signature;
use logstead::alerts::{delivery, scheduler};
use logstead::config::AlertSettings;
use time::Duration;

const SECRET: &str = "whsec_test_secret";
const TOKEN: &str = "xoxb-test-token";

fn settings(receiver: &Receiver) -> AlertSettings {
    AlertSettings {
        slack_api_url: receiver.base.clone(),
        delivery_max_attempts: 3,
        delivery_backoff_secs: 30,
        allow_http_webhooks: true,
        allow_private_webhook_targets: true,
        ..AlertSettings::default()
    }
}

fn state_of(env: &Env, id: uuid::Uuid) -> AlertState {
    env.state.alerts.alert(env.team, id).unwrap().unwrap().state
}

fn fires_signed_webhook_and_slack_then_resolves(backend: Backend) {
    let rx = Receiver::start();
    let env = env(backend, settings(&rx));
    let t0 = env.clock.now_grid();
    let a = alert(env.team, "API errors", errors_of("api"), 10, 5, 1, 1);
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    add_webhook(&env, &a, &format!("{}/hook", rx.base), SECRET);
    add_slack(&env, &a, TOKEN, "C123");
    // 30 matching lines in [t0 − 4 min, t0), and noise that the filters exclude.
    ingest(&env, "api", t0 - Duration::minutes(4), Duration::minutes(4), 30);
    ingest(&env, "web", t0 - Duration::minutes(4), Duration::minutes(4), 50);

    let r = scheduler::tick(&env.state, t0).unwrap();
    assert_eq!((r.checked, r.deliveries, r.errors), (1, 2, 0), "{r:?}");
    assert_eq!(state_of(&env, a.id), AlertState::Firing);
    let agent = delivery::agent();
    let sent = delivery::send_due(&env.state, &agent, t0).unwrap();
    assert_eq!(sent.delivered, 2, "{sent:?}");

    let got = rx.take();
    let hook = got.iter().find(|r| r.path == "/hook").expect("webhook received");
    assert_eq!(hook.header("X-Logstead-Signature"), Some(signature(SECRET, &hook.body).as_str()));
    assert_ne!(hook.header("X-Logstead-Signature"), Some(signature("other", &hook.body).as_str()));
    assert_eq!(hook.header("Content-Type"), Some("application/json"));
    let body = hook.json();
    assert_eq!(body["type"], "logs_alert.firing");
    let d = &body["data"];
    assert_eq!(
        (d["alert_id"].as_str(), d["alert_name"].as_str()),
        (Some(&*a.id.to_string()), Some("API errors"))
    );
    assert_eq!((d["result_count"].as_str(), d["threshold_count"].as_str()), (Some("30"), Some("10")));
    assert_eq!((d["threshold_operator"].as_str(), d["window_minutes"].as_str()), (Some("above"), Some("5")));
    assert_eq!(d["service_names"], "[\"api\"]");
    assert_eq!(d["alert_url"], format!("{SITE}/project/{}/logs/alerts/{}", env.team, a.id));
    let logs_url = d["logs_url"].as_str().unwrap();
    assert!(logs_url.starts_with(&format!("{SITE}/project/{}/logs?", env.team)), "{logs_url}");
    // The deep link spans exactly the breaching window.
    let from = urlencode(&rfc3339(t0 - Duration::minutes(5)));
    let to = urlencode(&rfc3339(t0));
    assert!(logs_url.contains(&from) && logs_url.contains(&to), "{logs_url}");
    let samples = body["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 5);
    assert!(
        samples.iter().all(|s| s["service_name"] == "api"
            && s["body"].as_str().unwrap().ends_with("failed: upstream timeout"))
    );
    // Newest first, inside the window.
    assert!(samples[0]["timestamp"].as_str() > samples[4]["timestamp"].as_str());

    let slack = got.iter().find(|r| r.path == "/chat.postMessage").expect("Slack call received");
    assert_eq!(slack.header("Authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    let msg = slack.json();
    assert_eq!(msg["channel"], "C123");
    assert_eq!(msg["text"], "🔴 Log alert 'API errors' is firing");
    let blocks = &msg["blocks"];
    assert_eq!(blocks[0]["text"]["text"], "🔴 Log alert 'API errors' is firing");
    assert_eq!(blocks[1]["text"]["text"], "30 logs in 5m (threshold: above 10)");
    assert_eq!(blocks[2]["elements"][0]["text"], "Severity: error | Services: api");
    assert_eq!(blocks[2]["elements"][1]["text"], format!("Project: {}", env.boot.project.name));
    assert!(blocks[3]["text"]["text"].as_str().unwrap().starts_with("*Sample logs*"));
    assert_eq!(blocks[4]["elements"][0]["text"]["text"], "View logs");
    assert_eq!(blocks[4]["elements"][0]["url"].as_str(), Some(logs_url));

    // Nothing new in [t0, t0 + 5 min): resolved on the first OK check.
    let t1 = t0 + Duration::minutes(5);
    env.clock.set(t1);
    let r = scheduler::tick(&env.state, t1).unwrap();
    assert_eq!((r.checked, r.deliveries), (1, 2), "{r:?}");
    assert_eq!(state_of(&env, a.id), AlertState::NotFiring);
    assert_eq!(delivery::send_due(&env.state, &agent, t1).unwrap().delivered, 2);
    let got = rx.take();
    let hook = got.iter().find(|r| r.path == "/hook").expect("resolved webhook");
    assert_eq!(hook.json()["type"], "logs_alert.resolved");
    assert_eq!(hook.json()["data"]["result_count"], "0");
    assert_eq!(hook.json()["samples"], serde_json::json!([]));
    let slack = got.iter().find(|r| r.path == "/chat.postMessage").expect("resolved Slack message");
    assert_eq!(slack.json()["text"], "🟢 Log alert 'API errors' has resolved");

    // Not due again before its next grid time: nothing is evaluated twice.
    assert_eq!(scheduler::tick(&env.state, t1 + Duration::minutes(1)).unwrap().checked, 0);
}

fn failing_receiver_gets_retries_then_dead(backend: Backend) {
    let rx = Receiver::start();
    let env = env(backend, settings(&rx));
    let t0 = env.clock.now_grid();
    let a = alert(env.team, "Failing", errors_of("api"), 0, 5, 1, 1);
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    add_webhook(&env, &a, &format!("{}/fail", rx.base), SECRET);
    ingest(&env, "api", t0 - Duration::minutes(2), Duration::minutes(1), 3);
    assert_eq!(scheduler::tick(&env.state, t0).unwrap().deliveries, 1);
    let agent = delivery::agent();
    let mut now = t0;
    for attempt in 1..=3u32 {
        env.clock.set(now);
        let r = delivery::send_due(&env.state, &agent, now).unwrap();
        let dead = usize::from(attempt == 3);
        assert_eq!((r.delivered, r.retried, r.dead), (0, 1 - dead, dead), "attempt {attempt}");
        // Not sent again before its backoff is over.
        assert_eq!(delivery::send_due(&env.state, &agent, now + Duration::seconds(1)).unwrap().retried, 0);
        now += Duration::seconds(30 * (1 << (attempt - 1)));
    }
    assert_eq!(rx.take().iter().filter(|r| r.path == "/fail").count(), 3);
    assert_eq!(delivery::send_due(&env.state, &agent, now + Duration::hours(1)).unwrap(), Default::default());
    // Visible with the alert's events.
    let events = env.state.alerts.events(env.team, a.id, None, 10, 0).unwrap();
    let ids: Vec<uuid::Uuid> = events.results.iter().map(|e| e.id).collect();
    let deliveries = env.state.alerts.deliveries_for_events(&ids).unwrap();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!((d.status, d.attempts), (DeliveryStatus::Dead, 3));
    assert!(d.last_error.as_deref().unwrap().contains("500"), "{:?}", d.last_error);
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap()
}

/// As the logs URL encodes values (`quote_plus`).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn sqlite_fires_signed_webhook_and_slack_then_resolves() {
    fires_signed_webhook_and_slack_then_resolves(Backend::Sqlite);
}

#[test]
fn postgres_fires_signed_webhook_and_slack_then_resolves() {
    fires_signed_webhook_and_slack_then_resolves(Backend::Postgres);
}

#[test]
fn sqlite_failing_receiver_gets_retries_then_dead() {
    failing_receiver_gets_retries_then_dead(Backend::Sqlite);
}

#[test]
fn postgres_failing_receiver_gets_retries_then_dead() {
    failing_receiver_gets_retries_then_dead(Backend::Postgres);
}
