#![allow(clippy::unwrap_used)]
use super::*;
use serde_json::json;
use time::macros::datetime;
use uuid::Uuid;

fn input(v: Value) -> ViewInput {
    serde_json::from_value(v).unwrap()
}

fn ok(v: Value, mode: Mode) -> Changes {
    validate(&input(v), mode).unwrap()
}

/// (attr, code, detail) of the first error.
fn err(v: Value, mode: Mode) -> (String, &'static str, String) {
    match validate(&input(v), mode) {
        Err(ViewsError::Invalid { attr, code, detail }) => (attr, code, detail),
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn stored() -> LogsView {
    LogsView {
        id: Uuid::nil(),
        short_id: "AbCd1234".into(),
        team_id: 1,
        name: "Errors".into(),
        filters: json!({"severityLevels": ["error"]}).as_object().cloned().unwrap(),
        pinned: true,
        columns: Some(vec![Column {
            id: "c1".into(),
            kind: ColumnType::Level,
            name: None,
            expression: None,
            width: None,
        }]),
        created_at: datetime!(2026-01-01 0:00 UTC),
        created_by: Some(1),
        updated_at: datetime!(2026-01-01 0:00 UTC),
        version: 1,
    }
}

#[test]
fn create_defaults() {
    let c = ok(json!({"name": "  Errors  "}), Mode::Create);
    assert_eq!(c.name.as_deref(), Some("Errors"), "trimmed as DRF does");
    assert_eq!(c.filters, Some(Map::new()));
    assert_eq!((c.pinned, c.columns), (Some(false), Some(None)));
}

#[test]
fn name_rules() {
    for mode in [Mode::Create, Mode::Replace] {
        assert_eq!(err(json!({}), mode), ("name".into(), "required", "This field is required.".into()));
    }
    assert_eq!(err(json!({"name": "   "}), Mode::Create).1, "blank");
    assert_eq!(err(json!({"name": null}), Mode::Partial).1, "null");
    assert_eq!(
        err(json!({"name": ["x"]}), Mode::Create),
        ("name".into(), "invalid", "Not a valid string.".into())
    );
    let long = err(json!({"name": "é".repeat(401)}), Mode::Create);
    assert_eq!(
        long,
        ("name".into(), "max_length", "Ensure this field has no more than 400 characters.".into())
    );
    assert_eq!(ok(json!({"name": "é".repeat(400)}), Mode::Create).name.map(|n| n.chars().count()), Some(400));
    assert_eq!(ok(json!({"name": 42}), Mode::Create).name.as_deref(), Some("42"));
}

#[test]
fn filters_are_an_object_kept_verbatim() {
    let f = json!({"searchTerm": "timeout", "dateRange": {"date_from": "-1h"}, "anything": [1, {"x": null}]});
    assert_eq!(ok(json!({"name": "n", "filters": f}), Mode::Create).filters.map(Value::Object), Some(f));
    let e = err(json!({"name": "n", "filters": [1]}), Mode::Create);
    assert_eq!(
        e,
        ("filters".into(), "not_a_dict", "Expected a dictionary of items but got type \"list\".".into())
    );
    assert_eq!(err(json!({"name": "n", "filters": null}), Mode::Create).1, "null");
    assert_eq!(
        err(json!({"name": "n", "filters": "x"}), Mode::Create).2,
        "Expected a dictionary of items but got type \"str\"."
    );
}

#[test]
fn pinned_is_a_boolean() {
    assert_eq!(ok(json!({"name": "n", "pinned": true}), Mode::Create).pinned, Some(true));
    assert_eq!(
        err(json!({"name": "n", "pinned": "yes"}), Mode::Create),
        ("pinned".into(), "invalid", "Must be a valid boolean.".into())
    );
}

#[test]
fn columns_round_trip_the_client_shape() {
    let cols = json!([
        {"id": "a", "type": "timestamp"},
        {"id": "b", "type": "custom", "name": "Route", "expression": "attributes.http.route", "width": 240},
        {"id": "c", "type": "message", "width": "80", "unknown": 1},
    ]);
    let got = ok(json!({"name": "n", "columns": cols}), Mode::Create).columns.unwrap().unwrap();
    let back = serde_json::to_value(&got).unwrap();
    let want = json!([
        {"id": "a", "type": "timestamp"},
        {"id": "b", "type": "custom", "name": "Route", "expression": "attributes.http.route", "width": 240},
        {"id": "c", "type": "message", "width": 80},
    ]);
    assert_eq!(back, want, "absent keys stay absent; unknown keys are dropped as DRF drops them");
    assert_eq!(ok(json!({"columns": null}), Mode::Partial).columns, Some(None), "null resets");
    assert_eq!(ok(json!({"columns": []}), Mode::Partial).columns, Some(Some(vec![])));
    assert_eq!(ok(json!({"name": "x"}), Mode::Partial).columns, None, "absent leaves as is");
}

#[test]
fn every_column_type_is_accepted() {
    for t in ColumnType::ALL {
        let mut c = json!({"id": "x", "type": t.as_str()});
        if t == ColumnType::Custom {
            c["expression"] = json!("body");
        }
        let got = ok(json!({"columns": [c]}), Mode::Partial).columns.unwrap().unwrap();
        assert_eq!(got[0].kind, t);
    }
}

#[test]
fn bad_columns_name_the_entry_and_key() {
    let cases = [
        (json!({"id": "a"}), "columns__0__type", "required", "This field is required."),
        (json!({"type": "level"}), "columns__0__id", "required", "This field is required."),
        (json!({"id": " ", "type": "level"}), "columns__0__id", "blank", "This field may not be blank."),
        (
            json!({"id": "a", "type": "colour"}),
            "columns__0__type",
            "invalid_choice",
            "\"colour\" is not a valid choice.",
        ),
        (json!({"id": "a", "type": 3}), "columns__0__type", "invalid_choice", "\"3\" is not a valid choice."),
        (
            json!({"id": "a", "type": "custom"}),
            "columns__0__expression",
            "required",
            "Custom columns require an expression.",
        ),
        (
            json!({"id": "a", "type": "level", "expression": "x"}),
            "columns__0__expression",
            "invalid",
            "Only custom columns take an expression; this column is of type \"level\".",
        ),
        (
            json!({"id": "a", "type": "level", "width": 0}),
            "columns__0__width",
            "min_value",
            "Ensure this value is greater than or equal to 1.",
        ),
        (
            json!({"id": "a", "type": "level", "width": 2001}),
            "columns__0__width",
            "max_value",
            "Ensure this value is less than or equal to 2000.",
        ),
        (
            json!({"id": "a", "type": "level", "width": 1.5}),
            "columns__0__width",
            "invalid",
            "A valid integer is required.",
        ),
        (
            json!({"id": "a", "type": "level", "width": null}),
            "columns__0__width",
            "null",
            "This field may not be null.",
        ),
        (
            json!({"id": "a", "type": "level", "name": ""}),
            "columns__0__name",
            "blank",
            "This field may not be blank.",
        ),
        (json!("level"), "columns__0", "invalid", "Invalid data. Expected a dictionary, but got str."),
    ];
    for (col, attr, code, detail) in cases {
        let body = json!({"columns": [{"id": "ok", "type": "level", "width": 2000}, col]});
        let (a, c, d) = err(body.clone(), Mode::Partial);
        assert_eq!(
            (a.as_str(), c, d.as_str()),
            (attr.replace("__0", "__1").as_str(), code, detail),
            "{body}"
        );
    }
    let e = err(json!({"columns": {"id": "a"}}), Mode::Partial);
    assert_eq!(e, ("columns".into(), "not_a_list", "Expected a list of items but got type \"dict\".".into()));
}

#[test]
fn put_resets_filters_but_keeps_pinned_and_columns() {
    let base = stored();
    let put = ok(json!({"name": "Renamed"}), Mode::Replace).apply(&base);
    assert_eq!((put.name.as_str(), put.filters.len(), put.pinned), ("Renamed", 0, true));
    assert_eq!(put.columns, base.columns);
}

#[test]
fn patch_keeps_unspecified_fields() {
    let base = stored();
    let p = ok(json!({"pinned": false}), Mode::Partial).apply(&base);
    assert_eq!((p.name.as_str(), &p.filters, p.pinned), ("Errors", &base.filters, false));
    let cleared = ok(json!({"columns": null}), Mode::Partial).apply(&base);
    assert_eq!(cleared.columns, None);
    assert_eq!(cleared.short_id, base.short_id);
}

#[test]
fn unknown_fields_are_refused() {
    assert!(serde_json::from_value::<ViewInput>(json!({"name": "n", "bogus": 1})).is_err());
}
