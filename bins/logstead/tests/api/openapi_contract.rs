//! What the schemathesis contract test (`scripts/contract-test.sh`) found, pinned here so it
//! stays fixed without a fuzzer.

use serde_json::json;

use crate::common;

crate::dual! {
    async fn a_rule_at_the_highest_priority_does_not_break_appending(app) {
        let top = json!({"name": "top", "rule_type": "path_drop", "config": {}, "priority": i64::MAX});
        app.post("/api/projects/1/logs/sampling_rules/", &app.key, top).await.ok(201);
        // Appending used max + 1 and overflowed (a 500); it saturates now.
        let next = json!({"name": "next", "rule_type": "path_drop", "config": {}});
        let r = app.post("/api/projects/1/logs/sampling_rules/", &app.key, next).await;
        assert_eq!(r.ok(201)["priority"], i64::MAX);
    }

    async fn integral_numbers_are_taken_where_integers_are_expected(app) {
        let alert = json!({"name": "x", "filters": {"severityLevels": ["error"]},
            "threshold_count": 10.0, "window_minutes": 5.0});
        let r = app.post("/api/projects/1/logs/alerts/", &app.key, alert).await;
        assert_eq!((r.ok(201)["threshold_count"].clone(), r.body["window_minutes"].clone()), (json!(10), json!(5)));
        let query = json!({"query": {"dateRange": {"date_from": "-1h"}, "limit": 5.0}});
        app.post("/api/projects/1/logs/query/", &app.key, query).await.ok(200);
        let r = app.post("/api/projects/1/logs/alerts/", &app.key, json!({"threshold_count": 1.5})).await;
        assert_eq!(r.ok(400)["detail"], "A valid integer is required.");
    }

    async fn a_date_range_must_be_a_dictionary(app) {
        // serde reads a struct from a list; the range `[from, to]` was taken as the dates.
        let query = json!({"query": {"dateRange": ["-1h", null]}});
        let r = app.post("/api/projects/1/logs/count/", &app.key, query).await;
        assert_eq!(r.ok(400)["detail"], "Expected a dictionary of items but got type \"list\".");
        assert_eq!(r.body["attr"], "dateRange");
    }

    async fn otlp_integral_float_timestamps_are_accepted(app) {
        let body = json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
            {"timeUnixNano": 1.7e18, "severityNumber": 9.0, "body": {"stringValue": "float time"}}
        ]}]}]});
        let req = actix_web::test::TestRequest::post()
            .uri("/i/v1/logs")
            .insert_header(("authorization", format!("Bearer {}", app.boot.project.api_token)))
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_string());
        let r = app.raw(req).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }

    async fn an_email_is_measured_in_characters(app) {
        // 202 characters, 392 bytes: the limit (254) counts characters, as Django does.
        let email = format!("{}@example.com", "é".repeat(190));
        let member = json!({"email": email, "password": "a-long-password"});
        let r = app.post(&format!("/api/organizations/{}/members/", app.boot.organization.id.0), &app.key, member).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
}
