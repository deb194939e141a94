//! Shared by the alert scheduler tests: an in-process `AppState` on a fresh database and
//! log store with a settable clock, log rows, alerts and destinations written through the
//! repo, and a local HTTP receiver that records requests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use alerts_engine::config::{AlertConfig, AlertFilters};
use alerts_engine::repo::{Alert, Destination, DestinationType, NewIntegration, NotifyKind};
use log_store::EmbeddedStore;
use logs_query::testsuite::wrapped::Wrapped;
use logs_query::timefmt::to_us;
use logs_query::{LogRecord, Severity, StoreError};
use logstead::config::AlertSettings;
use logstead::state::{AppState, Clock, ServerSettings};
use orgs::service::Bootstrap;
use serde_json::{Value, json};
pub use store_sql::Backend;
use store_sql::testing::TestDb;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub const SITE: &str = "http://logstead.test";

pub struct FakeClock(pub Mutex<OffsetDateTime>);

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

impl FakeClock {
    /// The start time: on the 5-minute grid.
    pub fn now_grid(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap() = t;
    }
}

/// The embedded store, whose reads fail while `Env::fail_reads` is on (writes always work).
pub type Flaky = Wrapped<EmbeddedStore>;

pub struct Env {
    pub state: AppState,
    pub store: Arc<Flaky>,
    fail: Arc<AtomicBool>,
    pub clock: Arc<FakeClock>,
    pub boot: Bootstrap,
    pub team: i64,
    _db: TestDb,
    dir: std::path::PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A grid time an hour before the wall clock, so the store's checkpoint never holds
/// the windows back.
pub fn base_time() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc() - Duration::hours(1);
    let secs = now.unix_timestamp();
    OffsetDateTime::from_unix_timestamp(secs - secs.rem_euclid(300)).unwrap()
}

pub fn env(backend: Backend, alerts: AlertSettings) -> Env {
    let db = TestDb::new(backend);
    let dir = std::env::temp_dir().join(format!("logstead-alerts-{}", Uuid::new_v4()));
    let (logs, _) = EmbeddedStore::open(&dir.join("logs")).unwrap();
    let fail = Arc::new(AtomicBool::new(false));
    let failing = Arc::clone(&fail);
    let store = Arc::new(Wrapped::new(logs).before_read(move || {
        if failing.load(Ordering::SeqCst) { Err(StoreError::Read("disk on fire".into())) } else { Ok(()) }
    }));
    let clock = Arc::new(FakeClock(Mutex::new(base_time())));
    let settings = ServerSettings {
        jwt_secret: b"test-secret-test-secret-test-secret!".to_vec(),
        session_ttl_secs: 3600,
        max_body_bytes: 64 * 1024,
        data_dir: dir.clone(),
        max_ingest_bytes: 1 << 20,
        site_url: SITE.into(),
        alerts,
    };
    let state = AppState::new(db.pool.clone(), store.clone(), settings, clock.clone());
    let boot = orgs::service::bootstrap(&*state.repos, state.now()).unwrap().unwrap();
    let team = boot.project.id.0;
    Env { state, store, fail, clock, boot, team, _db: db, dir }
}

pub fn record(team: i64, t: OffsetDateTime, service: &str, severity: Severity, body: &str) -> LogRecord {
    LogRecord {
        uuid: Uuid::now_v7(),
        team_id: team,
        timestamp_us: to_us(t),
        // Received now, as ingestion stamps it (the store's checkpoint follows this).
        observed_timestamp_us: to_us(OffsetDateTime::now_utc()),
        body: body.to_owned(),
        severity,
        severity_number: severity.default_number(),
        service_name: service.to_owned(),
        resource_attributes: vec![("service.name".into(), service.into())].into(),
        resource_fingerprint: 7,
        bytes: u32::try_from(body.len()).unwrap(),
        ..LogRecord::default()
    }
}

/// `n` error lines of `service`, spread evenly over `[from, from + span)`.
pub fn ingest(env: &Env, service: &str, from: OffsetDateTime, span: Duration, n: usize) {
    let step = span / u32::try_from(n.max(1)).unwrap();
    let rows = (0..n)
        .map(|i| {
            let t = from + step * u32::try_from(i).unwrap();
            record(env.team, t, service, Severity::Error, &format!("request {i} failed: upstream timeout"))
        })
        .collect();
    env.state.logs.append(env.team, rows).unwrap();
}

impl Env {
    /// Makes every log store read fail (or work again).
    pub fn fail_reads(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }
}

pub fn alert(
    team: i64,
    name: &str,
    filters: AlertFilters,
    threshold: i64,
    window: i64,
    m: i64,
    n: i64,
) -> Alert {
    let now = OffsetDateTime::now_utc();
    Alert::new(
        Uuid::now_v7(),
        team,
        AlertConfig {
            name: name.into(),
            filters,
            threshold_count: threshold,
            window_minutes: window,
            evaluation_periods: m,
            datapoints_to_alarm: n,
            ..Default::default()
        },
        None,
        now,
    )
}

pub fn errors_of(service: &str) -> AlertFilters {
    AlertFilters {
        severity_levels: vec!["error".into()],
        service_names: vec![service.into()],
        filter_group: None,
    }
}

fn destination(a: &Alert, group: Uuid, kind: NotifyKind, dtype: DestinationType) -> Destination {
    let blank = Destination::blank(a.team_id, a.id, dtype, OffsetDateTime::now_utc());
    Destination { id: Uuid::now_v7(), group_id: group, kind, ..blank }
}

/// One webhook row per notification kind, sharing the signing secret.
pub fn add_webhook(env: &Env, a: &Alert, url: &str, secret: &str) {
    let group = Uuid::now_v7();
    let rows: Vec<Destination> = NotifyKind::ALL
        .iter()
        .map(|k| Destination {
            webhook_url: Some(url.into()),
            signing_secret: Some(secret.into()),
            ..destination(a, group, *k, DestinationType::Webhook)
        })
        .collect();
    env.state.alerts.create_destinations(a.team_id, a.id, &rows, &[]).unwrap();
}

/// A Slack integration holding `token`, and one Slack row per kind posting to `channel`.
pub fn add_slack(env: &Env, a: &Alert, token: &str, channel: &str) {
    let integration = env
        .state
        .alerts
        .create_integration(
            &NewIntegration {
                team_id: a.team_id,
                kind: "slack".into(),
                config: json!({"team": {"id": "T1", "name": "Acme"}}),
                sensitive_config: json!({"access_token": token}),
                created_at: OffsetDateTime::now_utc(),
                created_by: None,
            },
            &[],
        )
        .unwrap();
    let group = Uuid::now_v7();
    let rows: Vec<Destination> = NotifyKind::ALL
        .iter()
        .map(|k| Destination {
            slack_integration_id: Some(integration.id),
            slack_channel_id: Some(channel.into()),
            slack_channel_name: Some("alerts".into()),
            ..destination(a, group, *k, DestinationType::Slack)
        })
        .collect();
    env.state.alerts.create_destinations(a.team_id, a.id, &rows, &[]).unwrap();
}

/// A request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A local HTTP server: `/fail*` answers 500, `/chat.postMessage` answers Slack's
/// `{"ok": true}`, anything else 200.
pub struct Receiver {
    pub base: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Some(r) = serve_one(stream) {
                    sink.lock().unwrap().push(r);
                }
            }
        });
        Receiver { base, got }
    }

    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.got.lock().unwrap())
    }
}

fn serve_one(mut stream: TcpStream) -> Option<Received> {
    stream.set_read_timeout(Some(StdDuration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let (status, answer) = if path.starts_with("/fail") {
        ("500 Internal Server Error", r#"{"error":"boom"}"#)
    } else if path.ends_with("/chat.postMessage") {
        ("200 OK", r#"{"ok":true,"channel":"C123","ts":"1.2"}"#)
    } else {
        ("200 OK", "{}")
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
    let _ = stream.flush();
    Some(Received { path, headers, body })
}
