use orgs::Level;
use serde_json::{Value, json};

use crate::common;

fn roles(app_org: impl std::fmt::Display) -> String {
    format!("/api/organizations/{app_org}/roles/")
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
    k.sort();
    k
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_string()
}

crate::dual! {
    async fn create_read_rename_delete(app) {
        let base = roles(app.org());
        let created = app.post(&base, &app.key, json!({"name": "  Approvers "})).await.ok(201).clone();
        assert_eq!(keys(&created), ["created_at", "created_by", "id", "is_default", "members", "name"]);
        assert_eq!(created["name"], "Approvers");
        assert_eq!(created["created_by"]["id"], app.boot.user.id.0);
        assert_eq!((&created["members"], &created["is_default"]), (&json!([]), &json!(false)));
        let role = format!("{base}{}/", id(&created));
        let list = app.get(&base, &app.key).await;
        assert_eq!(list.ok(200)["count"], 1);
        assert_eq!(list.body["results"][0], created);
        assert_eq!(app.get(&role, &app.key).await.ok(200), &created);
        let r = app.patch(&role, &app.key, json!({"name": "Release managers", "id": "ignored"})).await;
        assert_eq!(r.ok(200)["name"], "Release managers");
        assert_eq!(r.body["id"], created["id"]);
        assert_eq!(app.patch(&role, &app.key, json!({})).await.ok(200)["name"], "Release managers");
        app.patch(&role, &app.key, json!({"name": null})).await.assert_error(400, "validation_error", "null");
        assert_eq!(app.call("PUT", &role, Some(&app.key), Some(json!({"name": "Ops"}))).await.ok(200)["name"], "Ops");
        let r = app.call("PUT", &role, Some(&app.key), Some(json!({}))).await;
        r.assert_error(400, "validation_error", "required");
        assert_eq!(r.body["attr"], "name");
        app.post(&base, &app.key, json!({"name": " "})).await.assert_error(400, "validation_error", "blank");
        let long = "x".repeat(201);
        app.post(&base, &app.key, json!({"name": long})).await.assert_error(400, "validation_error", "max_length");
        app.post(&base, &app.key, json!({"name": "Ops", "colour": 1})).await
            .assert_error(400, "validation_error", "unknown_field");
        assert_eq!(app.delete(&role, &app.key).await.status, 204);
        app.get(&role, &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&role, &app.key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&base, &app.key).await.ok(200)["count"], 0);
    }

    async fn names_are_unique_in_an_organization_ignoring_case(app) {
        let base = roles(app.org());
        let ops = app.post(&base, &app.key, json!({"name": "Ops"})).await.ok(201).clone();
        let dev = app.post(&base, &app.key, json!({"name": "Dev"})).await.ok(201).clone();
        for r in [
            app.post(&base, &app.key, json!({"name": "OPS"})).await,
            app.patch(&format!("{base}{}/", id(&dev)), &app.key, json!({"name": "ops"})).await,
        ] {
            r.assert_error(400, "validation_error", "unique");
            assert_eq!((&r.body["attr"], &r.body["detail"]), (&json!("name"), &json!("There is already a role with this name.")));
        }
        // Renaming a role to its own name (another case) is fine; so is the name elsewhere.
        assert_eq!(app.patch(&format!("{base}{}/", id(&ops)), &app.key, json!({"name": "OPS"})).await.ok(200)["name"], "OPS");
        let (_, other_key, other_org, _) = app.other_org("other@x.io");
        app.post(&roles(other_org), &other_key, json!({"name": "Ops"})).await.ok(201);
    }

    async fn memberships(app) {
        let base = roles(app.org());
        let role = app.post(&base, &app.key, json!({"name": "Approvers"})).await.ok(201).clone();
        let (bob, _) = app.member("bob@x.io", Level::Member, &["*"]);
        let ms = format!("{base}{}/role_memberships/", id(&role));
        let added = app.post(&ms, &app.key, json!({"user_uuid": bob.uuid})).await.ok(201).clone();
        assert_eq!(keys(&added), ["id", "joined_at", "organization_member", "role_id", "updated_at", "user"]);
        assert_eq!((&added["role_id"], &added["user"]["email"]), (&role["id"], &json!("bob@x.io")));
        assert_eq!(added["organization_member"]["level"], 1);
        assert_eq!(added["organization_member"]["user"]["uuid"], bob.uuid.to_string());
        let list = app.get(&ms, &app.key).await;
        assert_eq!(list.ok(200)["count"], 1);
        assert_eq!(list.body["results"][0], added);
        assert_eq!(app.get(&format!("{ms}{}/", id(&added)), &app.key).await.ok(200), &added);
        let shown = app.get(&format!("{base}{}/", id(&role)), &app.key).await;
        assert_eq!(shown.ok(200)["members"], json!([added.clone()]));
        // Twice, someone outside the organization, nobody, not a uuid, nothing.
        let r = app.post(&ms, &app.key, json!({"user_uuid": bob.uuid})).await;
        r.assert_error(400, "validation_error", "invalid");
        assert_eq!((&r.body["detail"], &r.body["attr"]), (&json!("User is already part of the role."), &Value::Null));
        let (outsider, _, _, _) = app.other_org("outsider@x.io");
        for user in [outsider.uuid, uuid::Uuid::now_v7()] {
            let r = app.post(&ms, &app.key, json!({"user_uuid": user})).await;
            r.assert_error(400, "validation_error", "invalid");
            assert_eq!((&r.body["detail"], &r.body["attr"]), (&json!("User does not exist."), &Value::Null));
        }
        let r = app.post(&ms, &app.key, json!({"user_uuid": "nope"})).await;
        r.assert_error(400, "validation_error", "invalid");
        assert_eq!(r.body["attr"], "user_uuid");
        let r = app.post(&ms, &app.key, json!({})).await;
        r.assert_error(400, "validation_error", "required");
        assert_eq!(r.body["attr"], "user_uuid");
        assert_eq!(app.get(&ms, &app.key).await.ok(200)["count"], 1);
        assert_eq!(app.delete(&format!("{ms}{}/", id(&added)), &app.key).await.status, 204);
        assert_eq!(app.get(&ms, &app.key).await.ok(200)["count"], 0);
        app.delete(&format!("{ms}{}/", id(&added)), &app.key).await.assert_error(404, "invalid_request", "not_found");
    }

    async fn leaving_the_organization_leaves_the_roles(app) {
        let base = roles(app.org());
        let role = app.post(&base, &app.key, json!({"name": "Approvers"})).await.ok(201).clone();
        let (bob, _) = app.member("bob@x.io", Level::Member, &["*"]);
        let ms = format!("{base}{}/role_memberships/", id(&role));
        app.post(&ms, &app.key, json!({"user_uuid": bob.uuid})).await.ok(201);
        let members = format!("/api/organizations/{}/members/{}/", app.org(), bob.uuid);
        assert_eq!(app.delete(&members, &app.key).await.status, 204);
        assert_eq!(app.get(&ms, &app.key).await.ok(200)["count"], 0);
        assert_eq!(app.get(&format!("{base}{}/", id(&role)), &app.key).await.ok(200)["members"], json!([]));
        // Added back to the organization, bob does not hold the role until given it again.
        let r = app.post(&format!("/api/organizations/{}/members/", app.org()), &app.key, json!({"email": "bob@x.io"})).await;
        r.ok(201);
        assert_eq!(app.get(&ms, &app.key).await.ok(200)["count"], 0);
        app.post(&ms, &app.key, json!({"user_uuid": bob.uuid})).await.ok(201);
        assert_eq!(app.get(&ms, &app.key).await.ok(200)["count"], 1);
    }

    async fn members_read_and_admins_write(app) {
        let base = roles(app.org());
        let role = app.post(&base, &app.key, json!({"name": "Approvers"})).await.ok(201).clone();
        let (bob, member_key) = app.member("bob@x.io", Level::Member, &["*"]);
        let (_, admin_key) = app.member("admin@x.io", Level::Admin, &["*"]);
        let one = format!("{base}{}/", id(&role));
        let ms = format!("{one}role_memberships/");
        let added = app.post(&ms, &admin_key, json!({"user_uuid": bob.uuid})).await.ok(201).clone();
        let membership = format!("{ms}{}/", id(&added));
        for path in [&base, &one, &ms, &membership] {
            assert_eq!(app.get(path, &member_key).await.status, 200, "{path}");
        }
        let denied = [
            app.post(&base, &member_key, json!({"name": "Mine"})).await,
            app.patch(&one, &member_key, json!({"name": "Mine"})).await,
            app.call("PUT", &one, Some(&member_key), Some(json!({"name": "Mine"}))).await,
            app.delete(&one, &member_key).await,
            app.post(&ms, &member_key, json!({"user_uuid": app.boot.user.uuid})).await,
            app.delete(&membership, &member_key).await,
        ];
        for r in denied {
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], "Your organization access level is insufficient.");
        }
        assert_eq!(app.get(&ms, &app.key).await.ok(200)["count"], 1, "nothing changed");
        let renamed = app.patch(&one, &admin_key, json!({"name": "By admin"})).await;
        assert_eq!(renamed.ok(200)["name"], "By admin");
    }

    async fn api_key_scopes_are_organization_read_and_write(app) {
        let base = roles(app.org());
        let role = app.post(&base, &app.key, json!({"name": "Approvers"})).await.ok(201).clone();
        let owner = app.boot.user.clone();
        let read = app.key_for(&owner, &["organization:read"]);
        let other = app.key_for(&owner, &["organization_member:write"]);
        assert_eq!(app.get(&base, &read).await.status, 200);
        let r = app.post(&base, &read, json!({"name": "X"})).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "API key missing required scope 'organization:write'");
        let ms = format!("{base}{}/role_memberships/", id(&role));
        let r = app.post(&ms, &read, json!({"user_uuid": owner.uuid})).await;
        assert_eq!(r.body["detail"], "API key missing required scope 'organization:write'");
        let r = app.get(&ms, &other).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "API key missing required scope 'organization:read'");
    }

    async fn other_organizations_and_unknown_ids_are_not_found(app) {
        let base = roles(app.org());
        let role = app.post(&base, &app.key, json!({"name": "Approvers"})).await.ok(201).clone();
        let ms = format!("{base}{}/role_memberships/", id(&role));
        let added = app.post(&ms, &app.key, json!({"user_uuid": app.boot.user.uuid})).await.ok(201).clone();
        let (outsider, other_key, other_org, _) = app.other_org("other@x.io");
        let theirs = app.post(&roles(other_org), &other_key, json!({"name": "Theirs"})).await.ok(201).clone();
        // Their key on our organization; our role under their organization; their role under ours.
        let cross = [
            app.get(&base, &other_key).await,
            app.get(&format!("{base}{}/", id(&role)), &other_key).await,
            app.get(&ms, &other_key).await,
            app.post(&ms, &other_key, json!({"user_uuid": outsider.uuid})).await,
            app.get(&format!("{}{}/", roles(other_org), id(&role)), &other_key).await,
            app.patch(&format!("{}{}/", roles(other_org), id(&role)), &other_key, json!({"name": "Stolen"})).await,
            app.delete(&format!("{}{}/", roles(other_org), id(&role)), &other_key).await,
            app.get(&format!("{}{}/role_memberships/", roles(other_org), id(&role)), &other_key).await,
            app.get(&format!("{base}{}/", id(&theirs)), &app.key).await,
            app.get(&format!("{base}{}/role_memberships/", id(&theirs)), &app.key).await,
        ];
        for r in cross {
            r.assert_error(404, "invalid_request", "not_found");
        }
        let unknown = format!("{base}{}/", uuid::Uuid::now_v7());
        let missing = [
            app.get(&unknown, &app.key).await,
            app.patch(&unknown, &app.key, json!({"name": "X"})).await,
            app.delete(&unknown, &app.key).await,
            app.get(&format!("{unknown}role_memberships/"), &app.key).await,
            app.post(&format!("{unknown}role_memberships/"), &app.key, json!({"user_uuid": app.boot.user.uuid})).await,
            app.get(&format!("{base}not-a-uuid/"), &app.key).await,
            app.get(&format!("{ms}{}/", uuid::Uuid::now_v7()), &app.key).await,
            app.delete(&format!("{ms}{}/", uuid::Uuid::now_v7()), &app.key).await,
            app.get(&format!("{ms}not-a-uuid/"), &app.key).await,
        ];
        for r in missing {
            r.assert_error(404, "invalid_request", "not_found");
        }
        // A membership id under another role of the organization.
        let dev = app.post(&base, &app.key, json!({"name": "Dev"})).await.ok(201).clone();
        let wrong = format!("{base}{}/role_memberships/{}/", id(&dev), id(&added));
        app.get(&wrong, &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.delete(&wrong, &app.key).await.assert_error(404, "invalid_request", "not_found");
        assert_eq!(app.get(&ms, &app.key).await.ok(200)["count"], 1);
        assert_eq!(app.get(&format!("{}{}/", roles(other_org), id(&theirs)), &other_key).await.ok(200)["name"], "Theirs");
    }

    async fn changes_are_in_the_activity_log(app) {
        let base = roles(app.org());
        let role = app.post(&base, &app.key, json!({"name": "Approvers"})).await.ok(201).clone();
        let one = format!("{base}{}/", id(&role));
        app.patch(&one, &app.key, json!({"name": "Release managers"})).await.ok(200);
        app.patch(&one, &app.key, json!({"name": "Release managers"})).await.ok(200);
        let (bob, _) = app.member("bob@x.io", Level::Member, &["*"]);
        let ms = format!("{one}role_memberships/");
        let added = app.post(&ms, &app.key, json!({"user_uuid": bob.uuid})).await.ok(201).clone();
        app.delete(&format!("{ms}{}/", id(&added)), &app.key).await;
        app.delete(&one, &app.key).await;
        let log = app.get(&format!("/api/organizations/{}/advanced_activity_logs/?scopes=Role", app.org()), &app.key).await;
        let rows = log.ok(200)["results"].as_array().cloned().unwrap_or_default();
        let seen: Vec<_> = rows.iter().map(|r| r["activity"].as_str().unwrap_or_default()).collect();
        assert_eq!(seen, ["deleted", "updated", "updated", "updated", "created"], "an unchanged rename is not recorded");
        assert!(rows.iter().all(|r| r["item_id"] == role["id"] && r["team_id"].is_null() && r["scope"] == "Role"));
        assert!(rows.iter().all(|r| r["user"]["id"] == app.boot.user.id.0), "{rows:?}");
        let change = |i: usize| rows[i]["detail"]["changes"][0].clone();
        assert_eq!((&change(3)["field"], &change(3)["before"], &change(3)["after"]), (&json!("name"), &json!("Approvers"), &json!("Release managers")));
        assert_eq!((&change(2)["field"], &change(2)["action"]), (&json!("members"), &json!("created")));
        assert_eq!(change(2)["after"]["user_email"], "bob@x.io");
        assert_eq!((&change(1)["action"], &change(1)["before"]["user_uuid"]), (&json!("deleted"), &json!(bob.uuid.to_string())));
        assert_eq!(rows[0]["detail"]["name"], "Release managers");
        assert_eq!(rows[4]["detail"]["changes"][0]["after"]["name"], "Approvers");
    }
}
