use orgs::Level;
use serde_json::json;

use crate::common;

crate::dual! {
    async fn list_returns_own_organization_in_a_page(app) {
        let r = app.get("/api/organizations/", &app.key).await;
        let body = r.ok(200);
        assert_eq!(body["count"], 1);
        assert_eq!(body["next"], serde_json::Value::Null);
        assert_eq!(body["previous"], serde_json::Value::Null);
        let org = &body["results"][0];
        assert_eq!(org["id"], app.org().to_string());
        assert_eq!(org["name"], "Default organization");
        assert_eq!(org["slug"], "default-organization");
        assert_eq!(org["membership_level"], 15);
        assert_eq!(org["member_count"], 1);
        assert_eq!(org["teams"][0]["id"], app.project());
        assert_eq!(org["teams"][0]["api_token"], app.boot.project.api_token);
        assert_eq!(org["projects"][0]["organization_id"], app.org().to_string());
        assert!(org["created_at"].as_str().unwrap_or_default().ends_with('Z'));
    }

    async fn create_makes_owner_default_project_and_unique_slug(app) {
        let r = app.post("/api/organizations/", &app.key, json!({"name": "Acme Inc."})).await;
        let org = r.ok(201).clone();
        assert_eq!(org["slug"], "acme-inc");
        assert_eq!(org["membership_level"], 15);
        assert_eq!(org["projects"].as_array().map(Vec::len), Some(1));
        assert_eq!(org["projects"][0]["name"], "Default project");
        assert!(org["teams"][0]["api_token"].as_str().unwrap_or_default().starts_with("phc_"));
        // Same name again: same base slug plus a random suffix.
        let again = app.post("/api/organizations/", &app.key, json!({"name": "Acme Inc."})).await;
        let slug = again.ok(201)["slug"].as_str().unwrap_or_default().to_string();
        assert!(slug.starts_with("acme-inc-") && slug.len() == "acme-inc-".len() + 4, "{slug}");
        // The creator's current organization is the new one.
        let current = app.get("/api/organizations/@current/", &app.key).await;
        assert_eq!(current.ok(200)["id"], again.body["id"]);
        let list = app.get("/api/organizations/", &app.key).await;
        assert_eq!(list.ok(200)["count"], 3);
    }

    async fn create_validates_name(app) {
        app.post("/api/organizations/", &app.key, json!({})).await
            .assert_error(400, "validation_error", "required");
        let r = app.post("/api/organizations/", &app.key, json!({"name": "  "})).await;
        r.assert_error(400, "validation_error", "blank");
        assert_eq!(r.body["attr"], "name");
        let r = app.post("/api/organizations/", &app.key, json!({"name": "x".repeat(65)})).await;
        r.assert_error(400, "validation_error", "max_length");
        let r = app.post("/api/organizations/", &app.key, json!({"name": "ok", "default_experiment_stats_method": "guess"})).await;
        r.assert_error(400, "validation_error", "invalid_choice");
        assert_eq!(r.body["attr"], "default_experiment_stats_method");
    }

    async fn retrieve_by_id_and_current(app) {
        let path = format!("/api/organizations/{}", app.org());
        let by_id = app.get(&path, &app.key).await;
        assert_eq!(by_id.ok(200)["name"], "Default organization");
        let current = app.get("/api/organizations/@current", &app.key).await;
        assert_eq!(current.ok(200)["id"], app.org().to_string());
        app.get("/api/organizations/not-a-uuid/", &app.key).await.assert_error(404, "invalid_request", "not_found");
        let missing = format!("/api/organizations/{}/", uuid::Uuid::new_v4());
        let r = app.get(&missing, &app.key).await;
        r.assert_error(404, "invalid_request", "not_found");
        assert_eq!(r.body["detail"], "Not found.");
    }

    async fn admin_updates_member_cannot(app) {
        let path = format!("/api/organizations/{}/", app.org());
        let (_, admin) = app.member("admin@x.io", Level::Admin, &["organization:write"]);
        let (_, member) = app.member("member@x.io", Level::Member, &["organization:write"]);
        let r = app.patch(&path, &member, json!({"name": "Nope"})).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "Your organization access level is insufficient.");
        let r = app.patch(&path, &admin, json!({"name": "Renamed", "enforce_2fa": true, "slug": "ignored", "id": "ignored"})).await;
        let body = r.ok(200);
        assert_eq!(body["name"], "Renamed");
        assert_eq!(body["enforce_2fa"], true);
        assert_eq!(body["slug"], "default-organization", "slug never changes and read-only fields are ignored");
        assert_eq!(body["membership_level"], 8);
        // null clears a nullable setting; absent leaves it.
        let r = app.patch(&path, &admin, json!({"enforce_2fa": null})).await;
        assert_eq!(r.ok(200)["enforce_2fa"], serde_json::Value::Null);
        assert_eq!(r.body["name"], "Renamed");
        let stored = app.get(&path, &app.key).await;
        assert_eq!(stored.ok(200)["name"], "Renamed");
    }

    async fn only_owner_deletes(app) {
        let path = format!("/api/organizations/{}/", app.org());
        let (_, admin) = app.member("admin@x.io", Level::Admin, &["*"]);
        let r = app.delete(&path, &admin).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(app.get(&path, &app.key).await.status, 200, "still there");
        let r = app.delete(&path, &app.key).await;
        assert_eq!(r.status, 204);
        assert!(r.text.is_empty());
        app.get(&path, &app.key).await.assert_error(404, "invalid_request", "not_found");
        let project = format!("/api/projects/{}/", app.project());
        app.get(&project, &app.key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get("/api/organizations/", &app.key).await.ok(200)["count"], 0);
    }

    async fn pages_have_absolute_links(app) {
        for i in 0..4 {
            app.post("/api/organizations/", &app.key, json!({"name": format!("Org {i}")})).await.ok(201);
        }
        let r = app.get("/api/organizations/?limit=2", &app.key).await;
        let body = r.ok(200);
        assert_eq!(body["count"], 5);
        assert_eq!(body["results"].as_array().map(Vec::len), Some(2));
        assert_eq!(body["next"], "http://logstead.test/api/organizations?limit=2&offset=2");
        assert_eq!(body["previous"], serde_json::Value::Null);
        let r = app.get("/api/organizations/?limit=2&offset=2", &app.key).await;
        assert_eq!(r.body["previous"], "http://logstead.test/api/organizations?limit=2", "offset 0 is omitted");
        assert_eq!(r.body["next"], "http://logstead.test/api/organizations?limit=2&offset=4");
        let r = app.get("/api/organizations/?limit=2&offset=4", &app.key).await;
        assert_eq!(r.body["next"], serde_json::Value::Null);
        assert_eq!(r.body["results"].as_array().map(Vec::len), Some(1));
        let first_names: Vec<_> = app.get("/api/organizations/?limit=abc&offset=-3", &app.key).await.body["results"]
            .as_array().map(|a| a.len()).into_iter().collect();
        assert_eq!(first_names, [5], "bad limit/offset fall back to defaults");
    }

    async fn member_of_a_does_not_see_b(app) {
        let (_, other_key, other_org, other_project) = app.other_org("b@other.io");
        let b_path = format!("/api/organizations/{other_org}/");
        app.get(&b_path, &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.patch(&b_path, &app.key, json!({"name": "x"})).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&b_path, &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.get(&format!("{b_path}members/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        let r = app.get(&format!("/api/projects/{other_project}/"), &app.key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "You don't have access to the project.");
        let list = app.get("/api/organizations/", &app.key).await;
        assert_eq!(list.ok(200)["count"], 1);
        // And the other way round.
        let mine = format!("/api/organizations/{}/", app.org());
        app.get(&mine, &other_key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&b_path, &other_key).await.status, 200);
    }
}
