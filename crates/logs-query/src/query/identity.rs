//! `personId` / `sessionId` (specs/logs.md 2.2, 7): a row belongs to the person (session)
//! when a log or resource attribute under one of the configured keys equals the id.
//! Logstead has no person table, so `personId` is matched as the distinct id itself.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::filter::{Filter, FilterGroup, FilterNode, FilterType, GroupType, Operator};

/// PostHog's `logs_distinct_id_attribute_keys` default (its newest: the SDKs' key, then
/// the camelCase convention).
pub const DEFAULT_PERSON_ID_KEYS: [&str; 2] = ["posthogDistinctId", "distinctId"];
/// PostHog's `logs_session_id_attribute_keys`: `sessionId` (what the SDKs send) and the
/// older default `posthogSessionId`, which teams created before the change still carry.
pub const DEFAULT_SESSION_ID_KEYS: [&str; 2] = ["sessionId", "posthogSessionId"];
/// PostHog's limits on both lists.
pub const MAX_IDENTITY_KEYS: usize = 10;
pub const MAX_IDENTITY_KEY_LEN: usize = 200;

/// The attribute keys `personId` and `sessionId` are matched on (server configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityKeys {
    pub person: Vec<String>,
    pub session: Vec<String>,
}

impl Default for IdentityKeys {
    fn default() -> Self {
        let owned = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect();
        Self { person: owned(&DEFAULT_PERSON_ID_KEYS), session: owned(&DEFAULT_SESSION_ID_KEYS) }
    }
}

impl IdentityKeys {
    /// 1 to [`MAX_IDENTITY_KEYS`] keys per list, each 1 to [`MAX_IDENTITY_KEY_LEN`]
    /// characters; `what` names the list in the error.
    pub fn check(keys: &[String], what: &str) -> Result<(), String> {
        if keys.is_empty() || keys.len() > MAX_IDENTITY_KEYS {
            return Err(format!("{what} must list 1 to {MAX_IDENTITY_KEYS} attribute keys"));
        }
        match keys.iter().find(|k| k.trim().is_empty() || k.chars().count() > MAX_IDENTITY_KEY_LEN) {
            Some(k) => Err(format!("{what}: '{k}' must be 1 to {MAX_IDENTITY_KEY_LEN} characters")),
            None => Ok(()),
        }
    }

    /// The group a row must match for `personId` / `sessionId`; `None` when neither is set.
    pub fn group(&self, person_id: Option<&str>, session_id: Option<&str>) -> Option<FilterGroup> {
        let parts: Vec<FilterNode> = [(person_id, &self.person), (session_id, &self.session)]
            .into_iter()
            .filter_map(|(id, keys)| id.map(|id| FilterNode::Group(any_key_equals(keys, id))))
            .collect();
        (!parts.is_empty()).then_some(FilterGroup { group_type: GroupType::And, values: parts })
    }
}

/// OR over every key in both attribute maps. An anchored, escaped regex rather than
/// `exact`: `exact` compares numbers numerically, and ids are compared as text. No keys
/// match nothing (an empty OR would be dropped, matching everything).
fn any_key_equals(keys: &[String], id: &str) -> FilterGroup {
    if keys.is_empty() {
        let never = Filter {
            key: "message".into(),
            filter_type: FilterType::Log,
            operator: Operator::Regex,
            value: Value::String(r"\z.".into()),
        };
        return FilterGroup { group_type: GroupType::And, values: vec![FilterNode::Filter(never)] };
    }
    let pattern = Value::String(format!(r"\A{}\z", regex::escape(id)));
    let leaf = |key: &String, filter_type| {
        FilterNode::Filter(Filter {
            key: key.clone(),
            filter_type,
            operator: Operator::Regex,
            value: pattern.clone(),
        })
    };
    let values = keys
        .iter()
        .flat_map(|k| [leaf(k, FilterType::LogAttribute), leaf(k, FilterType::LogResourceAttribute)])
        .collect();
    FilterGroup { group_type: GroupType::Or, values }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;
    use crate::parse_body;
    use crate::testutil::{pairs, record};

    fn matches(query: Value, keys: &IdentityKeys, r: &crate::LogRecord) -> bool {
        let mut q = parse_body(&json!({ "query": query }), false).unwrap();
        q.identity_keys = keys.clone();
        q.row_filter().matches(r)
    }

    #[test]
    fn person_and_session_match_configured_keys_in_either_map() {
        let keys = IdentityKeys::default();
        let mut r = record();
        r.attributes = pairs(&[("posthogDistinctId", "user-1"), ("sessionId", "s-9")]);
        assert!(matches(json!({"personId": "user-1"}), &keys, &r));
        assert!(!matches(json!({"personId": "user-2"}), &keys, &r));
        assert!(!matches(json!({"personId": "user-"}), &keys, &r), "whole value, not a prefix");
        assert!(matches(json!({"sessionId": "s-9", "personId": "user-1"}), &keys, &r));
        assert!(!matches(json!({"sessionId": "s-8", "personId": "user-1"}), &keys, &r), "both must hold");
        assert!(matches(json!({}), &keys, &r), "unset constrains nothing");
        r.attributes.clear();
        r.resource_attributes = pairs(&[("distinctId", "user-1"), ("posthogSessionId", "s-9")]).into();
        assert!(
            matches(json!({"personId": "user-1", "sessionId": "s-9"}), &keys, &r),
            "resource attributes too"
        );
        let custom = IdentityKeys { person: vec!["user.id".into()], session: vec!["sid".into()] };
        assert!(!matches(json!({"personId": "user-1"}), &custom, &r), "only the configured keys");
        r.attributes = pairs(&[("user.id", "user-1"), ("sid", "42")]);
        assert!(matches(json!({"personId": "user-1", "sessionId": 42}), &custom, &r));
        assert!(!matches(json!({"sessionId": "42.0"}), &custom, &r), "ids compare as text, not numbers");
        assert!(
            matches(json!({"personId": "a.b*(c"}), &custom, &{
                let mut x = record();
                x.attributes = pairs(&[("user.id", "a.b*(c")]);
                x
            }),
            "regex characters are literal"
        );
        let none = IdentityKeys { person: Vec::new(), session: Vec::new() };
        assert!(!matches(json!({"personId": "user-1"}), &none, &r), "no keys match nothing");
        assert!(matches(json!({"filterGroup": []}), &none, &r));
    }

    #[test]
    fn the_match_group_ands_the_filter_group() {
        let mut r = record();
        r.attributes = pairs(&[("posthogDistinctId", "u"), ("http.method", "GET")]);
        let get =
            json!([{"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "GET"}]);
        let put =
            json!([{"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "PUT"}]);
        let keys = IdentityKeys::default();
        assert!(matches(json!({"personId": "u", "filterGroup": get}), &keys, &r));
        assert!(!matches(json!({"personId": "u", "filterGroup": put}), &keys, &r));
        let q = parse_body(&json!({"query": {"personId": "u"}}), false).unwrap();
        assert!(serde_json::to_value(&q).unwrap().get("identityKeys").is_none(), "not echoed");
        assert_eq!(q.match_group().values.len(), 2);
    }

    #[test]
    fn key_lists_are_checked() {
        let list =
            |n: usize, len: usize| (0..n).map(|i| format!("{i}{}", "k".repeat(len - 1))).collect::<Vec<_>>();
        assert!(IdentityKeys::check(&list(10, 200), "person_id_keys").is_ok());
        assert!(IdentityKeys::check(&[], "person_id_keys").unwrap_err().contains("1 to 10"));
        assert!(IdentityKeys::check(&list(11, 3), "x").is_err());
        assert!(IdentityKeys::check(&list(1, 201), "x").unwrap_err().contains("1 to 200 characters"));
        assert!(IdentityKeys::check(&[" ".into()], "x").is_err());
        assert_eq!(IdentityKeys::default().person, DEFAULT_PERSON_ID_KEYS);
        assert_eq!(IdentityKeys::default().session, DEFAULT_SESSION_ID_KEYS);
    }
}
