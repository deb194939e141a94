//! `/metrics`: each operator metric moves when its event happens: ingestion (records, bytes,
//! refusals by reason, sampled records, replaced timestamps), the log store (WAL syncs, head,
//! seal backlog, seals, segments, compactions), logs query latency by kind and export jobs.
//! Alert checks and deliveries are in `tests/alerts_metrics.rs` (the scheduler's harness).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::TestRequest;
use log_store::{EmbeddedStore, StoreOptions};
use logs_query::StoreError;
use logs_query::mem_store::MemStore;
use logs_query::testsuite::wrapped::Wrapped;
use serde_json::{Value, json};

use crate::common::{self, Backend, TestApp};
use crate::sampling_rules::{healthz_rule, rules_path};

/// A sample's value in the text exposition, summed over the series whose labels include
/// `labels`; 0 when there is none.
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (n, rest) = series.split_once('{').unwrap_or((series, ""));
            let matches = n == name && labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
            matches.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

pub async fn scrape<S, B>(app: &TestApp<S>) -> String
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let r = app.raw(TestRequest::get().uri("/metrics")).await;
    assert_eq!(r.status, 200);
    r.text
}

/// What a scrape before and after an event shows.
pub struct Delta {
    before: String,
    after: String,
}

impl Delta {
    pub fn of(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        sample(&self.after, name, labels) - sample(&self.before, name, labels)
    }
    pub fn now(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        sample(&self.after, name, labels)
    }
}

/// Scrapes, runs the event, scrapes again.
macro_rules! delta {
    ($app:expr, $event:expr) => {{
        let before = scrape($app).await;
        $event;
        Delta { before, after: scrape($app).await }
    }};
}

/// An OTLP/JSON request: one record per `(body, severity, time_unix_nano)`.
pub fn otlp_at(service: &str, records: &[(&str, &str, i128)]) -> Value {
    let logs: Vec<Value> = records
        .iter()
        .map(|(body, severity, ns)| {
            json!({"timeUnixNano": ns.to_string(), "severityText": severity, "body": {"stringValue": body},
                "attributes": [{"key": "http.method", "value": {"stringValue": "GET"}}]})
        })
        .collect();
    json!({"resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": service}}]},
        "scopeLogs": [{"logRecords": logs}]
    }]})
}

pub fn now_ns() -> i128 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos()
}

const DAY_NS: i128 = 86_400_000_000_000;

pub fn ingest(token: &str, body: &Value) -> TestRequest {
    TestRequest::post()
        .uri("/i/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_json(body)
}

/// A log store the test holds a handle to (to freeze, seal and compact it), watched by the
/// app's metrics as `serve` watches its store. No background thread: only the test seals.
pub struct Watched {
    pub store: Arc<EmbeddedStore>,
    dir: PathBuf,
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start_watched(
    backend: Backend,
) -> (
    TestApp<impl Service<Request, Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error>>,
    Watched,
) {
    let dir = std::env::temp_dir().join(format!("logstead-metrics-{}", uuid::Uuid::new_v4()));
    let opts = StoreOptions { background: false, ..StoreOptions::default() };
    let store = Arc::new(EmbeddedStore::open_with(&dir, opts).unwrap().0);
    let watched = Watched { store: store.clone(), dir };
    let app = common::start_with(backend, move |st| {
        assert!(st.metrics.watch_store(&store));
        st.logs = store;
    })
    .await;
    (app, watched)
}

macro_rules! both {
    ($($name:ident => $body:ident;)*) => {
        mod sqlite {
            $( #[actix_web::test] async fn $name() { super::$body(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[actix_web::test] async fn $name() { super::$body(super::Backend::Postgres).await } )*
        }
    };
}

both! {
    ingest_counts_records_bytes_and_refusals_by_reason => ingest_counts;
    sampled_records_are_counted_and_reported => sampled_records;
    replaced_timestamps_are_counted_marked_and_the_window_is_configurable => replaced_timestamps;
    store_metrics_follow_wal_syncs_seals_and_compactions => store_metrics;
    store_errors_are_counted_as_rejected_records_and_requests => store_errors;
    query_latency_is_timed_by_kind => query_latency;
    export_jobs_are_counted_by_kind_and_outcome => export_jobs;
}

async fn ingest_counts(backend: Backend) {
    let app = common::start(backend).await;
    let (token, p) = (app.boot.project.api_token.clone(), app.project().to_string());
    let project = [("project", p.as_str())];
    let body = otlp_at("api", &[("a", "info", now_ns()), ("b", "error", now_ns()), ("c", "warn", now_ns())]);
    let sent = serde_json::to_vec(&body).unwrap().len() as f64;
    let d = delta!(&app, assert_eq!(app.raw(ingest(&token, &body)).await.ok(200), &json!({})));
    assert_eq!(d.of("logstead_ingest_records_total", &project), 3.0);
    assert_eq!(d.of("logstead_ingest_received_bytes_total", &project), sent);
    // Bodies, attributes and the resource: at least "a" + "http.method" + "GET" + ... per record.
    assert!(d.of("logstead_ingest_bytes_total", &project) >= 3.0 * 20.0, "{}", d.after);

    let refused = |reason| [("project", p.clone()), ("reason", String::from(reason))];
    let of = |d: &Delta, labels: &[(&str, String); 2]| {
        d.of(
            "logstead_ingest_rejected_requests_total",
            &[(labels[0].0, &labels[0].1), (labels[1].0, &labels[1].1)],
        )
    };
    let garbage = TestRequest::post()
        .uri("/i/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_payload("this is not OTLP");
    let d = delta!(&app, assert_eq!(app.raw(garbage).await.ok(400)["code"], "parse_error"));
    assert_eq!(of(&d, &refused("decode")), 1.0);
    assert_eq!(d.of("logstead_ingest_records_total", &project), 0.0);

    let d = delta!(&app, assert_eq!(app.raw(ingest("phc_nobody", &body)).await.status, 401));
    let unknown = [("project", "none"), ("reason", "unauthorized")];
    assert_eq!(d.of("logstead_ingest_rejected_requests_total", &unknown), 1.0);

    let huge = TestRequest::post()
        .uri("/i/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .set_payload(vec![b' '; (1 << 20) + 1]);
    let d = delta!(&app, assert_eq!(app.raw(huge).await.status, 413));
    assert_eq!(of(&d, &refused("too_large")), 1.0);

    let brotli = ingest(&token, &body).insert_header(("content-encoding", "br"));
    let d = delta!(&app, {
        let r = app.raw(brotli).await;
        assert_eq!(r.ok(415)["code"], "unsupported_media_type");
        assert_eq!(r.body["error"], r.body["detail"], "ingestion errors carry `error` too");
        assert_eq!(r.headers.get("accept-encoding").unwrap(), "gzip, deflate, zstd");
    });
    assert_eq!(of(&d, &refused("unsupported_encoding")), 1.0);
}

async fn sampled_records(backend: Backend) {
    let app = common::start(backend).await;
    let (token, p) = (app.boot.project.api_token.clone(), app.project().to_string());
    app.post(&rules_path("projects", app.project()), &app.key, healthz_rule(true)).await.ok(201);
    let record = |path: &str| {
        json!({"timeUnixNano": now_ns().to_string(), "body": {"stringValue": format!("GET {path}")},
            "attributes": [{"key": "url.path", "value": {"stringValue": path}}]})
    };
    let body = json!({"resourceLogs": [{"scopeLogs": [{"logRecords": [
        record("/healthz"), record("/healthz"), record("/api/orders")]}]}]});
    let d = delta!(&app, {
        let r = app.raw(ingest(&token, &body)).await;
        let partial = &r.ok(200)["partialSuccess"];
        assert_eq!(partial["rejectedLogRecords"], "2", "{}", r.text);
        assert!(partial["errorMessage"].as_str().unwrap().contains("sampling rules"), "{}", r.text);
    });
    let sampled = [("project", p.as_str()), ("reason", "sampled")];
    assert_eq!(d.of("logstead_ingest_rejected_records_total", &sampled), 2.0);
    assert!(d.of("logstead_ingest_rejected_bytes_total", &sampled) > 0.0);
    assert_eq!(d.of("logstead_ingest_records_total", &[("project", p.as_str())]), 1.0);
}

async fn store_errors(backend: Backend) {
    // A store whose appends fail, as a full disk would make the WAL fail.
    let app = common::start_with(backend, |st| {
        let failing = Wrapped::new(MemStore::default())
            .on_append(|_, _, _| Err(StoreError::Write("No space left on device".into())));
        st.logs = Arc::new(failing);
    })
    .await;
    let (token, p) = (app.boot.project.api_token.clone(), app.project().to_string());
    let body = otlp_at("api", &[("a", "info", now_ns()), ("b", "info", now_ns())]);
    let d = delta!(&app, {
        let r = app.raw(ingest(&token, &body)).await;
        assert_eq!(r.ok(503)["detail"], "The log store could not take the request; try again.");
    });
    let store_error = [("project", p.as_str()), ("reason", "store_error")];
    assert_eq!(d.of("logstead_ingest_rejected_records_total", &store_error), 2.0);
    assert!(d.of("logstead_ingest_rejected_bytes_total", &store_error) > 0.0);
    assert_eq!(d.of("logstead_ingest_rejected_requests_total", &store_error), 1.0);
    assert_eq!(d.of("logstead_ingest_records_total", &[]), 0.0, "nothing counted as stored");

    // The same failure to a protobuf request: a google.rpc.Status, UNAVAILABLE, no internals.
    let pb = serde_json::from_value::<logs_ingest::ExportLogsServiceRequest>(body).unwrap();
    let req = TestRequest::post()
        .uri("/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", "application/x-protobuf"))
        .set_payload(prost::Message::encode_to_vec(&pb));
    let res = actix_web::test::call_service(&app.svc, req.to_request()).await;
    assert_eq!(res.status(), 503);
    let bytes = actix_web::test::read_body(res).await;
    let status = <logs_ingest::response::Status as prost::Message>::decode(bytes).unwrap();
    assert_eq!(status.code, 14);
    assert_eq!(status.message, "The log store could not take the request; try again.");
}

async fn replaced_timestamps(backend: Backend) {
    let app = common::start(backend).await;
    let (token, p) = (app.boot.project.api_token.clone(), app.project().to_string());
    let three_days_ago = now_ns() - 3 * DAY_NS;
    let body = otlp_at("batch", &[("old", "info", three_days_ago), ("ahead", "info", now_ns() + 2 * DAY_NS)]);
    let d = delta!(&app, {
        let r = app.raw(ingest(&token, &body)).await;
        let partial = &r.ok(200)["partialSuccess"];
        assert_eq!(partial["rejectedLogRecords"], "0", "a warning: both records are stored");
        let message = partial["errorMessage"].as_str().unwrap();
        assert!(message.starts_with("2 log record(s) had a timestamp more than 1 d"), "{message}");
    });
    assert_eq!(
        d.of("logstead_ingest_timestamps_replaced_total", &[("project", &p), ("direction", "past")]),
        1.0
    );
    assert_eq!(
        d.of("logstead_ingest_timestamps_replaced_total", &[("project", &p), ("direction", "future")]),
        1.0
    );
    // Stored at the receive time, the original kept in `$originalTimestamp`.
    let q = json!({"query": {"dateRange": {"date_from": "-1h"}, "searchTerm": "old"}});
    let rows = app.post(&format!("/api/projects/{}/logs/query", app.project()), &app.key, q).await;
    let row = &rows.ok(200)["results"][0];
    let original = row["attributes"]["$originalTimestamp"].as_str().unwrap_or_default();
    let expected = time::OffsetDateTime::from_unix_timestamp_nanos(three_days_ago).unwrap();
    let parsed =
        time::OffsetDateTime::parse(original, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(parsed, expected, "{row}");

    // A week-wide window (a backfill): the same record keeps its time, nothing is counted.
    let week = common::start_with(backend, |st| {
        st.ingest = logs_ingest::MapOptions { max_timestamp_skew_us: 7 * 86_400_000_000 };
    })
    .await;
    let token = week.boot.project.api_token.clone();
    let body = otlp_at("batch", &[("backfilled", "info", three_days_ago)]);
    let d = delta!(&week, assert_eq!(week.raw(ingest(&token, &body)).await.ok(200), &json!({})));
    assert_eq!(d.of("logstead_ingest_timestamps_replaced_total", &[]), 0.0);
    assert_eq!(d.of("logstead_ingest_records_total", &[]), 1.0);
    let q = json!({"query": {"dateRange": {"date_from": "-4d", "date_to": "-2d"}}});
    let rows = week.post(&format!("/api/projects/{}/logs/query", week.project()), &week.key, q).await;
    let results = rows.ok(200)["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "stored three days back: {}", rows.text);
    assert_eq!(results[0]["attributes"].get("$originalTimestamp"), None);
}

async fn store_metrics(backend: Backend) {
    let (app, watched) = start_watched(backend).await;
    let store = &watched.store;
    let token = app.boot.project.api_token.clone();
    // One fixed time, so every batch lands in the same hour (compaction merges within one).
    let at = now_ns() - 60_000_000_000;
    let batch = |n: usize| {
        let records: Vec<(&str, &str, i128)> = (0..n).map(|_| ("line", "info", at)).collect();
        otlp_at("api", &records)
    };

    let d = delta!(&app, app.raw(ingest(&token, &batch(5))).await.ok(200));
    assert_eq!(d.of("logstead_wal_fsync_duration_seconds_count", &[]), 1.0, "one request, one group sync");
    assert!(d.of("logstead_wal_fsync_duration_seconds_sum", &[]) > 0.0);
    assert_eq!(d.of("logstead_wal_syncs_total", &[]), 1.0);
    assert!(d.of("logstead_wal_written_bytes_total", &[]) > 0.0);
    assert_eq!(d.now("logstead_log_store_head_rows", &[]), 5.0);

    let d = delta!(&app, store.freeze_head());
    assert_eq!(d.now("logstead_log_store_head_rows", &[]), 0.0);
    assert_eq!(d.now("logstead_log_store_seal_backlog_rows", &[]), 5.0);
    assert_eq!(d.now("logstead_log_store_frozen_heads", &[]), 1.0);

    let d = delta!(&app, store.flush().unwrap());
    assert_eq!(d.of("logstead_log_store_seals_total", &[("outcome", "ok")]), 1.0);
    assert_eq!(d.of("logstead_log_store_seal_duration_seconds_count", &[]), 1.0);
    assert_eq!(d.now("logstead_log_store_seal_backlog_rows", &[]), 0.0);
    assert_eq!(d.now("logstead_log_store_segments", &[]), 1.0);
    assert_eq!(d.now("logstead_log_store_segment_rows", &[]), 5.0);
    let bytes = d.now("logstead_log_store_segment_bytes", &[]);
    assert_eq!(bytes, store.stats().segment_bytes as f64);
    assert!(bytes > 0.0);

    for _ in 0..2 {
        app.raw(ingest(&token, &batch(3))).await.ok(200);
        store.flush().unwrap();
    }
    let d = delta!(&app, store.compact().unwrap());
    assert_eq!(d.of("logstead_log_store_compactions_total", &[("outcome", "ok")]), 1.0);
    assert_eq!(d.of("logstead_log_store_compaction_duration_seconds_count", &[]), 1.0);
    assert_eq!(
        (d.now("logstead_log_store_segments", &[]), d.now("logstead_log_store_segment_rows", &[])),
        (1.0, 11.0)
    );
}

async fn query_latency(backend: Backend) {
    let app = common::start(backend).await;
    let token = app.boot.project.api_token.clone();
    app.raw(ingest(&token, &otlp_at("api", &[("hello", "info", now_ns())]))).await.ok(200);
    let base = format!("/api/projects/{}/logs", app.project());
    let range = json!({"query": {"dateRange": {"date_from": "-1h"}}});
    let calls: [(&str, &str, &str); 8] = [
        ("query", "POST", "/query"),
        ("count", "POST", "/count"),
        ("count_ranges", "POST", "/count-ranges"),
        ("sparkline", "POST", "/sparkline"),
        ("services", "POST", "/services"),
        ("attributes", "GET", "/attributes?attribute_type=log"),
        ("values", "GET", "/values?key=service.name&attribute_type=resource"),
        ("has_logs", "GET", "/has_logs"),
    ];
    for (kind, method, path) in calls {
        let body = (method == "POST").then(|| range.clone());
        let d = delta!(&app, app.call(method, &format!("{base}{path}"), Some(&app.key), body).await.ok(200));
        assert_eq!(d.of("logstead_logs_query_duration_seconds_count", &[("kind", kind)]), 1.0, "{kind}");
        assert_eq!(d.of("logstead_logs_query_duration_seconds_count", &[]), 1.0, "{kind}: that kind only");
    }
}

async fn export_jobs(backend: Backend) {
    let app = common::start(backend).await;
    let token = app.boot.project.api_token.clone();
    app.raw(ingest(&token, &otlp_at("api", &[("exported", "info", now_ns())]))).await.ok(200);
    let path = format!("/api/projects/{}/logs/export/", app.project());
    app.post(&path, &app.key, json!({"query": {"dateRange": {"date_from": "-1h"}}})).await.ok(201);
    let d = delta!(&app, assert_eq!(logstead::worker::run_pending_exports(&app.state).ok(), Some(1)));
    let ok = [("kind", "logs"), ("outcome", "succeeded")];
    assert_eq!(d.of("logstead_export_jobs_total", &ok), 1.0);
    assert_eq!(d.of("logstead_export_job_duration_seconds_count", &[("kind", "logs")]), 1.0);
    assert_eq!(d.of("logstead_export_jobs_total", &[("outcome", "failed")]), 0.0);
}
