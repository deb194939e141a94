//! Short ids: 8 characters of `[A-Za-z0-9]` (62^8 ≈ 2.2·10^14 values), unguessable so a
//! view's URL does not reveal how many views exist or let anyone enumerate them.

use rand::Rng;
use rand::distr::Alphanumeric;

pub const LEN: usize = 8;

/// A fresh short id. `rand::rng()` is rand's `ThreadRng`: ChaCha12 seeded from the
/// operating system's RNG (`OsRng`) and reseeded periodically, a CSPRNG.
/// `Alphanumeric` draws uniformly from the 62 characters.
pub fn generate() -> String {
    rand::rng().sample_iter(&Alphanumeric).take(LEN).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn eight_alphanumeric_characters() {
        for _ in 0..1000 {
            let id = generate();
            assert_eq!(id.len(), LEN);
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        }
    }

    #[test]
    fn ids_differ_and_use_the_whole_alphabet() {
        let ids: HashSet<String> = (0..2000).map(|_| generate()).collect();
        assert_eq!(ids.len(), 2000, "no collisions in 2000 draws of 62^8");
        let chars: HashSet<char> = ids.iter().flat_map(|s| s.chars()).collect();
        // 16,000 uniform draws over 62 characters miss one with probability ~62·e^-258.
        assert_eq!(chars.len(), 62);
    }
}
