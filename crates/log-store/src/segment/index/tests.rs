//! The index's answers against `RowFilter::matches` on random rows.

use logs_query::testsuite::data::{BASE, dataset, filter};
use logs_query::{LogRecord, RowFilter};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use super::build::IndexBuilder;
use super::select::{LeafSpec, Want};
use super::{SegmentIndex, file_bytes};
use crate::codec::severity_code;

const BATCH: usize = 64;

fn rows() -> Vec<LogRecord> {
    let mut rows = dataset(5, 1200);
    let mut rng = StdRng::seed_from_u64(9);
    for (i, r) in rows.iter_mut().enumerate() {
        // An id-like key (blooms) and an over-long token now and then.
        r.attributes.push(("zz.request_id".into(), format!("req-{}", rng.random_range(0..100_000))));
        if i % 97 == 0 {
            r.body.push_str(&format!(" {}kerfuffle", "a".repeat(200)));
        }
        r.timestamp_us = BASE + i as i64;
    }
    rows
}

fn index_of(rows: &[LogRecord]) -> SegmentIndex {
    let mut b = IndexBuilder::default();
    for chunk in rows.chunks(BATCH) {
        b.add_batch(&chunk.iter().collect::<Vec<_>>());
    }
    let sizes: Vec<u32> = rows.chunks(BATCH).map(|c| c.len() as u32).collect();
    SegmentIndex::from_file(&file_bytes(&b.encode()).unwrap(), &sizes).unwrap()
}

fn check(index: &SegmentIndex, rows: &[LogRecord], f: &RowFilter, what: &str) {
    let codes: Vec<u8> = f.severities().iter().map(|s| severity_code(*s)).collect();
    let (simple, complete) = f.filter_group().simple_conjuncts();
    let leaves: Vec<LeafSpec<'_>> = simple
        .iter()
        .map(|l| LeafSpec {
            resource: l.scope == logs_query::AttributeScope::Resource,
            key: l.key,
            equals: l.equals,
            negate: l.negate,
        })
        .collect();
    let want = Want {
        needle: f.search_term_lower(),
        severities: &codes,
        services: f.services(),
        leaves: &leaves,
        rest: !complete || f.resource_fingerprint().is_some(),
    };
    let a = index.select(&want).expect("postings decode");
    for (i, r) in rows.iter().enumerate() {
        let m = f.matches(r);
        assert!(!m || a.any.contains(i as u32), "{what}: row {i} matches but is not a candidate");
        assert!(m || !a.sure.contains(i as u32), "{what}: row {i} does not match but is sure");
    }
    if want.needle.is_some_and(|n| n.is_ascii() && n.bytes().all(super::tokens::is_word))
        && !want.rest
        && leaves.is_empty()
    {
        let n = rows.iter().filter(|r| f.matches(r)).count() as u64;
        let long = rows.iter().filter(|r| r.body.contains("aaaa")).count() as u64;
        assert!(a.sure.len() + long >= n, "{what}: word needles are answered exactly");
    }
}

#[test]
fn index_answers_agree_with_the_row_filter() {
    let rows = rows();
    let index = index_of(&rows);
    assert_eq!(index.rows as usize, rows.len());
    let mut rng = StdRng::seed_from_u64(1);
    let mut queries = vec![json!({})];
    for needle in ["timeout", "TIMEOUT to", "db-", "kerfuffle", "aaa", "straße", "e", " ", "o/1", "tok"] {
        queries.push(json!({"searchTerm": needle}));
    }
    for _ in 0..60 {
        let r = &rows[rng.random_range(0..rows.len())];
        let body: Vec<char> = r.body.chars().collect();
        if body.is_empty() {
            continue;
        }
        let s = rng.random_range(0..body.len());
        let n: String = body[s..(s + rng.random_range(1..6)).min(body.len())].iter().collect();
        if r.severity != logs_query::Severity::Unknown {
            queries.push(json!({"searchTerm": n, "severityLevels": [r.severity.as_str(), "warn"]}));
        }
        let Some((k, v)) = r.attributes.get(rng.random_range(0..r.attributes.len())) else { continue };
        let op = ["exact", "is_not"][rng.random_range(0..2)];
        queries.push(json!({"searchTerm": n, "filterGroup": [{"key": k, "type": "log_attribute", "operator": op, "value": v}]}));
        let (k, v) = &r.resource_attributes[rng.random_range(0..r.resource_attributes.len())];
        queries.push(json!({"serviceNames": [r.service_name], "filterGroup": [
            {"key": k, "type": "log_resource_attribute", "operator": op, "value": v},
            {"key": "zz.request_id", "type": "log_attribute", "operator": "is_set", "value": null}]}));
    }
    for q in queries {
        check(&index, &rows, &filter(q.clone()), &q.to_string());
    }
}

#[test]
fn damaged_or_mismatched_index_files_are_refused() {
    let rows = rows();
    let mut b = IndexBuilder::default();
    b.add_batch(&rows.iter().collect::<Vec<_>>());
    let bytes = file_bytes(&b.encode()).unwrap();
    let n = rows.len() as u32;
    assert!(SegmentIndex::from_file(&bytes, &[n]).is_ok());
    assert!(SegmentIndex::from_file(&bytes, &[n - 1, 1]).is_err(), "batches must agree");
    let mut bad = bytes.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(SegmentIndex::from_file(&bad, &[n]).is_err());
    assert!(SegmentIndex::from_file(&bytes[..bytes.len() / 2], &[n]).is_err());
}

#[test]
fn an_index_of_another_version_is_refused() {
    let rows = rows();
    let mut b = IndexBuilder::default();
    b.add_batch(&rows.iter().collect::<Vec<_>>());
    let mut payload = b.encode();
    let n = rows.len() as u32;
    assert!(SegmentIndex::from_file(&file_bytes(&payload).unwrap(), &[n]).is_ok());
    // A well-framed file of version 1 (tokens of one row listed with the others).
    payload[0] = 1;
    let err = SegmentIndex::from_file(&file_bytes(&payload).unwrap(), &[n]).unwrap_err();
    assert!(err.contains("index version"), "{err}");
}
