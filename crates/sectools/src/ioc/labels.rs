//! Runs of label bytes (`[A-Za-z0-9_-]`: host-name labels, hash words), walked 16
//! bytes at a time, and blocks of hex digits.
//!
//! The dotted-run scanner walks every label of every run, back to its start and then
//! forward to its end. Byte by byte, each label ended in a mispredicted branch; a
//! block classified at once ends in one `tzcnt`.

const fn label_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    t
}
static LABEL: [bool; 256] = label_table();

/// Whether `b` can be part of a label.
#[inline]
pub(super) fn is_label(b: u8) -> bool {
    LABEL[b as usize]
}

/// The first position at or after `i` that is not a label byte (`s.len()` if none).
#[inline]
pub(super) fn label_end(s: &[u8], mut i: usize) -> usize {
    while let Some(block) = s.get(i..i + 16) {
        let stops = !label_bits(block.try_into().expect("16 bytes")) & 0xffff;
        if stops != 0 {
            return i + stops.trailing_zeros() as usize;
        }
        i += 16;
    }
    while i < s.len() && is_label(s[i]) {
        i += 1;
    }
    i
}

/// Where the run of label bytes that ends just before `i` starts (`i` if there is none).
#[inline]
pub(super) fn label_start(s: &[u8], mut i: usize) -> usize {
    while i >= 16 {
        let block = s[i - 16..i].try_into().expect("16 bytes");
        let stops = !label_bits(block) & 0xffff;
        if stops != 0 {
            // The last stop in the block; the run starts after it.
            return i - 16 + (32 - stops.leading_zeros()) as usize;
        }
        i -= 16;
    }
    while i > 0 && is_label(s[i - 1]) {
        i -= 1;
    }
    i
}

/// Whether all 16 bytes are hex digits (hash words are label runs of them).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(super) fn all_hex(block: &[u8; 16]) -> bool {
    use std::arch::x86_64::_mm_movemask_epi8;
    let (_, hex) = digits_and_letters(block, b'f');
    // SAFETY: SSE2 is in the x86-64 baseline.
    unsafe { _mm_movemask_epi8(hex) == 0xffff }
}

#[cfg(not(target_arch = "x86_64"))]
pub(super) fn all_hex(block: &[u8; 16]) -> bool {
    block.iter().all(u8::is_ascii_hexdigit)
}

/// One bit per label byte of `block`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn label_bits(block: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let (v, alnum) = digits_and_letters(block, b'z');
    // SAFETY: SSE2 is in the x86-64 baseline.
    unsafe {
        let dash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'-' as i8));
        let underscore = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8));
        _mm_movemask_epi8(_mm_or_si128(alnum, _mm_or_si128(dash, underscore))) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn label_bits(block: &[u8; 16]) -> u32 {
    block
        .iter()
        .enumerate()
        .fold(0, |bits, (k, &b)| bits | u32::from(is_label(b)) << k)
}

/// `block` loaded, and a mask of its digits and letters `a..=last_letter` in either
/// case, with SSE2 (part of every x86-64 CPU).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn digits_and_letters(
    block: &[u8; 16],
    last_letter: u8,
) -> (std::arch::x86_64::__m128i, std::arch::x86_64::__m128i) {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_or_si128, _mm_set1_epi8,
        _mm_sub_epi8,
    };
    // SAFETY: SSE2 is in the x86-64 baseline; the load reads exactly the 16 bytes of
    // `block` (unaligned loads are allowed).
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        // `x - low <= span` as unsigned bytes: min(d, span) == d.
        let within = |x: __m128i, low: u8, span: u8| {
            let d = _mm_sub_epi8(x, _mm_set1_epi8(low as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(span as i8)), d)
        };
        let digit = within(v, b'0', 9);
        // Setting bit 5 folds A-Z onto a-z and moves no other byte into a-z.
        let letter = within(
            _mm_or_si128(v, _mm_set1_epi8(0x20)),
            b'a',
            last_letter - b'a',
        );
        (v, _mm_or_si128(digit, letter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_classify_every_byte_as_the_table_does() {
        for first in (0..=255u8).step_by(16) {
            let block: [u8; 16] = std::array::from_fn(|k| first + k as u8);
            let want = (0..16).fold(0, |bits, k| bits | u32::from(is_label(block[k])) << k);
            assert_eq!(label_bits(&block), want, "bytes {first:#x}..");
            let hex = block.iter().all(u8::is_ascii_hexdigit);
            assert_eq!(all_hex(&block), hex, "bytes {first:#x}..");
            let mut hex_block = *b"0123456789abcdef";
            for (k, &b) in block.iter().enumerate() {
                hex_block[k] = b;
                assert_eq!(
                    all_hex(&hex_block),
                    b.is_ascii_hexdigit(),
                    "{b:#x} among hex digits"
                );
                hex_block[k] = b"0123456789ABCDEF"[k];
            }
        }
    }

    #[test]
    fn runs_end_and_start_where_a_byte_by_byte_walk_finds_them() {
        // Runs of every length up to 40 between stops of several kinds, at every offset.
        for len in 0..40 {
            for (lead, stop) in [(b'.', b' '), (b'@', 0xC3), (b'[', b'/'), (0, b'`')] {
                let mut s = vec![lead; 3];
                s.extend((0..len).map(|k| b"aZ09-_q"[k % 7]));
                s.push(stop);
                s.extend(b"tail-after.stop");
                for i in 0..=s.len() {
                    let end = (i..s.len()).find(|&k| !is_label(s[k])).unwrap_or(s.len());
                    assert_eq!(label_end(&s, i), end, "end from {i} in {s:?}");
                    let start = (0..i).rev().find(|&k| !is_label(s[k])).map_or(0, |k| k + 1);
                    assert_eq!(label_start(&s, i), start, "start before {i} in {s:?}");
                }
            }
        }
    }
}
