//! Query templates: msticpy's `str.format` syntax (`{name}` placeholders, `{{`/`}}`
//! escapes) and `$<macro>$` query macros.

use std::collections::BTreeMap;

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Query text, braces already unescaped.
    Text(String),
    /// A `{name}` placeholder.
    Param(String),
}

/// Replaces `$<name>$` with the macro's value, as msticpy does when it loads a file.
/// Unknown macro names are left as they are (msticpy does the same).
pub fn expand_macros(query: &str, macros: &BTreeMap<String, String>) -> String {
    let mut out = query.to_owned();
    for (name, value) in macros {
        out = out.replace(&format!("$<{name}>$"), value);
    }
    out
}

/// Splits a template into text and placeholders. Errors name what is wrong in words;
/// the caller adds the file and query.
pub fn parse(template: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut text = String::new();
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let rest = &template[i + 1..];
                let Some(end) = rest.find('}') else {
                    return Err(format!(
                        "unclosed `{{` at byte {i}; write `{{{{` for a literal brace"
                    ));
                };
                let name = &rest[..end];
                if !is_identifier(name) {
                    return Err(format!(
                        "placeholder `{{{name}}}` is not a parameter name (only `{{name}}` is \
                         supported, without format specs); write `{{{{` and `}}}}` for literal braces"
                    ));
                }
                for _ in 0..name.chars().count() + 1 {
                    chars.next();
                }
                if !text.is_empty() {
                    segments.push(Segment::Text(std::mem::take(&mut text)));
                }
                segments.push(Segment::Param(name.to_owned()));
            }
            '}' => {
                return Err(format!(
                    "single `}}` at byte {i}; write `}}}}` for a literal brace"
                ));
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        segments.push(Segment::Text(text));
    }
    Ok(segments)
}

/// The `{name}` placeholders of a template that is not valid `str.format` text (JSON
/// bodies whose drivers substitute parameters themselves, as msticpy's Cybereason
/// queries do): every `{identifier}` not inside `{{…}}`.
pub fn loose_placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = template.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'{' {
            if bytes.get(i + 1) == Some(&b'{') {
                i += 2;
                continue;
            }
            if let Some(end) = template[i + 1..].find(['{', '}']).map(|e| e + i + 1)
                && bytes[end] == b'}'
                && bytes.get(end + 1) != Some(&b'}')
                && is_identifier(&template[i + 1..end])
            {
                out.push(&template[i + 1..end]);
                i = end + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Parses a parameter's `format` template: text around exactly one `{}` (or `{0}`),
/// returned as (prefix, suffix) with braces unescaped.
pub fn parse_format(format: &str) -> Result<(String, String), String> {
    let segments = parse(&format.replace("{}", "{value}").replace("{0}", "{value}"))
        .map_err(|e| format!("format `{format}`: {e}"))?;
    let mut prefix = String::new();
    let mut suffix = String::new();
    let mut seen = false;
    for segment in segments {
        match segment {
            Segment::Text(t) if seen => suffix.push_str(&t),
            Segment::Text(t) => prefix.push_str(&t),
            Segment::Param(name) if name == "value" && !seen => seen = true,
            Segment::Param(_) => {
                return Err(format!(
                    "format `{format}` must contain exactly one `{{}}` and no format specs"
                ));
            }
        }
    }
    if seen {
        Ok((prefix, suffix))
    } else {
        Err(format!("format `{format}` has no `{{}}` for the value"))
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn placeholders_and_escapes() {
        let s = parse("T | where x == \"{a}\" | extend r = @\"[0-9]{{3}}\"{b}").unwrap();
        assert_eq!(
            s,
            vec![
                Segment::Text("T | where x == \"".into()),
                Segment::Param("a".into()),
                Segment::Text("\" | extend r = @\"[0-9]{3}\"".into()),
                Segment::Param("b".into()),
            ]
        );
        assert!(parse("x {a:>3}").is_err());
        assert!(parse("x } y").is_err());
        assert!(parse("x { y").is_err());
        assert_eq!(
            loose_placeholders("{ \"a\": [\"{pid}\"], {{x}} {y}}"),
            vec!["pid"]
        );
    }

    #[test]
    fn formats() {
        assert_eq!(
            parse_format("'{}'").unwrap(),
            ("'".to_owned(), "'".to_owned())
        );
        assert!(parse_format("{}{}").is_err());
        assert!(parse_format("none").is_err());
    }
}
