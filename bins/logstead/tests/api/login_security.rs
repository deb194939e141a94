//! Login: throttled per account and per client address (429 with `Retry-After`), and an
//! unknown email takes as long as a wrong password, so neither reveals which accounts exist.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::Instant;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use logstead::config::LoginSettings;
use orgs::{Level, LoginLimits};
use serde_json::json;

use crate::common::{self, Backend, Resp, TestApp};

const WINDOW: u64 = 900;

fn limits(per_account: u32, per_client: u32) -> LoginSettings {
    LoginSettings {
        limits: LoginLimits { per_account, per_client, window_secs: WINDOW },
        ..Default::default()
    }
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// `POST /api/login/` from `peer`, with an `X-Forwarded-For` header when given.
async fn login<S, B>(
    app: &TestApp<S>,
    peer: &str,
    forwarded: Option<&str>,
    email: &str,
    password: &str,
) -> Resp
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut req = TestRequest::post()
        .uri("/api/login/")
        .insert_header(("host", "logstead.test"))
        .peer_addr(addr(peer))
        .set_json(json!({"email": email, "password": password}));
    if let Some(f) = forwarded {
        req = req.insert_header(("x-forwarded-for", f));
    }
    app.raw(req).await
}

fn assert_wrong(r: &Resp) {
    r.assert_error(400, "validation_error", "invalid_credentials");
    assert_eq!(r.body["detail"], "Invalid email or password.");
}

/// DRF's throttled body and a `Retry-After` that matches it; returns the wait.
fn assert_throttled(r: &Resp) -> u64 {
    r.assert_error(429, "throttled_error", "throttled");
    assert!(r.body["attr"].is_null(), "{}", r.text);
    let header = r.headers.get("retry-after").expect("Retry-After header");
    let secs: u64 = header.to_str().unwrap().parse().unwrap();
    assert!((1..=WINDOW).contains(&secs), "Retry-After {secs}");
    assert_eq!(r.body["detail"], format!("Request was throttled. Expected available in {secs} seconds."));
    secs
}

async fn wrong_passwords_are_throttled_per_account_then_per_address(backend: Backend) {
    let app = common::start_with(backend, |st| st.set_login(limits(3, 5))).await;
    let (email, password) = (app.boot.user.email.clone(), app.boot.password.clone());
    let (a, b, c) = ("198.51.100.1:5000", "198.51.100.2:5000", "198.51.100.3:5000");
    for _ in 0..3 {
        assert_wrong(&login(&app, a, None, &email, "wrong-password").await);
    }
    // The fourth is refused before the password is looked at: the right one too.
    assert_throttled(&login(&app, a, None, &email, &password).await);
    // The account limit holds whatever the address.
    assert_throttled(&login(&app, b, None, &email, &password).await);
    assert_throttled(&login(&app, b, None, &email.to_uppercase(), &password).await);

    // Address a has made 3 counted attempts (refusals are not counted): 2 left for any account.
    assert_wrong(&login(&app, a, None, "nobody@x.io", "whatever1").await);
    assert_wrong(&login(&app, a, None, "someone@x.io", "whatever1").await);
    let (_, _) = app.member("m@x.io", Level::Member, &["*"]);
    assert_throttled(&login(&app, a, None, "m@x.io", "password123").await);
    // The same account from another address is fine: the address is the key here.
    assert_eq!(login(&app, c, None, "m@x.io", "password123").await.status, 200);
    // The same address on another port is the same client.
    assert_throttled(&login(&app, "198.51.100.1:6001", None, "m@x.io", "password123").await);
}

async fn a_success_resets_the_account(backend: Backend) {
    let app = common::start_with(backend, |st| st.set_login(limits(3, 100))).await;
    let (_, _) = app.member("m@x.io", Level::Member, &["*"]);
    let peer = "203.0.113.9:4000";
    for _ in 0..2 {
        assert_wrong(&login(&app, peer, None, "m@x.io", "nope-nope").await);
    }
    assert_eq!(login(&app, peer, None, "m@x.io", "password123").await.status, 200);
    for _ in 0..3 {
        assert_wrong(&login(&app, peer, None, "m@x.io", "nope-nope").await);
    }
    assert_throttled(&login(&app, peer, None, "m@x.io", "password123").await);
}

async fn forwarded_for_counts_only_when_trusted(backend: Backend) {
    let proxy = "10.0.0.2:40000";
    // Not trusted: every request through the proxy is the proxy's, whatever the header says.
    let app = common::start_with(backend, |st| st.set_login(limits(100, 2))).await;
    for n in 1..=2 {
        let xff = format!("192.0.2.{n}");
        assert_wrong(&login(&app, proxy, Some(&xff), &format!("u{n}@x.io"), "whatever1").await);
    }
    assert_throttled(&login(&app, proxy, Some("192.0.2.77"), "u3@x.io", "whatever1").await);

    // Trusted: the last entry (the one the proxy added) is the client; earlier ones are not.
    let trusted = LoginSettings { trust_x_forwarded_for: true, ..limits(100, 2) };
    let app = common::start_with(backend, move |st| st.set_login(trusted)).await;
    for n in 1..=2 {
        let xff = format!("6.6.6.{n}, 192.0.2.1");
        assert_wrong(&login(&app, proxy, Some(&xff), &format!("u{n}@x.io"), "whatever1").await);
    }
    assert_throttled(&login(&app, proxy, Some("6.6.6.9, 192.0.2.1"), "u3@x.io", "whatever1").await);
    assert_wrong(&login(&app, proxy, Some("192.0.2.2"), "u3@x.io", "whatever1").await);
}

fn median(mut ms: Vec<f64>) -> f64 {
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// Medians of unknown-email and wrong-password logins, in milliseconds, taken in
/// A-B-B-A order so a load that rises or falls during the run weighs on both alike.
async fn timings<S, B>(app: &TestApp<S>, rounds: usize) -> (f64, f64)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let email = app.boot.user.email.clone();
    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for n in 0..rounds {
        for known in if n % 2 == 0 { [false, true] } else { [true, false] } {
            let who = if known { email.clone() } else { format!("nobody{n}@x.io") };
            let start = Instant::now();
            let r = login(app, "192.0.2.10:1000", None, &who, "wrong-password").await;
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            assert_wrong(&r);
            if known { wrong.push(ms) } else { unknown.push(ms) }
        }
    }
    (median(unknown), median(wrong))
}

/// One timing test at a time (SQLite and PostgreSQL would otherwise share the two cores).
static TIMING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn an_unknown_email_takes_as_long_as_a_wrong_password(backend: Backend) {
    let app = common::start_with(backend, |st| st.set_login(limits(10_000, 10_000))).await;
    let _alone = TIMING.lock().await;
    // Warm up: the dummy hash, the connection pool, the blocking threads.
    timings(&app, 3).await;
    // On a loaded machine one set of samples can be skewed by a neighbour's burst; a real
    // difference (without the dummy hash an unknown email skips argon2) shows in every set.
    let mut seen = Vec::new();
    for _ in 0..5 {
        let (unknown, wrong) = timings(&app, 7).await;
        let diff = (unknown - wrong).abs() / wrong;
        seen.push(format!("unknown {unknown:.1} ms, wrong password {wrong:.1} ms ({:.0} %)", diff * 100.0));
        if diff < 0.2 {
            return;
        }
    }
    panic!("login times differ by 20 % or more: {seen:?}");
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite { $( #[actix_web::test] async fn $name() { super::$name(super::Backend::Sqlite).await } )* }
        mod postgres { $( #[actix_web::test] async fn $name() { super::$name(super::Backend::Postgres).await } )* }
    };
}

both!(
    wrong_passwords_are_throttled_per_account_then_per_address,
    a_success_resets_the_account,
    forwarded_for_counts_only_when_trusted,
    an_unknown_email_takes_as_long_as_a_wrong_password
);
