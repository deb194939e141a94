//! The list/export query: validation of the query parameters (or an export body's
//! `filters`) into an [`ActivityQuery`], with DRF-style errors (first failure wins).

use serde_json::Value;
use uuid::Uuid;

use crate::{ActivityError, ActivityFilter, Cursor, Order, datetime, detail_filter, hogql};

pub const DEFAULT_PAGE_SIZE: u32 = 100;
pub const MAX_PAGE_SIZE: u32 = 1000;

/// A validated list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityQuery {
    pub filter: ActivityFilter,
    pub order: Order,
    pub paging: Paging,
    /// `include_organization_scoped`: the older per-request switch adding the org's
    /// team-less rows to a project's base set.
    pub include_org_level: bool,
}

/// `page` present → page-number mode (with a count); absent → cursor mode (spec 1.4b).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    Page { page: u32, page_size: u32 },
    Cursor { after: Option<Cursor>, page_size: u32 },
}

impl Paging {
    pub fn page_size(&self) -> u32 {
        match self {
            Paging::Page { page_size, .. } | Paging::Cursor { page_size, .. } => *page_size,
        }
    }
}

/// Parses URL query pairs (in request order; repeated keys allowed). Unknown parameters
/// are ignored, as DRF does. `team_ids` is accepted at both levels: on a project it can
/// only narrow the result.
pub fn parse_query(pairs: &[(String, String)], org_level: bool) -> Result<ActivityQuery, ActivityError> {
    // Both levels take the same parameters today; the flag lets them diverge later
    // without changing callers.
    let _ = org_level;
    let p = Params(pairs);
    let mut filter = ActivityFilter {
        start_date: p.scalar("start_date").map(|v| date("start_date", v)).transpose()?,
        end_date: p.scalar("end_date").map(|v| date("end_date", v)).transpose()?,
        ..Default::default()
    };
    for (i, v) in p.list("users").iter().enumerate() {
        let uuid =
            Uuid::try_parse(v.trim()).map_err(|_| invalid(format!("users__{i}"), "Must be a valid UUID."))?;
        filter.users.push(uuid);
    }
    filter.scopes = p.list("scopes");
    filter.activities = p.list("activities");
    filter.clients = p.list("clients");
    filter.item_ids = p.list("item_ids");
    for (i, v) in p.list("team_ids").iter().enumerate() {
        let id = v
            .trim()
            .parse()
            .map_err(|_| invalid(format!("team_ids__{i}"), "A valid integer is required."))?;
        filter.team_ids.push(id);
    }
    filter.search_text = p.scalar("search_text").map(str::to_string);
    if let Some(raw) = p.scalar("detail_filters") {
        filter.detail_filters = detail_filter::parse_detail_filters(raw)?;
    }
    filter.hogql = p.scalar("hogql_filter").filter(|s| !s.trim().is_empty()).map(hogql::parse).transpose()?;
    filter.was_impersonated =
        p.scalar("was_impersonated").map(|v| boolean("was_impersonated", v)).transpose()?.flatten();
    filter.is_system = p.scalar("is_system").map(|v| boolean("is_system", v)).transpose()?.flatten();
    let include_org_level = p
        .scalar("include_organization_scoped")
        .map(|v| boolean("include_organization_scoped", v))
        .transpose()?
        .flatten()
        .unwrap_or(false);
    let order = match p.scalar("ordering") {
        None | Some("-created_at") => Order::NewestFirst,
        Some("created_at") => Order::OldestFirst,
        Some(other) => {
            return Err(ActivityError::InvalidFilter {
                attr: Some("ordering".into()),
                code: "invalid_choice",
                detail: format!("\"{other}\" is not a valid choice."),
            });
        }
    };
    Ok(ActivityQuery { filter, order, paging: paging(&p)?, include_org_level })
}

/// Parses an export body's `filters` object (values may be JSON arrays, objects, booleans
/// or numbers) with the same rules as [`parse_query`]. `null` means no filters.
pub fn query_from_json(filters: &Value, org_level: bool) -> Result<ActivityQuery, ActivityError> {
    let map = match filters {
        Value::Null => return parse_query(&[], org_level),
        Value::Object(map) => map,
        other => {
            return Err(ActivityError::InvalidFilter {
                attr: Some("filters".into()),
                code: "not_a_dict",
                detail: format!("Expected a dictionary of items but got type \"{}\".", type_name(other)),
            });
        }
    };
    let mut pairs = Vec::with_capacity(map.len());
    for (key, value) in map {
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s.clone(),
            // Arrays and objects keep their JSON text: the list parser reads JSON arrays
            // without splitting commas inside elements, and detail_filters reads the object.
            other => other.to_string(),
        };
        pairs.push((key.clone(), text));
    }
    parse_query(&pairs, org_level)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

struct Params<'a>(&'a [(String, String)]);

impl<'a> Params<'a> {
    fn values<'k>(&self, key: &'k str) -> impl Iterator<Item = &'a str> + use<'a, 'k> {
        self.0.iter().filter(move |(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn present(&self, key: &str) -> bool {
        self.values(key).next().is_some()
    }

    /// The last value, as Django's `QueryDict.get`; an empty value counts as absent.
    fn scalar(&self, key: &str) -> Option<&'a str> {
        self.values(key).last().filter(|v| !v.is_empty())
    }

    /// Every value of a list parameter: repeated keys, a JSON array in one value, or
    /// comma-separated values; blanks are dropped.
    fn list(&self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        for raw in self.values(key) {
            let trimmed = raw.trim();
            if trimmed.starts_with('[')
                && let Ok(Value::Array(items)) = serde_json::from_str::<Value>(trimmed)
            {
                out.extend(items.into_iter().filter_map(|item| match item {
                    Value::Null => None,
                    Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                }));
                continue;
            }
            out.extend(raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string));
        }
        out
    }
}

fn invalid(attr: impl Into<String>, detail: &str) -> ActivityError {
    ActivityError::InvalidFilter { attr: Some(attr.into()), code: "invalid_input", detail: detail.into() }
}

fn date(attr: &str, v: &str) -> Result<time::OffsetDateTime, ActivityError> {
    datetime::parse_iso8601(v).ok_or_else(|| invalid(attr, datetime::FORMAT_HELP))
}

/// DRF's `BooleanField`/`NullBooleanField` spellings; `null`/`none` mean "no filter".
fn boolean(attr: &str, v: &str) -> Result<Option<bool>, ActivityError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "on" | "1" => Ok(Some(true)),
        "false" | "f" | "no" | "n" | "off" | "0" => Ok(Some(false)),
        "" | "null" | "none" => Ok(None),
        _ => Err(invalid(attr, "Must be a valid boolean.")),
    }
}

fn paging(p: &Params<'_>) -> Result<Paging, ActivityError> {
    let page_size = match p.scalar("page_size") {
        None => DEFAULT_PAGE_SIZE,
        Some(v) => {
            let n: i64 =
                v.trim().parse().map_err(|_| invalid("page_size", "A valid integer is required."))?;
            if n < 1 {
                return Err(bound("min_value", "Ensure this value is greater than or equal to 1."));
            }
            if n > i64::from(MAX_PAGE_SIZE) {
                return Err(bound("max_value", "Ensure this value is less than or equal to 1000."));
            }
            u32::try_from(n).unwrap_or(MAX_PAGE_SIZE)
        }
    };
    if p.present("page") {
        // DRF reads `page` as `value or 1`, so `?page=` is page 1.
        let page = match p.scalar("page") {
            None => 1,
            Some(v) => {
                let n: i64 = v.trim().parse().map_err(|_| invalid("page", "A valid integer is required."))?;
                u32::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| invalid("page", "Invalid page."))?
            }
        };
        return Ok(Paging::Page { page, page_size });
    }
    let after = match p.scalar("cursor") {
        None => None,
        Some(v) => Some(Cursor::decode(v.trim()).ok_or_else(|| invalid("cursor", "Invalid cursor"))?),
    };
    Ok(Paging::Cursor { after, page_size })
}

fn bound(code: &'static str, detail: &str) -> ActivityError {
    ActivityError::InvalidFilter { attr: Some("page_size".into()), code, detail: detail.into() }
}

#[cfg(test)]
mod tests;
