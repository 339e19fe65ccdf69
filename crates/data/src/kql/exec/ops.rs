//! Tabular operators (`where`, `project`, `sort`, `join`, …) as steps of a lazy plan.

use polars::prelude::{
    DataType, Expr as PExpr, JoinArgs, JoinCoalesce, JoinType, LazyFrame, MaintainOrderJoin,
    Schema, SortMultipleOptions, UnionArgs, UniqueKeepStrategy, col, concat, len, lit,
};

use super::Exec;
use crate::kql::KqlError;
use crate::kql::ast::{
    Assignment, Expr, JoinKey, JoinKind, Nulls, Operator, Order, SortKey, Source, Span, Union,
};

/// The output name KQL gives `expr` when none is written: the column's own name for a bare
/// column (or the column inside `bin(col, …)` and similar), else `Column1`, `Column2`, ….
pub(crate) fn auto_name(expr: &Expr, counter: &mut usize) -> String {
    match expr {
        Expr::Column(n) => n.name.clone(),
        Expr::Call { args, .. } => match args.first() {
            Some(Expr::Column(n)) => n.name.clone(),
            _ => next_column_name(counter),
        },
        _ => next_column_name(counter),
    }
}

fn next_column_name(counter: &mut usize) -> String {
    *counter += 1;
    format!("Column{counter}")
}

impl Exec<'_> {
    pub(crate) fn source(&self, source: &Source) -> Result<LazyFrame, KqlError> {
        match source {
            Source::Name(name) => {
                if let Some(lf) = self.tabulars.get(&name.name) {
                    return Ok(lf.clone());
                }
                self.tables.get(&name.name).cloned().ok_or_else(|| {
                    let mut known: Vec<&str> = self.tables.names();
                    known.extend(self.tabulars.keys().map(String::as_str));
                    self.err(
                        name.span,
                        format!(
                            "table '{}' not found; known tables: {}",
                            name.name,
                            if known.is_empty() {
                                "(none)".to_string()
                            } else {
                                known.join(", ")
                            }
                        ),
                    )
                })
            }
            Source::Union(u) => self.union(None, u),
            Source::Nested(t) => self.tabular(t),
        }
    }

    pub(crate) fn operator(&self, mut lf: LazyFrame, op: &Operator) -> Result<LazyFrame, KqlError> {
        let span = op.span();
        let schema = self.schema(&mut lf, span)?;
        match op {
            Operator::Where { predicate, .. } => Ok(lf.filter(self.scalar(predicate, &schema)?)),
            Operator::Project { columns, .. } => {
                let exprs = self.assignments(columns, &schema)?;
                Ok(lf.select(exprs.into_iter().map(|(_, e)| e).collect::<Vec<_>>()))
            }
            Operator::Extend { columns, .. } => {
                // One column at a time: a later column may use an earlier one.
                let mut counter = 0;
                for a in columns {
                    let schema = self.schema(&mut lf, span)?;
                    let name = match &a.name {
                        Some(n) => n.name.clone(),
                        None => auto_name(&a.expr, &mut counter),
                    };
                    let e = self.scalar(&a.expr, &schema)?.alias(name.as_str());
                    lf = lf.with_column(e);
                }
                Ok(lf)
            }
            Operator::ProjectAway { columns, .. } => {
                for c in columns {
                    self.check_column(&c.name, c.span, &schema)?;
                }
                let keep: Vec<PExpr> = schema
                    .iter_names()
                    .filter(|n| !columns.iter().any(|c| c.name == n.as_str()))
                    .map(|n| col(n.clone()))
                    .collect();
                Ok(lf.select(keep))
            }
            Operator::ProjectRename { renames, .. } => {
                for (_, old) in renames {
                    self.check_column(&old.name, old.span, &schema)?;
                }
                let old: Vec<&str> = renames.iter().map(|(_, o)| o.name.as_str()).collect();
                let new: Vec<&str> = renames.iter().map(|(n, _)| n.name.as_str()).collect();
                Ok(lf.rename(old, new, true))
            }
            Operator::Summarize { aggs, by, span } => self.summarize(lf, aggs, by, *span, &schema),
            Operator::Sort { keys, .. } => self.sort(lf, keys, &schema),
            Operator::Take { count, .. } => Ok(lf.limit(idx(*count))),
            Operator::Top { count, key, .. } => Ok(self
                .sort(lf, std::slice::from_ref(key), &schema)?
                .limit(idx(*count))),
            Operator::Distinct { columns, .. } => {
                if columns.is_empty() {
                    return Ok(lf.unique_stable(None, UniqueKeepStrategy::First));
                }
                let mut counter = 0;
                let mut exprs = Vec::new();
                for c in columns {
                    let name = auto_name(c, &mut counter);
                    exprs.push(self.scalar(c, &schema)?.alias(name.as_str()));
                }
                Ok(lf
                    .select(exprs)
                    .unique_stable(None, UniqueKeepStrategy::First))
            }
            Operator::Count { .. } => Ok(lf.select([len().cast(DataType::Int64).alias("Count")])),
            Operator::Join {
                kind, right, on, ..
            } => {
                let right = self.tabular(right)?;
                self.join(lf, schema, *kind, right, on, span)
            }
            Operator::Union(u) => self.union(Some(lf), u),
            Operator::MvExpand { items, limit, span } => {
                self.mv_expand(lf, items, *limit, *span, &schema)
            }
            Operator::Parse {
                kind,
                expr,
                pattern,
                span,
            } => self.parse_op(lf, *kind, expr, pattern, *span, &schema),
        }
    }

    pub(crate) fn check_column(
        &self,
        name: &str,
        span: Span,
        schema: &Schema,
    ) -> Result<(), KqlError> {
        if schema.contains(name) {
            Ok(())
        } else {
            Err(self.column_error(name, span, schema))
        }
    }

    /// `name = expr` lists (`project`) as aliased polars expressions.
    fn assignments(
        &self,
        columns: &[Assignment],
        schema: &Schema,
    ) -> Result<Vec<(String, PExpr)>, KqlError> {
        let mut counter = 0;
        columns
            .iter()
            .map(|a| {
                let name = match &a.name {
                    Some(n) => n.name.clone(),
                    None => auto_name(&a.expr, &mut counter),
                };
                let e = self.scalar(&a.expr, schema)?.alias(name.as_str());
                Ok((name, e))
            })
            .collect()
    }

    fn sort(
        &self,
        lf: LazyFrame,
        keys: &[SortKey],
        schema: &Schema,
    ) -> Result<LazyFrame, KqlError> {
        let mut exprs = Vec::new();
        let mut descending = Vec::new();
        let mut nulls_last = Vec::new();
        for k in keys {
            exprs.push(self.scalar(&k.expr, schema)?);
            let desc = k.order == Order::Desc;
            descending.push(desc);
            // KQL: nulls first ascending, last descending, unless written.
            nulls_last.push(match k.nulls {
                Some(Nulls::First) => false,
                Some(Nulls::Last) => true,
                None => desc,
            });
        }
        let options = SortMultipleOptions::default()
            .with_order_descending_multi(descending)
            .with_nulls_last_multi(nulls_last)
            .with_maintain_order(true);
        Ok(lf.sort_by_exprs(exprs, options))
    }

    fn union(&self, first: Option<LazyFrame>, u: &Union) -> Result<LazyFrame, KqlError> {
        let mut frames: Vec<(String, LazyFrame)> = Vec::new();
        if let Some(lf) = first {
            frames.push(("".to_string(), lf));
        }
        for t in &u.tables {
            let name = if t.ops.is_empty() {
                match &t.source {
                    Source::Name(n) => n.name.clone(),
                    _ => format!("union_arg{}", frames.len()),
                }
            } else {
                format!("union_arg{}", frames.len())
            };
            frames.push((name, self.tabular(t)?));
        }
        if let Some(source) = &u.with_source {
            frames = frames
                .into_iter()
                .map(|(name, lf)| {
                    let lf = lf.with_column(lit(name.clone()).alias(source.name.as_str()));
                    (name, lf)
                })
                .collect();
        }
        let mut lfs: Vec<LazyFrame> = frames.into_iter().map(|(_, lf)| lf).collect();
        // Align columns by name: the union of all (or, for kind=inner, the common ones), in
        // first-seen order, typed as first seen; missing columns are nulls.
        let mut schemas = Vec::new();
        for lf in &mut lfs {
            schemas.push(self.schema(lf, u.span)?);
        }
        let mut columns: Vec<(String, DataType)> = Vec::new();
        for schema in &schemas {
            for (name, dtype) in schema.iter() {
                if !columns.iter().any(|(n, _)| n == name.as_str()) {
                    columns.push((name.to_string(), dtype.clone()));
                }
            }
        }
        if u.inner {
            columns.retain(|(n, _)| schemas.iter().all(|s| s.contains(n)));
        }
        let lfs: Vec<LazyFrame> = lfs
            .into_iter()
            .zip(&schemas)
            .map(|(lf, schema)| {
                let exprs: Vec<PExpr> = columns
                    .iter()
                    .map(|(n, dtype)| {
                        if schema.contains(n) {
                            col(n.as_str()).cast(dtype.clone())
                        } else {
                            lit(polars::prelude::NULL)
                                .cast(dtype.clone())
                                .alias(n.as_str())
                        }
                    })
                    .collect();
                lf.select(exprs)
            })
            .collect();
        concat(lfs, UnionArgs::default()).map_err(|e| self.err(u.span, format!("union: {e}")))
    }

    fn join(
        &self,
        left: LazyFrame,
        left_schema: Schema,
        kind: JoinKind,
        mut right: LazyFrame,
        on: &[JoinKey],
        span: Span,
    ) -> Result<LazyFrame, KqlError> {
        let right_schema = self.schema(&mut right, span)?;
        for k in on {
            self.check_column(&k.left.name, k.left.span, &left_schema)?;
            self.check_column(&k.right.name, k.right.span, &right_schema)?;
        }
        let lk: Vec<PExpr> = on.iter().map(|k| col(k.left.name.as_str())).collect();
        let rk: Vec<PExpr> = on.iter().map(|k| col(k.right.name.as_str())).collect();
        // KQL keeps both sides' key columns; clashing right-side names get a `1` suffix.
        let args = |how: JoinType| {
            let mut args = JoinArgs::new(how)
                .with_coalesce(JoinCoalesce::KeepColumns)
                .with_suffix(Some("1".into()));
            // Deterministic output: left rows in order, then their right matches in order.
            args.maintain_order = MaintainOrderJoin::LeftRight;
            args
        };
        const MARK: &str = "__kql_join_match";
        // Semi/anti joins as a left join on the other side's distinct keys plus a marker.
        let semi = |l: LazyFrame, r: LazyFrame, lk: &[PExpr], rk: &[PExpr], keep: bool| {
            let keys = r
                .select(rk)
                .unique(None, UniqueKeepStrategy::Any)
                .with_column(lit(true).alias(MARK));
            let mut args = JoinArgs::new(JoinType::Left);
            args.maintain_order = MaintainOrderJoin::Left;
            let joined = l.join(keys, lk.to_vec(), rk.to_vec(), args);
            let hit = col(MARK).is_not_null();
            joined
                .filter(if keep { hit } else { hit.not() })
                .select([polars::prelude::all().exclude_cols([MARK]).as_expr()])
        };
        Ok(match kind {
            JoinKind::Inner => left.join(right, lk, rk, args(JoinType::Inner)),
            JoinKind::InnerUnique => {
                let names: Vec<&str> = on.iter().map(|k| k.left.name.as_str()).collect();
                let deduped = left.unique_stable(
                    Some(polars::prelude::cols(names)),
                    UniqueKeepStrategy::First,
                );
                deduped.join(right, lk, rk, args(JoinType::Inner))
            }
            JoinKind::LeftOuter => left.join(right, lk, rk, args(JoinType::Left)),
            JoinKind::RightOuter => left.join(right, lk, rk, args(JoinType::Right)),
            JoinKind::FullOuter => left.join(right, lk, rk, args(JoinType::Full)),
            JoinKind::LeftSemi => semi(left, right, &lk, &rk, true),
            JoinKind::LeftAnti => semi(left, right, &lk, &rk, false),
            JoinKind::RightSemi => semi(right, left, &rk, &lk, true),
            JoinKind::RightAnti => semi(right, left, &rk, &lk, false),
        })
    }
}

fn idx(n: u64) -> polars::prelude::IdxSize {
    polars::prelude::IdxSize::try_from(n).unwrap_or(polars::prelude::IdxSize::MAX)
}
