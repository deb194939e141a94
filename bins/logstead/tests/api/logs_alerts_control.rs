//! Log alerts API: control-plane transitions, their events, reset and the events list.

use alerts_engine::repo::{CheckWrite, Destination, DestinationType, NewDelivery, NewEvent, NotifyKind};
use alerts_engine::state::{AlertEvent, AlertState, EventKind};
use serde_json::{Value, json};
use time::Duration;
use uuid::Uuid;

use crate::common;
use crate::logs_alerts::{activity_of, alerts_path, api_filters};

fn kinds(events: &Value) -> Vec<String> {
    let rows = events["results"].as_array().cloned().unwrap_or_default();
    rows.iter().map(|e| e["kind"].as_str().unwrap_or_default().to_string()).collect()
}

fn future(hours: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + Duration::hours(hours);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

crate::dual! {
    async fn patches_write_control_plane_events_with_precedence(app) {
        let base = alerts_path(app.project());
        let a = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let one = format!("{base}{}/", a["id"].as_str().unwrap_or_default());
        let steps = [
            (json!({"enabled": false}), "disable", "not_firing"),
            (json!({"enabled": true}), "enable", "not_firing"),
            (json!({"snooze_until": future(2)}), "snooze", "snoozed"),
            (json!({"threshold_count": 7}), "threshold_change", "snoozed"),
            (json!({"snooze_until": null}), "unsnooze", "not_firing"),
            (json!({"threshold_operator": "below"}), "threshold_change", "not_firing"),
            // Only the first transition that applies: disable beats snooze beats threshold.
            (json!({"enabled": false, "snooze_until": future(1), "threshold_count": 1}), "disable", "not_firing"),
            (json!({"enabled": true, "filters": {"serviceNames": ["web"]}}), "enable", "not_firing"),
            (json!({"snooze_until": future(3), "datapoints_to_alarm": 1, "evaluation_periods": 2}), "snooze", "snoozed"),
        ];
        let mut expected: Vec<String> = Vec::new();
        for (body, kind, state) in &steps {
            let r = app.patch(&one, &app.key, body.clone()).await.ok(200).clone();
            assert_eq!(r["state"], *state, "after {body}");
            expected.insert(0, kind.to_string());
            let events = app.get(&format!("{one}events/"), &app.key).await.ok(200).clone();
            assert_eq!(kinds(&events), expected, "after {body}");
            let newest = &events["results"][0];
            assert_eq!((&newest["threshold_breached"], &newest["result_count"]), (&json!(false), &Value::Null));
            assert_eq!(newest["state_after"], *state);
            assert_eq!(newest["notifications"], json!([]));
        }
        // A window change re-checks at once but writes no event; a rename neither.
        let r = app.patch(&one, &app.key, json!({"window_minutes": 10, "name": "w"})).await.ok(200).clone();
        assert_eq!((&r["next_check_at"], &r["state"]), (&Value::Null, &json!("snoozed")));
        let events = app.get(&format!("{one}events/?limit=100"), &app.key).await.ok(200).clone();
        assert_eq!(events["count"], steps.len());
        // ?kind= narrows; unknown kinds are refused.
        let snoozes = app.get(&format!("{one}events/?kind=snooze"), &app.key).await.ok(200).clone();
        assert_eq!((kinds(&snoozes), &snoozes["count"]), (vec!["snooze".to_string(); 2], &json!(2)));
        let r = app.get(&format!("{one}events/?kind=bogus"), &app.key).await;
        r.assert_error(400, "validation_error", "invalid_choice");
        assert_eq!(r.body["attr"], "kind");
        assert_eq!(r.body["detail"], "Must be one of [check, reset, enable, disable, snooze, unsnooze, threshold_change, broken_config].");
        let page = app.get(&format!("{one}events/?limit=2&offset=2"), &app.key).await.ok(200).clone();
        assert_eq!((kinds(&page), page["next"].is_string()), (expected[2..4].to_vec(), true));
        // The timeline shows the disabled stretch.
        let got = app.get(&one, &app.key).await.ok(200).clone();
        let tl = got["state_timeline"].as_array().cloned().unwrap_or_default();
        assert!(tl.iter().any(|i| i["enabled"] == false), "{tl:?}");
        assert_eq!((&tl[tl.len() - 1]["state"], &tl[tl.len() - 1]["enabled"]), (&json!("snoozed"), &json!(true)));
        // Every edit is in the activity log with what changed.
        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/?limit=100", app.project()), &app.key).await;
        let rows = activity_of(log.ok(200), "LogsAlertConfiguration");
        assert_eq!(rows.len(), steps.len() + 2, "create + each PATCH");
        let change = rows.iter().flat_map(|r| r["detail"]["changes"].as_array().cloned().unwrap_or_default())
            .find(|c| c["field"] == "threshold_operator");
        assert_eq!(change.map(|c| (c["before"].clone(), c["after"].clone())), Some((json!("above"), json!("below"))));
    }

    async fn reset_only_for_broken_alerts(app) {
        let base = alerts_path(app.project());
        let a = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let id: Uuid = a["id"].as_str().unwrap_or_default().parse().unwrap_or_default();
        let one = format!("{base}{id}/");
        let r = app.post(&format!("{one}reset/"), &app.key, json!({})).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!((r.body["attr"].as_str(), r.body["detail"].as_str()), (Some("state"), Some("Only broken alerts can be reset.")));
        // Break it the way the scheduler would.
        let repo = &app.state.alerts;
        let mut stored = repo.alert(app.project(), id).ok().flatten().unwrap_or_else(|| panic!("stored"));
        stored.state = AlertState::Broken;
        stored.consecutive_failures = 5;
        stored.last_error_message = Some("Query is too expensive.".into());
        stored.next_check_at = Some(app.state.now());
        assert!(repo.update_alert(&stored, None, &[]).is_ok());
        assert_eq!(app.get(&one, &app.key).await.ok(200)["state"], "broken");
        let r = app.post(&format!("{one}reset/"), &app.key, json!({})).await.ok(200).clone();
        assert_eq!((&r["state"], &r["consecutive_failures"], &r["next_check_at"]), (&json!("not_firing"), &json!(0), &Value::Null));
        let events = app.get(&format!("{one}events/"), &app.key).await.ok(200).clone();
        let e = &events["results"][0];
        assert_eq!((&e["kind"], &e["state_before"], &e["state_after"]), (&json!("reset"), &json!("broken"), &json!("not_firing")));
        // Reset again: no longer broken.
        app.post(&format!("{one}reset/"), &app.key, json!({})).await.assert_error(400, "validation_error", "invalid_input");
        let log = app.get(&format!("/api/projects/{}/advanced_activity_logs/", app.project()), &app.key).await;
        let rows = activity_of(log.ok(200), "LogsAlertConfiguration");
        let change = rows[0]["detail"]["changes"].as_array().cloned().unwrap_or_default();
        assert!(change.iter().any(|c| c["field"] == "state" && c["before"] == "broken" && c["after"] == "not_firing"), "{change:?}");
    }

    async fn events_carry_inputs_and_notification_status(app) {
        let base = alerts_path(app.project());
        let a = app.post(&base, &app.key, json!({"filters": api_filters()})).await.ok(201).clone();
        let id: Uuid = a["id"].as_str().unwrap_or_default().parse().unwrap_or_default();
        let r = app.post(&format!("{base}{id}/destinations/"), &app.key, json!({"type": "webhook", "webhook_url": "https://hooks.example.com/x"})).await;
        let firing = r.ok(201)["hog_function_ids"][0].as_str().unwrap_or_default().parse::<Uuid>().unwrap_or_default();
        let repo = &app.state.alerts;
        let dest: Destination = repo.destination(firing).ok().flatten().unwrap_or_else(|| panic!("destination"));
        assert_eq!((dest.kind, dest.dtype), (NotifyKind::Firing, DestinationType::Webhook));
        // A firing check as the scheduler records it.
        let now = app.state.now();
        let stored = repo.alert(app.project(), id).ok().flatten().unwrap_or_else(|| panic!("stored"));
        let event_id = Uuid::now_v7();
        let write = CheckWrite {
            alert_id: id,
            version: stored.version,
            state: AlertState::Firing,
            consecutive_failures: 0,
            last_error_message: None,
            last_notified_at: Some(now),
            last_checked_at: now,
            next_check_at: now + Duration::minutes(5),
            event: Some(NewEvent {
                id: event_id,
                created_at: now,
                event: AlertEvent { kind: EventKind::Check, state_before: AlertState::NotFiring, state_after: AlertState::Firing, result_count: Some(150), threshold_breached: true, error_message: None },
                query_duration_ms: Some(3),
                inputs: Some(json!({"threshold_count": 100, "counts": [150]})),
            }),
            deliveries: vec![NewDelivery { id: Uuid::now_v7(), destination_id: firing, payload: json!({"type": "logs_alert.firing"}), created_at: now }],
        };
        let claimed = repo.claim_due_alerts(now, now + Duration::minutes(1), 10).unwrap_or_default();
        assert_eq!(claimed.len(), 1, "a new alert is due at once");
        assert_eq!(repo.record_check(&write).ok(), Some(true));
        let events = app.get(&format!("{base}{id}/events/?kind=check"), &app.key).await.ok(200).clone();
        let e = &events["results"][0];
        assert_eq!((&e["id"], &e["alert_id"]), (&json!(event_id), &json!(id)));
        assert_eq!((&e["result_count"], &e["threshold_breached"], &e["query_duration_ms"]), (&json!(150), &json!(true), &json!(3)));
        assert_eq!(e["inputs"]["counts"], json!([150]));
        let n = &e["notifications"][0];
        assert_eq!((&n["destination_id"], &n["type"], &n["kind"]), (&json!(firing), &json!("webhook"), &json!("firing")));
        assert_eq!((&n["status"], &n["attempts"], &n["delivered_at"]), (&json!("pending"), &json!(0), &Value::Null));
        assert!(n["next_attempt_at"].is_string());
        let got = app.get(&format!("{base}{id}/"), &app.key).await.ok(200).clone();
        assert_eq!((&got["state"], &got["last_notified_at"].is_string()), (&json!("firing"), &true));
        let tl = got["state_timeline"].as_array().cloned().unwrap_or_default();
        assert_eq!(tl.iter().map(|i| i["state"].clone()).collect::<Vec<_>>(), [json!("not_firing"), json!("firing")]);
    }
}
