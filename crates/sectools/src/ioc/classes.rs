//! What each byte of a line is, as one bit per byte for each class, found 64 bytes at
//! a time in one pass. The scanners walk their anchors' set bits ('.', ':', '@', ...)
//! and find where label runs start and end, whether a word is all hex digits or holds
//! an upper-case letter, with a few word operations instead of touching the bytes.
//!
//! The pass uses AVX-512BW where the CPU has it (one instruction classifies 64 bytes),
//! else AVX2 (32 bytes), else SSE2, which every x86-64 CPU has; other targets classify
//! byte by byte.

use std::ops::Range;

/// The classes of byte the scanners ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Dot,
    Colon,
    At,
    Slash,
    Backslash,
    /// `[`, `(` or `{`: where defanged separators (`[.]`, `(at)`, ...) start.
    Open,
    /// `[A-Za-z0-9_-]`: bytes of host-name labels and hash words.
    Label,
    /// `[0-9A-Fa-f]`.
    Hex,
    /// `[A-Z]`.
    Upper,
    /// A '.' between two label bytes: the separator of a plain dotted name.
    Sep,
    /// A [`Class::Sep`], or a '.' after `[`, `(` or `{` (as in `[.]`): where dotted runs are looked for.
    DotAnchor,
}

/// The classes a byte has by itself; the others also depend on its neighbours.
const BYTE_CLASSES: usize = 9;
const CLASSES: usize = BYTE_CLASSES + 2;

/// A chunk's masks of the byte classes.
type Masks = [u64; BYTE_CLASSES];

impl Class {
    /// Whether `b` is of this class (a byte class): the definition the vector code must agree with.
    fn has(self, b: u8) -> bool {
        match self {
            Class::Dot => b == b'.',
            Class::Colon => b == b':',
            Class::At => b == b'@',
            Class::Slash => b == b'/',
            Class::Backslash => b == b'\\',
            Class::Open => matches!(b, b'[' | b'(' | b'{'),
            Class::Label => is_label(b),
            Class::Hex => b.is_ascii_hexdigit(),
            Class::Upper => b.is_ascii_uppercase(),
            Class::Sep | Class::DotAnchor => false,
        }
    }
}

/// [`Class::Label`] as a table, for the scanners' checks of single bytes.
static LABEL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        b += 1;
    }
    table
};

/// Whether `b` can be part of a label (`[A-Za-z0-9_-]`).
#[inline]
pub(super) fn is_label(b: u8) -> bool {
    LABEL[b as usize]
}

/// How a chunk is classified; chosen once, by what the CPU can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Sse2,
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    Bytes,
}

impl Kernel {
    fn best() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512bw") {
                Kernel::Avx512
            } else if std::arch::is_x86_feature_detected!("avx2") {
                Kernel::Avx2
            } else {
                Kernel::Sse2
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        Kernel::Bytes
    }

    /// Writes the byte classes of `s`'s chunks of 64 bytes into the first words of
    /// `out`'s, one chunk each (the last one's bits past its end are 0).
    #[inline(always)]
    fn classify(self, s: &[u8], out: &mut [ChunkWords]) {
        match self {
            // SAFETY: this kernel is chosen only where the CPU has AVX-512BW.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => unsafe { classify_avx512(s, out) },
            // SAFETY: this kernel is chosen only where the CPU has AVX2.
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => unsafe { classify_avx2(s, out) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Sse2 => classify_whole_chunks(s, out, |chunk, shift, words| {
                store_shifted(masks_sse2(chunk), shift, words);
            }),
            Kernel::Bytes => {
                for (words, chunk) in out.iter_mut().zip(s.chunks(64)) {
                    words[..BYTE_CLASSES].copy_from_slice(&masks_bytes(chunk));
                }
            }
        }
    }
}

/// One chunk's words, one per class in the order of [`Class`]: bit b of chunk k's
/// word of a class is byte `64k + b` of the line.
type ChunkWords = [u64; CLASSES];

/// The class bits of one line, chunk by chunk: a chunk's words lie together, as the
/// scanners ask about several classes of the same bytes.
#[derive(Debug)]
pub(crate) struct Classes {
    chunks: Vec<ChunkWords>,
    len: usize,
    kernel: Kernel,
}

impl Default for Classes {
    fn default() -> Self {
        Classes::with_kernel(Kernel::best())
    }
}

impl Classes {
    fn with_kernel(kernel: Kernel) -> Classes {
        Classes {
            chunks: Vec::new(),
            len: 0,
            kernel,
        }
    }

    /// Classifies `s`, replacing the previous line.
    pub(crate) fn fill(&mut self, s: &[u8]) {
        self.len = s.len();
        // Every word is written below: the chunks' byte classes, then the separators.
        self.chunks.resize(s.len().div_ceil(64), [0; CLASSES]);
        self.kernel.classify(s, &mut self.chunks);
        self.mark_separators();
    }

    /// Class `class`'s word of chunk `k`.
    #[inline(always)]
    fn word(&self, class: Class, k: usize) -> u64 {
        self.chunks[k][class as usize]
    }

    /// [`Class::Sep`] and [`Class::DotAnchor`] from the dots and the bytes on either side.
    fn mark_separators(&mut self) {
        // The previous chunk's last label and bracket bytes, as bit 0.
        let (mut label_before, mut open_before) = (0, 0);
        for k in 0..self.chunks.len() {
            // The next chunk's first label byte, as bit 63.
            let label_after = self
                .chunks
                .get(k + 1)
                .map_or(0, |w| w[Class::Label as usize] << 63);
            let w = &mut self.chunks[k];
            let [labels, opens, dots] =
                [Class::Label, Class::Open, Class::Dot].map(|c| w[c as usize]);
            let sep = dots & (labels << 1 | label_before) & (labels >> 1 | label_after);
            w[Class::Sep as usize] = sep;
            w[Class::DotAnchor as usize] = sep | dots & (opens << 1 | open_before);
            label_before = labels >> 63;
            open_before = opens >> 63;
        }
    }

    /// The positions of `class`'s bytes, in order.
    pub(crate) fn positions(&self, class: Class) -> Positions<'_> {
        self.positions_from(class, 0)
    }

    /// The positions of `class`'s bytes at or after `i`, in order.
    pub(crate) fn positions_from(&self, class: Class, i: usize) -> Positions<'_> {
        let (class, k) = (class as usize, i / 64);
        Positions {
            chunks: &self.chunks,
            class,
            next: k + 1,
            base: k * 64,
            bits: self
                .chunks
                .get(k)
                .map_or(0, |w| w[class] >> (i % 64) << (i % 64)),
        }
    }

    /// Whether the line has `n` bytes of `class` or more. Counted bit by bit up to
    /// `n`: lines have a few bytes of a class, and x86-64 has no `popcnt` by default.
    pub(crate) fn has_at_least(&self, class: Class, n: u32) -> bool {
        let mut seen = 0;
        for w in &self.chunks {
            let mut bits = w[class as usize];
            while bits != 0 {
                seen += 1;
                if seen >= n {
                    return true;
                }
                bits &= bits - 1;
            }
        }
        n == 0
    }

    /// Whether two bytes of `class` stand side by side somewhere in the line.
    pub(crate) fn has_pair(&self, class: Class) -> bool {
        // The previous chunk's last byte, as bit 0.
        let mut before = 0;
        self.chunks.iter().any(|w| {
            let bits = w[class as usize];
            let pair = bits & (bits >> 1) != 0 || before & bits & 1 != 0;
            before = bits >> 63;
            pair
        })
    }

    /// The first position at or after `i` that is not a label byte (the line's length if none).
    #[inline]
    pub(crate) fn label_end(&self, i: usize) -> usize {
        self.run_end(i, |k| self.word(Class::Label, k))
    }

    /// Where the run of label bytes that ends just before `i` starts (`i` if there is none).
    #[inline]
    pub(crate) fn label_start(&self, i: usize) -> usize {
        run_start(i, |k| self.word(Class::Label, k))
    }

    /// The end of the plain dotted name (labels and [`Class::Sep`] dots) at `i`, as [`label_end`](Self::label_end).
    #[inline]
    pub(crate) fn dotted_end(&self, i: usize) -> usize {
        self.run_end(i, |k| self.word(Class::Label, k) | self.word(Class::Sep, k))
    }

    /// The start of the plain dotted name that ends just before `i`, as [`label_start`](Self::label_start).
    #[inline]
    pub(crate) fn dotted_start(&self, i: usize) -> usize {
        run_start(i, |k| self.word(Class::Label, k) | self.word(Class::Sep, k))
    }

    /// The last position before `i` of a byte of `class`.
    pub(crate) fn last_before(&self, class: Class, i: usize) -> Option<usize> {
        let mut k = i.checked_sub(1)? / 64;
        // Bits 0..=(i - 1) % 64 of the word: the bytes before `i`.
        let mut bits = self.word(class, k) & (u64::MAX >> (63 - (i - 1) % 64));
        loop {
            if bits != 0 {
                return Some(k * 64 + 63 - bits.leading_zeros() as usize);
            }
            k = k.checked_sub(1)?;
            bits = self.word(class, k);
        }
    }

    /// The first position at or after `i` whose bit in `run(word)` is 0 (the line's length if none).
    #[inline(always)]
    fn run_end(&self, i: usize, run: impl Fn(usize) -> u64) -> usize {
        let mut k = i / 64;
        if k >= self.chunks.len() {
            return i;
        }
        // Shifting brings in zeros ("in the run") above the word: the next word decides those.
        let stops = !run(k) >> (i % 64);
        if stops != 0 {
            return i + stops.trailing_zeros() as usize;
        }
        loop {
            k += 1;
            if k >= self.chunks.len() {
                return self.len;
            }
            let stops = !run(k);
            if stops != 0 {
                return k * 64 + stops.trailing_zeros() as usize;
            }
        }
    }

    /// The blocks of 16 hex digits, counted from the start of the line (`i` a multiple
    /// of 16, bytes `i..i + 16` all hex digits), in order.
    pub(crate) fn hex_blocks(&self) -> impl Iterator<Item = usize> + '_ {
        self.chunks.iter().enumerate().flat_map(|(k, words)| {
            let hex = words[Class::Hex as usize];
            // Bit b of `runs`: bytes b..b + 16 are all hex (bits past the word are 0).
            let mut runs = hex & hex >> 1;
            runs &= runs >> 2;
            runs &= runs >> 4;
            runs &= runs >> 8;
            let mut blocks = runs & 0x0001_0001_0001_0001;
            std::iter::from_fn(move || {
                let block = blocks.trailing_zeros() as usize;
                blocks &= blocks.wrapping_sub(1);
                (block < 64).then_some(k * 64 + block)
            })
        })
    }

    /// Whether any byte in `range` is of `class`.
    #[inline]
    pub(crate) fn any(&self, class: Class, range: Range<usize>) -> bool {
        self.test(class, range, |bits, mask| bits & mask == 0)
            .is_some_and(|all_clear| !all_clear)
    }

    /// Whether every byte in `range` is of `class` (true for an empty range).
    #[inline]
    pub(crate) fn all(&self, class: Class, range: Range<usize>) -> bool {
        self.test(class, range, |bits, mask| !bits & mask == 0)
            .unwrap_or(true)
    }

    /// Whether `ok(word, mask)` holds for every word `range` covers, `mask` being the
    /// bits of `range` in it; `None` for an empty range.
    #[inline(always)]
    fn test(
        &self,
        class: Class,
        range: Range<usize>,
        ok: impl Fn(u64, u64) -> bool,
    ) -> Option<bool> {
        if range.is_empty() {
            return None;
        }
        let (first, last) = (range.start / 64, (range.end - 1) / 64);
        let low = u64::MAX << (range.start % 64);
        let high = u64::MAX >> (63 - (range.end - 1) % 64);
        let word = |k| self.word(class, k);
        if first == last {
            return Some(ok(word(first), low & high));
        }
        Some(
            ok(word(first), low)
                && (first + 1..last).all(|k| ok(word(k), u64::MAX))
                && ok(word(last), high),
        )
    }
}

/// Where the run of bytes whose bit in `run(word)` is 1 that ends just before `i` starts.
#[inline(always)]
fn run_start(i: usize, run: impl Fn(usize) -> u64) -> usize {
    if i == 0 {
        return 0;
    }
    let mut k = (i - 1) / 64;
    // Bits 0..=(i - 1) % 64 of the word: the bytes before `i`.
    let mut stops = !run(k) & (u64::MAX >> (63 - (i - 1) % 64));
    loop {
        if stops != 0 {
            // The last stop; the run starts after it.
            return k * 64 + 64 - stops.leading_zeros() as usize;
        }
        if k == 0 {
            return 0;
        }
        k -= 1;
        stops = !run(k);
    }
}

/// Iterator over one class's positions (see [`Classes::positions`]).
#[derive(Debug, Clone)]
pub(crate) struct Positions<'a> {
    chunks: &'a [ChunkWords],
    class: usize,
    next: usize,
    base: usize,
    bits: u64,
}

impl Iterator for Positions<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.bits = self.chunks.get(self.next)?[self.class];
            self.base = self.next * 64;
            self.next += 1;
        }
        let at = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }
}

fn masks_bytes(chunk: &[u8]) -> Masks {
    let mut masks = [0u64; BYTE_CLASSES];
    for (k, &b) in chunk.iter().enumerate() {
        for (class, mask) in BYTE_CLASS_ORDER.iter().zip(&mut masks) {
            *mask |= u64::from(class.has(b)) << k;
        }
    }
    masks
}

/// The byte classes in the order of their masks.
const BYTE_CLASS_ORDER: [Class; BYTE_CLASSES] = [
    Class::Dot,
    Class::Colon,
    Class::At,
    Class::Slash,
    Class::Backslash,
    Class::Open,
    Class::Label,
    Class::Hex,
    Class::Upper,
];

/// The whole of [`Kernel::classify`] with AVX-512BW, so that each chunk's code is inlined.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
unsafe fn classify_avx512(s: &[u8], out: &mut [ChunkWords]) {
    for (words, chunk) in out.iter_mut().zip(s.chunks(64)) {
        // SAFETY: the caller's CPU has AVX-512BW.
        words[..BYTE_CLASSES].copy_from_slice(&unsafe { masks_avx512(chunk) });
    }
}

/// AVX-512BW: compares give 64-bit masks directly; the chunk's tail is a masked load,
/// which reads nothing past it (and bytes not loaded are 0, of no class).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
#[inline]
unsafe fn masks_avx512(chunk: &[u8]) -> Masks {
    use std::arch::x86_64::{
        __m512i, _mm512_cmpeq_epi8_mask, _mm512_cmple_epu8_mask, _mm512_maskz_loadu_epi8,
        _mm512_or_si512, _mm512_set1_epi8, _mm512_sub_epi8,
    };
    let loaded = u64::MAX >> (64 - chunk.len().max(1));
    let loaded = if chunk.is_empty() { 0 } else { loaded };
    // SAFETY: the masked load reads only the `chunk.len()` bytes of `chunk`.
    let v: __m512i = unsafe { _mm512_maskz_loadu_epi8(loaded, chunk.as_ptr().cast()) };
    let splat = |b: u8| _mm512_set1_epi8(b as i8);
    let eq = |b: u8| _mm512_cmpeq_epi8_mask(v, splat(b));
    // `x - low <= span` as unsigned bytes.
    let within = |x: __m512i, low: u8, span: u8| {
        _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, splat(low)), splat(span))
    };
    let digit = within(v, b'0', 9);
    // Setting bit 5 folds A-Z onto a-z and moves no other byte into a-z.
    let folded = _mm512_or_si512(v, splat(0x20));
    let letter = within(folded, b'a', 25);
    let hex_letter = within(folded, b'a', 5);
    [
        eq(b'.'),
        eq(b':'),
        eq(b'@'),
        eq(b'/'),
        eq(b'\\'),
        eq(b'[') | eq(b'(') | eq(b'{'),
        digit | letter | eq(b'-') | eq(b'_'),
        digit | hex_letter,
        within(v, b'A', 25),
    ]
}

/// The whole of [`Kernel::classify`] with AVX2, as [`classify_avx512`].
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_avx2(s: &[u8], out: &mut [ChunkWords]) {
    // SAFETY: the caller's CPU has AVX2.
    classify_whole_chunks(s, out, |chunk, shift, words| unsafe {
        masks_avx2(chunk, shift, words);
    });
}

/// Classifies `s`'s chunks 64 bytes at a time with `classify(chunk, shift, words)`,
/// which writes each byte-class mask shifted down by `shift` into `words`. A last
/// chunk shorter than that is classified as the end of the line's last 64 bytes,
/// whose masks are shifted down past the bytes before it; in a line shorter than 64
/// bytes, it is copied into a zeroed chunk (zeros are of no class).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn classify_whole_chunks(
    s: &[u8],
    out: &mut [ChunkWords],
    classify: impl Fn(&[u8; 64], u32, &mut ChunkWords),
) {
    let mut chunks = s.chunks_exact(64);
    let mut words = out.iter_mut();
    for (chunk, words) in (&mut chunks).zip(&mut words) {
        classify(chunk.try_into().expect("64 bytes"), 0, words);
    }
    let tail = chunks.remainder().len();
    let Some(words) = words.next().filter(|_| tail > 0) else {
        return;
    };
    if let Some(last) = s.len().checked_sub(64) {
        classify(
            s[last..].try_into().expect("64 bytes"),
            64 - tail as u32,
            words,
        );
    } else {
        let mut padded = [0u8; 64];
        padded[..tail].copy_from_slice(s);
        classify(&padded, 0, words);
    }
}

/// Writes `masks`, each shifted down by `shift`, as the first words of `words`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn store_shifted(masks: Masks, shift: u32, words: &mut ChunkWords) {
    for (word, mask) in words.iter_mut().zip(masks) {
        *word = mask >> shift;
    }
}

/// AVX2: each class is compared in the chunk's two 32-byte halves, whose byte masks
/// (`movemask`) are joined into the class's 64-bit word at once.
// Inlined into the loop over a line's chunks, which keeps most of the constants in
// registers from chunk to chunk. (Returning the masks instead of writing them into
// `words` made LLVM turn them back into vectors of bits when inlined.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn masks_avx2(chunk: &[u8; 64], shift: u32, words: &mut ChunkWords) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8, _mm256_sub_epi8,
    };
    let at = chunk.as_ptr().cast::<__m256i>();
    // SAFETY: two unaligned loads of 32 bytes each, both inside the 64 of `chunk`.
    let (low, high) = unsafe { (_mm256_loadu_si256(at), _mm256_loadu_si256(at.add(1))) };
    let splat = |b: u8| _mm256_set1_epi8(b as i8);
    let eq = |v: __m256i, b: u8| _mm256_cmpeq_epi8(v, splat(b));
    let or = _mm256_or_si256;
    // `x - low <= span` as unsigned bytes: min(d, span) == d.
    let within = |x: __m256i, low: u8, span: u8| {
        let d = _mm256_sub_epi8(x, splat(low));
        _mm256_cmpeq_epi8(_mm256_min_epu8(d, splat(span)), d)
    };
    let digit = |v: __m256i| within(v, b'0', 9);
    // Setting bit 5 folds A-Z onto a-z and moves no other byte into a-z.
    let folded = |v: __m256i| or(v, splat(0x20));
    let label = |v: __m256i| {
        or(
            or(digit(v), within(folded(v), b'a', 25)),
            or(eq(v, b'-'), eq(v, b'_')),
        )
    };
    let hex = |v: __m256i| or(digit(v), within(folded(v), b'a', 5));
    let open = |v: __m256i| or(or(eq(v, b'['), eq(v, b'(')), eq(v, b'{'));
    let upper = |v: __m256i| within(v, b'A', 25);
    // One class in both halves, as its word.
    let word = |class: &dyn Fn(__m256i) -> __m256i| {
        u64::from(_mm256_movemask_epi8(class(low)) as u32)
            | u64::from(_mm256_movemask_epi8(class(high)) as u32) << 32
    };
    // Written where they are kept: returned, they went through the stack, and the
    // caller's wide reads of the narrow writes stalled.
    let masks = [
        word(&|v| eq(v, b'.')),
        word(&|v| eq(v, b':')),
        word(&|v| eq(v, b'@')),
        word(&|v| eq(v, b'/')),
        word(&|v| eq(v, b'\\')),
        word(&open),
        word(&label),
        word(&hex),
        word(&upper),
    ];
    store_shifted(masks, shift, words);
}

/// SSE2, 16 bytes at a time.
#[cfg(target_arch = "x86_64")]
#[inline]
fn masks_sse2(chunk: &[u8; 64]) -> Masks {
    let mut masks = [0u64; BYTE_CLASSES];
    for (k, block) in chunk.chunks_exact(16).enumerate() {
        let bits = block_sse2(block.try_into().expect("16 bytes"));
        for (mask, b) in masks.iter_mut().zip(bits) {
            *mask |= u64::from(b) << (16 * k);
        }
    }
    masks
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_sse2(block: &[u8; 16]) -> [u16; BYTE_CLASSES] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };
    // SAFETY: SSE2 is in the x86-64 baseline; the load reads exactly the 16 bytes of
    // `block` (unaligned loads are allowed).
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let splat = |b: u8| _mm_set1_epi8(b as i8);
        let eq = |b: u8| _mm_cmpeq_epi8(v, splat(b));
        // `x - low <= span` as unsigned bytes: min(d, span) == d.
        let within = |x: __m128i, low: u8, span: u8| {
            let d = _mm_sub_epi8(x, splat(low));
            _mm_cmpeq_epi8(_mm_min_epu8(d, splat(span)), d)
        };
        let bits = |m: __m128i| _mm_movemask_epi8(m) as u16;
        let digit = within(v, b'0', 9);
        let folded = _mm_or_si128(v, splat(0x20));
        let letter = within(folded, b'a', 25);
        let hex_letter = within(folded, b'a', 5);
        let or = _mm_or_si128;
        [
            bits(eq(b'.')),
            bits(eq(b':')),
            bits(eq(b'@')),
            bits(eq(b'/')),
            bits(eq(b'\\')),
            bits(or(or(eq(b'['), eq(b'(')), eq(b'{'))),
            bits(or(or(digit, letter), or(eq(b'-'), eq(b'_')))),
            bits(or(digit, hex_letter)),
            bits(within(v, b'A', 25)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kernel this CPU can run.
    fn kernels() -> Vec<Kernel> {
        let mut kernels = vec![Kernel::Bytes];
        #[cfg(target_arch = "x86_64")]
        {
            kernels.push(Kernel::Sse2);
            if std::arch::is_x86_feature_detected!("avx2") {
                kernels.push(Kernel::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512bw") {
                kernels.push(Kernel::Avx512);
            }
        }
        kernels
    }

    /// Texts of 0 to 200 bytes: random bytes, bytes of the classes' edges, and every byte value.
    fn texts() -> Vec<Vec<u8>> {
        let mut state = 0x2545_f491_u32;
        let mut texts = Vec::new();
        for len in 0..200usize {
            for round in 0..6 {
                texts.push(
                    (0..len)
                        .map(|k| {
                            state ^= state << 13;
                            state ^= state >> 17;
                            state ^= state << 5;
                            match round % 3 {
                                0 => (state % 256) as u8,
                                1 => b"./:@\\[({a]-_09AFGZafgz`@{\x80 "[(state % 27) as usize],
                                _ => ((k * 7 + round) % 256) as u8,
                            }
                        })
                        .collect(),
                );
            }
        }
        texts
    }

    #[test]
    fn every_kernel_classifies_every_byte_in_every_position_as_the_definition_does() {
        for kernel in kernels() {
            let mut classes = Classes::with_kernel(kernel);
            for text in texts() {
                classes.fill(&text);
                for class in BYTE_CLASS_ORDER {
                    let by_hand: Vec<usize> =
                        (0..text.len()).filter(|&i| class.has(text[i])).collect();
                    let found: Vec<usize> = classes.positions(class).collect();
                    assert_eq!(found, by_hand, "{kernel:?}, {class:?} in {text:?}");
                }
            }
        }
    }

    #[test]
    fn runs_and_ranges_agree_with_a_byte_by_byte_walk() {
        let label = |b: u8| Class::Label.has(b);
        let mut classes = Classes::default();
        for text in texts().into_iter().step_by(5) {
            classes.fill(&text);
            let n = text.len();
            let sep = |k: usize| {
                text[k] == b'.' && k > 0 && k + 1 < n && label(text[k - 1]) && label(text[k + 1])
            };
            let seps: Vec<usize> = (0..n).filter(|&k| sep(k)).collect();
            let after_open = |k: usize| k > 0 && Class::Open.has(text[k - 1]);
            let anchors: Vec<usize> = (0..n)
                .filter(|&k| sep(k) || text[k] == b'.' && after_open(k))
                .collect();
            let found: Vec<usize> = classes.positions(Class::DotAnchor).collect();
            assert_eq!(found, anchors, "{text:?}");
            assert_eq!(
                classes.positions(Class::Sep).collect::<Vec<_>>(),
                seps,
                "{text:?}"
            );
            let dotted = |k: usize| label(text[k]) || sep(k);
            for i in 0..=n {
                let end = (i..n).find(|&k| !label(text[k])).unwrap_or(n);
                assert_eq!(classes.label_end(i), end, "end from {i} in {text:?}");
                let start = (0..i).rev().find(|&k| !label(text[k])).map_or(0, |k| k + 1);
                assert_eq!(
                    classes.label_start(i),
                    start,
                    "start before {i} in {text:?}"
                );
                let end = (i..n).find(|&k| !dotted(k)).unwrap_or(n);
                assert_eq!(
                    classes.dotted_end(i),
                    end,
                    "dotted end from {i} in {text:?}"
                );
                let start = (0..i).rev().find(|&k| !dotted(k)).map_or(0, |k| k + 1);
                assert_eq!(
                    classes.dotted_start(i),
                    start,
                    "dotted start before {i} in {text:?}"
                );
                let last = seps.iter().rev().copied().find(|&k| k < i);
                assert_eq!(
                    classes.last_before(Class::Sep, i),
                    last,
                    "before {i} in {text:?}"
                );
                let from: Vec<usize> = classes.positions_from(Class::Sep, i).collect();
                assert_eq!(
                    from,
                    seps.iter().copied().filter(|&k| k >= i).collect::<Vec<_>>()
                );
            }
            for class in [Class::Colon, Class::Slash] {
                let count = (0..n).filter(|&k| class.has(text[k])).count() as u32;
                for at_least in [0, 1, 2, 6, 7] {
                    assert_eq!(
                        classes.has_at_least(class, at_least),
                        count >= at_least,
                        "{at_least} {class:?} in {text:?}"
                    );
                }
                let pair = (1..n).any(|k| class.has(text[k - 1]) && class.has(text[k]));
                assert_eq!(classes.has_pair(class), pair, "{class:?} pair in {text:?}");
            }
            let blocks: Vec<usize> = (0..n.saturating_sub(15))
                .step_by(16)
                .filter(|&i| text[i..i + 16].iter().all(u8::is_ascii_hexdigit))
                .collect();
            assert_eq!(classes.hex_blocks().collect::<Vec<_>>(), blocks, "{text:?}");
            for start in (0..=n).step_by(7) {
                for end in start..=n.min(start + 140) {
                    for class in [Class::Hex, Class::Upper] {
                        let bytes = &text[start..end];
                        assert_eq!(
                            classes.any(class, start..end),
                            bytes.iter().any(|&b| class.has(b)),
                            "any {class:?} in {start}..{end} of {text:?}"
                        );
                        assert_eq!(
                            classes.all(class, start..end),
                            bytes.iter().all(|&b| class.has(b)),
                            "all {class:?} in {start}..{end} of {text:?}"
                        );
                    }
                }
            }
        }
    }
}
