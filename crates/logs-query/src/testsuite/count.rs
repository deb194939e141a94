//! Conformance case for `LogStore::count_matching`: when a store answers, it is exactly the
//! number of rows the oracle's scan visits.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::compare::oracle;
use super::data::{BASE, HOUR, MINUTE, TEAMS, dataset, filter};
use super::{ROWS, StoreFactory, loaded};
use crate::{LogStore, ScanRequest};

fn scan_count(store: &dyn LogStore, req: &ScanRequest<'_>) -> u64 {
    let mut n = 0;
    store
        .scan(req, &mut |_| {
            n += 1;
            true
        })
        .expect("scan");
    n
}

/// A random piece of a random body, in random letter case: inside words, across word
/// boundaries, non-ASCII.
fn random_needle(rng: &mut StdRng, bodies: &[&str]) -> String {
    let body: Vec<char> = bodies[rng.random_range(0..bodies.len())].chars().collect();
    if body.is_empty() {
        return "x".into();
    }
    let start = rng.random_range(0..body.len());
    let len = rng.random_range(1..=(body.len() - start).min(12));
    let piece = body[start..start + len]
        .iter()
        .map(|c| if rng.random_bool(0.5) { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() });
    piece.collect()
}

/// Extra filter parts combined with a search term (or alone).
fn extras() -> Vec<Value> {
    let leaf = |key: &str, kind: &str, op: &str, value: Value| json!([{"key": key, "type": kind, "operator": op, "value": value}]);
    vec![
        json!({}),
        json!({"severityLevels": ["error", "fatal"]}),
        json!({"serviceNames": ["api", "web"]}),
        json!({"filterGroup": leaf("http.method", "log_attribute", "exact", json!("POST"))}),
        json!({"filterGroup": leaf("http.method", "log_attribute", "is_not", json!(["GET", "PUT"]))}),
        json!({"filterGroup": leaf("user_id", "log_attribute", "is_set", Value::Null)}),
        json!({"filterGroup": leaf("rare.key", "log_attribute", "is_not_set", Value::Null)}),
        json!({"filterGroup": leaf("cloud.region", "log_resource_attribute", "exact", json!("eu-west-1"))}),
        json!({"filterGroup": leaf("replicas", "log_resource_attribute", "is_not_set", Value::Null)}),
        json!({"filterGroup": leaf("no.such.key", "log_attribute", "is_not", json!("x"))}),
        json!({"filterGroup": leaf("http.route", "log_attribute", "icontains", json!("orders"))}),
        json!({"resourceFingerprint": "8"}),
    ]
}

pub fn count_matching_agrees_with_the_oracle(factory: &mut dyn StoreFactory) {
    let rows = dataset(11, ROWS);
    let store = loaded(factory, &rows);
    let oracle = oracle(&rows);
    let mut rng = StdRng::seed_from_u64(3);
    let bodies: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
    let mut needles: Vec<Option<String>> = [
        "timeout",
        "TimeOut",
        "imeou",
        "connection t",
        "n timeout to db-",
        "db-1",
        "/api/orders/",
        "ok",
        "e",
        "straße",
        "ΣΊΣΥΦΟΣ",
        "ünï",
        " ",
        "-",
        "status=ok",
        "tok-000",
        "nr. 1",
        "no such words",
    ]
    .iter()
    .map(|s| Some(s.to_string()))
    .collect();
    needles.extend((0..40).map(|_| Some(random_needle(&mut rng, &bodies))));
    needles.push(None);
    let ranges = [(BASE - HOUR, BASE + 6 * HOUR), (BASE + 17 * MINUTE + 3, BASE + 3 * HOUR + 5)];
    let extras = extras();
    let mut answered = 0;
    for (i, needle) in needles.iter().enumerate() {
        // Every needle alone and with one extra part; the first few with every extra part.
        let parts: Vec<&Value> =
            if i < 4 { extras.iter().collect() } else { vec![&extras[i % extras.len()]] };
        for extra in parts {
            let mut q = extra.clone();
            if let Some(n) = needle {
                q["searchTerm"] = json!(n);
            }
            let f = filter(q.clone());
            for team in TEAMS {
                for (from_us, to_us) in ranges {
                    let req = ScanRequest { team_id: team, from_us, to_us, filter: &f };
                    let want = scan_count(&oracle, &req);
                    assert_eq!(oracle.count_matching(&req).expect("oracle"), None);
                    if let Some(got) = store.count_matching(&req).expect("count_matching") {
                        assert_eq!(got, want, "{q} team {team} {from_us}..{to_us}");
                        answered += 1;
                    }
                    assert_eq!(scan_count(&*store, &req), want, "scan: {q} team {team}");
                }
            }
        }
    }
    // Stores without a fast path never answer; those with one must be right when they do.
    let _ = answered;
}
