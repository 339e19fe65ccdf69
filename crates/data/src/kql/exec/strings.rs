//! KQL string predicates (`has`, `contains`, `startswith`, …) and regex helpers, run as
//! element-wise closures over string columns. They are written here rather than with
//! polars' string kernels because the workspace polars build has no `regex` feature, and
//! `has` needs KQL's term semantics anyway.

use polars::prelude::*;

/// A string predicate with its (already lower-cased, for case-insensitive forms) needle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrTest {
    /// Whole-term match.
    Has,
    /// Term that starts with the needle.
    HasPrefix,
    /// Term that ends with the needle.
    HasSuffix,
    /// Substring.
    Contains,
    /// Prefix of the whole value.
    StartsWith,
    /// Suffix of the whole value.
    EndsWith,
}

fn is_term_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `needle` occurs in `hay` with a term boundary before (`left`) and/or after
/// (`right`). KQL's `has` indexes terms of alphanumeric runs; a needle matches when it lines
/// up with term boundaries, which this reproduces without the term index.
fn bounded(hay: &str, needle: &str, left: bool, right: bool) -> bool {
    if needle.is_empty() {
        return true;
    }
    let mut from = 0;
    while let Some(i) = hay[from..].find(needle) {
        let start = from + i;
        let end = start + needle.len();
        let left_ok = !left
            || !needle.starts_with(is_term_char)
            || !hay[..start].chars().next_back().is_some_and(is_term_char);
        let right_ok = !right
            || !needle.ends_with(is_term_char)
            || !hay[end..].chars().next().is_some_and(is_term_char);
        if left_ok && right_ok {
            return true;
        }
        // Step one character on, staying on a char boundary.
        from = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

impl StrTest {
    /// Whether `hay` passes the test against `needle` (both already case-folded as needed).
    pub(crate) fn test(self, hay: &str, needle: &str) -> bool {
        match self {
            Self::Has => bounded(hay, needle, true, true),
            Self::HasPrefix => bounded(hay, needle, true, false),
            Self::HasSuffix => bounded(hay, needle, false, true),
            Self::Contains => hay.contains(needle),
            Self::StartsWith => hay.starts_with(needle),
            Self::EndsWith => hay.ends_with(needle),
        }
    }
}

/// `expr <test> needle` as a boolean polars expression; nulls stay null.
pub(crate) fn str_test(expr: Expr, test: StrTest, needle: &str, case_sensitive: bool) -> Expr {
    let needle = if case_sensitive {
        needle.to_string()
    } else {
        needle.to_lowercase()
    };
    map_str(expr, DataType::Boolean, move |s| {
        let hit = if case_sensitive {
            test.test(s, &needle)
        } else {
            test.test(&s.to_lowercase(), &needle)
        };
        AnyValue::Boolean(hit)
    })
}

/// `expr matches regex pattern`.
pub(crate) fn matches_regex(expr: Expr, re: regex::Regex) -> Expr {
    map_str(expr, DataType::Boolean, move |s| {
        AnyValue::Boolean(re.is_match(s))
    })
}

/// `extract(pattern, group, expr)`: the capture group, or null when there is no match.
pub(crate) fn extract(expr: Expr, re: regex::Regex, group: usize) -> Expr {
    map_str(expr, DataType::String, move |s| {
        re.captures(s)
            .and_then(|c| c.get(group))
            .map_or(AnyValue::Null, |m| AnyValue::StringOwned(m.as_str().into()))
    })
}

/// Maps each non-null string of `expr` (cast to string first) through `f`, whose results
/// must be of `dtype`.
pub(crate) fn map_str<F>(expr: Expr, dtype: DataType, f: F) -> Expr
where
    F: Fn(&str) -> AnyValue<'static> + Send + Sync + 'static,
{
    let out_type = dtype.clone();
    expr.cast(DataType::String).map(
        move |c: Column| {
            let ca = c.str()?;
            let values: Vec<AnyValue<'static>> =
                ca.iter().map(|v| v.map_or(AnyValue::Null, &f)).collect();
            Series::from_any_values_and_dtype(ca.name().clone(), &values, &dtype, true)
                .map(Column::from)
        },
        move |_: &Schema, field: &Field| Ok(Field::new(field.name().clone(), out_type.clone())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_matches_whole_terms() {
        assert!(StrTest::Has.test("net user admin /add", "user"));
        assert!(!StrTest::Has.test("username", "user"));
        assert!(StrTest::Has.test("c:\\windows\\system32", "system32"));
        assert!(StrTest::Has.test("a-b.c", "b.c"));
        assert!(StrTest::HasPrefix.test("username", "user"));
        assert!(StrTest::HasSuffix.test("superuser", "user"));
        assert!(!StrTest::HasSuffix.test("userx", "user"));
    }
}
