//! Tokens produced by the lexer ([`super::lexer`]).

use super::ast::Span;

/// What a token is; literal tokens carry their decoded value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    /// A word: identifier, keyword, operator name (`project-away`, `!has`, `in~`), `$left`.
    Ident(String),
    /// A bracketed name: `['name']` or `["name"]`.
    QuotedIdent(String),
    /// A string literal, escapes decoded.
    Str(String),
    /// An integer literal.
    Int(i64),
    /// A real literal.
    Real(f64),
    /// A timespan literal (`1d`, `30m`, `100ms`), in nanoseconds.
    Timespan(i64),
    /// The raw text inside `datetime( … )`.
    DateTime(String),
    /// The raw text inside `timespan( … )`.
    TimespanCall(String),
    Pipe,
    Comma,
    Semi,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Dot,
    DotDot,
    Colon,
    Assign,
    EqEq,
    NotEq,
    EqTilde,
    NotTilde,
    Lt,
    Le,
    Gt,
    Ge,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Eof,
}

impl TokenKind {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        let sym = match self {
            Self::Ident(s) => return format!("'{s}'"),
            Self::QuotedIdent(s) => return format!("['{s}']"),
            Self::Str(_) => return "a string".to_string(),
            Self::Int(_) | Self::Real(_) => return "a number".to_string(),
            Self::Timespan(_) | Self::TimespanCall(_) => return "a timespan".to_string(),
            Self::DateTime(_) => return "a datetime".to_string(),
            Self::Eof => return "the end of the query".to_string(),
            Self::Pipe => "|",
            Self::Comma => ",",
            Self::Semi => ";",
            Self::LParen => "(",
            Self::RParen => ")",
            Self::LBracket => "[",
            Self::RBracket => "]",
            Self::LBrace => "{",
            Self::RBrace => "}",
            Self::Dot => ".",
            Self::DotDot => "..",
            Self::Colon => ":",
            Self::Assign => "=",
            Self::EqEq => "==",
            Self::NotEq => "!=",
            Self::EqTilde => "=~",
            Self::NotTilde => "!~",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Plus => "+",
            Self::Minus => "-",
            Self::Star => "*",
            Self::Slash => "/",
            Self::Percent => "%",
        };
        format!("'{sym}'")
    }
}

/// A token and where it is in the query text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// Its byte offsets.
    pub span: Span,
}
