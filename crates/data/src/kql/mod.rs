//! A KQL (Kusto Query Language) front end: a hand-written lexer and recursive-descent parser
//! that turn a query in the supported subset into a typed syntax tree ([`Query`]), the input
//! of the polars executor that runs KQL over local tables.
//!
//! ```
//! use data::kql::{self, Operator};
//!
//! let query = kql::parse(
//!     "let since = ago(1d);
//!      SecurityEvent
//!      | where TimeGenerated > since and EventID in (4624, 4625)
//!      | summarize Logons = count() by Account, bin(TimeGenerated, 1h)
//!      | top 10 by Logons",
//! )?;
//! assert_eq!(query.lets.len(), 1);
//! assert!(matches!(query.body.ops[1], Operator::Summarize { .. }));
//! // Display prints normalised KQL that parses back to the same tree.
//! assert_eq!(
//!     query.to_string(),
//!     "let since = ago(1d); SecurityEvent | where TimeGenerated > since and EventID in (4624, 4625) \
//!      | summarize Logons = count() by Account, bin(TimeGenerated, 1h) | top 10 by Logons desc"
//! );
//!
//! // Anything outside the subset is an error naming the operator and its position.
//! let err = kql::parse("SecurityEvent\n| render timechart").unwrap_err();
//! assert_eq!((err.line, err.column), (2, 3));
//! assert!(err.message.starts_with("operator 'render' is not supported"));
//! # Ok::<(), kql::KqlError>(())
//! ```
//!
//! The subset: statements `let name = scalar;` and `let T = tabular;` then one tabular
//! expression (a table name, `union …` or `( … )`) followed by `| operator` steps —
//! see [`OPERATORS`], [`SCALAR_FUNCTIONS`] and [`AGGREGATE_FUNCTIONS`] (the latter only in
//! `summarize`). Scalars: `or` < `and` < comparisons and string operators (`==` `!=` `=~`
//! `!~` `<` `<=` `>` `>=`, `has`, `contains`, `startswith`, `endswith`, `hasprefix`,
//! `hassuffix` with `!` and `_cs` forms, `matches regex`, `in`, `!in`, `in~`, `!in~`,
//! `has_any`, `has_all`, `between`, `!between`) < `+ -` < `* / %` < unary `-` < `.prop` and
//! `[index]`. Literals: strings (`"…"`, `'…'`, `@"…"` verbatim, `h"…"`), integers, reals,
//! `true`/`false`, timespans (`1d`, `30m`, `100ms`, `timespan(01:00:00)`),
//! `datetime(2024-01-01T00:00:00Z)`, `datetime(null)`, `dynamic([…])`/`dynamic({…})`.
//! Names may be bracketed (`['odd name']`); `//` starts a comment.

mod ast;
mod display;
mod error;
mod exec;
mod lexer;
mod parser;
mod token;

pub use ast::{
    AGGREGATE_FUNCTIONS, Assignment, BinaryOp, Expr, InList, InOp, JoinKey, JoinKind, Let,
    LetValue, Literal, MvExpandItem, Name, Nulls, OPERATORS, Operator, Order, ParseKind, ParsePart,
    Query, SCALAR_FUNCTIONS, SortKey, Source, Span, TabularExpr, UnaryOp, Union,
};
pub use error::KqlError;
pub use exec::{ExecOptions, Tables, plan, plan_query, run, write_csv, write_json_lines};
pub use parser::MAX_DEPTH;

/// Parse a KQL query in the supported subset into its syntax tree.
///
/// # Errors
/// A [`KqlError`] with the position of the first token that is malformed or outside the
/// subset (unsupported operators and functions are named).
pub fn parse(text: &str) -> Result<Query, KqlError> {
    parser::parse_query(text)
}

#[cfg(test)]
mod tests;
