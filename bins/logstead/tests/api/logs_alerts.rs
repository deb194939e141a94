//! Log alerts API: CRUD, validation, limits, lists and access.

use orgs::Level;
use serde_json::{Value, json};

use crate::common;

pub fn alerts_path(project: i64) -> String {
    format!("/api/projects/{project}/logs/alerts/")
}

pub fn api_filters() -> Value {
    json!({"serviceNames": ["api"]})
}

/// The project's activity entries of `scope`, newest first.
pub fn activity_of(body: &Value, scope: &str) -> Vec<Value> {
    let rows = body["results"].as_array().cloned().unwrap_or_default();
    rows.into_iter().filter(|r| r["scope"] == scope).collect()
}

crate::dual! {
    async fn crud_round_trip_with_defaults(app) {
        let base = alerts_path(app.project());
        let created = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let id = created["id"].as_str().unwrap_or_default().to_string();
        assert_eq!(created["name"], "Untitled alert");
        assert_eq!(created["enabled"], true);
        assert_eq!(created["filters"], api_filters());
        assert_eq!(
            (&created["threshold_count"], &created["threshold_operator"], &created["window_minutes"]),
            (&json!(100), &json!("above"), &json!(5))
        );
        assert_eq!(created["check_interval_minutes"], 5);
        assert_eq!((&created["evaluation_periods"], &created["datapoints_to_alarm"]), (&json!(1), &json!(1)));
        assert_eq!(created["cooldown_minutes"], 0);
        assert_eq!((&created["snooze_until"], &created["schedule_restriction"]), (&Value::Null, &Value::Null));
        assert_eq!((&created["state"], &created["next_check_at"]), (&json!("not_firing"), &Value::Null));
        assert_eq!((&created["consecutive_failures"], &created["last_error_message"]), (&json!(0), &Value::Null));
        assert_eq!(created["destination_types"], json!([]));
        assert_eq!(created["destinations"], json!([]));
        assert!(created["first_enabled_at"].is_string());
        assert_eq!(created["created_by"]["email"], app.boot.user.email.as_str());
        let tl = created["state_timeline"].as_array().cloned().unwrap_or_default();
        assert_eq!(tl.len(), 1, "{tl:?}");
        assert_eq!((&tl[0]["state"], &tl[0]["enabled"]), (&json!("not_firing"), &json!(true)));

        let got = app.get(&format!("{base}{id}/"), &app.key).await.ok(200).clone();
        assert_eq!((&got["id"], &got["name"], &got["created_at"]), (&created["id"], &created["name"], &created["created_at"]));
        let env = format!("/api/environments/{}/logs/alerts/{id}/", app.project());
        assert_eq!(app.get(&env, &app.key).await.ok(200)["id"], created["id"]);
        let list = app.get(&base, &app.key).await.ok(200).clone();
        assert_eq!((&list["count"], &list["next"], &list["previous"]), (&json!(1), &Value::Null, &Value::Null));
        assert_eq!(list["results"][0]["id"], created["id"]);
        assert!(list["results"][0].get("destinations").is_none(), "destinations are detail-only");

        let patched = app.patch(&format!("{base}{id}/"), &app.key, json!({"name": "Errors", "cooldown_minutes": 15})).await.ok(200).clone();
        assert_eq!((&patched["name"], &patched["cooldown_minutes"], &patched["threshold_count"]), (&json!("Errors"), &json!(15), &json!(100)));
        // PUT replaces: what is not sent goes back to its default.
        let body = json!({"name": "Put", "filters": {"severityLevels": ["error"]}, "threshold_count": 3});
        let put = app.call("PUT", &format!("{base}{id}/"), Some(&app.key), Some(body)).await.ok(200).clone();
        assert_eq!((&put["name"], &put["cooldown_minutes"], &put["threshold_count"]), (&json!("Put"), &json!(0), &json!(3)));
        assert_eq!(put["filters"], json!({"severityLevels": ["error"]}));
        // Read-only fields sent back are ignored.
        let echo = app.patch(&format!("{base}{id}/"), &app.key, json!({"state": "firing", "check_interval_minutes": 1, "id": "x"})).await.ok(200).clone();
        assert_eq!((&echo["state"], &echo["check_interval_minutes"]), (&json!("not_firing"), &json!(5)));

        assert_eq!(app.delete(&format!("{base}{id}/"), &app.key).await.status, 204);
        app.get(&format!("{base}{id}/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.get(&format!("{base}not-a-uuid/"), &app.key).await.assert_error(404, "invalid_request", "not_found");

        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
        let rows = activity_of(log.ok(200), "LogsAlertConfiguration");
        let acts: Vec<&str> = rows.iter().map(|r| r["activity"].as_str().unwrap_or_default()).collect();
        assert_eq!(acts, ["deleted", "updated", "updated", "created"], "the echo PATCH changed nothing");
        assert!(rows.iter().all(|r| r["item_id"] == id.as_str()));
        let rename = &rows[2]["detail"]["changes"];
        assert!(rename.as_array().is_some_and(|c| c.iter().any(|c| c["field"] == "name" && c["after"] == "Errors")), "{rename}");
    }

    async fn bad_configs_get_the_spec_400s(app) {
        let base = alerts_path(app.project());
        let f = api_filters();
        let cases = [
            (json!({"filters": f, "window_minutes": 7}), "window_minutes", "Must be one of [5, 10, 15, 30, 60]."),
            (json!({"filters": f, "evaluation_periods": 2, "datapoints_to_alarm": 3}), "datapoints_to_alarm", "Cannot exceed evaluation_periods (N > M)."),
            (json!({"filters": f, "snooze_until": "2020-01-01T00:00:00Z"}), "snooze_until", "Must be a future datetime."),
            (json!({"filters": {}}), "filters", "At least one filter is required (severityLevels, serviceNames, or filterGroup)."),
            (json!({}), "filters", "At least one filter is required (severityLevels, serviceNames, or filterGroup)."),
            (json!({"filters": f, "threshold_count": -1}), "threshold_count", "Ensure this value is greater than or equal to 0."),
            (json!({"filters": f, "evaluation_periods": 11}), "evaluation_periods", "Ensure this value is less than or equal to 10."),
            (json!({"filters": f, "threshold_operator": "over"}), "threshold_operator", "\"over\" is not a valid choice."),
            (json!({"filters": f, "name": "x".repeat(256)}), "name", "Ensure this field has no more than 255 characters."),
        ];
        for (body, attr, detail) in cases {
            let r = app.post(&base, &app.key, body.clone()).await;
            r.assert_error(400, "validation_error", "invalid_input");
            assert_eq!((r.body["attr"].as_str(), r.body["detail"].as_str()), (Some(attr), Some(detail)), "{body}");
        }
        let r = app.post(&base, &app.key, json!({"filters": {"serviceNames": "api"}})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "filters");
        assert!(r.body["detail"].as_str().unwrap_or_default().starts_with("Invalid filters shape at filters.serviceNames: "), "{}", r.text);
        let bad_group = json!({"filterGroup": {"type": "AND", "values": [{"type": "AND", "values": [{"key": "a", "type": "log_attribute", "operator": "bogus_op", "value": "x"}]}]}});
        let r = app.post(&base, &app.key, json!({"filters": bad_group})).await;
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(r.body["detail"].as_str().unwrap_or_default().starts_with("Invalid filters shape at filters.filterGroup"), "{}", r.text);
        let r = app.post(&base, &app.key, json!({"filters": f, "bogus": 1})).await;
        r.assert_error(400, "validation_error", "unknown_field");
        // A draft (disabled, no filters) is fine, and cannot be enabled without filters.
        let draft = app.post(&base, &app.key, json!({"enabled": false})).await.ok(201).clone();
        assert_eq!(draft["first_enabled_at"], Value::Null);
        let id = draft["id"].as_str().unwrap_or_default();
        let r = app.patch(&format!("{base}{id}/"), &app.key, json!({"enabled": true})).await;
        assert_eq!(r.body["attr"], "filters", "{}", r.text);
        // Nothing was created by the failed requests.
        assert_eq!(app.get(&base, &app.key).await.ok(200)["count"], 1);
    }

    async fn the_21st_alert_is_refused(app) {
        let base = alerts_path(app.project());
        let mut last = String::new();
        for i in 0..20 {
            let r = app.post(&base, &app.key, json!({"name": format!("a{i}"), "enabled": false})).await;
            last = r.ok(201)["id"].as_str().unwrap_or_default().to_string();
        }
        let r = app.post(&base, &app.key, json!({"filters": api_filters()})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["detail"], "Maximum number of alerts (20) reached for this team.");
        assert_eq!(app.get(&base, &app.key).await.ok(200)["count"], 20);
        // Another project has its own budget; a deletion frees a slot.
        let (_, other_key, _, other) = app.other_org("o@x.io");
        app.post(&alerts_path(other), &other_key, json!({"filters": api_filters()})).await.ok(201);
        assert_eq!(app.delete(&format!("{base}{last}/"), &app.key).await.status, 204);
        app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201);
    }

    async fn list_pages_newest_first_and_filters_by_author(app) {
        let base = alerts_path(app.project());
        let (member, member_key) = app.member("m@x.io", Level::Member, &["logs:write"]);
        for name in ["one", "two"] {
            app.post(&base, &app.key, json!({"name": name, "filters": api_filters()})).await.ok(201);
        }
        app.post(&base, &member_key, json!({"name": "three", "filters": api_filters()})).await.ok(201);
        let page = app.get(&format!("{base}?limit=2"), &app.key).await.ok(200).clone();
        assert_eq!(page["count"], 3);
        let names: Vec<&str> = page["results"].as_array().map(|r| r.iter().filter_map(|a| a["name"].as_str()).collect()).unwrap_or_default();
        assert_eq!(names, ["three", "two"]);
        assert!(page["next"].as_str().is_some_and(|n| n.contains("offset=2")), "{page}");
        let rest = app.get(&format!("{base}?limit=2&offset=2"), &app.key).await.ok(200).clone();
        assert_eq!(rest["results"][0]["name"], "one");
        assert!(rest["previous"].is_string());
        let mine = app.get(&format!("{base}?created_by={}", member.uuid), &app.key).await.ok(200).clone();
        assert_eq!((&mine["count"], &mine["results"][0]["name"]), (&json!(1), &json!("three")));
        assert_eq!(mine["results"][0]["created_by"]["uuid"], member.uuid.to_string());
        let nobody = app.get(&format!("{base}?created_by={}", uuid::Uuid::new_v4()), &app.key).await.ok(200).clone();
        assert_eq!(nobody["count"], 0);
        app.get(&format!("{base}?created_by=nope"), &app.key).await.assert_error(400, "validation_error", "invalid");
    }

    async fn keys_need_logs_scopes_and_their_own_project(app) {
        let base = alerts_path(app.project());
        let a = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let one = format!("{base}{}/", a["id"].as_str().unwrap_or_default());
        app.call("GET", &base, None, None).await.assert_error(401, "authentication_error", "not_authenticated");
        let (_, reader) = app.member("r@x.io", Level::Member, &["logs:read"]);
        assert_eq!(app.get(&base, &reader).await.status, 200);
        assert_eq!(app.get(&one, &reader).await.status, 200);
        assert_eq!(app.get(&format!("{one}events/"), &reader).await.status, 200);
        let writes = [
            ("POST", base.clone(), Some(json!({"filters": api_filters()}))),
            ("PATCH", one.clone(), Some(json!({"name": "x"}))),
            ("PUT", one.clone(), Some(json!({"filters": api_filters()}))),
            ("DELETE", one.clone(), None),
            ("POST", format!("{one}reset/"), Some(json!({}))),
            ("POST", format!("{one}destinations/"), Some(json!({"type": "webhook", "webhook_url": "https://x.io/h"}))),
            ("POST", format!("{one}destinations/delete/"), Some(json!({"hog_function_ids": [uuid::Uuid::new_v4()]}))),
        ];
        for (method, path, body) in &writes {
            let r = app.call(method, path, Some(&reader), body.clone()).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], "API key missing required scope 'logs:write'", "{method} {path}");
        }
        let (_, no_logs) = app.member("n@x.io", Level::Member, &["project:read"]);
        app.get(&base, &no_logs).await.assert_error(403, "authentication_error", "permission_denied");
        // Another organization's key: A's project is not theirs, and A's alert is not in theirs.
        let (_, other_key, _, other) = app.other_org("b@x.io");
        app.get(&base, &other_key).await.assert_error(403, "authentication_error", "permission_denied");
        let theirs = format!("{}{}/", alerts_path(other), a["id"].as_str().unwrap_or_default());
        app.get(&theirs, &other_key).await.assert_error(404, "invalid_request", "not_found");
        app.patch(&theirs, &other_key, json!({"name": "stolen"})).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&theirs, &other_key).await.assert_error(404, "invalid_request", "not_found");
        app.get(&format!("{theirs}events/"), &other_key).await.assert_error(404, "invalid_request", "not_found");
        app.post(&format!("{theirs}reset/"), &other_key, json!({})).await.assert_error(404, "invalid_request", "not_found");
        let r = app.post(&format!("{theirs}destinations/"), &other_key, json!({"type": "webhook", "webhook_url": "https://x.io/h"})).await;
        r.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&alerts_path(other), &other_key).await.ok(200)["count"], 0);
        assert_eq!(app.get(&one, &app.key).await.ok(200)["name"], "Untitled alert", "unchanged");
    }
}
