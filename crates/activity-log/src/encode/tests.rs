use serde_json::json;
use time::macros::{date, datetime};

use super::*;
use crate::test_support::{bare_row, row};

fn csv(rows: &[ActivityRow]) -> String {
    let mut w = CsvWriter::new(Vec::new()).unwrap();
    for r in rows {
        w.write_row(r).unwrap();
    }
    String::from_utf8(w.finish().unwrap()).unwrap()
}

fn json_export(rows: &[ActivityRow]) -> String {
    let mut w = JsonWriter::new(Vec::new()).unwrap();
    for r in rows {
        w.write_row(r).unwrap();
    }
    String::from_utf8(w.finish().unwrap()).unwrap()
}

const HEADER: &str = "id,organization_id,project_id,user_first_name,user_last_name,user_email,activity,scope,item_id,detail,client,ip_address,created_at\r\n";

#[test]
fn csv_header_only_when_empty() {
    assert_eq!(csv(&[]), HEADER);
}

#[test]
fn csv_row_with_quoting() {
    let mut r = row();
    r.entry.detail = Some(json!({"name": "a,b"}));
    r.user.as_mut().unwrap().last_name = "O\"Neil".into();
    let got = csv(&[r]);
    let line = got.strip_prefix(HEADER).unwrap();
    assert_eq!(
        line,
        "01920000-0000-7000-8000-000000000001,01920000-0000-7000-8000-0000000000aa,7,Ada,\"O\"\"Neil\",\
         ada@example.com,updated,FeatureFlag,42,\"{\"\"name\"\":\"\"a,b\"\"}\",mcp,,2024-05-01T10:00:00.123456Z\r\n"
    );
}

#[test]
fn csv_quotes_line_breaks_and_leaves_plain_cells() {
    let mut r = bare_row();
    r.entry.activity = "multi\nline".into();
    r.entry.scope = "cr\rhere".into();
    r.entry.created_at = datetime!(2024-05-01 12:00 +2);
    let got = csv(&[r]);
    let line = got.strip_prefix(HEADER).unwrap();
    assert_eq!(
        line,
        "01920000-0000-7000-8000-000000000001,01920000-0000-7000-8000-0000000000aa,,,,,\"multi\nline\",\
         \"cr\rhere\",,,,,2024-05-01T10:00:00Z\r\n"
    );
}

#[test]
fn csv_empty_detail_is_blank() {
    for detail in [None, Some(json!(null)), Some(json!({})), Some(json!([]))] {
        let mut r = row();
        r.entry.detail = detail.clone();
        let got = csv(&[r]);
        assert!(got.contains(",42,,mcp,"), "{detail:?}: {got}");
    }
}

#[test]
fn json_export_is_an_array_in_column_order() {
    assert_eq!(json_export(&[]), "[]");
    let got = json_export(&[row(), bare_row()]);
    let parsed: Value = serde_json::from_str(&got).unwrap();
    let items = parsed.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0],
        json!({
            "id": "01920000-0000-7000-8000-000000000001",
            "organization_id": "01920000-0000-7000-8000-0000000000aa",
            "project_id": 7,
            "user_first_name": "Ada",
            "user_last_name": "Lovelace",
            "user_email": "ada@example.com",
            "activity": "updated",
            "scope": "FeatureFlag",
            "item_id": "42",
            "detail": crate::test_support::detail(),
            "client": "mcp",
            "ip_address": null,
            "created_at": "2024-05-01T10:00:00.123456Z",
        })
    );
    assert_eq!(items[1]["project_id"], Value::Null);
    assert_eq!(items[1]["user_email"], Value::Null);
    assert_eq!(items[1]["detail"], Value::Null);
    let key_order: Vec<usize> = COLUMNS.iter().map(|c| got.find(&format!("\"{c}\":")).unwrap()).collect();
    assert!(key_order.windows(2).all(|w| w[0] < w[1]), "keys out of order: {got}");
    assert!(got.starts_with("[{\"id\":") && got.ends_with("}]"));
    assert!(got.contains("},{\"id\":"));
}

#[test]
fn filename_all_when_no_filter_is_set() {
    let today = date!(2024 - 03 - 09);
    assert_eq!(export_filename(&json!({}), today), "activity_logs_all_20240309");
    assert_eq!(export_filename(&Value::Null, today), "activity_logs_all_20240309");
    let unset = json!({"scopes": [], "search_text": "", "detail_filters": {}, "users": null});
    assert_eq!(export_filename(&unset, today), "activity_logs_all_20240309");
}

#[test]
fn filename_hashes_python_style_sorted_json() {
    let today = date!(2024 - 03 - 09);
    // Hashes from Python: hashlib.md5(json.dumps(f, sort_keys=True).encode()).hexdigest()[:6]
    assert_eq!(export_filename(&json!({"scopes": ["FeatureFlag"]}), today), "activity_logs_8e686a_20240309");
    let mixed = json!({"users": [], "scopes": ["FeatureFlag"], "search_text": null, "is_system": false});
    assert_eq!(export_filename(&mixed, today), "activity_logs_0d2742_20240309");
    assert_eq!(export_filename(&json!({"search_text": "café"}), today), "activity_logs_be0c63_20240309");
}

/// The md5 behind the filenames, on RFC 1321's test suite.
#[test]
fn md5_rfc_1321_test_suite() {
    let cases = [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f",
        ),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(md5_hex(input.as_bytes()), want, "{input:?}");
    }
}

#[test]
fn md5_block_boundaries() {
    // 55, 56 and 64 bytes straddle the padding boundary; values from Python's hashlib.
    assert_eq!(md5_hex(&[b'x'; 55]), "04364420e25c512fd958a70738aa8f72");
    assert_eq!(md5_hex(&[b'x'; 56]), "668a72d5ba17f08e62dabcafad6db14b");
    assert_eq!(md5_hex(&[b'x'; 64]), "c1bb4f81d892b2d57947682aeb252456");
}
