use actix_web::test::TestRequest;
use orgs::Level;
use serde_json::json;

use crate::common;

crate::dual! {
    async fn no_credentials_is_401_with_header(app) {
        let r = app.call("GET", "/api/organizations/", None, None).await;
        r.assert_error(401, "authentication_error", "not_authenticated");
        assert_eq!(r.body["detail"], "Authentication credentials were not provided.");
        assert!(r.headers.get("www-authenticate").is_some());
    }

    async fn bad_credentials_are_401(app) {
        let r = app.get("/api/organizations/", "phx_notarealkeynotarealkeynotarealkey").await;
        r.assert_error(401, "authentication_error", "authentication_failed");
        assert_eq!(r.body["detail"], "Personal API key found in request Authorization header is invalid.");
        let r = app.get("/api/organizations/?personal_api_key=phx_nope", "").await;
        r.assert_error(401, "authentication_error", "authentication_failed");
        let r = app.get("/api/organizations/", &app.boot.project.api_token).await;
        r.assert_error(401, "authentication_error", "authentication_failed");
        assert!(r.body["detail"].as_str().unwrap_or_default().contains("ingestion"));
        app.get("/api/organizations/", "a.b.c").await.assert_error(401, "authentication_error", "authentication_failed");
        app.get("/api/organizations/", "garbage").await.assert_error(401, "authentication_error", "authentication_failed");
    }

    async fn key_in_query_string_works(app) {
        let path = format!("/api/organizations/?personal_api_key={}", app.key);
        let r = app.call("GET", &path, None, None).await;
        assert_eq!(r.ok(200)["count"], 1);
    }

    async fn login_issues_a_session_token(app) {
        let r = app.call("POST", "/api/login/", None, Some(json!({"email": app.boot.user.email, "password": app.boot.password}))).await;
        let token = r.ok(200)["token"].as_str().unwrap_or_default().to_string();
        assert_eq!(r.body["user"]["email"], app.boot.user.email);
        let me = app.get("/api/users/@me/", &token).await;
        assert_eq!(me.ok(200)["email"], app.boot.user.email);
        assert_eq!(me.body["organization"]["id"], app.org().to_string());
        assert_eq!(me.body["organizations"][0]["membership_level"], 15);
        // A session acts with the user's rights (no scopes), e.g. creating an organization.
        app.post("/api/organizations/", &token, json!({"name": "From session"})).await.ok(201);
        let r = app.call("POST", "/api/login/", None, Some(json!({"email": app.boot.user.email, "password": "wrong-password"}))).await;
        r.assert_error(400, "validation_error", "invalid_credentials");
        let r = app.call("POST", "/api/login/", None, Some(json!({"email": "nobody@x.io", "password": "whatever1"}))).await;
        r.assert_error(400, "validation_error", "invalid_credentials");
        // A token signed with another secret is refused.
        let forged = auth_scopes::encode_session(b"another-secret-another-secret-xx", app.boot.user.id.0, 0, i64::from(u32::MAX)).unwrap_or_default();
        app.get("/api/users/@me/", &forged).await.assert_error(401, "authentication_error", "authentication_failed");
    }

    async fn logs_read_key_cannot_create_organizations(app) {
        let (_, key) = app.member("reader@x.io", Level::Member, &["logs:read"]);
        let r = app.post("/api/organizations/", &key, json!({"name": "Nope"})).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "API key missing required scope 'organization:write'");
        let r = app.get("/api/organizations/", &key).await;
        assert_eq!(r.body["detail"], "API key missing required scope 'organization:read'");
    }

    async fn write_implies_read(app) {
        let (_, key) = app.member("writer@x.io", Level::Member, &["organization:write"]);
        assert_eq!(app.get("/api/organizations/", &key).await.ok(200)["count"], 1);
    }

    async fn project_scoped_key_is_limited(app) {
        let (_, _, _, other_project) = app.other_org("other@x.io");
        let _ = other_project;
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "scoped", "scopes": ["*"], "scoped_teams": [app.project()]})).await;
        let key = r.ok(201)["value"].as_str().unwrap_or_default().to_string();
        assert_eq!(app.get(&format!("/api/projects/{}/", app.project()), &key).await.status, 200);
        let r = app.get("/api/organizations/", &key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "API keys with scoped projects are only supported on project-based endpoints.");
        let second = app.post("/api/projects/", &app.key, json!({"name": "Second"})).await.ok(201)["id"].clone();
        let list = app.get("/api/projects/", &key).await;
        assert_eq!(list.ok(200)["count"], 1, "a project-limited key lists only its projects");
        assert_eq!(list.body["results"][0]["id"], app.project());
        let r = app.get(&format!("/api/projects/{second}/"), &key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], format!("API key does not have access to the requested project: ID {second}."));
    }

    async fn organization_scoped_key_narrows_lists(app) {
        let second = app.post("/api/organizations/", &app.key, json!({"name": "Second"})).await.ok(201)["id"].as_str().unwrap_or_default().to_string();
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "org", "scopes": ["*"], "scoped_organizations": [app.org().to_string()]})).await;
        let key = r.ok(201)["value"].as_str().unwrap_or_default().to_string();
        let list = app.get("/api/organizations/", &key).await;
        assert_eq!(list.ok(200)["count"], 1);
        assert_eq!(list.body["results"][0]["id"], app.org().to_string());
        let r = app.get(&format!("/api/organizations/{second}/"), &key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], format!("API key does not have access to the requested organization: ID {second}."));
    }

    async fn inactive_or_deleted_keys_stop_working(app) {
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"label": "tmp", "scopes": ["organization:read"]})).await;
        let body = r.ok(201).clone();
        let key = body["value"].as_str().unwrap_or_default().to_string();
        assert_eq!(app.get("/api/organizations/", &key).await.status, 200);
        let id = body["id"].as_str().unwrap_or_default();
        assert_eq!(app.delete(&format!("/api/personal_api_keys/{id}/"), &app.key).await.status, 204);
        app.get("/api/organizations/", &key).await.assert_error(401, "authentication_error", "authentication_failed");
    }

    async fn authorization_header_without_bearer_is_401(app) {
        let req = TestRequest::get().uri("/api/organizations/").insert_header(("authorization", format!("Basic {}", app.key)));
        app.raw(req).await.assert_error(401, "authentication_error", "not_authenticated");
    }
}
