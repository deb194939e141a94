//! An alert's `filters` (`{"severityLevels"?, "serviceNames"?, "filterGroup"?}`) read with
//! exactly the logs query semantics, so an alert counts what the logs page shows.

use serde_json::{Map, Value};

use super::LogsQuery;
use crate::error::QueryError;

const KEYS: [&str; 3] = ["severityLevels", "serviceNames", "filterGroup"];

/// The filters as a query (its date range is unused: callers give explicit bounds). Shape
/// errors read `Invalid filters shape at <path>: <msg>` (spec §3.1), attributed to `filters`.
pub fn parse_alert_filters(filters: &Value) -> Result<LogsQuery, QueryError> {
    let bad = |path: &str, msg: &str| {
        QueryError::for_attr("filters", format!("Invalid filters shape at {path}: {msg}"))
    };
    let obj = match filters {
        Value::Null => return Ok(LogsQuery::default()),
        Value::Object(o) => o,
        _ => return Err(bad("filters", "must be an object")),
    };
    let picked: Map<String, Value> =
        KEYS.iter().filter_map(|k| obj.get(*k).map(|v| ((*k).to_string(), v.clone()))).collect();
    let q: LogsQuery = serde_path_to_error::deserialize(Value::Object(picked)).map_err(|e| {
        let path = format!("filters.{}", e.path());
        let inner = e.into_inner().to_string();
        bad(&path, &crate::serde_wording::drf_message(&inner).unwrap_or(inner))
    })?;
    q.filter_group.compile().map_err(|e| bad("filters.filterGroup", &e.detail))?;
    Ok(q)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::Severity;

    #[test]
    fn reads_the_three_keys_and_names_the_path_of_a_bad_shape() {
        let q = parse_alert_filters(&json!({"severityLevels": ["error"], "serviceNames": ["api"]})).unwrap();
        assert_eq!(q.severity_levels, vec![Severity::Error]);
        assert_eq!(q.service_names, vec!["api".to_string()]);
        assert!(parse_alert_filters(&json!({})).unwrap().row_filter().is_match_all());

        let e = parse_alert_filters(&json!({"serviceNames": "api"})).unwrap_err();
        assert!(e.detail.starts_with("Invalid filters shape at filters.serviceNames"), "{}", e.detail);
        assert_eq!(e.attr.as_deref(), Some("filters"));
        let e = parse_alert_filters(&json!({"severityLevels": ["loud"]})).unwrap_err();
        assert!(e.detail.contains("filters.severityLevels"), "{}", e.detail);
        assert!(parse_alert_filters(&json!([1])).is_err());
        let group = json!({"filterGroup": {"type": "AND", "values": [{"type": "AND", "values": [
            {"key": "http.status", "type": "log_attribute", "operator": "exact", "value": ["503"]}]}]}});
        assert!(!parse_alert_filters(&group).unwrap().row_filter().is_match_all());
    }
}
