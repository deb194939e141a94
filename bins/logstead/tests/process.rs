//! The real binary: first start prints credentials that work, a second start prints none;
//! the same on PostgreSQL. Plain HTTP over a TcpStream keeps the test dependency-free.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;

use store_sql::Backend;
use store_sql::testing::TestDb;
use support::{log_path, printed, start};

fn http_get(base: &str, path: &str, key: &str) -> (u16, serde_json::Value) {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = raw.split("\r\n\r\n").nth(1).unwrap_or_default();
    // Chunked bodies: take the JSON between the first '{' and the last '}'.
    let json = match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) => &body[a..=b],
        _ => "null",
    };
    (status, serde_json::from_str(json).unwrap_or(serde_json::Value::Null))
}

/// The data dir and the server's stderr log beside it.
fn cleanup(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_file(log_path(dir));
}

fn first_and_second_start(database_url: Option<&str>) {
    let dir = std::env::temp_dir().join(format!("logstead-proc-{}", uuid::Uuid::new_v4()));
    let first = start(&dir, database_url);
    let key = printed(&first.stdout, "personal API key:").expect("first start prints a key");
    let token = printed(&first.stdout, "project token:").expect("first start prints the project token");
    assert!(key.starts_with("phx_") && token.starts_with("phc_"));
    assert!(first.stdout.iter().any(|l| l.contains("/api/schema/swagger-ui/")), "docs URL printed");
    let (status, body) = http_get(&first.base, "/api/organizations/", &key);
    assert_eq!(status, 200);
    assert_eq!(body["count"], 1);
    assert_eq!(body["results"][0]["teams"][0]["api_token"], token.as_str());
    assert_eq!(http_get(&first.base, "/api/organizations/", "phx_wrong").0, 401);
    drop(first);

    let second = start(&dir, database_url);
    assert!(printed(&second.stdout, "personal API key:").is_none(), "second start prints no secrets");
    assert_eq!(http_get(&second.base, "/api/organizations/", &key).0, 200, "the key survives restarts");
    drop(second);
    cleanup(&dir);
}

#[test]
fn sqlite_first_start_prints_a_working_key_once() {
    first_and_second_start(None);
}

#[test]
fn postgres_first_start_prints_a_working_key_once() {
    let db = TestDb::new(Backend::Postgres);
    first_and_second_start(Some(&db.url));
}

#[test]
fn bad_configuration_is_reported_not_panicked() {
    let out = Command::new(env!("CARGO_BIN_EXE_logstead"))
        .env("LOGSTEAD_BIND", "not-an-address")
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("configuration error") && err.contains("bind"), "{err}");
}

#[test]
fn migrate_and_cli_key_creation() {
    let dir = std::env::temp_dir().join(format!("logstead-cli-{}", uuid::Uuid::new_v4()));
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_logstead"))
            .env("LOGSTEAD_DATA_DIR", &dir)
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["migrate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["users", "create", "--email", "cli@x.io", "--password", "password123"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["keys", "create", "--email", "cli@x.io", "--scopes", "user:read"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(key.starts_with("phx_"));
    let out = run(&["keys", "create", "--email", "nobody@x.io"]);
    assert!(!out.status.success());
    let out = run(&["keys", "create", "--email", "cli@x.io", "--scopes", "logs:delete"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid scope"));
    let server = start(&dir, None);
    let (status, me) = http_get(&server.base, "/api/users/@me/", &key);
    assert_eq!(status, 200);
    assert_eq!(me["email"], "cli@x.io");
    drop(server);
    cleanup(&dir);
}
