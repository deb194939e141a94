//! The real binary: `serve` exports its log store's metrics (the store it opened is
//! watched) and takes the timestamp skew window from `LOGSTEAD_MAX_TIMESTAMP_SKEW_SECS`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

/// The summed value of the series of `name`; 0 when absent.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .filter(|(series, _)| series.split('{').next() == Some(name))
        .filter_map(|(_, v)| v.parse::<f64>().ok())
        .sum()
}

#[test]
fn serve_watches_its_store_and_honours_the_skew_window() {
    let root = support::temp_root("logstead-metrics-process");
    let data = root.join("data");
    let addr = format!("127.0.0.1:{}", support::free_port());
    // `support::start` with the window set: a week.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logstead"));
    cmd.env("LOGSTEAD_DATA_DIR", &data).env("LOGSTEAD_BIND", &addr).env("LOGSTEAD_WORKERS", "2");
    cmd.env("LOGSTEAD_MAX_TIMESTAMP_SKEW_SECS", "604800").env_remove("LOGSTEAD_DATABASE_URL");
    std::fs::create_dir_all(&root).unwrap();
    let log = std::fs::File::create(support::log_path(&data)).unwrap();
    let mut child = cmd.stdout(std::process::Stdio::piped()).stderr(log).spawn().unwrap();
    let stdout = read_until_listening(&mut child, &data);
    let creds = support::credentials(&stdout);
    let base = format!("http://{addr}");
    // Killed on drop, even when an assertion fails.
    let _server = support::Server { child, stdout, base: base.clone(), log: support::log_path(&data) };
    let agent = support::agent(Duration::from_secs(30));

    let three_days_ago = time::OffsetDateTime::now_utc().unix_timestamp_nanos() - 3 * 86_400_000_000_000;
    let body = json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
        {"timeUnixNano": three_days_ago.to_string(), "body": {"stringValue": "backfilled"}}]}]}]});
    let mut r = agent
        .post(&format!("{base}/i/v1/logs"))
        .header("Authorization", &format!("Bearer {}", creds.token))
        .send_json(&body)
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.body_mut().read_json::<Value>().unwrap(), json!({}), "inside the week: nothing replaced");

    let text = agent.get(&format!("{base}/metrics")).call().unwrap().body_mut().read_to_string().unwrap();
    assert_eq!(sample(&text, "logstead_ingest_records_total"), 1.0, "{text}");
    assert_eq!(sample(&text, "logstead_ingest_timestamps_replaced_total"), 0.0);
    assert!(sample(&text, "logstead_wal_fsync_duration_seconds_count") >= 1.0, "{text}");
    assert!(text.contains("\nlogstead_log_store_head_rows "), "the store's gauges are exported: {text}");
    assert!(text.contains("\nlogstead_log_store_segment_bytes "), "{text}");

    let q = json!({"dateRange": {"date_from": "-4d", "date_to": "-2d"}});
    let rows = support::query_all(&base, &creds.key, creds.project_id, &q);
    assert_eq!(rows.len(), 1, "stored at its own time, three days back");
    drop(_server);
    let _ = std::fs::remove_dir_all(&root);
}

fn read_until_listening(child: &mut std::process::Child, data: &std::path::Path) -> Vec<String> {
    use std::io::BufRead;
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("server exited early: {lines:?}\n{}", support::log_tail(data));
        }
        let done = line.contains("listening on");
        lines.push(line);
        if done {
            break;
        }
    }
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    lines
}
