//! Activity log list latency at scale, on SQLite and PostgreSQL.
//!
//! Generates `LOGSTEAD_BENCH_ROWS` (default 1,000,000) entries for one project, plus 5%
//! more spread over four other projects and 1% organization-level rows, inserted through
//! `ActivityRepo::insert` in transactions of 10,000; then times the first page (100 rows)
//! in cursor and page mode for a few filters, median of 5 runs.
//!
//! ```text
//! cargo bench -p store-sql --bench activity                         # 1M rows
//! LOGSTEAD_BENCH_ROWS=100000 cargo bench -p store-sql --bench activity
//! ```
//!
//! PostgreSQL comes from `LOGSTEAD_TEST_POSTGRES_URL` like the tests; the table gets a
//! VACUUM ANALYZE after loading (what autovacuum does after a bulk insert). SQLite is left
//! as the server leaves it (no ANALYZE).

use std::time::{Duration, Instant};

use activity_log::{ActivityEntry, ActivityFilter, ActivityRepo, Base, Order};
use diesel::RunQueryDsl;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use store_sql::testing::TestDb;
use store_sql::{Backend, SqlStore};
use time::OffsetDateTime;
use uuid::Uuid;

const TEAM: i64 = 1;
const OTHER_TEAMS: [i64; 4] = [2, 3, 4, 5];
const USERS: usize = 40;
const TX_ROWS: usize = 10_000;
const PAGE: u32 = 100;
const RUNS: usize = 5;
const DAYS: i64 = 365;
/// Present in the detail of about 1% of rows, for the search case.
const NEEDLE: &str = "Quarterly-Needle";

const SCOPES: &[(&str, u32)] = &[
    ("Insight", 30),
    ("Dashboard", 18),
    ("FeatureFlag", 15),
    ("Person", 10),
    ("Cohort", 6),
    ("Experiment", 5),
    ("Notebook", 5),
    ("Annotation", 4),
    ("Project", 3),
    ("PersonalAPIKey", 2),
    ("User", 2),
];
const ACTIVITIES: &[(&str, u32)] =
    &[("updated", 60), ("created", 20), ("deleted", 8), ("exported", 5), ("shared", 4), ("restored", 3)];
#[rustfmt::skip]
const WORDS: &[&str] = &[
    "revenue", "signups", "retention", "funnel", "weekly", "active", "users", "checkout", "mobile", "churn",
    "pricing", "onboarding", "trial", "growth", "errors", "latency", "billing", "search", "export", "beta",
];
const FIELDS: &[&str] = &["name", "description", "filters", "tags", "deleted", "query", "rollout_percentage"];

fn pick<'a>(rng: &mut StdRng, weighted: &[(&'a str, u32)]) -> &'a str {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut n = rng.random_range(0..total);
    for (v, w) in weighted {
        if n < *w {
            return v;
        }
        n -= w;
    }
    weighted[0].0
}

fn words(rng: &mut StdRng, n: usize) -> String {
    (0..n).map(|_| WORDS[rng.random_range(0..WORDS.len())]).collect::<Vec<_>>().join(" ")
}

struct Data {
    org: Uuid,
    /// Newest `created_at` (µs); entries go back `DAYS` days from there.
    end_us: i64,
    users: Vec<i64>,
}

fn entry(rng: &mut StdRng, d: &Data, team: Option<i64>, created_us: i64) -> ActivityEntry {
    let scope = pick(rng, SCOPES);
    let activity = pick(rng, ACTIVITIES);
    let system = rng.random_bool(0.08);
    let name = if rng.random_bool(0.01) {
        format!("{} {NEEDLE} {}", words(rng, 1), words(rng, 1))
    } else {
        let n = rng.random_range(2..5);
        words(rng, n)
    };
    let changes: Vec<_> = (0..rng.random_range(0..4))
        .map(|_| {
            json!({
                "type": scope,
                "action": "changed",
                "field": FIELDS[rng.random_range(0..FIELDS.len())],
                "before": words(rng, 2),
                "after": words(rng, 2),
            })
        })
        .collect();
    let short_id: String = (0..8).map(|_| char::from(b'a' + rng.random_range(0..26u8))).collect();
    ActivityEntry {
        id: Uuid::now_v7(),
        organization_id: Some(d.org),
        team_id: team,
        user_id: if system { None } else { Some(d.users[rng.random_range(0..d.users.len())]) },
        scope: scope.to_string(),
        activity: activity.to_string(),
        item_id: Some(rng.random_range(1..50_000).to_string()),
        detail: Some(json!({"name": name, "short_id": short_id, "type": "default", "changes": changes})),
        client: Some(
            if system {
                "system"
            } else if rng.random_bool(0.2) {
                "api_key"
            } else {
                "web"
            }
            .to_string(),
        ),
        is_system: system,
        was_impersonated: !system && rng.random_bool(0.01),
        created_at: OffsetDateTime::from_unix_timestamp_nanos(i128::from(created_us) * 1000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    }
}

fn users(db: &TestDb) -> Vec<i64> {
    let s = SqlStore::new(db.pool.clone());
    (0..USERS)
        .map(|i| {
            orgs::UserRepo::create_user(
                &s,
                orgs::NewUser {
                    uuid: Uuid::new_v4(),
                    email: format!("user{i}@example.com"),
                    first_name: format!("User{i}"),
                    last_name: "Bench".into(),
                    password_hash: "x".into(),
                    created_at: OffsetDateTime::now_utc(),
                },
            )
            .map(|u| u.id.0)
            .unwrap_or_else(|e| panic!("create user: {e}"))
        })
        .collect()
}

/// Inserts `rows` project rows plus the other projects' and org-level rows, in time
/// order; returns (rows inserted, time spent inserting).
fn load(s: &SqlStore, d: &Data, rows: usize) -> (usize, Duration) {
    let mut rng = StdRng::seed_from_u64(42);
    let extra = rows / 20 + rows / 100;
    let total = rows + extra;
    let span_us = DAYS * 86_400 * 1_000_000;
    let start_us = d.end_us - span_us;
    let mut inserting = Duration::ZERO;
    let mut batch = Vec::with_capacity(TX_ROWS);
    for i in 0..total {
        let created =
            start_us + (span_us as i128 * i as i128 / total as i128) as i64 + rng.random_range(0..1000);
        let team = match rng.random_range(0..total) {
            n if n < rows => Some(TEAM),
            n if n < rows + rows / 100 => None,
            _ => Some(OTHER_TEAMS[rng.random_range(0..OTHER_TEAMS.len())]),
        };
        batch.push(entry(&mut rng, d, team, created));
        if batch.len() == TX_ROWS || i + 1 == total {
            let t = Instant::now();
            s.insert(&batch).unwrap_or_else(|e| panic!("insert: {e}"));
            inserting += t.elapsed();
            batch.clear();
        }
    }
    (total, inserting)
}

fn median_ms(mut f: impl FnMut() -> usize) -> (f64, usize) {
    let mut times = Vec::with_capacity(RUNS);
    let mut n = 0;
    for _ in 0..RUNS {
        let t = Instant::now();
        n = f();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[RUNS / 2], n)
}

fn bench(backend: Backend, rows: usize) {
    let db = TestDb::new(backend);
    let s = SqlStore::new(db.pool.clone());
    let end_us = OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1000;
    let d = Data { org: Uuid::new_v4(), end_us, users: users(&db) };
    let (total, took) = load(&s, &d, rows);
    if backend == Backend::Postgres {
        let mut conn = db.pool.get().unwrap_or_else(|e| panic!("connection: {e}"));
        diesel::sql_query("VACUUM ANALYZE activity_log")
            .execute(&mut *conn)
            .unwrap_or_else(|e| panic!("analyze: {e}"));
    }
    println!();
    println!("== {} — {} rows ({} in the project) ==", backend.name(), total, rows);
    println!(
        "insert: {:.1} s, {:.0} rows/s (transactions of {TX_ROWS})",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64()
    );

    let day = 86_400 * 1_000_000i64;
    let at = |us: i64| OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).ok();
    let team = Base::Team { team_id: TEAM, organization_id: d.org, include_org_level: false };
    let team_org = Base::Team { team_id: TEAM, organization_id: d.org, include_org_level: true };
    let cases: Vec<(&str, &Base, ActivityFilter)> = vec![
        (
            "scope=Insight, 30-day range",
            &team,
            ActivityFilter {
                scopes: vec!["Insight".into()],
                start_date: at(end_us - 60 * day),
                end_date: at(end_us - 30 * day),
                ..Default::default()
            },
        ),
        (
            "search_text (~1% of rows)",
            &team,
            ActivityFilter { search_text: Some(NEEDLE.to_lowercase()), ..Default::default() },
        ),
        ("no filter", &team, ActivityFilter::default()),
        ("no filter, + org-level rows", &team_org, ActivityFilter::default()),
    ];
    println!("{:<30} {:>12} {:>12} {:>10}", "first page of 100", "cursor ms", "page ms", "count");
    for (name, base, filter) in &cases {
        let (cursor_ms, _) = median_ms(|| {
            s.after(base, filter, Order::NewestFirst, None, PAGE)
                .unwrap_or_else(|e| panic!("after: {e}"))
                .len()
        });
        let mut count = 0;
        let (page_ms, _) = median_ms(|| {
            let (rows, c) =
                s.page(base, filter, Order::NewestFirst, 1, PAGE).unwrap_or_else(|e| panic!("page: {e}"));
            count = c;
            rows.len()
        });
        println!("{name:<30} {cursor_ms:>12.1} {page_ms:>12.1} {count:>10}");
    }
    let (ms, _) =
        median_ms(|| s.static_values(&team).map(|v| v.scopes.len()).unwrap_or_else(|e| panic!("{e}")));
    println!("static_values (project): {ms:.1} ms");
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let rows: usize = std::env::var("LOGSTEAD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        bench(backend, rows);
    }
}
