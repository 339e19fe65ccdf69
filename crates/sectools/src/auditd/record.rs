//! One audit record: `type=X msg=audit(SECS.MMM:SERIAL): key=value ...`.

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
        parse_fields(record_type, body, record_type.len(), &mut record);
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
pub(crate) fn parse_header(line: &str) -> Result<Header<'_>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    // Forwarded logs prefix `node=host `.
    let line = match line.strip_prefix("node=") {
        Some(rest) => rest.split_once(' ').map_or(rest, |(_, r)| r),
        None => line,
    };
    let rest = line
        .strip_prefix("type=")
        .ok_or("does not start with 'type='")?;
    let (record_type, rest) = rest
        .split_once(' ')
        .ok_or("no 'msg=audit(...)' after the type")?;
    let rest = rest
        .trim_start()
        .strip_prefix("msg=audit(")
        .ok_or("no 'msg=audit(' after the type")?;
    let (id, body) = rest
        .split_once("):")
        .ok_or("unterminated 'msg=audit(...)'")?;
    let (ts, serial) = id
        .split_once(':')
        .ok_or("audit id has no ':' between time and serial")?;
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let seconds = secs
        .parse::<i64>()
        .map_err(|_| format!("bad timestamp seconds '{secs}'"))?;
    // Milliseconds from the first three fraction digits ("5" is 500 ms).
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("bad timestamp fraction '{frac}'"));
    }
    let millis = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    let serial = serial
        .parse::<u64>()
        .map_err(|_| format!("bad serial '{serial}'"))?;
    if record_type.is_empty() {
        return Err("empty record type".into());
    }
    Ok(Header {
        record_type,
        seconds,
        millis,
        serial,
        body: body.trim_start(),
    })
}

/// Fields auditd writes hex-encoded (unquoted) when the value has spaces or control characters.
fn may_be_hex(record_type: &str, key: &str) -> bool {
    match record_type {
        "EXECVE" => {
            key.starts_with('a')
                && key[1..]
                    .split('[')
                    .next()
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                && !key.ends_with("_len")
        }
        "PROCTITLE" => key == "proctitle",
        "USER_CMD" => key == "cmd",
        _ => matches!(
            key,
            "exe" | "comm" | "cwd" | "name" | "acct" | "cmd" | "data" | "old-data" | "new-data"
        ),
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

/// Parses `key=value` items of `body`, which sits at `base` in the record's text.
/// Values may be bare, "double" or 'single' quoted; a single-quoted `msg='...'`
/// payload is parsed as fields in turn. The 0x1d group separator of enriched logs
/// counts as a space.
fn parse_fields(record_type: &str, body: &str, base: usize, record: &mut AuditRecord) {
    let b = body.as_bytes();
    let span = |start: usize, end: usize| ((base + start) as u32, (base + end) as u32);
    let mut i = 0;
    let mut nested: Vec<(usize, usize)> = Vec::new();
    while i < b.len() {
        while i < b.len() && (b[i] == b' ' || b[i] == 0x1d) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let key_start = i;
        while i < b.len() && b[i] != b'=' && b[i] != b' ' && b[i] != 0x1d {
            i += 1;
        }
        let key = &body[key_start..i];
        if i >= b.len() || b[i] != b'=' {
            // A bare word: kept as a field with no value.
            record.fields.push((span(key_start, i), span(i, i)));
            continue;
        }
        i += 1;
        let (value_start, value_end, quoted) = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let start = i + 1;
                let end = memchr::memchr(q, &b[start..]).map_or(b.len(), |p| start + p);
                i = (end + 1).min(b.len());
                (start, end, q)
            }
            _ => {
                let start = i;
                while i < b.len() && b[i] != b' ' && b[i] != 0x1d {
                    i += 1;
                }
                (start, i, 0)
            }
        };
        let value = &body[value_start..value_end];
        if quoted == b'\'' && key == "msg" && value.contains('=') {
            nested.push((value_start, value_end));
            continue;
        }
        let decoded = if quoted == 0 && may_be_hex(record_type, key) {
            decode_hex(value)
        } else {
            None
        };
        let value_span = match decoded {
            Some(decoded) => {
                let start = record.text.len() as u32;
                record.text.push_str(&decoded);
                (start, record.text.len() as u32)
            }
            None => span(value_start, value_end),
        };
        record
            .fields
            .push((span(key_start, key_start + key.len()), value_span));
    }
    for (start, end) in nested {
        parse_fields(record_type, &body[start..end], base + start, record);
    }
}
