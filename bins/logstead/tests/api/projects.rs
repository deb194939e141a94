use orgs::Level;
use serde_json::json;

use crate::common;

crate::dual! {
    async fn crud_under_both_prefixes(app) {
        let r = app.post("/api/projects/", &app.key, json!({"name": "Backend", "retention_days": 7, "timezone": "Europe/Berlin"})).await;
        let p = r.ok(201).clone();
        let id = p["id"].as_i64().unwrap_or_default();
        assert_eq!(p["project_id"], id, "a project and its environment share the id");
        assert_eq!(p["organization"], app.org().to_string());
        assert_eq!(p["retention_days"], 7);
        assert_eq!(p["timezone"], "Europe/Berlin");
        assert!(p["api_token"].as_str().unwrap_or_default().starts_with("phc_"));
        for prefix in ["/api/projects", "/api/environments"] {
            let got = app.get(&format!("{prefix}/{id}/"), &app.key).await;
            assert_eq!(got.ok(200)["name"], "Backend");
            let list = app.get(&format!("{prefix}/"), &app.key).await;
            assert_eq!(list.ok(200)["count"], 2);
        }
        let r = app.patch(&format!("/api/environments/{id}/"), &app.key, json!({"name": "Backend 2", "retention_days": 90})).await;
        assert_eq!(r.ok(200)["name"], "Backend 2");
        assert_eq!(app.get(&format!("/api/projects/{id}/"), &app.key).await.body["retention_days"], 90);
        let before = p["api_token"].clone();
        let r = app.patch(&format!("/api/projects/{id}/reset_token/"), &app.key, json!({})).await;
        assert_ne!(r.ok(200)["api_token"], before);
        assert_eq!(app.delete(&format!("/api/projects/{id}/"), &app.key).await.status, 204);
        app.get(&format!("/api/projects/{id}/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
    }

    async fn current_and_org_routes(app) {
        let r = app.get("/api/projects/@current/", &app.key).await;
        assert_eq!(r.ok(200)["id"], app.project());
        let org_path = format!("/api/organizations/{}/projects/", app.org());
        let r = app.post(&org_path, &app.key, json!({"name": "Via org"})).await;
        assert_eq!(r.ok(201)["organization"], app.org().to_string());
        assert_eq!(app.get(&org_path, &app.key).await.ok(200)["count"], 2);
    }

    async fn validation(app) {
        let r = app.post("/api/projects/", &app.key, json!({"name": "x", "retention_days": 0})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "retention_days");
        let r = app.post("/api/projects/", &app.key, json!({"name": "x", "timezone": "../../etc"})).await;
        assert_eq!(r.body["attr"], "timezone");
        let r = app.post("/api/projects/", &app.key, json!({"name": ""})).await;
        r.assert_error(400, "validation_error", "blank");
        let path = format!("/api/projects/{}/", app.project());
        let r = app.patch(&path, &app.key, json!({"retention_days": "many"})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(app.get(&path, &app.key).await.body["retention_days"], 30, "unchanged");
    }

    async fn members_read_admins_write(app) {
        let (_, member) = app.member("m@x.io", Level::Member, &["*"]);
        let path = format!("/api/projects/{}/", app.project());
        assert_eq!(app.get(&path, &member).await.status, 200);
        app.patch(&path, &member, json!({"name": "x"})).await.assert_error(403, "authentication_error", "permission_denied");
        app.delete(&path, &member).await.assert_error(403, "authentication_error", "permission_denied");
        app.post("/api/projects/", &member, json!({"name": "x"})).await.assert_error(403, "authentication_error", "permission_denied");
        app.patch(&format!("{path}reset_token/"), &member, json!({})).await.assert_error(403, "authentication_error", "permission_denied");
        let (_, admin) = app.member("a@x.io", Level::Admin, &["*"]);
        assert_eq!(app.patch(&path, &admin, json!({"name": "Renamed"})).await.ok(200)["name"], "Renamed");
    }

    async fn other_org_projects_are_out_of_reach(app) {
        let (_, other_key, _, other_project) = app.other_org("o@x.io");
        let theirs = format!("/api/projects/{other_project}/");
        for (method, body) in [("GET", None), ("PATCH", Some(json!({"name": "x"}))), ("DELETE", None)] {
            let r = app.call(method, &theirs, Some(&app.key), body).await;
            r.assert_error(403, "authentication_error", "permission_denied");
        }
        assert_eq!(app.get(&theirs, &other_key).await.ok(200)["name"], "Default project", "not renamed or deleted");
        let mine = format!("/api/environments/{}/", app.project());
        app.get(&mine, &other_key).await.assert_error(403, "authentication_error", "permission_denied");
    }
}
