//! The per-row predicate of a `LogsQuery`, compiled once, plus the pieces a store can use
//! to skip data before evaluating it.

use crate::filter::{AttributeScope, CompiledGroup, contains_ci};
use crate::query::LogsQuery;
use crate::record::{LogRecord, Severity};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowFilter {
    severities: Vec<Severity>,
    services: Vec<String>,
    search_term_lower: Option<String>,
    resource_fingerprint: Option<u64>,
    group: CompiledGroup,
}

impl LogsQuery {
    /// The row predicate: severities, services, search term, filter group and resource
    /// fingerprint. Time bounds, the cursor and the live-tail checkpoint are range bounds
    /// the store applies itself.
    pub fn row_filter(&self) -> RowFilter {
        RowFilter::new(self)
    }
}

impl RowFilter {
    /// A query that bypassed `parse_body` and carries an invalid filter group matches
    /// nothing: failing closed beats silently returning everything.
    pub fn new(q: &LogsQuery) -> Self {
        Self {
            severities: q.severity_levels.clone(),
            services: q.service_names.clone(),
            search_term_lower: q.search_term.as_deref().filter(|t| !t.is_empty()).map(str::to_lowercase),
            resource_fingerprint: q.resource_fingerprint,
            group: q.match_group().compile().unwrap_or_else(|_| CompiledGroup::never()),
        }
    }

    /// Cheapest checks first; the filter group last.
    pub fn matches(&self, r: &LogRecord) -> bool {
        self.resource_fingerprint.is_none_or(|f| f == r.resource_fingerprint)
            && (self.severities.is_empty() || self.severities.contains(&r.severity))
            && (self.services.is_empty() || self.services.contains(&r.service_name))
            && self.search_term_lower.as_deref().is_none_or(|t| contains_ci(&r.body, t))
            && self.group.matches(r)
    }

    /// Allowed severities; empty means any.
    pub fn severities(&self) -> &[Severity] {
        &self.severities
    }

    /// Allowed service names (exact); empty means any.
    pub fn services(&self) -> &[String] {
        &self.services
    }

    /// The search term, lower-cased; rows must contain it in their body, ignoring case.
    pub fn search_term_lower(&self) -> Option<&str> {
        self.search_term_lower.as_deref()
    }

    pub fn resource_fingerprint(&self) -> Option<u64> {
        self.resource_fingerprint
    }

    /// Attribute keys every matching row carries (from AND-ed positive leaves).
    pub fn attribute_keys_required(&self) -> Vec<(AttributeScope, &str)> {
        self.group.required_keys()
    }

    pub fn filter_group(&self) -> &CompiledGroup {
        &self.group
    }

    /// True when every row matches (no filter of any kind).
    pub fn is_match_all(&self) -> bool {
        self.severities.is_empty()
            && self.services.is_empty()
            && self.search_term_lower.is_none()
            && self.resource_fingerprint.is_none()
            && self.group.is_match_all()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::query::parse_body;
    use crate::testutil::record;

    fn filter(query: serde_json::Value) -> RowFilter {
        parse_body(&json!({ "query": query }), false).unwrap().row_filter()
    }

    #[test]
    fn empty_query_matches_everything() {
        let f = filter(json!({}));
        assert!(f.is_match_all() && f.matches(&record()));
        assert_eq!(f, RowFilter::default());
    }

    #[test]
    fn each_piece_filters() {
        let r = record();
        assert!(filter(json!({"severityLevels": ["warn", "error"]})).matches(&r));
        assert!(!filter(json!({"severityLevels": ["info"]})).matches(&r));
        assert!(filter(json!({"serviceNames": ["web", "api-gateway"]})).matches(&r));
        assert!(!filter(json!({"serviceNames": ["API-GATEWAY"]})).matches(&r), "exact");
        assert!(filter(json!({"searchTerm": "CONNECTION timeout"})).matches(&r));
        assert!(!filter(json!({"searchTerm": "refused"})).matches(&r));
        assert!(filter(json!({"searchTerm": ""})).is_match_all(), "empty search is no search");
        assert!(filter(json!({"resourceFingerprint": "1234567890"})).matches(&r));
        assert!(!filter(json!({"resourceFingerprint": "1234567891"})).matches(&r));
        let g = json!([{"key": "k8s.pod.name", "type": "log_resource_attribute", "operator": "exact", "value": "api-2"}]);
        assert!(!filter(json!({"filterGroup": g})).matches(&r));
    }

    #[test]
    fn pieces_are_anded_and_exposed_for_pruning() {
        let f = filter(json!({
            "severityLevels": ["error"], "serviceNames": ["api-gateway"], "searchTerm": "TimeOut",
            "resourceFingerprint": 1234567890,
            "filterGroup": [{"key": "http.method", "type": "log_attribute", "operator": "exact", "value": "GET"}]
        }));
        assert!(f.matches(&record()));
        let mut other = record();
        other.attributes.clear();
        assert!(!f.matches(&other));
        assert_eq!(f.severities(), [Severity::Error]);
        assert_eq!(f.services(), ["api-gateway"]);
        assert_eq!(f.search_term_lower(), Some("timeout"));
        assert_eq!(f.resource_fingerprint(), Some(1_234_567_890));
        assert_eq!(f.attribute_keys_required(), [(AttributeScope::Log, "http.method")]);
        assert!(!f.is_match_all() && !f.filter_group().is_match_all());
    }

    #[test]
    fn simple_conjuncts_are_string_equality_and_presence_leaves() {
        let f = filter(json!({"filterGroup": [
            {"key": "http.method", "type": "log_attribute", "operator": "exact", "value": ["GET", "PUT"]},
            {"key": "host", "type": "log_resource_attribute", "operator": "is_not", "value": "h1"},
            {"key": "region", "type": "log_attribute", "operator": "is_not_set", "value": null},
            {"key": "status", "type": "log_attribute", "operator": "exact", "value": "200"}]}));
        let (leaves, complete) = f.filter_group().simple_conjuncts();
        assert!(!complete, "numeric exact compares numbers: not simple");
        let keys: Vec<_> = leaves.iter().map(|l| (l.scope, l.key, l.negate)).collect();
        assert_eq!(
            keys,
            [
                (AttributeScope::Log, "http.method", false),
                (AttributeScope::Resource, "host", true),
                (AttributeScope::Log, "region", true)
            ]
        );
        assert!(leaves[0].matches_value(Some("PUT")) && !leaves[0].matches_value(Some("put")));
        assert!(!leaves[0].matches_value(None));
        assert!(leaves[1].matches_value(None) && !leaves[1].matches_value(Some("h1")));
        assert!(leaves[2].matches_value(None) && !leaves[2].matches_value(Some("")));
        let one = filter(json!({"filterGroup": [
            {"key": "http.method", "type": "log_attribute", "operator": "is_set", "value": null}]}));
        let (leaves, complete) = one.filter_group().simple_conjuncts();
        assert!(complete && leaves.len() == 1 && leaves[0].equals.is_none());
        let or = filter(json!({"filterGroup": {"type": "OR", "values": [
            {"key": "a", "type": "log_attribute", "operator": "exact", "value": "x"},
            {"key": "b", "type": "log_attribute", "operator": "exact", "value": "y"}]}}));
        assert_eq!(or.filter_group().simple_conjuncts(), (Vec::new(), false));
        assert_eq!(RowFilter::default().filter_group().simple_conjuncts(), (Vec::new(), true));
    }

    #[test]
    fn invalid_hand_built_filter_group_matches_nothing() {
        use crate::filter::{Filter, FilterGroup, FilterType, Operator};
        let bad = Filter {
            key: "nope".into(),
            filter_type: FilterType::Log,
            operator: Operator::Exact,
            value: json!("x"),
        };
        let q = LogsQuery { filter_group: FilterGroup::from_filters(vec![bad]), ..LogsQuery::default() };
        assert!(q.validate().is_err());
        assert!(!q.row_filter().matches(&record()));
    }
}
