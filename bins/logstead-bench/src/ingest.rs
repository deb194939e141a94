//! Encoding the data set (before the clock starts, or by the clients as they send when it
//! would not fit in memory) and sending it over OTLP/HTTP from several keep-alive clients.

use std::borrow::Cow;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use prost::Message;

use crate::Res;
use crate::dataset::{Dataset, Stats};

/// One encoder thread's output: (batch index, body, ground truth).
type Encoded = Vec<(usize, Vec<u8>, Stats)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Protobuf,
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Protobuf => "application/x-protobuf",
            Format::Json => "application/json",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Protobuf => "protobuf",
            Format::Json => "json",
        }
    }
}

/// Every batch encoded, in order, plus the ground truth; spread over `threads` threads.
pub fn encode(d: &Dataset, format: Format, threads: usize) -> Res<(Vec<Vec<u8>>, Stats)> {
    encode_first(d, format, threads, d.batches())
}

/// The first `n` batches encoded (see [`encode`]).
pub fn encode_first(d: &Dataset, format: Format, threads: usize, n: usize) -> Res<(Vec<Vec<u8>>, Stats)> {
    let n = n.min(d.batches());
    let threads = threads.clamp(1, n.max(1));
    let parts: Vec<Res<Encoded>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || -> Res<Encoded> {
                    let mut out = Vec::new();
                    for i in (t..n).step_by(threads) {
                        let (bytes, stats) = encode_batch(d, format, i)?;
                        out.push((i, bytes, stats));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("an encoder thread panicked".into())))
            .collect()
    });
    let mut bodies = vec![Vec::new(); n];
    let mut total = Stats::default();
    for part in parts {
        for (i, bytes, stats) in part? {
            bodies[i] = bytes;
            total.add(&stats);
        }
    }
    Ok((bodies, total))
}

fn encode_batch(d: &Dataset, format: Format, i: usize) -> Res<(Vec<u8>, Stats)> {
    let (req, stats) = d.batch(i);
    let bytes = match format {
        Format::Protobuf => req.encode_to_vec(),
        Format::Json => serde_json::to_vec(&req)?,
    };
    Ok((bytes, stats))
}

/// What [`send`] sends.
pub enum Bodies<'a> {
    /// Encoded before the clock started.
    Encoded(&'a [Vec<u8>]),
    /// Generated and encoded by each client just before it sends (for data sets larger than
    /// memory, e.g. 100M rows ≈ 36 GiB of protobuf): the clients' CPU then competes with the
    /// server's, so ingest rates are lower than with `Encoded`. The ground truth is added
    /// to `truth` as batches are made.
    Streamed { d: &'a Dataset, format: Format, truth: &'a Mutex<Stats> },
}

impl Bodies<'_> {
    fn len(&self) -> usize {
        match self {
            Bodies::Encoded(b) => b.len(),
            Bodies::Streamed { d, .. } => d.batches(),
        }
    }

    fn get(&self, i: usize) -> Res<Cow<'_, [u8]>> {
        match self {
            Bodies::Encoded(b) => Ok(Cow::Borrowed(&b[i])),
            Bodies::Streamed { d, format, truth } => {
                let (bytes, stats) = encode_batch(d, *format, i)?;
                truth.lock().unwrap_or_else(std::sync::PoisonError::into_inner).add(&stats);
                Ok(Cow::Owned(bytes))
            }
        }
    }
}

/// POSTs one body; the problem, if it was not acknowledged with a 200.
fn post(agent: &ureq::Agent, url: &str, auth: &str, format: Format, body: &[u8]) -> Option<String> {
    let result = agent
        .post(url)
        .header("Authorization", auth)
        .header("Content-Type", format.content_type())
        .send(body);
    match result {
        Ok(mut resp) if resp.status().as_u16() == 200 => {
            // Drain the (tiny) body so the connection is reused.
            let _ = resp.body_mut().read_to_string();
            None
        }
        Ok(mut resp) => {
            let text = resp.body_mut().read_to_string().unwrap_or_default();
            Some(format!("HTTP {}: {}", resp.status(), text.chars().take(300).collect::<String>()))
        }
        Err(e) => Some(e.to_string()),
    }
}

pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(timeout)).build().into()
}

/// POSTs every body to `/i/v1/logs` from `threads` clients; each 200 means durable. With
/// `pace`, request `i` is not sent before `i * pace` (a target rate, or less if the server
/// cannot keep up). Returns the wall time from the first request to the last acknowledgement.
pub fn send(
    base: &str,
    token: &str,
    format: Format,
    bodies: &Bodies<'_>,
    threads: usize,
    pace: Option<Duration>,
) -> Res<Duration> {
    let url = format!("{base}/i/v1/logs");
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<String>> = Mutex::new(None);
    let auth = format!("Bearer {token}");
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let agent = agent(Duration::from_secs(600));
                while !failed.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= bodies.len() {
                        break;
                    }
                    let problem = match bodies.get(i) {
                        Err(e) => Some(format!("batch {i}: encoding: {e}")),
                        Ok(body) => {
                            if let Some(wait) =
                                pace.and_then(|p| (p * i as u32).checked_sub(started.elapsed()))
                            {
                                std::thread::sleep(wait);
                            }
                            post(&agent, &url, &auth, format, &body).map(|e| format!("batch {i}: {e}"))
                        }
                    };
                    if let Some(p) = problem {
                        failed.store(true, Ordering::Relaxed);
                        first_error
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .get_or_insert(p);
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    match first_error.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner) {
        Some(e) => Err(format!("ingest ({}) failed: {e}", format.name()).into()),
        None => Ok(elapsed),
    }
}
