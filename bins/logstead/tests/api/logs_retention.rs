//! Log retention by `retention_days`, and a deleted project's logs going with it.

use logs_query::{LogRecord, ScanRequest, Severity};
use serde_json::json;

use crate::common;

const DAY_US: i64 = 86_400 * 1_000_000;

fn record(team_id: i64, timestamp_us: i64, body: &str) -> LogRecord {
    LogRecord {
        uuid: uuid::Uuid::now_v7(),
        team_id,
        timestamp_us,
        observed_timestamp_us: timestamp_us,
        body: body.to_owned(),
        severity: Severity::Info,
        severity_number: 9,
        service_name: "api".to_owned(),
        resource_attributes: vec![("service.name".to_owned(), "api".to_owned())].into(),
        resource_fingerprint: 1,
        bytes: body.len() as u32,
        ..LogRecord::default()
    }
}

fn bodies(state: &logstead::state::AppState, team_id: i64) -> Vec<String> {
    let filter = logs_query::RowFilter::default();
    let req = ScanRequest { team_id, from_us: i64::MIN, to_us: i64::MAX, filter: &filter };
    let mut out = Vec::new();
    state
        .logs
        .scan(&req, &mut |r| {
            out.push(r.body.clone());
            true
        })
        .expect("scan");
    out.sort();
    out
}

crate::dual! {
    async fn retention_drops_rows_older_than_the_projects_retention_days(app) {
        let now = logs_query::timefmt::to_us(app.state.now());
        let (a, b) = (app.project(), app.project() + 1000);
        let path = format!("/api/projects/{a}/");
        app.patch(&path, &app.key, json!({"retention_days": 7})).await.ok(200);
        let rows = vec![
            record(a, now - 30 * DAY_US, "a-30d"),
            record(a, now - 8 * DAY_US, "a-8d"),
            record(a, now - 6 * DAY_US, "a-6d"),
            record(a, now - 60_000_000, "a-1m"),
        ];
        app.state.logs.append(a, rows).unwrap();
        // A team with no project (deleted, or never created) has no policy: untouched here.
        app.state.logs.append(b, vec![record(b, now - 30 * DAY_US, "b-30d")]).unwrap();

        let dropped = logstead::retention::enforce(&app.state).unwrap();
        assert!(dropped >= 2, "at least the two expired rows: {dropped}");
        let left = bodies(&app.state, a);
        assert!(!left.contains(&"a-30d".to_owned()) && !left.contains(&"a-8d".to_owned()), "{left:?}");
        assert!(left.contains(&"a-6d".to_owned()) && left.contains(&"a-1m".to_owned()), "{left:?}");
        assert_eq!(bodies(&app.state, b), ["b-30d"]);
        // Idempotent.
        logstead::retention::enforce(&app.state).unwrap();
        assert_eq!(bodies(&app.state, a), left);
    }

    async fn deleting_a_project_drops_its_logs(app) {
        let now = logs_query::timefmt::to_us(app.state.now());
        let created = app
            .post(&format!("/api/organizations/{}/projects/", app.org().0), &app.key, json!({"name": "Doomed"}))
            .await
            .ok(201)
            .clone();
        let doomed = created["id"].as_i64().unwrap();
        app.state.logs.append(doomed, vec![record(doomed, now, "doomed")]).unwrap();
        app.state.logs.append(app.project(), vec![record(app.project(), now, "kept")]).unwrap();
        assert!(app.state.logs.has_logs(doomed).unwrap());
        app.delete(&format!("/api/projects/{doomed}/"), &app.key).await.ok(204);
        assert!(!app.state.logs.has_logs(doomed).unwrap());
        assert_eq!(bodies(&app.state, doomed), Vec::<String>::new());
        assert_eq!(bodies(&app.state, app.project()), ["kept"]);
    }
}
