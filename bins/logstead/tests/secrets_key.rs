//! `logstead secrets rotate-key` on the real binary, on SQLite and PostgreSQL: every secret
//! ends under the new key and reads back unchanged, a running server makes it refuse, and a
//! rotation that stopped half-way still serves and is finished by the next run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use alerts_engine::repo::AlertRepo;
use diesel::prelude::*;
use serde_json::{Value, json};
use store_sql::Backend;
use store_sql::schema::integrations as ig;
use store_sql::secrets::{SecretBox, SecretKey};
use store_sql::testing::TestDb;
use support::{Credentials, agent, credentials, start, temp_root};

fn cli(dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_logstead"));
    cmd.env("LOGSTEAD_DATA_DIR", dir).env_remove("LOGSTEAD_DATABASE_URL").env_remove("LOGSTEAD_SECRETS_KEY");
    if let Some(url) = database_url {
        cmd.env("LOGSTEAD_DATABASE_URL", url);
    }
    cmd.args(args).output().unwrap()
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn key_file(dir: &Path, name: &str) -> Option<SecretKey> {
    std::fs::read_to_string(dir.join(name)).ok().map(|t| SecretKey::from_base64(&t).unwrap())
}

fn url_of(dir: &Path, database_url: Option<&str>) -> String {
    database_url.map_or_else(|| format!("sqlite://{}", dir.join("logstead.db").display()), str::to_string)
}

fn raw_tokens(url: &str) -> Vec<String> {
    let pool = store_sql::connect(url, 1).unwrap();
    let mut c = pool.get().unwrap();
    ig::table.select(ig::sensitive_config).order_by(ig::id).load(&mut *c).unwrap()
}

/// The tokens the store reads with `secrets`.
fn tokens(url: &str, team: i64, secrets: SecretBox) -> Vec<Value> {
    let store = store_sql::SqlStore::with_secrets(store_sql::connect(url, 1).unwrap(), Arc::new(secrets));
    store.integrations(team).unwrap().into_iter().map(|i| i.sensitive_config).collect()
}

fn add_slack(base: &str, c: &Credentials, token: &str) {
    let body = json!({"kind": "slack", "sensitive_config": {"access_token": token}});
    let r = agent(Duration::from_secs(30))
        .post(format!("{base}/api/projects/{}/integrations/", c.project_id))
        .header("Authorization", format!("Bearer {}", c.key))
        .send_json(&body)
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
}

fn rotation(database_url: Option<&str>) {
    let root = temp_root("logstead-rotate");
    let dir = root.join("data");
    let url = url_of(&dir, database_url);
    let server = start(&dir, database_url);
    let c = credentials(&server.stdout);
    add_slack(&server.base, &c, "xoxb-one");
    add_slack(&server.base, &c, "xoxb-two");
    let refused = cli(&dir, database_url, &["secrets", "rotate-key"]);
    assert!(!refused.status.success());
    assert!(text(&refused.stderr).contains("stop every server"), "{}", text(&refused.stderr));
    drop(server);

    let first = key_file(&dir, "secrets-key").unwrap();
    let want = vec![json!({"access_token": "xoxb-one"}), json!({"access_token": "xoxb-two"})];
    assert_eq!(tokens(&url, c.project_id, SecretBox::new(first.clone())), want);
    let out = cli(&dir, database_url, &["secrets", "rotate-key"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let second = key_file(&dir, "secrets-key").unwrap();
    assert_ne!(second.id(), first.id());
    assert!(
        text(&out.stdout).contains(&format!("({} -> {}): 2 secret(s)", first.id(), second.id())),
        "{}",
        text(&out.stdout)
    );
    assert!(key_file(&dir, "secrets-key.old").is_none(), "the old key is gone once done");
    assert!(raw_tokens(&url).iter().all(|t| t.starts_with(&format!("enc:v1:{}:", second.id()))));
    assert_eq!(
        tokens(&url, c.project_id, SecretBox::new(second.clone())),
        want,
        "the new key alone reads all"
    );

    // Stopped half-way: the key file already holds a newer key, the database the old one.
    let third = SecretKey::generate();
    std::fs::write(dir.join("secrets-key.old"), second.to_base64()).unwrap();
    std::fs::write(dir.join("secrets-key"), third.to_base64()).unwrap();
    let server = start(&dir, database_url);
    add_slack(&server.base, &c, "xoxb-three");
    drop(server);
    let out = cli(&dir, database_url, &["secrets", "rotate-key"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Finished an earlier rotation"), "{}", text(&out.stderr));
    let fourth = key_file(&dir, "secrets-key").unwrap();
    assert!(
        text(&out.stdout).contains(&format!("({} -> {}): 3 secret(s)", third.id(), fourth.id())),
        "{}",
        text(&out.stdout)
    );
    assert!(raw_tokens(&url).iter().all(|t| t.starts_with(&format!("enc:v1:{}:", fourth.id()))));
    let mut all = want.clone();
    all.push(json!({"access_token": "xoxb-three"}));
    assert_eq!(tokens(&url, c.project_id, SecretBox::new(fourth)), all);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn sqlite_rotate_key_reseals_every_secret() {
    rotation(None);
}

#[test]
fn postgres_rotate_key_reseals_every_secret() {
    let db = TestDb::new(Backend::Postgres);
    rotation(Some(&db.url));
}

#[test]
fn a_key_given_by_value_is_not_rotated_by_the_command() {
    let root = temp_root("logstead-rotate-value");
    let out = Command::new(env!("CARGO_BIN_EXE_logstead"))
        .env("LOGSTEAD_DATA_DIR", root.join("data"))
        .env("LOGSTEAD_SECRETS_KEY", SecretKey::generate().to_base64())
        .args(["secrets", "rotate-key"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("secrets_key (LOGSTEAD_SECRETS_KEY)"), "{}", text(&out.stderr));
    let bad = Command::new(env!("CARGO_BIN_EXE_logstead"))
        .env("LOGSTEAD_SECRETS_KEY", "too-short")
        .arg("version")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "a bad key is a configuration error");
    assert!(text(&bad.stderr).contains("secrets_key"), "{}", text(&bad.stderr));
    let _ = std::fs::remove_dir_all(&root);
}
