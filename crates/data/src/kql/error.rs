//! [`KqlError`]: a KQL syntax or support error with its position in the query text.

use std::fmt;

use super::ast::Span;

/// A query that cannot be lexed or parsed, or that uses an operator or function outside the
/// supported subset. Carries the byte span and the 1-based line and column of the offending
/// text; `Display` shows `line L, column C: message` followed by the source line and a caret
/// underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KqlError {
    /// What is wrong, naming the operator, function or token concerned.
    pub message: String,
    /// Byte offsets of the offending text in the query.
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column (in characters) of `span.start`.
    pub column: usize,
    source_line: String,
    underline: usize,
}

impl KqlError {
    /// An error about `span` of `src`.
    pub(crate) fn new(src: &str, span: Span, message: impl Into<String>) -> Self {
        let start = floor_char_boundary(src, span.start.min(src.len()));
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        let line = src[..start].matches('\n').count() + 1;
        let column = src[line_start..start].chars().count() + 1;
        let end = floor_char_boundary(src, span.end.clamp(start, line_end));
        let underline = src[start..end].chars().count().max(1);
        Self {
            message: message.into(),
            span,
            line,
            column,
            source_line: src[line_start..line_end].trim_end_matches('\r').to_string(),
            underline,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for KqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )?;
        if !self.source_line.trim().is_empty() {
            write!(
                f,
                "\n  {}\n  {}{}",
                self.source_line,
                " ".repeat(self.column - 1),
                "^".repeat(self.underline)
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for KqlError {}
