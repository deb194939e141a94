use serde_json::json;
use time::macros::datetime;

use super::*;
use crate::detail_filter::{DetailFilter, DetailOp};

fn q(pairs: &[(&str, &str)]) -> Result<ActivityQuery, ActivityError> {
    let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    parse_query(&owned, false)
}

fn ok(pairs: &[(&str, &str)]) -> ActivityQuery {
    q(pairs).unwrap()
}

fn err(pairs: &[(&str, &str)]) -> (String, &'static str, String) {
    match q(pairs) {
        Err(ActivityError::InvalidFilter { attr, code, detail }) => (attr.unwrap_or_default(), code, detail),
        other => panic!("expected an error for {pairs:?}, got {other:?}"),
    }
}

#[test]
fn defaults_to_cursor_mode_newest_first() {
    let got =
        ok(&[("format", "json"), ("limit", "5"), ("offset", "1"), ("personal_api_key", "x"), ("foo", "bar")]);
    assert_eq!(
        got,
        ActivityQuery {
            filter: ActivityFilter::default(),
            order: Order::NewestFirst,
            paging: Paging::Cursor { after: None, page_size: 100 },
            include_org_level: false,
        }
    );
}

#[test]
fn list_params_accept_three_encodings() {
    let repeated = ok(&[("scopes", "FeatureFlag"), ("scopes", "Insight")]);
    assert_eq!(repeated.filter.scopes, vec!["FeatureFlag", "Insight"]);
    let json_array = ok(&[("scopes", r#"["FeatureFlag","Insight"]"#)]);
    assert_eq!(json_array.filter.scopes, vec!["FeatureFlag", "Insight"]);
    let commas = ok(&[("activities", "created, updated,,")]);
    assert_eq!(commas.filter.activities, vec!["created", "updated"]);
    let json_keeps_commas = ok(&[("item_ids", r#"["a,b", 12, null]"#)]);
    assert_eq!(json_keeps_commas.filter.item_ids, vec!["a,b", "12"]);
    let clients = ok(&[("clients", "mcp"), ("clients", "[\"web\"]"), ("clients", "")]);
    assert_eq!(clients.filter.clients, vec!["mcp", "web"]);
    let not_json = ok(&[("scopes", "[weird")]);
    assert_eq!(not_json.filter.scopes, vec!["[weird"]);
}

#[test]
fn users_must_be_uuids() {
    let id = "01920000-0000-7000-8000-000000000bbb";
    let got = ok(&[("users", id), ("users", "01920000000070008000000000000BBC")]);
    assert_eq!(got.filter.users.len(), 2);
    assert_eq!(got.filter.users[0].to_string(), id);
    assert_eq!(got.filter.users[1].to_string(), "01920000-0000-7000-8000-000000000bbc");
    let e = err(&[("users", &format!("{id},nope"))]);
    assert_eq!(e, ("users__1".into(), "invalid_input", "Must be a valid UUID.".into()));
}

#[test]
fn team_ids_must_be_integers() {
    let got = ok(&[("team_ids", "[1, 2]"), ("team_ids", "3")]);
    assert_eq!(got.filter.team_ids, vec![1, 2, 3]);
    let e = err(&[("team_ids", "1,x")]);
    assert_eq!(e, ("team_ids__1".into(), "invalid_input", "A valid integer is required.".into()));
    let org = parse_query(&[("team_ids".into(), "4".into())], true).unwrap();
    assert_eq!(org.filter.team_ids, vec![4]);
}

#[test]
fn dates_parse_or_fail_with_drf_message() {
    let got = ok(&[("start_date", "2024-01-01"), ("end_date", "2024-01-31T23:59:59+01:00")]);
    assert_eq!(got.filter.start_date, Some(datetime!(2024-01-01 0:00 UTC)));
    assert_eq!(got.filter.end_date, Some(datetime!(2024-01-31 22:59:59 UTC)));
    assert_eq!(ok(&[("start_date", "")]).filter.start_date, None);
    let naive = ok(&[("end_date", "2024-02-03T04:05:06")]);
    assert_eq!(naive.filter.end_date, Some(datetime!(2024-02-03 4:05:06 UTC)));
    let e = err(&[("end_date", "last week")]);
    assert_eq!(e.0, "end_date");
    assert_eq!(
        e.2,
        "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
    );
    assert_eq!(err(&[("start_date", "2024-13-01")]).0, "start_date");
}

#[test]
fn search_text_empty_means_none() {
    assert_eq!(ok(&[("search_text", "")]).filter.search_text, None);
    assert_eq!(ok(&[("search_text", "Beta")]).filter.search_text.as_deref(), Some("Beta"));
}

#[test]
fn booleans_accept_drf_spellings() {
    for v in ["true", "True", "TRUE", "1", "yes", "on", "t", "y"] {
        assert_eq!(ok(&[("is_system", v)]).filter.is_system, Some(true), "{v}");
    }
    for v in ["false", "False", "0", "no", "off", "f", "n"] {
        assert_eq!(ok(&[("was_impersonated", v)]).filter.was_impersonated, Some(false), "{v}");
    }
    for v in ["", "null", "NULL", "None"] {
        assert_eq!(ok(&[("is_system", v)]).filter.is_system, None, "{v}");
    }
    let e = err(&[("was_impersonated", "maybe")]);
    assert_eq!(e, ("was_impersonated".into(), "invalid_input", "Must be a valid boolean.".into()));
    assert!(ok(&[("include_organization_scoped", "1")]).include_org_level);
    assert!(!ok(&[("include_organization_scoped", "0")]).include_org_level);
    assert_eq!(err(&[("include_organization_scoped", "2")]).0, "include_organization_scoped");
}

#[test]
fn detail_filters_and_hogql_are_parsed() {
    let got = ok(&[
        ("detail_filters", r#"{"name": {"operation": "contains", "value": "beta"}}"#),
        ("hogql_filter", "scope = 'FeatureFlag'"),
    ]);
    assert_eq!(
        got.filter.detail_filters,
        vec![DetailFilter { path: "name".into(), op: DetailOp::Contains, value: json!("beta") }]
    );
    assert!(got.filter.hogql.is_some());
    assert_eq!(ok(&[("detail_filters", ""), ("hogql_filter", "  ")]).filter, ActivityFilter::default());
    assert_eq!(err(&[("detail_filters", "{")]).0, "detail_filters");
    assert_eq!(err(&[("hogql_filter", "like(x)")]).0, "hogql_filter");
}

#[test]
fn ordering_is_validated() {
    assert_eq!(ok(&[("ordering", "created_at")]).order, Order::OldestFirst);
    assert_eq!(ok(&[("ordering", "-created_at")]).order, Order::NewestFirst);
    assert_eq!(ok(&[("ordering", "")]).order, Order::NewestFirst);
    let e = err(&[("ordering", "scope")]);
    assert_eq!(e, ("ordering".into(), "invalid_choice", "\"scope\" is not a valid choice.".into()));
}

#[test]
fn page_switches_to_page_mode() {
    assert_eq!(ok(&[("page", "3"), ("page_size", "20")]).paging, Paging::Page { page: 3, page_size: 20 });
    assert_eq!(ok(&[("page", "")]).paging, Paging::Page { page: 1, page_size: 100 });
    assert_eq!(
        err(&[("page", "x")]),
        ("page".into(), "invalid_input", "A valid integer is required.".into())
    );
    assert_eq!(err(&[("page", "0")]), ("page".into(), "invalid_input", "Invalid page.".into()));
    assert_eq!(err(&[("page", "-2")]).2, "Invalid page.");
    assert_eq!(err(&[("page", "99999999999")]).2, "Invalid page.");
    // The cursor is not read in page mode.
    assert_eq!(ok(&[("page", "2"), ("cursor", "zz")]).paging, Paging::Page { page: 2, page_size: 100 });
}

#[test]
fn page_size_bounds() {
    assert_eq!(ok(&[("page_size", "1")]).paging.page_size(), 1);
    assert_eq!(ok(&[("page_size", "1000")]).paging.page_size(), 1000);
    assert_eq!(ok(&[("page_size", "")]).paging.page_size(), 100);
    assert_eq!(
        err(&[("page_size", "0")]),
        ("page_size".into(), "min_value", "Ensure this value is greater than or equal to 1.".into())
    );
    assert_eq!(
        err(&[("page_size", "1001")]),
        ("page_size".into(), "max_value", "Ensure this value is less than or equal to 1000.".into())
    );
    assert_eq!(err(&[("page_size", "ten")]).2, "A valid integer is required.");
}

#[test]
fn cursor_is_decoded() {
    let c = Cursor { created_at_us: 42, id: crate::test_support::ENTRY_ID };
    let got = ok(&[("cursor", &c.encode()), ("page_size", "5")]);
    assert_eq!(got.paging, Paging::Cursor { after: Some(c), page_size: 5 });
    assert_eq!(ok(&[("cursor", "")]).paging, Paging::Cursor { after: None, page_size: 100 });
    assert_eq!(err(&[("cursor", "garbage")]), ("cursor".into(), "invalid_input", "Invalid cursor".into()));
}

#[test]
fn first_error_wins_in_field_order() {
    let e = err(&[("page_size", "0"), ("users", "x"), ("start_date", "bad")]);
    assert_eq!(e.0, "start_date");
}

#[test]
fn last_value_wins_for_scalars() {
    assert_eq!(ok(&[("search_text", "a"), ("search_text", "b")]).filter.search_text.as_deref(), Some("b"));
}

#[test]
fn export_body_filters_reuse_the_same_rules() {
    let filters = json!({
        "scopes": ["FeatureFlag", "Insight"],
        "item_ids": ["a,b"],
        "team_ids": [1, 2],
        "detail_filters": {"changes[].field": {"operation": "exact", "value": "active"}},
        "start_date": "2024-01-01T00:00:00Z",
        "is_system": false,
        "was_impersonated": null,
        "page_size": 10,
        "search_text": "",
    });
    let got = query_from_json(&filters, false).unwrap();
    assert_eq!(got.filter.scopes, vec!["FeatureFlag", "Insight"]);
    assert_eq!(got.filter.item_ids, vec!["a,b"]);
    assert_eq!(got.filter.team_ids, vec![1, 2]);
    assert_eq!(got.filter.detail_filters.len(), 1);
    assert_eq!(got.filter.start_date, Some(datetime!(2024-01-01 0:00 UTC)));
    assert_eq!(got.filter.is_system, Some(false));
    assert_eq!(got.filter.was_impersonated, None);
    assert_eq!(got.filter.search_text, None);
    assert_eq!(got.paging.page_size(), 10);

    let encoded = json!({"detail_filters": "{\"name\": {\"value\": \"x\"}}", "scopes": "A,B"});
    let got = query_from_json(&encoded, false).unwrap();
    assert_eq!(got.filter.detail_filters[0].value, json!("x"));
    assert_eq!(got.filter.scopes, vec!["A", "B"]);

    assert_eq!(query_from_json(&Value::Null, true).unwrap().filter, ActivityFilter::default());
    let bad = query_from_json(&json!({"users": ["nope"]}), false);
    assert!(matches!(bad, Err(ActivityError::InvalidFilter { attr: Some(a), .. }) if a == "users__0"));
    let not_object = query_from_json(&json!([1]), false);
    assert!(matches!(
        not_object,
        Err(ActivityError::InvalidFilter { code: "not_a_dict", ref detail, .. })
            if detail == "Expected a dictionary of items but got type \"list\"."
    ));
}
