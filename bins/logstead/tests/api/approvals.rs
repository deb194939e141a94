//! Approval policies over HTTP (spec §4.6): CRUD on both prefixes, validation messages,
//! list filters and access. Change requests are in `approvals/requests.rs`.

mod openapi;
mod requests;

use approvals::actions::{ALERT_DELETE, SAMPLING_RULE_DELETE, SAMPLING_RULE_UPDATE};
use orgs::Level;
use serde_json::{Value, json};

use crate::common;

pub fn policies_path(prefix: &str, project: i64) -> String {
    format!("/api/{prefix}/{project}/approval_policies/")
}

pub fn policy(action_key: &str, users: &[i64]) -> Value {
    json!({"action_key": action_key, "approver_config": {"quorum": 1, "users": users, "roles": []}})
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

crate::dual! {
    async fn crud_on_both_prefixes_with_defaults(app) {
        let owner = app.boot.user.id.0;
        let base = policies_path("projects", app.project());
        let created = app.post(&base, &app.key, policy(SAMPLING_RULE_UPDATE, &[owner])).await.ok(201).clone();
        let id = id_of(&created);
        assert_eq!(created["action_key"], SAMPLING_RULE_UPDATE);
        assert_eq!(created["approver_config"], json!({"quorum": 1, "users": [owner], "roles": []}));
        assert_eq!((&created["conditions"], &created["allow_self_approve"], &created["enabled"]), (&json!({}), &json!(false), &json!(true)));
        assert_eq!((&created["bypass_org_membership_levels"], &created["bypass_roles"]), (&json!([]), &json!([])));
        assert_eq!(created["expires_after"], "14 00:00:00");
        assert_eq!(created["created_by"]["id"], owner);
        assert_eq!(created["created_by"]["email"], app.boot.user.email.as_str());

        let env = policies_path("environments", app.project());
        let one = format!("{env}{id}/");
        assert_eq!(app.get(&one, &app.key).await.ok(200)["id"], id.as_str());
        let list = app.get(&env, &app.key).await.ok(200).clone();
        assert_eq!((&list["count"], &list["next"], &list["results"][0]["id"]), (&json!(1), &Value::Null, &json!(id)));

        let patched = app.patch(&one, &app.key, json!({"enabled": false, "expires_after": "P1D", "id": "ignored"})).await.ok(200).clone();
        assert_eq!((&patched["enabled"], &patched["expires_after"], &patched["action_key"]), (&json!(false), &json!("1 00:00:00"), &json!(SAMPLING_RULE_UPDATE)));
        assert_eq!(patched["id"], id.as_str(), "read-only fields are ignored");
        let put_body = json!({"action_key": ALERT_DELETE, "approver_config": {"quorum": 2, "users": [owner, 99]}, "expires_after": 3600});
        let put = app.call("PUT", &format!("{base}{id}"), Some(&app.key), Some(put_body)).await.ok(200).clone();
        assert_eq!((&put["action_key"], &put["expires_after"]), (&json!(ALERT_DELETE), &json!("01:00:00")));
        assert_eq!(put["approver_config"], json!({"quorum": 2, "users": [owner, 99], "roles": []}));
        assert_eq!(put["enabled"], false, "PUT keeps optional fields it does not send, as DRF does");

        assert_eq!(app.delete(&one, &app.key).await.status, 204);
        app.get(&one, &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&one, &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.patch(&one, &app.key, json!({"enabled": true})).await.assert_error(404, "invalid_request", "not_found");
        let malformed = format!("{base}not-a-uuid/");
        let r = app.get(&malformed, &app.key).await;
        r.assert_error(404, "invalid_request", "not_found");
        assert_eq!(r.body["detail"], "Not found.");
        app.delete(&malformed, &app.key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&base, &app.key).await.ok(200)["count"], 0);
    }

    async fn validation_messages(app) {
        let base = policies_path("projects", app.project());
        let r = app.post(&base, &app.key, json!({"action_key": SAMPLING_RULE_UPDATE})).await;
        r.assert_error(400, "validation_error", "required");
        assert_eq!((&r.body["attr"], &r.body["detail"]), (&json!("approver_config"), &json!("This field is required.")));

        for config in [json!({"quorum": 0, "users": [1]}), json!({"users": [1]})] {
            let r = app.post(&base, &app.key, json!({"action_key": SAMPLING_RULE_UPDATE, "approver_config": config})).await;
            r.assert_error(400, "validation_error", "invalid_input");
            assert_eq!((&r.body["attr"], &r.body["detail"]), (&json!("approver_config"), &json!("Quorum must be at least 1")), "{config}");
        }
        // PostHog answers 500 to these; Logstead 400.
        for config in [json!("quorum=1"), json!([1]), json!({"quorum": "many"})] {
            let r = app.post(&base, &app.key, json!({"action_key": SAMPLING_RULE_UPDATE, "approver_config": config})).await;
            assert_eq!((r.status.as_u16(), &r.body["type"], &r.body["attr"]), (400, &json!("validation_error"), &json!("approver_config")), "{config}: {}", r.text);
        }
        let r = app.post(&base, &app.key, json!({"action_key": SAMPLING_RULE_UPDATE, "approver_config": {"quorum": 1}, "expires_after": "soon"})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "expires_after");
        let r = app.post(&base, &app.key, json!({"action_key": SAMPLING_RULE_UPDATE, "approver_config": {"quorum": 1}, "conditions": null})).await;
        r.assert_error(400, "validation_error", "null");
        assert_eq!((&r.body["attr"], &r.body["detail"]), (&json!("conditions"), &json!("This field may not be null.")));
        let r = app.post(&base, &app.key, json!({"action_key": SAMPLING_RULE_UPDATE, "approver_config": {"quorum": 1}, "bypass_org_membership_levels": ["admin"]})).await;
        assert_eq!((r.status.as_u16(), &r.body["attr"], &r.body["detail"]), (400, &json!("bypass_org_membership_levels"), &json!("All membership levels must be integers")), "{}", r.text);

        // Unknown actions are refused, naming the known ones (docs/api-notes.md).
        let r = app.post(&base, &app.key, policy("feature_flag.enable", &[1])).await;
        assert_eq!((r.status.as_u16(), &r.body["type"], &r.body["attr"]), (400, &json!("validation_error"), &json!("action_key")), "{}", r.text);
        let detail = r.body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(SAMPLING_RULE_UPDATE) && detail.contains(ALERT_DELETE), "{detail}");

        let body = json!({"action_key": SAMPLING_RULE_DELETE, "approver_config": {"quorum": 1}, "bypass_org_membership_levels": ["8", 15]});
        let ok = app.post(&base, &app.key, body).await.ok(201).clone();
        assert_eq!(ok["bypass_org_membership_levels"], json!([8, 15]));
        let r = app.post(&base, &app.key, policy(SAMPLING_RULE_DELETE, &[1])).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!((&r.body["attr"], &r.body["detail"]), (&Value::Null, &json!("A policy for this action already exists. You can edit the existing policy instead.")));
        let one = format!("{base}{}/", id_of(&ok));
        let r = app.patch(&one, &app.key, json!({"approver_config": {"quorum": 0}})).await;
        assert_eq!((r.status.as_u16(), &r.body["attr"]), (400, &json!("approver_config")), "{}", r.text);
        let r = app.call("PUT", &one, Some(&app.key), Some(json!({"enabled": false}))).await;
        assert_eq!((r.status.as_u16(), &r.body["code"]), (400, &json!("required")), "PUT needs the required fields: {}", r.text);
        let r = app.call("POST", &base, Some(&app.key), Some(json!([1]))).await;
        r.assert_error(400, "validation_error", "invalid_input");
    }

    async fn list_filters_and_pages(app) {
        let base = policies_path("environments", app.project());
        let first = app.post(&base, &app.key, policy(SAMPLING_RULE_UPDATE, &[])).await.ok(201).clone();
        let mut off = policy(ALERT_DELETE, &[]);
        off["enabled"] = json!(false);
        let second = app.post(&base, &app.key, off).await.ok(201).clone();
        let third = app.post(&base, &app.key, policy(SAMPLING_RULE_DELETE, &[])).await.ok(201).clone();
        let ids = |r: &Value| -> Vec<Value> { r["results"].as_array().cloned().unwrap_or_default().iter().map(|p| p["id"].clone()).collect() };

        let all = app.get(&base, &app.key).await.ok(200).clone();
        assert_eq!(ids(&all), vec![third["id"].clone(), second["id"].clone(), first["id"].clone()], "newest first");
        let by_key = app.get(&format!("{base}?action_key={ALERT_DELETE}"), &app.key).await.ok(200).clone();
        assert_eq!((by_key["count"].clone(), ids(&by_key)), (json!(1), vec![second["id"].clone()]));
        let enabled = app.get(&format!("{base}?enabled=TRUE"), &app.key).await.ok(200).clone();
        assert_eq!(ids(&enabled), vec![third["id"].clone(), first["id"].clone()]);
        for other in ["false", "yes", "1"] {
            let disabled = app.get(&format!("{base}?enabled={other}"), &app.key).await.ok(200).clone();
            assert_eq!(ids(&disabled), vec![second["id"].clone()], "enabled={other} means false");
        }
        let none = app.get(&format!("{base}?action_key={ALERT_DELETE}&enabled=true"), &app.key).await.ok(200).clone();
        assert_eq!(none["count"], 0);
        let page = app.get(&format!("{base}?limit=1&offset=1"), &app.key).await.ok(200).clone();
        assert_eq!((page["count"].clone(), ids(&page)), (json!(3), vec![second["id"].clone()]));
        assert!(page["next"].as_str().unwrap_or_default().contains("offset=2"), "{}", page["next"]);
        assert!(page["previous"].is_string());
    }

    async fn members_read_admins_write(app) {
        let base = policies_path("projects", app.project());
        let id = id_of(app.post(&base, &app.key, policy(SAMPLING_RULE_UPDATE, &[])).await.ok(201));
        let one = format!("{base}{id}/");
        let (_, member) = app.member("m@x.io", Level::Member, &["approvals:write"]);
        assert_eq!(app.get(&base, &member).await.ok(200)["count"], 1);
        assert_eq!(app.get(&one, &member).await.ok(200)["id"], id.as_str());
        let writes: Vec<(&str, String, Option<Value>)> = vec![
            ("POST", base.clone(), Some(policy(ALERT_DELETE, &[]))),
            ("PATCH", one.clone(), Some(json!({"enabled": false}))),
            ("PUT", one.clone(), Some(policy(SAMPLING_RULE_UPDATE, &[]))),
            ("DELETE", one.clone(), None),
        ];
        for (method, path, body) in writes {
            let r = app.call(method, &path, Some(&member), body).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], "Your organization access level is insufficient.", "{method} {path}");
        }
        let (_, admin) = app.member("a@x.io", Level::Admin, &["approvals:write"]);
        app.patch(&one, &admin, json!({"enabled": false})).await.ok(200);

        let (_, reader) = app.member("r@x.io", Level::Owner, &["approvals:read"]);
        assert_eq!(app.get(&base, &reader).await.ok(200)["count"], 1);
        let r = app.post(&base, &reader, policy(ALERT_DELETE, &[])).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "API key missing required scope 'approvals:write'");
        let (_, logs_only) = app.member("l@x.io", Level::Owner, &["logs:write"]);
        let r = app.get(&base, &logs_only).await;
        assert_eq!(r.body["detail"], "API key missing required scope 'approvals:read'", "{}", r.text);
        assert_eq!(app.call("GET", &base, None, None).await.status, 401);
    }

    async fn other_organizations_see_nothing(app) {
        let base = policies_path("projects", app.project());
        let id = id_of(app.post(&base, &app.key, policy(SAMPLING_RULE_UPDATE, &[])).await.ok(201));
        let (_, other_key, _, other_project) = app.other_org("o@x.io");
        // Their project does not hold our policy, by either prefix.
        for prefix in ["projects", "environments"] {
            let theirs = policies_path(prefix, other_project);
            app.get(&format!("{theirs}{id}/"), &other_key).await.assert_error(404, "invalid_request", "not_found");
            app.delete(&format!("{theirs}{id}/"), &other_key).await.assert_error(404, "invalid_request", "not_found");
            assert_eq!(app.get(&theirs, &other_key).await.ok(200)["count"], 0);
        }
        // Our project is not theirs to read (spec §1.2: an existing project without access).
        let r = app.get(&base, &other_key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "You don't have access to the project.");
        app.get(&policies_path("projects", 987_654), &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.get(&policies_path("projects", app.project()).replace("projects/", "projects/abc"), &app.key).await
            .assert_error(404, "invalid_request", "not_found");
        // The policy is still there, untouched.
        assert_eq!(app.get(&format!("{base}{id}/"), &app.key).await.ok(200)["enabled"], true);
    }
}
