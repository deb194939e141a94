//! Organization slugs, Django-style (specs/platform.md 3.4).

use rand::Rng;

pub const MAX_SLUG: usize = 48;

/// ASCII-folds, lower-cases, keeps word characters, collapses spaces and hyphens to one
/// `-`, trims `-`/`_` at the ends, truncates to 48.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in name.chars() {
        let c = fold(c);
        if c.is_ascii_alphanumeric() || c == '_' {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c.to_ascii_lowercase());
        } else if c == '-' || c.is_whitespace() {
            pending_dash = true;
        }
    }
    let trimmed = out.trim_matches(|c| c == '-' || c == '_');
    trimmed.chars().take(MAX_SLUG).collect()
}

/// Common Latin letters with diacritics fold to their base letter, as NFKD + ASCII would.
fn fold(c: char) -> char {
    const FROM: &str = "àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ";
    const TO: &str = "aaaaaaceeeeiiiinooooouuuuyyAAAAAACEEEEIIIINOOOOOUUUUY";
    FROM.chars().position(|f| f == c).and_then(|i| TO.chars().nth(i)).unwrap_or(c)
}

/// The retry form after a collision: the first 43 characters and 4 random letters.
pub fn with_random_suffix(base: &str) -> String {
    let head: String = base.chars().take(MAX_SLUG - 5).collect();
    let mut rng = rand::rng();
    let suffix: String = (0..4).map(|_| char::from(rng.random_range(b'a'..=b'z'))).collect();
    if head.is_empty() { suffix } else { format!("{head}-{suffix}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_follows_django() {
        assert_eq!(slugify("Hello World"), "hello-world");
        assert_eq!(slugify("  --Acme   Inc.--  "), "acme-inc");
        assert_eq!(slugify("Café Crème"), "cafe-creme");
        assert_eq!(slugify("a - b"), "a-b");
        assert_eq!(slugify("__x__"), "x");
        assert_eq!(slugify("日本"), "");
        assert_eq!(slugify(&"x".repeat(100)).len(), 48);
    }

    #[test]
    fn suffix_keeps_within_48() {
        let s = with_random_suffix(&"y".repeat(48));
        assert_eq!(s.len(), 48);
        assert!(s.starts_with(&"y".repeat(43)));
        assert_eq!(with_random_suffix("").len(), 4);
    }
}
