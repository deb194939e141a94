//! The deterministic data set: a "world" of services and pods built from the seed, and
//! batches of OTLP records generated independently (each from its own seeded RNG), so
//! a batch can be produced on demand without keeping a million records in memory. Two
//! profiles: `hard` (pod churn, ~50 keys, 230 templates) and `classic` (the original).

mod classic;
mod hard;
pub mod vocab;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use rand::rngs::StdRng;
use rand::{Rng, RngCore};

use vocab::SERVICES;

/// Share of bodies carrying the planted word (both profiles).
pub const PLANT_RATE: f64 = 0.001;
/// Rows cover the 23 h 45 min before `end`: the server replaces timestamps more than 24 h
/// old by "now", and a slow ingest must not age the oldest rows past that.
pub const SPAN_SECS: i64 = 24 * 3600 - 15 * 60;
/// Q2: one mid-sized service's errors in the last hour.
pub const Q2_SERVICE: &str = SERVICES[2];
/// Q9: the biggest service's errors in a 5-minute window ending 30 minutes before `end`.
pub const Q9_SERVICE: &str = SERVICES[0];
/// Severity mix: trace 2 %, debug 10 %, info 70 %, warn 10 %, error 7.5 %, fatal 0.5 %.
pub const SEVERITY_WEIGHTS: [f64; 6] = [2.0, 10.0, 70.0, 10.0, 7.5, 0.5];

/// Ground truth gathered while generating, used to check the server's answers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub rows: u64,
    pub by_severity: [u64; 6],
    pub planted: u64,
    pub last_hour: u64,
    pub q2_expected: u64,
    pub q4_expected: u64,
    pub q9_expected: u64,
}

impl Stats {
    pub fn add(&mut self, o: &Stats) {
        self.rows += o.rows;
        for (a, b) in self.by_severity.iter_mut().zip(o.by_severity) {
            *a += b;
        }
        self.planted += o.planted;
        self.last_hour += o.last_hour;
        self.q2_expected += o.q2_expected;
        self.q4_expected += o.q4_expected;
        self.q9_expected += o.q9_expected;
    }
}

/// Draws an index with probability proportional to its weight.
#[derive(Debug, Clone)]
pub struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }

    pub fn sample(&self, rng: &mut StdRng) -> usize {
        let x = rng.random::<f64>() * self.cumulative.last().copied().unwrap_or(0.0);
        self.cumulative.partition_point(|c| *c <= x).min(self.cumulative.len().saturating_sub(1))
    }
}

pub fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue { key: key.to_string(), value: Some(AnyValue { value: Some(value) }), ..Default::default() }
}

pub fn kv_str(key: &str, value: impl Into<String>) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

/// Expands `{name}` placeholders of `pattern` into `out`; `value` writes each one.
fn expand(pattern: &str, out: &mut String, mut value: impl FnMut(&str, &mut String)) {
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        value(&rest[open + 1..open + close], out);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
}

/// Trace and span ids on 90 % of rows; empty otherwise.
fn trace_ids(rng: &mut StdRng) -> (Vec<u8>, Vec<u8>) {
    let (mut trace_id, mut span_id) = (Vec::new(), Vec::new());
    if rng.random_bool(0.9) {
        trace_id = vec![0; 16];
        span_id = vec![0; 8];
        rng.fill_bytes(&mut trace_id);
        rng.fill_bytes(&mut span_id);
    }
    (trace_id, span_id)
}

fn hex_id(rng: &mut StdRng, len: usize) -> String {
    (0..len).map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0')).collect()
}

/// Which data set: `hard` (issue 14, shaped like a real cluster) or `classic` (the data
/// set of the first benchmark runs, byte for byte, for comparison).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    Hard,
    Classic,
}

#[derive(Debug, Clone)]
enum Generator {
    Classic(classic::World),
    Hard(Box<hard::World>),
}

/// N rows over [end - SPAN_SECS, end), in batches of `batch` records, deterministic for a seed.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub profile: Profile,
    pub seed: u64,
    pub rows: u64,
    pub batch: usize,
    /// Unix seconds, a whole minute.
    pub end_s: i64,
    generator: Generator,
}

impl Dataset {
    pub fn new(profile: Profile, seed: u64, rows: u64, batch: usize, end_s: i64) -> Dataset {
        let generator = match profile {
            Profile::Classic => Generator::Classic(classic::World::new(seed)),
            Profile::Hard => Generator::Hard(Box::new(hard::World::new(seed, end_s - SPAN_SECS))),
        };
        Dataset { profile, seed, rows, batch: batch.max(1), end_s, generator }
    }

    pub fn batches(&self) -> usize {
        self.rows.div_ceil(self.batch as u64) as usize
    }

    /// The Q9 window, unix seconds, half-open.
    pub fn q9_window(&self) -> (i64, i64) {
        (self.end_s - 35 * 60, self.end_s - 30 * 60)
    }

    /// The word planted in ~0.1 % of bodies (random letter case), searched by Q3/Q3c.
    pub fn planted(&self) -> &'static str {
        match self.profile {
            Profile::Classic => classic::PLANTED,
            Profile::Hard => hard::PLANTED,
        }
    }

    /// Q4's two log-attribute equality filters.
    pub fn q4_filters(&self) -> [(&'static str, &'static str); 2] {
        match self.profile {
            Profile::Classic => classic::Q4_FILTERS,
            Profile::Hard => hard::Q4_FILTERS,
        }
    }

    /// A short description for the report.
    pub fn describe(&self) -> String {
        match &self.generator {
            Generator::Classic(w) => {
                format!("classic: 30 services, {} fixed pods, 200 templates, 12 attribute keys", w.pods())
            }
            Generator::Hard(w) => w.describe(),
        }
    }

    /// Batch `index`: rows `index * batch ..`, in time order across batches (uniform rate,
    /// jittered), grouped into one `ResourceLogs` per pod as a collector would send them.
    pub fn batch(&self, index: usize) -> (ExportLogsServiceRequest, Stats) {
        match &self.generator {
            Generator::Classic(w) => w.batch(self, index),
            Generator::Hard(w) => w.batch(self, index),
        }
    }
}

#[cfg(test)]
mod tests;
