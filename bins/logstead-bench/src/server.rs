//! The server under test: the real `logstead` binary as a child process, on SQLite in a
//! temporary data dir and a free port, started the way `bins/logstead/tests/process.rs` does.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Res;

/// Credentials printed once, on the first start.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub personal_key: String,
    pub project_token: String,
    pub project_id: i64,
}

pub struct Server {
    child: Child,
    pub base: String,
    /// How long the start took until "listening" (includes WAL replay on a restart).
    pub startup: Duration,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `<target>/<profile>/logstead`, next to this executable. Unless `skip_build`, it is first
/// built (or found up to date) with the same cargo, target dir and profile.
pub fn locate_binary(skip_build: bool) -> Res<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe.parent().ok_or("the bench executable has no parent directory")?;
    let binary = profile_dir.join("logstead");
    if !skip_build {
        let target_dir = profile_dir.parent().ok_or("cannot find the cargo target directory")?;
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace).env("CARGO_TARGET_DIR", target_dir).args(["build", "-p", "logstead"]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        eprintln!("building the server: {cmd:?}");
        let status = cmd.status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) if binary.exists() => eprintln!("warning: cargo build failed ({s}); using {}", binary.display()),
            Err(e) if binary.exists() => eprintln!("warning: cannot run cargo ({e}); using {}", binary.display()),
            _ => return Err(format!("could not build the server; build it with `cargo build --release -p logstead -p logstead-bench` or pass --no-build ({status:?})").into()),
        }
    }
    if !binary.exists() {
        return Err(format!("server binary {} not found", binary.display()).into());
    }
    Ok(binary)
}

fn free_port() -> Res<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn after<'a>(lines: &'a [String], label: &str) -> Option<&'a str> {
    lines
        .iter()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
}

/// "project:            Default project (id 1)" -> 1
fn project_id(lines: &[String]) -> Option<i64> {
    let line = lines.iter().find(|l| l.trim_start().starts_with("project:"))?;
    let at = line.rfind("(id ")?;
    line[at + 4..].trim_end().trim_end_matches(')').parse().ok()
}

impl Server {
    /// Starts `logstead serve` on `data_dir`; returns the credentials when it is a first start.
    pub fn start(binary: &Path, data_dir: &Path) -> Res<(Server, Option<Credentials>)> {
        std::fs::create_dir_all(data_dir)?;
        let addr = format!("127.0.0.1:{}", free_port()?);
        // Appended to, so a restart keeps the first run's log (kept with --keep-data).
        let log = data_dir.with_extension("server.log");
        let stderr = std::fs::OpenOptions::new().create(true).append(true).open(&log)?;
        let started = Instant::now();
        let mut child = Command::new(binary)
            .env("LOGSTEAD_DATA_DIR", data_dir)
            .env("LOGSTEAD_BIND", &addr)
            .env("LOGSTEAD_MAX_INGEST_BYTES", (256u64 << 20).to_string())
            .env_remove("LOGSTEAD_DATABASE_URL")
            .env_remove("LOGSTEAD_CONFIG")
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout pipe")?;
        let mut server = Server { child, base: format!("http://{addr}"), startup: Duration::ZERO };
        let mut reader = BufReader::new(stdout);
        let mut lines = Vec::new();
        let deadline = started + Duration::from_secs(600);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Err(format!("the server exited early; see {}", log.display()).into());
            }
            let listening = line.contains("listening on");
            lines.push(line);
            if listening {
                break;
            }
            if Instant::now() > deadline {
                return Err("the server did not start within 10 minutes".into());
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        let credentials =
            match (after(&lines, "personal API key:"), after(&lines, "project token:"), project_id(&lines)) {
                (Some(key), Some(token), Some(id)) => Some(Credentials {
                    personal_key: key.to_string(),
                    project_token: token.to_string(),
                    project_id: id,
                }),
                _ => None,
            };
        server.startup = started.elapsed();
        Ok((server, credentials))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Peak resident set (VmHWM) so far, in bytes.
    pub fn peak_rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    }

    /// User + system CPU time the server has used so far, in seconds (`/proc/<pid>/stat`,
    /// clock ticks of 1/100 s as on every Linux x86-64 and arm64 kernel).
    pub fn cpu_secs(&self) -> Option<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).ok()?;
        // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        Some(ticks as f64 / 100.0)
    }

    /// SIGTERM (via kill(1): no unsafe here), then wait up to a minute, then SIGKILL.
    pub fn stop(mut self) -> Res<()> {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("warning: the server ignored SIGTERM for a minute; killing it");
        Ok(())
    }
}

/// Bytes of every file under `dir`, recursively.
pub fn dir_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// Size per immediate child of `dir` (directories summed), largest first.
pub fn dir_breakdown(dir: &Path) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut parts: Vec<(String, u64)> = entries
        .flatten()
        .map(|e| {
            let bytes = match e.metadata() {
                Ok(m) if m.is_dir() => dir_bytes(&e.path()),
                Ok(m) => m.len(),
                Err(_) => 0,
            };
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    parts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    parts
}

/// Waits until the size of `dir` has not changed for `quiet`, at most `limit`; returns the
/// final size and whether it settled.
pub fn wait_settled(dir: &Path, quiet: Duration, limit: Duration) -> (u64, bool) {
    let start = Instant::now();
    let mut last = dir_bytes(dir);
    let mut since = Instant::now();
    while start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(250));
        let now = dir_bytes(dir);
        if now != last {
            last = now;
            since = Instant::now();
        } else if since.elapsed() >= quiet {
            return (last, true);
        }
    }
    (last, false)
}
