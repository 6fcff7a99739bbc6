//! A set of uniform 128-bit hashes (row digests) that answers "is this
//! one among them" in two memory reads: the hashes sorted in one vector,
//! with an index of where each range of leading bits starts (about four
//! hashes a range), instead of a hash table's spare slots or a binary
//! search's twenty reads. Nine million 128-bit digests take 144 MB + 16 MB.

pub(super) struct DigestSet {
    sorted: Vec<u128>,
    /// Where the hashes of each range of leading bits start; one more entry
    /// than there are ranges.
    starts: Vec<usize>,
    bits: u32,
}

impl DigestSet {
    pub(super) fn new(mut hashes: Vec<u128>) -> Self {
        hashes.sort_unstable();
        hashes.dedup();
        hashes.shrink_to_fit();
        let bits = (hashes.len() / 4).max(2).ilog2().min(31);
        let mut starts = vec![0_usize; (1 << bits) + 1];
        for h in &hashes {
            if let Some(next) = range_of(*h, bits).and_then(|r| starts.get_mut(r + 1)) {
                *next += 1;
            }
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        Self {
            sorted: hashes,
            starts,
            bits,
        }
    }

    pub(super) fn contains(&self, hash: u128) -> bool {
        let Some(range) = range_of(hash, self.bits) else {
            return false;
        };
        match (self.starts.get(range), self.starts.get(range + 1)) {
            (Some(&from), Some(&to)) => self
                .sorted
                .get(from..to)
                .is_some_and(|r| r.binary_search(&hash).is_ok()),
            _ => false,
        }
    }

    /// How many distinct hashes the set holds.
    pub(super) fn len(&self) -> usize {
        self.sorted.len()
    }
}

/// The leading `bits` (1 to 31) bits of a hash: which range it is in.
fn range_of(hash: u128, bits: u32) -> Option<usize> {
    let [a, b, c, d, ..] = hash.to_be_bytes();
    usize::try_from(u32::from_be_bytes([a, b, c, d]) >> (32 - bits)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_found_and_no_others() {
        // Spread like hashes: multiplied by an odd constant.
        let spread = |i: u128| i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
        let set = DigestSet::new((0..10_000).map(spread).collect());
        assert_eq!(set.len(), 10_000);
        assert!((0..10_000).map(spread).all(|h| set.contains(h)));
        assert!(!(10_000..20_000).map(spread).any(|h| set.contains(h)));
        let wide = DigestSet::new((0..1_000_u128).map(|i| i << 100 | i).collect());
        assert!((0..1_000_u128).all(|i| wide.contains(i << 100 | i)));
        assert!(!wide.contains(1 << 100));
    }

    #[test]
    fn the_extremes_and_an_empty_set() {
        let edges = DigestSet::new(vec![0, u128::MAX]);
        assert!(edges.contains(0) && edges.contains(u128::MAX) && !edges.contains(1));
        assert!(!DigestSet::new(Vec::new()).contains(0));
        let doubled = DigestSet::new(vec![5, 5, 5]);
        assert_eq!(doubled.len(), 1);
        assert!(doubled.contains(5));
    }
}
