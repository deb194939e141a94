//! `config` per rule type (spec §4.2), parsed once: write validation reports the first
//! problem as a sentence; the evaluator turns any problem into "this rule never drops".

use serde_json::{Map, Value};

use crate::filter::RuleFilter;
use crate::model::RuleType;

pub const MAX_RATE: i64 = 1_000_000;
pub const MAX_BURST: i64 = 10_000_000;
/// KB mode: 1 KB = 1024 bytes of `LogRecord::bytes` (body + attribute keys and values).
pub const KB: f64 = 1024.0;

/// Severity buckets of `severity_sampling` (spec §4.2).
pub const LEVELS: [&str; 4] = ["DEBUG", "INFO", "WARN", "ERROR"];

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Action {
    Keep,
    Drop,
    /// Keep iff `u < rate` (rate clamped to [0, 1]).
    Sample(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    Exists(String),
    Eq(String, String),
    /// Holds when the attribute is absent or differs.
    Ne(String, String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlwaysKeep {
    pub status_gte: Option<f64>,
    pub latency_ms_gt: Option<f64>,
    pub predicates: Vec<Predicate>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Tokens per second: lines, or bytes in KB mode.
    pub per_second: f64,
    pub capacity: f64,
    pub kb: bool,
}

#[derive(Debug, Clone)]
pub enum Kind {
    PathDrop { patterns: Vec<regex::Regex>, match_key: Option<String>, group: Option<RuleFilter> },
    Severity { actions: [Option<Action>; 4] },
    RateLimit { limit: RateLimit, group: Option<RuleFilter> },
}

/// A rule's parsed config.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub kind: Kind,
    pub always_keep: Option<AlwaysKeep>,
}

type R<T> = Result<T, String>;

fn obj<'a>(v: &'a Value, what: &str) -> R<&'a Map<String, Value>> {
    v.as_object().ok_or_else(|| format!("{what} must be an object."))
}

fn present<'a>(m: &'a Map<String, Value>, k: &str) -> Option<&'a Value> {
    m.get(k).filter(|v| !v.is_null())
}

/// Parses `config` for `rule_type`. `strict` (a write carrying `config`) also rejects
/// empty filter groups; invalid regex patterns are accepted and skipped at evaluation.
pub fn parse(rule_type: RuleType, config: &Value, strict: bool) -> R<Parsed> {
    let m = obj(config, "config")?;
    let group = |strict: bool| -> R<Option<RuleFilter>> {
        present(m, "filter_group").map(|g| RuleFilter::compile(g, strict)).transpose()
    };
    let kind = match rule_type {
        RuleType::PathDrop => {
            let patterns = match present(m, "patterns") {
                None => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|p| p.as_str().map(str::to_string).ok_or("patterns must be a list of strings."))
                    .collect::<Result<Vec<_>, _>>()?,
                Some(_) => return Err("patterns must be a list of strings.".into()),
            };
            let match_key = match present(m, "match_attribute_key") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.is_empty()),
                Some(_) => return Err("match_attribute_key must be a string.".into()),
            };
            let patterns = patterns.iter().filter_map(|p| regex::Regex::new(p).ok()).collect();
            Kind::PathDrop { patterns, match_key, group: group(strict)? }
        }
        RuleType::SeveritySampling => Kind::Severity { actions: actions(m)? },
        RuleType::RateLimit => Kind::RateLimit { limit: rate_limit(m)?, group: group(strict)? },
    };
    let always_keep = present(m, "always_keep").map(always_keep).transpose()?;
    Ok(Parsed { kind, always_keep })
}

fn actions(m: &Map<String, Value>) -> R<[Option<Action>; 4]> {
    let mut out = [None; 4];
    let Some(raw) = present(m, "actions") else { return Ok(out) };
    for (level, a) in obj(raw, "actions")? {
        let i = LEVELS.iter().position(|l| l == level).ok_or_else(|| {
            format!("actions keys must be among DEBUG, INFO, WARN, ERROR (got \"{level}\").")
        })?;
        let a = obj(a, &format!("actions.{level}"))?;
        let rate = match present(a, "rate") {
            None => 1.0,
            Some(r) => r.as_f64().ok_or_else(|| format!("actions.{level}.rate must be a number."))?,
        };
        out[i] = Some(match a.get("type").and_then(Value::as_str) {
            Some("keep") => Action::Keep,
            Some("drop") => Action::Drop,
            Some("sample") => Action::Sample(if rate.is_nan() { 1.0 } else { rate.clamp(0.0, 1.0) }),
            _ => return Err(format!("actions.{level}.type must be one of keep, drop, sample.")),
        });
    }
    Ok(out)
}

fn int_field(m: &Map<String, Value>, k: &str) -> R<Option<i64>> {
    match present(m, k) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| format!("{k} must be an integer.")),
    }
}

fn rate_limit(m: &Map<String, Value>) -> R<RateLimit> {
    let (lps, kbps) = (int_field(m, "logs_per_second")?, int_field(m, "kb_per_second")?);
    let (rate, burst, kb) = match (lps, kbps) {
        (Some(_), Some(_)) => {
            return Err("Set exactly one of logs_per_second or kb_per_second, not both.".into());
        }
        (None, None) => return Err("Set exactly one of logs_per_second or kb_per_second.".into()),
        (Some(r), None) => {
            if present(m, "burst_kb").is_some() {
                return Err("burst_kb can only be used with kb_per_second.".into());
            }
            (("logs_per_second", r), ("burst_logs", int_field(m, "burst_logs")?), false)
        }
        (None, Some(r)) => {
            if present(m, "burst_logs").is_some() {
                return Err("burst_logs can only be used with logs_per_second.".into());
            }
            (("kb_per_second", r), ("burst_kb", int_field(m, "burst_kb")?), true)
        }
    };
    let ((rate_key, rate), (burst_key, burst)) = (rate, burst);
    if !(1..=MAX_RATE).contains(&rate) {
        return Err(format!("{rate_key} must be between 1 and 1000000."));
    }
    if let Some(b) = burst
        && !(rate..=MAX_BURST).contains(&b)
    {
        return Err(format!("{burst_key} must be at least {rate_key} and at most 10000000."));
    }
    let unit = if kb { KB } else { 1.0 };
    let capacity = burst.unwrap_or(3 * rate) as f64 * unit;
    Ok(RateLimit { per_second: rate as f64 * unit, capacity, kb })
}

fn always_keep(v: &Value) -> R<AlwaysKeep> {
    let m = obj(v, "always_keep")?;
    let num = |k: &str| -> R<Option<f64>> {
        present(m, k)
            .map(|v| v.as_f64().ok_or_else(|| format!("always_keep.{k} must be a number.")))
            .transpose()
    };
    let mut predicates = Vec::new();
    if let Some(raw) = present(m, "attribute_predicates") {
        let items = raw.as_array().ok_or("always_keep.attribute_predicates must be a list.")?;
        for p in items {
            let p = obj(p, "each always_keep.attribute_predicates entry")?;
            let key = p.get("key").and_then(Value::as_str).filter(|k| !k.is_empty());
            let key = key.ok_or("each always_keep predicate needs a string key.")?.to_string();
            let value = match present(p, "value") {
                None => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(other) => Some(other.to_string()),
            };
            predicates.push(match (p.get("op").and_then(Value::as_str), value) {
                (Some("exists"), _) => Predicate::Exists(key),
                (Some("eq"), Some(v)) => Predicate::Eq(key, v),
                (Some("ne"), Some(v)) => Predicate::Ne(key, v),
                (Some("eq" | "ne"), None) => {
                    return Err("always_keep predicates eq and ne need a value.".into());
                }
                _ => return Err("always_keep predicate op must be one of exists, eq, ne.".into()),
            });
        }
    }
    Ok(AlwaysKeep { status_gte: num("status_gte")?, latency_ms_gt: num("latency_ms_gt")?, predicates })
}
