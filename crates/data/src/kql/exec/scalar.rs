//! Scalar KQL expressions → polars expressions, resolved against the input's schema.

use chrono::{DateTime, Utc};
use polars::prelude::{DataType, Expr as PExpr, NULL, Schema, TimeUnit, TimeZone, col, lit, when};
use polars::prelude::{IntoSeries, NamedFrom, Series, StringNameSpaceImpl};

use super::Exec;
use super::dynamic::{self, Step};
use super::strings::{self, StrTest};
use crate::kql::KqlError;
use crate::kql::ast::{BinaryOp, Expr, InList, InOp, Literal, Span, UnaryOp};

/// KQL `datetime` as polars: nanoseconds since the epoch, UTC.
pub(crate) fn datetime_type() -> DataType {
    DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
}

/// A datetime literal.
pub(crate) fn datetime_lit(t: Option<DateTime<Utc>>) -> PExpr {
    match t.and_then(|t| t.timestamp_nanos_opt()) {
        Some(ns) => lit(ns).cast(datetime_type()),
        None => lit(NULL).cast(datetime_type()),
    }
}

/// A timespan literal (nanoseconds).
fn timespan_lit(ns: i64) -> PExpr {
    lit(ns).cast(DataType::Duration(TimeUnit::Nanoseconds))
}

impl Exec<'_> {
    /// The constant string value of `e` (a string literal or a `let` bound to one).
    pub(crate) fn const_str(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Literal {
                value: Literal::Str(s),
                ..
            } => Some(s.clone()),
            Expr::Column(name) => self.scalar_consts.get(&name.name).and_then(|l| match l {
                Literal::Str(s) => Some(s.clone()),
                _ => None,
            }),
            _ => None,
        }
    }

    /// The constant literal value of `e`, following scalar `let`s.
    pub(crate) fn const_lit(&self, e: &Expr) -> Option<Literal> {
        match e {
            Expr::Literal { value, .. } => Some(value.clone()),
            Expr::Column(name) => self.scalar_consts.get(&name.name).cloned(),
            Expr::Unary {
                op: UnaryOp::Neg,
                expr,
                ..
            } => match self.const_lit(expr)? {
                Literal::Int(i) => Some(Literal::Int(-i)),
                Literal::Real(r) => Some(Literal::Real(-r)),
                Literal::Timespan(t) => Some(Literal::Timespan(-t)),
                _ => None,
            },
            _ => None,
        }
    }

    fn need_str(&self, e: &Expr, what: &str) -> Result<String, KqlError> {
        self.const_str(e).ok_or_else(|| {
            self.err(
                e.span(),
                format!("{what}: only a constant string is supported here yet"),
            )
        })
    }

    /// Compiles a scalar expression over a frame with `schema`.
    pub(crate) fn scalar(&self, e: &Expr, schema: &Schema) -> Result<PExpr, KqlError> {
        match e {
            Expr::Literal { value, span } => self.literal(value, *span),
            Expr::Column(name) => {
                if schema.contains(&name.name) {
                    Ok(col(name.name.as_str()))
                } else if let Some(v) = self.scalars.get(&name.name) {
                    Ok(v.clone())
                } else if self.scalar_consts.contains_key(&name.name) {
                    Err(self.err(
                        name.span,
                        format!(
                            "'{}' is a dynamic value, usable only as the list of 'in' yet",
                            name.name
                        ),
                    ))
                } else {
                    Err(self.column_error(&name.name, name.span, schema))
                }
            }
            Expr::Star { span } => Err(self.err(*span, "'*' is only supported in arg_max/arg_min")),
            Expr::Unary { expr, .. } => Ok(-self.scalar(expr, schema)?),
            Expr::Binary { op, lhs, rhs, span } => self.binary(*op, lhs, rhs, *span, schema),
            Expr::In {
                op,
                expr,
                list,
                span,
            } => self.in_list(*op, expr, list, *span, schema),
            Expr::Between {
                expr,
                lo,
                hi,
                negated,
                ..
            } => {
                let x = self.scalar(expr, schema)?;
                let lo = self.scalar(lo, schema)?;
                let hi = self.scalar(hi, schema)?;
                let inside = x.clone().gt_eq(lo).and(x.lt_eq(hi));
                Ok(if *negated { inside.not() } else { inside })
            }
            Expr::Call { name, args, span } => self.call(&name.name, args, *span, schema),
            Expr::Member { expr, name, .. } => Ok(dynamic::lookup(
                self.scalar(expr, schema)?,
                Step::Key(name.name.clone()),
            )),
            Expr::Index { expr, index, span } => {
                let step = match self.const_lit(index) {
                    Some(Literal::Str(k)) => Step::Key(k),
                    Some(Literal::Int(i)) => Step::Index(i),
                    _ => {
                        return Err(
                            self.err(*span, "'[index]' needs a constant string or integer yet")
                        );
                    }
                };
                Ok(dynamic::lookup(self.scalar(expr, schema)?, step))
            }
        }
    }

    fn literal(&self, value: &Literal, span: Span) -> Result<PExpr, KqlError> {
        Ok(match value {
            Literal::Bool(b) => lit(*b),
            Literal::Int(i) => lit(*i),
            Literal::Real(r) => lit(*r),
            Literal::Str(s) => lit(s.clone()),
            Literal::Timespan(ns) => timespan_lit(*ns),
            Literal::DateTime(t) => datetime_lit(*t),
            Literal::Dynamic(_) => {
                return Err(self.err(
                    span,
                    "dynamic(...) values are only supported as the list of 'in' yet",
                ));
            }
        })
    }

    fn binary(
        &self,
        op: BinaryOp,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
        schema: &Schema,
    ) -> Result<PExpr, KqlError> {
        use BinaryOp as B;
        let str_op = match op {
            B::Has | B::NotHas => Some((StrTest::Has, false)),
            B::HasCs | B::NotHasCs => Some((StrTest::Has, true)),
            B::HasPrefix | B::NotHasPrefix => Some((StrTest::HasPrefix, false)),
            B::HasSuffix | B::NotHasSuffix => Some((StrTest::HasSuffix, false)),
            B::Contains | B::NotContains => Some((StrTest::Contains, false)),
            B::ContainsCs | B::NotContainsCs => Some((StrTest::Contains, true)),
            B::StartsWith | B::NotStartsWith => Some((StrTest::StartsWith, false)),
            B::StartsWithCs | B::NotStartsWithCs => Some((StrTest::StartsWith, true)),
            B::EndsWith | B::NotEndsWith => Some((StrTest::EndsWith, false)),
            B::EndsWithCs | B::NotEndsWithCs => Some((StrTest::EndsWith, true)),
            _ => None,
        };
        let l = self.scalar(lhs, schema)?;
        if let Some((test, cs)) = str_op {
            let needle = self.need_str(rhs, &format!("right side of '{}'", op.symbol()))?;
            let hit = strings::str_test(l, test, &needle, cs);
            let negated = op.symbol().starts_with('!');
            return Ok(if negated { hit.not() } else { hit });
        }
        if op == B::MatchesRegex {
            let pattern = self.need_str(rhs, "right side of 'matches regex'")?;
            let re = regex::Regex::new(&pattern)
                .map_err(|e| self.err(rhs.span(), format!("invalid regex: {e}")))?;
            return Ok(strings::matches_regex(l, re));
        }
        let mut r = self.scalar(rhs, schema)?;
        // `TimeGenerated > "2024-01-01"`: KQL converts the string to the column's type.
        if let (Expr::Column(c), Some(text)) = (lhs, self.const_str(rhs))
            && matches!(schema.get(&c.name), Some(DataType::Datetime(..)))
            && let Some(t) = parse_datetime(&text)
        {
            r = datetime_lit(Some(t));
        }
        Ok(match op {
            B::Or => l.or(r),
            B::And => l.and(r),
            B::Eq => l.eq(r),
            B::NotEq => l.neq(r),
            B::EqCi => lower(l).eq(lower(r)),
            B::NotEqCi => lower(l).neq(lower(r)),
            B::Lt => l.lt(r),
            B::Le => l.lt_eq(r),
            B::Gt => l.gt(r),
            B::Ge => l.gt_eq(r),
            B::Add => l + r,
            B::Sub => l - r,
            B::Mul => l * r,
            B::Div => truncated_div(l, r),
            B::Mod => truncated_rem(l, r),
            _ => {
                return Err(self.err(
                    span,
                    format!("operator '{}' is not supported yet", op.symbol()),
                ));
            }
        })
    }

    fn in_list(
        &self,
        op: InOp,
        expr: &Expr,
        list: &InList,
        span: Span,
        schema: &Schema,
    ) -> Result<PExpr, KqlError> {
        let x = self.scalar(expr, schema)?;
        let values: Vec<Literal> = match list {
            InList::Values(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.const_lit(item) {
                        Some(Literal::Dynamic(serde_json::Value::Array(a))) => {
                            for v in a {
                                out.push(json_literal(&v).ok_or_else(|| {
                                    self.err(item.span(), "only strings and numbers are supported in a dynamic 'in' list")
                                })?);
                            }
                        }
                        Some(l) => out.push(l),
                        None => {
                            return Err(self.err(
                                item.span(),
                                format!("'{}' needs constant values here", op.keyword()),
                            ));
                        }
                    }
                }
                out
            }
            InList::Query(q) => {
                let df = self
                    .tabular(q)?
                    .collect()
                    .map_err(|e| self.err(q.span, format!("running the 'in' subquery: {e}")))?;
                let Some(first) = df.columns().first() else {
                    return Ok(lit(false));
                };
                let series = first.as_materialized_series().clone();
                let ci = matches!(op, InOp::InCi | InOp::NotInCi);
                let (x, series) = if ci {
                    let lowered = series
                        .cast(&DataType::String)
                        .and_then(|s| {
                            let s = s.str()?.to_lowercase();
                            Ok(s.into_series())
                        })
                        .map_err(|e| {
                            self.err(q.span, format!("'{}' subquery: {e}", op.keyword()))
                        })?;
                    (lower(x), lowered)
                } else {
                    (x, series)
                };
                let hit = x.is_in(lit(series).implode(false), false);
                return Ok(match op {
                    InOp::In | InOp::InCi => hit,
                    InOp::NotIn | InOp::NotInCi => hit.not(),
                    InOp::HasAny | InOp::HasAll => {
                        return Err(self.err(
                            span,
                            format!("'{}' with a subquery is not supported yet", op.keyword()),
                        ));
                    }
                });
            }
        };
        let all_str = values.iter().all(|v| matches!(v, Literal::Str(_)));
        let series = |lower_case: bool| -> Result<Series, KqlError> {
            if all_str {
                let v: Vec<String> = values
                    .iter()
                    .filter_map(|v| match v {
                        Literal::Str(s) if lower_case => Some(s.to_lowercase()),
                        Literal::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
                Ok(Series::new("in".into(), v))
            } else if values.iter().all(|v| matches!(v, Literal::Int(_))) {
                let v: Vec<i64> = values
                    .iter()
                    .filter_map(|v| {
                        if let Literal::Int(i) = v {
                            Some(*i)
                        } else {
                            None
                        }
                    })
                    .collect();
                Ok(Series::new("in".into(), v))
            } else if values
                .iter()
                .all(|v| matches!(v, Literal::Int(_) | Literal::Real(_)))
            {
                let v: Vec<f64> = values
                    .iter()
                    .filter_map(|v| match v {
                        Literal::Int(i) => Some(*i as f64),
                        Literal::Real(r) => Some(*r),
                        _ => None,
                    })
                    .collect();
                Ok(Series::new("in".into(), v))
            } else {
                Err(self.err(
                    span,
                    format!(
                        "'{}' supports lists of only strings or only numbers yet",
                        op.keyword()
                    ),
                ))
            }
        };
        let cast = |x: PExpr| if all_str { x.cast(DataType::String) } else { x };
        Ok(match op {
            InOp::In => cast(x).is_in(lit(series(false)?).implode(false), false),
            InOp::NotIn => cast(x)
                .is_in(lit(series(false)?).implode(false), false)
                .not(),
            InOp::InCi => lower(x).is_in(lit(series(true)?).implode(false), false),
            InOp::NotInCi => lower(x)
                .is_in(lit(series(true)?).implode(false), false)
                .not(),
            InOp::HasAny | InOp::HasAll => {
                let mut acc: Option<PExpr> = None;
                for v in &values {
                    let Literal::Str(s) = v else {
                        return Err(self.err(span, format!("'{}' needs strings", op.keyword())));
                    };
                    let hit = strings::str_test(x.clone(), StrTest::Has, s, false);
                    acc = Some(match acc {
                        None => hit,
                        Some(a) if op == InOp::HasAny => a.or(hit),
                        Some(a) => a.and(hit),
                    });
                }
                acc.unwrap_or_else(|| lit(op == InOp::HasAll))
            }
        })
    }

    fn arity(
        &self,
        name: &str,
        args: &[Expr],
        span: Span,
        min: usize,
        max: usize,
    ) -> Result<(), KqlError> {
        if args.len() < min || args.len() > max {
            let want = if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            };
            return Err(self.err(
                span,
                format!("{name}() takes {want} argument(s), got {}", args.len()),
            ));
        }
        Ok(())
    }

    fn call(
        &self,
        name: &str,
        args: &[Expr],
        span: Span,
        schema: &Schema,
    ) -> Result<PExpr, KqlError> {
        let arg = |i: usize| self.scalar(&args[i], schema);
        match name {
            "now" => {
                self.arity(name, args, span, 0, 1)?;
                let now = datetime_lit(Some(self.now));
                Ok(if args.is_empty() { now } else { now + arg(0)? })
            }
            "ago" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(datetime_lit(Some(self.now)) - arg(0)?)
            }
            "todatetime" => {
                self.arity(name, args, span, 1, 1)?;
                if let Some(s) = self.const_str(&args[0]) {
                    return Ok(datetime_lit(parse_datetime(&s)));
                }
                Ok(self.to_datetime_expr(arg(0)?))
            }
            "tolower" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(lower(arg(0)?))
            }
            "toupper" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?.cast(DataType::String).str().to_uppercase())
            }
            "strcat" => {
                self.arity(name, args, span, 1, 64)?;
                let mut acc = lit("");
                for i in 0..args.len() {
                    acc = acc + arg(i)?.cast(DataType::String).fill_null(lit(""));
                }
                Ok(acc)
            }
            "strlen" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?
                    .cast(DataType::String)
                    .str()
                    .len_chars()
                    .cast(DataType::Int64))
            }
            "substring" => {
                self.arity(name, args, span, 2, 3)?;
                let len = if args.len() == 3 { arg(2)? } else { lit(NULL) };
                Ok(arg(0)?.cast(DataType::String).str().slice(arg(1)?, len))
            }
            "split" => {
                self.arity(name, args, span, 2, 3)?;
                let parts = arg(0)?.cast(DataType::String).str().split(arg(1)?);
                Ok(if args.len() == 3 {
                    parts.list().get(arg(2)?, true)
                } else {
                    parts
                })
            }
            "extract" => {
                self.arity(name, args, span, 3, 4)?;
                let pattern = self.need_str(&args[0], "extract() pattern")?;
                let re = regex::Regex::new(&pattern)
                    .map_err(|e| self.err(args[0].span(), format!("invalid regex: {e}")))?;
                let group = match self.const_lit(&args[1]) {
                    Some(Literal::Int(g)) if g >= 0 => g as usize,
                    _ => {
                        return Err(self.err(
                            args[1].span(),
                            "extract() capture group must be a non-negative integer constant",
                        ));
                    }
                };
                Ok(strings::extract(arg(2)?, re, group))
            }
            "isempty" | "isnotempty" => {
                self.arity(name, args, span, 1, 1)?;
                let empty = arg(0)?
                    .cast(DataType::String)
                    .fill_null(lit(""))
                    .eq(lit(""));
                Ok(if name == "isempty" {
                    empty
                } else {
                    empty.not()
                })
            }
            "isnull" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?.is_null())
            }
            "isnotnull" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?.is_not_null())
            }
            "iff" | "iif" => {
                self.arity(name, args, span, 3, 3)?;
                Ok(when(arg(0)?).then(arg(1)?).otherwise(arg(2)?))
            }
            "not" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?.not())
            }
            // Dynamic values are JSON text already (see `dynamic`).
            "parse_json" | "todynamic" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?.cast(DataType::String))
            }
            "tostring" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?.cast(DataType::String))
            }
            "toint" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(to_number(arg(0)?, DataType::Int32))
            }
            "tolong" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(to_number(arg(0)?, DataType::Int64))
            }
            "toreal" | "todouble" => {
                self.arity(name, args, span, 1, 1)?;
                Ok(arg(0)?.cast(DataType::Float64))
            }
            "bin" => {
                self.arity(name, args, span, 2, 2)?;
                let x = arg(0)?;
                match self.const_lit(&args[1]) {
                    Some(Literal::Timespan(ns)) if ns > 0 => Ok(x
                        .cast(datetime_type())
                        .dt()
                        .truncate(lit(format!("{ns}ns")))),
                    Some(Literal::Int(n)) if n > 0 => Ok(floor_to(x, lit(n))),
                    Some(Literal::Real(r)) if r > 0.0 => {
                        Ok(floor_to(x.cast(DataType::Float64), lit(r)))
                    }
                    _ => Err(self.err(
                        args[1].span(),
                        "bin() needs a positive constant timespan or number",
                    )),
                }
            }
            "log" | "log10" | "log2" | "exp" | "exp2" | "exp10" | "sqrt" | "abs" | "ceiling" => {
                self.arity(name, args, span, 1, 1)?;
                let f: fn(f64) -> Option<f64> = match name {
                    // KQL: null for a negative argument.
                    "log" => |x| (x >= 0.0).then(|| x.ln()),
                    "log10" => |x| (x >= 0.0).then(|| x.log10()),
                    "log2" => |x| (x >= 0.0).then(|| x.log2()),
                    "sqrt" => |x| (x >= 0.0).then(|| x.sqrt()),
                    "exp" => |x| Some(x.exp()),
                    "exp2" => |x| Some(x.exp2()),
                    "exp10" => |x| Some(10f64.powf(x)),
                    "abs" => |x| Some(x.abs()),
                    _ => |x| Some(x.ceil()),
                };
                Ok(real_map(arg(0)?, name, f))
            }
            "pow" => {
                self.arity(name, args, span, 2, 2)?;
                let exponent = match self.const_lit(&args[1]) {
                    Some(Literal::Int(n)) => n as f64,
                    Some(Literal::Real(r)) => r,
                    _ => {
                        return Err(self.err(
                            args[1].span(),
                            "pow() needs a constant number as its exponent",
                        ));
                    }
                };
                Ok(real_map(arg(0)?, "pow", move |x| Some(x.powf(exponent))))
            }
            "round" => {
                self.arity(name, args, span, 1, 2)?;
                let digits = match args.get(1).map(|a| self.const_lit(a)) {
                    None => 0,
                    Some(Some(Literal::Int(d))) => d,
                    Some(_) => {
                        return Err(self.err(
                            args[1].span(),
                            "round() needs a constant whole number of digits",
                        ));
                    }
                };
                let scale = 10f64.powi(digits.clamp(-300, 300) as i32);
                Ok(real_map(arg(0)?, "round", move |x| {
                    Some((x * scale).round() / scale)
                }))
            }
            _ => Err(self.err(
                span,
                format!("function '{name}' is not supported yet by the executor"),
            )),
        }
    }
}

/// A real-valued function of one number, value by value (nulls stay null). polars's
/// own math functions need features the workspace does not build.
fn real_map(
    x: PExpr,
    name: &str,
    f: impl Fn(f64) -> Option<f64> + Copy + Send + Sync + 'static,
) -> PExpr {
    x.cast(DataType::Float64).map_with_fmt_str(
        move |column: polars::prelude::Column| {
            let values: polars::prelude::Float64Chunked = column
                .f64()?
                .iter()
                .map(|v| v.and_then(f).filter(|r| !r.is_nan()))
                .collect();
            Ok(polars::prelude::IntoColumn::into_column(
                values.with_name(column.name().clone()),
            ))
        },
        |_, field| {
            Ok(polars::prelude::Field::new(
                field.name().clone(),
                DataType::Float64,
            ))
        },
        name.to_string(),
    )
}

/// `x` rounded down to a multiple of `step` (polars' floor division needs a feature the
/// workspace does not enable, so via the remainder, corrected for negative values).
fn floor_to(x: PExpr, step: PExpr) -> PExpr {
    let rem = x.clone() % step.clone();
    let rem = when(rem.clone().lt(lit(0)))
        .then(rem.clone() + step)
        .otherwise(rem);
    x - rem
}

/// KQL's integer `/` truncates toward zero (as C#); polars' floors. The correction applies
/// only when the quotient is whole (so to integer division: a real quotient with a remainder
/// is never whole).
fn truncated_div(a: PExpr, b: PExpr) -> PExpr {
    let q = a.clone() / b.clone();
    let whole = q
        .clone()
        .cast(DataType::Int64)
        .cast(DataType::Float64)
        .eq(q.clone().cast(DataType::Float64));
    let fix = (a.clone() % b.clone())
        .neq(lit(0))
        .and(a.lt(lit(0)).neq(b.lt(lit(0))))
        .and(whole);
    when(fix).then(q.clone() + lit(1)).otherwise(q)
}

/// KQL's `%` keeps the dividend's sign (as C#); polars' `%` keeps the divisor's.
fn truncated_rem(a: PExpr, b: PExpr) -> PExpr {
    let r = a.clone() % b.clone();
    let fix = r
        .clone()
        .neq(lit(0))
        .and(a.lt(lit(0)).neq(b.clone().lt(lit(0))));
    when(fix).then(r.clone() - b).otherwise(r)
}

fn lower(e: PExpr) -> PExpr {
    e.cast(DataType::String).str().to_lowercase()
}

/// `toint`/`tolong`: strings are parsed (null when not a number); numbers are cast.
fn to_number(e: PExpr, dtype: DataType) -> PExpr {
    e.cast(dtype)
}

/// Parses the datetime formats KQL accepts in `todatetime` (ISO 8601 / RFC 3339, with or
/// without zone, `T` or space).
pub(crate) fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let s = s.trim_end_matches('Z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc());
        }
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

impl Exec<'_> {
    /// `todatetime(column)`: datetimes are converted to UTC nanoseconds, strings parsed.
    pub(crate) fn to_datetime_expr(&self, e: PExpr) -> PExpr {
        to_datetime(e)
    }
}

fn to_datetime(e: PExpr) -> PExpr {
    e.map(
        |c| {
            if let DataType::Datetime(..) = c.dtype() {
                return c.cast(&datetime_type());
            }
            let c = c.cast(&DataType::String)?;
            let ca = c.str()?;
            let ns: Vec<Option<i64>> = ca
                .iter()
                .map(|v| {
                    v.and_then(parse_datetime)
                        .and_then(|t| t.timestamp_nanos_opt())
                })
                .collect();
            Series::new(ca.name().clone(), ns)
                .cast(&datetime_type())
                .map(Into::into)
        },
        |_, f| {
            Ok(polars::prelude::Field::new(
                f.name().clone(),
                datetime_type(),
            ))
        },
    )
}

fn json_literal(v: &serde_json::Value) -> Option<Literal> {
    match v {
        serde_json::Value::String(s) => Some(Literal::Str(s.clone())),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Literal::Int)
            .or_else(|| n.as_f64().map(Literal::Real)),
        serde_json::Value::Bool(b) => Some(Literal::Bool(*b)),
        _ => None,
    }
}
