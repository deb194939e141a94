//! Sends queued notifications: webhooks (signed JSON) and Slack `chat.postMessage`.
//! Failures retry with exponential backoff until the last attempt, then the delivery is
//! `dead`. Claims are leased, so a crashed sender's deliveries are picked up again.
//! Webhooks to internal addresses are refused and dead at once (`guard`, SSRF) unless the
//! operator allows private webhook targets.

mod guard;

use std::time::Duration as StdDuration;

use alerts_engine::repo::{Delivery, DestinationType};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

use super::notify::{SIGNATURE_HEADER, signature};
use crate::metrics::DeliveryResult;
use crate::state::AppState;

/// Every request gives up after this long.
pub const TIMEOUT: StdDuration = StdDuration::from_secs(10);
/// Longer than a batch of timed-out requests, so a live sender keeps its claims.
const LEASE: Duration = Duration::minutes(5);
const BATCH: i64 = 20;
/// Error texts kept per attempt.
const MAX_ERROR_CHARS: usize = 500;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendReport {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
}

/// The sender's HTTP agents: one for Slack (an operator-set URL, trusted) and for webhooks
/// when private targets are allowed; one for webhooks otherwise, whose resolver refuses
/// internal addresses and pins the connection to the addresses it vetted.
#[derive(Debug, Clone)]
pub struct Agents {
    plain: ureq::Agent,
    webhooks: ureq::Agent,
}

impl Agents {
    fn for_webhooks(&self, state: &AppState) -> &ureq::Agent {
        if state.settings.alerts.allow_private_webhook_targets { &self.plain } else { &self.webhooks }
    }
}

/// The sender's agents: non-2xx are responses and every request times out.
pub fn agent() -> Agents {
    Agents { plain: plain_agent(), webhooks: guard::agent(alerts_engine::ssrf::is_forbidden_ip) }
}

fn plain_agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(TIMEOUT)).build().into()
}

/// Why a send failed, and whether retrying could help.
struct Failure {
    text: String,
    /// A refused target: retrying would be refused again.
    permanent: bool,
}

impl From<String> for Failure {
    fn from(text: String) -> Self {
        Failure { text, permanent: false }
    }
}

impl From<&str> for Failure {
    fn from(text: &str) -> Self {
        text.to_string().into()
    }
}

/// Sends every delivery due at `now`. Blocking.
pub fn send_due(state: &AppState, agent: &Agents, now: OffsetDateTime) -> Result<SendReport, String> {
    let mut report = SendReport::default();
    loop {
        let batch = state.alerts.claim_deliveries(now, now + LEASE, BATCH).map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(report);
        }
        for d in batch {
            // A destination deleted (or disabled) after the check queued it gets nothing.
            let live = state.alerts.destinations(d.team_id, &[d.alert_id]).map_err(|e| e.to_string())?;
            if !live.iter().any(|l| l.id == d.destination_id && l.enabled) {
                let why = "the destination was deleted before the notification was sent";
                state.alerts.delivery_failed(d.id, why, None).map_err(|e| e.to_string())?;
                report.dead += 1;
                state.metrics.work.delivery(d.dtype, DeliveryResult::Dead);
                continue;
            }
            match send(state, agent, &d) {
                Ok(()) => {
                    state.alerts.delivery_succeeded(d.id, state.now()).map_err(|e| e.to_string())?;
                    report.delivered += 1;
                    state.metrics.work.delivery(d.dtype, DeliveryResult::Delivered);
                }
                Err(Failure { text: e, permanent }) => {
                    // Never before this pass's `now`, so a failure is not re-sent within it.
                    let retry_at =
                        if permanent { None } else { retry_at(state, d.attempts, now.max(state.now())) };
                    tracing::warn!(delivery = %d.id, attempt = d.attempts + 1, error = %e, dead = retry_at.is_none(), "alert notification failed");
                    let e: String = e.chars().take(MAX_ERROR_CHARS).collect();
                    state.alerts.delivery_failed(d.id, &e, retry_at).map_err(|e| e.to_string())?;
                    let result = match retry_at {
                        Some(_) => DeliveryResult::Retry,
                        None => DeliveryResult::Dead,
                    };
                    state.metrics.work.delivery(d.dtype, result);
                    if retry_at.is_some() { report.retried += 1 } else { report.dead += 1 }
                }
            }
        }
        // Retries are scheduled in the future, so each delivery is sent at most once here.
    }
}

/// After the `previous`+1-th failed attempt: retry at `now + backoff·2^previous`, or None
/// (dead) when that was the last allowed attempt.
pub fn retry_at(state: &AppState, previous: u32, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let s = &state.settings.alerts;
    if previous.saturating_add(1) >= s.delivery_max_attempts {
        return None;
    }
    let secs = s.delivery_backoff_secs.max(1).saturating_mul(1u64 << previous.min(20));
    Some(now + Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 2)))
}

fn send(state: &AppState, agents: &Agents, d: &Delivery) -> Result<(), Failure> {
    let dest = state
        .alerts
        .destination(d.destination_id)
        .map_err(|e| e.to_string())?
        .ok_or("the destination no longer exists")?;
    let body = serde_json::to_vec(&d.payload).map_err(|e| e.to_string())?;
    match d.dtype {
        DestinationType::Webhook => {
            let url = dest.webhook_url.as_deref().ok_or("the webhook destination has no URL")?;
            let mut req = agents.for_webhooks(state).post(url).header("Content-Type", "application/json");
            if let Some(secret) = dest.signing_secret.as_deref() {
                req = req.header(SIGNATURE_HEADER, signature(secret, &body));
            }
            let mut resp = req.send(&body[..]).map_err(|e| match guard::refusal(&e) {
                Some(r) => Failure {
                    text: format!(
                        "webhook refused: {r}; internal addresses are not allowed \
                         (server setting allow_private_webhook_targets)"
                    ),
                    permanent: true,
                },
                None => format!("webhook request failed: {e}").into(),
            })?;
            let status = resp.status().as_u16();
            if (200..300).contains(&status) {
                return Ok(());
            }
            let text = resp.body_mut().read_to_string().unwrap_or_default();
            Err(format!("webhook answered {status}: {}", text.chars().take(200).collect::<String>()).into())
        }
        DestinationType::Slack => {
            let id = dest.slack_integration_id.ok_or("the Slack destination has no integration")?;
            let integration = state
                .alerts
                .integration(d.team_id, id)
                .map_err(|e| e.to_string())?
                .ok_or("the Slack integration was removed")?;
            let token = integration.sensitive_config["access_token"]
                .as_str()
                .ok_or("the Slack integration has no access token")?;
            let url = format!("{}/chat.postMessage", state.settings.alerts.slack_api_url);
            let mut resp = agents
                .plain
                .post(&url)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("Authorization", format!("Bearer {token}"))
                .send(&body[..])
                .map_err(|e| format!("Slack request failed: {e}"))?;
            let status = resp.status().as_u16();
            let answer: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
            // Slack answers 200 with {"ok": false, "error": ...} on failure.
            if (200..300).contains(&status) && answer["ok"] == true {
                return Ok(());
            }
            let why = answer["error"].as_str().unwrap_or("no error given");
            Err(format!("Slack answered {status}: {why}").into())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;

    /// https URLs get a TLS handshake (webhooks must be https; Slack is), and a server that
    /// does not speak TLS is an error, never a plain-text request.
    #[test]
    fn https_is_spoken() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 6];
            s.read_exact(&mut buf).unwrap();
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            buf
        });
        let result = plain_agent().post(&format!("https://127.0.0.1:{port}/hook")).send(&b"{}"[..]);
        let first = server.join().unwrap();
        // A TLS handshake record: content type 22, version 3.x, then a ClientHello (1).
        assert_eq!((first[0], first[1], first[5]), (0x16, 0x03, 0x01), "{first:?}");
        assert!(result.is_err());
    }
}
