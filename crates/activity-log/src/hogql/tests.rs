use serde_json::json;

use super::*;
use crate::test_support::{bare_row, row};

fn cmp(field: &str, op: CmpOp, value: Value) -> Expr {
    Expr::Compare { field: field.into(), op, value }
}

fn err(input: &str) -> String {
    match parse(input) {
        Err(ActivityError::InvalidFilter { attr, code, detail }) => {
            assert_eq!(attr.as_deref(), Some("hogql_filter"));
            assert_eq!(code, "invalid_input");
            assert!(detail.ends_with(SUPPORTED), "{detail}");
            detail.trim_end_matches(SUPPORTED).trim_end().to_string()
        }
        other => panic!("expected an error for {input:?}, got {other:?}"),
    }
}

fn eval(input: &str) -> bool {
    parse(input).unwrap().eval(&row())
}

#[test]
fn parses_comparisons_and_literals() {
    assert_eq!(parse("scope = 'FeatureFlag'").unwrap(), cmp("scope", CmpOp::Eq, json!("FeatureFlag")));
    assert_eq!(parse("team_id>=7").unwrap(), cmp("team_id", CmpOp::GtEq, json!(7)));
    assert_eq!(parse("detail.ratio < -1.5e2").unwrap(), cmp("detail.ratio", CmpOp::Lt, json!(-150.0)));
    assert_eq!(parse("is_system == TRUE").unwrap(), cmp("is_system", CmpOp::Eq, json!(true)));
    assert_eq!(parse("client != null").unwrap(), cmp("client", CmpOp::NotEq, Value::Null));
    assert_eq!(parse("client <> \"x\"").unwrap(), cmp("client", CmpOp::NotEq, json!("x")));
    assert_eq!(parse(r"item_id = 'it\'s'").unwrap(), cmp("item_id", CmpOp::Eq, json!("it's")));
    assert_eq!(parse(r#"activity = "a\"b\\c""#).unwrap(), cmp("activity", CmpOp::Eq, json!("a\"b\\c")));
    assert_eq!(parse("user.email <= 'b'").unwrap(), cmp("user.email", CmpOp::LtEq, json!("b")));
}

#[test]
fn precedence_is_not_and_or() {
    let a = || cmp("scope", CmpOp::Eq, json!("a"));
    let b = || cmp("activity", CmpOp::Eq, json!("b"));
    let c = || cmp("client", CmpOp::Eq, json!("c"));
    assert_eq!(
        parse("scope = 'a' or activity = 'b' AND NOT client = 'c'").unwrap(),
        Expr::Or(vec![a(), Expr::And(vec![b(), Expr::Not(Box::new(c()))])])
    );
    assert_eq!(
        parse("(scope = 'a' OR activity = 'b') and client = 'c'").unwrap(),
        Expr::And(vec![Expr::Or(vec![a(), b()]), c()])
    );
    assert_eq!(parse("not not (scope = 'a')").unwrap(), Expr::Not(Box::new(Expr::Not(Box::new(a())))));
}

#[test]
fn rejects_what_is_not_supported() {
    assert_eq!(err(""), "Unsupported hogql_filter: empty expression.");
    assert_eq!(err("   "), "Unsupported hogql_filter: empty expression.");
    assert_eq!(err("foo = 1"), "Unsupported hogql_filter: unknown field 'foo'.");
    assert_eq!(err("detail = 1"), "Unsupported hogql_filter: unknown field 'detail'.");
    assert_eq!(err("detail..a = 1"), "Unsupported hogql_filter: unknown field 'detail..a'.");
    assert_eq!(err("properties.x = 1"), "Unsupported hogql_filter: unknown field 'properties.x'.");
    assert_eq!(
        err("like(scope, '%a%')"),
        "Unsupported hogql_filter: function calls such as 'like(...)' are not supported."
    );
    assert_eq!(
        err("scope LIKE '%a%'"),
        "Unsupported hogql_filter: unsupported operator 'LIKE' after 'scope' at position 7."
    );
    assert_eq!(
        err("scope IN (SELECT 1)"),
        "Unsupported hogql_filter: unsupported operator 'IN' after 'scope' at position 7."
    );
    assert_eq!(
        err("scope = activity"),
        "Unsupported hogql_filter: expected a literal after 'scope =' but found 'activity' at position 9."
    );
    assert_eq!(err("scope = 'a' garbage"), "Unsupported hogql_filter: unexpected 'garbage' at position 13.");
    assert_eq!(
        err("scope = 'a'; DROP"),
        "Unsupported hogql_filter: unexpected character ';' at position 12."
    );
    assert_eq!(err("scope = 'a"), "Unsupported hogql_filter: unterminated string starting at position 9.");
    assert_eq!(err("(scope = 'a'"), "Unsupported hogql_filter: missing ')' at the end.");
    assert_eq!(err("scope ="), "Unsupported hogql_filter: missing value after 'scope ='.");
    assert_eq!(err("scope"), "Unsupported hogql_filter: missing comparison after 'scope'.");
    assert_eq!(
        err("scope = 'a' AND"),
        "Unsupported hogql_filter: unexpected end of expression, expected a field."
    );
    assert_eq!(
        err("AND scope = 'a'"),
        "Unsupported hogql_filter: expected a field but found 'AND' at position 1."
    );
    assert_eq!(
        err("SELECT scope FROM t"),
        "Unsupported hogql_filter: expected a field but found 'SELECT' at position 1."
    );
    assert_eq!(
        err("1 = scope"),
        "Unsupported hogql_filter: expected a field but found number 1 at position 1."
    );
    assert_eq!(
        err("created_at > 5"),
        "Unsupported hogql_filter: created_at must be compared with an ISO-8601 date string."
    );
    assert_eq!(
        err("team_id = 1e999"),
        "Unsupported hogql_filter: number '1e999' at position 11 is out of range."
    );
}

#[test]
fn limits_nesting_and_length() {
    let deep = format!("{}scope = 'a'{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(err(&deep), "Unsupported hogql_filter: nesting deeper than 64 levels.");
    let ok = format!("{}scope = 'a'{}", "(".repeat(60), ")".repeat(60));
    assert!(parse(&ok).is_ok());
    let long = format!("scope = '{}'", "a".repeat(10_000));
    assert_eq!(err(&long), "Unsupported hogql_filter: expression longer than 10000 characters.");
}

#[test]
fn evaluates_columns() {
    assert!(eval("scope = 'FeatureFlag' AND activity = 'updated'"));
    assert!(!eval("scope = 'Insight'"));
    assert!(eval("scope > 'E' and scope < 'G'"));
    assert!(eval("item_id = '42' and client = 'mcp'"));
    assert!(eval("is_system = false AND was_impersonated != true"));
    assert!(eval("team_id = 7 and team_id >= 6.5 and team_id < 8"));
    assert!(eval("user.email = 'ada@example.com'"));
    assert!(eval("user.uuid = '01920000-0000-7000-8000-000000000BBB'"));
    assert!(!eval("user.uuid = 'not-a-uuid'"));
}

#[test]
fn evaluates_created_at_as_a_timestamp() {
    assert!(eval("created_at >= '2024-05-01'"));
    assert!(eval("created_at < '2024-05-01T10:00:01Z'"));
    assert!(eval("created_at > '2024-05-01T12:00:00+03:00'"));
    assert!(eval("created_at = '2024-05-01T10:00:00.123456Z'"));
    assert!(!eval("created_at < '2024-05-01'"));
    assert!(!eval("created_at = null"));
    assert!(eval("created_at != null"));
}

#[test]
fn evaluates_detail_paths() {
    assert!(eval("detail.name = 'Beta flag'"));
    assert!(eval("detail.context.flag_key = 'beta' AND detail.context.rollout > 10"));
    assert!(eval("detail.changes.0.field = 'active'"));
    assert!(!eval("detail.changes.1.field = 'active'"));
    assert!(eval("detail.missing = null"));
    assert!(!eval("detail.missing != null"));
    assert!(eval("detail.name != null"));
}

#[test]
fn mismatches_and_nulls_are_false() {
    assert!(!eval("team_id = '7'"));
    assert!(!eval("team_id != '7'"));
    assert!(!eval("detail.context = 'x'"));
    assert!(!eval("scope < null"));
    let bare = bare_row();
    let on_bare = |s: &str| parse(s).unwrap().eval(&bare);
    assert!(on_bare("team_id = null AND item_id = null AND user.email = null AND detail.name = null"));
    assert!(!on_bare("client != 'mcp'"));
    assert!(on_bare("NOT client = 'mcp'"));
    assert!(on_bare("is_system = true OR scope = 'x'"));
}
