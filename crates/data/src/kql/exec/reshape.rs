//! `parse` (text → new columns, by a pattern) and `mv-expand` (one row per list element).
//! `mv-expand` works on list columns (from `split`, `make_list`, `make_set`) and on dynamic
//! values held as JSON text (see `dynamic`).

use polars::prelude::{DataType, ExplodeOptions, LazyFrame, Schema, cols};

use super::Exec;
use super::dynamic;
use super::strings;
use crate::kql::KqlError;
use crate::kql::ast::Expr;
use crate::kql::ast::{MvExpandItem, ParseKind, ParsePart, Span};

/// The polars type for a `parse` capture type or `mv-expand … to typeof(…)`.
fn kql_type(name: &str) -> Option<DataType> {
    Some(match name {
        "string" => DataType::String,
        "int" => DataType::Int32,
        "long" => DataType::Int64,
        "real" | "double" => DataType::Float64,
        "bool" | "boolean" => DataType::Boolean,
        "datetime" | "date" => super::scalar::datetime_type(),
        _ => return None,
    })
}

impl Exec<'_> {
    /// `parse [kind=simple|regex|relaxed] expr with pattern`: a regex is built from the
    /// pattern (literals escaped unless `kind=regex`; `*` skips lazily; a column captures
    /// lazily, or the rest of the text when it is last) and each column is one capture group.
    /// A row that does not match gets nulls.
    pub(crate) fn parse_op(
        &self,
        lf: LazyFrame,
        kind: ParseKind,
        expr: &Expr,
        pattern: &[ParsePart],
        span: Span,
        schema: &Schema,
    ) -> Result<LazyFrame, KqlError> {
        let text = self.scalar(expr, schema)?;
        let mut re = String::from("(?s)^");
        let mut columns = Vec::new();
        for (i, part) in pattern.iter().enumerate() {
            let last = i + 1 == pattern.len();
            match part {
                ParsePart::Literal(s) if kind == ParseKind::Regex => re.push_str(s),
                ParsePart::Literal(s) => re.push_str(&regex::escape(s)),
                ParsePart::Wildcard => re.push_str(".*?"),
                ParsePart::Column { name, ty } => {
                    let dtype = match ty.as_deref() {
                        None => DataType::String,
                        Some(t) => kql_type(t).ok_or_else(|| {
                            self.err(name.span, format!("parse: type '{t}' is not supported yet"))
                        })?,
                    };
                    let capture = match &dtype {
                        DataType::Int32 | DataType::Int64 => r"([-+]?\d+)",
                        DataType::Float64 => r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)",
                        _ if last => "(.*)",
                        _ => "(.*?)",
                    };
                    re.push_str(capture);
                    columns.push((name.name.clone(), dtype));
                }
            }
        }
        let re = regex::Regex::new(&re).map_err(|e| {
            self.err(
                span,
                format!("parse: the pattern is not a valid regex: {e}"),
            )
        })?;
        let exprs: Vec<_> = columns
            .iter()
            .enumerate()
            .map(|(i, (name, dtype))| {
                let captured = strings::extract(text.clone(), re.clone(), i + 1);
                let typed = match dtype {
                    DataType::String => captured,
                    DataType::Datetime(..) => self.to_datetime_expr(captured),
                    other => captured.cast(other.clone()),
                };
                typed.alias(name.as_str())
            })
            .collect();
        Ok(lf.with_columns(exprs))
    }

    /// `mv-expand a, b = expr [to typeof(t)]`: the list columns are exploded together.
    pub(crate) fn mv_expand(
        &self,
        mut lf: LazyFrame,
        items: &[MvExpandItem],
        limit: Option<u64>,
        span: Span,
        schema: &Schema,
    ) -> Result<LazyFrame, KqlError> {
        let mut names = Vec::new();
        let mut casts = Vec::new();
        for item in items {
            let name = match (&item.column.name, &item.column.expr) {
                (Some(n), _) => n.name.clone(),
                (None, Expr::Column(c)) => c.name.clone(),
                (None, other) => {
                    return Err(self.err(
                        other.span(),
                        "mv-expand: name the expanded expression (Name = expr)",
                    ));
                }
            };
            lf = lf.with_column(self.scalar(&item.column.expr, schema)?.alias(name.as_str()));
            let mut dtype = self.schema(&mut lf, span)?.get(&name).cloned();
            if dtype == Some(DataType::String) {
                // A dynamic value (JSON text): expand its array.
                lf = lf.with_column(
                    dynamic::json_array_to_list(polars::prelude::col(name.as_str()))
                        .alias(name.as_str()),
                );
                dtype = Some(DataType::List(Box::new(DataType::String)));
            }
            if !matches!(dtype, Some(DataType::List(_))) {
                return Err(self.err(
                    item.column.expr.span(),
                    format!("mv-expand: '{name}' is not a list or dynamic (JSON text) value"),
                ));
            }
            if let Some(n) = limit {
                // `limit n`: at most n rows per input row.
                let n = i64::try_from(n).unwrap_or(i64::MAX);
                let head = polars::prelude::col(name.as_str())
                    .list()
                    .head(polars::prelude::lit(n));
                lf = lf.with_column(head.alias(name.as_str()));
            }
            if let Some(t) = &item.to_type {
                let dtype = kql_type(t).ok_or_else(|| {
                    self.err(span, format!("mv-expand: type '{t}' is not supported yet"))
                })?;
                casts.push(polars::prelude::col(name.as_str()).cast(dtype));
            }
            names.push(name);
        }
        let options = ExplodeOptions {
            empty_as_null: true,
            keep_nulls: true,
        };
        let lf = lf.explode(cols(names), options);
        Ok(if casts.is_empty() {
            lf
        } else {
            lf.with_columns(casts)
        })
    }
}
