//! Request bodies of create, PUT and PATCH: validation with DRF's messages and codes (as
//! PostHog's serializer answers), and how a valid body changes a view.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::{Result, ViewsError};
use crate::model::{Column, ColumnType, LogsView};

pub const NAME_MAX_CHARS: usize = 400;
pub const WIDTH_MIN: i64 = 1;
pub const WIDTH_MAX: i64 = 2000;

/// The writable fields of a body, unparsed: `None` = absent, `Some(Value::Null)` = null.
/// Read-only fields (`id`, `short_id`, `created_*`, `updated_at`) are not here: the
/// server drops them before parsing, and any other unknown field is refused.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewInput {
    #[serde(default, deserialize_with = "present")]
    pub name: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub filters: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub pinned: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub columns: Option<Value>,
}

/// A present key, null included (serde's default would read null as absent).
fn present<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Which request this is; absent fields are read as DRF reads them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// POST: `name` required; `filters` `{}`, `pinned` false and `columns` null by default.
    Create,
    /// PUT: `name` required; absent `filters` back to `{}` (the serializer's default);
    /// absent `pinned` and `columns` unchanged (they have no serializer default).
    Replace,
    /// PATCH: absent fields unchanged.
    Partial,
}

/// The validated fields of a body; `None` = leave as is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub name: Option<String>,
    pub filters: Option<Map<String, Value>>,
    pub pinned: Option<bool>,
    pub columns: Option<Option<Vec<Column>>>,
}

impl Changes {
    /// `base` with these changes applied.
    pub fn apply(self, base: &LogsView) -> LogsView {
        let mut v = base.clone();
        if let Some(n) = self.name {
            v.name = n;
        }
        if let Some(f) = self.filters {
            v.filters = f;
        }
        if let Some(p) = self.pinned {
            v.pinned = p;
        }
        if let Some(c) = self.columns {
            v.columns = c;
        }
        v
    }
}

/// Python's name of a JSON value's type, as DRF's messages say it.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn required(attr: &str) -> ViewsError {
    ViewsError::invalid(attr, "required", "This field is required.")
}

fn not_null(attr: &str, v: &Value) -> Result<()> {
    match v {
        Value::Null => Err(ViewsError::invalid(attr, "null", "This field may not be null.")),
        _ => Ok(()),
    }
}

/// A DRF `CharField`: strings (and numbers, as text), whitespace trimmed, not blank.
fn text(attr: &str, v: &Value, max: Option<usize>) -> Result<String> {
    not_null(attr, v)?;
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err(ViewsError::invalid(attr, "invalid", "Not a valid string.")),
    };
    if s.is_empty() {
        return Err(ViewsError::invalid(attr, "blank", "This field may not be blank."));
    }
    if let Some(max) = max.filter(|m| s.chars().count() > *m) {
        let detail = format!("Ensure this field has no more than {max} characters.");
        return Err(ViewsError::invalid(attr, "max_length", detail));
    }
    Ok(s)
}

fn boolean(attr: &str, v: &Value) -> Result<bool> {
    not_null(attr, v)?;
    match v {
        Value::Bool(b) => Ok(*b),
        _ => Err(ViewsError::invalid(attr, "invalid", "Must be a valid boolean.")),
    }
}

fn filters(v: &Value) -> Result<Map<String, Value>> {
    not_null("filters", v)?;
    match v {
        Value::Object(m) => Ok(m.clone()),
        other => {
            let detail = format!("Expected a dictionary of items but got type \"{}\".", type_name(other));
            Err(ViewsError::invalid("filters", "not_a_dict", detail))
        }
    }
}

/// A DRF `IntegerField` between `WIDTH_MIN` and `WIDTH_MAX`: integers, integral floats
/// and integer strings.
fn width(attr: &str, v: &Value) -> Result<u32> {
    not_null(attr, v)?;
    let n = match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    let n = n.ok_or_else(|| ViewsError::invalid(attr, "invalid", "A valid integer is required."))?;
    if n < WIDTH_MIN {
        let detail = format!("Ensure this value is greater than or equal to {WIDTH_MIN}.");
        return Err(ViewsError::invalid(attr, "min_value", detail));
    }
    if n > WIDTH_MAX {
        let detail = format!("Ensure this value is less than or equal to {WIDTH_MAX}.");
        return Err(ViewsError::invalid(attr, "max_value", detail));
    }
    u32::try_from(n).map_err(|_| ViewsError::invalid(attr, "invalid", "A valid integer is required."))
}

fn column(i: usize, v: &Value) -> Result<Column> {
    let at = |key: &str| format!("columns__{i}__{key}");
    let Value::Object(m) = v else {
        let detail = format!("Invalid data. Expected a dictionary, but got {}.", type_name(v));
        return Err(ViewsError::invalid(format!("columns__{i}"), "invalid", detail));
    };
    let id = text(&at("id"), m.get("id").ok_or_else(|| required(&at("id")))?, None)?;
    let raw_type = m.get("type").ok_or_else(|| required(&at("type")))?;
    not_null(&at("type"), raw_type)?;
    let kind = raw_type.as_str().and_then(ColumnType::parse).ok_or_else(|| {
        let shown = raw_type.as_str().map_or_else(|| raw_type.to_string(), str::to_string);
        ViewsError::invalid(at("type"), "invalid_choice", format!("\"{shown}\" is not a valid choice."))
    })?;
    let name = m.get("name").map(|n| text(&at("name"), n, None)).transpose()?;
    let expression = m.get("expression").map(|e| text(&at("expression"), e, None)).transpose()?;
    let width = m.get("width").map(|w| width(&at("width"), w)).transpose()?;
    match (kind, &expression) {
        (ColumnType::Custom, None) => {
            return Err(ViewsError::invalid(
                at("expression"),
                "required",
                "Custom columns require an expression.",
            ));
        }
        (k, Some(_)) if k != ColumnType::Custom => {
            let detail =
                format!("Only custom columns take an expression; this column is of type \"{}\".", k.as_str());
            return Err(ViewsError::invalid(at("expression"), "invalid", detail));
        }
        _ => {}
    }
    Ok(Column { id, kind, name, expression, width })
}

fn columns(v: &Value) -> Result<Option<Vec<Column>>> {
    match v {
        Value::Null => Ok(None),
        Value::Array(items) => {
            items.iter().enumerate().map(|(i, c)| column(i, c)).collect::<Result<_>>().map(Some)
        }
        other => {
            let detail = format!("Expected a list of items but got type \"{}\".", type_name(other));
            Err(ViewsError::invalid("columns", "not_a_list", detail))
        }
    }
}

/// The body's changes, or the first field error (fields in the order name, filters,
/// pinned, columns).
pub fn validate(input: &ViewInput, mode: Mode) -> Result<Changes> {
    let name = match (&input.name, mode) {
        (Some(v), _) => Some(text("name", v, Some(NAME_MAX_CHARS))?),
        (None, Mode::Partial) => None,
        (None, _) => return Err(required("name")),
    };
    let filters = match (&input.filters, mode) {
        (Some(v), _) => Some(filters(v)?),
        (None, Mode::Partial) => None,
        (None, _) => Some(Map::new()),
    };
    let pinned = match (&input.pinned, mode) {
        (Some(v), _) => Some(boolean("pinned", v)?),
        (None, Mode::Create) => Some(false),
        (None, _) => None,
    };
    let columns = match (&input.columns, mode) {
        (Some(v), _) => Some(columns(v)?),
        (None, Mode::Create) => Some(None),
        (None, _) => None,
    };
    Ok(Changes { name, filters, pinned, columns })
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
