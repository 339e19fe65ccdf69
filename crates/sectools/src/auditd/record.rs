//! One audit record: `type=X msg=audit(SECS.MMM:SERIAL): key=value ...`.

use std::borrow::Cow;

/// A parsed audit record with its fields in order, hex-encoded values decoded.
///
/// One allocation holds the record's text and decoded values; fields are ranges into
/// it, so a large log costs about its own size in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    text: String,
    type_len: u32,
    fields: Vec<(Span, Span)>,
    /// Line number in the input (1-based), or the input row for DataFrame input.
    pub line: usize,
}

type Span = (u32, u32);

impl AuditRecord {
    /// `SYSCALL`, `EXECVE`, `USER_LOGIN`, ...
    pub fn record_type(&self) -> &str {
        &self.text[..self.type_len as usize]
    }

    fn at(&self, (start, end): Span) -> &str {
        &self.text[start as usize..end as usize]
    }

    /// Fields in order. Fields of a `msg='...'` payload follow the record's own fields;
    /// a bare word without `=` is a field with an empty value.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.fields.iter().map(|&(k, v)| (self.at(k), self.at(v)))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether the record has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Parses `body` (the text after `msg=audit(...):`) into a record of `record_type`.
    pub(crate) fn parse(record_type: &str, body: &str, line: usize) -> AuditRecord {
        let mut text = String::with_capacity(record_type.len() + body.len() + 8);
        text.push_str(record_type);
        text.push_str(body);
        let mut record = AuditRecord {
            text,
            type_len: record_type.len() as u32,
            fields: Vec::with_capacity(memchr::memchr_iter(b'=', body.as_bytes()).count()),
            line,
        };
        // Spans into `text`, which holds the body right after the type.
        let base = record_type.len();
        let offset = |part: &str| base + (part.as_ptr() as usize - body.as_ptr() as usize);
        let span = |part: &str| (offset(part) as u32, (offset(part) + part.len()) as u32);
        visit_fields(record_type, body, &mut |key, value| {
            let value = match value {
                Cow::Borrowed(value) => span(value),
                Cow::Owned(decoded) => {
                    let start = record.text.len() as u32;
                    record.text.push_str(&decoded);
                    (start, record.text.len() as u32)
                }
            };
            record.fields.push((span(key), value));
        });
        record
    }
}

/// The header of a record line.
pub(crate) struct Header<'a> {
    pub(crate) record_type: &'a str,
    pub(crate) seconds: i64,
    pub(crate) millis: u32,
    pub(crate) serial: u64,
    pub(crate) body: &'a str,
}

/// Splits a raw line into header and body, or says what is wrong with it.
///
/// Byte by byte rather than with `str` searches: it runs once per line of logs of
/// millions of lines.
pub(crate) fn parse_header<'a>(line: &'a str) -> Result<Header<'a>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    let b = line.as_bytes();
    // Forwarded logs prefix `node=host `.
    let mut at = 0;
    if b.starts_with(b"node=") {
        at = memchr::memchr(b' ', b).map_or(5, |space| space + 1);
    }
    if !b[at..].starts_with(b"type=") {
        return Err("does not start with 'type='".into());
    }
    let type_start = at + 5;
    let type_end = find_byte(b, type_start, b' ').ok_or("no 'msg=audit(...)' after the type")?;
    let mut at = type_end + 1;
    while b.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    if !b[at..].starts_with(b"msg=audit(") {
        return Err("no 'msg=audit(' after the type".into());
    }
    let id_start = at + 10;
    let mut id_end = id_start;
    loop {
        match find_byte(b, id_end, b')') {
            Some(close) if b.get(close + 1) == Some(&b':') => {
                id_end = close;
                break;
            }
            Some(close) => id_end = close + 1,
            None => return Err("unterminated 'msg=audit(...)'".into()),
        }
    }
    let id = &line[id_start..id_end];
    // The id is short: a plain loop beats a `str` searcher's set-up.
    let split = |text: &'a str, at: u8| {
        let i = text.bytes().position(|b| b == at)?;
        Some((&text[..i], &text[i + 1..]))
    };
    let (ts, serial) = split(id, b':').ok_or("audit id has no ':' between time and serial")?;
    let (secs, frac) = split(ts, b'.').unwrap_or((ts, "0"));
    let seconds = parse_decimal(secs)
        .and_then(|n| i64::try_from(n).ok())
        .or_else(|| secs.parse::<i64>().ok())
        .ok_or_else(|| format!("bad timestamp seconds '{secs}'"))?;
    // Milliseconds from the first three fraction digits ("5" is 500 ms).
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad timestamp fraction '{frac}'"));
    }
    let millis = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let serial = parse_decimal(serial)
        .or_else(|| serial.parse::<u64>().ok())
        .ok_or_else(|| format!("bad serial '{serial}'"))?;
    let record_type = &line[type_start..type_end];
    if record_type.is_empty() {
        return Err("empty record type".into());
    }
    Ok(Header {
        record_type,
        seconds,
        millis,
        serial,
        body: line[id_end + 2..].trim_start(),
    })
}

/// Plain decimal digits (the usual form), or `None` to leave the rest to `str::parse`.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    text.bytes().try_fold(0u64, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + u64::from(d - b'0'))
    })
}

/// Which fields of a record type auditd writes hex-encoded (unquoted) when the value
/// has spaces or control characters; decided once per record.
#[derive(Clone, Copy)]
enum HexFields {
    /// `a0`, `a1[2]`, ... (not `a1_len`).
    ExecveArgs,
    Proctitle,
    UserCmd,
    /// `exe`, `comm`, `cwd`, `name`, `acct`, `cmd`, `data`, `old-data`, `new-data`.
    Common,
}

impl HexFields {
    fn of(record_type: &str) -> HexFields {
        match record_type {
            "EXECVE" => HexFields::ExecveArgs,
            "PROCTITLE" => HexFields::Proctitle,
            "USER_CMD" => HexFields::UserCmd,
            _ => HexFields::Common,
        }
    }

    fn may_be_hex(self, key: &str) -> bool {
        match self {
            HexFields::ExecveArgs => {
                key.starts_with('a')
                    && key[1..]
                        .split('[')
                        .next()
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                    && !key.ends_with("_len")
            }
            HexFields::Proctitle => key == "proctitle",
            HexFields::UserCmd => key == "cmd",
            HexFields::Common => matches!(
                key,
                "exe" | "comm" | "cwd" | "name" | "acct" | "cmd" | "data" | "old-data" | "new-data"
            ),
        }
    }
}

fn decode_hex(value: &str) -> Option<String> {
    if value.len() < 2
        || !value.len().is_multiple_of(2)
        || !value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    {
        return None;
    }
    let nibble = |b: u8| if b <= b'9' { b - b'0' } else { b - b'A' + 10 };
    let bytes: Vec<u8> = value
        .as_bytes()
        .chunks_exact(2)
        .map(|p| nibble(p[0]) << 4 | nibble(p[1]))
        .collect();
    // PROCTITLE separates argv with NULs; a trailing NUL ends the string.
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    let mut text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    text.truncate(end.min(text.len()));
    if text.contains('\0') {
        text = text.replace('\0', " ");
    }
    Some(text)
}

/// The first separator at or after `i`: a space or 0x1d, and '=' too for a key;
/// `b.len()` when there is none. Keys and values are a few to a few dozen bytes, so
/// 16 bytes are tested at once while 16 remain, then the rest one by one (a
/// general-purpose search costs more to set up than that).
#[inline]
fn word_end(b: &[u8], i: usize, key: bool) -> usize {
    let stop = |c: u8| c == b' ' || c == 0x1d || (key && c == b'=');
    first_where(
        b,
        i,
        |block| matching(block, [b' ', 0x1d, if key { b'=' } else { b' ' }]),
        stop,
    )
    .unwrap_or(b.len())
}

/// Where the first `byte` at or after `i` is, searched as [`word_end`] does.
#[inline]
fn find_byte(b: &[u8], i: usize, byte: u8) -> Option<usize> {
    first_where(b, i, |block| matching(block, [byte; 3]), |c| c == byte)
}

/// The first position at or after `i` whose byte is one of those `bits` marks in a
/// 16-byte block (`is` for single bytes past the last whole block).
#[inline(always)]
fn first_where(
    b: &[u8],
    mut i: usize,
    bits: impl Fn(&[u8; 16]) -> u32,
    is: impl Fn(u8) -> bool,
) -> Option<usize> {
    while let Some(block) = b.get(i..i + 16) {
        let hits = bits(block.try_into().expect("16 bytes"));
        if hits != 0 {
            return Some(i + hits.trailing_zeros() as usize);
        }
        i += 16;
    }
    (i..b.len()).find(|&k| is(b[k]))
}

/// One bit per byte of `block` equal to any of `bytes`, with SSE2 (part of every
/// x86-64 CPU).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn matching(block: &[u8; 16], bytes: [u8; 3]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is in the x86-64 baseline; the load reads exactly the 16 bytes of
    // `block` (unaligned loads are allowed).
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let eq = |byte: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8));
        let hits = _mm_or_si128(_mm_or_si128(eq(bytes[0]), eq(bytes[1])), eq(bytes[2]));
        _mm_movemask_epi8(hits) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn matching(block: &[u8; 16], bytes: [u8; 3]) -> u32 {
    block
        .iter()
        .enumerate()
        .filter(|&(_, c)| bytes.contains(c))
        .fold(0, |bits, (k, _)| bits | 1 << k)
}

/// Visits the `key=value` items of `body` in order: the key, and the value as written
/// or decoded from hex. Values may be bare, "double" or 'single' quoted; a
/// single-quoted `msg='...'` payload is visited as fields in turn, after the record's
/// own fields. The 0x1d group separator of enriched logs counts as a space. A bare
/// word is a field with an empty value. Every key and borrowed value is a slice of
/// `body` ([`AuditRecord::parse`] turns them into ranges).
pub(crate) fn visit_fields<'a>(
    record_type: &str,
    body: &'a str,
    visit: &mut impl FnMut(&'a str, Cow<'a, str>),
) {
    visit_fields_in(HexFields::of(record_type), body, visit);
}

fn visit_fields_in<'a>(
    hex: HexFields,
    body: &'a str,
    visit: &mut impl FnMut(&'a str, Cow<'a, str>),
) {
    let b = body.as_bytes();
    let mut i = 0;
    let mut nested: Vec<&'a str> = Vec::new();
    while i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == 0x1d) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let key_start = i;
        i = word_end(b, i, true);
        let key = &body[key_start..i];
        if i >= b.len() || b[i] != b'=' {
            // Empty, at the end of the word: a slice of the body like every other value.
            visit(key, Cow::Borrowed(&body[i..i]));
            continue;
        }
        i += 1;
        let (value, quoted) = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let start = i + 1;
                let end = find_byte(b, start, q).unwrap_or(b.len());
                i = (end + 1).min(b.len());
                (&body[start..end], q)
            }
            _ => {
                let start = i;
                i = word_end(b, i, false);
                (&body[start..i], 0)
            }
        };
        if quoted == b'\'' && key == "msg" && value.contains('=') {
            nested.push(value);
            continue;
        }
        match (quoted == 0 && hex.may_be_hex(key))
            .then(|| decode_hex(value))
            .flatten()
        {
            Some(decoded) => visit(key, Cow::Owned(decoded)),
            None => visit(key, Cow::Borrowed(value)),
        }
    }
    for payload in nested {
        visit_fields_in(hex, payload, visit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `word_end` as its definition says, one byte at a time.
    fn word_end_bytewise(b: &[u8], i: usize, key: bool) -> usize {
        (i..b.len())
            .find(|&k| b[k] == b' ' || b[k] == 0x1d || (key && b[k] == b'='))
            .unwrap_or(b.len())
    }

    #[test]
    fn bytes_are_found_from_every_offset() {
        for len in 0..40 {
            for at in 0..len {
                let mut text = vec![b'x'; len];
                text[at] = b')';
                for start in 0..=len {
                    let want = (start <= at).then_some(at);
                    assert_eq!(
                        find_byte(&text, start, b')'),
                        want,
                        "{at} in {len} from {start}"
                    );
                }
            }
        }
    }

    #[test]
    fn word_ends_agree_with_a_bytewise_scan_for_every_byte_and_offset() {
        for len in 0..40 {
            for stop in 0..len {
                for byte in [b' ', 0x1d, b'=', b'a', 0x9d, 0x3d | 0x80] {
                    let mut text = vec![b'x'; len];
                    text[stop] = byte;
                    for start in 0..=len {
                        for key in [false, true] {
                            assert_eq!(
                                word_end(&text, start, key),
                                word_end_bytewise(&text, start, key),
                                "{text:?} from {start}, key {key}"
                            );
                        }
                    }
                }
            }
        }
    }
}
