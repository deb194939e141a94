//! Body tokens and the term dictionary search.
//!
//! A token is a maximal run of word bytes (ASCII alphanumerics, `_`, every byte >= 0x80),
//! ASCII-lower-cased. For an ASCII needle, `contains_ci` compares byte by byte folding ASCII
//! case only, so a match of a needle made of word bytes lies inside one token (a byte >= 0x80
//! never equals an ASCII byte, and the bytes around a token are ASCII non-word bytes the
//! needle does not hold). A needle with other ASCII bytes is split into its word pieces: a
//! piece that a non-word byte precedes in the needle begins a token, one a non-word byte
//! follows ends a token, one with both equals a token.

/// Separates tokens in the dictionary blob; not a word byte, so no word needle spans two.
pub(crate) const SEP: u8 = b'\n';

/// Tokens longer than this are not listed; rows holding one are always checked on the body.
pub(crate) const MAX_TOKEN: usize = 128;

pub(crate) fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Calls `f` with each token of `body`, lower-cased into `buf`.
pub(crate) fn for_each_token(body: &str, buf: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !is_word(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_word(bytes[i]) {
            i += 1;
        }
        buf.clear();
        buf.extend(bytes[start..i].iter().map(u8::to_ascii_lowercase));
        f(buf);
    }
}

/// Where a needle piece must sit in a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece<'a> {
    pub(crate) text: &'a [u8],
    /// A non-word byte precedes it in the needle: it begins a token.
    pub(crate) at_start: bool,
    /// A non-word byte follows it in the needle: it ends a token.
    pub(crate) at_end: bool,
}

/// The word pieces of an ASCII, lower-case needle; `None` for a non-ASCII needle.
pub(crate) fn pieces(needle: &str) -> Option<Vec<Piece<'_>>> {
    if !needle.is_ascii() {
        return None;
    }
    let b = needle.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_word(b[i]) {
            i += 1;
        }
        out.push(Piece { text: &b[start..i], at_start: start > 0, at_end: i < b.len() });
    }
    Some(out)
}

/// Distinct tokens in one blob: `SEP tok SEP tok ... SEP` (any order: found by memmem).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Dictionary {
    blob: Vec<u8>,
    /// Token `i` is `blob[starts[i]..starts[i + 1] - 1]`; one entry more than tokens.
    starts: Vec<u32>,
}

impl Dictionary {
    /// `tokens` distinct, none holding [`SEP`].
    pub(crate) fn new<'a>(tokens: impl Iterator<Item = &'a [u8]>) -> Self {
        let mut blob = vec![SEP];
        let mut starts = vec![1];
        for t in tokens {
            blob.extend_from_slice(t);
            blob.push(SEP);
            starts.push(blob.len() as u32);
        }
        Self { blob, starts }
    }

    /// Rebuilds the token starts of a stored blob; `None` if it is not well formed.
    pub(crate) fn from_blob(blob: Vec<u8>) -> Option<Self> {
        (blob.first() == Some(&SEP) && blob.last() == Some(&SEP)).then_some(())?;
        let mut starts = vec![1u32];
        starts.extend(memchr::memchr_iter(SEP, &blob[1..]).map(|p| (p + 2) as u32));
        Some(Self { blob, starts })
    }

    pub(crate) fn blob(&self) -> &[u8] {
        &self.blob
    }

    pub(crate) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Ids of the tokens `piece` may sit in as it requires, ascending.
    pub(crate) fn find(&self, piece: &Piece<'_>) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for hit in memchr::memmem::find_iter(&self.blob, piece.text) {
            // The token holding the hit: the last start at or before it.
            let id = self.starts.partition_point(|&s| s as usize <= hit) - 1;
            let (start, end) = (self.starts[id] as usize, self.starts[id + 1] as usize - 1);
            let ok = (!piece.at_start || hit == start) && (!piece.at_end || hit + piece.text.len() == end);
            if ok && out.last() != Some(&id) {
                out.push(id);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use logs_query::filter::contains_ci;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    /// Rows matching `needle` according to the dictionary alone: `None` when the index
    /// cannot decide (no word piece), else (rows, exact).
    fn search(
        dict: &Dictionary,
        rows_of: &[BTreeSet<usize>],
        needle: &str,
    ) -> Option<(BTreeSet<usize>, bool)> {
        let ps = pieces(needle)?;
        if ps.is_empty() {
            return None;
        }
        let exact = ps.len() == 1 && !ps[0].at_start && !ps[0].at_end;
        let mut acc: Option<BTreeSet<usize>> = None;
        for p in &ps {
            let rows: BTreeSet<usize> = dict.find(p).into_iter().flat_map(|t| rows_of[t].clone()).collect();
            acc = Some(match acc {
                None => rows,
                Some(a) => a.intersection(&rows).copied().collect(),
            });
        }
        acc.map(|a| (a, exact))
    }

    fn random_body(rng: &mut StdRng) -> String {
        const PARTS: [&str; 14] = [
            "Kerfuffle",
            "kerFUFFLEd",
            "db-1",
            "TIMEOUT",
            "é",
            "Straße",
            "a_b",
            "x",
            "42",
            " ",
            "-",
            "/",
            ".",
            "ÄÖ",
        ];
        (0..rng.random_range(0..8)).map(|_| PARTS[rng.random_range(0..PARTS.len())]).collect()
    }

    #[test]
    fn dictionary_search_agrees_with_contains_ci() {
        let mut rng = StdRng::seed_from_u64(7);
        let bodies: Vec<String> = (0..400).map(|_| random_body(&mut rng)).collect();
        let mut postings: BTreeMap<Vec<u8>, BTreeSet<usize>> = BTreeMap::new();
        let mut buf = Vec::new();
        for (row, b) in bodies.iter().enumerate() {
            for_each_token(b, &mut buf, |t| {
                postings.entry(t.to_vec()).or_default().insert(row);
            });
        }
        let dict = Dictionary::new(postings.keys().map(Vec::as_slice));
        assert_eq!(Dictionary::from_blob(dict.blob().to_vec()), Some(dict.clone()));
        let rows_of: Vec<BTreeSet<usize>> = postings.into_values().collect();
        let needles = [
            "kerfuffle",
            "fuffle",
            "erfuffled",
            "db-1",
            "b-1",
            "-1",
            "1",
            "timeout db",
            "t db-",
            "a_b",
            "x42",
            "2 x",
            "ff",
            "é",
            "straße",
            "-",
            " ",
            "42/",
            "/x",
            "a_bx",
            "db-1 db-1",
            "kerfufflex",
        ];
        for needle in needles {
            let want: BTreeSet<usize> =
                (0..bodies.len()).filter(|&r| contains_ci(&bodies[r], needle)).collect();
            match search(&dict, &rows_of, needle) {
                None => {
                    assert!(!needle.is_ascii() || pieces(needle).is_some_and(|p| p.is_empty()), "{needle}")
                }
                Some((got, true)) => assert_eq!(got, want, "{needle}"),
                Some((got, false)) => assert!(want.is_subset(&got), "{needle}: candidates miss a row"),
            }
        }
    }

    #[test]
    fn pieces_know_their_boundaries() {
        let p = pieces("t db-1").unwrap();
        let got: Vec<(&[u8], bool, bool)> = p.iter().map(|p| (p.text, p.at_start, p.at_end)).collect();
        assert_eq!(got, [(&b"t"[..], false, true), (b"db", true, true), (b"1", true, false)]);
        assert_eq!(pieces("ünï"), None);
        assert_eq!(pieces("- /"), Some(vec![]));
    }
}
