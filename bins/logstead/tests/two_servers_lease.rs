//! One server per metadata database serves the embedded log store (issue 13 §5), with real
//! processes on PostgreSQL and on a shared SQLite file: a second log-store server exits 1
//! naming the first; an `--api-only` one serves the metadata API and answers 503 on log
//! routes; a restart after kill -9 on the same data dir takes the lease over at once; after
//! a SIGTERM the lease is free and another server takes it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use store_sql::SqlStore;
use store_sql::lease::EMBEDDED_LOG_STORE;
use store_sql::testing::TestDb;
use support::{Credentials, Server, agent, credentials, free_port, log_path, log_tail, query_all, temp_root};

fn command(data_dir: &Path, url: &str, addr: &str, api_only: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logstead"));
    cmd.env("LOGSTEAD_DATA_DIR", data_dir)
        .env("LOGSTEAD_BIND", addr)
        .env("LOGSTEAD_WORKERS", "1")
        .env("LOGSTEAD_DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .env_remove("LOGSTEAD_API_ONLY");
    if api_only {
        cmd.env("LOGSTEAD_API_ONLY", "true");
    }
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log_path(data_dir)).unwrap();
    cmd.stdout(Stdio::piped()).stderr(log);
    cmd
}

/// Starts a server and returns once it listens.
fn launch(data_dir: &Path, url: &str, api_only: bool) -> Server {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = command(data_dir, url, &addr, api_only).spawn().unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut stdout = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("server exited early: {stdout:?}\nstderr:\n{}", log_tail(data_dir));
        }
        let listening = line.contains("listening on");
        stdout.push(line);
        if listening {
            break;
        }
        assert!(Instant::now() < deadline, "server did not start");
    }
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    Server { child, stdout, base: format!("http://{addr}"), log: log_path(data_dir) }
}

/// Runs a server that should refuse to start: its exit code, stdout and stderr.
fn refused(data_dir: &Path, url: &str) -> (Option<i32>, String, String) {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = command(data_dir, url, &addr, false).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the second server did not exit:\n{}", log_tail(data_dir));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    (status.code(), stdout, std::fs::read_to_string(log_path(data_dir)).unwrap_or_default())
}

/// SIGTERM, as a service manager stops a server; returns its exit code.
fn sigterm(mut server: Server) -> Option<i32> {
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            return status.code();
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn call(method: &str, base: &str, path: &str, auth: &str, body: Option<Value>) -> (u16, Value) {
    let agent = agent(Duration::from_secs(30));
    let url = format!("{base}{path}");
    let auth = format!("Bearer {auth}");
    let mut resp = match (method, body) {
        ("GET", _) => agent.get(&url).header("Authorization", &auth).call().unwrap(),
        ("DELETE", _) => agent.delete(&url).header("Authorization", &auth).call().unwrap(),
        ("PATCH", body) => agent.patch(&url).header("Authorization", &auth).send_json(body.unwrap()).unwrap(),
        (_, body) => {
            agent.post(&url).header("Authorization", &auth).send_json(body.unwrap_or(json!({}))).unwrap()
        }
    };
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_json().unwrap_or(Value::Null))
}

fn otlp(body: &str) -> Value {
    let now_ns = time::OffsetDateTime::now_utc().unix_timestamp_nanos().to_string();
    json!({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "lease-test"}}]},
        "scopeLogs": [{"logRecords": [{"timeUnixNano": now_ns, "severityText": "INFO", "body": {"stringValue": body}}]}]
    }]})
}

fn bodies(base: &str, c: &Credentials) -> Vec<String> {
    query_all(base, &c.key, c.project_id, &json!({"dateRange": {"date_from": "-1h"}}))
        .iter()
        .map(|r| r["body"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn canonical(dir: &Path) -> String {
    std::fs::canonicalize(dir).unwrap().display().to_string()
}

/// Every log route of an API-only server answers 503 with the same PostHog-style body; its
/// metadata routes work.
fn api_only_node(base: &str, c: &Credentials) {
    let (status, orgs) = call("GET", base, "/api/organizations/", &c.key, None);
    assert_eq!((status, &orgs["count"]), (200, &json!(1)), "{orgs}");
    let p = format!("/api/projects/{}", c.project_id);
    assert_eq!(call("GET", base, &format!("{p}/logs/alerts/"), &c.key, None).0, 200);
    let rule = json!({"name": "lease", "rule_type": "path_drop", "enabled": false,
        "config": {"patterns": ["^/healthz$"]}});
    let (status, created) = call("POST", base, &format!("{p}/logs/sampling_rules/"), &c.key, Some(rule));
    assert_eq!(status, 201, "{created}");
    let rule_id = created["id"].as_str().unwrap();
    let org = orgs["results"][0]["id"].as_str().unwrap();
    let ai = Some(json!({"is_ai_data_processing_approved": true}));
    assert_eq!(call("PATCH", base, &format!("/api/organizations/{org}/"), &c.key, ai).0, 200);
    let explain = json!({"uuid": uuid::Uuid::new_v4().to_string(), "timestamp": "2026-12-07T10:00:00Z"});

    let alert = json!({"filters": {"serviceNames": ["lease-test"]}, "threshold_count": 2,
        "window_minutes": 5, "check_interval_minutes": 5, "date_from": "-1h"});
    let log_routes = [
        ("POST", "/i/v1/logs".to_string(), c.token.as_str(), Some(otlp("to the api-only node"))),
        ("POST", "/v1/logs".to_string(), c.token.as_str(), Some(otlp("to the api-only node"))),
        (
            "POST",
            format!("{p}/logs/query/"),
            c.key.as_str(),
            Some(json!({"query": {"dateRange": {"date_from": "-1h"}, "limit": 10}})),
        ),
        (
            "POST",
            format!("{p}/logs/count/"),
            c.key.as_str(),
            Some(json!({"query": {"dateRange": {"date_from": "-1h"}}})),
        ),
        ("GET", format!("{p}/logs/has_logs/"), c.key.as_str(), None),
        ("GET", format!("{p}/logs/attributes/"), c.key.as_str(), None),
        ("POST", format!("{p}/logs/alerts/simulate/"), c.key.as_str(), Some(alert)),
        ("POST", format!("{p}/logs/sampling_rules/{rule_id}/simulate/"), c.key.as_str(), Some(json!({}))),
        ("POST", format!("{p}/logs/explainLogWithAI/"), c.key.as_str(), Some(explain)),
        // Deleting a project drops its logs, which are not here: refused, nothing deleted.
        ("DELETE", format!("{p}/"), c.key.as_str(), None),
    ];
    for (method, path, auth, body) in log_routes {
        let (status, body) = call(method, base, &path, auth, body);
        assert_eq!(status, 503, "{method} {path}: {body}");
        assert_eq!(body["type"], "server_error", "{path}: {body}");
        assert_eq!(body["code"], "log_store_unavailable", "{path}: {body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("serves the API only") && detail.contains("--api-only"), "{path}: {body}");
    }
    assert_eq!(call("GET", base, &format!("{p}/"), &c.key, None).0, 200, "the project is still there");
}

fn one_log_store_server_per_database(url: &str, root: &Path) {
    let (dir_a, dir_b, dir_c) = (root.join("a"), root.join("b"), root.join("c"));
    let a = launch(&dir_a, url, false);
    let c = credentials(&a.stdout);
    let (status, body) = call("POST", &a.base, "/i/v1/logs", &c.token, Some(otlp("kept by A")));
    assert_eq!(status, 200, "{body}");
    assert_eq!(bodies(&a.base, &c), ["kept by A"]);

    // A second log-store server on the same database: refused, naming the holder.
    let (code, stdout, stderr) = refused(&dir_b, url);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(!stdout.contains("listening on"), "{stdout}");
    let holder = format!("data dir {}, last seen ", canonical(&dir_a));
    for part in [
        "logstead: another server (host ",
        &holder,
        "s ago) already serves the embedded log store on \
        this database; several servers cannot share logs yet. Start this one with --api-only",
    ] {
        assert!(stderr.contains(part), "missing {part:?} in:\n{stderr}");
    }

    // An API-only server beside it.
    let api = launch(&dir_c, url, true);
    assert!(api.stdout.iter().any(|l| l.contains("API only")), "{:?}", api.stdout);
    api_only_node(&api.base, &c);

    // kill -9, then a restart on the same data dir takes the lease over at once (it would
    // otherwise be refused for up to 30 s) and still has its logs.
    a.kill9();
    let a = launch(&dir_a, url, false);
    assert_eq!(bodies(&a.base, &c), ["kept by A"]);
    assert!(
        std::fs::read_to_string(log_path(&dir_a))
            .unwrap()
            .contains("took over the embedded log store's lease")
    );

    // A clean stop releases the lease; the server refused before can start now.
    assert_eq!(sigterm(a), Some(0), "{}", log_tail(&dir_a));
    let store = SqlStore::new(store_sql::connect(url, 1).unwrap());
    assert_eq!(store.lease(EMBEDDED_LOG_STORE).unwrap(), None, "released on SIGTERM");
    let b = launch(&dir_b, url, false);
    let lease = store.lease(EMBEDDED_LOG_STORE).unwrap().expect("B holds the lease");
    assert_eq!(lease.holder.data_dir, canonical(&dir_b));
    let (status, body) = call("POST", &b.base, "/i/v1/logs", &c.token, Some(otlp("kept by B")));
    assert_eq!(status, 200, "{body}");
    // Logs stay in the data dir they were sent to: B does not see A's.
    assert_eq!(bodies(&b.base, &c), ["kept by B"]);
    // The API-only server kept serving meanwhile.
    assert_eq!(call("GET", &api.base, "/api/organizations/", &c.key, None).0, 200);
    drop((api, b));
}

#[test]
fn postgres_one_log_store_server_per_database() {
    let db = TestDb::postgres();
    let root = temp_root("logstead-lease-pg");
    one_log_store_server_per_database(&db.url, &root);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn sqlite_shared_file_one_log_store_server() {
    let root = temp_root("logstead-lease-sqlite");
    let url = format!("sqlite://{}", root.join("shared.db").display());
    one_log_store_server_per_database(&url, &root);
    let _ = std::fs::remove_dir_all(&root);
}
