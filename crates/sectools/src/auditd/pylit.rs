//! The `AuditdMessage` column of Log Analytics exports: a Python literal such as
//! `[{'SYSCALL': ['arch=c000003e', 'pid=1']}, {'EXECVE': ['argc=1', 'a0="ls"']}]`.

/// One record as exported: its type and the body's space-split items.
pub(crate) type ExportedRecord = (String, Vec<String>);

/// Parses the literal, or says where it stopped making sense.
pub(crate) fn parse_records(text: &str) -> Result<Vec<ExportedRecord>, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        text,
    };
    let mut out = Vec::new();
    p.expect(b'[')?;
    loop {
        p.skip_ws();
        if p.eat(b']') {
            break;
        }
        p.expect(b'{')?;
        loop {
            p.skip_ws();
            if p.eat(b'}') {
                break;
            }
            let key = p.string()?;
            p.expect(b':')?;
            p.expect(b'[')?;
            let mut items = Vec::new();
            loop {
                p.skip_ws();
                if p.eat(b']') {
                    break;
                }
                items.push(p.string()?);
                p.skip_ws();
                p.eat(b',');
            }
            out.push((key, items));
            p.skip_ws();
            p.eat(b',');
        }
        p.skip_ws();
        p.eat(b',');
    }
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected text after the list at offset {}", p.i));
    }
    Ok(out)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        self.skip_ws();
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{}' at offset {}", c as char, self.i))
        }
    }

    /// A Python string literal in single or double quotes, with backslash escapes.
    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let quote = match self.s.get(self.i) {
            Some(&q @ (b'\'' | b'"')) => q,
            _ => return Err(format!("expected a quoted string at offset {}", self.i)),
        };
        self.i += 1;
        let mut out = String::new();
        let mut run_start = self.i;
        while self.i < self.s.len() {
            match self.s[self.i] {
                c if c == quote => {
                    out.push_str(&self.text[run_start..self.i]);
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run_start..self.i]);
                    let escaped = *self.s.get(self.i + 1).ok_or("dangling backslash")?;
                    match escaped {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'x' => {
                            let hex = self
                                .text
                                .get(self.i + 2..self.i + 4)
                                .ok_or("short \\x escape")?;
                            let code = u8::from_str_radix(hex, 16)
                                .map_err(|_| format!("bad \\x escape '{hex}'"))?;
                            out.push(char::from(code));
                            self.i += 2;
                        }
                        other => out.push(char::from(other)),
                    }
                    self.i += 2;
                    run_start = self.i;
                }
                _ => self.i += 1,
            }
        }
        Err("unterminated string".to_string())
    }
}
