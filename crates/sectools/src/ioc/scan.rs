//! Hand-written scanners, one per indicator family. Each is anchored on bytes that
//! every match must contain ('.', ':', '@', '/', '\\'), so a line costs one
//! pass over its bytes plus a little work per anchor; no backtracking regex is involved.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

use super::classes::{Class, Classes, Positions, is_label};
use super::finds::Finds;
use super::search::{AuthorityEnd, UrlEnd, first_of};
use super::types::IocType;

/// A dot separator at `i`: `.` or a defanged form. Returns its length and whether it was defanged.
// Inlined everywhere: most calls look at one byte that is neither.
#[inline(always)]
fn dot_at(s: &[u8], i: usize) -> Option<(usize, bool)> {
    match s.get(i)? {
        b'.' => Some((1, false)),
        b'[' | b'(' | b'{' => bracketed_dot_at(s, i),
        _ => None,
    }
}

/// [`dot_at`] where `s[i]` is `[`, `(` or `{`: `[.]` or `[dot]` (any case), closed by its pair.
fn bracketed_dot_at(s: &[u8], i: usize) -> Option<(usize, bool)> {
    let close = match s[i] {
        b'[' => b']',
        b'(' => b')',
        _ => b'}',
    };
    if s.get(i + 1) == Some(&b'.') && s.get(i + 2) == Some(&close) {
        Some((3, true))
    } else if s.len() >= i + 5 && s[i + 1..i + 4].eq_ignore_ascii_case(b"dot") && s[i + 4] == close
    {
        Some((5, true))
    } else {
        None
    }
}

/// Appends `text[range]` lower-cased to `buf`, turning defanged dots into '.'.
/// `defanged` says whether the range may hold any: the scanners know it from their
/// walk, and without them the range is copied in one go.
fn push_refanged(text: &str, range: Range<usize>, defanged: bool, buf: &mut String) {
    if defanged {
        push_dots_refanged_as(text, range, buf, |b| b.to_ascii_lowercase());
    } else {
        let at = buf.len();
        buf.push_str(&text[range]);
        buf[at..].make_ascii_lowercase();
    }
}

/// Appends `text[range]` with its defanged dots (the separators [`dot_at`] knows)
/// made '.', case kept; the text between them is copied as it is.
fn push_dots_refanged(text: &str, range: Range<usize>, buf: &mut String) {
    push_dots_refanged_as(text, range, buf, |b| b);
}

/// [`push_dots_refanged`], each ASCII byte but the dots written as `map(byte)`,
/// which must be ASCII too. One walk over the bytes: values are short, and copying
/// them in pieces cost more than the copying itself.
#[inline(always)]
fn push_dots_refanged_as(
    text: &str,
    range: Range<usize>,
    buf: &mut String,
    map: impl Fn(u8) -> u8,
) {
    // Slicing checks that the range holds whole characters.
    let part = text[range.clone()].as_bytes();
    let s = text.as_bytes();
    // SAFETY: the bytes appended are those of `part`, whole characters, with ASCII
    // separators left out or made '.' and ASCII bytes mapped to ASCII bytes; the
    // bytes of a multi-byte character are all >= 0x80 and are copied unchanged, in
    // order. So the buffer stays UTF-8.
    let out = unsafe { buf.as_mut_vec() };
    out.reserve(part.len());
    let mut j = 0;
    while j < part.len() {
        let b = part[j];
        // A separator may run past the range's end, as in the scanners' walks.
        if matches!(b, b'[' | b'(' | b'{')
            && let Some((len, _)) = dot_at(s, range.start + j)
        {
            out.push(b'.');
            j += len;
            continue;
        }
        out.push(if b.is_ascii() { map(b) } else { b });
        j += 1;
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
    let b = domain.as_bytes();
    if b.len() > 253 || b.is_empty() {
        return false;
    }
    let mut labels = 0;
    let mut label_start = 0;
    for end in b
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c == b'.')
        .map(|(i, _)| i)
        .chain([b.len()])
    {
        let label = &b[label_start..end];
        if label.is_empty()
            || label.len() > 63
            || label[0] == b'-'
            || label[label.len() - 1] == b'-'
            || !label.iter().all(|&c| is_label(c))
        {
            return false;
        }
        labels += 1;
        label_start = end + 1;
    }
    let tld = &b[b.iter().rposition(|&c| c == b'.').map_or(0, |p| p + 1)..];
    labels >= 2
        && (tld.starts_with(b"xn--") || (tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)))
}

/// A registrable domain: valid syntax and a suffix known to the public suffix list.
pub(crate) fn is_public_domain(domain: &str) -> bool {
    domain_syntax_ok(domain)
        && psl::domain(domain.as_bytes()).is_some_and(|d| d.suffix().is_known())
}

/// One to three digits, at most 255.
fn is_octet(b: &[u8]) -> bool {
    let digit = |c: u8| c.is_ascii_digit();
    match *b {
        [x] => digit(x),
        [x, y] => digit(x) && digit(y),
        // Digits of one length compare as their numbers do.
        [x, y, z] => digit(x) && digit(y) && digit(z) && [x, y, z] <= *b"255",
        _ => false,
    }
}

fn ipv4_from_labels(s: &[u8], labels: &[Range<usize>]) -> bool {
    labels.len() == 4 && labels.iter().all(|r| is_octet(&s[r.clone()]))
}

/// Which families a scan looks for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Wanted(pub(crate) u16);

impl Wanted {
    fn has(self, t: &IocType) -> bool {
        self.0 & t.bit() != 0
    }
}

/// Buffers reused from line to line: once they have grown, a scan allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    classes: Classes,
    urls: Vec<Range<usize>>,
    authorities: Vec<Range<usize>>,
    labels: Vec<Range<usize>>,
    buf: String,
}

/// Scans one text for every wanted built-in family, appending raw matches to `out`.
pub(crate) fn scan(text: &str, wanted: Wanted, scratch: &mut Scratch, out: &mut Finds) {
    let s = text.as_bytes();
    let Scratch {
        classes,
        urls,
        authorities,
        labels,
        buf,
    } = scratch;
    classes.fill(s);
    urls.clear();
    authorities.clear();
    let need_urls = wanted.0
        & (IocType::Url.bit()
            | IocType::LinuxPath.bit()
            | IocType::Dns.bit()
            | IocType::Ipv4.bit())
        != 0;
    // Every URL has a "//".
    if (need_urls || wanted.has(&IocType::Email)) && classes.has_pair(Class::Slash) {
        scan_urls(text, wanted, classes, urls, authorities, buf, out);
    }
    if wanted.0
        & (IocType::Ipv4.bit()
            | IocType::Dns.bit()
            | IocType::Md5Hash.bit()
            | IocType::Sha1Hash.bit()
            | IocType::Sha256Hash.bit())
        != 0
    {
        scan_dotted(text, wanted, classes, labels, out);
    }
    if wanted.has(&IocType::Email) {
        scan_emails(text, classes, authorities, out);
    }
    // An address has a "::", or seven colons (six before an IPv4 address).
    if wanted.has(&IocType::Ipv6)
        && (classes.has_pair(Class::Colon) || classes.has_at_least(Class::Colon, 6))
    {
        scan_ipv6(text, classes.positions(Class::Colon), out);
    }
    if wanted.has(&IocType::WindowsPath) {
        scan_windows_paths(text, classes.positions(Class::Backslash), out);
    }
    if wanted.has(&IocType::LinuxPath) {
        scan_linux_paths(text, classes.positions(Class::Slash), urls, out);
    }
}

/// A dot separator that ends just before `i`: `.` or a defanged form. Returns its length.
fn dot_ending_at(s: &[u8], i: usize) -> Option<usize> {
    if i == 0 {
        return None;
    }
    match s[i - 1] {
        b'.' => return Some(1),
        // Every defanged separator ends with its closing bracket.
        b']' | b')' | b'}' => {}
        _ => return None,
    }
    [3, 5]
        .into_iter()
        .find(|&len| i >= len && dot_at(s, i - len).is_some_and(|(l, _)| l == len))
}

const HASH_BITS: u16 = 1 << 5 | 1 << 6 | 1 << 7;

/// Hashes: whole words of 32, 40 or 64 hex digits. Such a word holds at least one
/// 16-byte block (counted from the start of the text) that is all hex digits, and
/// prose has almost none, so only those blocks lead to looking at a word.
fn scan_hashes(text: &str, wanted: Wanted, classes: &Classes, out: &mut Finds) {
    let s = text.as_bytes();
    let n = s.len();
    let mut next_free = 0;
    for i in classes.hex_blocks() {
        if i < next_free {
            continue;
        }
        // The word holding the block; the previous word ended before `i`.
        let start = classes.label_start(i);
        let end = classes.label_end(i + 16);
        // Any later hash word holds a whole block after this word's end.
        next_free = (end + 1).next_multiple_of(16);
        let glued = (start > 0 && s[start - 1] >= 0x80) || (end < n && s[end] >= 0x80);
        let Some(t) = hash_type(end - start) else {
            continue;
        };
        if !glued && wanted.has(&t) && classes.all(Class::Hex, start..end) {
            let upper = classes.any(Class::Upper, start..end);
            out.push_lower(t, start..end, text, upper);
        }
    }
}

/// Dotted runs (`label(.label)+`, defanged dots allowed) become IPv4 addresses or
/// domains. Every run holds a '.' or a bracketed `dot`, so only those bytes are visited.
fn scan_dotted(
    text: &str,
    wanted: Wanted,
    classes: &Classes,
    labels: &mut Vec<Range<usize>>,
    out: &mut Finds,
) {
    let s = text.as_bytes();
    if wanted.0 & HASH_BITS != 0 {
        scan_hashes(text, wanted, classes, out);
    }
    if wanted.0 & (IocType::Ipv4.bit() | IocType::Dns.bit()) == 0 {
        return;
    }
    // Plain separators and bracketed dots (`[.]`); after a run, the search goes on
    // past its end.
    let mut dots = classes.positions(Class::DotAnchor);
    while let Some(dot) = dots.next() {
        let sep = if dot > 0 && dot_at(s, dot - 1).is_some_and(|(l, _)| l == 3) {
            dot - 1..dot + 2
        } else {
            dot..dot + 1
        };
        if let Some(end) = dotted_run(text, wanted, classes, sep, labels, out) {
            dots = classes.positions_from(Class::DotAnchor, end);
        }
    }
    // `[dot]`-style separators, found from their bracket, from the start of the line
    // again (a run holding both kinds may be reported twice; callers de-duplicate).
    let worded = classes.positions(Class::Open).filter(|&i| {
        // Most brackets are not followed by a 'd' (cheaper to ask first).
        s.get(i + 1).is_some_and(|&b| b | 0x20 == b'd') && dot_at(s, i).is_some_and(|(l, _)| l == 5)
    });
    let mut next_free = 0;
    for bracket in worded {
        if bracket < next_free {
            continue;
        }
        if let Some(end) = dotted_run(text, wanted, classes, bracket..bracket + 5, labels, out) {
            next_free = end;
        }
    }
}

/// The dotted run (`label(.label)+`) around separator `sep`, if there are labels on
/// both sides of it, as an IPv4 address or a domain if it is one; returns where the
/// run ends.
fn dotted_run(
    text: &str,
    wanted: Wanted,
    classes: &Classes,
    sep: Range<usize>,
    labels: &mut Vec<Range<usize>>,
    out: &mut Finds,
) -> Option<usize> {
    let s = text.as_bytes();
    let n = s.len();
    if sep.start == 0 || sep.end >= n || !is_label(s[sep.start - 1]) || !is_label(s[sep.end]) {
        return None;
    }
    if let Some(end) = plain_run(text, wanted, classes, &sep, labels, out) {
        return Some(end);
    }
    // Back to the start of the run: over labels and the plain dots between them
    // at once, then over a defanged separator, if any, and the labels before it.
    let mut start = classes.dotted_start(sep.start);
    while let Some(len) =
        dot_ending_at(s, start).filter(|&len| start > len && is_label(s[start - len - 1]))
    {
        start = classes.dotted_start(start - len);
    }
    // Forward over the whole run, noting its labels: those between plain dots
    // found at once, then past a defanged separator, if any.
    labels.clear();
    let mut defanged = false;
    let mut j = start;
    loop {
        let end = classes.dotted_end(j);
        push_plain_labels(classes, j..end, labels);
        j = end;
        match dot_at(s, j) {
            Some((len, fanged)) if j + len < n && is_label(s[j + len]) => {
                defanged |= fanged;
                j += len;
            }
            _ => break,
        }
    }
    // Runs glued to non-ASCII text are parts of words we do not parse (IDNs in Unicode form).
    if (start > 0 && s[start - 1] >= 0x80) || (j < n && s[j] >= 0x80) {
        return Some(j);
    }
    if ipv4_from_labels(s, labels) {
        if !wanted.has(&IocType::Ipv4) {
        } else if defanged {
            out.push_with(IocType::Ipv4, start..j, defanged, |v| {
                push_refanged(text, start..j, defanged, v);
            });
        } else {
            out.push_span(IocType::Ipv4, start..j);
        }
        return Some(j);
    }
    if wanted.has(&IocType::Dns) && is_tld(&s[labels[labels.len() - 1].clone()]) {
        push_domain(text, classes, start..j, labels, defanged, out);
    }
    Some(j)
}

/// Appends the labels of `run`, a plain dotted name, found from its [`Class::Sep`] dots at once.
// Inlined into both walks: as a call, it cost ~1 % of a scan.
#[inline(always)]
fn push_plain_labels(classes: &Classes, run: Range<usize>, labels: &mut Vec<Range<usize>>) {
    let mut label_start = run.start;
    for dot in classes
        .positions_from(Class::Sep, run.start)
        .take_while(|&dot| dot < run.end)
    {
        labels.push(label_start..dot);
        label_start = dot + 1;
    }
    labels.push(label_start..run.end);
}

/// Adds the dotted run `run`, whose labels are `labels` (in order) and whose last
/// label is a top-level one ([`is_tld`]), as a domain if it is one: not an e-mail
/// address's local part nor a file name in a path, labels of valid length and
/// edges, and a suffix the public suffix list knows.
fn push_domain(
    text: &str,
    classes: &Classes,
    run: Range<usize>,
    labels: &[Range<usize>],
    defanged: bool,
    out: &mut Finds,
) {
    let s = text.as_bytes();
    let Range { mut start, end } = run;
    // The local part of an e-mail address (`first.last@...`) is not a domain.
    if s.get(end) == Some(&b'@')
        || dot_at(s, end).is_none()
            && s.get(end) == Some(&b'[')
            && s[end..].len() >= 4
            && s[end + 1..end + 3].eq_ignore_ascii_case(b"at")
    {
        return;
    }
    let Some((first, rest)) = labels.split_first() else {
        return;
    };
    // A file name inside a path (`\cmd.exe`, `/x/report.com`) is not a domain,
    // but a host after `//` (URL, UNC) or `@` is.
    if start > 0 {
        let prev = s[start - 1];
        let prev2 = if start > 1 { s[start - 2] } else { 0 };
        if (prev == b'\\' && prev2 != b'\\') || (prev == b'/' && prev2 != b'/') {
            return;
        }
        // Percent-encoded text: `%2Fevil.com` starts with the escape's two hex digits.
        if prev == b'%' && first.len() > 2 && is_hex_str(&s[start..start + 2]) {
            start += 2;
        }
    }
    // Label syntax on the raw bytes, then the public suffix list.
    let label_ok = |label: &[u8]| {
        !label.is_empty() && label.len() <= 63 && label[0] != b'-' && label[label.len() - 1] != b'-'
    };
    if end - start > 253
        || !label_ok(&s[start..first.end])
        || !rest.iter().all(|label| label_ok(&s[label.clone()]))
    {
        return;
    }
    let public = |domain: &[u8]| psl::domain(domain).is_some_and(|d| d.suffix().is_known());
    if defanged || classes.any(Class::Upper, start..end) {
        out.push_if(IocType::Dns, start..end, defanged, |v| {
            let at = v.len();
            push_refanged(text, start..end, defanged, v);
            public(&v.as_bytes()[at..])
        });
    } else if is_public_labels(s, start..end, labels) {
        out.push_span(IocType::Dns, start..end);
    }
}

/// `psl::domain(&s[name]).is_some_and(|d| d.suffix().is_known())` for a lower-case name
/// whose labels are `labels` (the first may start before `name`): the suffix list is
/// given the labels the scan found instead of splitting the name again.
fn is_public_labels(s: &[u8], name: Range<usize>, labels: &[Range<usize>]) -> bool {
    use psl::Psl;
    let info = psl::List.find(
        labels
            .iter()
            .rev()
            .map(|label| &s[label.start.max(name.start)..label.end]),
    );
    // A known suffix with a label before it (as `psl::domain` requires).
    info.typ.is_some() && info.len != 0 && name.len() >= info.len + 2
}

/// Whether a top-level label can end a domain: letters, or punycode.
fn is_tld(tld: &[u8]) -> bool {
    tld.len() >= 2
        && (tld.iter().all(u8::is_ascii_alphabetic)
            || tld[..4.min(tld.len())].eq_ignore_ascii_case(b"xn--"))
}

/// Runs at plain separator `sep` with plain separators only: none is defanged, so
/// their labels lie between [`Class::Sep`] bits and need no walk. One whose last label
/// is neither all digits nor a top-level label (clock times `00:01.047Z`, most runs)
/// is neither an address nor a name; an all-digit one is an IPv4 address or nothing
/// (versions `8.0.89`); the others may be names. Adds what the run is and returns
/// where it ends; `None` for runs with a defanged separator.
fn plain_run(
    text: &str,
    wanted: Wanted,
    classes: &Classes,
    sep: &Range<usize>,
    labels: &mut Vec<Range<usize>>,
    out: &mut Finds,
) -> Option<usize> {
    let s = text.as_bytes();
    if sep.len() != 1 {
        return None;
    }
    let end = classes.dotted_end(sep.end);
    // A defanged separator after it continues the run.
    if dot_at(s, end).is_some_and(|(len, _)| end + len < s.len() && is_label(s[end + len])) {
        return None;
    }
    let last_sep = classes.last_before(Class::Sep, end).unwrap_or(sep.start);
    let tld = &s[last_sep + 1..end];
    let digits = tld.iter().all(u8::is_ascii_digit);
    if !digits && !is_tld(tld) {
        return Some(end);
    }
    let start = classes.dotted_start(sep.start);
    // ... and one before it, too.
    if dot_ending_at(s, start).is_some_and(|len| start > len && is_label(s[start - len - 1])) {
        return None;
    }
    // Runs glued to non-ASCII text are parts of words we do not parse (IDNs in Unicode form).
    let glued = (start > 0 && s[start - 1] >= 0x80) || (end < s.len() && s[end] >= 0x80);
    if glued {
    } else if digits {
        if wanted.has(&IocType::Ipv4) && is_dotted_quad(&s[start..end]) {
            out.push_span(IocType::Ipv4, start..end);
        }
    } else if wanted.has(&IocType::Dns) {
        labels.clear();
        push_plain_labels(classes, start..end, labels);
        push_domain(text, classes, start..end, labels, false, out);
    }
    Some(end)
}

/// Four octets ([`is_octet`]) joined by dots.
///
/// Read as one 128-bit word with straight-line tests instead of a walk over the
/// bytes: the lengths of the octets vary from address to address, and branching on
/// each byte cost more in mispredicted branches than the tests themselves.
fn is_dotted_quad(b: &[u8]) -> bool {
    let len = b.len();
    if !(7..=15).contains(&len) {
        return false;
    }
    // The bytes in order from the low end, zero above `len`: two loads that overlap
    // in the middle (the overlapping bytes are the same in both).
    let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"));
    let v = if len >= 8 {
        u128::from(word(0)) | (u128::from(word(len - 8)) << (8 * (len - 8)))
    } else {
        let half = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"));
        u128::from(half(0)) | (u128::from(half(3)) << 24)
    };
    const ONES: u128 = u128::MAX / 0xFF;
    const HIGH: u128 = ONES * 0x80;
    const LOW7: u128 = ONES * 0x7F;
    let in_len = HIGH & (u128::MAX >> (128 - 8 * len));
    // High bit of each byte: set where the byte is `limit` or more (or not ASCII).
    let at_least = |x: u128, limit: u8| (((x & LOW7) + ONES * u128::from(0x80 - limit)) | x) & HIGH;
    // Dots are the bytes that `^ b'.'` makes zero.
    let dots = !at_least(v ^ (ONES * u128::from(b'.')), 1) & in_len;
    // Digits are 0x30..=0x39: after `^ 0x30`, bytes below 10.
    let not_digit = at_least(v ^ (ONES * u128::from(b'0')), 10);
    // Exactly three dots, every other byte a digit.
    let d1 = dots;
    let d2 = d1 & d1.wrapping_sub(1);
    let d3 = d2 & d2.wrapping_sub(1);
    let only = d3 != 0 && d3 & d3.wrapping_sub(1) == 0 && not_digit & in_len & !dots == 0;
    if !only {
        return false;
    }
    let at = |bits: u128| bits.trailing_zeros() as usize / 8;
    let (p1, p2, p3) = (at(d1), at(d2), at(d3));
    // Octet k starts at `starts[k]` and is `lens[k]` digits long (1 to 3).
    let starts = [0, p1 + 1, p2 + 1, p3 + 1];
    let lens = [p1, p2 - p1 - 1, p3 - p2 - 1, len - p3 - 1];
    let octet_ok = |k: usize| {
        // Three digits compare as their number does: byte by byte against "255".
        let three = (v >> (8 * starts[k])) as u32 & 0xFF_FFFF;
        let in_order = three.swap_bytes() >> 8;
        lens[k].wrapping_sub(1) < 3 && (lens[k] != 3 || in_order <= 0x32_3535)
    };
    octet_ok(0) & octet_ok(1) & octet_ok(2) & octet_ok(3)
}

/// Characters of an e-mail local part (RFC 5322 dot-atom, the common subset).
fn is_local_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// E-mail addresses; an '@' inside a URL's authority is userinfo, not an address.
fn scan_emails(text: &str, classes: &Classes, authorities: &[Range<usize>], out: &mut Finds) {
    let s = text.as_bytes();
    let (at_signs, brackets) = (classes.positions(Class::At), classes.positions(Class::Open));
    // '@', or a defanged `[at]`, `(at)`, `{at}`, `[@]` (any case), found in one pass.
    let ats = at_signs.map(|i| (i, 1)).chain(brackets.filter_map(|i| {
        // Most brackets are followed by neither '@' nor an 'a' (cheaper to ask first).
        let next = *s.get(i + 1)?;
        if next != b'@' && next | 0x20 != b'a' {
            return None;
        }
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
        let mut domain_defanged = false;
        loop {
            j = classes.label_end(j);
            match dot_at(s, j) {
                Some((len, fanged)) if j + len < s.len() && is_label(s[j + len]) => {
                    domain_defanged |= fanged;
                    j += len;
                }
                _ => break,
            }
        }
        let defanged = at_len > 1 || domain_defanged;
        if j == dstart || (j < s.len() && s[j] >= 0x80) {
            continue;
        }
        if defanged || classes.any(Class::Upper, dstart..j) {
            out.push_if(IocType::Email, l..j, defanged, |v| {
                v.push_str(&text[l..at]);
                v.push('@');
                let domain = v.len();
                push_refanged(text, dstart..j, domain_defanged, v);
                is_public_domain(&v[domain..])
            });
        } else if found_domain(out, dstart..j) || is_public_domain(&text[dstart..j]) {
            out.push_span(IocType::Email, l..j);
        }
    }
}

/// Whether the dotted-run scan found `span` to be a public domain already: its checks
/// include all of [`is_public_domain`]'s, so the suffix list need not be asked again.
fn found_domain(out: &Finds, span: Range<usize>) -> bool {
    out.items()
        .iter()
        .rev()
        .any(|f| matches!(f.ioc_type, IocType::Dns) && f.span == span)
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

fn scan_urls(
    text: &str,
    wanted: Wanted,
    classes: &Classes,
    urls: &mut Vec<Range<usize>>,
    authorities: &mut Vec<Range<usize>>,
    buf: &mut String,
    out: &mut Finds,
) {
    let s = text.as_bytes();
    let mut next_free = 0;
    // Every "//" in one run of URL characters shares the run's end; finding it once
    // keeps a line of many "//" linear.
    let mut run = 0..0;
    let double = classes
        .positions(Class::Slash)
        .filter(|&first| s.get(first + 1) == Some(&b'/'));
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
            let end = first_of::<UrlEnd>(s, rest_start..s.len());
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
        let Some(authority) = parse_authority(text, classes, rest_start..end, scheme, buf) else {
            continue;
        };
        defanged |= authority.defanged;
        next_free = end;
        urls.push(scheme_start..end);
        authorities.push(rest_start..authority.host_end);
        if !wanted.has(&IocType::Url) {
            continue;
        }
        let value = if defanged || scheme_text != *scheme {
            out.push_with(IocType::Url, scheme_start..end, defanged, |v| {
                v.push_str(scheme);
                v.push_str("://");
                // The host was checked with the separators `dot_at` knows; case is kept.
                push_dots_refanged(text, rest_start..authority.host_end, v);
                v.push_str(&text[authority.host_end..end]);
            })
        } else {
            out.push_span(IocType::Url, scheme_start..end);
            &text[scheme_start..end]
        };
        // A URL-encoded URL inside this one (redirectors, safelinks) is reported too.
        let nested = if value.contains('%') {
            percent_decode(&value[scheme.len() + 3..])
        } else {
            None
        };
        if let Some(decoded) = nested {
            let mut inner = Finds::default();
            let (mut inner_urls, mut inner_authorities) = (Vec::new(), Vec::new());
            let mut inner_classes = Classes::default();
            inner_classes.fill(decoded.as_bytes());
            scan_urls(
                &decoded,
                Wanted(IocType::Url.bit()),
                &inner_classes,
                &mut inner_urls,
                &mut inner_authorities,
                buf,
                &mut inner,
            );
            let span = scheme_start..end;
            out.append_at(&inner, &decoded, &span);
            let mut dotted = Finds::default();
            let mut labels = Vec::new();
            for f in inner.items() {
                let host_only = Wanted(wanted.0 & IocType::Dns.bit());
                let url = inner.value(f, &decoded);
                inner_classes.fill(url.as_bytes());
                dotted.clear();
                scan_dotted(url, host_only, &inner_classes, &mut labels, &mut dotted);
                out.append_at(&dotted, url, &span);
            }
        }
    }
}

struct Authority {
    host_end: usize,
    defanged: bool,
}

/// Checks `[userinfo@]host[:port]` at the start of a URL body and says where the host part ends.
fn parse_authority(
    text: &str,
    classes: &Classes,
    Range { start, end }: Range<usize>,
    scheme: &str,
    buf: &mut String,
) -> Option<Authority> {
    let s = text.as_bytes();
    let auth_end = first_of::<AuthorityEnd>(s, start..end);
    let auth = &s[start..auth_end];
    // The last '@' and ':' of the authority, from their class bits rather than a walk
    // back over its bytes.
    let last_in_auth = |class: Class, from: usize| {
        classes
            .last_before(class, auth_end)
            .filter(|&p| p >= from)
            .map(|p| p - from)
    };
    let host_start = last_in_auth(Class::At, start).map_or(0, |p| p + 1);
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
        match last_in_auth(Class::Colon, start + host_start) {
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
    let host_at = start + host_start;
    let host_end = host_at + host.len();
    if !classes.any(Class::Open, host_at..host_end) {
        // Labels and the dots between them, as the text has them: a name or an IPv4
        // address. The byte after the host ('/', ':', ...) is no label byte, so a
        // trailing dot is no separator.
        let valid = !host.is_empty()
            && classes.dotted_end(host_at) >= host_end
            && (host.len() <= 63 || host.split(|&b| b == b'.').all(|l| l.len() <= 63));
        return valid.then_some(Authority {
            host_end,
            defanged: false,
        });
    }
    // Bracketed: an IPv6 address, or defanged separators to read as dots.
    buf.clear();
    push_refanged(text, host_at..host_end, true, buf);
    let defanged = buf.len() != host.len();
    let valid = host.first() == Some(&b'[')
        || buf.parse::<Ipv4Addr>().is_ok()
        || (!buf.is_empty()
            && buf
                .split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(is_label)));
    valid.then_some(Authority { host_end, defanged })
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

fn scan_ipv6(text: &str, mut colons: Positions<'_>, out: &mut Finds) {
    let s = text.as_bytes();
    let mut next_free = 0;
    while let Some(colon) = colons.next() {
        if colon < next_free {
            continue;
        }
        // An address has a "::" or six colons or more, none more than five bytes
        // (four hex digits) after the one before: clock times and `key: value` text
        // are passed over without walking their bytes.
        let (mut count, mut last, mut double) = (1, colon, false);
        for next in colons.clone() {
            if next - last > 5 || count >= 6 || double {
                break;
            }
            double |= next == last + 1;
            count += 1;
            last = next;
        }
        if count < 6 && !double {
            next_free = last + 1;
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
        let upper = run.iter().any(u8::is_ascii_uppercase);
        out.push_lower(IocType::Ipv6, l..end, text, upper);
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

fn scan_windows_paths(text: &str, backslashes: Positions<'_>, out: &mut Finds) {
    let s = text.as_bytes();
    let mut next_free = 0;
    for bs in backslashes {
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
        push_path(out, IocType::WindowsPath, text, root_start..end);
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

/// A path is the text it was found at. Its ends are ASCII bytes or the text's ends,
/// so the range is whole characters; were it not, the path is left out, not a panic.
fn push_path(out: &mut Finds, ioc_type: IocType, text: &str, span: Range<usize>) {
    if text.get(span.clone()).is_some() {
        out.push_span(ioc_type, span);
    }
}

fn scan_linux_paths(text: &str, slashes: Positions<'_>, urls: &[Range<usize>], out: &mut Finds) {
    let s = text.as_bytes();
    let mut next_free = 0;
    let mut url_idx = 0;
    for slash in slashes {
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
        push_path(out, IocType::LinuxPath, text, start..end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_words_are_found_wherever_they_fall_against_the_blocks() {
        let md5 = "d41d8cd98f00b204e9800998ecf8427e";
        let sha1 = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709";
        for pad in 0..40 {
            let text = format!(
                "{}{md5} x-{md5} {sha1},{md5}a",
                "z ".repeat(pad / 2) + &" ".repeat(pad % 2)
            );
            let mut out = Finds::default();
            let mut classes = Classes::default();
            classes.fill(text.as_bytes());
            scan_hashes(&text, Wanted(HASH_BITS), &classes, &mut out);
            let found: Vec<(IocType, &str)> = out
                .iter(&text)
                .map(|f| (f.ioc_type.clone(), f.value))
                .collect();
            // `x-<md5>` and `<md5>a` are longer words, not hashes.
            assert_eq!(
                found,
                [
                    (IocType::Md5Hash, md5),
                    (IocType::Sha1Hash, &*sha1.to_ascii_lowercase())
                ],
                "text {text:?}"
            );
        }
    }

    #[test]
    fn dotted_quads_are_four_octets_joined_by_dots() {
        // One to three digits whose number is at most 255, by the definition.
        let octet = |p: &[u8]| {
            (1..=3).contains(&p.len())
                && p.iter().all(u8::is_ascii_digit)
                && std::str::from_utf8(p).unwrap().parse::<u32>().unwrap() <= 255
        };
        let by_parts = |b: &[u8]| {
            let parts: Vec<&[u8]> = b.split(|&c| c == b'.').collect();
            parts.len() == 4 && parts.iter().all(|p| octet(p))
        };
        for n in 0..2000 {
            for text in [
                format!("{n}"),
                format!("{n:02}"),
                format!("{n:03}"),
                format!("{n}x"),
            ] {
                assert_eq!(
                    is_octet(text.as_bytes()),
                    octet(text.as_bytes()),
                    "{text:?}"
                );
            }
        }
        let pieces: [&[u8]; 12] = [
            b"0", b"7", b"00", b"255", b"256", b"199", b"0255", b"", b"a", b"1a", b"999", b"25",
        ];
        let mut checked = 0;
        for a in pieces {
            for b in pieces {
                for (c, d) in [
                    (b"1".as_slice(), b"2".as_slice()),
                    (b"10", b"0"),
                    (b"3", b""),
                ] {
                    for joined in [
                        [a, b, c, d].join(&b'.'),
                        [a, b, c].join(&b'.'),
                        [a, b, c, d, b"4"].join(&b'.'),
                    ] {
                        assert_eq!(
                            is_dotted_quad(&joined),
                            by_parts(&joined),
                            "{:?}",
                            String::from_utf8_lossy(&joined)
                        );
                        checked += usize::from(by_parts(&joined));
                    }
                }
            }
        }
        // Six valid octets among the pieces, each pair with two valid (c, d).
        assert_eq!(checked, 6 * 6 * 2);
        // Three to five runs of 0 to 4 digits joined by dots, now and then with
        // another byte in place of one, drawn from a fixed sequence.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let odd = b"a/\x00\xff.";
        let mut quads = 0;
        for _ in 0..300_000 {
            let parts = 3 + next() % 3;
            let mut text = Vec::new();
            for part in 0..parts {
                if part > 0 {
                    text.push(b'.');
                }
                let r = next();
                for k in 0..r % 5 {
                    text.push(b'0' + (r >> (8 + 4 * k)) as u8 % 10);
                }
            }
            let r = next();
            if r % 8 == 0 && !text.is_empty() {
                let at = (r >> 8) as usize % text.len();
                text[at] = odd[(r >> 32) as usize % odd.len()];
            }
            let want = by_parts(&text);
            assert_eq!(is_dotted_quad(&text), want, "{text:?}");
            quads += usize::from(want);
        }
        assert!(quads > 1000, "the sequence drew {quads} addresses");
    }

    #[test]
    fn suffix_list_answers_alike_from_the_found_labels() {
        let names = [
            "evil.com",
            "a.b.co.uk",
            "co.uk",
            "com",
            "x.y.z.invalid",
            "a.ck",
            "www.ck",
            "b.a.ck",
            "host.localdomain",
            "1.2",
            "a.b",
            "xn--80ak6aa92e.com",
            "a.s3.amazonaws.com",
            "s3.amazonaws.com",
            "github.io",
            "user.github.io",
            "x.blogspot.com",
            "e.kawasaki.jp",
            "a.e.kawasaki.jp",
            "city.kawasaki.jp",
            "x.city.kawasaki.jp",
            "ab",
            "a.zip",
        ];
        for name in names {
            let want = psl::domain(name.as_bytes()).is_some_and(|d| d.suffix().is_known());
            // In a line, and with a percent escape's two digits before it.
            for prefix in ["", "go to ", "%2F"] {
                let line = format!("{prefix}{name}");
                let start = prefix.len();
                let mut labels = Vec::new();
                let mut at = start;
                for label in name.split('.') {
                    labels.push(at..at + label.len());
                    at += label.len() + 1;
                }
                // After `%`, the run's first label takes in the escape's digits.
                if prefix == "%2F" {
                    labels[0].start = 1;
                }
                assert_eq!(
                    is_public_labels(line.as_bytes(), start..line.len(), &labels),
                    want,
                    "{line:?}"
                );
            }
        }
    }

    #[test]
    fn refanging_lowers_case_and_reads_every_defanged_dot() {
        for (text, range, want) in [
            ("x Evil[.]Example(.)COM y", 2..22, "evil.example.com"),
            ("a{.}b[dot]c(DOT)d", 0..17, "a.b.c.d"),
            ("[x].(y)", 0..7, "[x].(y)"),
            // ASCII case only, as the scanners' checks are.
            ("Über[.]de", 0..10, "Über.de"),
        ] {
            for defanged in [true, false] {
                let mut buf = String::from("kept ");
                push_refanged(text, range.clone(), defanged, &mut buf);
                let want = if defanged {
                    want.to_string()
                } else {
                    text[range.clone()].to_ascii_lowercase()
                };
                assert_eq!(
                    buf,
                    format!("kept {want}"),
                    "{text:?}, defanged: {defanged}"
                );
            }
        }
    }
}
