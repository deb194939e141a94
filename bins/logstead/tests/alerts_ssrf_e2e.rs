//! Delivery-time SSRF refusal: a webhook stored while private targets were allowed (or
//! whose name now resolves to an internal address) is refused when sent with the setting
//! off: no connection, the delivery dead at once with the reason. The Slack API URL is the
//! operator's and stays reachable on the same local receiver. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_common;

use std::sync::Arc;

use alerts_common::{Backend, Receiver, add_slack, add_webhook, alert, env, errors_of, ingest};
use alerts_engine::repo::{DeliveryStatus, DestinationType};
use logstead::alerts::{delivery, scheduler};
use logstead::config::AlertSettings;
use time::Duration;

fn refused_at_delivery(backend: Backend) {
    let rx = Receiver::start();
    let settings = AlertSettings {
        slack_api_url: rx.base.clone(),
        delivery_max_attempts: 3,
        allow_http_webhooks: true,
        allow_private_webhook_targets: true,
        ..AlertSettings::default()
    };
    let mut env = env(backend, settings);
    let t0 = env.clock.now_grid();
    let a = alert(env.team, "API errors", errors_of("api"), 0, 5, 1, 1);
    env.state.alerts.create_alert(&a, 20, &[]).unwrap();
    add_webhook(&env, &a, &format!("{}/hook", rx.base), "whsec_x");
    let port = rx.base.rsplit(':').next().unwrap();
    add_webhook(&env, &a, &format!("http://localhost:{port}/by-name"), "whsec_y");
    add_slack(&env, &a, "xoxb-t", "C1");
    ingest(&env, "api", t0 - Duration::minutes(2), Duration::minutes(1), 3);
    assert_eq!(scheduler::tick(&env.state, t0).unwrap().deliveries, 3);

    // The operator turns private targets off before the sender runs.
    let mut server = (*env.state.settings).clone();
    server.alerts.allow_private_webhook_targets = false;
    env.state.settings = Arc::new(server);
    let agent = delivery::agent();
    let r = delivery::send_due(&env.state, &agent, t0).unwrap();
    assert_eq!((r.delivered, r.retried, r.dead), (1, 0, 2), "{r:?}");
    let got = rx.take();
    let paths: Vec<&str> = got.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/chat.postMessage"], "only Slack reached the receiver");

    let events = env.state.alerts.events(env.team, a.id, None, 10, 0).unwrap();
    let ids: Vec<uuid::Uuid> = events.results.iter().map(|e| e.id).collect();
    let deliveries = env.state.alerts.deliveries_for_events(&ids).unwrap();
    let hooks: Vec<_> = deliveries.iter().filter(|d| d.dtype == DestinationType::Webhook).collect();
    assert_eq!(hooks.len(), 2);
    for d in hooks {
        // Dead on the first attempt although three are allowed: retrying cannot help.
        assert_eq!((d.status, d.attempts), (DeliveryStatus::Dead, 1));
        let e = d.last_error.as_deref().unwrap();
        assert!(e.starts_with("webhook refused: "), "{e}");
        assert!(e.contains("127.0.0.1") && e.contains("a loopback address"), "{e}");
        assert!(e.contains("allow_private_webhook_targets"), "{e}");
    }
    // Nothing is left to send.
    let later = t0 + Duration::hours(1);
    assert_eq!(delivery::send_due(&env.state, &agent, later).unwrap(), Default::default());
}

#[test]
fn sqlite_internal_webhooks_are_refused_at_delivery() {
    refused_at_delivery(Backend::Sqlite);
}

#[test]
fn postgres_internal_webhooks_are_refused_at_delivery() {
    refused_at_delivery(Backend::Postgres);
}
