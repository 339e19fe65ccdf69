//! `Display` for the syntax tree: normalised one-line KQL that parses back to the same tree
//! (up to spans). Parentheses are printed only where precedence needs them.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    Assignment, Expr, InList, JoinKey, Let, LetValue, Literal, MvExpandItem, Name, Nulls,
    OPERATORS, Operator, Order, ParseKind, ParsePart, Query, SortKey, Source, TabularExpr, UnaryOp,
    Union,
};

/// Words that must be written as `['word']` when used as a name.
const RESERVED: &[&str] = &[
    "and",
    "or",
    "by",
    "with",
    "on",
    "in",
    "true",
    "false",
    "let",
    "between",
    "asc",
    "desc",
    "nulls",
    "to",
    "limit",
    "datetime",
    "timespan",
    "dynamic",
    "has",
    "contains",
    "startswith",
    "endswith",
    "matches",
    "kind",
    "typeof",
    "hasprefix",
    "hassuffix",
    "has_cs",
    "contains_cs",
    "startswith_cs",
    "endswith_cs",
    "has_any",
    "has_all",
    "union",
];

fn write_list<T>(
    f: &mut Formatter<'_>,
    items: &[T],
    each: impl Fn(&mut Formatter<'_>, &T) -> fmt::Result,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, item)?;
    }
    Ok(())
}

/// Write `s` as a double-quoted KQL string literal.
pub(crate) fn write_string(f: &mut impl Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c if (c as u32) < 0x20 => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl Display for Name {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut chars = self.name.chars();
        let plain = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || c == '_')
            && !RESERVED.contains(&self.name.as_str())
            && !OPERATORS.contains(&self.name.as_str());
        if plain || self.name == "$left" || self.name == "$right" {
            f.write_str(&self.name)
        } else {
            f.write_char('[')?;
            write_string(f, &self.name)?;
            f.write_char(']')
        }
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for l in &self.lets {
            write!(f, "{l} ")?;
        }
        write!(f, "{}", self.body)
    }
}

impl Display for Let {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            LetValue::Scalar(e) => write!(f, "let {} = {e};", self.name),
            LetValue::Tabular(t) => write!(f, "let {} = {t};", self.name),
        }
    }
}

/// A tabular expression as an operand: a bare name when it is one, else parenthesised.
struct Operand<'a>(&'a TabularExpr);

impl Display for Operand<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match (&self.0.source, self.0.ops.is_empty()) {
            (Source::Name(n), true) => write!(f, "{n}"),
            _ => write!(f, "({})", self.0),
        }
    }
}

impl Display for TabularExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::Name(n) => write!(f, "{n}")?,
            Source::Union(u) => write!(f, "{u}")?,
            Source::Nested(t) => write!(f, "({t})")?,
        }
        for op in &self.ops {
            write!(f, " | {op}")?;
        }
        Ok(())
    }
}

impl Display for Union {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("union ")?;
        if self.inner {
            f.write_str("kind=inner ")?;
        }
        if let Some(w) = &self.with_source {
            write!(f, "withsource={w} ")?;
        }
        write_list(f, &self.tables, |f, t| write!(f, "{}", Operand(t)))
    }
}

impl Display for Assignment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(n) = &self.name {
            write!(f, "{n} = ")?;
        }
        write!(f, "{}", self.expr)
    }
}

impl Display for SortKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.expr,
            if self.order == Order::Asc {
                "asc"
            } else {
                "desc"
            }
        )?;
        match self.nulls {
            Some(Nulls::First) => f.write_str(" nulls first"),
            Some(Nulls::Last) => f.write_str(" nulls last"),
            None => Ok(()),
        }
    }
}

impl Display for JoinKey {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.left.name == self.right.name {
            write!(f, "{}", self.left)
        } else {
            write!(f, "$left.{} == $right.{}", self.left, self.right)
        }
    }
}

impl Display for MvExpandItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.column)?;
        if let Some(t) = &self.to_type {
            write!(f, " to typeof({t})")?;
        }
        Ok(())
    }
}

impl Display for Operator {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Where { predicate, .. } => write!(f, "where {predicate}"),
            Self::Project { columns, .. } => {
                f.write_str("project ")?;
                write_list(f, columns, |f, c| write!(f, "{c}"))
            }
            Self::ProjectAway { columns, .. } => {
                f.write_str("project-away ")?;
                write_list(f, columns, |f, c| write!(f, "{c}"))
            }
            Self::ProjectRename { renames, .. } => {
                f.write_str("project-rename ")?;
                write_list(f, renames, |f, (new, old)| write!(f, "{new} = {old}"))
            }
            Self::Extend { columns, .. } => {
                f.write_str("extend ")?;
                write_list(f, columns, |f, c| write!(f, "{c}"))
            }
            Self::Summarize { aggs, by, .. } => {
                f.write_str("summarize")?;
                if !aggs.is_empty() {
                    f.write_char(' ')?;
                    write_list(f, aggs, |f, c| write!(f, "{c}"))?;
                }
                if !by.is_empty() {
                    f.write_str(" by ")?;
                    write_list(f, by, |f, c| write!(f, "{c}"))?;
                }
                Ok(())
            }
            Self::Sort { keys, .. } => {
                f.write_str("sort by ")?;
                write_list(f, keys, |f, k| write!(f, "{k}"))
            }
            Self::Take { count, .. } => write!(f, "take {count}"),
            Self::Top { count, key, .. } => write!(f, "top {count} by {key}"),
            Self::Distinct { columns, .. } => {
                f.write_str("distinct ")?;
                if columns.is_empty() {
                    return f.write_char('*');
                }
                write_list(f, columns, |f, c| write!(f, "{c}"))
            }
            Self::Count { .. } => f.write_str("count"),
            Self::Join {
                kind, right, on, ..
            } => {
                write!(f, "join kind={} {} on ", kind.keyword(), Operand(right))?;
                write_list(f, on, |f, k| write!(f, "{k}"))
            }
            Self::Union(u) => write!(f, "{u}"),
            Self::MvExpand { items, limit, .. } => {
                f.write_str("mv-expand ")?;
                write_list(f, items, |f, i| write!(f, "{i}"))?;
                if let Some(n) = limit {
                    write!(f, " limit {n}")?;
                }
                Ok(())
            }
            Self::Parse {
                kind,
                expr,
                pattern,
                ..
            } => {
                f.write_str("parse ")?;
                match kind {
                    ParseKind::Simple => {}
                    ParseKind::Regex => f.write_str("kind=regex ")?,
                    ParseKind::Relaxed => f.write_str("kind=relaxed ")?,
                }
                write!(f, "{expr} with")?;
                for part in pattern {
                    f.write_char(' ')?;
                    match part {
                        ParsePart::Literal(s) => write_string(f, s)?,
                        ParsePart::Wildcard => f.write_char('*')?,
                        ParsePart::Column { name, ty } => {
                            write!(f, "{name}")?;
                            if let Some(t) = ty {
                                write!(f, ":{t}")?;
                            }
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

fn write_timespan(f: &mut Formatter<'_>, nanos: i64) -> fmt::Result {
    const UNITS: &[(i64, &str)] = &[
        (86_400_000_000_000, "d"),
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1_000, "microsecond"),
    ];
    if nanos == 0 {
        return f.write_str("0s");
    }
    for (size, unit) in UNITS {
        if nanos % size == 0 {
            return write!(f, "{}{unit}", nanos / size);
        }
    }
    write!(f, "{}tick", nanos / 100)
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(n) => write!(f, "{n}"),
            Self::Real(v) => write!(f, "{v:?}"),
            Self::Str(s) => write_string(f, s),
            Self::Timespan(n) => write_timespan(f, *n),
            Self::DateTime(None) => f.write_str("datetime(null)"),
            Self::DateTime(Some(dt)) => {
                write!(f, "datetime({})", dt.format("%Y-%m-%dT%H:%M:%S%.fZ"))
            }
            Self::Dynamic(v) => write!(f, "dynamic({v})"),
        }
    }
}

/// Precedence of an expression as an operand: atoms 10, unary 6, binary per operator,
/// `in`/`between` 3.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => op.precedence(),
        Expr::In { .. } | Expr::Between { .. } => 3,
        Expr::Unary { .. } => 6,
        // A negative literal prints with a leading '-' like a unary minus.
        Expr::Literal {
            value: Literal::Int(n),
            ..
        } if *n < 0 => 6,
        Expr::Literal {
            value: Literal::Real(v),
            ..
        } if *v < 0.0 => 6,
        Expr::Literal {
            value: Literal::Timespan(n),
            ..
        } if *n < 0 => 6,
        _ => 10,
    }
}

/// `e`, parenthesised if it binds looser than `min`.
struct Operand2<'a>(&'a Expr, u8);

impl Display for Operand2<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if precedence(self.0) < self.1 {
            write!(f, "({})", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Literal { value, .. } => write!(f, "{value}"),
            Self::Column(n) => write!(f, "{n}"),
            Self::Star { .. } => f.write_char('*'),
            Self::Unary {
                op: UnaryOp::Neg,
                expr,
                ..
            } => write!(f, "-{}", Operand2(expr, 6)),
            Self::Binary { op, lhs, rhs, .. } => {
                let p = op.precedence();
                write!(
                    f,
                    "{} {} {}",
                    Operand2(lhs, p),
                    op.symbol(),
                    Operand2(rhs, p + 1)
                )
            }
            Self::In { op, expr, list, .. } => {
                write!(f, "{} {} (", Operand2(expr, 3), op.keyword())?;
                match list {
                    InList::Values(v) => write_list(f, v, |f, e| write!(f, "{e}"))?,
                    InList::Query(q) => write!(f, "{q}")?,
                }
                f.write_char(')')
            }
            Self::Between {
                expr,
                lo,
                hi,
                negated,
                ..
            } => {
                let kw = if *negated { "!between" } else { "between" };
                write!(f, "{} {kw} ({} .. {})", Operand2(expr, 3), lo, hi)
            }
            Self::Call { name, args, .. } => {
                // Function names are never bracketed (`count` is also an operator).
                write!(f, "{}(", name.name)?;
                write_list(f, args, |f, e| write!(f, "{e}"))?;
                f.write_char(')')
            }
            Self::Member { expr, name, .. } => write!(f, "{}.{name}", Operand2(expr, 10)),
            Self::Index { expr, index, .. } => write!(f, "{}[{index}]", Operand2(expr, 10)),
        }
    }
}
