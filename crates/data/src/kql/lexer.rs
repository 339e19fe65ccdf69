//! The lexer: query text to [`Token`]s, with comments and whitespace dropped.

use super::ast::Span;
use super::error::KqlError;
use super::token::{Token, TokenKind};

/// Operator names written with a hyphen; the lexer joins `word-word` into one identifier
/// only for these.
const HYPHENATED: &[&str] = &[
    "project-away",
    "project-rename",
    "project-keep",
    "project-reorder",
    "mv-expand",
    "mv-apply",
    "make-series",
    "top-nested",
    "top-hitters",
    "parse-where",
    "parse-kv",
    "sample-distinct",
];

/// Nanoseconds per unit for timespan literal suffixes.
pub(crate) fn timespan_unit(unit: &str) -> Option<i64> {
    Some(match unit {
        "d" | "day" | "days" => 86_400_000_000_000,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000_000_000,
        "m" | "min" | "minute" | "minutes" => 60_000_000_000,
        "s" | "sec" | "second" | "seconds" => 1_000_000_000,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "microsecond" | "microseconds" => 1_000,
        "tick" | "ticks" => 100,
        _ => return None,
    })
}

/// Split `src` into tokens; the last is always [`TokenKind::Eof`].
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, KqlError> {
    let mut lexer = Lexer { src, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        let token = lexer.next_token()?;
        let eof = token.kind == TokenKind::Eof;
        tokens.push(token);
        if eof {
            return Ok(tokens);
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.src[self.pos..].chars().nth(n)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn err(&self, start: usize, message: impl Into<String>) -> KqlError {
        KqlError::new(self.src, Span::new(start, self.pos.max(start + 1)), message)
    }

    fn skip_trivia(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.peek_at(1) == Some('/') => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn next_token(&mut self) -> Result<Token, KqlError> {
        self.skip_trivia();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token {
                kind: TokenKind::Eof,
                span: Span::new(start, start),
            });
        };
        let kind = match c {
            '"' | '\'' => {
                self.bump();
                TokenKind::Str(self.string(c, false, start)?)
            }
            '@' if matches!(self.peek_at(1), Some('"' | '\'')) => {
                self.bump();
                let q = self.bump().unwrap_or('"');
                TokenKind::Str(self.string(q, true, start)?)
            }
            'h' | 'H' if matches!(self.peek_at(1), Some('"' | '\'')) => {
                self.bump();
                let q = self.bump().unwrap_or('"');
                TokenKind::Str(self.string(q, false, start)?)
            }
            'h' | 'H'
                if self.peek_at(1) == Some('@') && matches!(self.peek_at(2), Some('"' | '\'')) =>
            {
                self.bump();
                self.bump();
                let q = self.bump().unwrap_or('"');
                TokenKind::Str(self.string(q, true, start)?)
            }
            '0'..='9' => self.number(start)?,
            '!' if self.peek_at(1).is_some_and(is_ident_start) => {
                self.bump();
                let word = self.word();
                TokenKind::Ident(self.tilde_suffix(format!("!{word}")))
            }
            c if is_ident_start(c) => {
                let word = self.word();
                return self.after_word(word, start);
            }
            '[' => {
                self.bump();
                if let Some(name) = self.bracket_name(start)? {
                    TokenKind::QuotedIdent(name)
                } else {
                    TokenKind::LBracket
                }
            }
            _ => {
                self.bump();
                let next = self.peek();
                let mut two = |kind| {
                    self.bump();
                    kind
                };
                match (c, next) {
                    ('.', Some('.')) => two(TokenKind::DotDot),
                    ('=', Some('=')) => two(TokenKind::EqEq),
                    ('=', Some('~')) => two(TokenKind::EqTilde),
                    ('!', Some('=')) => two(TokenKind::NotEq),
                    ('!', Some('~')) => two(TokenKind::NotTilde),
                    ('<', Some('=')) => two(TokenKind::Le),
                    ('<', Some('>')) => two(TokenKind::NotEq),
                    ('>', Some('=')) => two(TokenKind::Ge),
                    ('|', _) => TokenKind::Pipe,
                    (',', _) => TokenKind::Comma,
                    (';', _) => TokenKind::Semi,
                    ('(', _) => TokenKind::LParen,
                    (')', _) => TokenKind::RParen,
                    (']', _) => TokenKind::RBracket,
                    ('{', _) => TokenKind::LBrace,
                    ('}', _) => TokenKind::RBrace,
                    ('.', _) => TokenKind::Dot,
                    (':', _) => TokenKind::Colon,
                    ('=', _) => TokenKind::Assign,
                    ('<', _) => TokenKind::Lt,
                    ('>', _) => TokenKind::Gt,
                    ('+', _) => TokenKind::Plus,
                    ('-', _) => TokenKind::Minus,
                    ('*', _) => TokenKind::Star,
                    ('/', _) => TokenKind::Slash,
                    ('%', _) => TokenKind::Percent,
                    _ => return Err(self.err(start, format!("unexpected character '{c}'"))),
                }
            }
        };
        Ok(Token {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        self.bump();
        while self.peek().is_some_and(is_ident_char) {
            self.bump();
        }
        self.src[start..self.pos].to_string()
    }

    fn tilde_suffix(&mut self, word: String) -> String {
        if (word == "in" || word == "!in") && self.peek() == Some('~') {
            self.bump();
            return format!("{word}~");
        }
        word
    }

    fn after_word(&mut self, word: String, start: usize) -> Result<Token, KqlError> {
        let mut word = self.tilde_suffix(word);
        if self.peek() == Some('-') && self.peek_at(1).is_some_and(is_ident_start) {
            let save = self.pos;
            self.bump();
            let rest = self.word();
            let joined = format!("{word}-{rest}");
            if HYPHENATED.contains(&joined.as_str()) {
                word = joined;
            } else {
                self.pos = save;
            }
        }
        if word == "datetime" || word == "timespan" {
            let save = self.pos;
            self.skip_trivia();
            if self.peek() == Some('(') {
                self.bump();
                let inner = self.pos;
                let Some(close) = self.src[inner..].find(')') else {
                    return Err(self.err(start, format!("'{word}(' is never closed")));
                };
                self.pos = inner + close + 1;
                let raw = self.src[inner..inner + close].trim().to_string();
                let kind = if word == "datetime" {
                    TokenKind::DateTime(raw)
                } else {
                    TokenKind::TimespanCall(raw)
                };
                return Ok(Token {
                    kind,
                    span: Span::new(start, self.pos),
                });
            }
            self.pos = save;
        }
        Ok(Token {
            kind: TokenKind::Ident(word),
            span: Span::new(start, self.pos),
        })
    }

    /// After `[`: a bracketed name `['x']` if that is what follows, else `None` with the
    /// position back just after the `[`.
    fn bracket_name(&mut self, start: usize) -> Result<Option<String>, KqlError> {
        let save = self.pos;
        self.skip_trivia();
        let Some(q @ ('"' | '\'')) = self.peek() else {
            self.pos = save;
            return Ok(None);
        };
        self.bump();
        let name = self.string(q, false, start)?;
        self.skip_trivia();
        if self.peek() == Some(']') {
            self.bump();
            Ok(Some(name))
        } else {
            self.pos = save;
            Ok(None)
        }
    }

    /// The rest of a string literal after its opening quote.
    fn string(&mut self, quote: char, verbatim: bool, start: usize) -> Result<String, KqlError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(self.err(start, "unterminated string literal"));
            };
            match c {
                c if c == quote => {
                    if verbatim && self.peek() == Some(quote) {
                        self.bump();
                        out.push(quote);
                    } else {
                        return Ok(out);
                    }
                }
                '\\' if !verbatim => {
                    let esc_start = self.pos - 1;
                    let Some(e) = self.bump() else {
                        return Err(self.err(start, "unterminated string literal"));
                    };
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        'b' => out.push('\u{8}'),
                        'f' => out.push('\u{c}'),
                        'u' => {
                            let hex: String = self.src[self.pos..].chars().take(4).collect();
                            let code = (hex.len() == 4)
                                .then(|| u32::from_str_radix(&hex, 16).ok())
                                .flatten()
                                .and_then(char::from_u32);
                            let Some(ch) = code else {
                                return Err(self
                                    .err(esc_start, "invalid \\u escape; expected 4 hex digits"));
                            };
                            self.pos += 4;
                            out.push(ch);
                        }
                        '\\' | '"' | '\'' => out.push(e),
                        // Kusto keeps unknown escapes such as `\d` as written.
                        other => {
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn number(&mut self, start: usize) -> Result<TokenKind, KqlError> {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let mut real = false;
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            real = true;
            self.bump();
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.bump();
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = usize::from(matches!(self.peek_at(1), Some('+' | '-')));
            if self.peek_at(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                real = true;
                self.bump();
                if sign == 1 {
                    self.bump();
                }
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.bump();
                }
            }
        }
        let text = &self.src[start..self.pos];
        if self.peek().is_some_and(is_ident_start) {
            let suffix_start = self.pos;
            while self.peek().is_some_and(is_ident_char) {
                self.bump();
            }
            let suffix = &self.src[suffix_start..self.pos];
            let Some(unit) = timespan_unit(suffix) else {
                return Err(self.err(start, format!("'{suffix}' is not a timespan unit (use d, h, m, s, ms, microsecond or tick)")));
            };
            let nanos = text
                .parse::<f64>()
                .ok()
                .map(|v| (v * unit as f64 / 100.0).round() * 100.0);
            return match nanos {
                Some(n) if n.is_finite() && n.abs() < i64::MAX as f64 => {
                    Ok(TokenKind::Timespan(n as i64))
                }
                _ => Err(self.err(start, "timespan literal out of range")),
            };
        }
        if real {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(TokenKind::Real(v)),
                _ => Err(self.err(start, format!("invalid real literal '{text}'"))),
            }
        } else {
            text.parse::<i64>()
                .map(TokenKind::Int)
                .map_err(|_| self.err(start, format!("integer literal '{text}' is out of range")))
        }
    }
}
