//! `summarize`: KQL aggregations over groups, with KQL's automatic column names
//! (`count_`, `sum_X`, `dcount_X`, …).

use polars::prelude::{
    DataType, Expr as PExpr, LazyFrame, Schema, SortMultipleOptions, col, len, lit,
};

use super::Exec;
use super::ops::auto_name;
use crate::kql::KqlError;
use crate::kql::ast::{Assignment, Expr, Span};

impl Exec<'_> {
    pub(crate) fn summarize(
        &self,
        lf: LazyFrame,
        aggs: &[Assignment],
        by: &[Assignment],
        span: Span,
        schema: &Schema,
    ) -> Result<LazyFrame, KqlError> {
        let grouped = !by.is_empty();
        let mut counter = 0;
        let mut keys = Vec::new();
        let mut key_names = Vec::new();
        for b in by {
            let name = match &b.name {
                Some(n) => n.name.clone(),
                None => auto_name(&b.expr, &mut counter),
            };
            keys.push(self.scalar(&b.expr, schema)?.alias(name.as_str()));
            key_names.push(name);
        }
        let mut exprs = Vec::new();
        for a in aggs {
            exprs.extend(self.aggregation(a, schema, &key_names, grouped)?);
        }
        // polars would fail later with no position; KQL users expect to be told here.
        let mut names: Vec<String> = key_names.clone();
        for (name, _) in &exprs {
            if names.contains(name) {
                return Err(self.err(
                    span,
                    format!(
                        "summarize: two output columns are named '{name}'; name one (Name = …)"
                    ),
                ));
            }
            names.push(name.clone());
        }
        let exprs: Vec<PExpr> = exprs.into_iter().map(|(_, e)| e).collect();
        Ok(if grouped {
            lf.group_by_stable(keys).agg(exprs)
        } else {
            lf.select(exprs)
        })
    }

    /// One aggregation, as one or more output columns (`arg_max` returns several).
    fn aggregation(
        &self,
        a: &Assignment,
        schema: &Schema,
        key_names: &[String],
        grouped: bool,
    ) -> Result<Vec<(String, PExpr)>, KqlError> {
        let Expr::Call { name, args, span } = &a.expr else {
            return Err(self.err(
                a.expr.span(),
                "summarize needs an aggregation function (count(), sum(x), …) here",
            ));
        };
        let f = name.name.as_str();
        let want = |n: usize| -> Result<(), KqlError> {
            if args.len() == n {
                Ok(())
            } else {
                Err(self.err(
                    *span,
                    format!("{f}() takes {n} argument(s), got {}", args.len()),
                ))
            }
        };
        // KQL names: `count_`, `countif_`, `<fn>_<Column>` (or `<fn>_` for an expression).
        let suffix = match args.first() {
            Some(Expr::Column(c)) => c.name.clone(),
            _ => String::new(),
        };
        let auto = format!("{f}_{suffix}");
        let out_name = a.name.as_ref().map_or(auto, |n| n.name.clone());
        let arg = |i: usize| self.scalar(&args[i], schema);
        let e = match f {
            "count" => {
                want(0)?;
                let out = a
                    .name
                    .as_ref()
                    .map_or("count_".to_string(), |n| n.name.clone());
                return Ok(vec![(
                    out.clone(),
                    len().cast(DataType::Int64).alias(out.as_str()),
                )]);
            }
            "countif" => {
                want(1)?;
                let out = a
                    .name
                    .as_ref()
                    .map_or("countif_".to_string(), |n| n.name.clone());
                let e = arg(0)?
                    .fill_null(lit(false))
                    .cast(DataType::Int64)
                    .sum()
                    .alias(out.as_str());
                return Ok(vec![(out, e)]);
            }
            "dcount" => {
                if args.is_empty() || args.len() > 2 {
                    want(1)?;
                }
                arg(0)?.drop_nulls().n_unique().cast(DataType::Int64)
            }
            "sum" => {
                want(1)?;
                arg(0)?.sum()
            }
            "min" => {
                want(1)?;
                arg(0)?.min()
            }
            "max" => {
                want(1)?;
                arg(0)?.max()
            }
            "avg" => {
                want(1)?;
                arg(0)?.cast(DataType::Float64).mean()
            }
            "make_list" | "make_set" => {
                if args.is_empty() || args.len() > 2 {
                    want(1)?;
                }
                let x = arg(0)?.drop_nulls();
                let x = if f == "make_set" {
                    x.unique_stable()
                } else {
                    x
                };
                // In a group-by, a non-aggregated expression is already a list per group.
                if grouped { x } else { x.implode(true) }
            }
            "arg_max" | "arg_min" => {
                return self.arg_extreme(f == "arg_max", args, *span, schema, key_names);
            }
            _ => {
                return Err(self.err(
                    name.span,
                    format!("aggregation '{f}' is not supported yet by the executor"),
                ));
            }
        };
        Ok(vec![(out_name.clone(), e.alias(out_name.as_str()))])
    }

    /// `arg_max(x, cols…)`: the row with the largest `x` per group; outputs `x` (by its own
    /// name) and the requested columns (`*`: all but the group keys).
    fn arg_extreme(
        &self,
        max: bool,
        args: &[Expr],
        span: Span,
        schema: &Schema,
        key_names: &[String],
    ) -> Result<Vec<(String, PExpr)>, KqlError> {
        let Some(first) = args.first() else {
            return Err(self.err(span, "arg_max/arg_min need the expression to maximise"));
        };
        let mut counter = 0;
        let x_name = auto_name(first, &mut counter);
        let x = self.scalar(first, schema)?;
        let pick = |e: PExpr| {
            e.sort_by(
                [x.clone()],
                SortMultipleOptions::default()
                    .with_order_descending(max)
                    .with_nulls_last(true)
                    .with_maintain_order(true),
            )
            .first()
        };
        let mut out = vec![(x_name.clone(), pick(x.clone()).alias(x_name.as_str()))];
        let mut seen = vec![x_name];
        for a in &args[1..] {
            match a {
                Expr::Star { .. } => {
                    for n in schema.iter_names() {
                        let n = n.to_string();
                        if !seen.contains(&n) && !key_names.contains(&n) {
                            out.push((n.clone(), pick(col(n.as_str())).alias(n.as_str())));
                            seen.push(n);
                        }
                    }
                }
                other => {
                    let n = auto_name(other, &mut counter);
                    if !seen.contains(&n) {
                        out.push((
                            n.clone(),
                            pick(self.scalar(other, schema)?).alias(n.as_str()),
                        ));
                        seen.push(n);
                    }
                }
            }
        }
        Ok(out)
    }
}
