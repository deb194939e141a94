//! Two real server processes on one PostgreSQL database, ticking every second, evaluate each
//! due alert exactly once per due time: every stored check names the due time it ran for,
//! and no alert has two checks for one due time. Only the server that serves the embedded
//! log store checks alerts (the second runs `--api-only`, as it must: issue 13 §5), so an
//! alert never misses logs kept by another server; the tick reports add up to the stored
//! checks.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts_common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alerts_common::{alert, errors_of};
use alerts_engine::repo::AlertRepo;
use alerts_engine::state::EventKind;
use store_sql::testing::TestDb;
use time::OffsetDateTime;

const ALERTS: usize = 400;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `logstead serve` with a 1-second alert tick; returns once it listens.
fn start(dir: &Path, url: &str, log: &Path, api_only: bool) -> Proc {
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_logstead"))
        .env("LOGSTEAD_API_ONLY", api_only.to_string())
        .env("LOGSTEAD_DATA_DIR", dir)
        .env("LOGSTEAD_BIND", &addr)
        .env("LOGSTEAD_WORKERS", "1")
        .env("LOGSTEAD_DATABASE_URL", url)
        .env("LOGSTEAD_ALERT_TICK_SECS", "1")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "server exited: {}",
            std::fs::read_to_string(log).unwrap()
        );
        if line.contains("listening on") {
            break;
        }
        assert!(Instant::now() < deadline, "server did not start");
    }
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    Proc(child)
}

/// Sum of `checked=N` over the server's "alert tick" log lines.
fn checked_in_log(log: &Path) -> usize {
    let text = std::fs::read_to_string(log).unwrap();
    text.lines()
        .filter(|l| l.contains("alert tick"))
        .filter_map(|l| l.split_whitespace().find_map(|w| w.strip_prefix("checked=")))
        .map(|n| n.parse::<usize>().unwrap())
        .sum()
}

#[test]
fn two_servers_evaluate_each_due_alert_once() {
    let db = TestDb::postgres();
    let store = store_sql::SqlStore::new(db.pool.clone());
    let boot = orgs::service::bootstrap(&store, OffsetDateTime::now_utc()).unwrap().unwrap();
    let team = boot.project.id.0;
    let mut ids = Vec::new();
    for i in 0..ALERTS {
        let a = alert(team, &format!("alert {i}"), errors_of(&format!("svc-{}", i % 7)), 10, 5, 1, 1);
        store.create_alert(&a, ALERTS, &[]).unwrap();
        ids.push(a.id);
    }
    let root = std::env::temp_dir().join(format!("logstead-two-{}", uuid::Uuid::new_v4()));
    let (log_a, log_b) = (root.join("a.log"), root.join("b.log"));
    std::fs::create_dir_all(&root).unwrap();
    let a = start(&root.join("a"), &db.url, &log_a, false);
    let b = start(&root.join("b"), &db.url, &log_b, true);

    // Every alert checked at least once, then a few more ticks for any double evaluation.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let page = store.list_alerts(team, None, 1000, 0).unwrap();
        if page.results.iter().all(|a| a.last_checked_at.is_some()) {
            break;
        }
        assert!(Instant::now() < deadline, "alerts were not all checked");
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_secs(3));
    drop((a, b));

    let mut checks = 0;
    for id in &ids {
        let (_, events) = store.timeline_events(*id, OffsetDateTime::UNIX_EPOCH).unwrap();
        let due: Vec<String> = events
            .iter()
            .filter(|e| e.event.kind == EventKind::Check)
            .map(|e| e.inputs.as_ref().unwrap()["scheduled_at"].to_string())
            .collect();
        let distinct: HashSet<&String> = due.iter().collect();
        assert!(!due.is_empty(), "alert {id} was never checked");
        assert_eq!(distinct.len(), due.len(), "alert {id} checked twice for one due time: {due:?}");
        checks += due.len();
    }
    // One check per alert, plus one more for those whose next grid time passed meanwhile.
    assert!((ALERTS..=2 * ALERTS).contains(&checks), "{checks}");
    let (in_a, in_b) = (checked_in_log(&log_a), checked_in_log(&log_b));
    eprintln!("checks stored: {checks}; server A checked {in_a}, server B {in_b}");
    assert_eq!((in_a, in_b), (checks, 0), "server A checked {in_a}, the API-only server B {in_b}");
    let _ = std::fs::remove_dir_all(&root);
}
