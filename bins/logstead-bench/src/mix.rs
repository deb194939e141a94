//! Issue 14, goal 6: query clients run the Q1–Q9 mix while ingest runs at a target rate into a
//! second project (so the first project's ground truth still holds and every answer is still
//! checked). Reports each query's p50/p99 under load and the ingest rate kept.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::Res;
use crate::ingest::{Bodies, Format, agent, send};
use crate::queries::{self, Query};

pub struct Mix {
    /// Per query (table order): every latency under load.
    pub times: Vec<Vec<Duration>>,
    /// First wrong answer or failure seen, per query.
    pub problems: Vec<Option<String>>,
    pub rows_sent: u64,
    pub ingest_took: Duration,
    pub target_rows_per_s: f64,
    pub query_clients: usize,
}

/// Creates a project in the first project's organization; returns its ingest token.
pub fn second_project(base: &str, key: &str, project: i64) -> Res<String> {
    let a = agent(Duration::from_secs(30));
    let auth = format!("Bearer {key}");
    let text = a.get(format!("{base}/api/projects/{project}/")).header("Authorization", &auth).call()?;
    let org: Value = serde_json::from_str(&text.into_body().read_to_string()?)?;
    let org = org["organization"].as_str().ok_or("the project has no organization")?.to_owned();
    let mut resp = a
        .post(format!("{base}/api/organizations/{org}/projects/"))
        .header("Authorization", &auth)
        .send_json(json!({"name": "bench mixed load"}))?;
    let created: Value = serde_json::from_str(&resp.body_mut().read_to_string()?)?;
    match created["api_token"].as_str() {
        Some(t) => Ok(t.to_owned()),
        None => Err(format!("creating the mixed-load project: {created}").into()),
    }
}

pub struct Load<'a> {
    pub base: &'a str,
    pub project: i64,
    pub key: &'a str,
    pub ingest_token: &'a str,
    pub bodies: &'a [Vec<u8>],
    pub rows_per_body: u64,
    pub rate: f64,
    pub ingest_threads: usize,
    pub query_clients: usize,
    /// With no `bodies`: how long the queries run alone (the concurrency-only baseline).
    pub alone: Duration,
}

/// Runs the query mix from `query_clients` clients (each starting at a different query) for
/// as long as the paced ingest lasts.
pub fn run(load: &Load<'_>, qs: &[Query]) -> Res<Mix> {
    let done = AtomicBool::new(false);
    let times = Mutex::new(vec![Vec::new(); qs.len()]);
    let problems = Mutex::new(vec![None::<String>; qs.len()]);
    let took = std::thread::scope(|s| {
        for c in 0..load.query_clients {
            let (done, times, problems) = (&done, &times, &problems);
            s.spawn(move || {
                let a = agent(Duration::from_secs(300));
                let auth = format!("Bearer {}", load.key);
                let mut k = c;
                while !done.load(Ordering::Relaxed) {
                    let i = k % qs.len();
                    k += 1;
                    let q = &qs[i];
                    let problem = match queries::once(&a, &queries::url(load.base, load.project, q), &auth, q)
                    {
                        Ok(Some((took, answer))) => {
                            times.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i].push(took);
                            queries::warning(q, &answer)
                        }
                        Ok(None) => Some("404".into()),
                        Err(e) => Some(e),
                    };
                    if let Some(p) = problem {
                        problems.lock().unwrap_or_else(std::sync::PoisonError::into_inner)[i]
                            .get_or_insert(p);
                    }
                }
            });
        }
        if load.bodies.is_empty() {
            std::thread::sleep(load.alone);
            done.store(true, Ordering::Relaxed);
            return Ok(load.alone);
        }
        let pace = Duration::from_secs_f64(load.rows_per_body as f64 / load.rate);
        let took = send(
            load.base,
            load.ingest_token,
            Format::Protobuf,
            &Bodies::Encoded(load.bodies),
            load.ingest_threads,
            Some(pace),
        );
        done.store(true, Ordering::Relaxed);
        took
    })?;
    Ok(Mix {
        times: times.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
        problems: problems.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
        rows_sent: load.bodies.len() as u64 * load.rows_per_body,
        ingest_took: took,
        target_rows_per_s: load.rate,
        query_clients: load.query_clients,
    })
}

/// The `p`-th percentile (nearest rank), in ms.
pub fn percentile(times: &[Duration], p: f64) -> f64 {
    let mut v: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;
    use std::time::Duration;

    #[test]
    fn percentiles_by_nearest_rank() {
        let t: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&t, 50.0), 50.0);
        assert_eq!(percentile(&t, 99.0), 99.0);
        assert_eq!(percentile(&t[..1], 99.0), 1.0);
        assert_eq!(percentile(&[], 99.0), 0.0);
    }
}
