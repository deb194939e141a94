//! The stock OpenTelemetry Python SDK (LoggerProvider, BatchLogRecordProcessor, OTLPLogExporter
//! over protobuf/HTTP) sends logs to the real binary; the query API returns them intact.
//!
//! The SDK is installed with pip into a venv under `~/.cache` (versions pinned in
//! `tests/otel/requirements.txt`). Without Python the test fails. When pip fails because
//! PyPI cannot be reached, it says so and passes without running, unless
//! `LOGSTEAD_REQUIRE_OTEL_PYTHON=1` (set by `.ci/run`, where PyPI is reachable) makes that
//! a failure too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn otel_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/otel")
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// CPython 3.11 or newer, as `python3.11` or `python3`.
fn system_python() -> String {
    for candidate in ["python3.11", "python3"] {
        if let Ok(out) = Command::new(candidate).arg("--version").output()
            && out.status.success()
        {
            return candidate.to_string();
        }
    }
    panic!("no python3.11 or python3 on PATH: the OpenTelemetry Python test needs CPython 3.11 with pip");
}

/// The venv with the pinned SDK, created on first use. Test binaries run in parallel (and
/// other checkouts share the cache), so creation happens under a file lock, and a stamp with
/// the requirements written last marks a venv as complete.
fn venv() -> Option<PathBuf> {
    let cache = PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache");
    std::fs::create_dir_all(&cache).unwrap();
    let dir = cache.join("logstead-otel-venv");
    let python = dir.join("bin/python");
    let requirements_path = otel_dir().join("requirements.txt");
    let requirements = std::fs::read_to_string(&requirements_path).unwrap();
    let stamp = dir.join("logstead-requirements.txt");
    let _lock = support::lock_file(&cache.join("logstead-otel-venv.lock"));
    if python.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(requirements.as_str()) {
        return Some(dir);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let out = run(Command::new(system_python()).args(["-m", "venv"]).arg(&dir));
    assert!(out.status.success(), "python -m venv failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let out = run(Command::new(&python)
        .args(["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q", "-r"])
        .arg(&requirements_path));
    if !out.status.success() && !pypi_reachable() && std::env::var_os(REQUIRE).is_none() {
        eprintln!(
            "SKIPPED: PyPI is unreachable, so the OpenTelemetry Python SDK cannot be installed; \
             set {REQUIRE}=1 to make this a failure.\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    assert!(
        out.status.success(),
        "pip could not install the OpenTelemetry SDK from {} (is PyPI reachable?):\n{}{}",
        requirements_path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&stamp, &requirements).unwrap();
    eprintln!("created {} in {:?}", dir.display(), started.elapsed());
    Some(dir)
}

const REQUIRE: &str = "LOGSTEAD_REQUIRE_OTEL_PYTHON";

/// Whether pip's index answers at all (a pip failure with PyPI up is a real failure).
fn pypi_reachable() -> bool {
    let probe = "import urllib.request as u; u.urlopen('https://pypi.org/simple/pip/', timeout=10)";
    Command::new(system_python()).args(["-c", probe]).output().is_ok_and(|o| o.status.success())
}

/// Runs `send_logs.py`, killing it if it hangs; returns its JSON summary line.
fn send_logs(venv: &Path, base: &str, token: &str, run_id: &str) -> Value {
    let mut child = Command::new(venv.join("bin/python"))
        .arg(otel_dir().join("send_logs.py"))
        .args([base, token, run_id])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("send_logs.py hung:\n{}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "send_logs.py failed ({}):\n{stdout}\n{stderr}", out.status);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("send_logs.py printed no summary ({e}):\n{stdout}\n{stderr}"))
}

/// What one record must look like: severity, scope, own attributes, whether it ran in the span.
struct Expected {
    level: &'static str,
    number: i64,
    scope: &'static str,
    attributes: &'static [(&'static str, &'static str)],
    in_span: bool,
}

#[test]
fn sqlite_python_sdk_logs_arrive_intact() {
    let Some(venv) = venv() else { return };
    let root = support::temp_root("logstead-otel");
    let server = support::start(&root.join("data"), None);
    let creds = support::credentials(&server.stdout);
    let run_id = uuid::Uuid::new_v4().to_string();

    let started = Instant::now();
    let summary = send_logs(&venv, &server.base, &creds.token, &run_id);
    eprintln!("send_logs.py: {summary} in {:?}", started.elapsed());
    let trace_id = summary["trace_id"].as_str().expect("trace_id printed");
    let span_id = summary["span_id"].as_str().expect("span_id printed");
    assert_eq!(trace_id.len(), 32);
    assert_ne!(trace_id, "0".repeat(32));

    let expected: HashMap<&str, Expected> = HashMap::from([
        (
            "worker started",
            Expected { level: "info", number: 9, scope: "shop.checkout", attributes: &[], in_span: false },
        ),
        (
            "cart loaded in 12 ms",
            Expected {
                level: "debug",
                number: 5,
                scope: "shop.checkout",
                attributes: &[("cart.items", "3")],
                in_span: true,
            },
        ),
        (
            "order A-17 placed",
            Expected {
                level: "info",
                number: 9,
                scope: "shop.checkout",
                attributes: &[("order.id", "A-17"), ("vip", "true")],
                in_span: true,
            },
        ),
        (
            "payment retry 2",
            Expected {
                level: "warn",
                number: 13,
                scope: "shop.checkout",
                attributes: &[("amount", "12.5")],
                in_span: true,
            },
        ),
        (
            "payment declined",
            Expected {
                level: "error",
                number: 17,
                scope: "shop.checkout",
                attributes: &[("http.status_code", "402")],
                in_span: true,
            },
        ),
        (
            "inventory service unreachable",
            Expected {
                level: "fatal",
                number: 21,
                scope: "shop.inventory@1.2.3",
                attributes: &[("attempts", "5"), ("regions", r#"["eu","us"]"#)],
                in_span: true,
            },
        ),
    ]);
    assert_eq!(summary["exported"], expected.len(), "the SDK reports every record exported");

    // The exporter got 200 only after the records were durable, so they are queryable now.
    let only_this_run = json!({
        "dateRange": {"date_from": "-1h"},
        "filterGroup": [{"key": "test.run", "type": "log_resource_attribute", "operator": "exact", "value": run_id}],
    });
    let rows = support::query_all(&server.base, &creds.key, creds.project_id, &only_this_run);
    let mut bodies: Vec<&str> = rows.iter().map(|r| r["body"].as_str().unwrap_or_default()).collect();
    bodies.sort_unstable();
    let mut want: Vec<&str> = expected.keys().copied().collect();
    want.sort_unstable();
    assert_eq!(bodies, want, "exactly the records the script emitted");

    for row in &rows {
        let body = row["body"].as_str().unwrap();
        let e = &expected[body];
        assert_eq!(row["severity_text"], e.level, "{body}: {row}");
        assert_eq!(row["severity_number"], e.number, "{body}: {row}");
        assert_eq!(row["level"], e.level, "{body}: {row}");
        assert_eq!(row["instrumentation_scope"], e.scope, "{body}: {row}");
        let resource = &row["resource_attributes"];
        assert_eq!(resource["service.name"], "checkout-py", "{body}: {row}");
        assert_eq!(resource["deployment.environment"], "test", "{body}: {row}");
        assert_eq!(resource["telemetry.sdk.language"], "python", "SDK defaults merged: {row}");
        let attrs = &row["attributes"];
        assert_eq!(attrs["test.run"], run_id.as_str(), "{body}: {row}");
        for (k, v) in e.attributes {
            assert_eq!(attrs[*k], *v, "{body}: attribute {k}: {row}");
        }
        if e.scope == "shop.checkout" {
            // The logging bridge adds where the call came from.
            let file = attrs["code.file.path"].as_str().unwrap_or_default();
            assert!(file.ends_with("send_logs.py"), "{body}: {row}");
            assert_eq!(attrs["code.function.name"], "main", "{body}: {row}");
        } else {
            assert_eq!(row["event_name"], "inventory.unreachable", "{row}");
        }
        // The API answers ClickHouse-style upper-case hex; compare case-insensitively.
        let (want_trace, want_span) = if e.in_span {
            (trace_id.to_string(), span_id.to_string())
        } else {
            ("0".repeat(32), "0".repeat(16))
        };
        let got_trace = row["trace_id"].as_str().unwrap_or_default();
        let got_span = row["span_id"].as_str().unwrap_or_default();
        assert!(got_trace.eq_ignore_ascii_case(&want_trace), "{body}: trace {got_trace} != {want_trace}");
        assert!(got_span.eq_ignore_ascii_case(&want_span), "{body}: span {got_span} != {want_span}");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(root);
}
