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
    let total = bytes.len() * 8;
    // Up to 64 bits from `pos` on (zeros past the end), read a word at a time for speed.
    let word = |pos: usize| {
        let (i, mut buf) = (pos / 8, [0u8; 8]);
        let end = (i + 8).min(bytes.len());
        buf[..end - i].copy_from_slice(&bytes[i..end]);
        u64::from_le_bytes(buf) >> (pos % 8)
    };
    let (mut out, mut next, mut pos) = (RoaringBitmap::new(), 0u64, 0usize);
    for _ in 0..n {
        let mut q: u64 = 0;
        loop {
            if pos >= total {
                return None;
            }
            let avail = (64 - pos % 8).min(total - pos);
            let ones = (word(pos).trailing_ones() as usize).min(avail);
            q += ones as u64;
            pos += ones;
            // Guards against a long run of ones in damaged input.
            if q > u64::from(limit) {
                return None;
            }
            if ones < avail {
                pos += 1;
                break;
            }
        }
        if pos + usize::from(k) > total {
            return None;
        }
        let low = word(pos) & ((1u64 << k) - 1);
        pos += usize::from(k);
        let row = next + (q << k) + low;
        if row >= u64::from(limit) {
            return None;
        }
        out.try_push(row as u32).ok()?;
        next = row + 1;
    }
    // Only the final byte's padding may remain.
    (pos.div_ceil(8) == bytes.len()).then_some(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_round_trip_and_damage_is_refused() {
        // The last list has one gap far above the others: a unary run over many words.
        let outlier: Vec<u32> = (0..200).chain([39_000]).collect();
        for rows in [vec![0u32], vec![3, 4, 5, 900, 40_000], (0..5000).step_by(37).collect(), outlier] {
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
