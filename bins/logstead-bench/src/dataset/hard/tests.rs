use std::collections::HashSet;
use std::sync::OnceLock;

use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{KeyValue, any_value::Value};

use super::super::vocab::hard::template_count;
use super::super::{Dataset, Profile, SPAN_SECS, Stats};
use super::{PLANTED, POD_LIFETIME_S, Q4_FILTERS, World};

const END: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
const ROWS: u64 = 60_000;

fn text(kv: &KeyValue) -> String {
    match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::BoolValue(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a KeyValue> {
    attrs.iter().find(|a| a.key == key)
}

/// One generated sample, shared by the tests (generating is the slow part in debug).
struct Sample {
    stats: Stats,
    bodies: Vec<String>,
    keys: HashSet<String>,
    per_record: (usize, usize),
    duplicate_keys: usize,
    q4_recount: u64,
    pod_uids: HashSet<String>,
    user_ids: HashSet<String>,
    request_ids: (usize, usize),
    in_span: bool,
}

fn sample() -> &'static Sample {
    static SAMPLE: OnceLock<Sample> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let d = Dataset::new(Profile::Hard, 42, ROWS, 5_000, END);
        let mut s = Sample {
            stats: Stats::default(),
            bodies: Vec::new(),
            keys: HashSet::new(),
            per_record: (usize::MAX, 0),
            duplicate_keys: 0,
            q4_recount: 0,
            pod_uids: HashSet::new(),
            user_ids: HashSet::new(),
            request_ids: (0, 0),
            in_span: true,
        };
        let mut request_ids = HashSet::new();
        let span = ((END - SPAN_SECS) as u64 * 1_000_000_000)..(END as u64 * 1_000_000_000);
        for i in 0..d.batches() {
            let (req, stats) = d.batch(i);
            s.stats.add(&stats);
            for rl in &req.resource_logs {
                let resource = &rl.resource.as_ref().expect("resource").attributes;
                s.pod_uids.insert(attr(resource, "k8s.pod.uid").map(text).unwrap_or_default());
                for r in &rl.scope_logs[0].log_records {
                    let a = &r.attributes;
                    s.per_record = (s.per_record.0.min(a.len()), s.per_record.1.max(a.len()));
                    let distinct: HashSet<&str> = a.iter().map(|kv| kv.key.as_str()).collect();
                    s.duplicate_keys += a.len() - distinct.len();
                    s.keys.extend(distinct.iter().map(|k| k.to_string()));
                    let q4 = Q4_FILTERS.iter().all(|(k, v)| attr(a, k).is_some_and(|kv| text(kv) == *v));
                    s.q4_recount += u64::from(q4);
                    if let Some(u) = attr(a, "user_id") {
                        s.user_ids.insert(text(u));
                    }
                    if let Some(id) = attr(a, "request_id") {
                        s.request_ids.0 += 1;
                        request_ids.insert(text(id));
                    }
                    s.in_span &= span.contains(&r.time_unix_nano);
                    if let Some(Value::StringValue(b)) = r.body.as_ref().and_then(|b| b.value.as_ref()) {
                        s.bodies.push(b.clone());
                    }
                }
            }
        }
        s.request_ids.1 = request_ids.len();
        s
    })
}

#[test]
fn hundreds_of_live_pods_are_replaced_every_hour() {
    let w = World::new(42, END - SPAN_SECS);
    assert!(w.live_pods() >= 250, "{} live pods", w.live_pods());
    // At any moment every slot has exactly one live pod, and they are all distinct.
    for t in [END - SPAN_SECS, END - 12 * 3600 + 17, END - 1] {
        let names: HashSet<String> = (0..w.live_pods())
            .map(|slot| {
                text(attr(&w.resource(slot, w.generation(slot, t)).attributes, "k8s.pod.name").unwrap())
            })
            .collect();
        assert_eq!(names.len(), w.live_pods());
    }
    // Each slot's pod changes exactly once an hour, with a new name and uid.
    let slot = 7;
    let changes = (END - SPAN_SECS..END)
        .step_by(60)
        .filter(|t| w.generation(slot, *t) != w.generation(slot, t - 60))
        .count();
    assert!((23..=24).contains(&changes), "{changes} replacements in 23 h 45 min");
    let (a, b) = (w.resource(slot, 3), w.resource(slot, 4));
    for key in ["k8s.pod.name", "k8s.pod.uid"] {
        assert_ne!(attr(&a.attributes, key).map(text), attr(&b.attributes, key).map(text));
    }
    assert_eq!(a, w.resource(slot, 3), "a pod's resource is the same on every call");
    // Over the day: thousands of distinct resources, k8s-shaped names, >= 5 attributes.
    let mut uids = HashSet::new();
    for slot in 0..w.live_pods() {
        for g in w.generation(slot, END - SPAN_SECS)..=w.generation(slot, END - 1) {
            let r = w.resource(slot, g);
            assert!(r.attributes.len() >= 5);
            let pod = text(attr(&r.attributes, "k8s.pod.name").unwrap());
            let parts: Vec<&str> = pod.rsplitn(3, '-').collect();
            assert!(parts[0].len() == 5 && parts[1].len() == 10, "{pod}");
            uids.insert(text(attr(&r.attributes, "k8s.pod.uid").unwrap()));
        }
    }
    eprintln!("{} live pods, {} resources in a day", w.live_pods(), uids.len());
    assert_eq!(uids.len() as i64, w.resources_in_span());
    assert!(uids.len() >= 6_000, "{} resources in a day", uids.len());
    // The data itself spreads over them.
    assert!(sample().pod_uids.len() > 3_000, "{} pods in {ROWS} rows", sample().pod_uids.len());
    assert_eq!(POD_LIFETIME_S, 3600);
}

#[test]
fn attributes_have_many_keys_and_high_cardinality_ids() {
    let s = sample();
    eprintln!("{} keys, {} users, {} pods in the sample", s.keys.len(), s.user_ids.len(), s.pod_uids.len());
    assert!(s.keys.len() >= 40, "{} keys: {:?}", s.keys.len(), s.keys);
    assert_eq!(s.per_record, (3, 10), "attributes per record");
    assert_eq!(s.duplicate_keys, 0);
    for key in
        ["user_id", "request_id", "session_id", "order_id", "http.method", "status_code", "region", "tenant"]
    {
        assert!(s.keys.contains(key), "{key}");
    }
    assert!(s.user_ids.len() > 10_000, "{} users", s.user_ids.len());
    assert_eq!(s.request_ids.0, s.request_ids.1, "request ids are unique");
    assert!(s.request_ids.0 > 10_000);
}

#[test]
fn bodies_come_from_many_templates_with_stack_traces() {
    let s = sample();
    assert!(template_count() >= 220, "{} templates", template_count());
    let avg = s.bodies.iter().map(String::len).sum::<usize>() as f64 / s.bodies.len() as f64;
    eprintln!("{} templates, average body {avg:.1} bytes", template_count());
    assert!((70.0..=95.0).contains(&avg), "average body {avg:.1} bytes");
    let java = s.bodies.iter().filter(|b| b.contains("\n\tat ")).count();
    let python = s.bodies.iter().filter(|b| b.contains("\nTraceback (most recent call last):\n")).count();
    assert!(java > 100 && python > 100, "{java} Java and {python} Python traces");
    let shapes: HashSet<&str> = s.bodies.iter().map(|b| b.split([' ', '\n']).next().unwrap_or("")).collect();
    assert!(shapes.len() > 100, "{} distinct first words", shapes.len());
}

fn trigrams(s: &str) -> HashSet<[u8; 3]> {
    s.to_ascii_lowercase().as_bytes().windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// Share of non-planted bodies holding each trigram of the planted word.
fn planted_trigram_shares(bodies: &[String]) -> Vec<(String, f64)> {
    let word = PLANTED.to_ascii_lowercase();
    let plain: Vec<HashSet<[u8; 3]>> =
        bodies.iter().filter(|b| !b.to_ascii_lowercase().contains(&word)).map(|b| trigrams(b)).collect();
    let mut out: Vec<(String, f64)> = Vec::new();
    for w in word.as_bytes().windows(3) {
        let t = [w[0], w[1], w[2]];
        let n = plain.iter().filter(|set| set.contains(&t)).count();
        out.push((String::from_utf8_lossy(w).into_owned(), n as f64 / plain.len() as f64));
    }
    out
}

#[test]
fn the_planted_word_is_rare_but_its_trigrams_are_common() {
    let s = sample();
    let word = PLANTED.to_ascii_lowercase();
    let holding = s.bodies.iter().filter(|b| b.to_ascii_lowercase().contains(&word)).count() as u64;
    assert_eq!(holding, s.stats.planted, "the word only appears where it was planted");
    assert!((30..=90).contains(&holding), "{holding} planted in {ROWS}");
    let cased = s.bodies.iter().filter(|b| b.contains(&word) || b.contains(PLANTED)).count() as u64;
    assert!(cased < holding, "random letter case");
    let shares = planted_trigram_shares(&s.bodies);
    let common = shares.iter().filter(|(_, share)| *share >= 0.01).count();
    eprintln!("{PLANTED} trigram shares: {shares:?}");
    assert!(common * 5 >= shares.len() * 4, "{common}/{} common: {shares:?}", shares.len());
}

#[test]
fn ground_truth_and_time_span_are_exact() {
    let s = sample();
    assert_eq!(s.stats.rows, ROWS);
    assert_eq!(s.stats.q4_expected, s.q4_recount);
    eprintln!("{:?}", s.stats);
    assert!(s.stats.q4_expected > 100, "Q4 matches {}", s.stats.q4_expected);
    assert!(s.stats.q9_expected > 0 && s.stats.q2_expected > 0 && s.stats.last_hour > 2_000);
    assert!(s.in_span);
}

#[test]
fn the_same_seed_gives_the_same_batches() {
    let batch = |seed, i| -> ExportLogsServiceRequest {
        Dataset::new(Profile::Hard, seed, 10_000, 2_000, END).batch(i).0
    };
    assert_eq!(batch(7, 3), batch(7, 3));
    assert_ne!(batch(7, 3), batch(8, 3));
    assert_ne!(batch(7, 3), batch(7, 4));
}
