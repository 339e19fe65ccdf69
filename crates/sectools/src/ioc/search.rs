//! The first byte of a set in a range, 16 bytes at a time: for the walks to the end
//! of a URL or of its authority, whose bytes are not among the classes
//! [`Classes`](super::classes::Classes) keeps.
//!
//! A set is a [`ByteSet`]: its bytes one by one, and the same test on a block of
//! 16 with SSE2, which every x86-64 CPU has; elsewhere the bytes are tested singly.

use std::ops::Range;

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
    _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128,
};

/// A set of bytes, tested singly and (on x86-64) 16 at a time; both tests must agree.
pub(crate) trait ByteSet {
    fn has(b: u8) -> bool;

    /// 0xFF in each lane whose byte is in the set, else 0.
    #[cfg(target_arch = "x86_64")]
    fn block(v: __m128i) -> __m128i;
}

/// The first position in `range` whose byte is in `S`; `range.end` if none.
#[inline]
pub(crate) fn first_of<S: ByteSet>(s: &[u8], range: Range<usize>) -> usize {
    let s = &s[..range.end];
    let mut i = range.start;
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= s.len() {
        // SAFETY: bytes `i..i + 16` are within `s`, and the load needs no alignment;
        // SSE2 is part of x86-64.
        let hits = unsafe {
            let v = _mm_loadu_si128(s.as_ptr().add(i).cast());
            _mm_movemask_epi8(S::block(v)) as u32
        };
        if hits != 0 {
            return i + hits.trailing_zeros() as usize;
        }
        i += 16;
    }
    while i < s.len() {
        if S::has(s[i]) {
            return i;
        }
        i += 1;
    }
    range.end
}

#[cfg(target_arch = "x86_64")]
fn eq(v: __m128i, b: u8) -> __m128i {
    // SAFETY: SSE2 is part of x86-64.
    unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)) }
}

#[cfg(target_arch = "x86_64")]
fn or(a: __m128i, b: __m128i) -> __m128i {
    // SAFETY: SSE2 is part of x86-64.
    unsafe { _mm_or_si128(a, b) }
}

/// Bytes that end a URL: control bytes and space, DEL and every non-ASCII byte,
/// quotes, angle brackets and the other RFC 3986 "unsafe" characters.
pub(crate) struct UrlEnd;

impl ByteSet for UrlEnd {
    #[inline]
    fn has(c: u8) -> bool {
        c <= b' '
            || c >= 0x7f
            || matches!(
                c,
                b'"' | b'\'' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
            )
    }

    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn block(v: __m128i) -> __m128i {
        // SAFETY: SSE2 is part of x86-64.
        let (control, high) = unsafe {
            let space = _mm_set1_epi8(b' ' as i8);
            (
                // min(v, ' ') == v: v <= ' ' as unsigned bytes.
                _mm_cmpeq_epi8(_mm_min_epu8(v, space), v),
                // 0x80.. are negative as signed bytes.
                _mm_cmplt_epi8(v, _mm_setzero_si128()),
            )
        };
        [
            b'"', b'\'', b'<', b'>', b'`', b'{', b'}', b'|', b'\\', b'^', 0x7f,
        ]
        .into_iter()
        .fold(or(control, high), |hits, b| or(hits, eq(v, b)))
    }
}

/// Bytes that end a URL's authority: the path's '/', the query's '?', the fragment's '#'.
pub(crate) struct AuthorityEnd;

impl ByteSet for AuthorityEnd {
    #[inline]
    fn has(c: u8) -> bool {
        matches!(c, b'/' | b'?' | b'#')
    }

    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn block(v: __m128i) -> __m128i {
        or(or(eq(v, b'/'), eq(v, b'?')), eq(v, b'#'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every offset of a block, and ranges that start and end
    /// anywhere: the block test and the byte test find the same first position.
    fn agrees<S: ByteSet>() {
        for b in 0..=255u8 {
            let filler = (0..=255u8)
                .find(|&f| !S::has(f))
                .expect("a byte outside the set");
            for len in 0..40 {
                for at in 0..len {
                    let mut text = vec![filler; len];
                    text[at] = b;
                    for start in [0, 1, at.saturating_sub(1), at] {
                        let start = start.min(len);
                        let by_hand = (start..len).find(|&i| S::has(text[i])).unwrap_or(len);
                        assert_eq!(
                            first_of::<S>(&text, start..len),
                            by_hand,
                            "{b:#x} at {at} of {len}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn url_ends_are_found_as_the_bytes_say() {
        agrees::<UrlEnd>();
        for c in 0..=255u8 {
            let safe = c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&()*+,;=%".contains(&c);
            if safe {
                assert!(!UrlEnd::has(c), "{c:#x} belongs in URLs");
            }
        }
    }

    #[test]
    fn authority_ends_are_found_as_the_bytes_say() {
        agrees::<AuthorityEnd>();
    }

    #[test]
    fn a_range_ends_the_search() {
        assert_eq!(first_of::<AuthorityEnd>(b"host/path", 0..4), 4);
        assert_eq!(first_of::<AuthorityEnd>(b"host/path", 0..9), 4);
        assert_eq!(
            first_of::<AuthorityEnd>(b"0123456789abcdef0123/", 2..21),
            20
        );
    }
}
