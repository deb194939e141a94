//! Golomb-Rice coded row gaps: about log2(mean gap) + 1.5 bits per row, near the entropy of
//! a list whose rows are spread at random (mid-frequency words), where varints spend 8-16.

use roaring::RoaringBitmap;

/// Gaps (`row - previous - 1`, the first row itself) with the cheapest parameter `k`.
pub(crate) fn encode(rows: &[u32]) -> (u8, Vec<u8>) {
    let gaps = || rows.iter().scan(None::<u32>, |p, &r| Some(r - p.replace(r).map_or(0, |p| p + 1)));
    let bits = |k: u32| gaps().map(|g| u64::from(g >> k) + 1 + u64::from(k)).sum::<u64>();
    let k = (0..24).min_by_key(|&k| bits(k)).unwrap_or(0);
    let mut w = Bits::default();
    for g in gaps() {
        for _ in 0..g >> k {
            w.push(1);
        }
        w.push(0);
        (0..k).for_each(|i| w.push((g >> i) & 1));
    }
    (k as u8, w.finish())
}

/// Decodes `n` rows, each below `limit`; `None` if the bits do not hold them.
pub(crate) fn decode(k: u8, bytes: &[u8], n: usize, limit: u32) -> Option<RoaringBitmap> {
    if k >= 24 {
        return None;
    }
    let mut r = BitReader { bytes, pos: 0 };
    let mut out = RoaringBitmap::new();
    let mut next: u64 = 0;
    for _ in 0..n {
        let mut q: u64 = 0;
        while r.bit()? == 1 {
            q += 1;
            // Guards against a long run of ones in damaged input.
            if q > u64::from(limit) {
                return None;
            }
        }
        let mut low: u64 = 0;
        for i in 0..k {
            low |= u64::from(r.bit()?) << i;
        }
        let row = next + (q << k) + low;
        if row >= u64::from(limit) {
            return None;
        }
        out.try_push(row as u32).ok()?;
        next = row + 1;
    }
    // Only the final byte's padding may remain.
    (r.pos.div_ceil(8) == bytes.len()).then_some(out)
}

#[derive(Default)]
struct Bits {
    bytes: Vec<u8>,
    n: usize,
}

impl Bits {
    fn push(&mut self, b: u32) {
        if self.n.is_multiple_of(8) {
            self.bytes.push(0);
        }
        if b != 0 {
            *self.bytes.last_mut().unwrap_or(&mut 0) |= 1 << (self.n % 8);
        }
        self.n += 1;
    }

    fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> Option<u8> {
        let b = (self.bytes.get(self.pos / 8)? >> (self.pos % 8)) & 1;
        self.pos += 1;
        Some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_round_trip_and_damage_is_refused() {
        for rows in [vec![0u32], vec![3, 4, 5, 900, 40_000], (0..5000).step_by(37).collect()] {
            let (k, bytes) = encode(&rows);
            let got = decode(k, &bytes, rows.len(), 40_001).unwrap();
            assert_eq!(got.iter().collect::<Vec<_>>(), rows);
            assert!(decode(k, &bytes[..bytes.len() - 1], rows.len(), 40_001).is_none(), "truncated");
            assert!(decode(k, &bytes, rows.len(), *rows.last().unwrap()).is_none(), "out of range");
        }
        let (k, bytes) = encode(&(0..1000).step_by(100).collect::<Vec<_>>());
        assert!(k >= 5, "the parameter follows the gaps: {k}");
        assert!(bytes.len() < 15, "{} bytes", bytes.len());
    }
}
