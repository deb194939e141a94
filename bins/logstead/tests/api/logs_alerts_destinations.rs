//! Log alerts API: Slack integrations and alert destinations.

use orgs::Level;
use serde_json::{Value, json};

use crate::common;
use crate::logs_alerts::{activity_of, alerts_path, api_filters};

fn ids(v: &Value) -> Vec<String> {
    v["hog_function_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i.as_str().map(String::from)).collect())
        .unwrap_or_default()
}

crate::dual! {
    async fn slack_integrations_keep_their_token_secret(app) {
        let base = format!("/api/projects/{}/integrations/", app.project());
        let token = "xoxb-secret-bot-token-123";
        let r = app.post(&base, &app.key, json!({"kind": "github", "sensitive_config": {"access_token": token}})).await;
        r.assert_error(400, "validation_error", "invalid_choice");
        assert_eq!(r.body["attr"], "kind");
        let r = app.post(&base, &app.key, json!({"kind": "slack", "config": {}})).await;
        r.assert_error(400, "validation_error", "required");
        assert_eq!(r.body["attr"], "sensitive_config");
        let body = json!({"kind": "slack", "config": {"team": {"id": "T1", "name": "Acme"}}, "sensitive_config": {"access_token": token}});
        let created = app.post(&base, &app.key, body).await.ok(201).clone();
        assert_eq!((&created["kind"], &created["display_name"]), (&json!("slack"), &json!("Acme")));
        assert!(created.get("sensitive_config").is_none());
        let id = created["id"].as_i64().unwrap_or_default();
        let list = app.get(&base, &app.key).await;
        assert_eq!(list.ok(200)["count"], 1);
        let one = app.get(&format!("{base}{id}/"), &app.key).await;
        assert_eq!(one.ok(200)["config"]["team"]["id"], "T1");
        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
        assert_eq!(activity_of(log.ok(200), "Integration").len(), 1);
        for text in [&created.to_string(), &list.text, &one.text, &log.text] {
            assert!(!text.contains(token), "token leaked: {text}");
        }
        // integration scopes, not logs scopes.
        let (_, logs_only) = app.member("l@x.io", Level::Member, &["logs:write"]);
        let r = app.get(&base, &logs_only).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "API key missing required scope 'integration:read'");
        let (_, other_key, _, other) = app.other_org("o@x.io");
        app.get(&format!("/api/projects/{other}/integrations/{id}/"), &other_key).await.assert_error(404, "invalid_request", "not_found");
        // Deleting an integration still in use works; its destinations stay (and fail visibly).
        let alerts = alerts_path(app.project());
        let a = app.post(&alerts, &app.key, json!({"filters": api_filters()})).await.ok(201)["id"].clone();
        let a = a.as_str().unwrap_or_default();
        let dest = json!({"type": "slack", "slack_workspace_id": id, "slack_channel_id": "C1"});
        app.post(&format!("{alerts}{a}/destinations/"), &app.key, dest).await.ok(201);
        assert_eq!(app.delete(&format!("{base}{id}/"), &app.key).await.status, 204);
        app.get(&format!("{base}{id}/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
        let got = app.get(&format!("{alerts}{a}/"), &app.key).await;
        assert_eq!(got.ok(200)["destination_types"], json!(["slack"]));
    }

    async fn destinations_are_created_and_deleted_per_group(app) {
        let base = alerts_path(app.project());
        let a = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let one = format!("{base}{}/", a["id"].as_str().unwrap_or_default());
        let dests = format!("{one}destinations/");
        let integ = app.post(&format!("/api/projects/{}/integrations/", app.project()), &app.key,
            json!({"kind": "slack", "sensitive_config": {"access_token": "xoxb-1"}})).await.ok(201)["id"].clone();
        // Bad requests change nothing.
        let bad = [
            (json!({"type": "slack", "slack_channel_id": "C1"}), "slack_workspace_id", "required"),
            (json!({"type": "slack", "slack_workspace_id": integ, "slack_channel_id": " "}), "slack_channel_id", "required"),
            (json!({"type": "slack", "slack_workspace_id": 999_999, "slack_channel_id": "C1"}), "slack_workspace_id", "invalid"),
            (json!({"type": "webhook"}), "webhook_url", "required"),
            (json!({"type": "webhook", "webhook_url": "http://hooks.example.com/x"}), "webhook_url", "invalid"),
            (json!({"type": "webhook", "webhook_url": "not a url"}), "webhook_url", "invalid"),
            (json!({"type": "pigeon"}), "type", "invalid_choice"),
        ];
        for (body, attr, code) in bad {
            let r = app.post(&dests, &app.key, body.clone()).await;
            r.assert_error(400, "validation_error", code);
            assert_eq!(r.body["attr"], attr, "{body}");
        }
        let r = app.post(&dests, &app.key, json!({"type": "webhook", "webhook_url": "http://h.example.com/x"})).await;
        assert_eq!(r.body["detail"], "Webhook URL must use https.");
        assert_eq!(app.get(&one, &app.key).await.ok(200)["destinations"], json!([]));

        let slack = app.post(&dests, &app.key, json!({"type": "slack", "slack_workspace_id": integ, "slack_channel_id": "C1", "slack_channel_name": "alerts"})).await.ok(201).clone();
        assert_eq!(ids(&slack).len(), 4, "firing, resolved, broken, errored");
        assert!(slack.get("signing_secret").is_none());
        let hook = app.post(&dests, &app.key, json!({"type": "webhook", "webhook_url": "https://hooks.example.com:8443/secret/path?t=1"})).await.ok(201).clone();
        assert_eq!(ids(&hook).len(), 4);
        let secret = hook["signing_secret"].as_str().unwrap_or_default();
        assert!(secret.starts_with("whsec_") && secret.len() > 20, "{secret}");

        let got = app.get(&one, &app.key).await.ok(200).clone();
        assert_eq!(got["destination_types"], json!(["slack", "webhook"]));
        let groups = got["destinations"].as_array().cloned().unwrap_or_default();
        assert_eq!(groups.len(), 2);
        assert_eq!((&groups[0]["type"], &groups[0]["slack_workspace_id"], &groups[0]["slack_channel_id"]), (&json!("slack"), &integ, &json!("C1")));
        assert_eq!(groups[0]["slack_channel_name"], "alerts");
        let mut want = ids(&slack);
        want.sort();
        let mut have = ids(&groups[0]);
        have.sort();
        assert_eq!(have, want);
        assert_eq!((&groups[1]["type"], &groups[1]["webhook_url"]), (&json!("webhook"), &json!("https://hooks.example.com:8443")));
        assert!(!got.to_string().contains("secret/path") && !got.to_string().contains(secret), "{got}");
        let list = app.get(&base, &app.key).await.ok(200).clone();
        assert_eq!(list["results"][0]["destination_types"], json!(["slack", "webhook"]));

        // Ids of another alert (or unknown ones) → nothing is deleted.
        let b = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let b_dests = format!("{base}{}/destinations/", b["id"].as_str().unwrap_or_default());
        let b_hook = app.post(&b_dests, &app.key, json!({"type": "webhook", "webhook_url": "https://b.example.com/"})).await.ok(201).clone();
        let mut mixed = ids(&slack);
        mixed.push(ids(&b_hook)[0].clone());
        let r = app.post(&format!("{dests}delete/"), &app.key, json!({"hog_function_ids": mixed})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!(r.body["detail"], "One or more HogFunctions do not belong to this alert.");
        let r = app.post(&format!("{dests}delete/"), &app.key, json!({"hog_function_ids": [uuid::Uuid::new_v4()]})).await;
        assert_eq!(r.status, 400);
        app.post(&format!("{dests}delete/"), &app.key, json!({"hog_function_ids": []})).await.assert_error(400, "validation_error", "empty");
        assert_eq!(app.get(&one, &app.key).await.ok(200)["destination_types"], json!(["slack", "webhook"]));

        assert_eq!(app.post(&format!("{dests}delete/"), &app.key, json!({"hog_function_ids": ids(&slack)})).await.status, 204);
        let got = app.get(&one, &app.key).await.ok(200).clone();
        assert_eq!(got["destination_types"], json!(["webhook"]));
        assert_eq!(got["destinations"].as_array().map(Vec::len), Some(1));
        // Deleted ids cannot be deleted again.
        assert_eq!(app.post(&format!("{dests}delete/"), &app.key, json!({"hog_function_ids": ids(&slack)})).await.status, 400);

        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/?limit=100", app.project()), &app.key).await;
        let rows = activity_of(log.ok(200), "LogsAlertConfiguration");
        let dest_changes = rows.iter().filter(|r| r["item_id"] == a["id"] && r["activity"] == "updated").count();
        assert_eq!(dest_changes, 3, "two creations and one deletion");
        assert!(!log.text.contains(secret) && !log.text.contains("secret/path"));
    }
}
