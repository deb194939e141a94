//! The real binary keeps its data directory private: everything it writes (SQLite database
//! and its WAL, log WAL and segments, exports, jwt-secret, secrets-key) is 0600 in 0700
//! directories, and what an older release left world-readable is tightened at the next
//! start, with one log line saying how many. Secrets written through the API are sealed,
//! and plain rows of the previous release are sealed at start.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use alerts_engine::repo::AlertRepo;
use diesel::prelude::*;
use serde_json::{Value, json};
use store_sql::schema::integrations as ig;
use store_sql::secrets::{SecretBox, SecretKey};
use support::{Credentials, agent, credentials, log_path, start, temp_root};

/// (path, mode) of `dir` and everything under it.
fn walk(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut out = vec![(dir.to_owned(), std::fs::metadata(dir).unwrap().permissions().mode() & 0o777)];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push((p, meta.permissions().mode() & 0o777));
        }
    }
    out
}

fn assert_private(dir: &Path, why: &str) {
    for (p, mode) in walk(dir) {
        let want = if p.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode, want, "{why}: {} is {mode:o}", p.display());
    }
}

fn has(dir: &Path, rel: &str, ext: Option<&str>) -> bool {
    let p = dir.join(rel);
    match ext {
        None => p.exists(),
        Some(ext) => std::fs::read_dir(&p)
            .map(|rd| rd.flatten().any(|e| e.path().extension().is_some_and(|x| x == ext)))
            .unwrap_or(false),
    }
}

fn post(base: &str, path: &str, key: &str, body: &Value) -> (u16, Value) {
    let mut r = agent(Duration::from_secs(30))
        .post(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {key}"))
        .send_json(body)
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_json().unwrap_or(Value::Null))
}

fn get(base: &str, path: &str, key: &str) -> (u16, Value) {
    let mut r = agent(Duration::from_secs(30))
        .get(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {key}"))
        .call()
        .unwrap();
    (r.status().as_u16(), r.body_mut().read_json().unwrap_or(Value::Null))
}

/// Logs (for the WAL and, once sealed, a segment), an export file and a Slack integration.
fn write_everything(base: &str, c: &Credentials) -> i64 {
    let now_ns = time::OffsetDateTime::now_utc().unix_timestamp_nanos().to_string();
    let logs = json!({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "modes"}}]},
        "scopeLogs": [{"logRecords": [{"timeUnixNano": now_ns, "body": {"stringValue": "private"}}]}]
    }]});
    assert_eq!(post(base, "/i/v1/logs", &c.token, &logs).0, 200);
    let export = json!({"format": "csv", "filters": {}});
    let (status, body) = post(
        base,
        &format!("/api/projects/{}/advanced_activity_logs/export/", c.project_id),
        &c.key,
        &export,
    );
    assert_eq!(status, 202, "{body}");
    let slack = json!({"kind": "slack", "config": {"team": {"id": "T1"}}, "sensitive_config": {"access_token": "xoxb-api"}});
    let (status, body) = post(base, &format!("/api/projects/{}/integrations/", c.project_id), &c.key, &slack);
    assert_eq!(status, 201, "{body}");
    body["id"].as_i64().unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn sqlite(dir: &Path) -> store_sql::DbPool {
    store_sql::connect(&format!("sqlite://{}", dir.join("logstead.db").display()), 1).unwrap()
}

fn raw_tokens(dir: &Path) -> Vec<String> {
    let pool = sqlite(dir);
    let mut c = pool.get().unwrap();
    ig::table.select(ig::sensitive_config).order_by(ig::id).load(&mut *c).unwrap()
}

/// "... permissions checked: N made owner-only ..." lines of the server log, as N.
fn fixed_counts(dir: &Path) -> Vec<usize> {
    std::fs::read_to_string(log_path(dir))
        .unwrap()
        .lines()
        .filter_map(|l| l.split("data directory permissions checked: ").nth(1))
        .map(|rest| rest.split_whitespace().next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn sqlite_data_dir_is_private_and_loose_modes_are_fixed_at_start() {
    let root = temp_root("logstead-modes");
    let dir = root.join("data");
    let server = start(&dir, None);
    let c = credentials(&server.stdout);
    let integration = write_everything(&server.base, &c);
    wait_for("a sealed segment and the export file", || {
        has(&dir, "logs/segments", Some("seg")) && has(&dir, "exports", Some("csv"))
    });
    for (rel, ext) in [
        ("logstead.db", None),
        ("logstead.db-wal", None),
        ("logstead.db-shm", None),
        ("jwt-secret", None),
        ("secrets-key", None),
        ("logs/wal", Some("log")),
        ("logs/segments", Some("meta")),
    ] {
        assert!(has(&dir, rel, ext), "{rel} exists");
    }
    assert_private(&dir, "as written");

    // Secrets at rest: the API's token is sealed with the data dir's key.
    let key = SecretKey::from_base64(&std::fs::read_to_string(dir.join("secrets-key")).unwrap()).unwrap();
    let tokens = raw_tokens(&dir);
    assert!(tokens[0].starts_with(&format!("enc:v1:{}:", key.id())) && !tokens[0].contains("xoxb"));
    drop(server);

    // The previous release: everything readable by all, and a token stored in plain text.
    let mut loosened = 0;
    for (p, _) in walk(&dir) {
        let m = if p.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).unwrap();
        loosened += 1;
    }
    {
        let pool = sqlite(&dir);
        let mut conn = pool.get().unwrap();
        diesel::update(ig::table.filter(ig::id.eq(integration)))
            .set(ig::sensitive_config.eq(r#"{"access_token":"xoxb-legacy"}"#))
            .execute(&mut *conn)
            .unwrap();
    }
    let again = start(&dir, None);
    assert_private(&dir, "after the start-time fix-up");
    assert_eq!(fixed_counts(&dir), vec![0, loosened], "one line per start, counting every file");
    let tokens = raw_tokens(&dir);
    assert!(tokens[0].starts_with(&format!("enc:v1:{}:", key.id())), "sealed at start: {tokens:?}");
    let (status, body) =
        get(&again.base, &format!("/api/projects/{}/integrations/{integration}/", c.project_id), &c.key);
    assert_eq!(status, 200, "{body}");
    let store = store_sql::SqlStore::with_secrets(sqlite(&dir), std::sync::Arc::new(SecretBox::new(key)));
    let stored = store.integration(c.project_id, integration).unwrap().unwrap();
    assert_eq!(
        stored.sensitive_config,
        json!({"access_token": "xoxb-legacy"}),
        "the legacy value, unchanged"
    );
    drop(again);
    let _ = std::fs::remove_dir_all(&root);
}
