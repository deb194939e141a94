//! A rule's `filter_group` (spec §4.3 caps, §4.4 leaf lookup).
//!
//! The leaf comparisons are logs-query's (`Filter::compile` / `CompiledFilter::matches`);
//! this module is the thin layer where §4.4 differs from `logs/query/` filters:
//! - lookup: a leaf may omit `type` (attributes, then resources), and column aliases
//!   (`service.name`, `level`, `severity_text`, ...) fall back to the column when the key is
//!   not in the declared map — a leaf reads the first source that has the key;
//! - `exact`/`is_not` on text compare case-insensitively (`CiEq`, a plain comparison: a
//!   regex leaf cost several times more per record on the ingest path) and regex leaves are
//!   case-insensitive + dot-all (rewritten into logs-query regex leaves);
//! - an empty group never matches (logs-query prunes it to "match all"), and so does an
//!   empty value list: a drop rule must fail closed.

use logs_query::{AttributeScope, CompiledFilter, Filter, FilterType, LogRecord, Operator};
use serde_json::Value;

/// Spec §4.3: deepest group nesting and most nodes (groups + leaves) a filter may have.
pub const MAX_DEPTH: usize = 16;
pub const MAX_NODES: usize = 256;

#[derive(Debug, Clone)]
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Never,
    Leaf(Vec<Source>),
}

/// Where a leaf looks; the first source holding the key decides.
#[derive(Debug, Clone)]
enum Source {
    Map(AttributeScope, String, Check),
    Column(Check),
}

#[derive(Debug, Clone)]
enum Text {
    Attr(AttributeScope, String),
    Body,
    Service,
}

#[derive(Debug, Clone)]
enum Check {
    Query(CompiledFilter),
    /// Case-insensitive equality with any of `needles` (lower-cased).
    CiEq {
        text: Text,
        needles: Vec<String>,
        negate: bool,
    },
}

impl Check {
    fn matches(&self, r: &LogRecord) -> bool {
        match self {
            Check::Query(f) => f.matches(r),
            Check::CiEq { text, needles, negate } => {
                let value = match text {
                    Text::Attr(AttributeScope::Log, k) => r.attribute(k),
                    Text::Attr(AttributeScope::Resource, k) => r.resource_attribute(k),
                    Text::Body => Some(r.body.as_str()),
                    Text::Service => Some(r.service_name.as_str()),
                };
                let hit = value.is_some_and(|v| {
                    needles.iter().any(|n| {
                        if v.is_ascii() { v.eq_ignore_ascii_case(n) } else { v.to_lowercase() == *n }
                    })
                });
                hit != *negate
            }
        }
    }
}

/// A compiled `filter_group`.
#[derive(Debug, Clone)]
pub struct RuleFilter {
    root: Node,
}

struct Walk {
    nodes: usize,
    /// Write validation rejects empty groups; the evaluator treats them as "no match".
    strict: bool,
}

impl RuleFilter {
    /// Parses and compiles; the error is a user-facing sentence. `strict` is for writes
    /// that carry `config` (spec §4.3: no empty group anywhere).
    pub fn compile(v: &Value, strict: bool) -> Result<Self, String> {
        let mut w = Walk { nodes: 0, strict };
        let root = match v {
            Value::Array(items) => w.group(true, items, "", 1)?,
            Value::Object(_) => w.node(v, "", 1)?,
            _ => return Err("filter_group must be an object or a list of filters.".into()),
        };
        Ok(Self { root })
    }

    /// The evaluator's compile: anything invalid never matches (fail closed).
    pub fn lenient(v: &Value) -> Self {
        Self::compile(v, false).unwrap_or(Self { root: Node::Never })
    }

    pub fn matches(&self, r: &LogRecord) -> bool {
        node_matches(&self.root, r)
    }
}

fn node_matches(n: &Node, r: &LogRecord) -> bool {
    match n {
        Node::All(c) => c.iter().all(|n| node_matches(n, r)),
        Node::Any(c) => c.iter().any(|n| node_matches(n, r)),
        Node::Never => false,
        Node::Leaf(sources) => leaf_matches(sources, r),
    }
}

fn leaf_matches(sources: &[Source], r: &LogRecord) -> bool {
    let present = |s: &&Source| match s {
        Source::Map(AttributeScope::Log, k, _) => r.attribute(k).is_some(),
        Source::Map(AttributeScope::Resource, k, _) => r.resource_attribute(k).is_some(),
        Source::Column(_) => true,
    };
    match sources.iter().find(present).or(sources.last()) {
        Some(Source::Map(_, _, f) | Source::Column(f)) => f.matches(r),
        None => false,
    }
}

fn at(path: &str, i: usize) -> String {
    format!("{path}{}values[{i}]", if path.is_empty() { "" } else { "." })
}

fn bad(path: &str, what: impl std::fmt::Display) -> String {
    if path.is_empty() {
        format!("Invalid filter_group: {what}")
    } else {
        format!("Invalid filter_group at {path}: {what}")
    }
}

impl Walk {
    fn count(&mut self) -> Result<(), String> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(format!("filter_group has more than {MAX_NODES} nodes."));
        }
        Ok(())
    }

    fn node(&mut self, v: &Value, path: &str, depth: usize) -> Result<Node, String> {
        match v.get("type").and_then(Value::as_str) {
            Some(t @ ("AND" | "OR")) => {
                let items = match v.get("values") {
                    Some(Value::Array(items)) => items.as_slice(),
                    None | Some(Value::Null) => &[],
                    Some(_) => return Err(bad(path, "a group's values must be a list")),
                };
                self.group(t == "AND", items, path, depth)
            }
            _ => self.leaf(v, path),
        }
    }

    fn group(&mut self, and: bool, items: &[Value], path: &str, depth: usize) -> Result<Node, String> {
        self.count()?;
        if depth > MAX_DEPTH {
            return Err(format!("filter_group is nested deeper than {MAX_DEPTH} levels."));
        }
        if items.is_empty() {
            if self.strict {
                let place = if path.is_empty() { "the root".to_string() } else { path.to_string() };
                return Err(format!("filter_group has an empty group at {place}; empty groups never match."));
            }
            return Ok(Node::Never);
        }
        let children = items
            .iter()
            .enumerate()
            .map(|(i, c)| self.node(c, &at(path, i), depth + 1))
            .collect::<Result<_, _>>()?;
        Ok(if and { Node::All(children) } else { Node::Any(children) })
    }

    fn leaf(&mut self, v: &Value, path: &str) -> Result<Node, String> {
        self.count()?;
        let Some(obj) = v.as_object() else { return Err(bad(path, "a filter must be an object")) };
        let key = match obj.get("key") {
            Some(Value::String(k)) if !k.is_empty() => k.as_str(),
            _ => return Err(bad(path, "a filter needs a non-empty string key")),
        };
        let declared = match obj.get("type") {
            None | Some(Value::Null) => None,
            Some(t) => Some(serde_json::from_value::<FilterType>(t.clone()).map_err(|e| bad(path, e))?),
        };
        let operator = match obj.get("operator") {
            None | Some(Value::Null) => Operator::Exact,
            Some(o) => serde_json::from_value::<Operator>(o.clone()).map_err(|e| bad(path, e))?,
        };
        let value = obj.get("value").cloned().unwrap_or(Value::Null);
        let mut sources = Vec::new();
        let maps: &[AttributeScope] = match declared {
            Some(FilterType::LogAttribute) => &[AttributeScope::Log],
            Some(FilterType::LogResourceAttribute) => &[AttributeScope::Resource],
            Some(FilterType::Log) => &[],
            None => &[AttributeScope::Log, AttributeScope::Resource],
        };
        for scope in maps {
            let ft = match scope {
                AttributeScope::Log => FilterType::LogAttribute,
                AttributeScope::Resource => FilterType::LogResourceAttribute,
            };
            match compile(key, ft, operator, &value).map_err(|e| bad(path, e))? {
                Some(f) => sources.push(Source::Map(*scope, key.to_string(), f)),
                None => return Ok(Node::Never),
            }
        }
        let column = match (column_alias(key), declared) {
            (Some(c), _) => Some(c),
            (None, Some(FilterType::Log)) => Some("message"),
            (None, _) => None,
        };
        if let Some(col) = column {
            match compile(col, FilterType::Log, operator, &value).map_err(|e| bad(path, e))? {
                Some(f) => sources.push(Source::Column(f)),
                None => return Ok(Node::Never),
            }
        }
        Ok(Node::Leaf(sources))
    }
}

/// The column a key names (spec §4.4), as logs-query's `type: log` key.
fn column_alias(key: &str) -> Option<&'static str> {
    Some(match key {
        "service_name" | "service.name" => "service_name",
        "severity_text" | "level" | "severity_level" => "severity_level",
        "message" => "message",
        "trace_id" => "trace_id",
        "span_id" => "span_id",
        _ => return None,
    })
}

fn is_number(v: &Value) -> bool {
    v.is_number() || v.as_str().is_some_and(|s| s.parse::<f64>().is_ok_and(f64::is_finite))
}

fn strings(v: &Value) -> Vec<String> {
    let one = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        Value::Array(items) => items.iter().map(one).collect(),
        Value::Null => Vec::new(),
        other => vec![one(other)],
    }
}

/// One logs-query leaf for (`key`, `ft`), with §4.4's case rules applied to its operator and
/// values. `None`: an empty value list.
fn compile(key: &str, ft: FilterType, op: Operator, value: &Value) -> Result<Option<Check>, String> {
    let severity = ft == FilterType::Log && key == "severity_level";
    let text = !(ft == FilterType::Log && matches!(key, "severity_level" | "trace_id" | "span_id"));
    let values = value.as_array().map_or_else(|| vec![value.clone()], Clone::clone);
    let (operator, value) = match op {
        Operator::Exact | Operator::IsNot if severity => {
            let lowered: Vec<String> = strings(value)
                .iter()
                .map(|s| match s.to_lowercase().as_str() {
                    "warning" => "warn".to_string(),
                    other => other.to_string(),
                })
                .collect();
            (op, Value::from(lowered))
        }
        // Numbers keep logs-query's numeric equality (`200` equals `"200.0"`).
        Operator::Exact | Operator::IsNot if text && !values.iter().all(is_number) => {
            let needles: Vec<String> = strings(value).iter().map(|s| s.to_lowercase()).collect();
            if needles.is_empty() {
                return Ok(None);
            }
            let text = match (ft, key) {
                (FilterType::LogAttribute, k) => Text::Attr(AttributeScope::Log, k.to_string()),
                (FilterType::LogResourceAttribute, k) => Text::Attr(AttributeScope::Resource, k.to_string()),
                (FilterType::Log, "service_name") => Text::Service,
                (FilterType::Log, _) => Text::Body,
            };
            return Ok(Some(Check::CiEq { text, needles, negate: op == Operator::IsNot }));
        }
        Operator::Regex | Operator::NotRegex => {
            let flagged: Vec<String> = strings(value).iter().map(|s| format!("(?is){s}")).collect();
            (op, Value::from(flagged))
        }
        _ => (op, value.clone()),
    };
    let f = Filter { key: key.to_string(), filter_type: ft, operator, value };
    Ok(f.compile().map_err(|e| e.detail)?.map(Check::Query))
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
