//! A 100,000-entry export completes, downloads and parses with the right row count, and the
//! live heap grows by far less than the file while it runs: rows stream from the database
//! to the file in batches. One test in its own binary, so no other test disturbs the count.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A counting allocator needs `unsafe impl GlobalAlloc`; it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

use std::sync::Arc;

use activity_log::ActivityEntry;
use logstead::state::{AppState, ServerSettings, SystemClock};
use serde_json::json;
use store_sql::Backend;
use store_sql::testing::TestDb;
use uuid::Uuid;

const ROWS: usize = 100_000;

async fn export_100k(backend: Backend, format: &str) {
    let db = TestDb::new(backend);
    let data_dir = std::env::temp_dir().join(format!("logstead-export-{}", Uuid::new_v4()));
    let settings = ServerSettings {
        jwt_secret: b"secret-secret-secret-secret-secret-xx".to_vec(),
        session_ttl_secs: 3600,
        max_body_bytes: 1 << 20,
        data_dir: data_dir.clone(),
        max_ingest_bytes: 1 << 20,
        site_url: "http://logstead.test".into(),
        alerts: logstead::config::AlertSettings::default(),
    };
    let (logs, _) = log_store::EmbeddedStore::open(&data_dir.join("logs")).unwrap();
    let state = AppState::new(db.pool.clone(), Arc::new(logs), settings, Arc::new(SystemClock));
    let boot = orgs::service::bootstrap(&*state.repos, state.now()).unwrap().unwrap();
    let (org, team) = (boot.organization.id.0, boot.project.id.0);
    let start = state.now();
    for chunk in 0..ROWS / 10_000 {
        let batch: Vec<ActivityEntry> = (0..10_000)
            .map(|i| ActivityEntry {
                id: Uuid::now_v7(),
                organization_id: Some(org),
                team_id: Some(team),
                user_id: Some(boot.user.id.0),
                scope: "Project".into(),
                activity: "updated".into(),
                item_id: Some(format!("{}", chunk * 10_000 + i)),
                detail: Some(json!({"name": format!("project, \"n\" {i}"), "changes": [{"type": "Project", "action": "changed", "field": "name", "before": "a", "after": "b"}]})),
                client: Some("api_key".into()),
                is_system: false,
                was_impersonated: false,
                created_at: start + time::Duration::microseconds((chunk * 10_000 + i) as i64),
            })
            .collect();
        state.activity.insert(&batch).unwrap();
    }
    let app = actix_web::test::init_service(logstead::app::build(state.clone())).await;
    let auth = ("authorization", format!("Bearer {}", boot.personal_api_key));
    let req = actix_web::test::TestRequest::post()
        .uri(&format!("/api/projects/{team}/advanced_activity_logs/export/"))
        .insert_header(auth.clone())
        .set_json(json!({"format": format, "filters": {"scopes": ["Project"], "activities": ["updated"]}}))
        .to_request();
    let accepted: serde_json::Value = actix_web::test::call_and_read_body_json(&app, req).await;
    let id = accepted["id"].as_i64().unwrap();

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    assert_eq!(logstead::worker::run_pending_exports(&state).unwrap(), 1);
    let growth_kb = (PEAK.load(Ordering::Relaxed).saturating_sub(before) / 1024) as u64;

    let req = actix_web::test::TestRequest::get()
        .uri(&format!("/api/projects/{team}/exports/{id}/content/"))
        .insert_header(auth)
        .to_request();
    let body = actix_web::test::call_and_read_body(&app, req).await;
    let rows = match format {
        "csv" => csv_records(&body),
        _ => serde_json::from_slice::<Vec<serde_json::Value>>(&body).unwrap().len(),
    };
    assert_eq!(rows, ROWS, "{backend:?} {format}");
    let file_kb = body.len() as u64 / 1024;
    println!(
        "{backend:?} {format}: {ROWS} rows, file {file_kb} KiB, peak live-heap growth during export {growth_kb} KiB"
    );
    assert!(growth_kb < file_kb / 8, "export heap grew {growth_kb} KiB for a {file_kb} KiB file");
    let _ = std::fs::remove_dir_all(data_dir);
}

/// Counts CSV records (RFC 4180: newlines inside quotes do not end a record), minus the header.
fn csv_records(bytes: &[u8]) -> usize {
    let (mut records, mut quoted) = (0, false);
    for &b in bytes {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => records += 1,
            _ => {}
        }
    }
    records - 1
}

#[actix_web::test]
async fn export_of_100k_entries_streams_on_sqlite_and_postgres() {
    export_100k(Backend::Sqlite, "csv").await;
    export_100k(Backend::Postgres, "json").await;
}
