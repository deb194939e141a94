//! Probable causes and actions: keyword classes matched against the error fields and the
//! body, the HTTP status, the duration, and what the store showed (recurrence, rising
//! errors, the trace). Every sentence quotes the values it rests on.

use super::evidence::Evidence;
use super::facts::Facts;
use crate::answer::{Action, Cause, Confidence, Priority};

struct Class {
    needles: &'static [&'static str],
    statuses: &'static [u16],
    /// `{svc}` and `{dep}` are filled in.
    hypothesis: &'static str,
    action: &'static str,
}

const CLASSES: &[Class] = &[
    Class {
        needles: &["timeout", "timed out", "deadline exceeded", "etimedout"],
        statuses: &[504, 408],
        hypothesis: "A call from {svc} to {dep} took longer than its timeout",
        action: "Check the latency and saturation of {dep} at the time of the log, and whether {svc}'s timeout fits it",
    },
    Class {
        needles: &[
            "connection refused",
            "econnrefused",
            "connection reset",
            "econnreset",
            "unreachable",
            "no route to host",
            "failed to connect",
            "could not connect",
            "name or service not known",
            "broken pipe",
        ],
        statuses: &[502, 503],
        hypothesis: "{dep} was down or unreachable from {svc}",
        action: "Check that {dep} is running and reachable from {svc} (health checks, DNS, network policy)",
    },
    Class {
        needles: &[
            "out of memory",
            "outofmemory",
            "oomkilled",
            "memoryerror",
            "cannot allocate",
            "heap space",
        ],
        statuses: &[],
        hypothesis: "{svc} ran out of memory",
        action: "Check {svc}'s memory usage and limits around the time of the log",
    },
    Class {
        needles: &["no space left", "disk full", "enospc", "quota exceeded"],
        statuses: &[507],
        hypothesis: "A disk or quota used by {svc} is full",
        action: "Free space or raise the quota used by {svc}",
    },
    Class {
        needles: &[
            "deadlock",
            "duplicate key",
            "violates",
            "constraint",
            "sqlstate",
            "syntax error at or near",
            "does not exist",
            "too many connections",
            "lock wait",
        ],
        statuses: &[],
        hypothesis: "A database operation of {svc} failed",
        action: "Look at the failing query and the database's logs for the same minute",
    },
    Class {
        needles: &[
            "nullpointer",
            "nonetype",
            "null reference",
            "undefined is not",
            "cannot read propert",
            "nil pointer",
            "attributeerror",
            "keyerror",
            "index out of range",
            "unwrap",
        ],
        statuses: &[],
        hypothesis: "A bug in {svc}: code used a value that was missing",
        action: "Fix the code path at the top of the stack trace and add a test for this input",
    },
    Class {
        needles: &["rate limit", "too many requests", "throttl", "quota"],
        statuses: &[429],
        hypothesis: "{svc} or a caller hit a rate limit",
        action: "Find which client exceeded the limit and slow it down or raise the limit",
    },
    Class {
        needles: &[
            "unauthorized",
            "forbidden",
            "permission denied",
            "access denied",
            "invalid credentials",
            "authentication failed",
            "expired",
        ],
        statuses: &[401, 403],
        hypothesis: "Credentials or permissions were rejected",
        action: "Check the credentials {svc} uses (rotation, expiry) and the caller's permissions",
    },
    Class {
        needles: &[
            "parse error",
            "invalid json",
            "unexpected token",
            "deserializ",
            "malformed",
            "unmarshal",
            "invalid input",
            "validation",
        ],
        statuses: &[400, 422],
        hypothesis: "{svc} received input it could not parse or accept",
        action: "Find the client sending this input and compare it with the expected format",
    },
    Class {
        needles: &["not found", "no such"],
        statuses: &[404],
        hypothesis: "A requested resource does not exist",
        action: "Check whether the resource was deleted or the caller uses a stale id or route",
    },
];

fn fill(t: &str, f: &Facts<'_>) -> String {
    t.replace("{svc}", f.service()).replace("{dep}", f.peer.map_or("a dependency", |p| p))
}

/// The first needle found, where, or the status that matched.
fn matched(c: &Class, f: &Facts<'_>) -> Option<(Confidence, String)> {
    for (hay, is_error) in f.haystacks() {
        if let Some(n) = c.needles.iter().find(|n| hay.contains(**n)) {
            let (conf, place) = if is_error {
                (Confidence::High, "the error fields contain")
            } else {
                (Confidence::Medium, "the body contains")
            };
            return Some((conf, format!("{place} \"{n}\"")));
        }
    }
    let status = f.status.filter(|s| c.statuses.contains(s))?;
    Some((Confidence::Medium, format!("the HTTP status is {status}")))
}

pub fn causes_and_actions(f: &Facts<'_>, ev: &Evidence) -> (Vec<Cause>, Vec<Action>) {
    let (mut causes, mut actions) = (Vec::new(), Vec::new());
    let urgent = if f.severity >= logs_query::Severity::Error { Priority::Now } else { Priority::Soon };
    let quoted = format!("\"{}\"", f.message);
    for c in CLASSES {
        if causes.len() == 2 {
            break;
        }
        if let Some((confidence, why)) = matched(c, f) {
            let reasoning = format!("{why}: {quoted}.");
            causes.push(Cause { hypothesis: fill(c.hypothesis, f), confidence, reasoning });
            actions.push(Action {
                action: fill(c.action, f),
                priority: urgent,
                why: format!("Because {why}."),
            });
        }
    }
    if causes.is_empty()
        && let Some(s) = f.status.filter(|s| *s >= 500)
    {
        let hypothesis =
            format!("{} failed while handling {}", f.service(), nonempty(&f.endpoint(), "a request"));
        causes.push(Cause {
            hypothesis,
            confidence: Confidence::Medium,
            reasoning: format!("It answered HTTP {s} and logged {quoted}."),
        });
    }
    if let Some(d) = f.duration_ms.filter(|d| *d >= 1000.0) {
        causes.push(Cause {
            hypothesis: format!("The operation was slow ({d:.0} ms)"),
            confidence: Confidence::Medium,
            reasoning: format!("The record gives a duration of {d:.0} ms, above one second."),
        });
    }
    if ev.rising() {
        causes.push(Cause {
            hypothesis: format!("A recent change or incident is making {} fail more often", f.service()),
            confidence: Confidence::Medium,
            reasoning: format!(
                "{} error records from {} in the last hour against {:.1} an hour over the {} hours before.",
                ev.errors_last_hour,
                f.service(),
                ev.errors_baseline,
                super::evidence::BASELINE_HOURS
            ),
        });
        actions.push(Action {
            action: format!(
                "Check what changed in {} in the last hour (deploys, configuration, traffic)",
                f.service()
            ),
            priority: Priority::Now,
            why: format!(
                "Errors rose to {} in the last hour from about {:.1} an hour.",
                ev.errors_last_hour, ev.errors_baseline
            ),
        });
    }
    if causes.is_empty() {
        causes.push(fallback_cause(f, ev));
    }
    causes.truncate(crate::answer::MAX_CAUSES);
    if !f.ctx.trace_id.is_empty() {
        let services: Vec<&str> = unique(ev.trace.iter().map(|t| t.service.as_str()));
        let why = if ev.trace.is_empty() {
            "No other record of this trace was found within 30 minutes; the spans may show more.".to_string()
        } else {
            format!("{} other records of this trace were logged by {}.", ev.trace.len(), services.join(", "))
        };
        actions.push(Action {
            action: format!("Open trace {} and follow the request across services", f.ctx.trace_id),
            priority: urgent,
            why,
        });
    }
    if let Some(top) = f.stack_top {
        actions.push(Action {
            action: format!("Read the code at {top}"),
            priority: Priority::Soon,
            why: "It is the top frame of the stack trace.".into(),
        });
    }
    if ev.pattern_last_day > 1 {
        actions.push(Action {
            action: format!(
                "Search {}'s logs for the pattern \"{}\" to see when it started",
                f.service(),
                ev.pattern
            ),
            priority: Priority::Soon,
            why: format!(
                "It occurred {} in the last day, {} in the last hour.",
                times(ev.pattern_last_day, ev.pattern_capped),
                ev.pattern_last_hour
            ),
        });
    }
    if f.severity >= logs_query::Severity::Warn {
        actions.push(Action {
            action: format!("Create a log alert on \"{}\" in {}", ev.pattern, f.service()),
            priority: Priority::Later,
            why: "So the next occurrence notifies the team instead of waiting to be found.".into(),
        });
    } else {
        actions.push(Action {
            action: format!(
                "No action needed unless {} shows errors around {}",
                f.service(),
                f.ctx.timestamp
            ),
            priority: Priority::Later,
            why: format!("The record is at level {} and names no failure.", f.ctx.severity_text),
        });
    }
    actions.truncate(crate::answer::MAX_ACTIONS);
    (causes, actions)
}

fn fallback_cause(f: &Facts<'_>, ev: &Evidence) -> Cause {
    let at = f.code.map(|c| format!(" at {c}")).unwrap_or_default();
    if f.severity >= logs_query::Severity::Warn {
        Cause {
            hypothesis: format!(
                "The code path of {}{at} that logs \"{}\" hit an unexpected condition",
                f.service(),
                ev.pattern
            ),
            confidence: Confidence::Low,
            reasoning: format!(
                "The record is at level {} but names no known failure; it says {}.",
                f.ctx.severity_text,
                short_q(f)
            ),
        }
    } else {
        Cause {
            hypothesis: format!("Routine activity of {}{at}", f.service()),
            confidence: Confidence::Medium,
            reasoning: format!(
                "Level {} with the message {}; seen {} in the last day.",
                f.ctx.severity_text,
                short_q(f),
                times(ev.pattern_last_day, ev.pattern_capped)
            ),
        }
    }
}

fn short_q(f: &Facts<'_>) -> String {
    format!("\"{}\"", f.message)
}

pub fn times(n: u64, capped: bool) -> String {
    let plus = if capped { "+" } else { "" };
    if n == 1 { "once".into() } else { format!("{n}{plus} times") }
}

fn nonempty<'a>(s: &'a str, or: &'a str) -> &'a str {
    if s.is_empty() { or } else { s }
}

fn unique<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for s in it {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
