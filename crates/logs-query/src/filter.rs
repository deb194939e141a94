//! The `filterGroup` model (specs/logs.md 2.1): leaves on log fields, log attributes and
//! resource attributes, nested in AND/OR groups.
//!
//! PostHog ANDs every leaf it finds and ignores group types. Logstead honours `OR` (an
//! extension); for the shapes PostHog clients send (a single inner group, or a flat list)
//! the results are the same.

mod compile;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::QueryError;
use crate::record::LogRecord;

pub use compile::{AttributeScope, CompiledFilter, CompiledGroup, contains_ci};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LogsFilterType))]
#[serde(rename_all = "snake_case")]
pub enum FilterType {
    /// Top-level fields: `message` (body), `severity_level`, `service_name`, `trace_id`, `span_id`.
    Log,
    LogAttribute,
    LogResourceAttribute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LogsFilterOperator))]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Exact,
    IsNot,
    Icontains,
    NotIcontains,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Regex,
    NotRegex,
    Gt,
    Gte,
    Lt,
    Lte,
    IsDateExact,
    IsDateBefore,
    IsDateAfter,
    IsSet,
    IsNotSet,
}

impl Operator {
    /// The operator this one negates, if it is a negative one.
    pub fn negated(self) -> Option<Operator> {
        Some(match self {
            Self::IsNot => Self::Exact,
            Self::NotIcontains => Self::Icontains,
            Self::NotStartsWith => Self::StartsWith,
            Self::NotEndsWith => Self::EndsWith,
            Self::NotRegex => Self::Regex,
            Self::IsNotSet => Self::IsSet,
            _ => return None,
        })
    }
}

/// One leaf. `value` is a string, number, bool, list of those, or null (`is_set`/`is_not_set`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    pub key: String,
    #[serde(rename = "type")]
    pub filter_type: FilterType,
    /// PostHog property filters default to `exact`.
    #[serde(default = "default_operator")]
    pub operator: Operator,
    #[serde(default)]
    pub value: Value,
}

fn default_operator() -> Operator {
    Operator::Exact
}

impl Filter {
    /// Validates and prepares the leaf; `None` when it constrains nothing (an empty value
    /// list, which PostHog also treats as no condition).
    pub fn compile(&self) -> Result<Option<CompiledFilter>, QueryError> {
        compile::compile_filter(self)
    }

    /// Convenience for one-off checks; an invalid leaf matches nothing.
    pub fn matches(&self, r: &LogRecord) -> bool {
        match self.compile() {
            Ok(Some(c)) => c.matches(r),
            Ok(None) => true,
            Err(_) => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = LogsGroupType))]
#[serde(rename_all = "UPPERCASE")]
pub enum GroupType {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FilterNode {
    Group(FilterGroup),
    Filter(Filter),
}

/// Serialises as PostHog's `PropertyGroupFilter`; deserialises from that or from a flat list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterGroup {
    #[serde(rename = "type")]
    pub group_type: GroupType,
    pub values: Vec<FilterNode>,
}

impl Default for FilterGroup {
    fn default() -> Self {
        Self { group_type: GroupType::And, values: Vec::new() }
    }
}

impl FilterGroup {
    /// A flat list of leaves, wrapped as PostHog does: `AND[AND[leaves]]`, or `AND[]` if empty.
    pub fn from_filters(filters: Vec<Filter>) -> Self {
        if filters.is_empty() {
            return Self::default();
        }
        let inner = Self {
            group_type: GroupType::And,
            values: filters.into_iter().map(FilterNode::Filter).collect(),
        };
        Self { group_type: GroupType::And, values: vec![FilterNode::Group(inner)] }
    }

    /// Accepts both shapes; errors name the offending node (`values[0].values[1]`).
    pub fn from_json(v: &Value) -> Result<Self, QueryError> {
        match v {
            Value::Null => Ok(Self::default()),
            Value::Array(items) => {
                let filters = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| parse_leaf(item, &format!("[{i}]")))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Self::from_filters(filters))
            }
            Value::Object(_) => parse_group(v, ""),
            _ => Err(invalid("", "expected a list of filters or a {type, values} group")),
        }
    }

    /// All leaves, depth first (for callers that only need the keys).
    pub fn leaves(&self) -> Vec<&Filter> {
        let mut out = Vec::new();
        collect_leaves(self, &mut out);
        out
    }

    pub fn compile(&self) -> Result<CompiledGroup, QueryError> {
        compile::compile_group(self)
    }

    /// Convenience for one-off checks; an invalid group matches nothing.
    pub fn matches(&self, r: &LogRecord) -> bool {
        self.compile().is_ok_and(|c| c.matches(r))
    }
}

fn collect_leaves<'a>(g: &'a FilterGroup, out: &mut Vec<&'a Filter>) {
    for node in &g.values {
        match node {
            FilterNode::Group(inner) => collect_leaves(inner, out),
            FilterNode::Filter(f) => out.push(f),
        }
    }
}

impl<'de> Deserialize<'de> for FilterGroup {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Self::from_json(&v).map_err(|e| serde::de::Error::custom(e.detail))
    }
}

/// serde's error in DRF's words where it has them.
fn reworded(e: &serde_json::Error) -> String {
    let text = e.to_string();
    crate::serde_wording::drf_message(&text).unwrap_or(text)
}

fn invalid(path: &str, what: &str) -> QueryError {
    let at = if path.is_empty() { String::new() } else { format!(" at {path}") };
    QueryError::for_attr("filterGroup", format!("Invalid filterGroup{at}: {what}"))
}

fn is_group(v: &Value) -> bool {
    matches!(v.get("type").and_then(Value::as_str), Some("AND" | "OR"))
}

fn parse_group(v: &Value, path: &str) -> Result<FilterGroup, QueryError> {
    let group_type = match v.get("type").and_then(Value::as_str) {
        Some("AND") => GroupType::And,
        Some("OR") => GroupType::Or,
        _ => return Err(invalid(path, "a group's type must be \"AND\" or \"OR\"")),
    };
    let items = match v.get("values") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => return Ok(FilterGroup { group_type, values: Vec::new() }),
        Some(_) => return Err(invalid(path, "a group's values must be a list")),
    };
    let mut values = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}{}values[{i}]", if path.is_empty() { "" } else { "." });
        values.push(if is_group(item) {
            FilterNode::Group(parse_group(item, &at)?)
        } else {
            FilterNode::Filter(parse_leaf(item, &at)?)
        });
    }
    Ok(FilterGroup { group_type, values })
}

fn parse_leaf(v: &Value, path: &str) -> Result<Filter, QueryError> {
    if !v.is_object() {
        return Err(invalid(path, "a filter must be an object"));
    }
    let filter: Filter = serde_json::from_value(v.clone()).map_err(|e| invalid(path, &reworded(&e)))?;
    compile::compile_filter(&filter).map_err(|e| invalid(path, &e.detail))?;
    Ok(filter)
}

#[cfg(test)]
mod tests;
