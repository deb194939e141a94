//! One log record: severity, message from a template, attributes, ids, and its share of
//! the ground-truth statistics.

use std::fmt::Write as _;

use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use rand::Rng;
use rand::rngs::StdRng;

use super::super::vocab::{
    COMPONENTS, DB_SYSTEMS, ERRORS, FEATURE_FLAGS, FIRST_NAMES, HOSTS, LAST_NAMES, METHODS, PATTERNS,
    REGIONS, ROUTES, SERVICES, STATUS_ERROR, STATUS_OK, STATUS_WARN, TABLES, TENANTS, USERS,
};
use super::super::{
    Dataset, PLANT_RATE, Q2_SERVICE, Q9_SERVICE, SEVERITY_WEIGHTS, Stats, Weighted, expand, hex_id, kv,
    kv_str, trace_ids,
};
use super::{PLANTED, Q4_FILTERS};

const SEVERITY_NUMBERS: [i32; 6] = [1, 5, 9, 13, 17, 21];
const SEVERITY_TEXTS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
const MAX_ATTRIBUTES: usize = 10;

/// An optional attribute: its probability and how to make it.
type Optional<'a> = (f64, &'a dyn Fn(&mut StdRng) -> KeyValue);

/// The per-batch sampling tables and the windows the statistics are kept for.
pub(super) struct Context {
    severity: Weighted,
    method: Weighted,
    region: Weighted,
    status: [Weighted; 3],
    q2_service: usize,
    q9_service: usize,
    last_hour_from_ns: u64,
    q9_ns: (u64, u64),
}

fn weights<T>(table: &[(T, f64)]) -> Weighted {
    Weighted::new(table.iter().map(|(_, w)| *w))
}

fn ns(unix_s: i64) -> u64 {
    u64::try_from(unix_s).unwrap_or(0) * 1_000_000_000
}

fn index_of(name: &str) -> usize {
    SERVICES.iter().position(|s| *s == name).unwrap_or(0)
}

/// A user index skewed toward the first users (a few very active users, a long tail).
fn user(rng: &mut StdRng) -> usize {
    ((rng.random::<f64>().powi(3)) * USERS as f64) as usize
}

fn user_name(u: usize) -> String {
    format!("{}.{}{}", FIRST_NAMES[u % FIRST_NAMES.len()], LAST_NAMES[(u / 7) % LAST_NAMES.len()], u % 100)
}

fn random_case(rng: &mut StdRng, word: &str) -> String {
    word.chars()
        .map(|c| if rng.random_bool(0.5) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

/// What a message template's placeholders draw from.
struct Fill<'a> {
    method: &'a str,
    path: &'a str,
    status: i64,
    user: usize,
    ms: i64,
}

impl Context {
    pub(super) fn new(d: &Dataset) -> Context {
        Context {
            severity: Weighted::new(SEVERITY_WEIGHTS),
            method: weights(&METHODS),
            region: weights(&REGIONS),
            status: [weights(&STATUS_OK), weights(&STATUS_WARN), weights(&STATUS_ERROR)],
            q2_service: index_of(Q2_SERVICE),
            q9_service: index_of(Q9_SERVICE),
            last_hour_from_ns: ns(d.end_s - 3600),
            q9_ns: (ns(d.q9_window().0), ns(d.q9_window().1)),
        }
    }

    pub(super) fn record(&self, rng: &mut StdRng, service: usize, t_ns: u64, stats: &mut Stats) -> LogRecord {
        let sev = self.severity.sample(rng);
        let method = METHODS[self.method.sample(rng)].0;
        let route = ROUTES[rng.random_range(0..ROUTES.len())];
        let path = route.replace("{id}", &rng.random_range(1..500_000).to_string());
        // Warnings and errors mostly carry 4xx / 5xx statuses.
        let class = match sev {
            3 if rng.random_bool(0.6) => 1,
            4 | 5 if rng.random_bool(0.7) => 2,
            _ => 0,
        };
        let status = match class {
            1 => STATUS_WARN[self.status[1].sample(rng)].0,
            2 => STATUS_ERROR[self.status[2].sample(rng)].0,
            _ => STATUS_OK[self.status[0].sample(rng)].0,
        };
        let u = user(rng);
        let ms = (rng.random::<f64>().powi(4) * 5000.0) as i64 + 1;
        let fill = Fill { method, path: &path, status, user: u, ms };
        let mut body = String::with_capacity(96);
        let patterns = PATTERNS[sev.min(4)];
        let pattern = patterns[rng.random_range(0..patterns.len())];
        let _ = write!(body, "[{}] ", COMPONENTS[rng.random_range(0..COMPONENTS.len())]);
        fill_pattern(rng, pattern, &fill, &mut body);
        if rng.random_bool(PLANT_RATE) {
            let word = random_case(rng, PLANTED);
            body = if rng.random_bool(0.5) { format!("{word}: {body}") } else { format!("{body} ({word})") };
            stats.planted += 1;
        }

        let mut attributes: Vec<KeyValue> = Vec::with_capacity(MAX_ATTRIBUTES);
        attributes.push(kv_str("http.method", method));
        attributes.push(kv_str("http.route", route));
        attributes.push(kv("status_code", Value::IntValue(status)));
        let region = rng.random_bool(0.8).then(|| REGIONS[self.region.sample(rng)].0);
        if let Some(r) = region {
            attributes.push(kv_str("region", r));
        }
        let optional: [Optional<'_>; 8] = [
            (0.7, &|_| kv_str("user_id", format!("u_{u:06}"))),
            (0.5, &|r| kv_str("request_id", hex_id(r, 32))),
            (0.6, &|_| kv("duration_ms", Value::IntValue(ms))),
            (0.4, &|r| kv_str("tenant", format!("tenant-{}", r.random_range(0..TENANTS)))),
            (0.2, &|r| kv_str("db.system", DB_SYSTEMS[r.random_range(0..DB_SYSTEMS.len())])),
            (0.15, &|r| kv_str("feature_flag", FEATURE_FLAGS[r.random_range(0..FEATURE_FLAGS.len())])),
            (0.2, &|r| kv("cache.hit", Value::BoolValue(r.random_bool(0.7)))),
            (0.1, &|r| kv("retry_count", Value::IntValue(r.random_range(1..5)))),
        ];
        for (p, make) in optional {
            if rng.random_bool(p) && attributes.len() < MAX_ATTRIBUTES {
                attributes.push(make(rng));
            }
        }

        let (trace_id, span_id) = trace_ids(rng);

        stats.rows += 1;
        stats.by_severity[sev] += 1;
        let is_error = sev >= 4;
        if t_ns >= self.last_hour_from_ns {
            stats.last_hour += 1;
            stats.q2_expected += u64::from(is_error && service == self.q2_service);
        }
        if method == Q4_FILTERS[0].1 && region == Some(Q4_FILTERS[1].1) {
            stats.q4_expected += 1;
        }
        if is_error && service == self.q9_service && (self.q9_ns.0..self.q9_ns.1).contains(&t_ns) {
            stats.q9_expected += 1;
        }

        LogRecord {
            time_unix_nano: t_ns,
            observed_time_unix_nano: t_ns,
            severity_number: SEVERITY_NUMBERS[sev],
            severity_text: SEVERITY_TEXTS[sev].to_string(),
            body: Some(AnyValue { value: Some(Value::StringValue(body)) }),
            attributes,
            trace_id,
            span_id,
            flags: 1,
            ..Default::default()
        }
    }
}

/// Expands `{name}` placeholders of a message pattern into `out`.
fn fill_pattern(rng: &mut StdRng, pattern: &str, f: &Fill<'_>, out: &mut String) {
    expand(pattern, out, |name, out| {
        let _ = match name {
            "user" => write!(out, "{}", user_name(f.user)),
            "uid" => write!(out, "u_{:06}", f.user),
            "ms" => write!(out, "{}", f.ms),
            "id" => write!(out, "{}", hex_id(rng, 16)),
            "path" => write!(out, "{}", f.path),
            "method" => write!(out, "{}", f.method),
            "status" => write!(out, "{}", f.status),
            "n" => write!(out, "{}", rng.random_range(1..1000)),
            "ip" => write!(
                out,
                "10.{}.{}.{}",
                rng.random_range(0..255),
                rng.random_range(0..255),
                rng.random_range(1..255)
            ),
            "table" => write!(out, "{}", TABLES[rng.random_range(0..TABLES.len())]),
            "host" => write!(out, "{}", HOSTS[rng.random_range(0..HOSTS.len())]),
            "key" => {
                write!(out, "{}:{}", TABLES[rng.random_range(0..TABLES.len())], rng.random_range(1..100_000))
            }
            "err" => write!(out, "{}", ERRORS[rng.random_range(0..ERRORS.len())]),
            other => write!(out, "{{{other}}}"),
        };
    });
}
