//! A small deterministic pseudo-random generator (splitmix64).
//!
//! The dataset must be byte-identical for a seed on every platform and every
//! release, so it cannot use a crate whose stream may change between versions.

/// Splitmix64: fast, statistically fine for synthetic data, and trivially portable.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    // A Cell so that `&Rng` can be passed alongside `rng.range(..)` in one call's
    // arguments; the generator is single-threaded.
    state: std::cell::Cell<u64>,
}

/// A stable 64-bit hash of a label (FNV-1a), used to derive independent streams.
pub(crate) fn hash_label(label: &str) -> u64 {
    label.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl Rng {
    /// A generator for a seed.
    pub(crate) fn new(seed: u64) -> Rng {
        Rng {
            state: std::cell::Cell::new(seed ^ 0x9e37_79b9_7f4a_7c15),
        }
    }

    /// An independent stream for a labelled part of the dataset, so that adding
    /// activity to one part does not reshuffle every other part.
    pub(crate) fn stream(seed: u64, label: &str) -> Rng {
        let rng = Rng::new(seed ^ hash_label(label));
        rng.next_u64();
        rng
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&self) -> u64 {
        let mut z = self.state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        self.state.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for synthetic data and branch-free.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// An index chosen by weight.
    pub(crate) fn weighted(&self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut roll = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if roll < u64::from(w) {
                return i;
            }
            roll -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }

    /// A GUID-shaped identifier (lower-case, 8-4-4-4-12).
    pub(crate) fn guid(&self) -> String {
        guid_from(self.next_u64(), self.next_u64())
    }
}

/// A GUID-shaped identifier from 128 bits.
pub(crate) fn guid_from(a: u64, b: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// A deterministic GUID for a label (stable ids for fixed objects such as users).
pub(crate) fn guid_for(label: &str) -> String {
    let rng = Rng::stream(0x6775_6964, label);
    rng.guid()
}

/// `len` hex digits derived from a label: stand-in file hashes and device ids that
/// stay the same for the same file or device everywhere in the dataset.
pub(crate) fn hex_for(label: &str, len: usize) -> String {
    let rng = Rng::stream(0x6865_7820, label);
    let mut out = String::with_capacity(len + 16);
    while out.len() < len {
        out.push_str(&format!("{:016x}", rng.next_u64()));
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let a = Rng::stream(7, "x");
        let b = Rng::stream(7, "x");
        let c = Rng::stream(7, "y");
        let xs: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs[0], c.next_u64());
    }

    #[test]
    fn bounded_helpers_stay_in_bounds() {
        let rng = Rng::new(1);
        for _ in 0..1000 {
            assert!(rng.below(7) < 7);
            let r = rng.range(-3, 3);
            assert!((-3..=3).contains(&r));
            assert!(rng.weighted(&[0, 5, 0]) == 1);
        }
        assert_eq!(rng.below(0), 0);
        let g = rng.guid();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert_eq!(hex_for("a", 40).len(), 40);
        assert_eq!(hex_for("a", 40), hex_for("a", 40));
    }
}
