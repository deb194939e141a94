//! Filters prepared for per-row evaluation: needles lower-cased, numbers and dates parsed,
//! ids decoded, empty groups pruned, so the store pays only for the comparison.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Filter, FilterGroup, FilterNode, FilterType, GroupType, Operator};
use crate::error::QueryError;
use crate::ids::{is_zero, parse_id_lenient};
use crate::record::{LogRecord, Severity};
use crate::timefmt::{is_date_only, parse_absolute, to_us};

/// Which attribute map a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttributeScope {
    Log,
    Resource,
}

#[derive(Debug, Clone, PartialEq)]
enum Field {
    Body,
    ServiceName,
    Attribute(String),
    Resource(String),
    Severity,
    TraceId,
    SpanId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Cmp {
    fn holds(self, o: Option<Ordering>) -> bool {
        matches!(
            (self, o),
            (Self::Eq, Some(Ordering::Equal))
                | (Self::Gt, Some(Ordering::Greater))
                | (Self::Gte, Some(Ordering::Greater | Ordering::Equal))
                | (Self::Lt, Some(Ordering::Less))
                | (Self::Lte, Some(Ordering::Less | Ordering::Equal))
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextOp {
    Exact,
    /// Needle stored lower-cased; matching is case-insensitive (ILIKE), as in PostHog.
    Contains,
    StartsWith,
    EndsWith,
    Cmp(Cmp),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateOp {
    Exact,
    Before,
    After,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DateValue {
    us: i64,
    /// `2024-01-15` with `is_date_exact` means "any time that day".
    whole_day: bool,
}

/// The positive form of a test; `CompiledFilter::negate` flips it. Every list is "any of".
#[derive(Debug, Clone, PartialEq)]
enum Test {
    IsSet,
    Severity(Vec<Severity>),
    TraceId(Vec<[u8; 16]>),
    SpanId(Vec<[u8; 8]>),
    Text(TextOp, Vec<String>),
    Number(Cmp, Vec<f64>),
    Date(DateOp, Vec<DateValue>),
    Regex(Vec<Pattern>),
}

/// A compiled regular expression (RE2 syntax, as ClickHouse `match()`), compared by source.
#[derive(Debug, Clone)]
struct Pattern(regex::Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

/// Bounds what one user pattern may cost to compile and hold.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn patterns(values: &[String]) -> Result<Vec<Pattern>, QueryError> {
    values
        .iter()
        .map(|v| {
            regex::RegexBuilder::new(v)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map(Pattern)
                .map_err(|e| err(format!("invalid regular expression '{v}': {e}")))
        })
        .collect()
}

/// A validated leaf. A missing attribute fails every positive test, so negative operators
/// match rows that lack the key (PostHog's float-map and resource-fingerprint behaviour).
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledFilter {
    field: Field,
    test: Test,
    negate: bool,
}

const US_PER_SECOND: i64 = 1_000_000;
const US_PER_DAY: i64 = 86_400 * US_PER_SECOND;

fn err(detail: impl Into<String>) -> QueryError {
    QueryError::for_attr("filterGroup", detail)
}

pub(super) fn compile_filter(f: &Filter) -> Result<Option<CompiledFilter>, QueryError> {
    let (op, negate) = f.operator.negated().map_or((f.operator, false), |p| (p, true));
    let field = field_of(f)?;
    check_operator(&field, op, &f.key)?;
    if op == Operator::IsSet {
        return Ok(Some(CompiledFilter { field, test: Test::IsSet, negate }));
    }
    let values = value_strings(&f.value)?;
    if values.is_empty() {
        return Ok(None);
    }
    let numeric = matches!(field, Field::Attribute(_) | Field::Resource(_));
    let numbers: Option<Vec<f64>> =
        if numeric { values.iter().map(|v| parse_number(v)).collect() } else { None };
    let text_or_number = |cmp: Cmp, text_op: TextOp| match &numbers {
        Some(n) => Test::Number(cmp, n.clone()),
        None => Test::Text(text_op, values.clone()),
    };
    let test = match (&field, op) {
        (Field::Severity, _) => Test::Severity(values.iter().filter_map(|v| Severity::parse(v)).collect()),
        (Field::TraceId, _) => Test::TraceId(values.iter().filter_map(|v| parse_id_lenient(v)).collect()),
        (Field::SpanId, _) => Test::SpanId(values.iter().filter_map(|v| parse_id_lenient(v)).collect()),
        (_, Operator::Exact) => text_or_number(Cmp::Eq, TextOp::Exact),
        (_, Operator::Gt) => text_or_number(Cmp::Gt, TextOp::Cmp(Cmp::Gt)),
        (_, Operator::Gte) => text_or_number(Cmp::Gte, TextOp::Cmp(Cmp::Gte)),
        (_, Operator::Lt) => text_or_number(Cmp::Lt, TextOp::Cmp(Cmp::Lt)),
        (_, Operator::Lte) => text_or_number(Cmp::Lte, TextOp::Cmp(Cmp::Lte)),
        (_, Operator::Icontains) => Test::Text(TextOp::Contains, lowered(&values)),
        (_, Operator::StartsWith) => Test::Text(TextOp::StartsWith, lowered(&values)),
        (_, Operator::EndsWith) => Test::Text(TextOp::EndsWith, lowered(&values)),
        (_, Operator::IsDateExact) => Test::Date(DateOp::Exact, dates(&values)?),
        (_, Operator::IsDateBefore) => Test::Date(DateOp::Before, dates(&values)?),
        (_, Operator::IsDateAfter) => Test::Date(DateOp::After, dates(&values)?),
        (_, Operator::Regex) => Test::Regex(patterns(&values)?),
        (_, other) => return Err(err(format!("operator {other:?} is not supported"))),
    };
    Ok(Some(CompiledFilter { field, test, negate }))
}

fn field_of(f: &Filter) -> Result<Field, QueryError> {
    if f.key.is_empty() {
        return Err(err("a filter key must not be empty"));
    }
    Ok(match f.filter_type {
        FilterType::LogAttribute => Field::Attribute(f.key.clone()),
        FilterType::LogResourceAttribute => Field::Resource(f.key.clone()),
        FilterType::Log => match f.key.as_str() {
            "message" => Field::Body,
            "severity_level" => Field::Severity,
            "service_name" => Field::ServiceName,
            "trace_id" => Field::TraceId,
            "span_id" => Field::SpanId,
            other => {
                return Err(err(format!(
                    "unknown log field '{other}': expected message, severity_level, service_name, trace_id or span_id"
                )));
            }
        },
    })
}

fn check_operator(field: &Field, op: Operator, key: &str) -> Result<(), QueryError> {
    let ok = match field {
        Field::Severity => op == Operator::Exact,
        Field::TraceId | Field::SpanId => matches!(op, Operator::Exact | Operator::IsSet),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let allowed =
        if *field == Field::Severity { "exact and is_not" } else { "exact, is_not, is_set and is_not_set" };
    Err(err(format!("{key} only supports the {allowed} operators")))
}

fn value_strings(v: &Value) -> Result<Vec<String>, QueryError> {
    fn scalar(v: &Value) -> Result<String, QueryError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(err("filter values must be strings, numbers or booleans")),
        }
    }
    match v {
        Value::Null => Err(err("this operator needs a value")),
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

/// Finite numbers only: `inf`/`nan` parse in Rust but are not numbers to a user.
fn parse_number(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn lowered(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.to_lowercase()).collect()
}

fn dates(values: &[String]) -> Result<Vec<DateValue>, QueryError> {
    values
        .iter()
        .map(|v| {
            let at = parse_absolute(v).ok_or_else(|| err(format!("'{v}' is not an ISO 8601 date")))?;
            Ok(DateValue { us: to_us(at), whole_day: is_date_only(v) })
        })
        .collect()
}

/// Case-insensitive substring test against an already lower-cased needle, without
/// allocating when the needle is ASCII (the common case, and the per-row hot path).
pub fn contains_ci(haystack: &str, needle_lower: &str) -> bool {
    if needle_lower.is_empty() {
        return true;
    }
    if needle_lower.is_ascii() {
        let n = needle_lower.as_bytes();
        return haystack.as_bytes().windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(needle_lower)
}

fn affix_ci(haystack: &str, needle_lower: &str, at_start: bool) -> bool {
    let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
    if needle_lower.is_ascii() {
        let start = if at_start { Some(0) } else { h.len().checked_sub(n.len()) };
        return start.and_then(|s| h.get(s..s + n.len())).is_some_and(|w| w.eq_ignore_ascii_case(n));
    }
    let lower = haystack.to_lowercase();
    if at_start { lower.starts_with(needle_lower) } else { lower.ends_with(needle_lower) }
}

impl CompiledFilter {
    pub fn matches(&self, r: &LogRecord) -> bool {
        self.positive(r) != self.negate
    }

    /// The attribute this leaf needs present to match (positive leaves on attributes only).
    pub fn required_key(&self) -> Option<(AttributeScope, &str)> {
        match (&self.field, self.negate) {
            (Field::Attribute(k), false) => Some((AttributeScope::Log, k)),
            (Field::Resource(k), false) => Some((AttributeScope::Resource, k)),
            _ => None,
        }
    }

    fn text<'r>(&self, r: &'r LogRecord) -> Option<&'r str> {
        match &self.field {
            Field::Body => Some(&r.body),
            Field::ServiceName => Some(&r.service_name),
            Field::Attribute(k) => r.attribute(k),
            Field::Resource(k) => r.resource_attribute(k),
            Field::Severity | Field::TraceId | Field::SpanId => None,
        }
    }

    fn positive(&self, r: &LogRecord) -> bool {
        match &self.test {
            Test::IsSet => match &self.field {
                Field::Severity => true,
                Field::TraceId => !is_zero(&r.trace_id),
                Field::SpanId => !is_zero(&r.span_id),
                Field::Body | Field::ServiceName => self.text(r).is_some_and(|t| !t.is_empty()),
                Field::Attribute(_) | Field::Resource(_) => self.text(r).is_some(),
            },
            Test::Severity(list) => list.contains(&r.severity),
            Test::TraceId(list) => list.contains(&r.trace_id),
            Test::SpanId(list) => list.contains(&r.span_id),
            Test::Text(op, needles) => {
                self.text(r).is_some_and(|t| needles.iter().any(|n| text_matches(*op, t, n)))
            }
            Test::Number(cmp, numbers) => self
                .text(r)
                .and_then(parse_number)
                .is_some_and(|x| numbers.iter().any(|n| cmp.holds(x.partial_cmp(n)))),
            Test::Regex(list) => self.text(r).is_some_and(|t| list.iter().any(|p| p.0.is_match(t))),
            Test::Date(op, values) => self
                .text(r)
                .and_then(parse_absolute)
                .map(to_us)
                .is_some_and(|x| values.iter().any(|d| date_matches(*op, x, *d))),
        }
    }
}

fn text_matches(op: TextOp, text: &str, needle: &str) -> bool {
    match op {
        TextOp::Exact => text == needle,
        TextOp::Contains => contains_ci(text, needle),
        TextOp::StartsWith => affix_ci(text, needle, true),
        TextOp::EndsWith => affix_ci(text, needle, false),
        TextOp::Cmp(cmp) => cmp.holds(Some(text.cmp(needle))),
    }
}

/// Exact compares whole seconds (ClickHouse `DateTime`), or whole days for a date-only value.
fn date_matches(op: DateOp, x: i64, d: DateValue) -> bool {
    match op {
        DateOp::Exact if d.whole_day => x.div_euclid(US_PER_DAY) == d.us.div_euclid(US_PER_DAY),
        DateOp::Exact => x.div_euclid(US_PER_SECOND) == d.us.div_euclid(US_PER_SECOND),
        DateOp::Before => x < d.us,
        DateOp::After => x > d.us,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    Leaf(CompiledFilter),
}

/// A compiled filter group. Empty groups are dropped rather than evaluated, so an empty
/// `OR` inside an `OR` cannot turn the whole group into "match everything".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompiledGroup {
    root: Option<Node>,
}

pub(super) fn compile_group(g: &FilterGroup) -> Result<CompiledGroup, QueryError> {
    Ok(CompiledGroup { root: compile_node(g)? })
}

fn compile_node(g: &FilterGroup) -> Result<Option<Node>, QueryError> {
    let mut children = Vec::with_capacity(g.values.len());
    for value in &g.values {
        let child = match value {
            FilterNode::Group(inner) => compile_node(inner)?,
            FilterNode::Filter(f) => compile_filter(f)?.map(Node::Leaf),
        };
        children.extend(child);
    }
    Ok(match children.len() {
        0 => None,
        1 => children.pop(),
        _ if g.group_type == GroupType::Or => Some(Node::Any(children)),
        _ => Some(Node::All(children)),
    })
}

impl CompiledGroup {
    /// Matches nothing: what a query whose filters fail to compile falls back to.
    pub fn never() -> Self {
        Self { root: Some(Node::Any(Vec::new())) }
    }

    /// True when the group constrains nothing.
    pub fn is_match_all(&self) -> bool {
        self.root.is_none()
    }

    pub fn matches(&self, r: &LogRecord) -> bool {
        self.root.as_ref().is_none_or(|n| node_matches(n, r))
    }

    /// Attributes every matching row must carry (for pruning by key indexes).
    pub fn required_keys(&self) -> Vec<(AttributeScope, &str)> {
        self.root.as_ref().map(required).unwrap_or_default()
    }
}

fn node_matches(n: &Node, r: &LogRecord) -> bool {
    match n {
        Node::All(children) => children.iter().all(|c| node_matches(c, r)),
        Node::Any(children) => children.iter().any(|c| node_matches(c, r)),
        Node::Leaf(f) => f.matches(r),
    }
}

/// AND: every child's keys; OR: only keys every branch requires.
fn required(n: &Node) -> Vec<(AttributeScope, &str)> {
    let mut out: Vec<(AttributeScope, &str)> = match n {
        Node::Leaf(f) => f.required_key().into_iter().collect(),
        Node::All(children) => children.iter().flat_map(required).collect(),
        Node::Any(children) => {
            let mut sets = children.iter().map(required);
            let first = sets.next().unwrap_or_default();
            sets.fold(first, |acc, set| acc.into_iter().filter(|k| set.contains(k)).collect())
        }
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// A leaf a store can decide from one attribute's string value (or its absence), with the
/// same answer as [`CompiledFilter::matches`]: `exact`/`is_not` against strings that are
/// not all numbers (numbers compare numerically, e.g. `200` equals `"200.0"`), and
/// `is_set`/`is_not_set`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimpleLeaf<'a> {
    pub scope: AttributeScope,
    pub key: &'a str,
    /// `Some(values)`: the value equals one of these; `None`: the key is present.
    pub equals: Option<&'a [String]>,
    /// The leaf matches when that test fails (absent keys fail every positive test).
    pub negate: bool,
}

impl SimpleLeaf<'_> {
    /// The leaf's answer for a row whose attribute `key` has `value` (`None`: absent).
    pub fn matches_value(&self, value: Option<&str>) -> bool {
        let positive = match (self.equals, value) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(values), Some(v)) => values.iter().any(|x| x == v),
        };
        positive != self.negate
    }
}

impl CompiledFilter {
    /// This leaf as a [`SimpleLeaf`], if it is one.
    pub fn as_simple(&self) -> Option<SimpleLeaf<'_>> {
        let (scope, key) = match &self.field {
            Field::Attribute(k) => (AttributeScope::Log, k.as_str()),
            Field::Resource(k) => (AttributeScope::Resource, k.as_str()),
            _ => return None,
        };
        let equals = match &self.test {
            Test::IsSet => None,
            Test::Text(TextOp::Exact, values) => Some(values.as_slice()),
            _ => return None,
        };
        Some(SimpleLeaf { scope, key, equals, negate: self.negate })
    }
}

impl CompiledGroup {
    /// The simple leaves among the group's top-level AND (or its single leaf), and whether
    /// they are the whole group: then a row matches exactly when all of them do. Every row
    /// that matches the group matches each returned leaf.
    pub fn simple_conjuncts(&self) -> (Vec<SimpleLeaf<'_>>, bool) {
        let leaves: Vec<&Node> = match &self.root {
            None => return (Vec::new(), true),
            Some(Node::All(children)) => children.iter().collect(),
            Some(n) => vec![n],
        };
        let simple: Vec<SimpleLeaf<'_>> = leaves
            .iter()
            .filter_map(|n| match n {
                Node::Leaf(f) => f.as_simple(),
                _ => None,
            })
            .collect();
        let complete = simple.len() == leaves.len();
        (simple, complete)
    }
}
