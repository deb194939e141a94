//! Change requests over HTTP (spec §5.3): list filters, 405s, and approve / reject /
//! cancel on requests stored directly (the gate that makes them is tested with the gated
//! resources).

use approvals::actions::{ALERT, ALERT_DELETE, SAMPLING_RULE, SAMPLING_RULE_UPDATE};
use approvals::{ChangeRequest, State, ValidationStatus};
use logstead::state::AppState;
use orgs::Level;
use serde_json::{Value, json};
use time::Duration;
use uuid::Uuid;

use crate::common;

pub fn requests_path(prefix: &str, project: i64) -> String {
    format!("/api/{prefix}/{project}/change_requests/")
}

/// What a stored request differs in.
struct Req<'a> {
    action_key: &'a str,
    resource_type: &'a str,
    resource_id: &'a str,
    requester: i64,
    approvers: &'a [i64],
    quorum: i64,
    state: State,
}

impl Default for Req<'_> {
    fn default() -> Self {
        Self {
            action_key: SAMPLING_RULE_UPDATE,
            resource_type: SAMPLING_RULE,
            resource_id: "rule-1",
            requester: 0,
            approvers: &[],
            quorum: 1,
            state: State::Pending,
        }
    }
}

/// Stores a change request in the app's project, as the gate would have made it.
fn insert(state: &AppState, org: Uuid, team: i64, r: Req<'_>) -> String {
    let now = state.now();
    let request = ChangeRequest {
        id: Uuid::new_v4(),
        organization_id: org,
        team_id: Some(team),
        policy_id: None,
        action_key: r.action_key.into(),
        action_version: 1,
        resource_type: r.resource_type.into(),
        resource_id: Some(r.resource_id.into()),
        intent: json!({"current_state": {"enabled": true}, "gated_changes": {"enabled": false}}),
        intent_display: json!({"description": format!("Change {}", r.resource_id), "before": {}, "after": {}}),
        policy_snapshot: json!({"quorum": r.quorum, "users": r.approvers, "roles": [], "allow_self_approve": false,
            "conditions": {}, "bypass_org_membership_levels": [], "bypass_roles": []}),
        validation_status: ValidationStatus::Valid,
        validation_errors: None,
        validated_at: None,
        state: r.state,
        created_by: r.requester,
        applied_by: None,
        created_at: now,
        updated_at: now,
        expires_at: now + Duration::days(14),
        applied_at: None,
        apply_error: String::new(),
        result_data: None,
        votes: vec![],
    };
    let stored = state.approvals.create_request(&request, &[]).unwrap_or_else(|e| panic!("insert: {e}"));
    stored.id.to_string()
}

fn ids(page: &Value) -> Vec<String> {
    let rows = page["results"].as_array().cloned().unwrap_or_default();
    rows.iter().map(|r| r["id"].as_str().unwrap_or_default().to_string()).collect()
}

crate::dual! {
    async fn list_retrieve_and_filters(app) {
        let (org, team, owner) = (app.org().0, app.project(), app.boot.user.id.0);
        let (member, _) = app.member("m@x.io", Level::Member, &["approvals:read"]);
        let a = insert(&app.state, org, team, Req { requester: owner, ..Req::default() });
        let b = insert(&app.state, org, team, Req { requester: member.id.0, state: State::Applied, resource_id: "rule-2", ..Req::default() });
        let c = insert(&app.state, org, team, Req { requester: owner, state: State::Rejected, action_key: ALERT_DELETE,
            resource_type: ALERT, resource_id: "alert-1", ..Req::default() });

        let base = requests_path("environments", team);
        let all = app.get(&base, &app.key).await.ok(200).clone();
        assert_eq!((all["count"].clone(), ids(&all)), (json!(3), vec![c.clone(), b.clone(), a.clone()]), "newest first");
        let one = app.get(&format!("{base}{a}/"), &app.key).await.ok(200).clone();
        assert_eq!((&one["state"], &one["action_key"], &one["resource_id"]), (&json!("pending"), &json!(SAMPLING_RULE_UPDATE), &json!("rule-1")));
        assert_eq!((&one["created_by"]["id"], &one["approvals"], &one["apply_error"]), (&json!(owner), &json!([]), &json!("")));
        assert_eq!((&one["is_requester"], &one["can_cancel"], &one["user_decision"]), (&json!(true), &json!(true), &Value::Null));
        assert_eq!(one["intent_display"]["description"], "Change rule-1");

        let cases: Vec<(String, Vec<String>)> = vec![
            ("state=pending,applied".into(), vec![b.clone(), a.clone()]),
            ("state=rejected".into(), vec![c.clone()]),
            ("state=expired".into(), vec![]),
            (format!("action_key={ALERT_DELETE}"), vec![c.clone()]),
            (format!("action_type={ALERT_DELETE}"), vec![c.clone()]),
            (format!("requester={}", member.id.0), vec![b.clone()]),
            (format!("resource_type={SAMPLING_RULE}"), vec![b.clone(), a.clone()]),
            ("resource_id=rule-1".into(), vec![a.clone()]),
            (format!("state=pending,rejected&requester={owner}&resource_type={ALERT}"), vec![c.clone()]),
        ];
        for (query, want) in cases {
            let page = app.get(&format!("{base}?{query}"), &app.key).await.ok(200).clone();
            assert_eq!(ids(&page), want, "{query}");
        }
        let page = app.get(&format!("{base}?limit=2"), &app.key).await.ok(200).clone();
        assert_eq!((ids(&page).len(), page["count"].clone()), (2, json!(3)));
        assert!(page["next"].as_str().unwrap_or_default().contains("offset=2"));

        let r = app.get(&format!("{base}?requester=abc"), &app.key).await;
        r.assert_error(400, "validation_error", "invalid_input");
        assert_eq!((&r.body["attr"], &r.body["detail"]), (&json!("requester"), &json!("Enter a number.")));

        let projects = requests_path("projects", team);
        app.get(&format!("{projects}{}/", Uuid::new_v4()), &app.key).await.assert_error(404, "invalid_request", "not_found");
        app.get(&format!("{projects}nope/"), &app.key).await.assert_error(404, "invalid_request", "not_found");
    }

    async fn change_requests_are_read_only(app) {
        let (org, team, owner) = (app.org().0, app.project(), app.boot.user.id.0);
        let id = insert(&app.state, org, team, Req { requester: owner, ..Req::default() });
        let base = requests_path("projects", team);
        let calls = [
            ("POST", base.clone()),
            ("PUT", base.clone()),
            ("PATCH", format!("{base}{id}/")),
            ("DELETE", format!("{base}{id}/")),
            ("DELETE", format!("{}{id}", requests_path("environments", team))),
        ];
        for (method, path) in calls {
            let r = app.call(method, &path, Some(&app.key), Some(json!({"state": "applied"}))).await;
            r.assert_error(405, "invalid_request", "method_not_allowed");
            assert_eq!(r.body["detail"], format!("Method \"{method}\" not allowed."));
            assert_eq!(r.headers.get("allow").and_then(|v| v.to_str().ok()), Some("GET"), "{method} {path}");
        }
        assert_eq!(app.get(&format!("{base}{id}/"), &app.key).await.ok(200)["state"], "pending", "nothing changed");
    }

    async fn unknown_requests_are_not_found(app) {
        let base = requests_path("projects", app.project());
        for action in ["approve", "reject", "cancel"] {
            for id in [Uuid::new_v4().to_string(), "not-a-uuid".to_string()] {
                let r = app.post(&format!("{base}{id}/{action}/"), &app.key, json!({"reason": "x"})).await;
                r.assert_error(404, "invalid_request", "not_found");
            }
        }
    }

    async fn approver_checks(app) {
        let (org, team, owner) = (app.org().0, app.project(), app.boot.user.id.0);
        let (requester, requester_key) = app.member("req@x.io", Level::Member, &["approvals:write"]);
        let (_, outsider_key) = app.member("out@x.io", Level::Admin, &["approvals:write"]);
        let approvers = [owner, requester.id.0];
        let base = requests_path("projects", team);
        let pending = insert(&app.state, org, team, Req { requester: requester.id.0, approvers: &approvers, ..Req::default() });
        let applied = insert(&app.state, org, team, Req { requester: requester.id.0, approvers: &approvers, state: State::Applied, resource_id: "r2", ..Req::default() });

        let denied = [
            (&app.key, &applied, "approve", "Only pending change requests can be approved"),
            (&app.key, &applied, "reject", "Only pending change requests can be approved"),
            (&requester_key, &pending, "approve", "You cannot approve your own change request"),
            (&requester_key, &pending, "reject", "You cannot approve your own change request"),
            (&outsider_key, &pending, "approve", "You are not in the approver set for this change request"),
            (&outsider_key, &pending, "reject", "You are not in the approver set for this change request"),
            (&outsider_key, &pending, "cancel", "You cannot cancel this change request"),
            (&app.key, &pending, "cancel", "You cannot cancel this change request"),
            (&requester_key, &applied, "cancel", "You cannot cancel this change request"),
        ];
        for (key, id, action, detail) in denied {
            let r = app.post(&format!("{base}{id}/{action}/"), key, json!({"reason": "because"})).await;
            r.assert_error(403, "authentication_error", "permission_denied");
            assert_eq!(r.body["detail"], detail, "{action}");
        }
        let seen = app.get(&format!("{base}{pending}/"), &app.key).await.ok(200).clone();
        assert_eq!((&seen["can_approve"], &seen["is_requester"], &seen["can_cancel"]), (&json!(true), &json!(false), &json!(false)));
        let own = app.get(&format!("{base}{pending}/"), &requester_key).await.ok(200).clone();
        assert_eq!((&own["can_approve"], &own["is_requester"], &own["can_cancel"]), (&json!(false), &json!(true), &json!(true)));
        assert_eq!((&own["state"], &own["approvals"]), (&json!("pending"), &json!([])), "refusals change nothing");

        // A key that may only read lists, but cannot vote.
        let (_, reader) = app.member("reader@x.io", Level::Owner, &["approvals:read"]);
        assert_eq!(app.get(&base, &reader).await.ok(200)["count"], 2);
        let r = app.post(&format!("{base}{pending}/approve/"), &reader, json!({})).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "API key missing required scope 'approvals:write'");
    }

    async fn votes_reject_and_cancel(app) {
        let (org, team, owner) = (app.org().0, app.project(), app.boot.user.id.0);
        let (admin, admin_key) = app.member("adm@x.io", Level::Admin, &["approvals:write"]);
        let (requester, requester_key) = app.member("req@x.io", Level::Member, &["approvals:write"]);
        let approvers = [owner, admin.id.0];
        let base = requests_path("environments", team);
        let two = insert(&app.state, org, team, Req { requester: requester.id.0, approvers: &approvers, quorum: 2, ..Req::default() });

        // Quorum 2: the first approval is recorded, the request stays pending.
        let r = app.post(&format!("{base}{two}/approve/"), &app.key, json!({"reason": "fine"})).await.ok(200).clone();
        assert_eq!((&r["status"], &r["message"]), (&json!("approved"), &json!("Approval recorded. 1/2 approvals received.")), "{r}");
        assert!(r.get("result").is_none(), "no result before apply: {r}");
        let cr = &r["change_request"];
        assert_eq!((&cr["state"], &cr["user_decision"], &cr["can_approve"]), (&json!("pending"), &json!("approved"), &json!(true)));
        assert_eq!((&cr["approvals"][0]["decision"], &cr["approvals"][0]["reason"], &cr["approvals"][0]["created_by"]["id"]),
            (&json!("approved"), &json!("fine"), &json!(owner)));
        // One vote per user, either way.
        for (action, body) in [("approve", json!({})), ("reject", json!({"reason": "changed my mind"}))] {
            let r = app.post(&format!("{base}{two}/{action}/"), &app.key, body).await;
            assert_eq!((r.status.as_u16(), &r.body), (400, &json!({"error": "You have already voted on this change request."})), "{action}");
        }
        // Approved votes exist: the requester can no longer cancel.
        let r = app.post(&format!("{base}{two}/cancel/"), &requester_key, json!({})).await;
        assert_eq!((r.status.as_u16(), &r.body["detail"]), (403, &json!("You cannot cancel this change request")));

        // A reason is required to reject; one rejection ends the request.
        for body in [json!({}), json!({"reason": ""}), json!({"reason": null})] {
            let r = app.post(&format!("{base}{two}/reject/"), &admin_key, body.clone()).await;
            assert_eq!((r.status.as_u16(), &r.body), (400, &json!({"error": "A reason is required for rejection."})), "{body}");
        }
        let r = app.post(&format!("{base}{two}/reject/"), &admin_key, json!({"reason": "too risky"})).await.ok(200).clone();
        assert_eq!((&r["status"], &r["message"]), (&json!("rejected"), &json!("Change request rejected.")));
        assert_eq!((&r["change_request"]["state"], &r["change_request"]["user_decision"]), (&json!("rejected"), &json!("rejected")));
        assert_eq!(r["change_request"]["approvals"].as_array().map(Vec::len), Some(2));
        let late = app.post(&format!("{base}{two}/approve/"), &admin_key, json!({})).await;
        assert_eq!(late.status.as_u16(), 403, "{}", late.text);

        // Cancel: the requester's own pending request ends rejected, the reply says canceled.
        let mine = insert(&app.state, org, team, Req { requester: requester.id.0, approvers: &approvers, resource_id: "rule-9", ..Req::default() });
        let r = app.post(&format!("{base}{mine}/cancel"), &requester_key, json!({})).await.ok(200).clone();
        assert_eq!((&r["status"], &r["message"]), (&json!("canceled"), &json!("Change request canceled.")));
        let cr = &r["change_request"];
        assert_eq!((&cr["state"], &cr["can_cancel"], &cr["is_requester"]), (&json!("rejected"), &json!(false), &json!(true)));
        assert_eq!((&cr["approvals"][0]["decision"], &cr["approvals"][0]["reason"]), (&json!("rejected"), &json!("Canceled by requester")));
        let again = app.post(&format!("{base}{mine}/cancel/"), &requester_key, json!({"reason": "twice"})).await;
        assert_eq!(again.status.as_u16(), 403, "{}", again.text);
        let listed = app.get(&format!("{base}?state=rejected"), &app.key).await.ok(200).clone();
        assert_eq!(ids(&listed), vec![mine, two]);
    }

    async fn other_organizations_see_no_requests(app) {
        let (org, team, owner) = (app.org().0, app.project(), app.boot.user.id.0);
        let id = insert(&app.state, org, team, Req { requester: owner, approvers: &[owner], ..Req::default() });
        let (_, other_key, _, other_project) = app.other_org("o@x.io");
        for prefix in ["projects", "environments"] {
            let theirs = requests_path(prefix, other_project);
            assert_eq!(app.get(&theirs, &other_key).await.ok(200)["count"], 0);
            app.get(&format!("{theirs}{id}/"), &other_key).await.assert_error(404, "invalid_request", "not_found");
            for action in ["approve", "reject", "cancel"] {
                let r = app.post(&format!("{theirs}{id}/{action}/"), &other_key, json!({"reason": "x"})).await;
                r.assert_error(404, "invalid_request", "not_found");
            }
        }
        let r = app.get(&requests_path("projects", team), &other_key).await;
        r.assert_error(403, "authentication_error", "permission_denied");
        assert_eq!(r.body["detail"], "You don't have access to the project.");
        assert_eq!(app.get(&format!("{}{id}/", requests_path("projects", team)), &app.key).await.ok(200)["approvals"], json!([]));
    }
}
