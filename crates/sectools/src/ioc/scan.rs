//! Hand-written scanners, one per indicator family. Each is anchored on bytes that
//! every match must contain ('.', ':', '@', '/', '\\'), so a line costs one
//! pass over its bytes plus a little work per anchor; no backtracking regex is involved.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use super::types::IocType;

/// A raw match before de-duplication: the public [`Ioc`] itself.
pub(crate) type Found = super::Ioc;

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

#[inline]
fn is_label(b: u8) -> bool {
    LABEL[b as usize]
}

/// A dot separator at `i`: `.` or a defanged form. Returns its length and whether it was defanged.
#[inline]
fn dot_at(s: &[u8], i: usize) -> Option<(usize, bool)> {
    match s.get(i)? {
        b'.' => Some((1, false)),
        open @ (b'[' | b'(' | b'{') => {
            let close = match open {
                b'[' => b']',
                b'(' => b')',
                _ => b'}',
            };
            if s.get(i + 1) == Some(&b'.') && s.get(i + 2) == Some(&close) {
                Some((3, true))
            } else if s.len() >= i + 5
                && s[i + 1..i + 4].eq_ignore_ascii_case(b"dot")
                && s[i + 4] == close
            {
                Some((5, true))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Lower-cases `s[range]` into `buf`, turning defanged dots into '.'.
fn refang_dotted(s: &[u8], range: Range<usize>, buf: &mut String) {
    buf.clear();
    let part = &s[range.clone()];
    if part.is_ascii() && !part.iter().any(|b| matches!(b, b'[' | b'(' | b'{')) {
        // The common case: label characters and dots, copied and lower-cased in one go.
        buf.extend(part.iter().map(|&b| char::from(b.to_ascii_lowercase())));
        return;
    }
    let mut i = range.start;
    while i < range.end {
        if let Some((len, _)) = dot_at(s, i) {
            buf.push('.');
            i += len;
        } else {
            buf.push(s[i].to_ascii_lowercase() as char);
            i += 1;
        }
    }
}

fn is_hex_str(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_hexdigit)
}

fn hash_type(len: usize) -> Option<IocType> {
    match len {
        32 => Some(IocType::Md5Hash),
        40 => Some(IocType::Sha1Hash),
        64 => Some(IocType::Sha256Hash),
        _ => None,
    }
}

/// Syntax of a domain name (already lower-cased, '.'-separated): label lengths and
/// characters, an alphabetic or punycode top-level label, total length.
pub(crate) fn domain_syntax_ok(domain: &str) -> bool {
    if domain.len() > 253 || domain.is_empty() {
        return false;
    }
    let mut labels = 0;
    for label in domain.split('.') {
        labels += 1;
        let b = label.as_bytes();
        if b.is_empty() || b.len() > 63 || b[0] == b'-' || b[b.len() - 1] == b'-' {
            return false;
        }
        if !b.iter().all(|&c| is_label(c)) {
            return false;
        }
    }
    let tld = domain.rsplit('.').next().unwrap_or("");
    labels >= 2
        && (tld.starts_with("xn--")
            || (tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic())))
}

/// A registrable domain: valid syntax and a suffix known to the public suffix list.
pub(crate) fn is_public_domain(domain: &str) -> bool {
    domain_syntax_ok(domain)
        && psl::domain(domain.as_bytes()).is_some_and(|d| d.suffix().is_known())
}

fn ipv4_from_labels(s: &[u8], labels: &[Range<usize>]) -> bool {
    labels.len() == 4
        && labels.iter().all(|r| {
            let b = &s[r.clone()];
            !b.is_empty()
                && b.len() <= 3
                && b.iter().all(u8::is_ascii_digit)
                && b.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0')) <= 255
        })
}

/// Which families a scan looks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wanted(pub(crate) u16);

impl Wanted {
    fn has(self, t: &IocType) -> bool {
        self.0 & t.bit() != 0
    }
}

/// Scans one text for every wanted built-in family, appending raw matches.
/// Buffers reused from line to line, so a scan allocates only for what it finds.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    anchors: Anchors,
    urls: Vec<Range<usize>>,
    authorities: Vec<Range<usize>>,
    labels: Vec<Range<usize>>,
    buf: String,
}

/// Positions of the bytes the scanners are anchored on, found once per line and shared.
#[derive(Debug, Default)]
pub(crate) struct Anchors {
    dots: Vec<usize>,
    colons: Vec<usize>,
    ats: Vec<usize>,
    slashes: Vec<usize>,
    backslashes: Vec<usize>,
    brackets: Vec<usize>,
}

/// The bytes the scanners are anchored on; `Anchors::push` says which list each goes to.
const ANCHOR_BYTES: [u8; 8] = *b".:@/\\[({";

const fn anchor_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut k = 0;
    while k < ANCHOR_BYTES.len() {
        t[ANCHOR_BYTES[k] as usize] = true;
        k += 1;
    }
    t
}
static ANCHOR: [bool; 256] = anchor_table();

impl Anchors {
    /// Every anchor byte of `s`, in order, into its list.
    fn fill(&mut self, s: &[u8]) {
        for list in [
            &mut self.dots,
            &mut self.colons,
            &mut self.ats,
            &mut self.slashes,
            &mut self.backslashes,
            &mut self.brackets,
        ] {
            list.clear();
        }
        #[cfg(target_arch = "x86_64")]
        let done = self.fill_blocks(s);
        #[cfg(not(target_arch = "x86_64"))]
        let done = 0;
        for (at, &b) in s.iter().enumerate().skip(done) {
            if ANCHOR[b as usize] {
                self.push(b, at);
            }
        }
    }

    /// The anchors of `s`'s whole 16-byte blocks; returns how many bytes it read.
    /// Anchors are a few bytes in a hundred, so most blocks hold none and cost a
    /// handful of instructions.
    #[cfg(target_arch = "x86_64")]
    fn fill_blocks(&mut self, s: &[u8]) -> usize {
        let mut i = 0;
        while let Some(block) = s.get(i..i + 16) {
            let mut mask = simd::anchor_mask(block.try_into().expect("16 bytes"));
            while mask != 0 {
                let at = i + mask.trailing_zeros() as usize;
                self.push(s[at], at);
                mask &= mask - 1;
            }
            i += 16;
        }
        i
    }

    #[inline]
    fn push(&mut self, b: u8, at: usize) {
        match b {
            b'.' => self.dots.push(at),
            b':' => self.colons.push(at),
            b'@' => self.ats.push(at),
            b'/' => self.slashes.push(at),
            b'\\' => self.backslashes.push(at),
            _ => self.brackets.push(at),
        }
    }
}

/// The anchor bytes of a 16-byte block, found with SSE2 (part of every x86-64 CPU).
#[cfg(target_arch = "x86_64")]
mod simd {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_setzero_si128,
    };

    use super::ANCHOR_BYTES;

    /// Bit k is set when `block[k]` is one of [`ANCHOR_BYTES`].
    #[inline]
    pub(super) fn anchor_mask(block: &[u8; 16]) -> u32 {
        // SAFETY: SSE2 is in the x86-64 baseline; the load reads exactly the 16 bytes
        // of `block` (unaligned loads are allowed).
        unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
            let any = ANCHOR_BYTES.iter().fold(_mm_setzero_si128(), |any, &b| {
                _mm_or_si128(any, _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)))
            });
            _mm_movemask_epi8(any) as u32
        }
    }
}

pub(crate) fn scan(text: &str, wanted: Wanted, scratch: &mut Scratch, out: &mut Vec<Found>) {
    let s = text.as_bytes();
    let Scratch {
        anchors,
        urls,
        authorities,
        labels,
        buf,
    } = scratch;
    anchors.fill(s);
    urls.clear();
    authorities.clear();
    let need_urls = wanted.0
        & (IocType::Url.bit()
            | IocType::LinuxPath.bit()
            | IocType::Dns.bit()
            | IocType::Ipv4.bit())
        != 0;
    if need_urls || wanted.has(&IocType::Email) {
        scan_urls(text, wanted, &anchors.slashes, urls, authorities, out);
    }
    if wanted.0
        & (IocType::Ipv4.bit()
            | IocType::Dns.bit()
            | IocType::Md5Hash.bit()
            | IocType::Sha1Hash.bit()
            | IocType::Sha256Hash.bit())
        != 0
    {
        scan_dotted(s, wanted, anchors, labels, buf, out);
    }
    if wanted.has(&IocType::Email) {
        scan_emails(s, &anchors.ats, &anchors.brackets, authorities, out);
    }
    if wanted.has(&IocType::Ipv6) {
        scan_ipv6(s, &anchors.colons, out);
    }
    if wanted.has(&IocType::WindowsPath) {
        scan_windows_paths(s, &anchors.backslashes, out);
    }
    if wanted.has(&IocType::LinuxPath) {
        scan_linux_paths(s, &anchors.slashes, urls, out);
    }
}

/// A dot separator that ends just before `i`: `.` or a defanged form. Returns its length.
fn dot_ending_at(s: &[u8], i: usize) -> Option<usize> {
    if i == 0 {
        return None;
    }
    if s[i - 1] == b'.' {
        return Some(1);
    }
    [3, 5]
        .into_iter()
        .find(|&len| i >= len && dot_at(s, i - len).is_some_and(|(l, _)| l == len))
}

const HASH_BITS: u16 = 1 << 5 | 1 << 6 | 1 << 7;

/// Hashes: whole words of 32, 40 or 64 hex digits. Probing the byte where a 32-byte
/// word would have to reach lets the scan skip ahead 32 bytes at a time through prose.
fn scan_hashes(s: &[u8], wanted: Wanted, out: &mut Vec<Found>) {
    let n = s.len();
    let mut i = 0;
    while i + 32 <= n {
        let probe = i + 31;
        if !is_label(s[probe]) {
            i = probe + 1;
            continue;
        }
        // s[i - 1] is never a label byte here, so the word starts at or after i.
        let mut start = probe;
        while start > i && is_label(s[start - 1]) {
            start -= 1;
        }
        let mut end = probe + 1;
        while end < n && is_label(s[end]) {
            end += 1;
        }
        i = end + 1;
        let glued = (start > 0 && s[start - 1] >= 0x80) || (end < n && s[end] >= 0x80);
        let Some(t) = hash_type(end - start) else {
            continue;
        };
        if !glued && wanted.has(&t) && is_hex_str(&s[start..end]) {
            out.push(Found {
                ioc_type: t,
                span: start..end,
                value: String::from_utf8_lossy(&s[start..end]).to_ascii_lowercase(),
                defanged: false,
            });
        }
    }
}

/// Dotted runs (`label(.label)+`, defanged dots allowed) become IPv4 addresses or
/// domains. Every run holds a '.' or a bracketed `dot`, so only those bytes are visited.
fn scan_dotted(
    s: &[u8],
    wanted: Wanted,
    anchors: &Anchors,
    labels: &mut Vec<Range<usize>>,
    buf: &mut String,
    out: &mut Vec<Found>,
) {
    if wanted.0 & HASH_BITS != 0 {
        scan_hashes(s, wanted, out);
    }
    if wanted.0 & (IocType::Ipv4.bit() | IocType::Dns.bit()) == 0 {
        return;
    }
    let n = s.len();
    // Plain and bracketed dots; `[dot]`-style separators are found from their bracket
    // (a run holding both kinds may be reported twice; callers de-duplicate).
    let dots = anchors.dots.iter().copied();
    let worded = anchors
        .brackets
        .iter()
        .copied()
        .filter(|&i| dot_at(s, i).is_some_and(|(l, _)| l == 5));
    let mut next_free = 0;
    let mut last_dot = true;
    for anchor in dots.chain(worded) {
        // The second iterator starts again from the beginning of the line.
        if s[anchor] != b'.' && last_dot {
            last_dot = false;
            next_free = 0;
        }
        if anchor < next_free {
            continue;
        }
        // The separator this anchor belongs to.
        let sep = if s[anchor] != b'.' {
            anchor..anchor + 5
        } else if anchor > 0 && dot_at(s, anchor - 1).is_some_and(|(l, _)| l == 3) {
            anchor - 1..anchor + 2
        } else {
            anchor..anchor + 1
        };
        if sep.start == 0 || sep.end >= n || !is_label(s[sep.start - 1]) || !is_label(s[sep.end]) {
            continue;
        }
        // Back to the start of the run.
        let mut start = sep.start;
        loop {
            while start > 0 && is_label(s[start - 1]) {
                start -= 1;
            }
            match dot_ending_at(s, start) {
                Some(len) if start > len && is_label(s[start - len - 1]) => start -= len,
                _ => break,
            }
        }
        // Forward over the whole run, noting its labels.
        labels.clear();
        let mut defanged = false;
        let mut j = start;
        loop {
            let label_start = j;
            while j < n && is_label(s[j]) {
                j += 1;
            }
            labels.push(label_start..j);
            match dot_at(s, j) {
                Some((len, fanged)) if j + len < n && is_label(s[j + len]) => {
                    defanged |= fanged;
                    j += len;
                }
                _ => break,
            }
        }
        next_free = j;
        // Runs glued to non-ASCII text are parts of words we do not parse (IDNs in Unicode form).
        if (start > 0 && s[start - 1] >= 0x80) || (j < n && s[j] >= 0x80) {
            continue;
        }
        if ipv4_from_labels(s, labels) {
            if wanted.has(&IocType::Ipv4) {
                refang_dotted(s, start..j, buf);
                out.push(Found {
                    ioc_type: IocType::Ipv4,
                    span: start..j,
                    value: buf.clone(),
                    defanged,
                });
            }
            continue;
        }
        if !wanted.has(&IocType::Dns) {
            continue;
        }
        // The local part of an e-mail address (`first.last@...`) is not a domain.
        if s.get(j) == Some(&b'@')
            || dot_at(s, j).is_none()
                && s.get(j) == Some(&b'[')
                && s[j..].len() >= 4
                && s[j + 1..j + 3].eq_ignore_ascii_case(b"at")
        {
            continue;
        }
        // Cheap rejections before any allocation: the top-level label must be letters (or punycode).
        let tld = &s[labels[labels.len() - 1].clone()];
        if tld.len() < 2
            || !(tld.iter().all(u8::is_ascii_alphabetic)
                || tld[..4.min(tld.len())].eq_ignore_ascii_case(b"xn--"))
        {
            continue;
        }
        let mut dstart = start;
        // A file name inside a path (`\cmd.exe`, `/x/report.com`) is not a domain,
        // but a host after `//` (URL, UNC) or `@` is.
        if dstart > 0 {
            let prev = s[dstart - 1];
            let prev2 = if dstart > 1 { s[dstart - 2] } else { 0 };
            if (prev == b'\\' && prev2 != b'\\') || (prev == b'/' && prev2 != b'/') {
                continue;
            }
            // Percent-encoded text: `%2Fevil.com` starts with the escape's two hex digits.
            if prev == b'%' && labels[0].len() > 2 && is_hex_str(&s[dstart..dstart + 2]) {
                dstart += 2;
            }
        }
        // Label syntax on the raw bytes, then the public suffix list.
        let labels_ok = labels.iter().enumerate().all(|(k, r)| {
            let label = if k == 0 {
                &s[dstart..r.end]
            } else {
                &s[r.clone()]
            };
            !label.is_empty()
                && label.len() <= 63
                && label[0] != b'-'
                && label[label.len() - 1] != b'-'
        });
        if !labels_ok || j - dstart > 253 {
            continue;
        }
        refang_dotted(s, dstart..j, buf);
        if psl::domain(buf.as_bytes()).is_some_and(|d| d.suffix().is_known()) {
            out.push(Found {
                ioc_type: IocType::Dns,
                span: dstart..j,
                value: buf.clone(),
                defanged,
            });
        }
    }
}

/// Characters of an e-mail local part (RFC 5322 dot-atom, the common subset).
fn is_local_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// E-mail addresses; an '@' inside a URL's authority is userinfo, not an address.
fn scan_emails(
    s: &[u8],
    at_signs: &[usize],
    brackets: &[usize],
    authorities: &[Range<usize>],
    out: &mut Vec<Found>,
) {
    // '@', or a defanged `[at]`, `(at)`, `{at}`, `[@]` (any case), found in one pass.
    let ats = at_signs
        .iter()
        .map(|&i| (i, 1))
        .chain(brackets.iter().filter_map(|&i| {
            let close = match s[i] {
                b'[' => b']',
                b'(' => b')',
                _ => b'}',
            };
            if s.get(i + 1) == Some(&b'@') && s.get(i + 2) == Some(&close) && s[i] == b'[' {
                Some((i, 3))
            } else if s.len() >= i + 4
                && s[i + 1..i + 3].eq_ignore_ascii_case(b"at")
                && s[i + 3] == close
            {
                Some((i, 4))
            } else {
                None
            }
        }));
    let mut buf = String::new();
    for (at, at_len) in ats {
        if authorities.iter().any(|a| a.contains(&at)) {
            continue;
        }
        let mut l = at;
        while l > 0 && is_local_part(s[l - 1]) {
            l -= 1;
        }
        while l < at && s[l] == b'.' {
            l += 1;
        }
        if l == at || s[at - 1] == b'.' {
            continue;
        }
        let dstart = at + at_len;
        let mut j = dstart;
        let mut defanged = at_len > 1;
        loop {
            while j < s.len() && is_label(s[j]) {
                j += 1;
            }
            match dot_at(s, j) {
                Some((len, fanged)) if j + len < s.len() && is_label(s[j + len]) => {
                    defanged |= fanged;
                    j += len;
                }
                _ => break,
            }
        }
        if j == dstart || (j < s.len() && s[j] >= 0x80) {
            continue;
        }
        refang_dotted(s, dstart..j, &mut buf);
        if !is_public_domain(&buf) {
            continue;
        }
        let local = String::from_utf8_lossy(&s[l..at]);
        out.push(Found {
            ioc_type: IocType::Email,
            span: l..j,
            value: format!("{local}@{buf}"),
            defanged,
        });
    }
}

/// Schemes a URL may have, including the usual defanged spellings.
const SCHEMES: &[(&str, &str)] = &[
    ("http", "http"),
    ("https", "https"),
    ("hxxp", "http"),
    ("hxxps", "https"),
    ("ftp", "ftp"),
    ("ftps", "ftps"),
    ("sftp", "sftp"),
    ("fxp", "ftp"),
    ("fxps", "ftps"),
    ("telnet", "telnet"),
    ("ldap", "ldap"),
    ("ldaps", "ldaps"),
    ("file", "file"),
    ("ws", "ws"),
    ("wss", "wss"),
    ("smb", "smb"),
    ("rdp", "rdp"),
    ("ssh", "ssh"),
];

/// Bytes that end a URL: whitespace, quotes, angle brackets and the like (RFC 3986
/// "unsafe" characters), and any non-ASCII byte.
fn ends_url(b: u8) -> bool {
    b <= b' '
        || b >= 0x7f
        || matches!(
            b,
            b'"' | b'\'' | b'<' | b'>' | b'`' | b'{' | b'}' | b'|' | b'\\' | b'^'
        )
}

fn scan_urls(
    text: &str,
    wanted: Wanted,
    slash_positions: &[usize],
    urls: &mut Vec<Range<usize>>,
    authorities: &mut Vec<Range<usize>>,
    out: &mut Vec<Found>,
) {
    let s = text.as_bytes();
    let mut next_free = 0;
    // Every "//" in one run of URL characters shares the run's end; finding it once
    // keeps a line of many "//" linear.
    let mut run = 0..0;
    let double = slash_positions
        .windows(2)
        .filter(|w| w[1] == w[0] + 1)
        .map(|w| w[0]);
    for slashes in double {
        if slashes < next_free {
            continue;
        }
        // The separator: "://", "[:]//" or "[://]".
        let (sep_start, rest_start, sep_defanged) =
            if slashes >= 3 && &s[slashes - 3..slashes] == b"[:]" {
                (slashes - 3, slashes + 2, true)
            } else if slashes >= 2
                && &s[slashes - 2..slashes] == b"[:"
                && s.get(slashes + 2) == Some(&b']')
            {
                (slashes - 2, slashes + 3, true)
            } else if slashes >= 1 && s[slashes - 1] == b':' {
                (slashes - 1, slashes + 2, false)
            } else {
                continue;
            };
        let mut scheme_start = sep_start;
        while scheme_start > 0 && s[scheme_start - 1].is_ascii_alphanumeric() {
            scheme_start -= 1;
        }
        let scheme_text = &text[scheme_start..sep_start];
        let Some((_, scheme)) = SCHEMES
            .iter()
            .find(|(spelled, _)| spelled.eq_ignore_ascii_case(scheme_text))
        else {
            continue;
        };
        let mut defanged = sep_defanged || !scheme_text.eq_ignore_ascii_case(scheme);
        if !run.contains(&rest_start) {
            let mut end = rest_start;
            while end < s.len() && !ends_url(s[end]) {
                end += 1;
            }
            run = rest_start..end;
        }
        let mut end = run.end;
        // Trailing punctuation belongs to the sentence, as do unbalanced closing brackets.
        while end > rest_start {
            let last = s[end - 1];
            let body = &s[rest_start..end];
            let unbalanced = |open: u8, close: u8| {
                body.iter().filter(|&&c| c == close).count()
                    > body.iter().filter(|&&c| c == open).count()
            };
            let strip = matches!(last, b'.' | b',' | b';' | b':' | b'!' | b'?' | b'*')
                || (last == b')' && unbalanced(b'(', b')'))
                || (last == b']' && unbalanced(b'[', b']'));
            if !strip {
                break;
            }
            end -= 1;
        }
        let Some(authority) = parse_authority(s, rest_start, end, scheme) else {
            continue;
        };
        defanged |= authority.defanged;
        next_free = end;
        urls.push(scheme_start..end);
        authorities.push(rest_start..authority.host_end);
        if !wanted.has(&IocType::Url) {
            continue;
        }
        let mut value = String::with_capacity(end - scheme_start);
        value.push_str(scheme);
        value.push_str("://");
        value.push_str(&refang_host_part(&text[rest_start..authority.host_end]));
        value.push_str(&text[authority.host_end..end]);
        // A URL-encoded URL inside this one (redirectors, safelinks) is reported too.
        let nested = if value.contains('%') {
            percent_decode(&value[scheme.len() + 3..])
        } else {
            None
        };
        out.push(Found {
            ioc_type: IocType::Url,
            span: scheme_start..end,
            value,
            defanged,
        });
        if let Some(decoded) = nested {
            let mut inner = Vec::new();
            let (mut inner_urls, mut inner_authorities) = (Vec::new(), Vec::new());
            let mut inner_anchors = Anchors::default();
            inner_anchors.fill(decoded.as_bytes());
            scan_urls(
                &decoded,
                Wanted(IocType::Url.bit()),
                &inner_anchors.slashes,
                &mut inner_urls,
                &mut inner_authorities,
                &mut inner,
            );
            let mut dotted = Vec::new();
            let (mut labels, mut buf) = (Vec::new(), String::new());
            for f in &inner {
                let host_only = Wanted(wanted.0 & IocType::Dns.bit());
                inner_anchors.fill(f.value.as_bytes());
                scan_dotted(
                    f.value.as_bytes(),
                    host_only,
                    &inner_anchors,
                    &mut labels,
                    &mut buf,
                    &mut dotted,
                );
            }
            for mut f in inner.into_iter().chain(dotted) {
                f.span = scheme_start..end;
                out.push(f);
            }
        }
    }
}

fn refang_host_part(part: &str) -> String {
    if !part.contains(['[', '(', '{']) {
        return part.to_string();
    }
    part.replace("[.]", ".")
        .replace("(.)", ".")
        .replace("{.}", ".")
        .replace("[dot]", ".")
}

struct Authority {
    host_end: usize,
    defanged: bool,
}

/// Checks `[userinfo@]host[:port]` at the start of a URL body and says where the host part ends.
fn parse_authority(s: &[u8], start: usize, end: usize, scheme: &str) -> Option<Authority> {
    let auth_end = s[start..end]
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#'))
        .map_or(end, |p| start + p);
    let auth = &s[start..auth_end];
    let host_start = auth.iter().rposition(|&b| b == b'@').map_or(0, |p| p + 1);
    let host_port = &auth[host_start..];
    if host_port.is_empty() {
        // Only file URLs may omit the host (`file:///etc/passwd`).
        return (scheme == "file").then_some(Authority {
            host_end: auth_end,
            defanged: false,
        });
    }
    let (host, port) = if host_port[0] == b'[' && !host_port.starts_with(b"[.]") {
        let close = host_port.iter().position(|&b| b == b']')?;
        let inner = std::str::from_utf8(&host_port[1..close]).ok()?;
        inner.parse::<Ipv6Addr>().ok()?;
        (&host_port[..=close], &host_port[close + 1..])
    } else {
        match host_port.iter().rposition(|&b| b == b':') {
            Some(p) if !host_port[p + 1..].contains(&b']') => (&host_port[..p], &host_port[p..]),
            _ => (host_port, &host_port[host_port.len()..]),
        }
    };
    if !port.is_empty() {
        let digits = &port[1..];
        if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if std::str::from_utf8(digits).ok()?.parse::<u32>().ok()? > 65535 {
            return None;
        }
    }
    let mut buf = String::new();
    refang_dotted(host, 0..host.len(), &mut buf);
    let defanged = buf.len() != host.len();
    let valid = host.first() == Some(&b'[')
        || buf.parse::<Ipv4Addr>().is_ok()
        || (!buf.is_empty()
            && buf
                .split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(is_label)));
    valid.then_some(Authority {
        host_end: start + host_start + host.len(),
        defanged,
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let mut changed = false;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
            changed = true;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

fn is_v6_char(b: u8) -> bool {
    b.is_ascii_hexdigit() || b == b':' || b == b'.'
}

fn scan_ipv6(s: &[u8], colons: &[usize], out: &mut Vec<Found>) {
    let mut next_free = 0;
    for &colon in colons {
        if colon < next_free {
            continue;
        }
        let mut l = colon;
        while l > 0 && is_v6_char(s[l - 1]) {
            l -= 1;
        }
        let mut r = colon + 1;
        while r < s.len() && is_v6_char(s[r]) {
            r += 1;
        }
        next_free = r;
        // Glued to a word (`std::vector`, `x12:34`) it is not an address.
        if (l > 0 && (s[l - 1].is_ascii_alphanumeric() || s[l - 1] == b'_'))
            || (r < s.len() && (s[r].is_ascii_alphanumeric() || s[r] == b'_'))
        {
            continue;
        }
        // Sentence punctuation and a lone trailing colon ("addr fe80::1:") are not part of it.
        let mut end = r;
        while end > l && s[end - 1] == b'.' {
            end -= 1;
        }
        if end > l + 1 && s[end - 1] == b':' && s[end - 2] != b':' {
            end -= 1;
        }
        // Shape first (times like 12:30:45 are most colons in logs), then the full parse.
        let run = &s[l..end];
        let colons = run.iter().filter(|&&b| b == b':').count();
        let double = run.windows(2).any(|w| w == b"::");
        if colons < 7 && !double && !(colons == 6 && run.contains(&b'.')) {
            continue;
        }
        let Ok(candidate) = std::str::from_utf8(run) else {
            continue;
        };
        let wide = candidate.split(':').any(|g| g.len() >= 3)
            || (candidate.starts_with("::") && candidate.len() >= 3);
        if !wide || candidate.parse::<Ipv6Addr>().is_err() {
            continue;
        }
        // Hex dumps and MAC-like runs parse as IPv6 too; real addresses have a group of
        // three or more digits, or are the `::x` shorthand (checked as `wide` above).
        out.push(Found {
            ioc_type: IocType::Ipv6,
            span: l..end,
            value: candidate.to_ascii_lowercase(),
            defanged: false,
        });
    }
}

/// Bytes allowed in a path segment other than the final one (spaces allowed).
fn windows_segment_byte(b: u8) -> bool {
    b >= b' '
        && !matches!(
            b,
            b'<' | b'>' | b':' | b'"' | b'/' | b'\\' | b'|' | b'?' | b'*'
        )
}

/// A byte before a path root: start of text or a separator-like character.
fn path_boundary(prev: Option<u8>) -> bool {
    match prev {
        None => true,
        Some(b) => {
            !(b.is_ascii_alphanumeric()
                || b >= 0x80
                || matches!(b, b'_' | b'-' | b'.' | b'/' | b'\\' | b'%' | b'$'))
        }
    }
}

/// A folder segment like `x.ps1 %APPDATA%` or `a.exe C:`: after its last space starts
/// another path's root, so the path before it ends at that space.
fn starts_new_path(segment: &[u8]) -> bool {
    let Some(space) = segment.iter().rposition(|&b| b == b' ') else {
        return false;
    };
    let tail = &segment[space + 1..];
    tail.is_empty()
        || (tail.len() >= 2 && tail[0] == b'%' && tail[tail.len() - 1] == b'%')
        || (tail.len() == 2 && tail[0].is_ascii_alphabetic() && tail[1] == b':')
}

fn scan_windows_paths(s: &[u8], backslashes: &[usize], out: &mut Vec<Found>) {
    let mut next_free = 0;
    for &bs in backslashes {
        if bs < next_free {
            continue;
        }
        let root_start = if bs >= 2 && s[bs - 1] == b':' && s[bs - 2].is_ascii_alphabetic() {
            bs - 2
        } else if s.get(bs + 1) == Some(&b'\\')
            && s.get(bs + 2)
                .is_some_and(|&b| is_label(b) || b == b'.' || b == b'?')
        {
            bs
        } else if bs >= 1 && s[bs - 1] == b'%' {
            // %APPDATA%\...: back to the opening '%'.
            match s[..bs - 1].iter().rposition(|&b| b == b'%') {
                Some(open)
                    if open + 1 < bs - 1
                        && s[open + 1..bs - 1]
                            .iter()
                            .all(|&b| is_label(b) || b == b'(' || b == b')') =>
                {
                    open
                }
                _ => continue,
            }
        } else if bs >= 1 && s[bs - 1] == b'.' {
            if bs >= 2 && s[bs - 2] == b'.' {
                bs - 2
            } else {
                bs - 1
            }
        } else {
            continue;
        };
        let prev = root_start.checked_sub(1).map(|p| s[p]);
        if !path_boundary(prev) {
            continue;
        }
        let quoted = matches!(prev, Some(b'"' | b'\''));
        let mut seg_start = if s[bs..].starts_with(b"\\\\") && root_start == bs {
            bs + 2
        } else {
            bs + 1
        };
        let mut end;
        loop {
            let mut j = seg_start;
            while j < s.len() && windows_segment_byte(s[j]) {
                j += 1;
            }
            if j < s.len() && s[j] == b'\\' && j > seg_start && !starts_new_path(&s[seg_start..j]) {
                seg_start = j + 1;
                continue;
            }
            // The final segment ends at a space unless the whole path is quoted.
            let last = &s[seg_start..j];
            let cut = if quoted {
                last.len()
            } else {
                last.iter().position(|&b| b == b' ').unwrap_or(last.len())
            };
            end = seg_start + cut;
            break;
        }
        while end > bs + 1 && matches!(s[end - 1], b'.' | b' ' | b',' | b';' | b')') {
            end -= 1;
        }
        next_free = end;
        if end <= bs + 1 || (end == seg_start && s[end - 1] == b'\\' && end - root_start <= 4) {
            continue;
        }
        out.push(Found {
            ioc_type: IocType::WindowsPath,
            span: root_start..end,
            value: String::from_utf8_lossy(&s[root_start..end]).into_owned(),
            defanged: false,
        });
    }
}

fn linux_path_byte(b: u8) -> bool {
    b > b' '
        && b < 0x7f
        && !matches!(
            b,
            b'"' | b'\''
                | b'<'
                | b'>'
                | b'|'
                | b';'
                | b'&'
                | b'`'
                | b':'
                | b','
                | b'\\'
                | b'('
                | b')'
                | b'='
                | b'['
                | b']'
                | b'{'
                | b'}'
        )
}

/// Top-level directories that make a one-segment path (`cd /tmp`) unambiguous.
const TOP_DIRS: &[&[u8]] = &[
    b"bin", b"boot", b"dev", b"etc", b"home", b"lib", b"lib64", b"media", b"mnt", b"opt", b"proc",
    b"root", b"run", b"sbin", b"srv", b"sys", b"tmp", b"usr", b"var",
];

fn scan_linux_paths(s: &[u8], slashes: &[usize], urls: &[Range<usize>], out: &mut Vec<Found>) {
    let mut next_free = 0;
    let mut url_idx = 0;
    for &slash in slashes {
        if slash < next_free {
            continue;
        }
        while url_idx < urls.len() && urls[url_idx].end <= slash {
            url_idx += 1;
        }
        if url_idx < urls.len() && urls[url_idx].contains(&slash) {
            next_free = urls[url_idx].end;
            continue;
        }
        // Root: "/", or "./", "../", "~/" (optionally "~user/").
        let mut start = slash;
        if slash > 0 && s[slash - 1] == b'.' {
            start = if slash > 1 && s[slash - 2] == b'.' {
                slash - 2
            } else {
                slash - 1
            };
        } else if slash > 0 && s[slash - 1] == b'~' {
            start = slash - 1;
        }
        let prev = start.checked_sub(1).map(|p| s[p]);
        if !path_boundary(prev) || prev == Some(b':') && start == slash {
            continue;
        }
        let mut end = slash;
        let mut segments = 0;
        let mut first: Range<usize> = 0..0;
        while end < s.len() && s[end] == b'/' {
            let mut j = end + 1;
            while j < s.len() && s[j] == b'/' {
                j += 1;
            }
            let seg_start = j;
            while j < s.len() && linux_path_byte(s[j]) && s[j] != b'/' {
                j += 1;
            }
            if j == seg_start {
                break;
            }
            if segments == 0 {
                first = seg_start..j;
            }
            segments += 1;
            end = j;
        }
        while end > slash + 1 && matches!(s[end - 1], b'.' | b'!' | b'?') {
            end -= 1;
        }
        next_free = end.max(slash + 1);
        let relative = start != slash;
        let ok = segments >= 2 || (segments == 1 && (relative || TOP_DIRS.contains(&&s[first])));
        if !ok || end <= slash + 1 {
            continue;
        }
        out.push(Found {
            ioc_type: IocType::LinuxPath,
            span: start..end,
            value: String::from_utf8_lossy(&s[start..end]).into_owned(),
            defanged: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The anchors of `s` as a plain loop over its bytes finds them.
    fn anchors_by_hand(s: &[u8]) -> [Vec<usize>; 6] {
        let mut lists: [Vec<usize>; 6] = Default::default();
        for (i, &b) in s.iter().enumerate() {
            let list = match b {
                b'.' => 0,
                b':' => 1,
                b'@' => 2,
                b'/' => 3,
                b'\\' => 4,
                b'[' | b'(' | b'{' => 5,
                _ => continue,
            };
            lists[list].push(i);
        }
        lists
    }

    #[test]
    fn anchors_are_found_in_every_position_of_every_block_and_tail() {
        // Every byte value, at every offset of texts of 0 to 70 bytes: blocks of
        // sixteen, tails, and anchors at both ends of a block.
        let mut anchors = Anchors::default();
        let mut state = 0x2545_f491_u32;
        for len in 0..70usize {
            for round in 0..40 {
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
                let found = [
                    &anchors.dots,
                    &anchors.colons,
                    &anchors.ats,
                    &anchors.slashes,
                    &anchors.backslashes,
                    &anchors.brackets,
                ];
                let expected = anchors_by_hand(&text);
                for (got, want) in found.iter().zip(&expected) {
                    assert_eq!(*got, want, "text {text:?}");
                }
            }
        }
    }
}
