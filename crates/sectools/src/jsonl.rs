//! JSON-lines output for the `huntrs ioc | b64 | auditd` commands, written straight
//! into a byte buffer (no intermediate `serde_json::Value`), so output keeps pace with extraction.

use std::io::{self, Write};

use std::borrow::Cow;

use crate::{AuditEvent, DecodedItem, Ioc, IocExtractor, IocRef};

fn string(out: &mut Vec<u8>, text: &str) {
    // Most values need no escaping: copy them straight through.
    if !text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        out.reserve(text.len() + 2);
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

fn opt_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

fn key(out: &mut Vec<u8>, name: &str) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// `{"line": N, "iocs": [{"type": "ipv4", "value": "...", "defanged": "..."}]}`; `defanged`
/// (the text as it appeared) only when it differs from `value`. `position` names the
/// counter (`line` for text input, `row` for a DataFrame column).
pub fn write_iocs(
    out: &mut dyn Write,
    position: &str,
    n: usize,
    input: &str,
    iocs: &[Ioc],
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 + iocs.len() * 48);
    push_iocs(&mut buf, position, n, input, iocs.iter().map(Ioc::to_ref));
    out.write_all(&buf)
}

fn push_iocs<'a>(
    buf: &mut Vec<u8>,
    position: &str,
    n: usize,
    input: &str,
    iocs: impl IntoIterator<Item = IocRef<'a>>,
) {
    buf.push(b'{');
    key(buf, position);
    push_number(buf, n);
    buf.extend_from_slice(b",\"iocs\":[");
    for (i, ioc) in iocs.into_iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"type\":\"");
        // Type names are plain ASCII identifiers; custom names go through the escaper.
        match ioc.ioc_type {
            crate::IocType::Custom(name) => {
                buf.pop();
                string(buf, name);
            }
            builtin => {
                buf.extend_from_slice(builtin.name().as_bytes());
                buf.push(b'"');
            }
        }
        buf.extend_from_slice(b",\"value\":");
        string(buf, ioc.value);
        if ioc.defanged {
            buf.extend_from_slice(b",\"defanged\":");
            string(buf, ioc.matched(input));
        }
        buf.push(b'}');
    }
    buf.extend_from_slice(b"]}\n");
}

/// `"YYYY-MM-DDTHH:MM:SS.mmmZ"`, as `to_rfc3339_opts(Millis, true)` writes it, without formatting machinery.
fn push_time(buf: &mut Vec<u8>, time: &chrono::DateTime<chrono::Utc>) {
    use chrono::{Datelike, Timelike};
    if !(0..=9999).contains(&time.year()) {
        string(
            buf,
            &time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
        return;
    }
    buf.push(b'"');
    push_padded(buf, time.year() as u32, 4);
    buf.push(b'-');
    push_padded(buf, time.month(), 2);
    buf.push(b'-');
    push_padded(buf, time.day(), 2);
    buf.push(b'T');
    push_padded(buf, time.hour(), 2);
    buf.push(b':');
    push_padded(buf, time.minute(), 2);
    buf.push(b':');
    push_padded(buf, time.second(), 2);
    buf.push(b'.');
    push_padded(buf, time.timestamp_subsec_millis(), 3);
    buf.extend_from_slice(b"Z\"");
}

fn push_padded(buf: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut rest = n;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    buf.extend_from_slice(&digits[..width]);
}

fn push_number(buf: &mut Vec<u8>, n: usize) {
    let mut digits = [0; 20];
    buf.extend_from_slice(crate::digits::decimal(n as u64, &mut digits));
}

/// One object per decoded item: position, reference, depth, file name and type,
/// encoding, decoded text (null for binary), size, hashes, and `notes` when limits were hit.
pub fn write_decoded(
    out: &mut dyn Write,
    position: &str,
    n: usize,
    item: &DecodedItem,
    notes: &[String],
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(256 + item.decoded_string.as_ref().map_or(0, String::len));
    buf.push(b'{');
    key(&mut buf, position);
    buf.extend_from_slice(n.to_string().as_bytes());
    buf.extend_from_slice(b",\"reference\":");
    string(&mut buf, &item.reference);
    buf.extend_from_slice(format!(",\"depth\":{},\"file_name\":", item.depth).as_bytes());
    opt_string(&mut buf, item.file_name.as_deref());
    buf.extend_from_slice(b",\"file_type\":");
    opt_string(&mut buf, item.file_type.as_deref());
    buf.extend_from_slice(b",\"encoding\":");
    string(&mut buf, item.encoding.name());
    buf.extend_from_slice(b",\"decoded_string\":");
    opt_string(&mut buf, item.decoded_string.as_deref());
    buf.extend_from_slice(format!(",\"size\":{},\"md5\":", item.bytes.len()).as_bytes());
    string(&mut buf, &item.md5);
    buf.extend_from_slice(b",\"sha1\":");
    string(&mut buf, &item.sha1);
    buf.extend_from_slice(b",\"sha256\":");
    string(&mut buf, &item.sha256);
    write_notes(&mut buf, notes);
    buf.extend_from_slice(b"}\n");
    out.write_all(&buf)
}

/// `{"line": N, "notes": [...]}` for a position that decoded nothing but hit a limit.
pub fn write_notes_only(
    out: &mut dyn Write,
    position: &str,
    n: usize,
    notes: &[String],
) -> io::Result<()> {
    let mut buf = Vec::new();
    buf.push(b'{');
    key(&mut buf, position);
    buf.extend_from_slice(n.to_string().as_bytes());
    write_notes(&mut buf, notes);
    buf.extend_from_slice(b"}\n");
    out.write_all(&buf)
}

fn write_notes(buf: &mut Vec<u8>, notes: &[String]) {
    if notes.is_empty() {
        return;
    }
    buf.extend_from_slice(b",\"notes\":[");
    for (i, note) in notes.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        string(buf, note);
    }
    buf.push(b']');
}

/// `{"time", "audit_id", "event_type", "cmdline", "metadata", "records": [{"type", "line", "fields": {...}}]}`.
/// A field name repeated within one record gets a `_2`, `_3`, ... suffix so nothing is lost.
pub fn write_audit_event(out: &mut dyn Write, event: &AuditEvent) -> io::Result<()> {
    let mut buf = Vec::with_capacity(512);
    push_audit_event(&mut buf, event);
    out.write_all(&buf)
}

/// Every event of `events`, one [`write_audit_event`] object per line.
pub fn write_audit_events(out: &mut dyn Write, events: &[AuditEvent]) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    for event in events {
        push_audit_event(&mut buf, event);
        if buf.len() >= 1 << 15 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

fn push_audit_event(buf: &mut Vec<u8>, event: &AuditEvent) {
    buf.extend_from_slice(b"{\"time\":");
    push_time(buf, &event.timestamp);
    buf.extend_from_slice(b",\"audit_id\":\"");
    let seconds = event.timestamp.timestamp();
    if seconds < 0 {
        buf.push(b'-');
    }
    push_number(buf, seconds.unsigned_abs() as usize);
    buf.push(b'.');
    push_padded(buf, event.timestamp.timestamp_subsec_millis(), 3);
    buf.push(b':');
    push_number(buf, event.serial as usize);
    buf.push(b'"');
    buf.extend_from_slice(b",\"event_type\":");
    string(buf, &event.event_type);
    if let Some(cmdline) = event.cmdline() {
        buf.extend_from_slice(b",\"cmdline\":");
        string(buf, &cmdline);
    }
    if !event.metadata.is_empty() {
        buf.extend_from_slice(b",\"metadata\":{");
        for (i, (name, value)) in event.metadata.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            string(buf, name);
            buf.push(b':');
            opt_string(buf, value.as_deref());
        }
        buf.push(b'}');
    }
    buf.extend_from_slice(b",\"records\":[");
    for (i, record) in event.records.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"type\":");
        string(buf, record.record_type());
        buf.extend_from_slice(b",\"line\":");
        push_number(buf, record.line);
        buf.extend_from_slice(b",\"fields\":{");
        let mut seen = 0u64;
        for (j, (name, value)) in record.fields().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            // Repeats are rare: a 64-bit filter of names seen so far rules most out at once.
            let bit = 1u64
                << ((name.len() * 31 + name.as_bytes().first().map_or(0, |&b| b as usize)) % 64);
            let repeats = if seen & bit == 0 {
                0
            } else {
                record.fields().take(j).filter(|(k, _)| *k == name).count()
            };
            seen |= bit;
            if repeats == 0 {
                string(buf, name);
            } else {
                string(buf, &format!("{name}_{}", repeats + 1));
            }
            buf.push(b':');
            string(buf, value);
        }
        buf.extend_from_slice(b"}}");
    }
    buf.extend_from_slice(b"]}\n");
}

/// `bytes` as text: borrowed when valid UTF-8 (checked in parts on the cores when
/// large), otherwise with invalid sequences replaced.
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    if crate::file::is_utf8(bytes) {
        // SAFETY: just checked.
        Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        String::from_utf8_lossy(bytes)
    }
}

/// Lines of `input` numbered from 1, without `\n` or `\r\n`; invalid UTF-8 is replaced.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    rest: &'a [u8],
    n: usize,
}

/// The lines of a byte buffer, see [`Lines`].
pub fn lines(input: &[u8]) -> Lines<'_> {
    Lines { rest: input, n: 0 }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let (mut line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(p) => (&self.rest[..p], &self.rest[p + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        self.n += 1;
        Some((self.n, text(line)))
    }
}

/// `huntrs ioc`'s loop: one [`write_iocs`] object per line of `input`.
pub fn write_ioc_lines(
    extractor: &IocExtractor,
    input: &[u8],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    let mut scratch = crate::IocScratch::default();
    for (n, line) in lines(input) {
        push_iocs(
            &mut buf,
            "line",
            n,
            &line,
            extractor.find_in(&line, &mut scratch),
        );
        if buf.len() >= 1 << 15 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}
