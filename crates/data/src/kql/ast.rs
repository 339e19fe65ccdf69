//! The typed syntax tree: a [`Query`] of `let` statements and a tabular expression. Every
//! node carries the [`Span`] of the text it came from.

use chrono::{DateTime, Utc};

/// Byte offsets `start..end` of a piece of the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A column, table, `let` or function name (`Name`, `['odd name']`, `$left`).
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    /// The name, without brackets or quotes.
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A whole query: `let` statements, then one tabular expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The `let` statements, in order.
    pub lets: Vec<Let>,
    /// The tabular expression whose result is the query's result.
    pub body: TabularExpr,
}

/// `let name = value;`
#[derive(Debug, Clone, PartialEq)]
pub struct Let {
    /// The bound name.
    pub name: Name,
    /// The bound value.
    pub value: LetValue,
    /// The whole statement.
    pub span: Span,
}

/// What a `let` binds.
#[derive(Debug, Clone, PartialEq)]
pub enum LetValue {
    /// A scalar: `let since = ago(1d);`
    Scalar(Expr),
    /// A table: `let T = SecurityEvent | where EventID == 4624;`
    Tabular(TabularExpr),
}

/// A source followed by `| operator` steps.
#[derive(Debug, Clone, PartialEq)]
pub struct TabularExpr {
    /// Where the rows come from.
    pub source: Source,
    /// The piped operators, in order.
    pub ops: Vec<Operator>,
    /// The whole expression.
    pub span: Span,
}

/// The start of a tabular expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A table or a tabular `let` name.
    Name(Name),
    /// `union T1, (T2 | …)`
    Union(Union),
    /// `( tabular expression )`
    Nested(Box<TabularExpr>),
}

/// The arguments of `union`, as a source or as an operator (where the piped input is the
/// first table).
#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// `kind=inner` keeps only common columns; the default (`outer`) keeps all.
    pub inner: bool,
    /// `withsource=Column`: add a column naming each row's table.
    pub with_source: Option<Name>,
    /// The tables (names or parenthesised tabular expressions).
    pub tables: Vec<TabularExpr>,
    /// The union's text.
    pub span: Span,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `asc`
    Asc,
    /// `desc` (KQL's default for `sort` and `top`).
    Desc,
}

/// Where nulls go in a sort; `None` in [`SortKey`] means KQL's default (first for `asc`,
/// last for `desc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// `nulls first`
    First,
    /// `nulls last`
    Last,
}

/// One `sort by` / `top … by` key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The sort expression.
    pub expr: Expr,
    /// Direction.
    pub order: Order,
    /// Explicit null placement, if written.
    pub nulls: Option<Nulls>,
}

/// A possibly named expression: `Name = expr` or `expr` (as in `project`, `extend`,
/// `summarize`).
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The output column name, if given.
    pub name: Option<Name>,
    /// The value.
    pub expr: Expr,
}

/// `join` flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// `innerunique`, the default: dedupe the left side on the keys, then inner join.
    InnerUnique,
    /// `inner`
    Inner,
    /// `leftouter`
    LeftOuter,
    /// `rightouter`
    RightOuter,
    /// `fullouter`
    FullOuter,
    /// `leftsemi`
    LeftSemi,
    /// `leftanti` (also written `anti`, `leftantisemi`)
    LeftAnti,
    /// `rightsemi`
    RightSemi,
    /// `rightanti` (also `rightantisemi`)
    RightAnti,
}

impl JoinKind {
    /// The keyword after `kind=`.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::InnerUnique => "innerunique",
            Self::Inner => "inner",
            Self::LeftOuter => "leftouter",
            Self::RightOuter => "rightouter",
            Self::FullOuter => "fullouter",
            Self::LeftSemi => "leftsemi",
            Self::LeftAnti => "leftanti",
            Self::RightSemi => "rightsemi",
            Self::RightAnti => "rightanti",
        }
    }

    /// The kind for a `kind=` keyword.
    pub fn from_keyword(word: &str) -> Option<Self> {
        Some(match word {
            "innerunique" => Self::InnerUnique,
            "inner" => Self::Inner,
            "leftouter" => Self::LeftOuter,
            "rightouter" => Self::RightOuter,
            "fullouter" => Self::FullOuter,
            "leftsemi" => Self::LeftSemi,
            "leftanti" | "anti" | "leftantisemi" => Self::LeftAnti,
            "rightsemi" => Self::RightSemi,
            "rightanti" | "rightantisemi" => Self::RightAnti,
            _ => return None,
        })
    }
}

/// A `join … on` key: `Col` (same name both sides) or `$left.A == $right.B`.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinKey {
    /// Column of the left (piped) side.
    pub left: Name,
    /// Column of the right side.
    pub right: Name,
    /// The key's text.
    pub span: Span,
}

/// `parse` flavours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseKind {
    /// `kind=simple` (the default): literal delimiters, typed captures must convert.
    Simple,
    /// `kind=regex`: the pattern pieces are regular expressions.
    Regex,
    /// `kind=relaxed`: like simple, failed conversions give nulls.
    Relaxed,
}

/// One piece of a `parse … with` pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsePart {
    /// A string to match.
    Literal(String),
    /// `*`: skip anything.
    Wildcard,
    /// A capture into a new column, optionally typed (`Port:int`).
    Column {
        /// The new column.
        name: Name,
        /// The type after `:` (`string`, `int`, `long`, `real`, `datetime`, …).
        ty: Option<String>,
    },
}

/// One `mv-expand` column.
#[derive(Debug, Clone, PartialEq)]
pub struct MvExpandItem {
    /// `Name = expr` or a bare column.
    pub column: Assignment,
    /// `to typeof(type)`, if given.
    pub to_type: Option<String>,
}

/// A piped tabular operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    /// `where predicate` (also `filter`).
    Where {
        /// The predicate.
        predicate: Expr,
        /// The operator's text.
        span: Span,
    },
    /// `project a, b = expr`
    Project {
        /// Output columns.
        columns: Vec<Assignment>,
        /// The operator's text.
        span: Span,
    },
    /// `project-away a, b`
    ProjectAway {
        /// Columns to drop.
        columns: Vec<Name>,
        /// The operator's text.
        span: Span,
    },
    /// `project-rename new = old, …`
    ProjectRename {
        /// `(new, old)` pairs.
        renames: Vec<(Name, Name)>,
        /// The operator's text.
        span: Span,
    },
    /// `extend a = expr, …`
    Extend {
        /// New or replaced columns.
        columns: Vec<Assignment>,
        /// The operator's text.
        span: Span,
    },
    /// `summarize aggs by keys`
    Summarize {
        /// Aggregations (may be empty: `summarize by x`).
        aggs: Vec<Assignment>,
        /// Group keys (may be empty).
        by: Vec<Assignment>,
        /// The operator's text.
        span: Span,
    },
    /// `sort by …` / `order by …`
    Sort {
        /// Keys, most significant first.
        keys: Vec<SortKey>,
        /// The operator's text.
        span: Span,
    },
    /// `take n` / `limit n`
    Take {
        /// Row count.
        count: u64,
        /// The operator's text.
        span: Span,
    },
    /// `top n by key`
    Top {
        /// Row count.
        count: u64,
        /// The ranking key.
        key: SortKey,
        /// The operator's text.
        span: Span,
    },
    /// `distinct a, b` or `distinct *` (empty `columns`).
    Distinct {
        /// The columns; empty for `*`.
        columns: Vec<Expr>,
        /// The operator's text.
        span: Span,
    },
    /// `count`
    Count {
        /// The operator's text.
        span: Span,
    },
    /// `join kind=… (right) on keys`
    Join {
        /// Join flavour.
        kind: JoinKind,
        /// The right side.
        right: Box<TabularExpr>,
        /// Key pairs.
        on: Vec<JoinKey>,
        /// The operator's text.
        span: Span,
    },
    /// `union T2, …` (the piped input is the first table).
    Union(Union),
    /// `mv-expand col, … [limit n]`
    MvExpand {
        /// Columns expanded together.
        items: Vec<MvExpandItem>,
        /// `limit n`, if given.
        limit: Option<u64>,
        /// The operator's text.
        span: Span,
    },
    /// `parse [kind=…] expr with pattern`
    Parse {
        /// Flavour.
        kind: ParseKind,
        /// The text to parse.
        expr: Expr,
        /// The pattern pieces.
        pattern: Vec<ParsePart>,
        /// The operator's text.
        span: Span,
    },
}

impl Operator {
    /// The operator's text.
    pub fn span(&self) -> Span {
        match self {
            Self::Where { span, .. }
            | Self::Project { span, .. }
            | Self::ProjectAway { span, .. }
            | Self::ProjectRename { span, .. }
            | Self::Extend { span, .. }
            | Self::Summarize { span, .. }
            | Self::Sort { span, .. }
            | Self::Take { span, .. }
            | Self::Top { span, .. }
            | Self::Distinct { span, .. }
            | Self::Count { span }
            | Self::Join { span, .. }
            | Self::MvExpand { span, .. }
            | Self::Parse { span, .. } => *span,
            Self::Union(u) => u.span,
        }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `true` / `false`
    Bool(bool),
    /// An integer (`long`).
    Int(i64),
    /// A real.
    Real(f64),
    /// A string.
    Str(String),
    /// A timespan, in nanoseconds (a multiple of 100, KQL's tick).
    Timespan(i64),
    /// `datetime(…)`; `None` for `datetime(null)`.
    DateTime(Option<DateTime<Utc>>),
    /// `dynamic(…)`
    Dynamic(serde_json::Value),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
}

/// Binary operators, from `or` (loosest) to `*` (tightest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `=~`: case-insensitive equality.
    EqCi,
    /// `!~`
    NotEqCi,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `has`
    Has,
    /// `!has`
    NotHas,
    /// `has_cs`
    HasCs,
    /// `!has_cs`
    NotHasCs,
    /// `hasprefix`
    HasPrefix,
    /// `!hasprefix`
    NotHasPrefix,
    /// `hassuffix`
    HasSuffix,
    /// `!hassuffix`
    NotHasSuffix,
    /// `contains`
    Contains,
    /// `!contains`
    NotContains,
    /// `contains_cs`
    ContainsCs,
    /// `!contains_cs`
    NotContainsCs,
    /// `startswith`
    StartsWith,
    /// `!startswith`
    NotStartsWith,
    /// `startswith_cs`
    StartsWithCs,
    /// `!startswith_cs`
    NotStartsWithCs,
    /// `endswith`
    EndsWith,
    /// `!endswith`
    NotEndsWith,
    /// `endswith_cs`
    EndsWithCs,
    /// `!endswith_cs`
    NotEndsWithCs,
    /// `matches regex`
    MatchesRegex,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

/// Every binary operator with its KQL spelling.
pub(crate) const BINARY_OPS: &[(BinaryOp, &str)] = &[
    (BinaryOp::Or, "or"),
    (BinaryOp::And, "and"),
    (BinaryOp::Eq, "=="),
    (BinaryOp::NotEq, "!="),
    (BinaryOp::EqCi, "=~"),
    (BinaryOp::NotEqCi, "!~"),
    (BinaryOp::Lt, "<"),
    (BinaryOp::Le, "<="),
    (BinaryOp::Gt, ">"),
    (BinaryOp::Ge, ">="),
    (BinaryOp::Has, "has"),
    (BinaryOp::NotHas, "!has"),
    (BinaryOp::HasCs, "has_cs"),
    (BinaryOp::NotHasCs, "!has_cs"),
    (BinaryOp::HasPrefix, "hasprefix"),
    (BinaryOp::NotHasPrefix, "!hasprefix"),
    (BinaryOp::HasSuffix, "hassuffix"),
    (BinaryOp::NotHasSuffix, "!hassuffix"),
    (BinaryOp::Contains, "contains"),
    (BinaryOp::NotContains, "!contains"),
    (BinaryOp::ContainsCs, "contains_cs"),
    (BinaryOp::NotContainsCs, "!contains_cs"),
    (BinaryOp::StartsWith, "startswith"),
    (BinaryOp::NotStartsWith, "!startswith"),
    (BinaryOp::StartsWithCs, "startswith_cs"),
    (BinaryOp::NotStartsWithCs, "!startswith_cs"),
    (BinaryOp::EndsWith, "endswith"),
    (BinaryOp::NotEndsWith, "!endswith"),
    (BinaryOp::EndsWithCs, "endswith_cs"),
    (BinaryOp::NotEndsWithCs, "!endswith_cs"),
    (BinaryOp::MatchesRegex, "matches regex"),
    (BinaryOp::Add, "+"),
    (BinaryOp::Sub, "-"),
    (BinaryOp::Mul, "*"),
    (BinaryOp::Div, "/"),
    (BinaryOp::Mod, "%"),
];

impl BinaryOp {
    /// How the operator is written.
    pub fn symbol(self) -> &'static str {
        BINARY_OPS
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("?", |(_, s)| s)
    }

    /// Binding power: higher binds tighter (or 1, and 2, comparisons 3, `+ -` 4, `* / %` 5).
    pub fn precedence(self) -> u8 {
        match self {
            Self::Or => 1,
            Self::And => 2,
            Self::Add | Self::Sub => 4,
            Self::Mul | Self::Div | Self::Mod => 5,
            _ => 3,
        }
    }
}

/// Set-membership operators: `in`, `!in`, `in~`, `!in~`, `has_any`, `has_all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InOp {
    /// `in` (case-sensitive)
    In,
    /// `!in`
    NotIn,
    /// `in~` (case-insensitive)
    InCi,
    /// `!in~`
    NotInCi,
    /// `has_any`: has any of the terms.
    HasAny,
    /// `has_all`: has all of the terms.
    HasAll,
}

impl InOp {
    /// How the operator is written.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::NotIn => "!in",
            Self::InCi => "in~",
            Self::NotInCi => "!in~",
            Self::HasAny => "has_any",
            Self::HasAll => "has_all",
        }
    }

    /// The operator for a keyword.
    pub fn from_keyword(word: &str) -> Option<Self> {
        Some(match word {
            "in" => Self::In,
            "!in" => Self::NotIn,
            "in~" => Self::InCi,
            "!in~" => Self::NotInCi,
            "has_any" => Self::HasAny,
            "has_all" => Self::HasAll,
            _ => return None,
        })
    }
}

/// The right-hand side of an [`InOp`].
#[derive(Debug, Clone, PartialEq)]
pub enum InList {
    /// `(a, b, c)`; an element may be a `dynamic` array or a `let` name.
    Values(Vec<Expr>),
    /// `(T | project x)`: the first column of a tabular expression.
    Query(Box<TabularExpr>),
}

/// A scalar expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Literal {
        /// The value.
        value: Literal,
        /// Its text.
        span: Span,
    },
    /// A column or scalar `let` name.
    Column(Name),
    /// `*` as a function argument (`arg_max(TimeGenerated, *)`).
    Star {
        /// Its text.
        span: Span,
    },
    /// `-x`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
        /// The expression's text.
        span: Span,
    },
    /// `lhs op rhs`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
        /// The expression's text.
        span: Span,
    },
    /// `expr in (…)` and friends.
    In {
        /// The operator.
        op: InOp,
        /// The tested value.
        expr: Box<Expr>,
        /// The set.
        list: InList,
        /// The expression's text.
        span: Span,
    },
    /// `expr between (lo .. hi)` / `!between`
    Between {
        /// The tested value.
        expr: Box<Expr>,
        /// Inclusive lower bound.
        lo: Box<Expr>,
        /// Inclusive upper bound.
        hi: Box<Expr>,
        /// `!between`
        negated: bool,
        /// The expression's text.
        span: Span,
    },
    /// `name(args)`: a supported scalar or aggregation function.
    Call {
        /// The function.
        name: Name,
        /// The arguments.
        args: Vec<Expr>,
        /// The expression's text.
        span: Span,
    },
    /// `expr.name`: a dynamic property (or `$left.Col`).
    Member {
        /// The object.
        expr: Box<Expr>,
        /// The property.
        name: Name,
        /// The expression's text.
        span: Span,
    },
    /// `expr[index]`: a dynamic element or property.
    Index {
        /// The object.
        expr: Box<Expr>,
        /// The index or key.
        index: Box<Expr>,
        /// The expression's text.
        span: Span,
    },
}

impl Expr {
    /// The expression's text.
    pub fn span(&self) -> Span {
        match self {
            Self::Column(name) => name.span,
            Self::Literal { span, .. }
            | Self::Star { span }
            | Self::Unary { span, .. }
            | Self::Binary { span, .. }
            | Self::In { span, .. }
            | Self::Between { span, .. }
            | Self::Call { span, .. }
            | Self::Member { span, .. }
            | Self::Index { span, .. } => *span,
        }
    }
}

/// Scalar functions the parser accepts.
pub const SCALAR_FUNCTIONS: &[&str] = &[
    "ago",
    "now",
    "todatetime",
    "tolower",
    "toupper",
    "strcat",
    "strlen",
    "substring",
    "split",
    "extract",
    "isnotempty",
    "isempty",
    "isnull",
    "isnotnull",
    "iff",
    "iif",
    "tostring",
    "toint",
    "tolong",
    "toreal",
    "todouble",
    "parse_json",
    "todynamic",
    "bin",
    "not",
    "log",
    "log10",
    "log2",
    "exp",
    "exp2",
    "exp10",
    "sqrt",
    "pow",
    "abs",
    "round",
    "ceiling",
];

/// Aggregation functions, accepted only in the aggregations of `summarize`.
pub const AGGREGATE_FUNCTIONS: &[&str] = &[
    "count",
    "countif",
    "dcount",
    "sum",
    "min",
    "max",
    "avg",
    "make_set",
    "make_list",
    "arg_max",
    "arg_min",
];

/// Tabular operators the parser accepts (after `|`).
pub const OPERATORS: &[&str] = &[
    "where",
    "filter",
    "project",
    "project-away",
    "project-rename",
    "extend",
    "summarize",
    "sort",
    "order",
    "take",
    "limit",
    "top",
    "distinct",
    "count",
    "join",
    "union",
    "mv-expand",
    "parse",
];
