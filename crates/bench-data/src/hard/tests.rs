use super::*;

/// Placeholders the logstead-bench generator fills; anything else would be logged as is.
const PLACEHOLDERS: [&str; 31] = [
    "method", "path", "status", "ms", "uid", "user", "id", "req", "order", "session", "sku", "n", "ip",
    "table", "host", "key", "err", "topic", "part", "offset", "bytes", "pct", "tenant", "cents", "currency",
    "provider", "job", "flag", "pod", "version", "agent",
];

fn placeholders(text: &str) -> Vec<&str> {
    text.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(name, _)| name)).collect()
}

#[test]
fn there_are_at_least_220_templates_with_known_placeholders() {
    assert!(template_count() >= 220, "{}", template_count());
    let mut texts: Vec<&str> = LINES.iter().flat_map(|l| l.iter().map(|t| t.text)).collect();
    texts.extend(JAVA_TRACES.iter().flat_map(|t| [t.lead, t.exception]));
    texts.extend(PYTHON_TRACES.iter().map(|t| t.lead));
    let unknown: Vec<&str> =
        texts.iter().flat_map(|t| placeholders(t)).filter(|p| !PLACEHOLDERS.contains(p)).collect();
    assert!(unknown.is_empty(), "{unknown:?}");
    let distinct: std::collections::HashSet<&str> = texts.iter().copied().collect();
    assert_eq!(distinct.len(), texts.len(), "no template twice");
}

#[test]
fn no_template_contains_the_planted_word() {
    let word = PLANTED.to_ascii_lowercase();
    let mut texts: Vec<String> = LINES.iter().flat_map(|l| l.iter().map(|t| t.text.to_string())).collect();
    for t in JAVA_TRACES {
        texts.extend([t.lead, t.exception].map(str::to_string));
        texts.extend(t.frames.iter().map(|f| f.to_string()));
    }
    for t in PYTHON_TRACES {
        texts.extend([t.lead, t.exception].map(str::to_string));
        texts.extend(t.frames.iter().map(|(file, _, func, code)| format!("{file} {func} {code}")));
    }
    assert!(texts.len() > 300);
    assert!(texts.iter().all(|t| !t.to_ascii_lowercase().contains(&word)));
    assert!(texts.iter().any(|t| t.contains("reconnect")), "its pieces are frequent words");
}
