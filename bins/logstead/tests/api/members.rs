use orgs::Level;
use serde_json::json;

use crate::common;

crate::dual! {
    async fn add_list_change_remove(app) {
        let base = format!("/api/organizations/{}/members/", app.org());
        let r = app.post(&base, &app.key, json!({"email": "New@Example.io", "password": "password123", "first_name": "New", "level": 8})).await;
        let created = r.ok(201).clone();
        assert_eq!(created["level"], 8);
        assert_eq!(created["user"]["email"], "new@example.io");
        let user = created["user"]["uuid"].as_str().unwrap_or_default().to_string();
        // The new user can log in with the password the admin set.
        let login = app.call("POST", "/api/login/", None, Some(json!({"email": "new@example.io", "password": "password123"}))).await;
        assert_eq!(login.status, 200);
        let list = app.get(&base, &app.key).await;
        assert_eq!(list.ok(200)["count"], 2);
        assert_eq!(list.body["results"][0]["level"], 15);
        assert_eq!(list.body["results"][1]["user"]["uuid"], user.as_str());
        let r = app.patch(&format!("{base}{user}/"), &app.key, json!({"level": 1})).await;
        assert_eq!(r.ok(200)["level"], 1);
        let r = app.patch(&format!("{base}{user}/"), &app.key, json!({"level": 3})).await;
        r.assert_error(400, "validation_error", "invalid_choice");
        assert_eq!(app.delete(&format!("{base}{user}/"), &app.key).await.status, 204);
        assert_eq!(app.get(&base, &app.key).await.body["count"], 1);
        app.delete(&format!("{base}{user}/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
    }

    async fn adding_existing_users_and_duplicates(app) {
        let (other, _, _, _) = app.other_org("exists@x.io");
        let base = format!("/api/organizations/{}/members/", app.org());
        let r = app.post(&base, &app.key, json!({"email": "exists@x.io"})).await;
        assert_eq!(r.ok(201)["user"]["id"], other.id.0);
        assert_eq!(r.body["level"], 1);
        let r = app.post(&base, &app.key, json!({"email": "exists@x.io"})).await;
        r.assert_error(400, "validation_error", "unique");
        let r = app.post(&base, &app.key, json!({"email": "fresh@x.io"})).await;
        r.assert_error(400, "validation_error", "required");
        assert_eq!(r.body["attr"], "password");
        let r = app.post(&base, &app.key, json!({"email": "fresh@x.io", "password": "short"})).await;
        assert_eq!(r.body["attr"], "password");
        let r = app.post(&base, &app.key, json!({"email": "not-an-email", "password": "password123"})).await;
        assert_eq!(r.body["attr"], "email");
    }

    async fn level_rules(app) {
        let base = format!("/api/organizations/{}/members/", app.org());
        let (admin, admin_key) = app.member("admin@x.io", Level::Admin, &["*"]);
        let (member, member_key) = app.member("member@x.io", Level::Member, &["*"]);
        let owner = app.boot.user.uuid;
        // A member cannot add or change anyone.
        app.post(&base, &member_key, json!({"email": "z@x.io", "password": "password123"})).await
            .assert_error(403, "authentication_error", "permission_denied");
        app.patch(&format!("{base}{}/", admin.uuid), &member_key, json!({"level": 1})).await
            .assert_error(403, "authentication_error", "permission_denied");
        // Nobody changes their own level.
        app.patch(&format!("{base}{}/", admin.uuid), &admin_key, json!({"level": 15})).await
            .assert_error(403, "authentication_error", "permission_denied");
        // An admin cannot make owners nor touch the owner.
        app.patch(&format!("{base}{}/", member.uuid), &admin_key, json!({"level": 15})).await
            .assert_error(403, "authentication_error", "permission_denied");
        app.patch(&format!("{base}{owner}/"), &admin_key, json!({"level": 1})).await
            .assert_error(403, "authentication_error", "permission_denied");
        app.delete(&format!("{base}{owner}/"), &admin_key).await
            .assert_error(403, "authentication_error", "permission_denied");
        // An admin promotes a member to admin; the owner makes another owner.
        assert_eq!(app.patch(&format!("{base}{}/", member.uuid), &admin_key, json!({"level": 8})).await.ok(200)["level"], 8);
        assert_eq!(app.patch(&format!("{base}{}/", admin.uuid), &app.key, json!({"level": 15})).await.ok(200)["level"], 15);
        // A member may leave on their own.
        let (leaver, leaver_key) = app.member("leaver@x.io", Level::Member, &["*"]);
        assert_eq!(app.delete(&format!("{base}{}/", leaver.uuid), &leaver_key).await.status, 204);
    }

    async fn last_owner_cannot_leave(app) {
        let base = format!("/api/organizations/{}/members/", app.org());
        let r = app.delete(&format!("{base}{}/", app.boot.user.uuid), &app.key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(app.get(&base, &app.key).await.body["count"], 1);
    }
}
