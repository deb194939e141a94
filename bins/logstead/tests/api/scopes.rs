//! Every endpoint × scope: a key lacking the endpoint's scope gets 403 naming it; a key with
//! exactly that scope gets through.

use auth_scopes::ScopeObject;
use serde_json::{Value, json};

use crate::common;

/// Every scope except those of `object`.
fn all_but(object: &str) -> Vec<String> {
    ScopeObject::ALL
        .iter()
        .filter(|o| o.as_str() != object)
        .map(|o| format!("{}:write", o.as_str()))
        .collect()
}

crate::dual! {
    async fn each_endpoint_requires_its_scope(app) {
        let org = app.org();
        let p = app.project();
        let spare_org = app.post("/api/organizations/", &app.key, json!({"name": "Spare"})).await.ok(201)["id"].as_str().unwrap_or_default().to_string();
        let spare_project = app.post(&format!("/api/organizations/{org}/projects/"), &app.key, json!({"name": "Spare"})).await.ok(201)["id"].clone();
        // Key creation first: the raw keys below count toward the 10-keys limit.
        let rows: Vec<(&str, String, &str, Option<Value>)> = vec![
            ("POST", "/api/personal_api_keys/".into(), "personal_api_key:write", Some(json!({"scopes": ["personal_api_key:read"]}))),
            ("GET", "/api/organizations/".into(), "organization:read", None),
            ("POST", "/api/organizations/".into(), "organization:write", Some(json!({"name": "Scoped"}))),
            ("GET", format!("/api/organizations/{org}/"), "organization:read", None),
            ("PATCH", format!("/api/organizations/{org}/"), "organization:write", Some(json!({"name": "Default organization"}))),
            ("PUT", format!("/api/organizations/{org}/"), "organization:write", Some(json!({"name": "Default organization"}))),
            ("DELETE", format!("/api/organizations/{spare_org}/"), "organization:write", None),
            ("GET", format!("/api/organizations/{org}/members/"), "organization_member:read", None),
            ("POST", format!("/api/organizations/{org}/members/"), "organization_member:write", Some(json!({"email": "scoped@x.io", "password": "password123"}))),
            ("GET", format!("/api/organizations/{org}/projects/"), "project:read", None),
            ("POST", format!("/api/organizations/{org}/projects/"), "project:write", Some(json!({"name": "P1"}))),
            ("GET", "/api/projects/".into(), "project:read", None),
            ("POST", "/api/projects/".into(), "project:write", Some(json!({"name": "P2"}))),
            ("GET", format!("/api/projects/{p}/"), "project:read", None),
            ("GET", format!("/api/environments/{p}/"), "project:read", None),
            ("PATCH", format!("/api/projects/{p}/"), "project:write", Some(json!({"name": "Default project"}))),
            ("PATCH", format!("/api/environments/{p}/reset_token/"), "project:write", Some(json!({}))),
            ("DELETE", format!("/api/projects/{spare_project}/"), "project:write", None),
            ("GET", "/api/personal_api_keys/".into(), "personal_api_key:read", None),
            ("GET", "/api/users/@me/".into(), "user:read", None),
        ];
        for (method, path, scope, body) in rows {
            let object = scope.split(':').next().unwrap_or_default();
            let denied = app.raw_key(&app.boot.user, &all_but(object));
            let r = app.call(method, &path, Some(&denied), body.clone()).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], format!("API key missing required scope '{scope}'"), "{method} {path}");
            if scope.ends_with(":write") {
                // A read scope never unlocks a write.
                let read_only = app.raw_key(&app.boot.user, &[scope.replace(":write", ":read")]);
                let r = app.call(method, &path, Some(&read_only), body.clone()).await;
                assert_eq!(r.status, 403, "{method} {path} with read scope: {}", r.text);
            }
            let allowed = app.raw_key(&app.boot.user, &[scope.to_string()]);
            let r = app.call(method, &path, Some(&allowed), body).await;
            assert!(r.status.is_success(), "{method} {path} with {scope}: {} {}", r.status, r.text);
        }
    }
}
