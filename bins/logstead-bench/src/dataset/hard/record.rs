//! One hard-profile record: severity, template (Zipf-like per severity) or stack trace,
//! 3-10 attributes chosen by what the template is about, and its share of the ground truth.

use opentelemetry_proto::tonic::common::v1::{AnyValue, any_value::Value};
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use rand::Rng;
use rand::rngs::StdRng;

use super::super::vocab::hard::{CURRENCIES, ERROR_TYPES, JOBS, LINES, PROVIDERS, TENANTS, TOPICS, USERS};
use super::super::vocab::{
    FEATURE_FLAGS, METHODS, REGIONS, ROUTES, SERVICES, STATUS_ERROR, STATUS_OK, STATUS_WARN,
};
use super::super::{
    PLANT_RATE, Q2_SERVICE, Q9_SERVICE, SEVERITY_WEIGHTS, Stats, Weighted, kv_str, trace_ids,
};
use super::attrs::{Attrs, MAX_ATTRIBUTES, kind_attributes};
use super::body::{Draws, fill, stack_trace};
use super::{PLANTED, Q4_FILTERS};

const SEVERITY_NUMBERS: [i32; 6] = [1, 5, 9, 13, 17, 21];
const SEVERITY_TEXTS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
/// Share of error and fatal records that carry a stack trace.
const TRACE_SHARE: f64 = 0.45;

fn zipf(n: usize, s: f64) -> Weighted {
    Weighted::new((0..n).map(|k| 1.0 / ((k + 1) as f64).powf(s)))
}

fn weights<T>(table: &[(T, f64)]) -> Weighted {
    Weighted::new(table.iter().map(|(_, w)| *w))
}

fn ns(unix_s: i64) -> u64 {
    u64::try_from(unix_s).unwrap_or(0) * 1_000_000_000
}

fn random_case(rng: &mut StdRng, word: &str) -> String {
    word.chars()
        .map(|c| if rng.random_bool(0.5) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
        .collect()
}

/// The sampling tables (built once per data set) and the ground-truth windows.
#[derive(Debug, Clone)]
pub(super) struct Context {
    severity: Weighted,
    templates: [Weighted; 5],
    method: Weighted,
    region: Weighted,
    status: [Weighted; 3],
    tenant: Weighted,
    route: Weighted,
    last_hour_from_ns: u64,
    q9_ns: (u64, u64),
}

impl Context {
    pub(super) fn new(end_s: i64) -> Context {
        Context {
            severity: Weighted::new(SEVERITY_WEIGHTS),
            templates: LINES.map(|l| zipf(l.len(), 0.9)),
            method: weights(&METHODS),
            region: weights(&REGIONS),
            status: [weights(&STATUS_OK), weights(&STATUS_WARN), weights(&STATUS_ERROR)],
            tenant: zipf(TENANTS, 1.0),
            route: zipf(ROUTES.len(), 0.8),
            last_hour_from_ns: ns(end_s - 3600),
            q9_ns: (ns(end_s - 35 * 60), ns(end_s - 30 * 60)),
        }
    }

    fn draws(&self, rng: &mut StdRng, sev: usize) -> Draws {
        let method = METHODS[self.method.sample(rng)].0;
        let route = ROUTES[self.route.sample(rng)];
        let path = route.replace("{id}", &rng.random_range(1..500_000).to_string());
        // Warnings and errors mostly carry 4xx / 5xx statuses.
        let status = match sev {
            3 if rng.random_bool(0.6) => STATUS_WARN[self.status[1].sample(rng)].0,
            4 | 5 if rng.random_bool(0.7) => STATUS_ERROR[self.status[2].sample(rng)].0,
            _ => STATUS_OK[self.status[0].sample(rng)].0,
        };
        Draws {
            method,
            route,
            path,
            status,
            // A few very active users, a long tail of a million.
            user: (rng.random::<f64>().powi(3) * USERS as f64) as usize,
            ms: (rng.random::<f64>().powi(4) * 5000.0) as i64 + 1,
            tenant: self.tenant.sample(rng),
            request: rng.random(),
            session: rng.random(),
            order: rng.random(),
            topic: rng.random_range(0..TOPICS.len()),
            partition: rng.random_range(0..24),
            offset: rng.random_range(1_000_000..900_000_000),
            sku: rng.random_range(0..50_000),
            cents: rng.random_range(199..250_000),
            currency: rng.random_range(0..CURRENCIES.len()),
            provider: rng.random_range(0..PROVIDERS.len()),
            job: rng.random_range(0..JOBS.len()),
            flag: rng.random_range(0..FEATURE_FLAGS.len()),
        }
    }

    pub(super) fn record(&self, rng: &mut StdRng, service: usize, t_ns: u64, stats: &mut Stats) -> LogRecord {
        let sev = self.severity.sample(rng);
        let d = self.draws(rng, sev);
        let mut body = String::with_capacity(128);
        let (kind, trace) = if sev >= 4 && rng.random_bool(TRACE_SHARE) {
            // Java services throw Java traces, the others Python tracebacks.
            let java = service.is_multiple_of(2);
            let (kind, exception, function) = stack_trace(rng, java, &d, &mut body);
            (kind, Some((exception, function)))
        } else {
            let level = sev.min(4);
            let t = LINES[level][self.templates[level].sample(rng)];
            fill(rng, t.text, &d, &mut body);
            (t.kind, None)
        };
        if rng.random_bool(PLANT_RATE) {
            let word = random_case(rng, PLANTED);
            body = if rng.random_bool(0.5) { format!("{word}: {body}") } else { format!("{body} ({word})") };
            stats.planted += 1;
        }

        let mut a = Attrs(Vec::with_capacity(MAX_ATTRIBUTES));
        if let Some((exception, function)) = trace {
            a.add(kv_str("exception.type", exception));
            a.add(kv_str("code.function", function));
        }
        kind_attributes(rng, kind, &d, &self.region, &mut a);
        if sev >= 3 {
            a.maybe(rng, 0.8, |r| kv_str("error.type", ERROR_TYPES[r.random_range(0..ERROR_TYPES.len())]));
        }
        a.maybe(rng, 0.1, |_| kv_str("feature_flag", FEATURE_FLAGS[d.flag]));
        a.maybe(rng, 0.3, |_| kv_str("logger.name", format!("com.shop.{}.{kind:?}", SERVICES[service])));

        let (trace_id, span_id) = trace_ids(rng);

        stats.rows += 1;
        stats.by_severity[sev] += 1;
        let is_error = sev >= 4;
        if t_ns >= self.last_hour_from_ns {
            stats.last_hour += 1;
            stats.q2_expected += u64::from(is_error && SERVICES[service] == Q2_SERVICE);
        }
        if Q4_FILTERS.iter().all(|(k, v)| a.has(k, v)) {
            stats.q4_expected += 1;
        }
        if is_error && SERVICES[service] == Q9_SERVICE && (self.q9_ns.0..self.q9_ns.1).contains(&t_ns) {
            stats.q9_expected += 1;
        }

        LogRecord {
            time_unix_nano: t_ns,
            observed_time_unix_nano: t_ns,
            severity_number: SEVERITY_NUMBERS[sev],
            severity_text: SEVERITY_TEXTS[sev].to_string(),
            body: Some(AnyValue { value: Some(Value::StringValue(body)) }),
            attributes: a.0,
            trace_id,
            span_id,
            flags: 1,
            ..Default::default()
        }
    }
}
