//! A bloom filter over lower-cased body trigrams (byte windows of three), one per batch.
//!
//! Matching (`contains_ci` in logs-query) folds ASCII case byte by byte for an ASCII needle
//! and compares `to_lowercase()` strings otherwise, so both foldings of a body are inserted:
//! the ASCII-lowered bytes always, and `to_lowercase()` too when the body is not ASCII. A
//! needle's trigrams are then all present in any batch holding a matching body.

/// Bits per batch filter at most: 4 KiB, about half a byte per row of a full batch.
pub(crate) const MAX_BITS: usize = 32 * 1024;
const MIN_BITS: usize = 256;
const HASHES: u64 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bloom {
    words: Vec<u64>,
}

fn hash(t: [u8; 3]) -> (u64, u64) {
    let x = u64::from(u32::from_le_bytes([t[0], t[1], t[2], 0x5a]));
    let h = (x ^ 0x9e37_79b9_7f4a_7c15).wrapping_mul(0xff51_afd7_ed55_8ccd);
    let h = (h ^ (h >> 33)).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    (h ^ (h >> 29), (h >> 32) | 1)
}

impl Bloom {
    /// A filter sized for about `body_bytes` of text (distinct trigrams are fewer).
    pub(crate) fn for_bytes(body_bytes: usize) -> Self {
        let bits = body_bytes.saturating_mul(2).next_power_of_two().clamp(MIN_BITS, MAX_BITS);
        Self { words: vec![0; bits / 64] }
    }

    pub(crate) fn from_words(words: Vec<u64>) -> Option<Self> {
        (words.len().is_power_of_two()).then_some(Self { words })
    }

    pub(crate) fn words(&self) -> &[u64] {
        &self.words
    }

    fn bit_positions(&self, t: [u8; 3]) -> impl Iterator<Item = usize> + use<> {
        let mask = (self.words.len() as u64 * 64) - 1;
        let (h1, h2) = hash(t);
        (0..HASHES).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) & mask) as usize)
    }

    fn insert(&mut self, t: [u8; 3]) {
        for b in self.bit_positions(t) {
            self.words[b / 64] |= 1 << (b % 64);
        }
    }

    fn contains(&self, t: [u8; 3]) -> bool {
        self.bit_positions(t).all(|b| self.words[b / 64] & (1 << (b % 64)) != 0)
    }

    pub(crate) fn insert_body(&mut self, body: &str) {
        for w in body.as_bytes().windows(3) {
            self.insert([w[0].to_ascii_lowercase(), w[1].to_ascii_lowercase(), w[2].to_ascii_lowercase()]);
        }
        if !body.is_ascii() {
            for w in body.to_lowercase().as_bytes().windows(3) {
                self.insert([w[0], w[1], w[2]]);
            }
        }
    }

    /// False only if no body inserted can contain `needle_lower` (case-insensitively).
    /// Needles shorter than three bytes always pass.
    pub(crate) fn may_contain(&self, needle_lower: &str) -> bool {
        needle_lower.as_bytes().windows(3).all(|w| self.contains([w[0], w[1], w[2]]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_false_negatives_for_either_case_folding() {
        let mut b = Bloom::for_bytes(200);
        b.insert_body("Connection TIMEOUT after 30s");
        b.insert_body("Ünïcödé Straße ΣΊΣΥΦΟΣ");
        for needle in ["timeout", "connection t", "30s", "ab", "", "ünïc", "straße", "σίσυφος"] {
            assert!(b.may_contain(needle), "{needle}");
        }
        assert!(!b.may_contain("refused"));
        let words = b.words().to_vec();
        assert_eq!(Bloom::from_words(words), Some(b));
        assert_eq!(Bloom::from_words(vec![0; 3]), None);
    }
}
