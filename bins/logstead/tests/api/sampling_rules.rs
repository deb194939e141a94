//! Sampling rules API (spec §4): CRUD, validation, reorder, simulate and access, on both
//! path prefixes.

use actix_web::test::TestRequest;
use orgs::Level;
use serde_json::{Value, json};

use crate::common;

pub fn rules_path(prefix: &str, project: i64) -> String {
    format!("/api/{prefix}/{project}/logs/sampling_rules/")
}

pub fn healthz_rule(enabled: bool) -> Value {
    json!({"name": "Drop healthz", "rule_type": "path_drop", "enabled": enabled, "config": {"patterns": ["^/healthz$"]}})
}

/// OTLP/JSON: one record per `(service, path, severity, trace id hex or "")`.
pub fn otlp(records: &[(&str, &str, &str, String)]) -> Value {
    let now_ns = time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64;
    let resource_logs: Vec<Value> = records
        .iter()
        .enumerate()
        .map(|(i, (service, path, severity, trace))| {
            let mut rec = json!({
                "timeUnixNano": (now_ns - 1_000 * (records.len() - i) as i64).to_string(),
                "severityText": severity,
                "body": {"stringValue": format!("{severity} {path} #{i}")},
                "attributes": [{"key": "url.path", "value": {"stringValue": path}}]
            });
            if !trace.is_empty() {
                rec["traceId"] = json!(trace);
            }
            json!({
                "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
                "scopeLogs": [{"logRecords": [rec]}]
            })
        })
        .collect();
    json!({"resourceLogs": resource_logs})
}

pub fn ingest_req(token: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri("/i/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_json(body)
}

/// The project's activity entries of the sampling-rule scope, newest first.
fn activity(body: &Value) -> Vec<Value> {
    let rows = body["results"].as_array().cloned().unwrap_or_default();
    rows.into_iter().filter(|r| r["scope"] == "LogsSamplingRule").collect()
}

crate::dual! {
    async fn crud_round_trip_on_both_prefixes_with_activity(app) {
        let base = rules_path("projects", app.project());
        let created = app.post(&base, &app.key, healthz_rule(false)).await.ok(201).clone();
        let id = created["id"].as_str().unwrap_or_default().to_string();
        assert_eq!((&created["enabled"], &created["priority"], &created["version"]), (&json!(false), &json!(0), &json!(1)));
        assert_eq!((&created["scope_service"], &created["scope_attribute_filters"]), (&Value::Null, &json!([])));
        assert_eq!(created["created_by"], json!(app.boot.user.id.0));
        assert_eq!((&created["dropped_last_24h"], &created["kept_last_24h"]), (&json!(0), &json!(0)));
        let second = app.post(&base, &app.key, json!({"name": "Sev", "rule_type": "severity_sampling", "priority": null,
            "config": {"actions": {"DEBUG": {"type": "drop"}}}})).await.ok(201).clone();
        assert_eq!(second["priority"], 1, "null appends");

        let env = rules_path("environments", app.project());
        assert_eq!(app.get(&format!("{env}{id}/"), &app.key).await.ok(200)["name"], "Drop healthz");
        let list = app.get(&env, &app.key).await.ok(200).clone();
        assert_eq!((&list["count"], &list["next"]), (&json!(2), &Value::Null));
        assert_eq!((&list["results"][0]["id"], &list["results"][1]["id"]), (&created["id"], &second["id"]));
        let page = app.get(&format!("{base}?limit=1&offset=1"), &app.key).await.ok(200).clone();
        assert_eq!((&page["results"][0]["id"], page["previous"].is_string()), (&second["id"], true));

        let patched = app.patch(&format!("{base}{id}/"), &app.key, json!({"enabled": true, "version": 99})).await.ok(200).clone();
        assert_eq!((&patched["enabled"], &patched["version"], &patched["name"]), (&json!(true), &json!(2), &json!("Drop healthz")));
        let put_body = json!({"name": "Put", "rule_type": "rate_limit", "config": {"logs_per_second": 5}});
        let put = app.call("PUT", &format!("{env}{id}/"), Some(&app.key), Some(put_body)).await.ok(200).clone();
        assert_eq!((&put["enabled"], &put["version"], &put["rule_type"]), (&json!(false), &json!(3), &json!("rate_limit")));
        assert_eq!(put["priority"], 0, "PUT keeps the priority");

        assert_eq!(app.delete(&format!("{base}{id}/"), &app.key).await.status, 204);
        app.get(&format!("{base}{id}/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.get(&format!("{base}not-a-uuid/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&format!("{env}{id}/"), &app.key).await.assert_error(404, "invalid_request", "not_found");

        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
        let rows = activity(log.ok(200));
        let acts: Vec<&str> = rows.iter().map(|r| r["activity"].as_str().unwrap_or_default()).collect();
        assert_eq!(acts, ["deleted", "updated", "updated", "created", "created"]);
        assert!(rows[..3].iter().chain([&rows[4]]).all(|r| r["item_id"] == id.as_str()));
        assert_eq!(rows[3]["item_id"], second["id"]);
        let enable = &rows[2]["detail"]["changes"];
        assert!(enable.as_array().is_some_and(|c| c.iter().any(|c| c["field"] == "enabled" && c["after"] == true)), "{enable}");
    }

    async fn every_documented_validation_error(app) {
        let base = rules_path("projects", app.project());
        let check = |body: Value, attr: &'static str, detail: &'static str| {
            let (base, key) = (base.clone(), app.key.clone());
            let app = &app;
            async move {
                let r = app.post(&base, &key, body).await;
                r.assert_error(400, "validation_error", r.body["code"].as_str().unwrap_or("?"));
                assert_eq!(r.body["attr"], attr, "{}", r.text);
                assert!(r.body["detail"].as_str().unwrap_or_default().contains(detail), "{}", r.text);
            }
        };
        check(json!({"rule_type": "path_drop", "config": {}}), "name", "This field is required.").await;
        check(json!({"name": "x".repeat(256), "rule_type": "path_drop", "config": {}}), "name", "no more than 255").await;
        check(json!({"name": "n", "rule_type": "drop_all", "config": {}}), "rule_type", "is not a valid choice").await;
        check(json!({"name": "n", "rule_type": "path_drop"}), "config", "This field is required.").await;
        check(json!({"name": "n", "rule_type": "path_drop", "config": {}, "priority": -1}), "priority", "greater than or equal to 0").await;
        check(json!({"name": "n", "rule_type": "path_drop", "config": {}, "scope_service": ""}), "scope_service", "may not be blank").await;
        check(json!({"name": "n", "rule_type": "path_drop", "config": {}, "scope_attribute_filters": [{"key": "a"}]}),
            "scope_attribute_filters", "\"key\" and \"op\"").await;
        check(json!({"name": "n", "rule_type": "rate_limit", "config": {"logs_per_second": 5, "kb_per_second": 5}}), "config", "not both").await;
        check(json!({"name": "n", "rule_type": "rate_limit", "config": {}}), "config", "exactly one of").await;
        check(json!({"name": "n", "rule_type": "rate_limit", "config": {"logs_per_second": 5, "burst_logs": 4}}), "config", "burst_logs must be at least").await;
        let mut deep = json!({"type": "AND", "values": [{"key": "k", "value": "v"}]});
        for _ in 0..16 {
            deep = json!({"type": "AND", "values": [deep]});
        }
        check(json!({"name": "n", "rule_type": "path_drop", "config": {"filter_group": deep}}), "config", "deeper than 16").await;
        let wide: Vec<Value> = (0..256).map(|i| json!({"key": "k", "value": i.to_string()})).collect();
        check(json!({"name": "n", "rule_type": "path_drop", "config": {"filter_group": {"type": "OR", "values": wide}}}), "config", "more than 256 nodes").await;
        let empty = json!({"type": "AND", "values": [{"type": "OR", "values": []}]});
        check(json!({"name": "n", "rule_type": "path_drop", "config": {"filter_group": empty}}), "config", "empty groups never match").await;
        let r = app.post(&base, &app.key, json!({"name": 5, "rule_type": "path_drop", "config": {}})).await;
        assert_eq!((r.status.as_u16(), &r.body["attr"]), (400, &json!("name")), "{}", r.text);
        let id = app.post(&base, &app.key, healthz_rule(false)).await.ok(201)["id"].as_str().unwrap_or_default().to_string();
        let r = app.patch(&format!("{base}{id}/"), &app.key, json!({"name": null})).await;
        r.assert_error(400, "validation_error", "null");
    }

    async fn reorder_sets_priorities_and_returns_the_full_list(app) {
        let base = rules_path("projects", app.project());
        let mut ids = Vec::new();
        for n in 0..3 {
            let body = json!({"name": format!("r{n}"), "rule_type": "path_drop", "config": {"patterns": []}});
            ids.push(app.post(&base, &app.key, body).await.ok(201)["id"].as_str().unwrap_or_default().to_string());
        }
        let order = json!({"ordered_ids": [ids[2], ids[0], ids[1]]});
        for prefix in ["projects", "environments"] {
            let path = format!("{}reorder/", rules_path(prefix, app.project()));
            let out = app.post(&path, &app.key, order.clone()).await.ok(200).clone();
            let rows = out.as_array().cloned().unwrap_or_default();
            let got: Vec<(&str, i64)> = rows.iter()
                .map(|r| (r["id"].as_str().unwrap_or_default(), r["priority"].as_i64().unwrap_or(-1))).collect();
            assert_eq!(got, vec![(ids[2].as_str(), 0), (ids[0].as_str(), 1), (ids[1].as_str(), 2)]);
        }
        assert_eq!(app.get(&format!("{base}{}/", ids[0]), &app.key).await.ok(200)["version"], 3, "each reorder bumps");
        let path = format!("{base}reorder/");
        let msg = "ordered_ids must list every sampling rule for this team exactly once.";
        for bad in [json!({"ordered_ids": [ids[0], ids[1]]}), json!({"ordered_ids": [ids[0], ids[1], ids[2], ids[2]]}),
            json!({"ordered_ids": [ids[0], ids[1], uuid::Uuid::new_v4()]})] {
            let r = app.post(&path, &app.key, bad).await;
            r.assert_error(400, "validation_error", "invalid_input");
            assert_eq!((&r.body["attr"], &r.body["detail"]), (&json!("ordered_ids"), &json!(msg)));
        }
        app.post(&path, &app.key, json!({})).await.assert_error(400, "validation_error", "required");
        app.post(&path, &app.key, json!({"ordered_ids": ["nope"]})).await.assert_error(400, "validation_error", "invalid_input");
    }

    async fn another_projects_key_and_missing_scopes_are_refused_everywhere(app) {
        let base = rules_path("projects", app.project());
        let id = app.post(&base, &app.key, healthz_rule(true)).await.ok(201)["id"].as_str().unwrap_or_default().to_string();
        let (_, other_key, _, other_project) = app.other_org("other@x.io");
        let (_, reader) = app.member("r@x.io", Level::Member, &["logs:read"]);
        let one = format!("{base}{id}/");
        let calls: Vec<(&str, String, Option<Value>, bool)> = vec![
            ("GET", base.clone(), None, false),
            ("POST", base.clone(), Some(healthz_rule(false)), true),
            ("GET", one.clone(), None, false),
            ("PATCH", one.clone(), Some(json!({"name": "x"})), true),
            ("PUT", one.clone(), Some(healthz_rule(false)), true),
            ("DELETE", one.clone(), None, true),
            ("POST", format!("{base}reorder/"), Some(json!({"ordered_ids": [id]})), true),
            ("POST", format!("{one}simulate/"), Some(json!({})), true),
        ];
        for (method, path, body, writes) in calls {
            let r = app.call(method, &path, Some(&other_key), body.clone()).await;
            assert!(matches!(r.status.as_u16(), 403 | 404), "{method} {path} with another org's key: {}", r.text);
            let r = app.call(method, &path, None, body.clone()).await;
            assert_eq!(r.status.as_u16(), 401, "{method} {path} unauthenticated");
            let r = app.call(method, &path, Some(&reader), body).await;
            assert_eq!(r.status.as_u16() == 403, writes, "{method} {path} with logs:read: {}", r.text);
        }
        // The rule is invisible from the other project, by either prefix.
        let theirs = format!("/api/environments/{other_project}/logs/sampling_rules/{id}/");
        app.get(&theirs, &other_key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&rules_path("projects", other_project), &other_key).await.ok(200)["count"], 0);
    }

    async fn services_list_the_enabled_rules_that_apply(app) {
        let token = app.boot.project.api_token.clone();
        let data = otlp(&[("api", "/a", "info", String::new()), ("web", "/b", "info", String::new())]);
        assert_eq!(app.raw(ingest_req(&token, &data)).await.status, 200);
        let base = rules_path("projects", app.project());
        let everywhere = app.post(&base, &app.key, json!({"name": "All", "rule_type": "path_drop", "enabled": true,
            "config": {"patterns": ["^/x", "^/y"], "match_attribute_key": "route"}})).await.ok(201).clone();
        let api_only = app.post(&base, &app.key, json!({"name": "Api", "rule_type": "severity_sampling", "enabled": true,
            "scope_service": "api", "config": {"actions": {}}})).await.ok(201).clone();
        app.post(&base, &app.key, json!({"name": "Off", "rule_type": "rate_limit", "config": {"logs_per_second": 1}})).await.ok(201);
        let path = format!("/api/projects/{}/logs/services/", app.project());
        let r = app.post(&path, &app.key, json!({"query": {"dateRange": {"date_from": "-1h"}}})).await.ok(200).clone();
        let rules_of = |name: &str| -> Vec<Value> {
            let svc = r["services"].as_array().and_then(|s| s.iter().find(|s| s["service_name"] == name).cloned());
            svc.map(|s| s["active_rules"].as_array().cloned().unwrap_or_default()).unwrap_or_default()
        };
        assert_eq!(rules_of("api"), vec![
            json!({"rule_id": everywhere["id"], "rule_name": "All", "summary_string": "Drop rule on `route` (2 pattern(s))"}),
            json!({"rule_id": api_only["id"], "rule_name": "Api", "summary_string": "Drop by severity rule"}),
        ]);
        assert_eq!(rules_of("web").len(), 1);
    }

    async fn simulate_replays_stored_logs_with_the_rule_or_a_draft(app) {
        let token = app.boot.project.api_token.clone();
        let mut records = Vec::new();
        for i in 0..40 {
            let (svc, path) = if i % 4 == 0 { ("api", "/healthz") } else { ("web", "/page") };
            records.push((svc, path, "info", String::new()));
        }
        assert_eq!(app.raw(ingest_req(&token, &otlp(&records))).await.status, 200);
        let base = rules_path("projects", app.project());
        let id = app.post(&base, &app.key, healthz_rule(false)).await.ok(201)["id"].as_str().unwrap_or_default().to_string();
        let sim = format!("{base}{id}/simulate/");
        let r = app.post(&sim, &app.key, json!({})).await.ok(200).clone();
        assert_eq!(r["estimated_reduction_pct"], 25.0, "{r}");
        assert_eq!((&r["records"]["examined"], &r["records"]["dropped"], &r["records"]["kept"]), (&json!(40), &json!(10), &json!(30)));
        assert_eq!((&r["sampled"], r["notes"].is_string()), (&json!(false), true));
        assert_eq!(r["examples"].as_array().map(Vec::len), Some(5));
        assert_eq!(r["services"][0], json!({"service_name": "api", "estimated_reduction_pct": 100.0,
            "records": {"examined": 10, "dropped": 10, "kept": 0}, "bytes": r["services"][0]["bytes"].clone()}));
        let draft = json!({"config": {"patterns": ["^/page$"]}, "date_from": "-2h"});
        let env = format!("{}{id}/simulate/", rules_path("environments", app.project()));
        assert_eq!(app.post(&env, &app.key, draft).await.ok(200)["estimated_reduction_pct"], 75.0);
        let empty = app.post(&sim, &app.key, json!({"date_from": "-3h", "date_to": "-2h"})).await.ok(200).clone();
        assert_eq!((&empty["estimated_reduction_pct"], &empty["records"]["examined"]), (&json!(0.0), &json!(0)));
        let bad = app.post(&sim, &app.key, json!({"config": {"patterns": 3}})).await;
        bad.assert_error(400, "validation_error", "invalid_input");
        app.post(&sim, &app.key, json!({"date_from": "yesterday-ish"})).await.assert_error(400, "validation_error", "invalid_input");
        let unknown = format!("{base}{}/simulate/", uuid::Uuid::new_v4());
        app.post(&unknown, &app.key, json!({})).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&format!("{base}{id}/"), &app.key).await.ok(200)["config"], json!({"patterns": ["^/healthz$"]}), "read-only");
    }
}
