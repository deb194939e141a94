//! The per-record walk of spec §4.4, over a team's enabled rules compiled once.

use std::collections::HashMap;
use std::sync::Mutex;

use logs_query::{LogRecord, Severity};
use regex::Regex;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::config::{self, Action, AlwaysKeep, Kind, Predicate, RateLimit};
use crate::model::SamplingRule;
use crate::repo::RuleCounts;

/// What the walk decided, and which rule decided it (`None`: no rule did; kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub keep: bool,
    pub rule: Option<Uuid>,
}

impl Decision {
    const KEEP: Decision = Decision { keep: true, rule: None };
}

#[derive(Debug, Clone)]
struct Compiled {
    id: Uuid,
    scope_service: Option<String>,
    /// `Some(None)`: the pattern is invalid and matches nothing.
    scope_path: Option<Option<Regex>>,
    always_keep: Option<AlwaysKeep>,
    kind: Kind,
}

/// A team's enabled rules in walk order (`priority`, `created_at`). Rules whose config
/// does not parse are left out: an invalid rule never drops.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    team_id: i64,
    rules: Vec<Compiled>,
}

impl RuleSet {
    pub fn new(team_id: i64, rules: &[SamplingRule]) -> Self {
        let mut sorted: Vec<&SamplingRule> = rules.iter().filter(|r| r.enabled).collect();
        sorted.sort_by_key(|r| (r.priority, r.created_at, r.id));
        let rules = sorted
            .into_iter()
            .filter_map(|r| {
                let parsed = config::parse(r.rule_type, &r.config, false).ok()?;
                Some(Compiled {
                    id: r.id,
                    scope_service: r.scope_service.clone(),
                    scope_path: r.scope_path_pattern.as_ref().map(|p| Regex::new(p).ok()),
                    always_keep: parsed.always_keep,
                    kind: parsed.kind,
                })
            })
            .collect();
        Self { team_id, rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn team_id(&self) -> i64 {
        self.team_id
    }

    /// Spec §4.4 over an ingest batch: keeps the records to store and returns, per rule
    /// that decided something, the records and bytes it kept and dropped.
    pub fn filter(
        &self,
        records: &mut Vec<LogRecord>,
        limiter: &Limiter,
        now_us: i64,
    ) -> HashMap<Uuid, RuleCounts> {
        let mut tally: HashMap<Uuid, RuleCounts> = HashMap::new();
        records.retain(|r| {
            let d = self.decide(r, limiter, now_us);
            if let Some(rule) = d.rule {
                tally.entry(rule).or_default().count(d.keep, i64::from(r.bytes));
            }
            d.keep
        });
        tally
    }

    /// Spec §4.4 for one record at `now_us` (the rate-limit buckets' clock).
    pub fn decide(&self, r: &LogRecord, limiter: &Limiter, now_us: i64) -> Decision {
        if self.rules.is_empty() {
            return Decision::KEEP;
        }
        let mut limited: Option<&Compiled> = None;
        for rule in &self.rules {
            if !in_scope(rule, r) {
                continue;
            }
            if rule.always_keep.as_ref().is_some_and(|k| always_keep(k, r)) {
                return Decision { keep: true, rule: Some(rule.id) };
            }
            match &rule.kind {
                Kind::PathDrop { patterns, match_key, group } => {
                    let by_path = path(r, match_key.as_deref())
                        .is_some_and(|p| patterns.iter().any(|re| re.is_match(p)));
                    if by_path || group.as_ref().is_some_and(|g| g.matches(r)) {
                        return Decision { keep: false, rule: Some(rule.id) };
                    }
                }
                Kind::Severity { actions } => {
                    let keep = match actions[bucket(r)] {
                        None | Some(Action::Keep) => true,
                        Some(Action::Drop) => false,
                        Some(Action::Sample(rate)) => unit_draw(&r.trace_id) < rate,
                    };
                    return Decision { keep, rule: Some(rule.id) };
                }
                Kind::RateLimit { group, .. } => {
                    if limited.is_none() && group.as_ref().is_none_or(|g| g.matches(r)) {
                        limited = Some(rule);
                    }
                }
            }
        }
        match limited {
            Some(rule @ Compiled { kind: Kind::RateLimit { limit, .. }, .. }) => {
                let cost = if limit.kb { f64::from(r.bytes) } else { 1.0 };
                let keep = limiter.take((self.team_id, rule.id), limit, cost, now_us);
                Decision { keep, rule: Some(rule.id) }
            }
            _ => Decision::KEEP,
        }
    }
}

fn in_scope(rule: &Compiled, r: &LogRecord) -> bool {
    if rule.scope_service.as_deref().is_some_and(|s| s != r.service_name) {
        return false;
    }
    match &rule.scope_path {
        None => true,
        Some(None) => false,
        Some(Some(re)) => re.is_match(path(r, None).unwrap_or("")),
    }
}

/// The path string (spec §4.2): `match_key`'s attribute, else the first non-empty of the
/// usual path attributes.
pub fn path<'r>(r: &'r LogRecord, match_key: Option<&str>) -> Option<&'r str> {
    if let Some(k) = match_key {
        return r.attribute(k);
    }
    ["url.path", "http.path", "http.route", "path"]
        .iter()
        .filter_map(|k| r.attribute(k))
        .find(|v| !v.is_empty())
}

fn number(r: &LogRecord, keys: [&str; 2]) -> Option<f64> {
    keys.iter().find_map(|k| r.attribute(k)).and_then(|v| v.trim().parse::<f64>().ok())
}

fn always_keep(k: &AlwaysKeep, r: &LogRecord) -> bool {
    let status = || number(r, ["http.status_code", "http.response.status_code"]);
    let latency = || number(r, ["http.server.duration_ms", "duration_ms"]);
    k.status_gte.is_some_and(|min| status().is_some_and(|s| s >= min))
        || k.latency_ms_gt.is_some_and(|max| latency().is_some_and(|l| l > max))
        || k.predicates.iter().any(|p| match p {
            Predicate::Exists(key) => r.attribute(key).is_some(),
            Predicate::Eq(key, v) => r.attribute(key) == Some(v.as_str()),
            Predicate::Ne(key, v) => r.attribute(key) != Some(v.as_str()),
        })
}

/// Index into `config::LEVELS`: text level first, else the severity number.
fn bucket(r: &LogRecord) -> usize {
    match r.severity {
        Severity::Trace | Severity::Debug => 0,
        Severity::Info => 1,
        Severity::Warn => 2,
        Severity::Error | Severity::Fatal => 3,
        Severity::Unknown => match r.severity_number {
            n if n >= 17 => 3,
            n if n >= 13 => 2,
            n if n >= 9 => 1,
            // 0 is OTLP's "unspecified", i.e. no number: INFO.
            0 => 1,
            _ => 0,
        },
    }
}

/// `u` of spec §4.2: the first 4 bytes of SHA-256(trace id) over 2³²−1, so every record of
/// a trace draws the same number; a random one without a trace id.
pub fn unit_draw(trace_id: &[u8; 16]) -> f64 {
    if trace_id.iter().all(|b| *b == 0) {
        return rand::random::<f64>();
    }
    let d = Sha256::digest(trace_id);
    f64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]])) / f64::from(u32::MAX)
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at_us: i64,
}

/// Token buckets per (team, rule), in memory (PostHog keeps them in Redis, so one bucket
/// per server here: N servers admit up to N × the rate). Buckets start full.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: Mutex<HashMap<(i64, Uuid), Bucket>>,
}

impl Limiter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Refills the bucket to `now_us`, then takes `cost` tokens if it holds them.
    pub fn take(&self, key: (i64, Uuid), limit: &RateLimit, cost: f64, now_us: i64) -> bool {
        let mut map = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let b = map.entry(key).or_insert(Bucket { tokens: limit.capacity, at_us: now_us });
        let elapsed = (now_us - b.at_us).max(0) as f64 / 1e6;
        b.tokens = (b.tokens + elapsed * limit.per_second).min(limit.capacity);
        b.at_us = b.at_us.max(now_us);
        if b.tokens >= cost {
            b.tokens -= cost;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
#[path = "eval_tests.rs"]
mod tests;
