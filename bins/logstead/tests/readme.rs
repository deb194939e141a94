//! The README's walk-through is a test: its `sh` blocks under the "## Walk-through" heading
//! run verbatim, in order, with `bash -euo pipefail` against a freshly started server on
//! SQLite. `cargo run -q --release -p logstead -- ARGS` in them runs the binary under test
//! (a `cargo` shim first on PATH), from a directory whose `./logstead-data` is the server's,
//! as it is for a reader in the repository root.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{agent, credentials, log_tail, start, temp_root};

/// The `sh` blocks of the sections whose heading starts with "## Walk-through".
fn walk_through(readme: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut in_section = false;
    let mut block: Option<String> = None;
    for line in readme.lines() {
        if let Some(text) = block.as_mut() {
            if line.trim_end() == "```" {
                blocks.push(std::mem::take(text));
                block = None;
            } else {
                text.push_str(line);
                text.push('\n');
            }
        } else if line.starts_with("## ") {
            in_section = line.starts_with("## Walk-through");
        } else if in_section && line.trim_end() == "```sh" {
            block = Some(String::new());
        }
    }
    assert!(block.is_none(), "a walk-through block is not closed");
    blocks
}

#[test]
fn only_sh_blocks_under_the_walk_through_heading_are_taken() {
    let md = "# T\n```sh\nfirst\n```\n## Walk-through\n```sh\na\n## not a heading\n```\n\
              ```json\n{}\n```\ntext\n```sh\nb\n```\n## Next\n```sh\nc\n```\n";
    assert_eq!(walk_through(md), ["a\n## not a heading\n", "b\n"]);
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn the_walk_through_leaves_the_fresh_machine_commands_out() {
    let script = walk_through(&readme()).concat();
    assert!(script.contains("curl"), "no walk-through found in README.md");
    // Those start the server in the foreground and run every test: the test runs neither.
    assert!(!script.contains("cargo test"));
    assert!(!script.lines().any(|l| l.trim() == "cargo run --release -p logstead"));
}

/// `cargo run -q --release -p logstead -- ARGS` → the binary under test; anything else fails.
fn cargo_shim(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let shim = dir.join("cargo");
    let script = format!(
        "#!/bin/sh\n\
         if [ \"$1 $2 $3 $4 $5 $6\" != 'run -q --release -p logstead --' ]; then\n\
         \x20 echo \"readme test: unexpected call: cargo $*\" >&2; exit 97\n\
         fi\n\
         shift 6\n\
         exec '{}' \"$@\"\n",
        env!("CARGO_BIN_EXE_logstead")
    );
    std::fs::write(&shim, script).unwrap();
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn get(base: &str, key: &str, path: &str) -> Value {
    let mut resp = agent(Duration::from_secs(30))
        .get(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {key}"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200, "GET {path}");
    resp.body_mut().read_json().unwrap()
}

#[test]
fn the_readme_walk_through_runs_verbatim_on_a_fresh_server() {
    let root = temp_root("logstead-readme");
    let data_dir = root.join("logstead-data");
    let server = start(&data_dir, None);
    let first = credentials(&server.stdout);
    cargo_shim(&root.join("bin"));
    let script = root.join("walk-through.sh");
    std::fs::write(&script, walk_through(&readme()).join("\n")).unwrap();

    let mut cmd = Command::new("bash");
    cmd.args(["-euo", "pipefail"]).arg(&script).current_dir(&root);
    // The reader's shell has no LOGSTEAD_* settings: the CLI finds ./logstead-data by default.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("LOGSTEAD_") {
            cmd.env_remove(name);
        }
    }
    let path = format!("{}:{}", root.join("bin").display(), std::env::var("PATH").unwrap_or_default());
    cmd.env("PATH", path).env("API", &server.base);
    let out_path = root.join("stdout");
    let err_path = root.join("stderr");
    cmd.stdout(std::fs::File::create(&out_path).unwrap()).stderr(std::fs::File::create(&err_path).unwrap());
    cmd.stdin(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap();
    let stderr = std::fs::read_to_string(&err_path).unwrap();
    assert!(
        status.success(),
        "the walk-through failed ({status})\n--- stdout\n{stdout}\n--- stderr\n{stderr}\n--- server\n{}",
        log_tail(&data_dir)
    );

    // What the reader is told they will see.
    assert!(stdout.contains(r#""body":"payment declined""#), "the query returns the sent log: {stdout}");
    assert!(stdout.contains(r#""signing_secret":"whsec_"#), "the webhook's secret is shown: {stdout}");
    assert!(stdout.contains(r#""status":"applied""#), "Ada's approval applies the change: {stdout}");
    // Answers are not newline-separated; the last one is the error example's.
    let error = stdout.rfind(r#"{"type":"#).map(|at| stdout[at..].trim_end()).unwrap_or_default();
    assert!(
        error.starts_with(r#"{"type":"validation_error""#)
            && error.contains(r#""attr":"name""#)
            && error.ends_with("} 400"),
        "the error example is a PostHog-style 400: {error}"
    );

    // Every step after "Acme" went to the first project, not to Acme's.
    let (base, key, id) = (&server.base, &first.key, first.project_id);
    assert_eq!(get(base, key, &format!("/api/projects/{id}/"))["retention_days"], 14);
    let alerts = get(base, key, &format!("/api/projects/{id}/logs/alerts/"));
    assert_eq!(alerts["results"][0]["name"], "Checkout errors", "{alerts}");
    let rules = get(base, key, &format!("/api/projects/{id}/logs/sampling_rules/"));
    assert_eq!(rules["results"][0]["enabled"], true, "the approved change enabled the rule: {rules}");
    let orgs = get(base, key, "/api/organizations/");
    assert_eq!(orgs["count"], 2, "{orgs}");
    let acme = orgs["results"].as_array().unwrap().iter().find(|o| o["name"] == "Acme").expect("Acme");
    let acme_project = acme["teams"][0]["id"].as_i64().unwrap();
    assert_ne!(acme_project, id);
    assert_eq!(get(base, key, &format!("/api/projects/{acme_project}/logs/alerts/"))["count"], 0);

    drop(server);
    let _ = std::fs::remove_dir_all(&root);
}
