//! Vocabulary of logstead-bench's "hard" profile: a data set shaped like a real cluster's
//! (hundreds of live pods replaced every hour, ~50 attribute keys with high-cardinality
//! ids, 200+ message templates with stack traces, a search word whose trigrams are common).

mod lines_high;
mod lines_info;
mod lines_low;
#[cfg(test)]
mod tests;
mod tracebacks;
mod traces;

pub use lines_high::{ERROR, WARN};
pub use lines_info::INFO;
pub use lines_low::{DEBUG, TRACE};
pub use tracebacks::{PYTHON_TRACES, PythonTrace};
pub use traces::{JAVA_TRACES, JavaTrace};

/// The planted search word: made of pieces of frequent words ("reconnect", "connection",
/// "status", "duration", "expectation"), so nearly all its trigrams are in many batches
/// and a trigram filter alone cannot rule them out.
pub const PLANTED: &str = "Reconnectation";

/// What a template logs about; it decides which attributes the record carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Http,
    Db,
    Queue,
    Cache,
    Auth,
    Payment,
    Order,
    Job,
    Mail,
    Runtime,
}

/// One single-line message template. Placeholders: {method} {path} {status} {ms} {uid}
/// {user} {id} {req} {order} {session} {sku} {n} {ip} {table} {host} {key} {err} {topic}
/// {part} {offset} {bytes} {pct} {tenant} {cents} {currency} {provider} {job} {flag}
/// {pod} {version} {agent}.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub kind: Kind,
    pub text: &'static str,
}

pub(crate) const fn t(kind: Kind, text: &'static str) -> Template {
    Template { kind, text }
}

/// Single-line templates per severity: trace, debug, info, warn, error (fatal reuses
/// error). The generator draws them Zipf-like in this order, so the first are frequent.
pub const LINES: [&[Template]; 5] = [TRACE, DEBUG, INFO, WARN, ERROR];

/// All templates: single-line plus stack traces.
pub fn template_count() -> usize {
    LINES.iter().map(|l| l.len()).sum::<usize>() + JAVA_TRACES.len() + PYTHON_TRACES.len()
}

/// Users of the skewed `user_id` population.
pub const USERS: usize = 1_000_000;
/// Tenants, Zipf-like; Q4 filters on the biggest one.
pub const TENANTS: usize = 400;

pub const NAMESPACES: [&str; 4] = ["shop", "payments", "platform", "data"];
pub const NODES: usize = 48;
pub const ZONES: [&str; 3] = ["a", "b", "c"];

/// Log-attribute vocabularies (mid cardinality).
pub const USER_AGENTS: [&str; 8] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
    "Go-http-client/2.0",
    "curl/8.8.0",
];
pub const TOPICS: [&str; 10] = [
    "orders.created",
    "orders.paid",
    "payments.captured",
    "inventory.reserved",
    "shipments.updated",
    "emails.outbound",
    "events.raw",
    "audit.entries",
    "webhooks.pending",
    "search.reindex",
];
pub const CONSUMER_GROUPS: [&str; 6] =
    ["order-projector", "mailer", "ledger-writer", "search-indexer", "webhook-fanout", "analytics"];
pub const JOBS: [&str; 10] = [
    "nightly-invoices",
    "reindex-products",
    "expire-carts",
    "sync-inventory",
    "send-digests",
    "rotate-keys",
    "compact-events",
    "refresh-rates",
    "purge-sessions",
    "export-ledger",
];
pub const PROVIDERS: [&str; 4] = ["stripe", "adyen", "paypal", "braintree"];
pub const CURRENCIES: [&str; 5] = ["USD", "EUR", "GBP", "AUD", "BRL"];
pub const EMAIL_TEMPLATES: [&str; 6] =
    ["welcome", "order-confirmation", "shipping-update", "password-reset", "invoice", "digest"];
pub const AUTH_METHODS: [&str; 4] = ["password", "oauth-google", "saml", "api-key"];
pub const DB_NAMES: [&str; 4] = ["shop", "billing", "events", "identity"];
pub const DB_OPERATIONS: [&str; 5] = ["SELECT", "INSERT", "UPDATE", "DELETE", "UPSERT"];
pub const THREADS: [&str; 6] =
    ["main", "http-nio-8080-exec", "worker", "scheduler-1", "grpc-default", "kafka-consumer"];
pub const ERROR_TYPES: [&str; 8] = [
    "timeout",
    "connection_refused",
    "validation",
    "not_found",
    "conflict",
    "rate_limited",
    "upstream_5xx",
    "internal",
];
