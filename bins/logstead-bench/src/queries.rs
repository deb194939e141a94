//! The ten timed queries, each with a check that its answer is plausible against the
//! generator's ground truth.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Res;
use crate::dataset::{Dataset, Q2_SERVICE, Q9_SERVICE, Stats};

/// Turns a response into (short answer, warning when implausible).
type Check = Box<dyn Fn(&Value) -> (String, Option<String>) + Send + Sync>;

pub enum Request {
    Post(Value),
    Get(Vec<(&'static str, String)>),
}

pub struct Query {
    pub id: &'static str,
    pub what: String,
    pub goal_ms: f64,
    endpoint: &'static str,
    request: Request,
    check: Check,
}

pub enum Outcome {
    Timed { times: Vec<Duration>, answer: String, warning: Option<String> },
    NotFound,
    Failed(String),
}

fn iso(unix_s: i64) -> Res<String> {
    Ok(OffsetDateTime::from_unix_timestamp(unix_s)?.format(&Rfc3339)?)
}

fn range(from_s: i64, to_s: i64) -> Res<Value> {
    Ok(json!({"date_from": iso(from_s)?, "date_to": iso(to_s)?}))
}

fn results(v: &Value) -> &[Value] {
    v.get("results").or(Some(v)).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
}

fn count(v: &Value) -> Option<u64> {
    v.get("count").and_then(Value::as_u64)
}

fn expect_count(v: &Value, want: u64) -> (String, Option<String>) {
    match count(v) {
        Some(n) if n == want => (format!("count {n}"), None),
        Some(n) => (format!("count {n}"), Some(format!("expected count {want}, got {n}"))),
        None => ("?".into(), Some(format!("no count in {}", snippet(v)))),
    }
}

fn snippet(v: &Value) -> String {
    v.to_string().chars().take(200).collect()
}

/// Rows returned by logs/query: how many, and whether each satisfies `ok`.
fn expect_rows(v: &Value, want: u64, ok: impl Fn(&Value) -> bool, what: &str) -> (String, Option<String>) {
    let rows = results(v);
    let answer = format!("{} rows", rows.len());
    if rows.len() as u64 != want {
        return (answer, Some(format!("expected {want} rows, got {}", rows.len())));
    }
    let sorted = rows.windows(2).all(|w| w[0]["timestamp"].as_str() >= w[1]["timestamp"].as_str());
    match rows.iter().position(|r| !ok(r)) {
        Some(i) => (answer, Some(format!("row {i} is not {what}: {}", snippet(&rows[i])))),
        None if !sorted => (answer, Some("rows are not newest first".into())),
        None => (answer, None),
    }
}

fn filters_q4(d: &Dataset) -> Value {
    let leaves: Vec<Value> = d
        .q4_filters()
        .iter()
        .map(|(k, v)| json!({"key": k, "type": "log_attribute", "operator": "exact", "value": [v]}))
        .collect();
    json!({"type": "AND", "values": [{"type": "AND", "values": leaves}]})
}

/// The queries in table order. `end` bounds every range, so answers are exact.
pub fn all(d: &Dataset, truth: &Stats) -> Res<Vec<Query>> {
    let end = d.end_s;
    let (hour, day) = (range(end - 3600, end)?, range(end - 24 * 3600, end)?);
    let (q9_from, q9_to) = d.q9_window();
    let t = *truth;
    let word = d.planted().to_lowercase();
    let q4 = d.q4_filters();
    let q = |id, what: &str, goal_ms, endpoint, request, check: Check| Query {
        id,
        what: what.to_string(),
        goal_ms,
        endpoint,
        request,
        check,
    };
    let errors = json!(["error", "fatal"]);
    let is_error = |r: &Value| matches!(r["level"].as_str(), Some("error" | "fatal"));
    Ok(vec![
        q(
            "Q1",
            "latest 100, last hour",
            5.0,
            "query",
            Request::Post(json!({"query": {"dateRange": hour, "limit": 100, "orderBy": "latest"}})),
            Box::new(move |v| expect_rows(v, t.last_hour.min(100), |_| true, "in range")),
        ),
        q(
            "Q2",
            &format!("latest 100 error+fatal of {Q2_SERVICE}, last hour"),
            5.0,
            "query",
            Request::Post(json!({"query": {"dateRange": hour, "limit": 100, "severityLevels": errors,
                "serviceNames": [Q2_SERVICE]}})),
            Box::new(move |v| {
                expect_rows(
                    v,
                    t.q2_expected.min(100),
                    |r| is_error(r) && r["resource_attributes"]["service.name"] == Q2_SERVICE,
                    "a matching error",
                )
            }),
        ),
        q(
            "Q3",
            &format!("searchTerm \"{word}\" (~0.1 %), 24 h, latest 100"),
            30.0,
            "query",
            Request::Post(json!({"query": {"dateRange": day, "limit": 100, "searchTerm": word}})),
            Box::new({
                let word = word.clone();
                move |v| {
                    expect_rows(
                        v,
                        t.planted.min(100),
                        |r| r["body"].as_str().is_some_and(|b| b.to_lowercase().contains(&word)),
                        "a match",
                    )
                }
            }),
        ),
        q(
            "Q3c",
            "count of that searchTerm, 24 h",
            20.0,
            "count",
            Request::Post(json!({"query": {"dateRange": day, "searchTerm": word}})),
            Box::new(move |v| expect_count(v, t.planted)),
        ),
        q(
            "Q4",
            &format!("count, {} = {} and {} = {}, 24 h", q4[0].0, q4[0].1, q4[1].0, q4[1].1),
            30.0,
            "count",
            Request::Post(json!({"query": {"dateRange": day, "filterGroup": filters_q4(d)}})),
            Box::new(move |v| expect_count(v, t.q4_expected)),
        ),
        q(
            "Q5",
            "sparkline by severity, 24 h",
            30.0,
            "sparkline",
            Request::Post(json!({"query": {"dateRange": day, "sparklineBreakdownBy": "severity"}})),
            Box::new(move |v| {
                let items = results(v);
                let sum: u64 = items.iter().filter_map(|i| i["count"].as_u64()).sum();
                let answer = format!("{} points, sum {sum}", items.len());
                (answer, (sum != t.rows).then(|| format!("expected the counts to sum to {}", t.rows)))
            }),
        ),
        q(
            "Q6",
            "services, 24 h",
            30.0,
            "services",
            Request::Post(json!({"query": {"dateRange": day}})),
            Box::new(move |v| {
                let services = v["services"].as_array().map(Vec::as_slice).unwrap_or_default();
                let sum: u64 = services.iter().filter_map(|s| s["log_count"].as_u64()).sum();
                let answer = format!("{} services", services.len());
                let warn = if services.is_empty() {
                    Some(format!("no services in {}", snippet(v)))
                } else if services.len() == 30 && sum != t.rows {
                    Some(format!("log_count sums to {sum}, expected {}", t.rows))
                } else {
                    v["total_services"]
                        .as_u64()
                        .filter(|n| *n != 30)
                        .map(|n| format!("total_services {n}, expected 30"))
                };
                (answer, warn)
            }),
        ),
        q(
            "Q7",
            "attribute keys, last hour",
            5.0,
            "attributes",
            Request::Get(vec![("dateRange", hour.to_string())]),
            Box::new(|v| {
                let names: Vec<&str> = results(v).iter().filter_map(|r| r["name"].as_str()).collect();
                let answer = format!("{} keys", names.len());
                let missing =
                    ["http.method", "status_code", "user_id"].into_iter().find(|k| !names.contains(k));
                (answer, missing.map(|k| format!("key {k} missing from {names:?}")))
            }),
        ),
        q(
            "Q8",
            "top 20 values of user_id, 24 h",
            30.0,
            "values",
            Request::Get(vec![
                ("key", "user_id".into()),
                ("limit", "20".into()),
                ("dateRange", day.to_string()),
            ]),
            Box::new(|v| {
                let rows = results(v);
                let ok = rows.len() == 20
                    && rows.iter().all(|r| r["name"].as_str().is_some_and(|n| n.starts_with("u_")));
                (
                    format!("{} values", rows.len()),
                    (!ok).then(|| format!("expected 20 user ids: {}", snippet(v))),
                )
            }),
        ),
        q(
            "Q9",
            &format!("count error+fatal of {Q9_SERVICE}, 5 min"),
            5.0,
            "count",
            Request::Post(
                json!({"query": {"dateRange": range(q9_from, q9_to)?, "severityLevels": ["error", "fatal"],
                "serviceNames": [Q9_SERVICE]}}),
            ),
            Box::new(move |v| expect_count(v, t.q9_expected)),
        ),
    ])
}

/// One call of `q`: its time and parsed answer, `Ok(None)` for 404, `Err` for any other
/// failure.
pub fn once(
    agent: &ureq::Agent,
    url: &str,
    auth: &str,
    q: &Query,
) -> Result<Option<(Duration, Value)>, String> {
    let started = Instant::now();
    let result = match &q.request {
        Request::Post(body) => agent.post(url).header("Authorization", auth).send_json(body),
        Request::Get(params) => {
            let mut req = agent.get(url).header("Authorization", auth);
            for (k, v) in params {
                req = req.query(*k, v);
            }
            req.call()
        }
    };
    let (status, text) = match result {
        Ok(mut resp) => {
            (resp.status().as_u16(), resp.body_mut().with_config().limit(256 << 20).read_to_string())
        }
        Err(e) => return Err(e.to_string()),
    };
    let took = started.elapsed();
    let text = text.map_err(|e| format!("reading the response: {e}"))?;
    match status {
        200 => Ok(Some((took, serde_json::from_str(&text).unwrap_or(Value::Null)))),
        404 => Ok(None),
        s => Err(format!("HTTP {s}: {}", text.chars().take(300).collect::<String>())),
    }
}

pub fn url(base: &str, project: i64, q: &Query) -> String {
    format!("{base}/api/projects/{project}/logs/{}/", q.endpoint)
}

/// Whether the answer is wrong: the check's warning.
pub fn warning(q: &Query, answer: &Value) -> Option<String> {
    (q.check)(answer).1
}

/// Runs `q` `runs` times; 404 on the first run means the endpoint does not exist yet.
pub fn run(agent: &ureq::Agent, base: &str, project: i64, key: &str, q: &Query, runs: usize) -> Outcome {
    let (url, auth) = (url(base, project, q), format!("Bearer {key}"));
    let mut times = Vec::with_capacity(runs);
    let mut last = Value::Null;
    for _ in 0..runs.max(1) {
        match once(agent, &url, &auth, q) {
            Ok(Some((took, answer))) => {
                times.push(took);
                last = answer;
            }
            Ok(None) => return Outcome::NotFound,
            Err(e) => return Outcome::Failed(e),
        }
    }
    let (answer, warning) = (q.check)(&last);
    Outcome::Timed { times, answer, warning }
}
