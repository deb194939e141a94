//! OTLP/HTTP ingestion details: a protobuf request gets a protobuf answer (an
//! `ExportLogsServiceResponse`, or a `google.rpc.Status` for a failure) and a JSON one JSON;
//! deflate and zstd bodies are accepted like gzip, with the same decompressed-size cap.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;

use actix_web::test::TestRequest;
use logs_ingest::ExportLogsServiceRequest;
use logs_ingest::opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use logs_ingest::opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use logs_ingest::opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use logs_ingest::opentelemetry_proto::tonic::resource::v1::Resource;
use logs_ingest::response::Status;
use prost::Message;
use serde_json::json;

use crate::common::{self, Backend};
use crate::metrics::{now_ns, otlp_at};

const PROTOBUF: &str = "application/x-protobuf";

fn text(s: &str) -> Option<AnyValue> {
    Some(AnyValue { value: Some(any_value::Value::StringValue(s.into())) })
}

fn request(service: &str, records: &[(&str, i128)]) -> ExportLogsServiceRequest {
    let log_records = records
        .iter()
        .map(|(body, ns)| LogRecord { time_unix_nano: *ns as u64, body: text(body), ..Default::default() })
        .collect();
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: Some(Resource {
                attributes: vec![KeyValue {
                    key: "service.name".into(),
                    value: text(service),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            scope_logs: vec![ScopeLogs { log_records, ..Default::default() }],
            ..Default::default()
        }],
    }
}

fn post(token: &str, content_type: &str, body: Vec<u8>) -> TestRequest {
    TestRequest::post()
        .uri("/v1/logs")
        .insert_header(("authorization", format!("Bearer {token}")))
        .insert_header(("content-type", content_type))
        .set_payload(body)
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
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
    protobuf_requests_get_protobuf_responses => protobuf_responses;
    deflate_and_zstd_bodies_are_accepted_with_the_same_cap => encodings;
}

async fn protobuf_responses(backend: Backend) {
    let app = common::start(backend).await;
    let token = app.boot.project.api_token.clone();
    let content_type = |r: &common::Resp| r.headers.get("content-type").unwrap().to_str().unwrap().to_owned();

    // Everything stored: an empty ExportLogsServiceResponse (zero bytes), as protobuf.
    let body = request("pb", &[("one", now_ns()), ("two", now_ns())]).encode_to_vec();
    let r = app.raw(post(&token, PROTOBUF, body)).await;
    assert_eq!((r.status.as_u16(), content_type(&r).as_str()), (200, PROTOBUF));
    let bytes = r.text.as_bytes();
    assert_eq!(ExportLogsServiceResponse::decode(bytes).unwrap(), ExportLogsServiceResponse::default());

    // A replaced timestamp: partial_success with a warning and nothing rejected.
    let body = request("pb", &[("old", now_ns() - 3 * 86_400_000_000_000)]).encode_to_vec();
    let res = actix_web::test::call_service(&app.svc, post(&token, PROTOBUF, body).to_request()).await;
    assert_eq!(res.status(), 200);
    let decoded = ExportLogsServiceResponse::decode(actix_web::test::read_body(res).await).unwrap();
    let partial = decoded.partial_success.expect("partial_success");
    assert_eq!(partial.rejected_log_records, 0);
    assert!(partial.error_message.contains("$originalTimestamp"), "{}", partial.error_message);

    // Failures are google.rpc.Status, with the status code and headers of the JSON answer.
    let res =
        actix_web::test::call_service(&app.svc, post("phc_nobody", PROTOBUF, vec![]).to_request()).await;
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers().get("www-authenticate").unwrap(), "Bearer");
    assert_eq!(res.headers().get("content-type").unwrap(), PROTOBUF);
    let status = Status::decode(actix_web::test::read_body(res).await).unwrap();
    assert_eq!(status.code, 16, "UNAUTHENTICATED");
    assert!(status.message.starts_with("Project API token is invalid"), "{}", status.message);

    let res =
        actix_web::test::call_service(&app.svc, post(&token, PROTOBUF, b"\xff\xff".to_vec()).to_request())
            .await;
    assert_eq!(res.status(), 400);
    let status = Status::decode(actix_web::test::read_body(res).await).unwrap();
    assert_eq!(status.code, 3, "INVALID_ARGUMENT");
    assert!(status.message.contains("Protobuf"), "{}", status.message);

    // JSON keeps JSON, whatever the body was.
    let json_body = serde_json::to_vec(&otlp_at("js", &[("x", "info", now_ns())])).unwrap();
    let r = app.raw(post(&token, "application/json", json_body)).await;
    assert_eq!((r.ok(200), content_type(&r).as_str()), (&json!({}), "application/json"));
}

async fn encodings(backend: Backend) {
    let app = common::start(backend).await;
    let token = app.boot.project.api_token.clone();
    let json_body =
        serde_json::to_vec(&otlp_at("deflated", &[("a", "info", now_ns()), ("b", "info", now_ns())]))
            .unwrap();
    let deflated =
        post(&token, "application/json", zlib(&json_body)).insert_header(("content-encoding", "deflate"));
    assert_eq!(app.raw(deflated).await.ok(200), &json!({}));

    let pb = request("zstd", &[("c", now_ns())]).encode_to_vec();
    let squeezed = post(&token, PROTOBUF, zstd::encode_all(&pb[..], 3).unwrap())
        .insert_header(("content-encoding", "zstd"));
    let r = app.raw(squeezed).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let count =
        |service: &str| json!({"query": {"dateRange": {"date_from": "-1h"}, "serviceNames": [service]}});
    let path = format!("/api/projects/{}/logs/count", app.project());
    assert_eq!(app.post(&path, &app.key, count("deflated")).await.ok(200)["count"], 2);
    assert_eq!(app.post(&path, &app.key, count("zstd")).await.ok(200)["count"], 1);

    // 2 MiB of spaces: a few hundred compressed bytes, over the 1 MiB cap once inflated.
    let bomb = vec![b' '; 2 << 20];
    for (coding, body) in [("deflate", zlib(&bomb)), ("zstd", zstd::encode_all(&bomb[..], 3).unwrap())] {
        assert!(body.len() < 4096, "{coding}: {}", body.len());
        let r =
            app.raw(post(&token, "application/json", body).insert_header(("content-encoding", coding))).await;
        assert_eq!(r.ok(413)["code"], "payload_too_large", "{coding}");
        assert!(r.body["detail"].as_str().unwrap().contains("after decompression"), "{}", r.text);
    }

    // Not what the header says: a clear 400, not a 5xx.
    let lying =
        post(&token, "application/json", json_body.clone()).insert_header(("content-encoding", "zstd"));
    let r = app.raw(lying).await;
    assert!(
        r.ok(400)["detail"].as_str().unwrap().starts_with("Failed to decompress zstd body"),
        "{}",
        r.text
    );

    // Unknown codings: 415 naming what is accepted, as protobuf for a protobuf request.
    let res = actix_web::test::call_service(
        &app.svc,
        post(&token, PROTOBUF, pb).insert_header(("content-encoding", "br")).to_request(),
    )
    .await;
    assert_eq!(res.status(), 415);
    assert_eq!(res.headers().get("accept-encoding").unwrap(), "gzip, deflate, zstd");
    let status = Status::decode(actix_web::test::read_body(res).await).unwrap();
    assert_eq!((status.code, status.message.contains("\"br\"")), (3, true), "{status:?}");
}
