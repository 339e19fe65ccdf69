//! Rendering a query: every value becomes a literal of the target language, chosen by
//! where its placeholder stands in the template (inside a string literal, or in code).
//! The rules are in the module doc of [`crate::query`].

use chrono::{DateTime, Timelike, Utc};

use super::library::QueryDef;
use super::params::{ParamDef, ParamType, ParamValue};
use super::suggest::closest;
use super::template::{Segment, parse_format};
use crate::DataError;

/// The query language a query is rendered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Kusto Query Language: Microsoft Sentinel / Log Analytics, Defender, Data Explorer,
    /// and huntrs's local engine.
    Kql,
    /// Splunk's Search Processing Language.
    Spl,
}

impl Dialect {
    /// The dialect of a msticpy data environment, if huntrs can render for it.
    pub fn for_environment(environment: &str) -> Option<Self> {
        match super::library::canonical_environment(environment).as_str() {
            "mssentinel" | "mde" | "kusto" | "localdata" | "resourcegraph" | "mssentinelsearch" => {
                Some(Self::Kql)
            }
            "splunk" => Some(Self::Spl),
            _ => None,
        }
    }
}

/// msticpy's conventional names for parameters that carry query fragments (extra
/// pipeline stages, filter expressions, column lists); values for them are inserted
/// verbatim, like parameters declared `fragment: true`.
pub const FRAGMENT_PARAMS: &[&str] = &[
    "add_query_items",
    "query_project",
    "subscription_filter",
    "host_filter_eq",
    "host_filter_neq",
    "project_fields",
    "field_rename",
    "event_filter",
    "where_clause",
    "aggregatefunction",
];

/// Operators a `str` parameter in code position may take besides a name (msticpy uses
/// such parameters for e.g. `Computer {host_op} "{host_name}"`).
const OPERATORS: &[&str] = &[
    "==",
    "!=",
    "=~",
    "!~",
    "<",
    ">",
    "<=",
    ">=",
    "=",
    "has",
    "!has",
    "has_cs",
    "!has_cs",
    "contains",
    "!contains",
    "contains_cs",
    "!contains_cs",
    "startswith",
    "!startswith",
    "endswith",
    "!endswith",
    "in",
    "!in",
    "in~",
    "!in~",
    "has_any",
    "has_all",
    "and",
    "or",
    "*",
];

/// Where a placeholder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Outside any string literal (code, or a KQL `//` comment).
    Code,
    /// Inside a string literal delimited by `quote`; `verbatim` for KQL `@"…"`.
    Str { quote: char, verbatim: bool },
}

/// A small lexer that follows string literals and comments through the template text.
#[derive(Debug)]
struct Lexer {
    dialect: Dialect,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    Comment,
    Str {
        quote: char,
        verbatim: bool,
        escaped: bool,
    },
}

impl Lexer {
    fn feed(&mut self, text: &str) {
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            self.state = match self.state {
                State::Comment if c == '\n' => State::Code,
                State::Comment => State::Comment,
                State::Code => match c {
                    '/' if self.dialect == Dialect::Kql && chars.peek() == Some(&'/') => {
                        chars.next();
                        State::Comment
                    }
                    '@' if self.dialect == Dialect::Kql
                        && matches!(chars.peek(), Some('"' | '\'')) =>
                    {
                        let quote = chars.next().unwrap_or('"');
                        State::Str {
                            quote,
                            verbatim: true,
                            escaped: false,
                        }
                    }
                    '"' => State::Str {
                        quote: '"',
                        verbatim: false,
                        escaped: false,
                    },
                    '\'' if self.dialect == Dialect::Kql => State::Str {
                        quote: '\'',
                        verbatim: false,
                        escaped: false,
                    },
                    _ => State::Code,
                },
                State::Str {
                    quote,
                    verbatim: false,
                    escaped: true,
                } => State::Str {
                    quote,
                    verbatim: false,
                    escaped: false,
                },
                State::Str {
                    quote,
                    verbatim: false,
                    escaped: false,
                } => match c {
                    '\\' => State::Str {
                        quote,
                        verbatim: false,
                        escaped: true,
                    },
                    c if c == quote => State::Code,
                    _ => self.state,
                },
                State::Str {
                    quote,
                    verbatim: true,
                    ..
                } => {
                    if c == quote {
                        // A doubled quote is an escaped quote in a verbatim string.
                        if chars.peek() == Some(&quote) {
                            chars.next();
                            self.state
                        } else {
                            State::Code
                        }
                    } else {
                        self.state
                    }
                }
            };
        }
    }

    fn context(&self) -> Context {
        match self.state {
            State::Code | State::Comment => Context::Code,
            State::Str {
                quote, verbatim, ..
            } => Context::Str { quote, verbatim },
        }
    }
}

pub(crate) fn render(
    query: &QueryDef,
    given: &[(String, ParamValue)],
    dialect: Dialect,
    now: DateTime<Utc>,
) -> Result<String, DataError> {
    let name = query
        .full_names()
        .into_iter()
        .next()
        .unwrap_or_else(|| query.name.clone());
    let err = |param: Option<&str>, message: String| DataError::QueryRender {
        query: name.clone(),
        param: param.map(str::to_owned),
        message,
    };

    // Resolve names and aliases; unknown names are an error, not silently ignored.
    let mut values: Vec<(&ParamDef, &ParamValue)> = Vec::new();
    for (key, value) in given {
        let Some(def) = query.param(key) else {
            let candidates = query.params.iter().flat_map(|p| {
                std::iter::once(p.name.as_str()).chain(p.aliases.iter().map(String::as_str))
            });
            let hint = closest(key, candidates)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(err(
                Some(key),
                format!("unknown parameter{hint}; {}", param_list(query)),
            ));
        };
        values.retain(|(d, _)| d.name != def.name);
        values.push((def, value));
    }

    let mut lexer = Lexer {
        dialect,
        state: State::Code,
    };
    let mut out = String::with_capacity(query.query.len());
    let segments = query.segments.as_ref().map_err(|m| err(None, m.clone()))?;
    for segment in segments {
        match segment {
            Segment::Text(text) => {
                lexer.feed(text);
                out.push_str(text);
            }
            Segment::Param(p) => {
                // The loader checked that every placeholder has a definition.
                let Some(def) = query.params.iter().find(|d| &d.name == p) else {
                    return Err(err(Some(p), "no definition".to_owned()));
                };
                let (value, is_default) = match values.iter().find(|(d, _)| d.name == *p) {
                    Some((_, v)) => (*v, false),
                    None => match &def.default {
                        Some(v) => (v, true),
                        None => {
                            return Err(err(
                                Some(p),
                                format!("missing required parameter; {}", param_list(query)),
                            ));
                        }
                    },
                };
                let literal = literal(def, value, is_default, lexer.context(), &out, dialect, now)
                    .map_err(|m| err(Some(p), m))?;
                let literal = match &def.format {
                    Some(f) => {
                        let (prefix, suffix) = parse_format(f).map_err(|m| err(Some(p), m))?;
                        format!("{prefix}{literal}{suffix}")
                    }
                    None => literal,
                };
                out.push_str(&literal);
            }
        }
    }
    Ok(collapse_blank_lines(&out))
}

/// msticpy removes blank lines left by empty fragment parameters: a line break followed
/// by whitespace containing more line breaks becomes one line break
/// (`re.sub(r"\n\s*\n", "\n", query)`).
fn collapse_blank_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\n') {
        out.push_str(&rest[..=i]);
        let after = &rest[i + 1..];
        let ws = after.len() - after.trim_start().len();
        rest = match after[..ws].rfind('\n') {
            Some(last) => &after[last + 1..],
            None => after,
        };
    }
    out.push_str(rest);
    out
}

fn param_list(query: &QueryDef) -> String {
    let list: Vec<String> = query
        .params
        .iter()
        .map(|p| {
            format!(
                "{} ({}{})",
                p.name,
                p.param_type.name(),
                if p.is_required() { ", required" } else { "" }
            )
        })
        .collect();
    format!("the query's parameters: {}", list.join(", "))
}

fn literal(
    def: &ParamDef,
    value: &ParamValue,
    is_default: bool,
    context: Context,
    before: &str,
    dialect: Dialect,
    now: DateTime<Utc>,
) -> Result<String, String> {
    match context {
        Context::Str { quote, verbatim } => {
            let text = match def.param_type {
                ParamType::Str => value.to_text(),
                ParamType::Int => value.to_int()?.to_string(),
                ParamType::Float => value.to_float()?.to_string(),
                ParamType::DateTime => datetime_text(value.to_datetime(now)?, dialect),
                ParamType::List => value.to_list().join(","),
            };
            escape(&text, quote, verbatim, dialect)
        }
        Context::Code => match def.param_type {
            ParamType::Int => Ok(value.to_int()?.to_string()),
            ParamType::Float => Ok(value.to_float()?.to_string()),
            ParamType::DateTime => {
                let text = datetime_text(value.to_datetime(now)?, dialect);
                Ok(match dialect {
                    Dialect::Kql if ends_with_datetime_call(before) => text,
                    Dialect::Kql => format!("datetime({text})"),
                    Dialect::Spl => format!("\"{text}\""),
                })
            }
            ParamType::List => {
                let items = value
                    .to_list()
                    .iter()
                    .map(|i| string_literal(i, dialect))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(items.join(match dialect {
                    Dialect::Kql => ", ",
                    Dialect::Spl => ",",
                }))
            }
            ParamType::Str => {
                let text = value.to_text();
                let fragment = def.fragment || FRAGMENT_PARAMS.contains(&def.name.as_str());
                if fragment || is_default || is_token(&text) {
                    Ok(text)
                } else if dialect == Dialect::Kql && ends_with_datetime_call(before) {
                    // msticpy has `str` parameters inside `datetime(…)` too.
                    Ok(datetime_text(value.to_datetime(now)?, dialect))
                } else {
                    // Not a name or operator: a value, so a string literal. In a syntax
                    // position this makes the service reject the query, never run another.
                    string_literal(&text, dialect)
                }
            }
        },
    }
}

fn ends_with_datetime_call(before: &str) -> bool {
    let t = before.trim_end();
    let Some(t) = t.strip_suffix('(') else {
        return false;
    };
    t.trim_end().to_ascii_lowercase().ends_with("datetime")
}

/// A name (`SecurityEvent`, `TimeGenerated`, `a.b`), a number, or a known operator.
fn is_token(s: &str) -> bool {
    let name = !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    name || OPERATORS.contains(&s)
}

fn datetime_text(t: DateTime<Utc>, dialect: Dialect) -> String {
    match dialect {
        // KQL's own round-trip form: seven fractional digits (100 ns ticks), Z.
        Dialect::Kql => format!(
            "{}.{:07}Z",
            t.format("%Y-%m-%dT%H:%M:%S"),
            t.nanosecond() % 1_000_000_000 / 100
        ),
        // Matches msticpy's default Splunk `timeformat` "%Y-%m-%d %H:%M:%S.%6N".
        Dialect::Spl => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
    }
}

/// A complete string literal: `"…"` in both dialects.
fn string_literal(s: &str, dialect: Dialect) -> Result<String, String> {
    Ok(format!("\"{}\"", escape(s, '"', false, dialect)?))
}

/// The text of `s` escaped for the inside of a string literal delimited by `quote`.
fn escape(s: &str, quote: char, verbatim: bool, dialect: Dialect) -> Result<String, String> {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match (dialect, verbatim, c) {
            (_, true, c) if c == quote => {
                out.push(c);
                out.push(c);
            }
            (_, true, c) if c.is_control() => {
                return Err(format!(
                    "the value contains a control character ({c:?}), which a verbatim \
                     string literal cannot hold"
                ));
            }
            (_, true, c) => out.push(c),
            (_, false, '\\') => out.push_str("\\\\"),
            (_, false, c) if c == quote => {
                out.push('\\');
                out.push(c);
            }
            (Dialect::Kql, false, '\n') => out.push_str("\\n"),
            (Dialect::Kql, false, '\r') => out.push_str("\\r"),
            (Dialect::Kql, false, '\t') => out.push_str("\\t"),
            (_, false, c) if c.is_control() => {
                return Err(format!(
                    "the value contains a control character ({c:?}), which cannot be \
                     written safely in a {dialect:?} string literal"
                ));
            }
            (_, false, c) => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escapes_per_literal_kind() {
        assert_eq!(
            escape("a\"b'c\\d\ne", '"', false, Dialect::Kql).unwrap(),
            "a\\\"b'c\\\\d\\ne"
        );
        assert_eq!(escape("a'b", '\'', false, Dialect::Kql).unwrap(), "a\\'b");
        assert_eq!(
            escape("a\"b\\", '"', true, Dialect::Kql).unwrap(),
            "a\"\"b\\"
        );
        assert!(escape("a\nb", '"', true, Dialect::Kql).is_err());
        assert!(escape("a\nb", '"', false, Dialect::Spl).is_err());
        assert_eq!(
            escape("a\"|b", '"', false, Dialect::Spl).unwrap(),
            "a\\\"|b"
        );
    }

    #[test]
    fn lexer_follows_strings_and_comments() {
        let mut l = Lexer {
            dialect: Dialect::Kql,
            state: State::Code,
        };
        l.feed("T | where a == \"x\\\"");
        assert!(matches!(l.context(), Context::Str { quote: '"', .. }));
        l.feed("\" // it's a comment\n| where b == @'c''");
        assert_eq!(
            l.context(),
            Context::Str {
                quote: '\'',
                verbatim: true
            }
        );
        l.feed("'");
        assert_eq!(l.context(), Context::Code);
    }

    #[test]
    fn datetime_call_detection() {
        assert!(ends_with_datetime_call("| where T >= datetime( "));
        assert!(!ends_with_datetime_call("| where T >= "));
    }

    #[test]
    fn blank_lines_collapse() {
        assert_eq!(collapse_blank_lines("a\n  \n\nb\n"), "a\nb\n");
        assert_eq!(collapse_blank_lines("a\n  b\n  "), "a\n  b\n  ");
    }
}
