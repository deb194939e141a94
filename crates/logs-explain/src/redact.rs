//! Secrets never leave the server: attribute keys that name a secret are dropped, and
//! secret-shaped text (PostHog keys, bearer tokens, JWTs, `password=...`) is masked in
//! every value and in the body.

use std::sync::LazyLock;

use regex::Regex;

pub const MASK: &str = "[REDACTED]";

/// Key fragments that name a secret wherever they appear in a key.
const SECRET_KEY_PARTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "authorization",
    "cookie",
    "credential",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "privatekey",
    "access_key",
    "accesskey",
    "signature",
];

/// Whole key segments (split on `.`, `_`, `-`) that name a secret: `token`,
/// `access_token`, `x-auth-token`, but not `input_tokens`.
const SECRET_SEGMENTS: &[&str] = &["token", "pwd", "auth", "jwt", "bearer", "sessionid", "csrftoken"];

pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    SECRET_KEY_PARTS.iter().any(|p| k.contains(p))
        || k.split(['.', '_', '-', ' ']).any(|s| SECRET_SEGMENTS.contains(&s) || s.ends_with("token"))
}

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let rules: [(&str, &str); 6] = [
        // PostHog project tokens and personal keys.
        (r"ph[cx]_[A-Za-z0-9_\-]{4,}", MASK),
        (r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=\-]{8,}", "$1$2[REDACTED]"),
        (r"eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}", MASK),
        (r"\b(sk|rk|pk)[-_][A-Za-z0-9_\-]{16,}", MASK),
        (r"\bAKIA[0-9A-Z]{16}\b", MASK),
        (
            r#"(?i)\b([a-z0-9_\-.]*(?:password|passwd|pwd|secret|token|api[_-]?key|authorization|cookie)[a-z0-9_\-.]*)("?'?\s*[:=]\s*"?'?)[^\s"'&,;}]+"#,
            "$1$2[REDACTED]",
        ),
    ];
    rules.into_iter().filter_map(|(re, to)| Regex::new(re).ok().map(|r| (r, to))).collect()
});

/// Masks secret-shaped text and every literal in `secrets` (e.g. the project token).
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), MASK);
        }
    }
    for (re, to) in PATTERNS.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, *to).into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_recognised_and_usage_counters_are_not() {
        for k in [
            "password",
            "db.password",
            "http.request.header.authorization",
            "Cookie",
            "access_token",
            "x-auth-token",
            "api_key",
            "client_secret",
            "AWS_SECRET_ACCESS_KEY",
            "token",
            "csrftoken",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["gen_ai.usage.input_tokens", "http.route", "user.id", "session_id", "author"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn secret_shaped_text_is_masked() {
        let token = "phc_projectTOKEN123".to_string();
        let text = "sent phc_projectTOKEN123 with Authorization: Bearer abcdefghijkl123 and password=hunter2 \
            key sk-abcdefghijklmnopqrstu jwt eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl";
        let out = scrub(text, std::slice::from_ref(&token));
        for secret in
            ["phc_projectTOKEN123", "abcdefghijkl123", "hunter2", "sk-abcdefghijklmnopqrstu", "eyJhbGciOi"]
        {
            assert!(!out.contains(secret), "{secret} left in {out}");
        }
        assert!(out.contains("password=[REDACTED]"), "{out}");
        assert_eq!(scrub("GET /api/users 200 in 35 ms", &[]), "GET /api/users 200 in 35 ms");
    }
}
