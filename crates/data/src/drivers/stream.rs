//! The streaming decoder: walks a body's outer structure (frames, tables, keys) with a
//! small pull reader over a fixed buffer, and hands each row, copied out as bytes, to
//! the same row decoder the in-memory path uses.
//!
//! `serde_json` reading straight from an `io::Read` goes byte by byte through the
//! reader; cutting rows out and parsing each from a slice is about three times faster
//! and still never holds more than a buffer and one row of the body.

use std::io::Read;

use serde_json::Value as Json;

use super::columns::{INTERRUPTED_MARK, TableBuilder};
use super::decode::{DecodeError, Decoded, FrameState, ObjectState, WireColumn};

const BUFFER: usize = 256 * 1024;

/// A pull reader over JSON text.
struct Pull<R> {
    r: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Bytes consumed before `buf`, for error positions.
    offset: u64,
}

type Res<T> = Result<T, DecodeError>;

fn bad<T>(msg: impl Into<String>) -> Res<T> {
    Err(DecodeError::Bad(msg.into()))
}

impl<R: Read> Pull<R> {
    fn new(r: R) -> Self {
        Pull {
            r,
            buf: vec![0u8; BUFFER].into_boxed_slice(),
            pos: 0,
            end: 0,
            offset: 0,
        }
    }

    fn at(&self) -> u64 {
        self.offset + self.pos as u64
    }

    /// Refills the buffer; false at the end of the body.
    fn fill(&mut self) -> Res<bool> {
        self.offset += self.end as u64;
        self.pos = 0;
        self.end = 0;
        loop {
            match self.r.read(&mut self.buf) {
                Ok(n) => {
                    self.end = n;
                    return Ok(n > 0);
                }
                // The HTTP body reader stops this way on a kernel interrupt; any other
                // interrupted read (a signal) is tried again.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    if sectools::runtime::interrupt_requested() {
                        return Err(DecodeError::Interrupted);
                    }
                }
                Err(e) if e.to_string().contains(INTERRUPTED_MARK) => {
                    return Err(DecodeError::Interrupted);
                }
                Err(e) => return bad(format!("reading the body: {e}")),
            }
        }
    }

    /// The next byte that is not whitespace, without consuming it.
    fn peek(&mut self) -> Res<Option<u8>> {
        loop {
            while self.pos < self.end {
                let b = self.buf[self.pos];
                if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                    return Ok(Some(b));
                }
                self.pos += 1;
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    fn expect(&mut self, want: u8) -> Res<()> {
        match self.peek()? {
            Some(b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(b) => bad(format!(
                "expected `{}` at byte {}, found `{}`",
                want as char,
                self.at(),
                b as char
            )),
            None => bad(format!("expected `{}`, the body ended", want as char)),
        }
    }

    /// After an element of an array or object: true at its closing `close`, false
    /// after a `,`.
    fn end_or_comma(&mut self, close: u8) -> Res<bool> {
        match self.peek()? {
            Some(b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b) => bad(format!(
                "expected `,` or `{}` at byte {}, found `{}`",
                close as char,
                self.at(),
                b as char
            )),
            None => bad("the body ended inside an array or object"),
        }
    }

    /// Copies one whole JSON value (after whitespace) into `out`.
    fn raw_value(&mut self, out: &mut Vec<u8>) -> Res<()> {
        out.clear();
        let Some(first) = self.peek()? else {
            return bad("expected a value, the body ended");
        };
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        let scalar = !matches!(first, b'{' | b'[' | b'"');
        loop {
            if self.pos >= self.end && !self.fill()? {
                return if scalar && !out.is_empty() {
                    Ok(())
                } else {
                    bad("the body ended inside a value")
                };
            }
            let chunk = &self.buf[self.pos..self.end];
            let mut i = 0;
            let mut done = false;
            while i < chunk.len() {
                let b = chunk[i];
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b != b'"' && b != b'\\' {
                        // Most of a row is string text: jump to its next quote or
                        // backslash.
                        match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                            Some(k) => i += k,
                            None => i = chunk.len(),
                        }
                        continue;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            i += 1;
                            done = true;
                            break;
                        }
                    }
                } else if scalar {
                    if matches!(b, b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t') {
                        done = true;
                        break;
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                i += 1;
                                done = true;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                i += 1;
            }
            out.extend_from_slice(&chunk[..i]);
            self.pos += i;
            if done {
                return Ok(());
            }
        }
    }

    /// An object key (and its `:`).
    fn key(&mut self, scratch: &mut Vec<u8>) -> Res<String> {
        if self.peek()? != Some(b'"') {
            return bad(format!("expected a key at byte {}", self.at()));
        }
        self.raw_value(scratch)?;
        let key: String = serde_json::from_slice(scratch)
            .map_err(|e| DecodeError::Bad(format!("a key at byte {}: {e}", self.at())))?;
        self.expect(b':')?;
        Ok(key)
    }

    fn value<T: serde::de::DeserializeOwned>(
        &mut self,
        scratch: &mut Vec<u8>,
        what: &str,
    ) -> Res<T> {
        self.raw_value(scratch)?;
        serde_json::from_slice(scratch)
            .map_err(|e| DecodeError::Bad(format!("{what} (before byte {}): {e}", self.at())))
    }

    /// Rows of an array, each decoded into `table` from its own bytes.
    fn rows(&mut self, table: &mut TableBuilder, scratch: &mut Vec<u8>) -> Res<()> {
        if self.peek()? == Some(b'n') {
            self.raw_value(scratch)?; // `null`
            return Ok(());
        }
        self.expect(b'[')?;
        if self.peek()? == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut n = 0u64;
        loop {
            self.raw_value(scratch)?;
            table
                .push_row_slice(scratch)
                .map_err(|e| DecodeError::Bad(format!("row {}: {e}", n + 1)))?;
            n += 1;
            if n.is_multiple_of(4096) && sectools::runtime::interrupt_requested() {
                return Err(DecodeError::Interrupted);
            }
            if self.end_or_comma(b']')? {
                return Ok(());
            }
        }
    }
}

/// Decodes a body as it is read (see the module docs).
pub(crate) fn decode_stream(reader: impl Read) -> Result<Decoded, DecodeError> {
    let mut p = Pull::new(reader);
    let mut out = Decoded::default();
    let mut scratch = Vec::with_capacity(4096);
    match p.peek()? {
        Some(b'[') => {
            p.pos += 1;
            let mut open = Vec::new();
            if p.peek()? == Some(b']') {
                p.pos += 1;
            } else {
                loop {
                    frame(&mut p, &mut out, &mut open, None, &mut scratch)?;
                    if p.end_or_comma(b']')? {
                        break;
                    }
                }
            }
            for (_, kind, b) in open.drain(..) {
                out.finish_table(kind, b)?;
            }
        }
        Some(b'{') => object(&mut p, &mut out, &mut scratch)?,
        Some(b) => return bad(format!("a body starting with `{}`", b as char)),
        None => return bad("an empty body"),
    }
    if let Some(b) = p.peek()? {
        return bad(format!("text after the end of the body: `{}`", b as char));
    }
    Ok(out)
}

type Open = Vec<(i64, String, TableBuilder)>;

/// A top-level object: Log Analytics (`tables`), Defender/Graph (`Schema`/`Results`),
/// or an `error`.
fn object<R: Read>(p: &mut Pull<R>, out: &mut Decoded, scratch: &mut Vec<u8>) -> Res<()> {
    p.expect(b'{')?;
    let mut state = ObjectState::default();
    if p.peek()? == Some(b'}') {
        p.pos += 1;
        return state.finish(out);
    }
    loop {
        let key = p.key(scratch)?;
        match key.as_str() {
            "tables" | "Tables" => {
                p.expect(b'[')?;
                let mut open = Vec::new();
                if p.peek()? == Some(b']') {
                    p.pos += 1;
                } else {
                    let mut first = true;
                    loop {
                        let kind = if first {
                            "PrimaryResult"
                        } else {
                            "SecondaryResult"
                        };
                        frame(p, out, &mut open, Some(kind), scratch)?;
                        first = false;
                        if p.end_or_comma(b']')? {
                            break;
                        }
                    }
                }
            }
            "Schema" | "schema" => {
                let cols: Vec<WireColumn> = p.value(scratch, "the schema")?;
                state.set_columns(&cols)?;
            }
            "Results" | "results" => match state.builder.as_mut() {
                Some(b) => p.rows(b, scratch)?,
                None => state.held_rows = Some(p.value(scratch, "the results")?),
            },
            "error" | "Error" => {
                let e: Json = p.value(scratch, "the error")?;
                if !e.is_null() {
                    out.errors.push(e);
                }
            }
            _ => p.raw_value(scratch)?,
        }
        if p.end_or_comma(b'}')? {
            break;
        }
    }
    state.finish(out)
}

/// One Kusto frame or Log Analytics table object.
fn frame<R: Read>(
    p: &mut Pull<R>,
    out: &mut Decoded,
    open: &mut Open,
    default_kind: Option<&str>,
    scratch: &mut Vec<u8>,
) -> Res<()> {
    p.expect(b'{')?;
    let mut f = FrameState::new(default_kind);
    if p.peek()? == Some(b'}') {
        p.pos += 1;
        return f.finish(out, open);
    }
    loop {
        let key = p.key(scratch)?;
        match key.as_str() {
            "FrameType" => f.frame_type = Some(p.value(scratch, "FrameType")?),
            "TableKind" => f.kind = Some(p.value(scratch, "TableKind")?),
            "TableId" => f.table_id = Some(p.value(scratch, "TableId")?),
            "Columns" | "columns" => {
                let cols: Vec<WireColumn> = p.value(scratch, "the columns")?;
                f.set_columns(&cols)?;
            }
            "Rows" | "rows" => match f.rows_target(open) {
                Some(b) => p.rows(b, scratch)?,
                None => f.held_rows = Some(p.value(scratch, "the rows")?),
            },
            "HasErrors" => out.has_errors |= p.value::<bool>(scratch, "HasErrors")?,
            "Cancelled" => out.cancelled |= p.value::<bool>(scratch, "Cancelled")?,
            "OneApiErrors" => {
                let e: Json = p.value(scratch, "OneApiErrors")?;
                out.push_errors(e);
            }
            _ => p.raw_value(scratch)?,
        }
        if p.end_or_comma(b'}')? {
            break;
        }
    }
    f.finish(out, open)
}
