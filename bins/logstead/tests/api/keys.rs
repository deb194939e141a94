use serde_json::json;

use crate::common;

crate::dual! {
    async fn value_is_shown_once(app) {
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "ci", "scopes": ["logs:read", "project:write"]})).await;
        let created = r.ok(201).clone();
        let value = created["value"].as_str().unwrap_or_default().to_string();
        assert!(value.starts_with("phx_") && value.len() > 40);
        assert_eq!(created["mask_value"], format!("{}...{}", &value[..4], &value[value.len() - 4..]));
        assert_eq!(created["scopes"], json!(["logs:read", "project:write"]));
        let list = app.get("/api/personal_api_keys/", &app.key).await;
        let keys = list.ok(200).as_array().cloned().unwrap_or_default();
        assert_eq!(keys.len(), 2);
        assert!(keys.iter().all(|k| k.get("value").is_none()), "never listed");
        let one = app.get(&format!("/api/personal_api_keys/{}/", created["id"].as_str().unwrap_or_default()), &app.key).await;
        assert_eq!(one.ok(200)["label"], "ci");
        assert!(one.body.get("value").is_none());
        // The new key works, and @current names it.
        let current = app.get("/api/personal_api_keys/@current/", &value).await;
        assert_eq!(current.status, 403, "logs:read,project:write has no personal_api_key scope");
        assert_eq!(app.get(&format!("/api/projects/{}/", app.project()), &value).await.status, 200);
        let current = app.get("/api/personal_api_keys/@current/", &app.key).await;
        assert_eq!(current.ok(200)["label"], "bootstrap");
        assert!(current.body["last_used_at"].is_string(), "use is recorded");
    }

    async fn scope_validation_and_limits(app) {
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "x"})).await;
        r.assert_error(400, "validation_error", "required");
        assert_eq!(r.body["attr"], "scopes");
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "x", "scopes": ["logs:delete"]})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["detail"], "Invalid scope: logs:delete");
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "x".repeat(41), "scopes": ["*"]})).await;
        assert_eq!(r.body["attr"], "label");
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"scopes": ["*"], "scoped_organizations": ["nope"]})).await;
        assert_eq!(r.body["detail"], "Invalid organization UUID");
        let (_, _, other_org, other_project) = app.other_org("o@x.io");
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"scopes": ["*"], "scoped_teams": [other_project]})).await;
        assert_eq!(r.body["attr"], "scoped_teams");
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"scopes": ["*"], "scoped_organizations": [other_org.to_string()]})).await;
        assert_eq!(r.body["attr"], "scoped_organizations");
        for i in 0..9 {
            app.post("/api/personal_api_keys/", &app.key, json!({"label": format!("k{i}"), "scopes": ["*"]})).await.ok(201);
        }
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "11th", "scopes": ["*"]})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], serde_json::Value::Null);
        assert!(r.body["detail"].as_str().unwrap_or_default().starts_with("You can only have 10 personal API keys."));
    }

    async fn keys_cannot_mint_wider_keys(app) {
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"scopes": ["personal_api_key:write", "logs:read"]})).await;
        let narrow = r.ok(201)["value"].as_str().unwrap_or_default().to_string();
        let r = app.post("/api/personal_api_keys/", &narrow, json!({"scopes": ["*"]})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        let r = app.post("/api/personal_api_keys/", &narrow, json!({"scopes": ["logs:write"]})).await;
        assert_eq!(r.status, 400);
        let r = app.post("/api/personal_api_keys/", &narrow, json!({"scopes": ["logs:read"]})).await;
        assert_eq!(r.ok(201)["scopes"], json!(["logs:read"]));
        // Nor roll (and so learn) or delete a wider key.
        let wide = app.post("/api/personal_api_keys/", &app.key, json!({"scopes": ["*"]})).await.ok(201)["id"].as_str().unwrap_or_default().to_string();
        let r = app.post(&format!("/api/personal_api_keys/{wide}/roll/"), &narrow, json!({})).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        app.delete(&format!("/api/personal_api_keys/{wide}/"), &narrow).await.assert_error(403, "authentication_error", "permission_denied");
    }

    async fn roll_replaces_the_secret(app) {
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"scopes": ["organization:read"]})).await;
        let created = r.ok(201).clone();
        let old = created["value"].as_str().unwrap_or_default().to_string();
        let id = created["id"].as_str().unwrap_or_default();
        let rolled = app.post(&format!("/api/personal_api_keys/{id}/roll/"), &app.key, json!({})).await;
        let new = rolled.ok(200)["value"].as_str().unwrap_or_default().to_string();
        assert_ne!(new, old);
        assert!(rolled.body["last_rolled_at"].is_string());
        app.get("/api/organizations/", &old).await.assert_error(401, "authentication_error", "authentication_failed");
        assert_eq!(app.get("/api/organizations/", &new).await.status, 200);
    }

    async fn users_see_only_their_own_keys(app) {
        let (_, other_key, _, _) = app.other_org("o@x.io");
        let mine = app.get("/api/personal_api_keys/", &app.key).await.ok(200).clone();
        let id = mine[0]["id"].as_str().unwrap_or_default();
        app.get(&format!("/api/personal_api_keys/{id}/"), &other_key).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&format!("/api/personal_api_keys/{id}/"), &other_key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get("/api/organizations/", &app.key).await.status, 200, "still works");
        assert_eq!(app.get("/api/personal_api_keys/", &other_key).await.ok(200).as_array().map(Vec::len), Some(1));
    }
}
