//! Fixed vocabularies of the benchmark data sets: services, routes, message patterns,
//! names. logstead-bench draws its data set from them; the log-store and ingest benches
//! take leading slices, so all three describe the same kind of fleet. The `hard` module
//! holds logstead-bench's harder vocabulary (templates, stack traces, attribute values).

pub mod hard;

/// 30 services; the generator draws them with a Zipf-like skew in this order.
pub const SERVICES: [&str; 30] = [
    "api-gateway",
    "web-frontend",
    "checkout",
    "catalog",
    "search",
    "payments",
    "cart",
    "auth",
    "recommendations",
    "inventory",
    "user-profile",
    "notifications",
    "shipping",
    "event-router",
    "billing",
    "worker-default",
    "email-sender",
    "analytics-ingest",
    "session-store",
    "feature-flags",
    "scheduler",
    "image-resizer",
    "invoicing",
    "rate-limiter",
    "webhooks",
    "audit-log",
    "pdf-renderer",
    "exports",
    "geo-ip",
    "ledger",
];

pub const LANGUAGES: [&str; 5] = ["go", "python", "java", "nodejs", "rust"];
pub const CLOUD_REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

/// Client regions for the `region` log attribute, with weights.
pub const REGIONS: [(&str, f64); 6] = [
    ("us-east-1", 35.0),
    ("eu-west-1", 25.0),
    ("us-west-2", 15.0),
    ("eu-central-1", 12.0),
    ("ap-southeast-2", 8.0),
    ("sa-east-1", 5.0),
];

/// HTTP methods with weights.
pub const METHODS: [(&str, f64); 5] =
    [("GET", 60.0), ("POST", 25.0), ("PUT", 8.0), ("DELETE", 5.0), ("PATCH", 2.0)];

/// Route templates; `{id}` becomes a number in bodies.
pub const ROUTES: [&str; 40] = [
    "/api/orders/{id}",
    "/api/orders",
    "/api/cart/{id}/items",
    "/api/cart/{id}",
    "/api/products/{id}",
    "/api/products",
    "/api/search",
    "/api/users/{id}",
    "/api/users/{id}/sessions",
    "/api/users/me",
    "/api/payments/{id}/capture",
    "/api/payments/{id}/refund",
    "/api/payments",
    "/api/invoices/{id}",
    "/api/invoices/{id}/pdf",
    "/api/shipments/{id}/track",
    "/api/shipments",
    "/api/recommendations/{id}",
    "/api/inventory/{id}/reserve",
    "/api/inventory/{id}",
    "/api/flags/evaluate",
    "/api/events/batch",
    "/api/webhooks/{id}/deliver",
    "/api/exports/{id}",
    "/api/exports",
    "/api/auth/login",
    "/api/auth/token/refresh",
    "/api/auth/logout",
    "/api/notifications/{id}/read",
    "/api/notifications",
    "/api/images/{id}/resize",
    "/api/ledger/{id}/entries",
    "/api/geo/lookup",
    "/api/audit/{id}",
    "/api/schedule/{id}/run",
    "/healthz",
    "/readyz",
    "/metrics",
    "/api/v2/orders/{id}",
    "/api/v2/products/{id}",
];

pub const STATUS_OK: [(i64, f64); 4] = [(200, 80.0), (201, 8.0), (204, 7.0), (304, 5.0)];
pub const STATUS_WARN: [(i64, f64); 4] = [(400, 40.0), (404, 35.0), (409, 10.0), (429, 15.0)];
pub const STATUS_ERROR: [(i64, f64); 4] = [(500, 55.0), (502, 20.0), (503, 20.0), (504, 5.0)];

/// Four subsystems multiply the 50 patterns below into 200 message templates.
pub const COMPONENTS: [&str; 4] = ["http", "db", "queue", "cache"];

/// Message patterns per severity: trace, debug, info, warn, error (fatal reuses error).
/// Placeholders: {user} {uid} {ms} {id} {path} {method} {status} {n} {ip} {table} {host}
/// {key} {err}.
pub const PATTERNS: [&[&str]; 5] = [
    &[
        "enter handler {method} {path}",
        "span {id} started",
        "acquired connection {n} from pool",
        "cache lookup key={key}",
        "read {n} bytes from socket {ip}",
    ],
    &[
        "parsed request body in {ms}ms ({n} fields)",
        "query on {table} returned {n} rows in {ms}ms",
        "resolved user {user} ({uid}) from token",
        "feature flag new-checkout evaluated for {uid}: {n}",
        "retrying call to {host} attempt {n}",
        "cache miss for {key}, loading from {table}",
        "serialized response of {n} bytes",
        "scheduling job {id} in {n}s",
        "connection to {host} reused",
        "validated payload for {path}",
    ],
    &[
        "{method} {path} {status} in {ms}ms",
        "user {user} logged in from {ip}",
        "order {id} created by {uid} with {n} items",
        "payment {id} captured for {uid}",
        "processed batch of {n} events in {ms}ms",
        "job {id} finished in {ms}ms",
        "sent email to {user} (template welcome-{n})",
        "inventory reserved: sku-{n} x{n} for order {id}",
        "session {id} refreshed for {user}",
        "request completed: {method} {path} status={status} duration={ms}ms",
        "webhook {id} delivered to {host} in {ms}ms",
        "export {id} ready ({n} rows)",
        "cache warmed: {n} keys in {ms}ms",
        "user {uid} updated profile field {key}",
        "shipment {id} status changed to in_transit",
        "rendered invoice {id} ({n} pages) in {ms}ms",
        "search for {key} returned {n} hits in {ms}ms",
        "consumer lag on partition {n} is {n} messages",
        "resized image {id} to {n}px in {ms}ms",
        "flag rollout updated: {n}% for segment {key}",
    ],
    &[
        "slow query on {table}: {ms}ms",
        "{method} {path} returned {status} for {user}",
        "retry {n}/5 calling {host}: {err}",
        "rate limit approaching for {uid}: {n} req/min",
        "cache eviction storm: {n} keys dropped",
        "deprecated endpoint {path} called by {uid}",
        "request {id} took {ms}ms, over budget",
        "pool {table} nearly exhausted ({n} in use)",
    ],
    &[
        "{method} {path} failed with {status}: {err}",
        "unhandled exception in job {id}: {err}",
        "payment {id} declined for {uid}: {err}",
        "could not connect to {host} after {n} attempts: {err}",
        "transaction rolled back on {table}: {err}",
        "failed to deliver webhook {id} to {host}: {err}",
        "timeout after {ms}ms waiting for {host}",
    ],
];

pub const TABLES: [&str; 12] = [
    "orders",
    "order_items",
    "users",
    "sessions",
    "payments",
    "invoices",
    "products",
    "inventory",
    "shipments",
    "events",
    "ledger_entries",
    "feature_flags",
];

pub const HOSTS: [&str; 10] = [
    "postgres-primary.internal:5432",
    "postgres-replica.internal:5432",
    "redis-main.internal:6379",
    "kafka-0.internal:9092",
    "api.stripe.com:443",
    "smtp.sendgrid.net:587",
    "s3.amazonaws.com:443",
    "search-es.internal:9200",
    "hooks.slack.com:443",
    "maps.googleapis.com:443",
];

pub const ERRORS: [&str; 12] = [
    "connection reset by peer",
    "context deadline exceeded",
    "connection refused",
    "duplicate key value violates unique constraint",
    "card_declined",
    "insufficient_funds",
    "TLS handshake timeout",
    "no such host",
    "deadlock detected",
    "broken pipe",
    "invalid JSON in response body",
    "too many open files",
];

pub const FIRST_NAMES: [&str; 24] = [
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
    "olivia", "peggy", "rupert", "sybil", "trent", "uma", "victor", "wendy", "xavier", "yara", "zoe",
    "quinn",
];

pub const LAST_NAMES: [&str; 20] = [
    "smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "moore", "taylor", "thomas", "lee",
    "walker", "hall", "young", "king", "wright", "scott", "green", "baker", "adams",
];

pub const FEATURE_FLAGS: [&str; 6] =
    ["new-checkout", "fast-search", "dark-mode", "beta-pricing", "one-click-pay", "v2-api"];
pub const DB_SYSTEMS: [&str; 3] = ["postgresql", "redis", "elasticsearch"];
pub const TENANTS: usize = 300;
pub const USERS: usize = 20_000;

/// xorshift64*: the benches' fixed traces, the same sequence for a seed on every run and
/// platform, without a dependency.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// `seed` with its low bit set (xorshift never leaves zero).
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
