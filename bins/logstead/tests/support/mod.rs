//! Shared by the tests that drive the real `logstead` binary: start it on a data dir, read the
//! first-start credentials, kill it hard, and read logs back through the query API.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Server {
    pub child: Child,
    pub stdout: Vec<String>,
    pub base: String,
    /// Where the server's stderr goes (appended to across restarts), for failure messages.
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown code runs.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The stderr log of a server on `data_dir`: a sibling file, so the data dir holds only data.
pub fn log_path(data_dir: &Path) -> PathBuf {
    let mut name = data_dir.file_name().unwrap().to_os_string();
    name.push(".server.log");
    data_dir.with_file_name(name)
}

/// Spawns `logstead serve` without waiting for it to come up.
pub fn spawn(data_dir: &Path, database_url: Option<&str>, addr: &str) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logstead"));
    cmd.env("LOGSTEAD_DATA_DIR", data_dir).env("LOGSTEAD_BIND", addr).env("LOGSTEAD_WORKERS", "2");
    cmd.env_remove("LOGSTEAD_DATABASE_URL");
    if let Some(url) = database_url {
        cmd.env("LOGSTEAD_DATABASE_URL", url);
    }
    let log = OpenOptions::new().create(true).append(true).open(log_path(data_dir)).unwrap();
    cmd.stdout(Stdio::piped()).stderr(log).spawn().unwrap()
}

/// Starts `logstead serve` and reads stdout until it says it is listening.
pub fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = spawn(data_dir, database_url, &addr);
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
    // Keep draining stdout: a closed pipe would make a later println! in the server panic.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    Server { child, stdout, base: format!("http://{addr}"), log: log_path(data_dir) }
}

/// The last lines the server wrote to stderr, for failure messages.
pub fn log_tail(data_dir: &Path) -> String {
    let text = std::fs::read_to_string(log_path(data_dir)).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// The word after `label` on the first stdout line that starts with it.
pub fn printed(stdout: &[String], label: &str) -> Option<String> {
    stdout
        .iter()
        .find(|l| l.starts_with(label))
        .and_then(|l| l.split_whitespace().nth(label.split_whitespace().count()).map(String::from))
}

/// What the first start prints once.
pub struct Credentials {
    /// `phx_...`, all scopes.
    pub key: String,
    /// `phc_...`, for ingestion.
    pub token: String,
    pub project_id: i64,
}

pub fn credentials(stdout: &[String]) -> Credentials {
    let key = printed(stdout, "personal API key:").expect("first start prints a key");
    let token = printed(stdout, "project token:").expect("first start prints the project token");
    // "project:            Default project (id 1)"
    let project_line = stdout.iter().find(|l| l.starts_with("project:")).expect("project line");
    let id = project_line.rsplit("(id ").next().and_then(|s| s.split(')').next()).expect("project id");
    Credentials { key, token, project_id: id.trim().parse().expect("numeric project id") }
}

/// A fresh temp directory for one test; the data dir is `<root>/data`.
pub fn temp_root(prefix: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// An agent that returns 4xx/5xx as responses, not errors, so tests can assert on them.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(timeout)).build().into()
}

/// Every row the query endpoint returns for `query` (a `LogsQuery` object without `limit`
/// and `after`), following `nextCursor` pages of 1000 (the server's maximum).
pub fn query_all(base: &str, key: &str, project_id: i64, query: &Value) -> Vec<Value> {
    let mut rows = Vec::new();
    for_each_row(base, key, project_id, query, |row| rows.push(row.clone()));
    rows
}

/// Like [`query_all`], but hands each row to `f` so large results need not be held at once.
/// Returns the number of pages read.
pub fn for_each_row(
    base: &str,
    key: &str,
    project_id: i64,
    query: &Value,
    mut f: impl FnMut(&Value),
) -> usize {
    let agent = agent(Duration::from_secs(120));
    let url = format!("{base}/api/projects/{project_id}/logs/query/");
    let mut after = Value::Null;
    for page in 1..=100_000 {
        let mut q = query.clone();
        q["limit"] = json!(1000);
        q["after"] = after.clone();
        let mut resp = agent
            .post(&url)
            .header("Authorization", format!("Bearer {key}"))
            .send_json(json!({ "query": q }))
            .unwrap();
        let status = resp.status().as_u16();
        let body: Value = resp.body_mut().with_config().limit(256 << 20).read_json().unwrap();
        assert_eq!(status, 200, "query failed: {body}");
        body["results"].as_array().expect("results").iter().for_each(&mut f);
        if body["hasMore"] != true {
            return page;
        }
        after = body["nextCursor"].clone();
        assert!(after.is_string(), "hasMore without a cursor: {body}");
    }
    panic!("more than 100000 pages");
}

/// RFC 3339 for a `dateRange`.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap()
}

/// Holds an exclusive lock on `path` (created if missing) until dropped; other processes
/// (parallel test binaries) block in `lock_file` meanwhile.
pub fn lock_file(path: &Path) -> File {
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(path).unwrap();
    file.lock().unwrap();
    file
}
