//! `conditions` (§4.4): when a policy applies to a change's intent.
//!
//! Comparisons follow PostHog's Python: numbers (and booleans, which Python counts as
//! 0/1) compare numerically, strings by code point; an ordering between other types is a
//! type error, so "no match" for that path, while `==` / `!=` between different types are
//! simply unequal.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// Whether `conditions` match `intent` (`intent.current_state[field]` is before,
/// `intent.gated_changes[field]` after; each side a scalar or a list of `{path, value}`).
/// Empty or missing conditions always match; with `supports_conditions` false any
/// non-empty conditions also always match; unknown type/operator or a missing
/// field/operator/value fall back to "matches"; a comparison type error is "no match" for
/// that path.
///
/// A list of condition objects (a Logstead extension) matches when ANY of them matches:
/// each condition is a reason to gate, as one policy's single condition is upstream.
pub fn matches(conditions: &Value, intent: &Value, supports_conditions: bool) -> bool {
    if is_empty(conditions) || !supports_conditions {
        return true;
    }
    match conditions {
        Value::Array(items) => items.iter().any(|c| one(c, intent)),
        other => one(other, intent),
    }
}

/// Python's falsy conditions (`None`, `{}`, `[]`, …): gate everything.
fn is_empty(c: &Value) -> bool {
    match c {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
    }
}

fn one(condition: &Value, intent: &Value) -> bool {
    let Value::Object(c) = condition else {
        // Not a condition this crate knows: the fall-back gates.
        return true;
    };
    if c.is_empty() {
        return true;
    }
    let Some(field) = c.get("field").and_then(Value::as_str).filter(|f| !f.is_empty()) else {
        return true;
    };
    let before = side(intent, "current_state", field);
    let after = side(intent, "gated_changes", field);
    match c.get("type").and_then(Value::as_str) {
        Some("before_after") => {
            compared(c, |op, threshold| after.iter().any(|(_, v)| !v.is_null() && op.holds(v, threshold)))
        }
        Some("change_amount") => compared(c, |op, threshold| {
            paths(&before, &after).into_iter().any(|(b, a)| match (b, a) {
                (Some(b), Some(a)) => minus(a, b).is_some_and(|delta| op.holds(&delta, threshold)),
                _ => false,
            })
        }),
        Some("any_change") => paths(&before, &after).into_iter().any(|(b, a)| {
            let null = Value::Null;
            !py_eq(b.unwrap_or(&null), a.unwrap_or(&null))
        }),
        _ => true,
    }
}

/// Runs `test` with the condition's operator and value, or matches (the fall-back) when
/// either is missing or the operator is unknown.
fn compared(c: &Map<String, Value>, test: impl FnOnce(Op, &Value) -> bool) -> bool {
    let op = c.get("operator").and_then(Value::as_str).and_then(Op::parse);
    match (op, c.get("value").filter(|v| !v.is_null())) {
        (Some(op), Some(threshold)) => test(op, threshold),
        _ => true,
    }
}

/// One side of a field as `(path, value)` entries: a list of `{path, value}` objects, or
/// any other value as a single entry whose path is the field. Absent: no entries.
fn side<'a>(intent: &'a Value, key: &str, field: &str) -> Vec<(String, &'a Value)> {
    static NULL: Value = Value::Null;
    let Some(v) = intent.get(key).and_then(|s| s.get(field)) else {
        return Vec::new();
    };
    match v {
        Value::Array(items) if items.iter().all(|i| i.get("path").is_some()) => items
            .iter()
            .filter_map(|i| Some((path_key(i.get("path")?), i.get("value").unwrap_or(&NULL))))
            .collect(),
        other => vec![(field.to_string(), other)],
    }
}

fn path_key(p: &Value) -> String {
    p.as_str().map_or_else(|| p.to_string(), str::to_string)
}

/// Every path of either side (in first-seen order) with its before and after value; a
/// path listed twice on one side keeps its last value, as a Python dict does.
fn paths<'a>(
    before: &[(String, &'a Value)],
    after: &[(String, &'a Value)],
) -> Vec<(Option<&'a Value>, Option<&'a Value>)> {
    let last = |entries: &[(String, &'a Value)], path: &str| {
        entries.iter().rev().find(|(p, _)| p == path).map(|(_, v)| *v)
    };
    let mut seen: Vec<&str> = Vec::new();
    for (p, _) in before.iter().chain(after) {
        if !seen.contains(&p.as_str()) {
            seen.push(p);
        }
    }
    seen.into_iter().map(|p| (last(before, p), last(after, p))).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Gt,
    Lt,
    Ge,
    Le,
    Eq,
    Ne,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            ">" => Op::Gt,
            "<" => Op::Lt,
            ">=" => Op::Ge,
            "<=" => Op::Le,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            _ => return None,
        })
    }

    /// `a OP b`; false when Python would raise a type error.
    fn holds(self, a: &Value, b: &Value) -> bool {
        match self {
            Op::Eq => py_eq(a, b),
            Op::Ne => !py_eq(a, b),
            _ => py_cmp(a, b).is_some_and(|o| match self {
                Op::Gt => o == Ordering::Greater,
                Op::Lt => o == Ordering::Less,
                Op::Ge => o != Ordering::Less,
                _ => o != Ordering::Greater,
            }),
        }
    }
}

/// A number as Python sees it: ints exact, floats, booleans as 0/1.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Bool(b) => Some(Num::Int(i128::from(*b))),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(Num::Int(i128::from(i))),
            None => match n.as_u64() {
                Some(u) => Some(Num::Int(i128::from(u))),
                None => n.as_f64().map(Num::Float),
            },
        },
        _ => None,
    }
}

fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Int(x), Num::Float(y)) => (x as f64).partial_cmp(&y),
        (Num::Float(x), Num::Int(y)) => x.partial_cmp(&(y as f64)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
    }
}

fn py_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (num(a), num(b)) {
        (Some(x), Some(y)) => num_cmp(x, y),
        _ => match (a, b) {
            (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

fn py_eq(a: &Value, b: &Value) -> bool {
    match (num(a), num(b)) {
        (Some(x), Some(y)) => num_cmp(x, y) == Some(Ordering::Equal),
        _ => a == b,
    }
}

/// `a - b` for numbers; None (a type error) otherwise.
fn minus(a: &Value, b: &Value) -> Option<Value> {
    match (num(a)?, num(b)?) {
        (Num::Int(x), Num::Int(y)) => {
            let d = x - y;
            Some(i64::try_from(d).map_or_else(|_| Value::from(d as f64), Value::from))
        }
        (x, y) => {
            let f = |n: Num| match n {
                Num::Int(i) => i as f64,
                Num::Float(f) => f,
            };
            serde_json::Number::from_f64(f(x) - f(y)).map(Value::Number)
        }
    }
}

#[cfg(test)]
#[path = "conditions_tests.rs"]
mod tests;
