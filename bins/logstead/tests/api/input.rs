use actix_web::test::TestRequest;
use serde_json::json;

use crate::common;

fn raw_post(path: &str, key: &str, content_type: &str, body: impl Into<Vec<u8>>) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("authorization", format!("Bearer {key}")))
        .insert_header(("content-type", content_type))
        .set_payload(body.into())
}

crate::dual! {
    async fn garbage_json_is_a_parse_error(app) {
        for garbage in ["{", "not json", "{\"name\": }", "\u{0}\u{1}"] {
            let r = app.raw(raw_post("/api/organizations/", &app.key, "application/json", garbage)).await;
            r.assert_error(400, "invalid_request", "parse_error");
        }
        let r = app.raw(raw_post("/api/organizations/", &app.key, "application/json", "[1, 2]")).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(app.get("/api/organizations/", &app.key).await.body["count"], 1, "nothing was created");
    }

    async fn wrong_types_name_the_field(app) {
        let r = app.post("/api/organizations/", &app.key, json!({"name": 12})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "name");
        let r = app.post("/api/organizations/", &app.key, json!({"name": "ok", "enforce_2fa": "maybe"})).await;
        assert_eq!(r.body["attr"], "enforce_2fa");
        let r = app.post("/api/personal_api_keys/", &app.key, json!({"scopes": ["*"], "scoped_teams": [1, "x"]})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["attr"], "scoped_teams__1");
        let r = app.post("/api/organizations/", &app.key, json!({"name": null})).await;
        r.assert_error(400, "validation_error", "required");
    }

    async fn unknown_fields_are_rejected(app) {
        let r = app.post("/api/organizations/", &app.key, json!({"name": "ok", "colour": "red"})).await;
        r.assert_error(400, "validation_error", "unknown_field");
        assert_eq!(r.body["attr"], "colour");
        let path = format!("/api/projects/{}/", app.project());
        let r = app.patch(&path, &app.key, json!({"retention": 5})).await;
        assert_eq!(r.body["attr"], "retention");
    }

    async fn huge_bodies_are_413(app) {
        let big = format!("{{\"name\": \"{}\"}}", "x".repeat(200 * 1024));
        let r = app.raw(raw_post("/api/organizations/", &app.key, "application/json", big)).await;
        r.assert_error(413, "invalid_request", "payload_too_large");
    }

    async fn media_types(app) {
        let r = app.raw(raw_post("/api/organizations/", &app.key, "text/xml", "<x/>")).await;
        r.assert_error(415, "invalid_request", "unsupported_media_type");
        let r = app.raw(raw_post("/api/organizations/", &app.key, "application/x-www-form-urlencoded", "name=Form+Org")).await;
        assert_eq!(r.ok(201)["name"], "Form Org");
    }

    async fn unknown_paths_and_wrong_methods(app) {
        let r = app.get("/api/nothing-here/", &app.key).await;
        r.assert_error(404, "invalid_request", "not_found");
        let r = app.call("GET", "/nope", None, None).await;
        r.assert_error(404, "invalid_request", "not_found");
        let r = app.call("PUT", "/api/organizations/", Some(&app.key), Some(json!({}))).await;
        r.assert_error(405, "invalid_request", "method_not_allowed");
        assert_eq!(r.body["detail"], "Method \"PUT\" not allowed.");
        let r = app.call("POST", "/api/users/@me/", Some(&app.key), Some(json!({}))).await;
        r.assert_error(405, "invalid_request", "method_not_allowed");
        let r = app.get(&format!("/api/projects/{}/nothing", app.project()), &app.key).await;
        r.assert_error(404, "invalid_request", "not_found");
    }

    async fn trailing_slash_is_optional(app) {
        assert_eq!(app.get("/api/organizations", &app.key).await.status, 200);
        assert_eq!(app.get("/api/organizations/", &app.key).await.status, 200);
        assert_eq!(app.get(&format!("/api/projects/{}", app.project()), &app.key).await.status, 200);
        assert_eq!(app.get(&format!("/api/environments/{}/", app.project()), &app.key).await.status, 200);
    }

    async fn bad_path_ids(app) {
        let r = app.get("/api/projects/abc/", &app.key).await;
        r.assert_error(404, "invalid_request", "not_found");
        assert_eq!(r.body["detail"], "Project not found.");
        let r = app.get("/api/projects/99999999/", &app.key).await;
        assert_eq!(r.body["detail"], "Project not found.");
        let r = app.get("/api/projects/99999999999999999999999/", &app.key).await;
        r.assert_error(404, "invalid_request", "not_found");
    }
}
