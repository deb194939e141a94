//! A message's pattern: the body with its variable parts masked (`<UUID>`, `<IP>`, `<HEX>`,
//! `<EMAIL>`, `<N>`, as PostHog's log patterns do), so "user 42 not found" and "user 7 not
//! found" count as the same message.

use std::sync::LazyLock;

use regex::Regex;

/// Longest body prefix considered: patterns of huge bodies cost time and say little more.
const MAX_CHARS: usize = 512;

static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let rules: [(&str, &str); 6] = [
        (r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "<UUID>"),
        (r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", "<EMAIL>"),
        (r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", "<IP>"),
        (r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+\-]\d{2}:?\d{2})?", "<TIMESTAMP>"),
        (
            r"(?i)\b(?:0x)?[0-9a-f]*\d[0-9a-f]*[a-f][0-9a-f]*\b|\b(?:0x)?[0-9a-f]*[a-f][0-9a-f]*\d[0-9a-f]*\b",
            "<HEX>",
        ),
        (r"[-+]?\b\d+(?:\.\d+)?\b", "<N>"),
    ];
    rules.into_iter().filter_map(|(re, to)| Regex::new(re).ok().map(|r| (r, to))).collect()
});

/// Minimum length for a mixed letter/digit word to count as a hex id (`a1` stays).
const MIN_HEX: usize = 8;

static MASK_TOKEN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"<(?:N|UUID|EMAIL|IP|TIMESTAMP|HEX)>").ok());

/// The longest literal piece of a pattern (between masks): every body with the pattern
/// contains it.
pub fn literal_anchor(pattern: &str) -> &str {
    match MASK_TOKEN.as_ref() {
        Some(re) => re.split(pattern).max_by_key(|s| s.len()).unwrap_or(""),
        None => "",
    }
}

pub fn pattern_of(body: &str) -> String {
    let cut = body.char_indices().nth(MAX_CHARS).map_or(body, |(i, _)| &body[..i]);
    let mut out = cut.trim().to_string();
    for (re, to) in MASKS.iter() {
        if *to == "<HEX>" {
            out = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    let m = &c[0];
                    if m.len() >= MIN_HEX { to.to_string() } else { m.to_string() }
                })
                .into_owned();
        } else {
            out = re.replace_all(&out, *to).into_owned();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_parts_are_masked() {
        assert_eq!(
            pattern_of(
                "user 42 (bob@example.com) from 10.0.0.7:5432 failed: order 0193a9c2-1111-7000-8000-000000000001"
            ),
            "user <N> (<EMAIL>) from <IP> failed: order <UUID>"
        );
        assert_eq!(pattern_of("commit deadbeef12 took 3.5 ms"), "commit <HEX> took <N> ms");
        assert_eq!(pattern_of("at 2025-01-02T03:04:05.123Z in a1"), "at <TIMESTAMP> in a1");
        assert_eq!(pattern_of("user 7 not found"), pattern_of("user 1234 not found"));
        assert_ne!(pattern_of("user 7 not found"), pattern_of("order 7 not found"));
        assert_eq!(literal_anchor("user <N> (<EMAIL>) was not found in <IP>"), ") was not found in ");
        assert_eq!(literal_anchor("<N>"), "");
    }
}
