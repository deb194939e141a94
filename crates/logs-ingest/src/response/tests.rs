use super::*;

fn summary(dropped: u64, past: u64, future: u64) -> ExportSummary {
    ExportSummary {
        dropped_by_sampling: dropped,
        mapped: MapStats { replaced_past: past, replaced_future: future },
        options: MapOptions::default(),
    }
}

#[test]
fn nothing_to_report_is_an_empty_response() {
    assert_eq!(summary(0, 0, 0).partial_success(), None);
    let body = summary(0, 0, 0).to_protobuf();
    assert!(body.is_empty(), "an empty message encodes to no bytes: {body:?}");
    assert_eq!(ExportLogsServiceResponse::decode(&body[..]), Ok(ExportLogsServiceResponse::default()));
}

#[test]
fn sampled_records_are_rejected_and_replaced_timestamps_warned() {
    let p = summary(3, 0, 0).partial_success().unwrap();
    assert_eq!(p.rejected_log_records, 3);
    assert_eq!(p.error_message, "3 log record(s) were dropped by the project's sampling rules.");

    let p = summary(0, 1, 1).partial_success().unwrap();
    assert_eq!(p.rejected_log_records, 0, "a warning only: the records were stored");
    assert!(
        p.error_message.starts_with("2 log record(s) had a timestamp more than 1 d"),
        "{}",
        p.error_message
    );
    assert!(p.error_message.contains("$originalTimestamp"), "{}", p.error_message);
    assert!(p.error_message.contains("max_timestamp_skew_secs"), "{}", p.error_message);

    let both = summary(2, 1, 0);
    let decoded = ExportLogsServiceResponse::decode(&both.to_protobuf()[..]).unwrap();
    let p = decoded.partial_success.unwrap();
    assert_eq!(p.rejected_log_records, 2);
    assert!(p.error_message.contains("sampling rules") && p.error_message.contains("1 log record(s) had"));
}

#[test]
fn the_window_is_named_as_configured() {
    assert_eq!(window_text(86_400_000_000), "1 d");
    assert_eq!(window_text(7 * 86_400_000_000), "7 d");
    assert_eq!(window_text(2 * 3_600_000_000), "2 h");
    assert_eq!(window_text(90_000_000), "90 s");
}

#[test]
fn protobuf_content_types() {
    assert!(is_protobuf(Some("application/x-protobuf")));
    assert!(is_protobuf(Some("Application/X-Protobuf; charset=binary")));
    assert!(is_protobuf(Some("application/protobuf")));
    assert!(!is_protobuf(Some("application/json")));
    assert!(!is_protobuf(Some("application/x-protobuffer")));
    assert!(!is_protobuf(None));
}

#[test]
fn status_round_trips_with_grpc_codes() {
    let s = Status::for_http(401, "no token");
    assert_eq!(Status::decode(&s.encode_to_vec()[..]), Ok(Status { code: 16, message: "no token".into() }));
    let codes: Vec<i32> = [400, 413, 415, 401, 403, 404, 429, 500, 503, 418].map(grpc_code).into();
    assert_eq!(codes, [3, 3, 3, 16, 7, 5, 8, 13, 14, 2]);
}
