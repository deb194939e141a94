use logs_query::{LogRecord, Severity};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::*;
use crate::model::RuleType::{PathDrop, RateLimit as Rl, SeveritySampling};
use crate::testutil::{T0_US, record, rule};

const SEC: i64 = 1_000_000;

fn keep(set: &RuleSet, r: &LogRecord) -> bool {
    set.decide(r, &Limiter::new(), T0_US).keep
}

/// The spec's `u`, computed here without the crate's code.
fn u_of(trace: [u8; 16]) -> f64 {
    let d = Sha256::digest(trace);
    let first = u32::from_be_bytes([d[0], d[1], d[2], d[3]]);
    f64::from(first) / 4_294_967_295.0
}

fn traced(trace: [u8; 16], sev: Severity) -> LogRecord {
    LogRecord { trace_id: trace, ..record("api", sev, &[]) }
}

#[test]
fn no_rules_keep_everything() {
    let d = RuleSet::new(1, &[]).decide(&record("api", Severity::Debug, &[]), &Limiter::new(), T0_US);
    assert_eq!(d, Decision { keep: true, rule: None });
}

#[test]
fn path_drop_by_pattern_attribute_key_and_filter_group() {
    let r1 = rule(1, PathDrop, json!({"patterns": ["^/healthz$", "(bad"]}));
    let set = RuleSet::new(1, std::slice::from_ref(&r1));
    let hit = record("api", Severity::Info, &[("http.route", "/healthz")]);
    assert_eq!(set.decide(&hit, &Limiter::new(), T0_US), Decision { keep: false, rule: Some(r1.id) });
    assert!(keep(&set, &record("api", Severity::Info, &[("http.route", "/api")])));
    assert!(keep(&set, &record("api", Severity::Info, &[])), "no path string");
    let first_non_empty = record("api", Severity::Info, &[("url.path", ""), ("http.path", "/healthz")]);
    assert!(!keep(&set, &first_non_empty), "empty url.path is skipped");
    let keyed =
        RuleSet::new(1, &[rule(1, PathDrop, json!({"patterns": ["^/x"], "match_attribute_key": "target"}))]);
    assert!(!keep(&keyed, &record("api", Severity::Info, &[("target", "/x/1")])));
    assert!(keep(&keyed, &record("api", Severity::Info, &[("url.path", "/x/1")])), "only the named key");
    let fg = json!({"filter_group": {"type": "AND", "values": [{"key": "k8s.ns", "type": "log_resource_attribute", "operator": "exact", "value": "dev"}]}});
    let grouped = RuleSet::new(1, &[rule(1, PathDrop, fg)]);
    let mut dev = record("api", Severity::Info, &[]);
    std::sync::Arc::make_mut(&mut dev.resource_attributes).push(("k8s.ns".into(), "dev".into()));
    std::sync::Arc::make_mut(&mut dev.resource_attributes).sort();
    assert!(!keep(&grouped, &dev));
    assert!(keep(&grouped, &record("api", Severity::Info, &[])));
}

#[test]
fn legacy_scopes_skip_rules() {
    let mut r = rule(1, PathDrop, json!({"patterns": [".*"]}));
    r.scope_service = Some("api".into());
    r.scope_path_pattern = Some("^/internal".into());
    let set = RuleSet::new(1, &[r.clone()]);
    assert!(!keep(&set, &record("api", Severity::Info, &[("path", "/internal/x")])));
    assert!(keep(&set, &record("web", Severity::Info, &[("path", "/internal/x")])), "other service");
    assert!(keep(&set, &record("api", Severity::Info, &[("path", "/public")])), "other path");
    r.scope_path_pattern = Some("(".into());
    assert!(
        keep(&RuleSet::new(1, &[r]), &record("api", Severity::Info, &[("path", "/internal/x")])),
        "bad regex: no match"
    );
}

#[test]
fn always_keep_stops_the_walk() {
    let cfg = json!({"patterns": [".*"], "always_keep": {"status_gte": 500, "latency_ms_gt": 1000,
        "attribute_predicates": [{"key": "vip", "op": "exists"}, {"key": "tier", "op": "eq", "value": "gold"}]}});
    let r1 = rule(1, PathDrop, cfg);
    let set = RuleSet::new(1, std::slice::from_ref(&r1));
    let p = ("path", "/x");
    assert_eq!(
        set.decide(&record("a", Severity::Info, &[p, ("http.status_code", "503")]), &Limiter::new(), T0_US),
        Decision { keep: true, rule: Some(r1.id) }
    );
    assert!(keep(&set, &record("a", Severity::Info, &[p, ("http.response.status_code", "500")])));
    assert!(!keep(&set, &record("a", Severity::Info, &[p, ("http.status_code", "404")])));
    assert!(keep(&set, &record("a", Severity::Info, &[p, ("duration_ms", "1500")])));
    assert!(!keep(&set, &record("a", Severity::Info, &[p, ("duration_ms", "1000")])), "strictly greater");
    assert!(keep(&set, &record("a", Severity::Info, &[p, ("vip", "")])));
    assert!(keep(&set, &record("a", Severity::Info, &[p, ("tier", "gold")])));
    assert!(!keep(&set, &record("a", Severity::Info, &[p, ("tier", "silver")])));
}

#[test]
fn severity_actions_by_bucket_and_missing_levels_keep() {
    let r1 =
        rule(1, SeveritySampling, json!({"actions": {"DEBUG": {"type": "drop"}, "WARN": {"type": "keep"}}}));
    let set = RuleSet::new(1, &[r1.clone(), rule(2, PathDrop, json!({"patterns": [".*"]}))]);
    assert!(!keep(&set, &record("a", Severity::Trace, &[])), "trace is DEBUG");
    assert!(!keep(&set, &record("a", Severity::Debug, &[])));
    let info = set.decide(&record("a", Severity::Info, &[("path", "/x")]), &Limiter::new(), T0_US);
    assert_eq!(info, Decision { keep: true, rule: Some(r1.id) }, "missing level keeps and stops the walk");
    let mut unknown = record("a", Severity::Unknown, &[]);
    unknown.severity_number = 5;
    assert!(!keep(&set, &unknown), "number 5 is DEBUG");
    unknown.severity_number = 0;
    assert!(keep(&set, &unknown), "no number is INFO");
    unknown.severity_number = 14;
    assert!(keep(&set, &unknown), "14 is WARN");
}

#[test]
fn sampling_uses_sha256_of_the_trace_id_at_the_boundary() {
    for seed in 1u8..=20 {
        let trace = [seed; 16];
        let u = u_of(trace);
        let at = |rate: f64| {
            let cfg = json!({"actions": {"ERROR": {"type": "sample", "rate": rate}}});
            keep(&RuleSet::new(1, &[rule(1, SeveritySampling, cfg)]), &traced(trace, Severity::Error))
        };
        assert!(!at(u), "seed {seed}: u < rate is false at rate = u");
        assert!(at((u + 1e-9).min(1.0)) || u >= 1.0, "seed {seed}: kept just above u");
    }
    let cfg = |rate: f64| json!({"actions": {"ERROR": {"type": "sample", "rate": rate}}});
    assert!(
        keep(&RuleSet::new(1, &[rule(1, SeveritySampling, cfg(7.0))]), &traced([3; 16], Severity::Fatal)),
        "clamped to 1"
    );
    assert!(
        !keep(&RuleSet::new(1, &[rule(1, SeveritySampling, cfg(-1.0))]), &traced([3; 16], Severity::Error)),
        "clamped to 0"
    );
    let untraced = RuleSet::new(1, &[rule(1, SeveritySampling, cfg(0.5))]);
    let kept = (0..2000).filter(|_| keep(&untraced, &record("a", Severity::Error, &[]))).count();
    assert!((800..1200).contains(&kept), "no trace id: random, ~half kept ({kept})");
}

#[test]
fn rate_limit_lines_bucket_burst_then_refill() {
    let set = RuleSet::new(1, &[rule(1, Rl, json!({"logs_per_second": 10, "burst_logs": 20}))]);
    let lim = Limiter::new();
    let r = record("a", Severity::Info, &[]);
    let kept0 = (0..50).filter(|_| set.decide(&r, &lim, T0_US).keep).count();
    assert_eq!(kept0, 20, "burst");
    let kept1 = (0..50).filter(|_| set.decide(&r, &lim, T0_US + SEC).keep).count();
    assert_eq!(kept1, 10, "one second of refill");
    let kept2 = (0..50).filter(|_| set.decide(&r, &lim, T0_US + 100 * SEC).keep).count();
    assert_eq!(kept2, 20, "refill caps at the burst");
    let default_burst = RuleSet::new(1, &[rule(2, Rl, json!({"logs_per_second": 5}))]);
    assert_eq!((0..50).filter(|_| default_burst.decide(&r, &lim, T0_US).keep).count(), 15, "3 x rate");
}

#[test]
fn rate_limit_kb_mode_charges_record_bytes() {
    let set = RuleSet::new(1, &[rule(1, Rl, json!({"kb_per_second": 1, "burst_kb": 2}))]);
    let lim = Limiter::new();
    let mut r = record("a", Severity::Info, &[]);
    r.bytes = 1000;
    let kept = (0..10).filter(|_| set.decide(&r, &lim, T0_US).keep).count();
    assert_eq!(kept, 2, "2048 bytes of burst hold two 1000-byte records");
    let kept = (0..10).filter(|_| set.decide(&r, &lim, T0_US + SEC).keep).count();
    assert_eq!(kept, 1, "1024 bytes/s refill (+48 left) holds one more");
}

#[test]
fn only_the_first_matching_rate_limit_is_charged_after_the_walk() {
    let fg = json!({"type": "AND", "values": [{"key": "tier", "operator": "exact", "value": "free"}]});
    let r1 = rule(1, Rl, json!({"logs_per_second": 1, "burst_logs": 1, "filter_group": fg}));
    let r2 = rule(2, Rl, json!({"logs_per_second": 2, "burst_logs": 2}));
    let r3 = rule(3, PathDrop, json!({"patterns": ["^/drop"]}));
    let set = RuleSet::new(1, &[r1.clone(), r2.clone(), r3.clone()]);
    let lim = Limiter::new();
    let free = record("a", Severity::Info, &[("tier", "free")]);
    let paid = record("a", Severity::Info, &[("tier", "paid")]);
    assert_eq!(set.decide(&free, &lim, T0_US), Decision { keep: true, rule: Some(r1.id) });
    assert_eq!(set.decide(&free, &lim, T0_US), Decision { keep: false, rule: Some(r1.id) });
    let dropped = record("a", Severity::Info, &[("tier", "paid"), ("path", "/drop")]);
    assert_eq!(set.decide(&dropped, &lim, T0_US), Decision { keep: false, rule: Some(r3.id) });
    let paid_kept = (0..5).filter(|_| set.decide(&paid, &lim, T0_US).keep).count();
    assert_eq!(paid_kept, 2, "the path drop did not charge r2's bucket");
}

#[test]
fn invalid_configs_and_disabled_rules_never_drop_and_order_is_priority_then_created_at() {
    let bad = rule(1, Rl, json!({"logs_per_second": 0}));
    let mut off = rule(2, PathDrop, json!({"patterns": [".*"]}));
    off.enabled = false;
    let not_object = rule(3, PathDrop, json!("x"));
    let set = RuleSet::new(1, &[bad, off, not_object]);
    assert!(set.is_empty());
    assert!(keep(&set, &record("a", Severity::Info, &[("path", "/x")])));
    let mut late = rule(5, SeveritySampling, json!({"actions": {"INFO": {"type": "keep"}}}));
    let mut early = rule(6, SeveritySampling, json!({"actions": {"INFO": {"type": "drop"}}}));
    late.priority = 0;
    early.priority = 0;
    late.created_at += time::Duration::seconds(1);
    let d = RuleSet::new(1, &[late, early.clone()]).decide(
        &record("a", Severity::Info, &[]),
        &Limiter::new(),
        T0_US,
    );
    assert_eq!(d, Decision { keep: false, rule: Some(early.id) }, "same priority: older first");
}
