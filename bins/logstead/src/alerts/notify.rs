//! Rendering notifications into queued deliveries (spec §3.8), and the webhook signature.
//! Rendered at check time, so a retry sends exactly what the check saw.

use alerts_engine::check::Evaluated;
use alerts_engine::payload::{AlertInfo, Occurrence, Sample, webhook_body_with_samples};
use alerts_engine::repo::{Alert, Destination, DestinationType, NewDelivery, NotifyKind};
use alerts_engine::slack::{post_message, slack_message};
use alerts_engine::state::Notification;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

/// The header receivers verify: `sha256=<hex HMAC-SHA256(secret, raw body)>`.
pub const SIGNATURE_HEADER: &str = "X-Logstead-Signature";

/// The destination rows that get a notification: one kind per notification (spec §3.7).
pub fn kind_of(n: Notification) -> Option<NotifyKind> {
    match n {
        Notification::None => None,
        Notification::Fire => Some(NotifyKind::Firing),
        Notification::Resolve => Some(NotifyKind::Resolved),
        Notification::Broken => Some(NotifyKind::Broken),
        Notification::Error => Some(NotifyKind::Errored),
    }
}

/// What every delivery of one check shares.
pub struct Rendering<'a> {
    pub site_url: &'a str,
    pub project_name: &'a str,
    pub alert: &'a Alert,
    pub evaluated: &'a Evaluated,
    pub samples: &'a [Sample],
    pub now: OffsetDateTime,
}

/// One queued delivery per live destination row of the notification's kind. Slack bodies
/// leave out the bot token, which the sender adds from the integration.
pub fn render(r: &Rendering<'_>, destinations: &[Destination]) -> Vec<NewDelivery> {
    let n = r.evaluated.notification;
    let Some(kind) = kind_of(n) else { return Vec::new() };
    let w = &r.evaluated.write;
    let event_id = w.event.as_ref().map_or_else(Uuid::nil, |e| e.id).to_string();
    let alert_id = r.alert.id.to_string();
    let cfg = &r.alert.config;
    let info = AlertInfo {
        alert_id: &alert_id,
        alert_name: &cfg.name,
        team_id: r.alert.team_id,
        threshold_count: u64::try_from(cfg.threshold_count.max(0)).unwrap_or(0),
        threshold_operator: cfg.threshold_operator,
        window_minutes: u32::try_from(cfg.window_minutes.max(0)).unwrap_or(0),
        filters: &cfg.filters,
        consecutive_failures: w.consecutive_failures,
        last_error_message: w.last_error_message.as_deref(),
    };
    let occ = Occurrence {
        triggered_at: r.now,
        result_count: r.evaluated.result_count,
        date_from: r.evaluated.focus.map(|f| f.start),
        date_to: r.evaluated.focus.map(|f| f.end),
        error_message: w.last_error_message.as_deref(),
    };
    let samples = if n == Notification::Fire { r.samples } else { &[] };
    destinations
        .iter()
        .filter(|d| d.enabled && d.kind == kind && d.alert_id == r.alert.id)
        .filter_map(|d| {
            let payload = match d.dtype {
                DestinationType::Webhook => {
                    webhook_body_with_samples(n, &event_id, r.site_url, &info, &occ, samples)?
                }
                DestinationType::Slack => {
                    let msg = slack_message(n, r.site_url, r.project_name, &info, &occ)?;
                    post_message(d.slack_channel_id.as_deref().unwrap_or_default(), &msg, samples)
                }
            };
            Some(NewDelivery { id: Uuid::now_v7(), destination_id: d.id, payload, created_at: r.now })
        })
        .collect()
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return [0; 32] };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// The `X-Logstead-Signature` value for a body.
pub fn signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hex::encode(hmac_sha256(secret.as_bytes(), body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 (short key) and 6 (key longer than the block).
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert_eq!(signature("Jefe", b"what do ya want for nothing?").len(), 7 + 64);
    }
}
