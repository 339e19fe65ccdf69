//! Where a line's anchor bytes are: one bit per byte for each kind of anchor, found
//! 64 bytes at a time. A scanner walks only its own kind's set bits, so finding the
//! anchors costs no branch per anchor and no list per kind.

/// The kinds of byte the scanners are anchored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Dot,
    Colon,
    At,
    Slash,
    Backslash,
    /// `[`, `(` or `{`: where defanged separators (`[.]`, `(at)`, ...) start.
    Open,
}

const KINDS: usize = 6;

impl Anchor {
    #[cfg(test)]
    const ALL: [Anchor; KINDS] = [
        Anchor::Dot,
        Anchor::Colon,
        Anchor::At,
        Anchor::Slash,
        Anchor::Backslash,
        Anchor::Open,
    ];

    #[cfg(any(test, not(target_arch = "x86_64")))]
    fn of(b: u8) -> Option<Anchor> {
        Some(match b {
            b'.' => Anchor::Dot,
            b':' => Anchor::Colon,
            b'@' => Anchor::At,
            b'/' => Anchor::Slash,
            b'\\' => Anchor::Backslash,
            b'[' | b'(' | b'{' => Anchor::Open,
            _ => return None,
        })
    }
}

/// The anchor bits of one line: entry k covers bytes `64k..64k + 64`, one mask per kind.
#[derive(Debug, Default)]
pub(crate) struct Anchors {
    chunks: Vec<[u64; KINDS]>,
}

impl Anchors {
    /// Finds the anchors of `s`, replacing those of the previous line.
    pub(crate) fn fill(&mut self, s: &[u8]) {
        self.chunks.clear();
        self.chunks.reserve(s.len().div_ceil(64));
        let mut whole = s.chunks_exact(64);
        for chunk in whole.by_ref() {
            self.chunks
                .push(chunk_masks(chunk.try_into().expect("64 bytes")));
        }
        let tail = whole.remainder().len();
        if tail > 0 {
            self.chunks.push(match s.len().checked_sub(64) {
                // The last 64 bytes, their masks shifted down to the tail's own bytes.
                Some(last) => chunk_masks(s[last..].try_into().expect("64 bytes"))
                    .map(|mask| mask >> (64 - tail)),
                None => chunk_masks(&padded(s)),
            });
        }
    }

    /// The positions of `kind`'s bytes, in order.
    pub(crate) fn positions(&self, kind: Anchor) -> Positions<'_> {
        Positions {
            chunks: &self.chunks,
            kind: kind as usize,
            next_chunk: 0,
            base: 0,
            bits: 0,
        }
    }
}

/// A text shorter than 64 bytes, padded with zero bytes (which are no anchor).
fn padded(short: &[u8]) -> [u8; 64] {
    let mut padded = [0u8; 64];
    padded[..short.len()].copy_from_slice(short);
    padded
}

/// Iterator over one kind's anchor positions (see [`Anchors::positions`]).
#[derive(Debug, Clone)]
pub(crate) struct Positions<'a> {
    chunks: &'a [[u64; KINDS]],
    kind: usize,
    next_chunk: usize,
    base: usize,
    bits: u64,
}

impl Iterator for Positions<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            let chunk = self.chunks.get(self.next_chunk)?;
            self.bits = chunk[self.kind];
            self.base = self.next_chunk * 64;
            self.next_chunk += 1;
        }
        let at = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }
}

/// The masks of one 64-byte chunk, with SSE2 (part of every x86-64 CPU).
#[cfg(target_arch = "x86_64")]
#[inline]
fn chunk_masks(chunk: &[u8; 64]) -> [u64; KINDS] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut masks = [0u64; KINDS];
    for (k, block) in chunk.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is in the x86-64 baseline; the load reads exactly the 16 bytes
        // of `block` (unaligned loads are allowed).
        let bits = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
            let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            let bits = |m: __m128i| u64::from(_mm_movemask_epi8(m) as u16);
            [
                bits(eq(b'.')),
                bits(eq(b':')),
                bits(eq(b'@')),
                bits(eq(b'/')),
                bits(eq(b'\\')),
                bits(_mm_or_si128(_mm_or_si128(eq(b'['), eq(b'(')), eq(b'{'))),
            ]
        };
        for (mask, b) in masks.iter_mut().zip(bits) {
            *mask |= b << (16 * k);
        }
    }
    masks
}

#[cfg(not(target_arch = "x86_64"))]
fn chunk_masks(chunk: &[u8; 64]) -> [u64; KINDS] {
    let mut masks = [0u64; KINDS];
    for (k, &b) in chunk.iter().enumerate() {
        if let Some(kind) = Anchor::of(b) {
            masks[kind as usize] |= 1 << k;
        }
    }
    masks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_found_in_every_position_of_every_chunk_and_tail() {
        // Every byte value, at every offset of texts of 0 to 140 bytes: whole chunks,
        // tails, and anchors at both ends of a chunk.
        let mut anchors = Anchors::default();
        let mut state = 0x2545_f491_u32;
        for len in 0..140usize {
            for round in 0..30 {
                let text: Vec<u8> = (0..len)
                    .map(|k| {
                        state ^= state << 13;
                        state ^= state >> 17;
                        state ^= state << 5;
                        match round % 3 {
                            0 => (state % 256) as u8,
                            1 => b"./:@\\[({a]"[(state % 10) as usize],
                            _ => ((k * 7 + round) % 256) as u8,
                        }
                    })
                    .collect();
                anchors.fill(&text);
                for kind in Anchor::ALL {
                    let by_hand: Vec<usize> = (0..len)
                        .filter(|&i| Anchor::of(text[i]) == Some(kind))
                        .collect();
                    let found: Vec<usize> = anchors.positions(kind).collect();
                    assert_eq!(found, by_hand, "{kind:?} in {text:?}");
                }
            }
        }
    }
}
