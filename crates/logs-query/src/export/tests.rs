#![allow(clippy::unwrap_used)]

use serde_json::json;
use time::macros::{date, datetime};
use uuid::Uuid;

use super::*;
use crate::mem_store::MemStore;
use crate::testutil::{pairs, record};
use crate::timefmt::to_us;
use crate::{LogRecord, OrderBy};

const TODAY: Date = date!(2025 - 03 - 04);

fn name(query: Value) -> String {
    export_filename(&query, TODAY)
}

#[test]
fn filename_service_part() {
    let range = json!({"date_from": "2024-01-01T00:00:00Z", "date_to": "2024-01-07T23:59:59Z"});
    assert_eq!(
        name(json!({"serviceNames": ["api"], "dateRange": range})),
        "logs-api-2024-01-01-to-2024-01-07"
    );
    assert_eq!(name(json!({"serviceNames": ["my svc/é_x-1"]})), "logs-my-svc--_x-1-2025-03-04");
    let long = "a".repeat(80);
    assert_eq!(name(json!({"serviceNames": [long]})), format!("logs-{}-2025-03-04", "a".repeat(50)));
    assert_eq!(name(json!({"serviceNames": ["a", "b", "c"]})), "logs-3-services-2025-03-04");
    assert_eq!(name(json!({"serviceNames": []})), "logs-all-services-2025-03-04");
    assert_eq!(name(json!({})), "logs-all-services-2025-03-04");
}

#[test]
fn filename_date_part() {
    assert_eq!(
        name(json!({"dateRange": {"date_from": "2024-01-15T10:00:00+02:00"}})),
        "logs-all-services-from-2024-01-15"
    );
    assert_eq!(
        name(json!({"dateRange": {"date_from": "-7d"}})),
        "logs-all-services-from--7d",
        "as sent, like PostHog"
    );
    assert_eq!(name(json!({"dateRange": {"date_to": "2024-01-15"}})), "logs-all-services-2025-03-04");
    assert_eq!(
        name(json!({"dateRange": {"date_from": "", "date_to": null}})),
        "logs-all-services-2025-03-04"
    );
}

const NOW: OffsetDateTime = datetime!(2025-03-04 12:00 UTC);

#[test]
fn prepare_validates_and_freezes_the_request() {
    let err = prepare_export(&json!({"columns": ["body"]}), NOW, &IdentityKeys::default()).unwrap_err();
    assert_eq!(err.detail, "No query provided");
    let many: Vec<String> = (0..51).map(|i| format!("attributes.k{i}")).collect();
    assert_eq!(
        prepare_export(&json!({"query": {"customColumns": many}}), NOW, &IdentityKeys::default())
            .unwrap_err()
            .attr
            .as_deref(),
        Some("customColumns")
    );
    for bad in [json!(["nope"]), json!("body"), json!([1]), json!(["attributes."])] {
        let err =
            prepare_export(&json!({"query": {}, "columns": bad}), NOW, &IdentityKeys::default()).unwrap_err();
        assert_eq!(err.attr.as_deref(), Some("columns"), "{bad}");
    }
    let req = prepare_export(
        &json!({"query": {"limit": 5, "serviceNames": ["api"]}}),
        NOW,
        &IdentityKeys::default(),
    )
    .unwrap();
    assert_eq!(req.columns, DEFAULT_COLUMNS.map(str::to_owned));
    assert_eq!(req.query["limit"], 10_000, "limit forced");
    assert_eq!(
        (req.from_us, req.to_us),
        (to_us(NOW) - 3_600_000_000, to_us(NOW)),
        "the last hour, resolved now"
    );
    assert_eq!(req.filename_stem, "logs-api-2025-03-04");
    let req = prepare_export(
        &json!({"query": {"dateRange": {"date_from": "-1d"}}, "columns": []}),
        NOW,
        &IdentityKeys::default(),
    )
    .unwrap();
    assert_eq!(req.columns.len(), DEFAULT_COLUMNS.len(), "empty means the defaults");
    assert_eq!(req.filename_stem, "logs-all-services-from--1d");
}

#[test]
fn params_round_trip_into_a_plan() {
    let body = json!({"query": {"orderBy": "earliest", "severityLevels": ["error"]}, "columns": ["body", "attributes.k"]});
    let req = prepare_export(&body, NOW, &IdentityKeys::default()).unwrap();
    let plan = ExportPlan::from_params(&req.params()).unwrap();
    assert_eq!(plan.query.order_by, OrderBy::Earliest);
    assert_eq!(plan.columns, [Column::Field(Field::Body), Column::Attribute("k".into())]);
    assert_eq!((plan.from_us, plan.to_us), (req.from_us, req.to_us));
    assert!(ExportPlan::from_params(&json!({"query": {}, "columns": []})).is_err(), "no window");
}

fn row(n: u128, body: &str) -> LogRecord {
    let mut r = record();
    r.uuid = Uuid::from_u128(n);
    r.timestamp_us = to_us(NOW) - 1_000_000 * i64::try_from(100 - n).unwrap();
    r.body = body.to_owned();
    r
}

fn plan(query: Value, columns: &[&str]) -> ExportPlan {
    let cols: Vec<&str> = columns.to_vec();
    ExportPlan::from_params(
        &prepare_export(&json!({"query": query, "columns": cols}), NOW, &IdentityKeys::default())
            .unwrap()
            .params(),
    )
    .unwrap()
}

fn csv(store: &MemStore, plan: &ExportPlan, max_rows: usize, page: usize) -> (usize, String) {
    let (n, out) = write_csv(store, 1, plan, max_rows, page, Vec::new()).unwrap();
    (n, String::from_utf8(out).unwrap())
}

#[test]
fn pages_through_the_window_up_to_the_cap() {
    let store = MemStore::with((1..=12).map(|n| row(n, &format!("line {n}"))).collect());
    let p = plan(json!({}), &["body"]);
    let (n, text) = csv(&store, &p, 5, 2);
    assert_eq!(n, 5);
    assert_eq!(text, "body\r\nline 12\r\nline 11\r\nline 10\r\nline 9\r\nline 8\r\n", "latest first, capped");
    let (n, text) = csv(&store, &p, 100, 5);
    assert_eq!(n, 12, "pages continue after full pages");
    assert_eq!(text.lines().count(), 13);
    let earliest = plan(json!({"orderBy": "earliest", "searchTerm": "line 1"}), &["body"]);
    let (_, text) = csv(&store, &earliest, 100, 1);
    assert_eq!(text, "body\r\nline 1\r\nline 10\r\nline 11\r\nline 12\r\n", "filtered, oldest first");
    let (n, text) = csv(&MemStore::default(), &p, 100, 10);
    assert_eq!((n, text.as_str()), (0, "body\r\n"), "header only");
}

#[test]
fn cells_are_quoted_and_formatted() {
    let mut r = row(1, "say \"hi\", then\nleave");
    r.attributes = pairs(&[("a", "1"), ("b", "x,y")]);
    let store = MemStore::with(vec![r]);
    let p = plan(
        json!({}),
        &[
            "timestamp",
            "level",
            "body",
            "trace_id",
            "attributes",
            "attributes.b",
            "attributes.none",
            "resource_attributes.k8s.pod.name",
            "resource_fingerprint",
        ],
    );
    let (_, text) = csv(&store, &p, 10, 10);
    let mut lines = text.split("\r\n");
    assert_eq!(
        lines.next(),
        Some(
            "timestamp,level,body,trace_id,attributes,attributes.b,attributes.none,resource_attributes.k8s.pod.name,resource_fingerprint"
        )
    );
    let expected = format!(
        "2025-03-04T11:58:21.000000+00:00,error,\"say \"\"hi\"\", then\nleave\",{},\"{{\"\"a\"\":\"\"1\"\",\"\"b\"\":\"\"x,y\"\"}}\",\"x,y\",,api-1,1234567890",
        "AB".repeat(16)
    );
    assert_eq!(lines.next(), Some(expected.as_str()));
}

#[test]
fn a_lone_empty_cell_is_quoted_so_the_row_is_not_blank() {
    let store = MemStore::with(vec![row(1, "")]);
    let (n, text) = csv(&store, &plan(json!({}), &["body"]), 10, 10);
    assert_eq!((n, text.as_str()), (1, "body\r\n\"\"\r\n"), "as Python's csv.writer does");
    let (_, text) = csv(&store, &plan(json!({}), &["body", "attributes.none"]), 10, 10);
    assert_eq!(text, "body,attributes.none\r\n,\r\n");
}

#[test]
fn custom_columns_follow_the_named_columns_one_per_alias() {
    let mut r = row(1, "x");
    r.attributes = pairs(&[("posthogDistinctId", "u-1"), ("k", "v")]);
    let store = MemStore::with(vec![r, row(2, "other")]);
    let p = plan(json!({"customColumns": ["upper(body)", "attributes.k"], "personId": "u-1"}), &["body"]);
    assert_eq!(
        p.custom.aliases(),
        [crate::columns::alias("upper(body)"), crate::columns::alias("attributes.k")]
    );
    let (n, text) = csv(&store, &p, 10, 10);
    let header =
        format!("body,{},{}", crate::columns::alias("upper(body)"), crate::columns::alias("attributes.k"));
    assert_eq!((n, text), (1, format!("{header}\r\nx,X,v\r\n")), "personId narrows the rows");
    let bad =
        prepare_export(&json!({"query": {"customColumns": ["count()"]}}), NOW, &IdentityKeys::default());
    assert_eq!(bad.unwrap_err().attr.as_deref(), Some("customColumns"));
}

#[test]
fn identity_keys_are_frozen_into_the_job() {
    let keys = IdentityKeys { person: vec!["uid".into()], session: vec!["sid".into()] };
    let req = prepare_export(&json!({"query": {"personId": "u"}}), NOW, &keys).unwrap();
    assert_eq!(ExportPlan::from_params(&req.params()).unwrap().query.identity_keys, keys);
    let mut old = req.params();
    old.as_object_mut().map(|m| m.remove("identity_keys"));
    assert_eq!(
        ExportPlan::from_params(&old).unwrap().query.identity_keys,
        IdentityKeys::default(),
        "older jobs"
    );
}
