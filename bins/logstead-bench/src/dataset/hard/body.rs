//! A record's random draws (shared by its body and its attributes, so they agree) and the
//! body: a filled single-line template or a multi-line stack trace.

use std::fmt::Write as _;

use rand::Rng;
use rand::rngs::StdRng;

use super::super::expand;
use super::super::vocab::hard::{
    CURRENCIES, JAVA_TRACES, JOBS, Kind, PROVIDERS, PYTHON_TRACES, TOPICS, USER_AGENTS,
};
use super::super::vocab::{ERRORS, FEATURE_FLAGS, FIRST_NAMES, HOSTS, LAST_NAMES, TABLES};

/// Everything of a record that its body and attributes both mention.
pub(super) struct Draws {
    pub method: &'static str,
    pub route: &'static str,
    pub path: String,
    pub status: i64,
    pub user: usize,
    pub ms: i64,
    pub tenant: usize,
    pub request: u128,
    pub session: u128,
    pub order: u64,
    pub topic: usize,
    pub partition: i64,
    pub offset: i64,
    pub sku: u32,
    pub cents: i64,
    pub currency: usize,
    pub provider: usize,
    pub job: usize,
    pub flag: usize,
}

impl Draws {
    pub fn uid(&self) -> String {
        format!("u_{:07}", self.user)
    }
    pub fn request_id(&self) -> String {
        format!("{:032x}", self.request)
    }
    pub fn session_id(&self) -> String {
        format!("{:024x}", self.session >> 32)
    }
    pub fn order_id(&self) -> String {
        format!("ord_{}", base36(self.order % 36u64.pow(10)))
    }
    pub fn sku_id(&self) -> String {
        format!("SKU-{:05}", self.sku)
    }
}

fn base36(mut n: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b"0123456789abcdefghijklmnopqrstuvwxyz"[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn user_name(u: usize) -> String {
    format!("{}.{}{}", FIRST_NAMES[u % FIRST_NAMES.len()], LAST_NAMES[(u / 7) % LAST_NAMES.len()], u % 100)
}

fn pick<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

/// Expands `{name}` placeholders of `pattern` into `out`.
pub(super) fn fill(rng: &mut StdRng, pattern: &str, d: &Draws, out: &mut String) {
    expand(pattern, out, |name, out| {
        let _ = match name {
            "method" => write!(out, "{}", d.method),
            "path" => write!(out, "{}", d.path),
            "status" => write!(out, "{}", d.status),
            "ms" => write!(out, "{}", d.ms),
            "uid" => write!(out, "{}", d.uid()),
            "user" => write!(out, "{}", user_name(d.user)),
            "id" => write!(out, "{:016x}", rng.random::<u64>()),
            "req" => write!(out, "{}", d.request_id()),
            "order" => write!(out, "{}", d.order_id()),
            "session" => write!(out, "{}", d.session_id()),
            "sku" => write!(out, "{}", d.sku_id()),
            "n" => write!(out, "{}", rng.random_range(1..1000)),
            "ip" => write!(
                out,
                "10.{}.{}.{}",
                rng.random_range(0..255),
                rng.random_range(0..255),
                rng.random_range(1..255)
            ),
            "table" => write!(out, "{}", pick(rng, &TABLES)),
            "host" => write!(out, "{}", pick(rng, &HOSTS)),
            "key" => write!(out, "{}:{}", pick(rng, &TABLES), rng.random_range(1..100_000)),
            "err" => write!(out, "{}", pick(rng, &ERRORS)),
            "topic" => write!(out, "{}", TOPICS[d.topic]),
            "part" => write!(out, "{}", d.partition),
            "offset" => write!(out, "{}", d.offset),
            "bytes" => write!(out, "{}", 64 + (rng.random::<f64>().powi(3) * 2e6) as i64),
            "pct" => write!(out, "{}", rng.random_range(0..100)),
            "tenant" => write!(out, "tenant-{}", d.tenant),
            "cents" => write!(out, "{}.{:02}", d.cents / 100, d.cents % 100),
            "currency" => write!(out, "{}", CURRENCIES[d.currency]),
            "provider" => write!(out, "{}", PROVIDERS[d.provider]),
            "job" => write!(out, "{}", JOBS[d.job]),
            "flag" => write!(out, "{}", FEATURE_FLAGS[d.flag]),
            "agent" => write!(out, "{}", pick(rng, &USER_AGENTS)),
            "pod" => write!(out, "worker-{}", rng.random_range(0..64)),
            "version" => write!(
                out,
                "{}.{}.{}",
                rng.random_range(1..4),
                rng.random_range(0..30),
                rng.random_range(0..10)
            ),
            other => write!(out, "{{{other}}}"),
        };
    });
}

/// A Java-style trace (`java`) or a Python traceback: lead line, exception, frames. Returns
/// what it is about, the exception type and the innermost function, for attributes.
pub(super) fn stack_trace(
    rng: &mut StdRng,
    java: bool,
    d: &Draws,
    out: &mut String,
) -> (Kind, &'static str, &'static str) {
    if java {
        let t = &JAVA_TRACES[rng.random_range(0..JAVA_TRACES.len())];
        fill(rng, t.lead, d, out);
        out.push('\n');
        fill(rng, t.exception, d, out);
        for frame in t.frames {
            let _ = write!(out, "\n\tat {frame}");
        }
        if rng.random_bool(0.5) {
            let _ = write!(out, "\n\t... {} more", rng.random_range(20..90));
        }
        let exception = t.exception.split(':').next().unwrap_or_default();
        let function = t.frames.first().and_then(|f| f.split('(').next()).unwrap_or_default();
        (t.kind, exception, function)
    } else {
        let t = &PYTHON_TRACES[rng.random_range(0..PYTHON_TRACES.len())];
        fill(rng, t.lead, d, out);
        out.push_str("\nTraceback (most recent call last):");
        for (file, line, func, code) in t.frames {
            let _ = write!(out, "\n  File \"{file}\", line {line}, in {func}\n    {code}");
        }
        out.push('\n');
        out.push_str(t.exception);
        let exception = t.exception.split(':').next().unwrap_or_default();
        (t.kind, exception, t.frames.last().map(|f| f.2).unwrap_or_default())
    }
}
