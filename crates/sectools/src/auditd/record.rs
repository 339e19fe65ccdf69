//! One audit record: `type=X msg=audit(SECS.MMM:SERIAL): key=value ...`.

/// A parsed audit record with its fields in order, hex-encoded values decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// `SYSCALL`, `EXECVE`, `USER_LOGIN`, ...
    pub record_type: String,
    /// Fields in order. Fields of a `msg='...'` payload follow the record's own fields.
    pub fields: Vec<(String, String)>,
    /// Line number in the input (1-based), or the input row for DataFrame input.
    pub line: usize,
}

impl AuditRecord {
    /// The first value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
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
    let millis = format!("{frac:0<3}")[..3]
        .parse::<u32>()
        .map_err(|_| format!("bad timestamp fraction '{frac}'"))?;
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
        || value.len() % 2 != 0
        || !value
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
    {
        return None;
    }
    let bytes: Vec<u8> = (0..value.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&value[i..i + 2], 16))
        .collect::<Result<_, _>>()
        .ok()?;
    // PROCTITLE separates argv with NULs; a trailing NUL ends the string.
    let text: String = String::from_utf8_lossy(&bytes)
        .trim_end_matches('\0')
        .chars()
        .map(|c| if c == '\0' { ' ' } else { c })
        .collect();
    Some(text)
}

/// Parses `key=value` items. Values may be bare, "double" or 'single' quoted; a
/// single-quoted `msg='...'` payload is parsed as fields in turn. The 0x1d group
/// separator of enriched logs counts as a space.
pub(crate) fn parse_fields(record_type: &str, body: &str, out: &mut Vec<(String, String)>) {
    let b = body.as_bytes();
    let mut i = 0;
    let mut nested: Vec<&str> = Vec::new();
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
            out.push((key.to_string(), String::new()));
            continue;
        }
        i += 1;
        let (value, quoted) = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => {
                let start = i + 1;
                let end = b[start..]
                    .iter()
                    .position(|&c| c == q)
                    .map_or(b.len(), |p| start + p);
                i = (end + 1).min(b.len());
                (&body[start..end], q)
            }
            _ => {
                let start = i;
                while i < b.len() && b[i] != b' ' && b[i] != 0x1d {
                    i += 1;
                }
                (&body[start..i], 0)
            }
        };
        if quoted == b'\'' && key == "msg" && value.contains('=') {
            nested.push(value);
            continue;
        }
        let value = if quoted == 0 && may_be_hex(record_type, key) {
            decode_hex(value).unwrap_or_else(|| value.to_string())
        } else {
            value.to_string()
        };
        out.push((key.to_string(), value));
    }
    for inner in nested {
        parse_fields(record_type, inner, out);
    }
}
