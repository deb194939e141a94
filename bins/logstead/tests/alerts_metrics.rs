//! `/metrics` counts alert checks by outcome and notification delivery attempts by result,
//! as the scheduler and the sender run (the alerts harness: fake clock, local receiver).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_common;

use actix_web::test;
use alerts_common::{Backend, Env, Receiver, add_webhook, alert, env, errors_of, ingest};
use logstead::alerts::{delivery, scheduler};
use logstead::config::AlertSettings;
use time::Duration;

/// The summed value of the series of `name` whose labels include `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, rest) = series.split_once('{').unwrap_or((series, ""));
            let matches = n == name && labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
            matches.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

async fn scrape(env: &Env) -> String {
    let svc = test::init_service(logstead::app::build(env.state.clone())).await;
    let res = test::call_service(&svc, test::TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(res.status(), 200);
    String::from_utf8(test::read_body(res).await.to_vec()).unwrap()
}

async fn checks_and_deliveries_are_counted(backend: Backend) {
    let rx = Receiver::start();
    let settings = AlertSettings {
        delivery_max_attempts: 2,
        delivery_backoff_secs: 10,
        allow_http_webhooks: true,
        allow_private_webhook_targets: true,
        ..AlertSettings::default()
    };
    let env = env(backend, settings);
    let t0 = env.clock.now_grid();
    // One alert that fires (12 errors, threshold 5) to a working receiver, one that stays
    // quiet, and one that fires to a receiver answering 500.
    let firing = alert(env.team, "Checkout errors", errors_of("checkout"), 5, 5, 1, 1);
    let quiet = alert(env.team, "Billing errors", errors_of("billing"), 5, 5, 1, 1);
    let failing = alert(env.team, "Checkout, failing hook", errors_of("checkout"), 5, 5, 1, 1);
    for a in [&firing, &quiet, &failing] {
        env.state.alerts.create_alert(a, 20, &[]).unwrap();
    }
    add_webhook(&env, &firing, &format!("{}/hook", rx.base), "s");
    add_webhook(&env, &failing, &format!("{}/fail", rx.base), "s");
    ingest(&env, "checkout", t0 - Duration::minutes(3), Duration::minutes(2), 12);

    let before = scrape(&env).await;
    let r = scheduler::tick(&env.state, t0).unwrap();
    assert_eq!((r.checked, r.deliveries), (3, 2), "{r:?}");
    let after = scrape(&env).await;
    let checks = |text: &str, outcome| sample(text, "logstead_alert_checks_total", &[("outcome", outcome)]);
    assert_eq!(checks(&after, "firing") - checks(&before, "firing"), 2.0);
    assert_eq!(checks(&after, "not_firing") - checks(&before, "not_firing"), 1.0);
    assert_eq!(checks(&after, "discarded"), 0.0);

    let attempts = |text: &str, result| {
        sample(text, "logstead_alert_delivery_attempts_total", &[("type", "webhook"), ("result", result)])
    };
    let sent = delivery::send_due(&env.state, &delivery::agent(), t0).unwrap();
    assert_eq!((sent.delivered, sent.retried), (1, 1), "{sent:?}");
    let after_send = scrape(&env).await;
    assert_eq!(attempts(&after_send, "delivered") - attempts(&after, "delivered"), 1.0);
    assert_eq!(attempts(&after_send, "retry") - attempts(&after, "retry"), 1.0);
    assert_eq!(attempts(&after_send, "dead"), 0.0);

    // The failing hook's last attempt: dead.
    env.clock.set(t0 + Duration::seconds(10));
    assert_eq!(
        delivery::send_due(&env.state, &delivery::agent(), t0 + Duration::seconds(10)).unwrap().dead,
        1
    );
    let last = scrape(&env).await;
    assert_eq!(attempts(&last, "dead") - attempts(&after_send, "dead"), 1.0);
    assert_eq!(rx.take().len(), 3);
}

#[actix_web::test]
async fn sqlite_alert_checks_and_deliveries_are_counted() {
    checks_and_deliveries_are_counted(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_alert_checks_and_deliveries_are_counted() {
    checks_and_deliveries_are_counted(Backend::Postgres).await;
}
