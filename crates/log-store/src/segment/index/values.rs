//! A bloom filter of one attribute key's values in one batch, for keys with too many
//! distinct values for postings (ids): an equality skips the batches that surely lack it.

use crate::codec::{CodecError, Reader, put_varint};

const HASHES: u64 = 4;
/// About 1 % false positives at 10 bits per value.
const BITS_PER_VALUE: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueBloom {
    words: Vec<u64>,
}

impl ValueBloom {
    pub(crate) fn for_values(n: usize) -> Self {
        let bits = n.saturating_mul(BITS_PER_VALUE).next_power_of_two().max(64);
        Self { words: vec![0; bits / 64] }
    }

    /// FNV-1a, then a finalizer: stable across builds (the blooms are stored).
    pub(crate) fn hash(v: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in v.as_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let h = (h ^ (h >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }

    fn positions(&self, h: u64) -> impl Iterator<Item = usize> + use<> {
        let mask = (self.words.len() as u64 * 64) - 1;
        let (h1, h2) = (h, (h >> 32) | 1);
        (0..HASHES).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) & mask) as usize)
    }

    pub(crate) fn insert(&mut self, h: u64) {
        for b in self.positions(h) {
            self.words[b / 64] |= 1 << (b % 64);
        }
    }

    /// False only if `v` was never inserted.
    pub(crate) fn may_contain(&self, v: &str) -> bool {
        self.positions(Self::hash(v)).all(|b| self.words[b / 64] & (1 << (b % 64)) != 0)
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        put_varint(out, self.words.len() as u64);
        self.words.iter().for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, CodecError> {
        let n = r.count(8)?;
        let words: Vec<u64> = (0..n).map(|_| r.array().map(u64::from_le_bytes)).collect::<Result<_, _>>()?;
        if !words.len().is_power_of_two() {
            return Err(CodecError::OutOfRange { field: "value bloom size" });
        }
        Ok(Self { words })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserted_values_are_found_and_others_mostly_not() {
        let mut b = ValueBloom::for_values(1000);
        (0..1000).for_each(|i| b.insert(ValueBloom::hash(&format!("req-{i}"))));
        assert!((0..1000).all(|i| b.may_contain(&format!("req-{i}"))));
        let false_hits = (1000..11_000).filter(|i| b.may_contain(&format!("req-{i}"))).count();
        assert!(false_hits < 300, "{false_hits} false positives in 10000");
        let mut out = Vec::new();
        b.encode(&mut out);
        assert_eq!(ValueBloom::decode(&mut Reader::new(&out)).unwrap(), b);
    }
}
