use orgs::Level;
use serde_json::{Value, json};

use crate::common;

fn entries(body: &Value) -> Vec<Value> {
    body["results"].as_array().cloned().unwrap_or_default()
}

fn find<'a>(rows: &'a [Value], scope: &str, activity: &str, item: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["scope"] == scope && r["activity"] == activity && r["item_id"] == item)
        .unwrap_or_else(|| panic!("no {scope} {activity} {item} in {rows:#?}"))
}

crate::dual! {
    async fn project_and_key_changes_are_recorded_in_both_views(app) {
        let created = app.post("/api/projects/", &app.key, json!({"name": "Alpha"})).await.ok(201).clone();
        let id = created["id"].as_i64().unwrap_or_default();
        let token = created["api_token"].as_str().unwrap_or_default().to_string();
        app.patch(&format!("/api/projects/{id}/"), &app.key, json!({"name": "Beta"})).await.ok(200);
        let key = app.post("/api/personal_api_keys/", &app.key, json!({"label": "ci", "scopes": ["logs:read"]})).await.ok(201).clone();
        let key_id = key["id"].as_str().unwrap_or_default();

        let project_view = app.get(&format!("/api/projects/{id}/advanced_activity_logs/"), &app.key).await;
        let rows = entries(project_view.ok(200));
        let c = find(&rows, "Project", "created", &id.to_string());
        assert_eq!(c["user"]["email"], app.boot.user.email);
        assert_eq!(c["client"], "api_key");
        assert_eq!(c["team_id"], id);
        assert_eq!(c["organization_id"], app.org().to_string());
        assert_eq!(c["detail"]["name"], "Alpha");
        assert_eq!(c["detail"]["changes"][0]["action"], "created");
        let u = find(&rows, "Project", "updated", &id.to_string());
        let change = &u["detail"]["changes"][0];
        assert_eq!((change["field"].as_str(), &change["before"], &change["after"]), (Some("name"), &json!("Alpha"), &json!("Beta")));
        assert_eq!(u["detail"]["changes"].as_array().map(Vec::len), Some(1), "only the name changed");
        assert!(rows[0]["created_at"].as_str() >= rows[1]["created_at"].as_str(), "newest first");

        // The key lands in the user's current project and organization.
        let home = app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
        let k = find(&entries(home.ok(200)), "PersonalAPIKey", "created", key_id).clone();
        assert_eq!(k["detail"]["name"], "ci");

        assert_eq!(app.delete(&format!("/api/projects/{id}/"), &app.key).await.status, 204);
        let org_view = app.get(&format!("/api/organizations/{}/advanced_activity_logs/", app.org()), &app.key).await;
        let rows = entries(org_view.ok(200));
        find(&rows, "Project", "created", &id.to_string());
        find(&rows, "Project", "updated", &id.to_string());
        let d = find(&rows, "Project", "deleted", &id.to_string());
        assert_eq!(d["detail"]["changes"][0]["before"]["name"], "Beta");
        find(&rows, "PersonalAPIKey", "created", key_id);
        find(&rows, "Organization", "created", &app.org().to_string());
        // Secrets never reach the log.
        let all = org_view.text.clone() + &home.text + &project_view.text;
        assert!(!all.contains(&token), "project token leaked");
        assert!(!all.contains(key["value"].as_str().unwrap_or("phx_none")), "key leaked");
        assert!(!all.contains("sha256$"), "key hash leaked");
    }

    async fn members_and_org_settings_are_org_level_entries(app) {
        let base = format!("/api/organizations/{}/members/", app.org());
        let added = app.post(&base, &app.key, json!({"email": "m@x.io", "password": "password123"})).await.ok(201).clone();
        let user = added["user"]["uuid"].as_str().unwrap_or_default().to_string();
        app.patch(&format!("{base}{user}/"), &app.key, json!({"level": 8})).await.ok(200);
        app.patch(&format!("/api/organizations/{}/", app.org()), &app.key, json!({"name": "Renamed"})).await.ok(200);
        let login = app.call("POST", "/api/login/", None, Some(json!({"email": app.boot.user.email, "password": app.boot.password}))).await;
        let session = login.ok(200)["token"].as_str().unwrap_or_default().to_string();
        app.delete(&format!("{base}{user}/"), &session).await;
        let org_view = app.get(&format!("/api/organizations/{}/advanced_activity_logs/?scopes=OrganizationMembership", app.org()), &app.key).await;
        let rows = entries(org_view.ok(200));
        let kinds: Vec<_> = rows.iter().map(|r| (r["activity"].as_str().unwrap_or_default(), r["client"].as_str().unwrap_or_default())).collect();
        assert_eq!(kinds, [("deleted", "web"), ("updated", "api_key"), ("created", "api_key")]);
        assert!(rows.iter().all(|r| r["team_id"].is_null()), "organization-level rows have no team");
        assert_eq!(rows[1]["detail"]["changes"][0]["field"], "level");
        assert_eq!((&rows[1]["detail"]["changes"][0]["before"], &rows[1]["detail"]["changes"][0]["after"]), (&json!(1), &json!(8)));
        let renamed = app.get(&format!("/api/organizations/{}/advanced_activity_logs/?scopes=Organization&activities=updated", app.org()), &app.key).await;
        let change = &entries(renamed.ok(200))[0]["detail"]["changes"][0];
        assert_eq!((&change["before"], &change["after"]), (&json!("Default organization"), &json!("Renamed")));
    }

    async fn org_view_is_for_admins(app) {
        let path = format!("/api/organizations/{}/advanced_activity_logs/", app.org());
        let (_, member) = app.member("m@x.io", Level::Member, &["activity_log:read"]);
        let r = app.get(&path, &member).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "Only organization admins and owners can view organization-wide activity logs.");
        app.get(&format!("{path}available_filters/"), &member).await.assert_error(403, "authentication_error", "permission_denied");
        let r = app.post(&format!("{path}export/"), &member, json!({})).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        let (_, admin) = app.member("a@x.io", Level::Admin, &["activity_log:read"]);
        assert_eq!(app.get(&path, &admin).await.status, 200);
        // A member does read the project log.
        assert_eq!(app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &member).await.status, 200);
        let (_, no_scope) = app.member("n@x.io", Level::Admin, &["project:read"]);
        let r = app.get(&path, &no_scope).await;
        assert_eq!(r.body["detail"], "API key missing required scope 'activity_log:read'");
    }

    async fn other_projects_entries_are_out_of_reach(app) {
        let (_, other_key, other_org, other_project) = app.other_org("b@x.io");
        app.patch(&format!("/api/projects/{other_project}/"), &other_key, json!({"name": "Secret name"})).await.ok(200);
        let r = app.get(&format!("/api/projects/{other_project}/advanced_activity_logs/"), &app.key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        let r = app.get(&format!("/api/organizations/{other_org}/advanced_activity_logs/"), &app.key).await;
        r.assert_error(404, "invalid_request", "not_found");
        let mine = app.get(&format!("/api/organizations/{}/advanced_activity_logs/?search_text=Secret", app.org()), &app.key).await;
        assert_eq!(entries(mine.ok(200)).len(), 0);
        let theirs = app.get(&format!("/api/projects/{other_project}/advanced_activity_logs/?search_text=secret%20NAME"), &other_key).await;
        assert_eq!(entries(theirs.ok(200)).len(), 1, "search_text is case-insensitive");
    }

    async fn filters_and_pages(app) {
        for i in 0..5 {
            app.post("/api/projects/", &app.key, json!({"name": format!("P{i}")})).await.ok(201);
        }
        let org = format!("/api/organizations/{}/advanced_activity_logs/", app.org());
        let r = app.get(&format!("{org}?scopes=Project&activities=created&page=1&page_size=2"), &app.key).await;
        let body = r.ok(200).clone();
        assert_eq!(body["count"], 6, "5 projects + the default one");
        assert_eq!(entries(&body).len(), 2);
        assert!(body["next"].as_str().unwrap_or_default().contains("page=2"));
        assert_eq!(body["previous"], Value::Null);
        let last = app.get(&format!("{org}?scopes=Project&activities=created&page=3&page_size=2"), &app.key).await;
        assert_eq!(last.ok(200)["next"], Value::Null);
        app.get(&format!("{org}?scopes=Project&page=9&page_size=2"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        // Cursor mode: no count; following `next` visits every row once.
        let mut seen = Vec::new();
        let mut url = format!("{org}?scopes={}&page_size=4", urlencode(r#"["Project"]"#));
        loop {
            let r = app.get(&url, &app.key).await;
            let body = r.ok(200).clone();
            assert!(body.get("count").is_none());
            seen.extend(entries(&body).iter().map(|e| e["id"].clone()));
            match body["next"].as_str() {
                Some(next) => url = next.trim_start_matches("http://logstead.test").to_string(),
                None => break,
            }
        }
        assert_eq!(seen.len(), 6);
        seen.dedup();
        assert_eq!(seen.len(), 6);
        let r = app.get(&format!("{org}?users={}&clients=api_key,web&item_ids={}", app.boot.user.uuid, app.project()), &app.key).await;
        assert_eq!(entries(r.ok(200)).len(), 0, "the default project was created by the system bootstrap, not via a key");
        let r = app.get(&format!("{org}?is_system=true&scopes=Project"), &app.key).await;
        assert_eq!(entries(r.ok(200)).len(), 1);
        let df = urlencode(r#"{"name": {"operation": "exact", "value": "P3"}}"#);
        let r = app.get(&format!("{org}?detail_filters={df}"), &app.key).await;
        assert_eq!(entries(r.ok(200)).len(), 1);
        let hq = urlencode("scope = 'Project' AND detail.name != 'P1'");
        let r = app.get(&format!("{org}?hogql_filter={hq}&activities=created"), &app.key).await;
        assert_eq!(entries(r.ok(200)).len(), 5);
    }

    async fn bad_filters_are_400(app) {
        let org = format!("/api/organizations/{}/advanced_activity_logs/", app.org());
        let r = app.get(&format!("{org}?users=not-a-uuid"), &app.key).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "users__0");
        let r = app.get(&format!("{org}?page=1&page_size=1001"), &app.key).await;
        assert_eq!(r.body["attr"], "page_size");
        let r = app.get(&format!("{org}?start_date=yesterday"), &app.key).await;
        assert_eq!(r.body["attr"], "start_date");
        let r = app.get(&format!("{org}?detail_filters=%7Bbad"), &app.key).await;
        assert_eq!(r.body["attr"], "detail_filters");
        let r = app.get(&format!("{org}?hogql_filter={}", urlencode("like(scope, 'x')")), &app.key).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "hogql_filter");
        assert!(r.body["detail"].as_str().unwrap_or_default().contains("Supported"), "{}", r.text);
        let r = app.get(&format!("{org}?cursor=zzz"), &app.key).await;
        assert_eq!(r.body["attr"], "cursor");
    }

    async fn available_filters_reflect_what_occurs(app) {
        app.post("/api/projects/", &app.key, json!({"name": "X"})).await.ok(201);
        let r = app.get(&format!("/api/organizations/{}/advanced_activity_logs/available_filters/", app.org()), &app.key).await;
        let body = r.ok(200);
        let values = |k: &str| body["static_filters"][k].as_array().cloned().unwrap_or_default().iter().map(|v| v["value"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>();
        assert_eq!(values("scopes"), ["Organization", "PersonalAPIKey", "Project"]);
        assert_eq!(values("activities"), ["created"]);
        assert_eq!(values("clients"), ["api_key", "system"]);
        assert_eq!(body["static_filters"]["users"][0]["value"], app.boot.user.uuid.to_string());
        assert_eq!(body["static_filters"]["users"][0]["label"], "Admin");
        assert!(body["detail_fields"]["Project"]["fields"].as_array().is_some_and(|f| f.iter().any(|x| x["name"] == "name")));
        assert!(body["detail_fields"]["General"].is_object());
    }

    async fn exports_write_downloadable_files(app) {
        for i in 0..3 {
            app.post("/api/projects/", &app.key, json!({"name": format!("E{i}, \"quoted\"")})).await.ok(201);
        }
        let base = format!("/api/projects/{}", app.project());
        let r = app.post(&format!("{base}/advanced_activity_logs/export/"), &app.key, json!({"format": "xlsx"})).await;
        r.assert_error(400, "validation_error", "invalid_choice");
        let csv = app.post(&format!("/api/organizations/{}/advanced_activity_logs/export/", app.org()), &app.key, json!({"format": "csv", "filters": {"scopes": ["Project"]}})).await;
        let accepted = csv.ok(202).clone();
        assert_eq!(accepted["export_format"], "csv");
        let id = accepted["id"].as_i64().unwrap_or_default();
        let pending = app.get(&format!("{base}/exports/{id}/"), &app.key).await;
        assert_eq!(pending.ok(200)["has_content"], false);
        app.get(&format!("{base}/exports/{id}/content/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(logstead::worker::run_pending_exports(&app.state).map_err(|e| e.to_string()), Ok(1));
        let done = app.get(&format!("{base}/exports/{id}/"), &app.key).await;
        assert_eq!(done.ok(200)["state"], "complete");
        assert_eq!(done.body["rows"], 4);
        assert!(done.body["filename"].as_str().unwrap_or_default().starts_with("activity_logs_"));
        let file = app.get(&format!("{base}/exports/{id}/content/"), &app.key).await;
        assert_eq!(file.status, 200);
        assert!(file.headers.get("content-disposition").is_some());
        let mut lines = file.text.lines();
        assert_eq!(lines.next(), Some("id,organization_id,project_id,user_first_name,user_last_name,user_email,activity,scope,item_id,detail,client,ip_address,created_at"));
        assert!(file.text.contains(r#"\""quoted\"""#), "quotes are doubled inside quoted cells");
        let mut quoted = false;
        let records = file.text.chars().filter(|&c| {
            quoted ^= c == '"';
            c == '\n' && !quoted
        });
        assert_eq!(records.count(), 1 + 4, "header and one record per entry");
        let json_job = app.post(&format!("{base}/advanced_activity_logs/export/"), &app.key, json!({"format": "json", "filters": {"activities": ["created"]}})).await.ok(202)["id"].as_i64().unwrap_or_default();
        logstead::worker::run_pending_exports(&app.state).map_err(|e| e.to_string()).unwrap_or_default();
        let file = app.get(&format!("{base}/exports/{json_job}/content/"), &app.key).await;
        let parsed: Vec<Value> = serde_json::from_str(&file.text).unwrap_or_default();
        // The project view holds the project's own rows: its creation and the bootstrap key.
        assert_eq!(parsed.len(), 2, "{parsed:#?}");
        assert!(parsed.iter().all(|r| r["project_id"] == app.project()));
        // Another organization's member cannot read the job.
        let (_, other_key, _, _) = app.other_org("o@x.io");
        app.get(&format!("{base}/exports/{id}/"), &other_key).await.assert_error(403, "authentication_error", "permission_denied");
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
