//! Saved views API (spec §5): CRUD on both prefixes, validation, paging, short ids,
//! activity entries and access.

use actix_web::test::TestRequest;
use orgs::Level;
use serde_json::{Value, json};

use crate::common;
use crate::logs_alerts::activity_of;

fn views_path(project: i64) -> String {
    format!("/api/projects/{project}/logs/views/")
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_default()
}

fn is_short_id(s: &str) -> bool {
    s.len() == 8 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn columns() -> Value {
    json!([
        {"id": "c1", "type": "timestamp", "width": 180},
        {"id": "c2", "type": "custom", "name": "Route", "expression": "attributes.http.route"},
        {"id": "c3", "type": "message"},
    ])
}

crate::dual! {
    async fn crud_round_trip_on_both_prefixes(app) {
        let base = views_path(app.project());
        let filters = json!({"severityLevels": ["error"], "searchTerm": "timeout", "dateRange": {"date_from": "-1h"}});
        let body = json!({
            "name": "Checkout errors", "filters": filters, "pinned": true, "columns": columns(),
            // Read-only fields sent by the client are ignored.
            "short_id": "CLIENT01", "id": "00000000-0000-0000-0000-000000000000", "created_at": "2000-01-01T00:00:00Z",
            "created_by": 99, "updated_at": "2000-01-01T00:00:00Z",
        });
        let created = app.post(&base, &app.key, body).await.ok(201).clone();
        let (id, short_id) = (str_of(&created, "id").to_string(), str_of(&created, "short_id").to_string());
        assert!(is_short_id(&short_id) && short_id != "CLIENT01", "{created}");
        assert_ne!(id, "00000000-0000-0000-0000-000000000000");
        assert!(!str_of(&created, "created_at").starts_with("2000"), "{created}");
        assert_eq!((&created["name"], &created["filters"], &created["pinned"]), (&json!("Checkout errors"), &filters, &json!(true)));
        assert_eq!(created["columns"], columns(), "the client's shape, absent keys absent");
        assert_eq!(created["created_by"]["email"], app.boot.user.email.as_str());
        assert_eq!(created["created_at"], created["updated_at"]);

        let one = format!("{base}{short_id}/");
        assert_eq!(app.get(&one, &app.key).await.ok(200), &created);
        let env = format!("/api/environments/{}/logs/views/{short_id}/", app.project());
        assert_eq!(app.get(&env, &app.key).await.ok(200)["id"], created["id"]);
        let env_list = app.get(&format!("/api/environments/{}/logs/views/", app.project()), &app.key).await.ok(200).clone();
        assert_eq!((&env_list["count"], &env_list["results"][0]["short_id"]), (&json!(1), &json!(short_id)));

        // PATCH keeps what it does not name (filters, columns).
        let patched = app.patch(&one, &app.key, json!({"name": "Renamed", "short_id": "ZZZZZZZZ"})).await.ok(200).clone();
        assert_eq!((&patched["name"], &patched["filters"], &patched["columns"]), (&json!("Renamed"), &filters, &columns()));
        assert_eq!((&patched["short_id"], &patched["created_at"]), (&json!(short_id), &created["created_at"]));
        assert_ne!(patched["updated_at"], created["updated_at"]);
        let patched = app.patch(&env, &app.key, json!({"pinned": false, "columns": null})).await.ok(200).clone();
        assert_eq!((&patched["pinned"], &patched["columns"], &patched["filters"]), (&json!(false), &Value::Null, &filters));
        // PUT: name required, absent filters back to {}, absent pinned/columns kept.
        app.patch(&one, &app.key, json!({"pinned": true, "columns": columns()})).await.ok(200);
        let put = app.call("PUT", &one, Some(&app.key), Some(json!({"name": "Put"}))).await.ok(200).clone();
        assert_eq!((&put["name"], &put["filters"], &put["pinned"], &put["columns"]), (&json!("Put"), &json!({}), &json!(true), &columns()));
        let put = app.call("PUT", &env, Some(&app.key), Some(json!({"name": "Put 2", "filters": {"serviceNames": ["api"]}, "pinned": false}))).await.ok(200).clone();
        assert_eq!((&put["filters"], &put["pinned"]), (&json!({"serviceNames": ["api"]}), &json!(false)));

        let r = app.delete(&one, &app.key).await;
        assert_eq!((r.status.as_u16(), r.text.as_str()), (204, ""));
        app.get(&one, &app.key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&base, &app.key).await.ok(200)["count"], 0);

        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
        let rows = activity_of(log.ok(200), "LogsView");
        let acts: Vec<&str> = rows.iter().map(|r| r["activity"].as_str().unwrap_or_default()).collect();
        assert_eq!(acts, ["deleted", "updated", "updated", "updated", "updated", "updated", "created"]);
        assert!(rows.iter().all(|r| r["item_id"] == id.as_str()), "{rows:?}");
        let rename = &rows[5]["detail"]["changes"];
        assert!(rename.as_array().is_some_and(|c| c.iter().any(|c| c["field"] == "name" && c["after"] == "Renamed")), "{rename}");
        assert_eq!(rows[6]["detail"]["name"], "Checkout errors");
    }

    async fn create_defaults_and_form_bodies(app) {
        let base = views_path(app.project());
        let v = app.post(&base, &app.key, json!({"name": "  Plain  "})).await.ok(201).clone();
        assert_eq!((&v["name"], &v["filters"], &v["pinned"], &v["columns"]), (&json!("Plain"), &json!({}), &json!(false), &Value::Null));
        // What the docs' `curl -d name="string"` sends.
        let req = TestRequest::post()
            .uri(&base)
            .insert_header(("host", "logstead.test"))
            .insert_header(("authorization", format!("Bearer {}", app.key)))
            .set_form([("name", "string"), ("pinned", "true")]);
        let r = app.raw(req).await;
        assert_eq!((&r.ok(201)["name"], &r.body["pinned"]), (&json!("string"), &json!(true)));
        // A no-op PATCH is answered but not recorded.
        let one = format!("{base}{}/", str_of(&v, "short_id"));
        app.patch(&one, &app.key, json!({"name": "Plain"})).await.ok(200);
        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
        let acts: Vec<Value> = activity_of(log.ok(200), "LogsView").iter().map(|r| r["activity"].clone()).collect();
        assert_eq!(acts, [json!("created"), json!("created")]);
    }

    async fn bad_bodies_get_field_400s(app) {
        let base = views_path(app.project());
        let long = "x".repeat(401);
        let col = |extra: Value| {
            let mut c = json!({"id": "c", "type": "level"});
            if let (Some(m), Some(e)) = (c.as_object_mut(), extra.as_object()) {
                m.extend(e.clone());
            }
            json!({"name": "n", "columns": [c]})
        };
        let cases = [
            (json!({}), "name", "required", "This field is required."),
            (json!({"name": "   "}), "name", "blank", "This field may not be blank."),
            (json!({"name": null}), "name", "null", "This field may not be null."),
            (json!({"name": long}), "name", "max_length", "Ensure this field has no more than 400 characters."),
            (json!({"name": "n", "filters": [1]}), "filters", "not_a_dict", "Expected a dictionary of items but got type \"list\"."),
            (json!({"name": "n", "pinned": "maybe"}), "pinned", "invalid", "Must be a valid boolean."),
            (json!({"name": "n", "columns": {"id": "c"}}), "columns", "not_a_list", "Expected a list of items but got type \"dict\"."),
            (json!({"name": "n", "columns": ["level"]}), "columns__0", "invalid", "Invalid data. Expected a dictionary, but got str."),
            (col(json!({"type": "colour"})), "columns__0__type", "invalid_choice", "\"colour\" is not a valid choice."),
            (json!({"name": "n", "columns": [{"type": "level"}]}), "columns__0__id", "required", "This field is required."),
            (col(json!({"width": 0})), "columns__0__width", "min_value", "Ensure this value is greater than or equal to 1."),
            (col(json!({"width": 2001})), "columns__0__width", "max_value", "Ensure this value is less than or equal to 2000."),
            (col(json!({"width": "wide"})), "columns__0__width", "invalid", "A valid integer is required."),
            (col(json!({"expression": "attributes.x"})), "columns__0__expression", "invalid",
                "Only custom columns take an expression; this column is of type \"level\"."),
            (col(json!({"type": "custom"})), "columns__0__expression", "required", "Custom columns require an expression."),
            (json!({"name": "n", "bogus": 1}), "bogus", "unknown_field", "Unknown field: bogus."),
        ];
        for (body, attr, code, detail) in cases {
            let r = app.post(&base, &app.key, body.clone()).await;
            r.assert_error(400, "validation_error", code);
            assert_eq!((r.body["attr"].as_str(), r.body["detail"].as_str()), (Some(attr), Some(detail)), "{body}");
        }
        assert_eq!(app.get(&base, &app.key).await.ok(200)["count"], 0, "nothing was created");
        let v = app.post(&base, &app.key, json!({"name": "ok", "filters": {"searchTerm": "a"}})).await.ok(201).clone();
        let one = format!("{base}{}/", str_of(&v, "short_id"));
        let r = app.patch(&one, &app.key, json!({"columns": [{"id": "c", "type": "span_id", "width": 9999}]})).await;
        assert_eq!((r.status.as_u16(), r.body["attr"].as_str()), (400, Some("columns__0__width")), "{}", r.text);
        let r = app.call("PUT", &one, Some(&app.key), Some(json!({"filters": {}}))).await;
        r.assert_error(400, "validation_error", "required");
        assert_eq!(r.body["attr"], "name");
        assert_eq!(app.get(&one, &app.key).await.ok(200), &v, "failed edits changed nothing");
    }

    async fn list_pages_newest_first_and_short_ids_are_distinct(app) {
        let base = views_path(app.project());
        let mut ids = std::collections::HashSet::new();
        for name in ["one", "two", "three"] {
            let v = app.post(&base, &app.key, json!({"name": name})).await.ok(201).clone();
            assert!(is_short_id(str_of(&v, "short_id")), "{v}");
            ids.insert(str_of(&v, "short_id").to_string());
        }
        assert_eq!(ids.len(), 3);
        let page = app.get(&format!("{base}?limit=2"), &app.key).await.ok(200).clone();
        let names: Vec<&str> = page["results"].as_array().map(|r| r.iter().filter_map(|v| v["name"].as_str()).collect()).unwrap_or_default();
        assert_eq!((page["count"].as_i64(), names), (Some(3), vec!["three", "two"]));
        assert!(page["next"].as_str().is_some_and(|n| n.contains("offset=2") && n.contains("/logs/views")), "{page}");
        assert_eq!(page["previous"], Value::Null);
        let rest = app.get(&format!("{base}?limit=2&offset=2"), &app.key).await.ok(200).clone();
        assert_eq!((&rest["results"][0]["name"], &rest["next"]), (&json!("one"), &Value::Null));
        assert!(rest["previous"].is_string());
        assert_eq!(rest["results"][0]["created_by"]["uuid"], app.boot.user.uuid.to_string());
    }

    async fn unknown_views_are_404(app) {
        let one = format!("{}NOPE1234/", views_path(app.project()));
        app.get(&one, &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.patch(&one, &app.key, json!({"name": "x"})).await.assert_error(404, "invalid_request", "not_found");
        app.call("PUT", &one, Some(&app.key), Some(json!({"name": "x"}))).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&one, &app.key).await.assert_error(404, "invalid_request", "not_found");
        // The lookup comes before validation, as in DRF's update.
        app.patch(&one, &app.key, json!({"name": ""})).await.assert_error(404, "invalid_request", "not_found");
    }

    async fn keys_need_logs_scopes_and_their_own_project(app) {
        let base = views_path(app.project());
        let v = app.post(&base, &app.key, json!({"name": "mine", "filters": {"searchTerm": "x"}})).await.ok(201).clone();
        let short_id = str_of(&v, "short_id").to_string();
        let one = format!("{base}{short_id}/");
        app.call("GET", &base, None, None).await.assert_error(401, "authentication_error", "not_authenticated");
        let (_, reader) = app.member("r@x.io", Level::Member, &["logs:read"]);
        assert_eq!(app.get(&base, &reader).await.ok(200)["count"], 1);
        assert_eq!(app.get(&one, &reader).await.ok(200)["short_id"], short_id.as_str());
        let writes = [
            ("POST", base.clone(), Some(json!({"name": "x"}))),
            ("PATCH", one.clone(), Some(json!({"name": "x"}))),
            ("PUT", one.clone(), Some(json!({"name": "x"}))),
            ("DELETE", one.clone(), None),
        ];
        for (method, path, body) in &writes {
            let r = app.call(method, path, Some(&reader), body.clone()).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], "API key missing required scope 'logs:write'", "{method} {path}");
        }
        let (_, writer) = app.member("w@x.io", Level::Member, &["logs:write"]);
        let theirs = app.post(&base, &writer, json!({"name": "by writer"})).await.ok(201).clone();
        assert_eq!(theirs["created_by"]["email"], "w@x.io");
        let (_, no_logs) = app.member("n@x.io", Level::Member, &["project:read"]);
        app.get(&base, &no_logs).await.assert_error(403, "authentication_error", "permission_denied");
        app.get(&one, &no_logs).await.assert_error(403, "authentication_error", "permission_denied");
        // Another organization's key: A's project is not theirs, and A's view is not in theirs.
        let (_, other_key, _, other) = app.other_org("b@x.io");
        app.get(&base, &other_key).await.assert_error(403, "authentication_error", "permission_denied");
        app.get(&one, &other_key).await.assert_error(403, "authentication_error", "permission_denied");
        let stolen = format!("{}{short_id}/", views_path(other));
        app.get(&stolen, &other_key).await.assert_error(404, "invalid_request", "not_found");
        app.patch(&stolen, &other_key, json!({"name": "stolen"})).await.assert_error(404, "invalid_request", "not_found");
        app.call("PUT", &stolen, Some(&other_key), Some(json!({"name": "stolen"}))).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&stolen, &other_key).await.assert_error(404, "invalid_request", "not_found");
        let env = format!("/api/environments/{other}/logs/views/{short_id}/");
        app.get(&env, &other_key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&views_path(other), &other_key).await.ok(200)["count"], 0);
        assert_eq!(app.get(&one, &app.key).await.ok(200), &v, "unchanged");
    }
}
