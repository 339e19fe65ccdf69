//! JSON-lines output for the `huntrs ioc | b64 | auditd` commands, written straight
//! into a byte buffer (no intermediate `serde_json::Value`), so output keeps pace with extraction.

use std::io::{self, Write};

use crate::{AuditEvent, DecodedItem, Ioc};

fn string(out: &mut Vec<u8>, text: &str) {
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
    buf.push(b'{');
    key(&mut buf, position);
    buf.extend_from_slice(n.to_string().as_bytes());
    buf.extend_from_slice(b",\"iocs\":[");
    for (i, ioc) in iocs.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"type\":");
        string(&mut buf, ioc.ioc_type.name());
        buf.extend_from_slice(b",\"value\":");
        string(&mut buf, &ioc.value);
        if ioc.defanged {
            buf.extend_from_slice(b",\"defanged\":");
            string(&mut buf, ioc.matched(input));
        }
        buf.push(b'}');
    }
    buf.extend_from_slice(b"]}\n");
    out.write_all(&buf)
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
    buf.extend_from_slice(b"{\"time\":");
    string(
        &mut buf,
        &event
            .timestamp
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    );
    buf.extend_from_slice(b",\"audit_id\":");
    string(&mut buf, &event.audit_id());
    buf.extend_from_slice(b",\"event_type\":");
    string(&mut buf, &event.event_type);
    if let Some(cmdline) = event.cmdline() {
        buf.extend_from_slice(b",\"cmdline\":");
        string(&mut buf, &cmdline);
    }
    if !event.metadata.is_empty() {
        buf.extend_from_slice(b",\"metadata\":{");
        for (i, (name, value)) in event.metadata.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            string(&mut buf, name);
            buf.push(b':');
            opt_string(&mut buf, value.as_deref());
        }
        buf.push(b'}');
    }
    buf.extend_from_slice(b",\"records\":[");
    for (i, record) in event.records.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.extend_from_slice(b"{\"type\":");
        string(&mut buf, &record.record_type);
        buf.extend_from_slice(format!(",\"line\":{},\"fields\":{{", record.line).as_bytes());
        let mut seen: Vec<&str> = Vec::with_capacity(record.fields.len());
        for (j, (name, value)) in record.fields.iter().enumerate() {
            if j > 0 {
                buf.push(b',');
            }
            let repeats = seen.iter().filter(|s| **s == name.as_str()).count();
            seen.push(name);
            if repeats == 0 {
                string(&mut buf, name);
            } else {
                string(&mut buf, &format!("{name}_{}", repeats + 1));
            }
            buf.push(b':');
            string(&mut buf, value);
        }
        buf.extend_from_slice(b"}}");
    }
    buf.extend_from_slice(b"]}\n");
    out.write_all(&buf)
}
