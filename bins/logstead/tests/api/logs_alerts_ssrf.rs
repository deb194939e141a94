//! Webhook destinations must not reach internal services (SSRF): every address class is
//! refused on create (400 naming the address and its class) unless the operator allows
//! private webhook targets.

use std::sync::Arc;

use serde_json::json;

use crate::common::{self, Backend};
use crate::logs_alerts::{alerts_path, api_filters};

/// A URL for each refused class, and the class the message names.
const REFUSED: &[(&str, &str)] = &[
    ("https://127.0.0.1:5432/", "127.0.0.1 is a loopback address"),
    ("https://2130706433/", "127.0.0.1 is a loopback address"),
    ("https://[::1]/hook", "::1 is a loopback address"),
    ("https://0.0.0.0/", "0.0.0.0 is an unspecified address"),
    ("https://[::]/", ":: is an unspecified address"),
    ("https://10.0.0.5/", "10.0.0.5 is a private address"),
    ("https://172.16.0.1/", "172.16.0.1 is a private address"),
    ("https://192.168.1.1/", "192.168.1.1 is a private address"),
    ("https://100.64.0.1/", "100.64.0.1 is a shared address (carrier-grade NAT)"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("https://169.254.10.10/", "169.254.10.10 is a link-local address"),
    ("https://[fe80::1]/", "fe80::1 is a link-local address"),
    ("https://[fd00:ec2::254]/", "fd00:ec2::254 is a cloud metadata address"),
    ("https://[fc00::1]/", "fc00::1 is a unique-local address"),
    ("https://[fd12:3456::1]/", "fd12:3456::1 is a unique-local address"),
    ("https://[::ffff:127.0.0.1]/", "::ffff:127.0.0.1 is a loopback address"),
    ("https://[::ffff:10.1.2.3]/", "::ffff:10.1.2.3 is a private address"),
    ("https://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe is a cloud metadata address"),
    ("https://224.0.0.1/", "224.0.0.1 is a multicast address"),
    ("https://255.255.255.255/", "255.255.255.255 is the broadcast address"),
    ("https://localhost:8443/hook", "localhost resolves to 127.0.0.1, which is a loopback address"),
    ("https://api.localhost/", "api.localhost resolves to 127.0.0.1, which is a loopback address"),
];

async fn refused_on_create(backend: Backend) {
    let app = common::start(backend).await;
    let base = alerts_path(app.project());
    let a = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
    let one = format!("{base}{}/", a["id"].as_str().unwrap_or_default());
    let dests = format!("{one}destinations/");
    for (url, why) in REFUSED {
        let r = app.post(&dests, &app.key, json!({"type": "webhook", "webhook_url": url})).await;
        r.assert_error(400, "validation_error", "forbidden_address");
        assert_eq!(r.body["attr"], "webhook_url", "{url}");
        let want = format!("Webhook URL must not point at an internal address: {why}.");
        assert_eq!(r.body["detail"], want.as_str(), "{url}");
    }
    assert_eq!(app.get(&one, &app.key).await.ok(200)["destinations"], json!([]));
    // A public address passes; so does a name that does not resolve (yet): every delivery
    // resolves and vets again before connecting.
    for url in ["https://93.184.216.34/hook", "https://[2606:4700:4700::1111]/", "https://hooks.invalid/x"] {
        let r = app.post(&dests, &app.key, json!({"type": "webhook", "webhook_url": url})).await;
        assert_eq!(r.status.as_u16(), 201, "{url}: {}", r.text);
    }
}

async fn allowed_by_the_operator(backend: Backend) {
    let app = common::start_with(backend, |st| {
        let mut s = (*st.settings).clone();
        s.alerts.allow_private_webhook_targets = true;
        st.settings = Arc::new(s);
    })
    .await;
    let base = alerts_path(app.project());
    let a = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
    let dests = format!("{base}{}/destinations/", a["id"].as_str().unwrap_or_default());
    for (url, _) in REFUSED {
        let r = app.post(&dests, &app.key, json!({"type": "webhook", "webhook_url": url})).await;
        assert_eq!(r.status.as_u16(), 201, "{url}: {}", r.text);
    }
    // The https rule is separate and still applies.
    let r = app.post(&dests, &app.key, json!({"type": "webhook", "webhook_url": "http://127.0.0.1/"})).await;
    assert_eq!(r.body["detail"], "Webhook URL must use https.");
}

#[actix_web::test]
async fn sqlite_internal_webhooks_are_refused_on_create() {
    refused_on_create(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_internal_webhooks_are_refused_on_create() {
    refused_on_create(Backend::Postgres).await;
}

#[actix_web::test]
async fn sqlite_private_webhook_targets_can_be_allowed() {
    allowed_by_the_operator(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_private_webhook_targets_can_be_allowed() {
    allowed_by_the_operator(Backend::Postgres).await;
}
