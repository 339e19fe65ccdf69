//! The recursive-descent parser: tokens to a [`Query`]. Scalar expressions use precedence
//! climbing ([`BinaryOp::precedence`]); nesting is limited to [`MAX_DEPTH`] so hostile input
//! cannot exhaust the stack.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

use super::ast::{
    AGGREGATE_FUNCTIONS, Assignment, BINARY_OPS, BinaryOp, Expr, InList, InOp, JoinKey, JoinKind,
    Let, LetValue, Literal, MvExpandItem, Name, Nulls, OPERATORS, Operator, Order, ParseKind,
    ParsePart, Query, SCALAR_FUNCTIONS, SortKey, Source, Span, TabularExpr, UnaryOp, Union,
};
use super::error::KqlError;
use super::lexer::{lex, timespan_unit};
use super::token::{Token, TokenKind};

/// How deeply expressions and tabular expressions may nest.
pub const MAX_DEPTH: usize = 64;

/// Parse a whole query.
pub(crate) fn parse_query(src: &str) -> Result<Query, KqlError> {
    let tokens = lex(src)?;
    let mut p = Parser {
        src,
        tokens,
        pos: 0,
        depth: 0,
        scalar_lets: HashSet::new(),
        agg_ok: false,
    };
    p.query()
}

type PResult<T> = Result<T, KqlError>;

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    scalar_lets: HashSet<String>,
    /// Inside the aggregations of `summarize`.
    agg_ok: bool,
}

impl Parser<'_> {
    // ---- token helpers ----

    fn peek(&self) -> &TokenKind {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &TokenKind {
        let i = (self.pos + n).min(self.tokens.len().saturating_sub(1));
        self.tokens.get(i).map_or(&TokenKind::Eof, |t| &t.kind)
    }

    fn span(&self) -> Span {
        let i = self.pos.min(self.tokens.len().saturating_sub(1));
        self.tokens
            .get(i)
            .map_or(Span::new(self.src.len(), self.src.len()), |t| t.span)
    }

    fn prev_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.span.end)
    }

    fn bump(&mut self) -> Token {
        let token = self.tokens.get(self.pos).cloned().unwrap_or(Token {
            kind: TokenKind::Eof,
            span: Span::new(self.src.len(), self.src.len()),
        });
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    fn err(&self, span: Span, message: impl Into<String>) -> KqlError {
        KqlError::new(self.src, span, message)
    }

    fn unexpected(&self, wanted: &str) -> KqlError {
        self.err(
            self.span(),
            format!("expected {wanted}, found {}", self.peek().describe()),
        )
    }

    fn at_word(&self, word: &str) -> bool {
        matches!(self.peek(), TokenKind::Ident(w) if w == word)
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let at = self.at_word(word);
        if at {
            self.pos += 1;
        }
        at
    }

    fn expect_word(&mut self, word: &str) -> PResult<Span> {
        if self.at_word(word) {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(&format!("'{word}'")))
        }
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        let at = self.peek() == kind;
        if at {
            self.pos += 1;
        }
        at
    }

    fn expect(&mut self, kind: &TokenKind) -> PResult<Span> {
        if self.peek() == kind {
            Ok(self.bump().span)
        } else {
            Err(self.unexpected(&kind.describe()))
        }
    }

    fn name(&mut self, what: &str) -> PResult<Name> {
        match self.peek().clone() {
            TokenKind::Ident(name) | TokenKind::QuotedIdent(name) if !name.starts_with('!') => {
                let span = self.bump().span;
                Ok(Name { name, span })
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(
                self.span(),
                format!("the query nests more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn count_literal(&mut self, what: &str) -> PResult<u64> {
        match *self.peek() {
            TokenKind::Int(n) if n >= 0 => {
                self.pos += 1;
                Ok(n.unsigned_abs())
            }
            _ => Err(self.unexpected(what)),
        }
    }

    // ---- statements ----

    fn query(&mut self) -> PResult<Query> {
        let mut lets = Vec::new();
        loop {
            while self.eat(&TokenKind::Semi) {}
            if self.at_word("let") {
                lets.push(self.let_statement()?);
                if !self.eat(&TokenKind::Semi) {
                    return Err(self.unexpected("';' after the let statement"));
                }
            } else {
                break;
            }
        }
        if *self.peek() == TokenKind::Eof {
            return Err(self.unexpected("a tabular expression (a table name)"));
        }
        let body = self.tabular()?;
        while self.eat(&TokenKind::Semi) {}
        if *self.peek() != TokenKind::Eof {
            return Err(self.err(
                self.span(),
                format!("unexpected {} after the end of the query (only one tabular statement is supported)", self.peek().describe()),
            ));
        }
        Ok(Query { lets, body })
    }

    fn let_statement(&mut self) -> PResult<Let> {
        let start = self.expect_word("let")?;
        let name = self.name("a name after 'let'")?;
        self.expect(&TokenKind::Assign)?;
        if *self.peek() == TokenKind::LParen
            && (matches!(self.peek_at(1), TokenKind::RParen)
                || matches!(self.peek_at(2), TokenKind::Colon))
        {
            return Err(self.err(
                self.span(),
                format!(
                    "user-defined functions are not supported ('let {} = (…) {{…}}')",
                    name.name
                ),
            ));
        }
        let value = if self.tabular_ahead() {
            LetValue::Tabular(self.tabular()?)
        } else {
            self.scalar_lets.insert(name.name.clone());
            LetValue::Scalar(self.expr()?)
        };
        Ok(Let {
            name,
            value,
            span: start.to(Span::new(start.start, self.prev_end())),
        })
    }

    /// Whether a tabular expression (rather than a scalar) starts here.
    fn tabular_ahead(&self) -> bool {
        let mut i = 0;
        while *self.peek_at(i) == TokenKind::LParen {
            i += 1;
        }
        match (self.peek_at(i), self.peek_at(i + 1)) {
            (TokenKind::Ident(w), _) if w == "union" => true,
            (TokenKind::Ident(w) | TokenKind::QuotedIdent(w), TokenKind::Pipe) => {
                !self.scalar_lets.contains(w)
            }
            (TokenKind::Ident(w), TokenKind::Semi | TokenKind::RParen | TokenKind::Eof) => {
                !self.scalar_lets.contains(w) && w != "true" && w != "false"
            }
            (TokenKind::QuotedIdent(w), TokenKind::Semi | TokenKind::RParen | TokenKind::Eof) => {
                !self.scalar_lets.contains(w)
            }
            _ => false,
        }
    }

    // ---- tabular expressions ----

    fn tabular(&mut self) -> PResult<TabularExpr> {
        self.enter()?;
        let start = self.span();
        let source = match self.peek().clone() {
            TokenKind::Ident(w) if w == "union" => {
                self.pos += 1;
                Source::Union(self.union_args(start)?)
            }
            TokenKind::LParen => {
                self.pos += 1;
                let inner = self.tabular()?;
                self.expect(&TokenKind::RParen)?;
                Source::Nested(Box::new(inner))
            }
            TokenKind::Ident(w) if *self.peek_at(1) == TokenKind::LParen => {
                return Err(self.err(
                    start,
                    format!("tabular function '{w}' is not supported; start with a table name"),
                ));
            }
            TokenKind::Ident(w)
                if OPERATORS.contains(&w.as_str()) || UNSUPPORTED_SOURCES.contains(&w.as_str()) =>
            {
                return Err(self.err(
                    start,
                    format!("'{w}' cannot start a query; start with a table name"),
                ));
            }
            TokenKind::Ident(_) | TokenKind::QuotedIdent(_) => {
                Source::Name(self.name("a table name")?)
            }
            _ => return Err(self.unexpected("a table name")),
        };
        let mut ops = Vec::new();
        while self.eat(&TokenKind::Pipe) {
            ops.push(self.operator()?);
        }
        self.leave();
        Ok(TabularExpr {
            source,
            ops,
            span: Span::new(start.start, self.prev_end()),
        })
    }

    fn union_args(&mut self, start: Span) -> PResult<Union> {
        let mut inner = false;
        let mut with_source = None;
        while let TokenKind::Ident(word) = self.peek().clone() {
            if *self.peek_at(1) != TokenKind::Assign {
                break;
            }
            let opt_span = self.span();
            match word.as_str() {
                "kind" => {
                    self.pos += 2;
                    let kind = self.name("'inner' or 'outer'")?;
                    match kind.name.as_str() {
                        "inner" => inner = true,
                        "outer" => inner = false,
                        other => {
                            return Err(self.err(
                                kind.span,
                                format!(
                                    "union kind '{other}' is not supported (use inner or outer)"
                                ),
                            ));
                        }
                    }
                }
                "withsource" => {
                    self.pos += 2;
                    with_source = Some(self.name("a column name")?);
                }
                "isfuzzy" => {
                    self.pos += 2;
                    if !(self.eat_word("true") || self.eat_word("false")) {
                        return Err(self.unexpected("true or false"));
                    }
                }
                _ => {
                    return Err(self.err(
                        opt_span,
                        format!("union parameter '{word}' is not supported"),
                    ));
                }
            }
        }
        let mut tables = Vec::new();
        loop {
            let table = if *self.peek() == TokenKind::LParen {
                self.pos += 1;
                let t = self.tabular()?;
                self.expect(&TokenKind::RParen)?;
                t
            } else {
                let name = self.name("a table name or '(' after union")?;
                if *self.peek() == TokenKind::Star {
                    return Err(self.err(
                        self.span(),
                        "table name wildcards in union are not supported",
                    ));
                }
                TabularExpr {
                    span: name.span,
                    source: Source::Name(name),
                    ops: Vec::new(),
                }
            };
            tables.push(table);
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        Ok(Union {
            inner,
            with_source,
            tables,
            span: Span::new(start.start, self.prev_end()),
        })
    }

    fn operator(&mut self) -> PResult<Operator> {
        let start = self.span();
        let TokenKind::Ident(word) = self.peek().clone() else {
            return Err(self.unexpected("an operator name after '|'"));
        };
        self.pos += 1;
        let span = |p: &Self| Span::new(start.start, p.prev_end());
        let op = match word.as_str() {
            "where" | "filter" => {
                let predicate = self.expr()?;
                Operator::Where {
                    predicate,
                    span: span(self),
                }
            }
            "project" => {
                let columns = self.assignments()?;
                Operator::Project {
                    columns,
                    span: span(self),
                }
            }
            "extend" => {
                let columns = self.assignments()?;
                Operator::Extend {
                    columns,
                    span: span(self),
                }
            }
            "project-away" => {
                let mut columns = vec![self.name("a column name")?];
                while self.eat(&TokenKind::Comma) {
                    columns.push(self.name("a column name")?);
                }
                if *self.peek() == TokenKind::Star {
                    return Err(self.err(
                        self.span(),
                        "column wildcards in project-away are not supported",
                    ));
                }
                Operator::ProjectAway {
                    columns,
                    span: span(self),
                }
            }
            "project-rename" => {
                let mut renames = Vec::new();
                loop {
                    let new = self.name("a new column name")?;
                    self.expect(&TokenKind::Assign)?;
                    let old = self.name("an existing column name")?;
                    renames.push((new, old));
                    if !self.eat(&TokenKind::Comma) {
                        break;
                    }
                }
                Operator::ProjectRename {
                    renames,
                    span: span(self),
                }
            }
            "summarize" => {
                if self.at_word("hint") && *self.peek_at(1) == TokenKind::Dot {
                    return Err(self.err(self.span(), "summarize hints are not supported"));
                }
                let aggs = if self.at_word("by") {
                    Vec::new()
                } else {
                    self.agg_ok = true;
                    let aggs = self.assignments();
                    self.agg_ok = false;
                    aggs?
                };
                let by = if self.eat_word("by") {
                    self.assignments()?
                } else {
                    Vec::new()
                };
                if aggs.is_empty() && by.is_empty() {
                    return Err(self.unexpected("aggregations or 'by'"));
                }
                Operator::Summarize {
                    aggs,
                    by,
                    span: span(self),
                }
            }
            "sort" | "order" => {
                self.expect_word("by")?;
                let mut keys = vec![self.sort_key()?];
                while self.eat(&TokenKind::Comma) {
                    keys.push(self.sort_key()?);
                }
                Operator::Sort {
                    keys,
                    span: span(self),
                }
            }
            "take" | "limit" => {
                let count = self.count_literal("a row count")?;
                Operator::Take {
                    count,
                    span: span(self),
                }
            }
            "top" => {
                let count = self.count_literal("a row count")?;
                self.expect_word("by")?;
                let key = self.sort_key()?;
                Operator::Top {
                    count,
                    key,
                    span: span(self),
                }
            }
            "distinct" => {
                let columns = if self.eat(&TokenKind::Star) {
                    Vec::new()
                } else {
                    let mut columns = vec![self.expr()?];
                    while self.eat(&TokenKind::Comma) {
                        columns.push(self.expr()?);
                    }
                    columns
                };
                Operator::Distinct {
                    columns,
                    span: span(self),
                }
            }
            "count" => Operator::Count { span: span(self) },
            "join" => self.join(start)?,
            "union" => Operator::Union(self.union_args(start)?),
            // `mvexpand` is the older spelling.
            "mv-expand" | "mvexpand" => self.mv_expand(start)?,
            "parse" => self.parse_op(start)?,
            _ => {
                return Err(self.err(
                    start,
                    format!(
                        "operator '{word}' is not supported (supported: {})",
                        OPERATORS.join(", ")
                    ),
                ));
            }
        };
        Ok(op)
    }

    fn join(&mut self, start: Span) -> PResult<Operator> {
        let mut kind = JoinKind::InnerUnique;
        while let TokenKind::Ident(word) = self.peek().clone() {
            if word == "hint" && *self.peek_at(1) == TokenKind::Dot {
                return Err(self.err(self.span(), "join hints are not supported"));
            }
            if *self.peek_at(1) != TokenKind::Assign {
                break;
            }
            if word != "kind" {
                return Err(self.err(
                    self.span(),
                    format!("join parameter '{word}' is not supported"),
                ));
            }
            self.pos += 2;
            let k = self.name("a join kind")?;
            kind = JoinKind::from_keyword(&k.name).ok_or_else(|| {
                self.err(k.span, format!("join kind '{}' is not supported (use inner, innerunique, leftouter, rightouter, fullouter, leftsemi, leftanti, rightsemi or rightanti)", k.name))
            })?;
        }
        let right = if self.eat(&TokenKind::LParen) {
            let t = self.tabular()?;
            self.expect(&TokenKind::RParen)?;
            t
        } else {
            let name = self.name("'(' or a table name after join")?;
            TabularExpr {
                span: name.span,
                source: Source::Name(name),
                ops: Vec::new(),
            }
        };
        self.expect_word("on")?;
        let mut on = vec![self.join_key()?];
        while self.eat(&TokenKind::Comma) {
            on.push(self.join_key()?);
        }
        Ok(Operator::Join {
            kind,
            right: Box::new(right),
            on,
            span: Span::new(start.start, self.prev_end()),
        })
    }

    fn side_column(&mut self) -> PResult<(Option<String>, Name)> {
        if matches!(self.peek(), TokenKind::Ident(w) if w.starts_with('$')) {
            let side = self.name("$left or $right")?;
            if side.name != "$left" && side.name != "$right" {
                return Err(self.err(side.span, format!("'{}' is not $left or $right", side.name)));
            }
            self.expect(&TokenKind::Dot)?;
            let col = self.name("a column name")?;
            Ok((Some(side.name), col))
        } else {
            Ok((None, self.name("a join key column")?))
        }
    }

    fn join_key(&mut self) -> PResult<JoinKey> {
        let start = self.span();
        let (side_a, a) = self.side_column()?;
        if !self.eat(&TokenKind::EqEq) {
            if side_a.is_some() {
                return Err(self.unexpected("'==' in the join condition"));
            }
            return Ok(JoinKey {
                left: a.clone(),
                right: a,
                span: start,
            });
        }
        let (side_b, b) = self.side_column()?;
        let span = Span::new(start.start, self.prev_end());
        match (side_a.as_deref(), side_b.as_deref()) {
            (Some("$left"), Some("$right")) => Ok(JoinKey {
                left: a,
                right: b,
                span,
            }),
            (Some("$right"), Some("$left")) => Ok(JoinKey {
                left: b,
                right: a,
                span,
            }),
            _ => Err(self.err(
                span,
                "a join condition must compare $left.Column with $right.Column",
            )),
        }
    }

    fn mv_expand(&mut self, start: Span) -> PResult<Operator> {
        if matches!(self.peek(), TokenKind::Ident(w) if w == "bagexpansion" || w == "with_itemindex" || w == "kind")
            && *self.peek_at(1) == TokenKind::Assign
        {
            return Err(self.err(
                self.span(),
                "mv-expand parameters (bagexpansion, with_itemindex, kind) are not supported",
            ));
        }
        let mut items = Vec::new();
        loop {
            let column = self.assignment()?;
            let to_type = if self.eat_word("to") {
                self.expect_word("typeof")?;
                self.expect(&TokenKind::LParen)?;
                let ty = self.name("a type name")?;
                self.expect(&TokenKind::RParen)?;
                Some(ty.name)
            } else {
                None
            };
            items.push(MvExpandItem { column, to_type });
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        let limit = if self.eat_word("limit") {
            Some(self.count_literal("a row count")?)
        } else {
            None
        };
        Ok(Operator::MvExpand {
            items,
            limit,
            span: Span::new(start.start, self.prev_end()),
        })
    }

    fn parse_op(&mut self, start: Span) -> PResult<Operator> {
        let mut kind = ParseKind::Simple;
        while let TokenKind::Ident(word) = self.peek().clone() {
            if *self.peek_at(1) != TokenKind::Assign {
                break;
            }
            if word != "kind" {
                return Err(self.err(
                    self.span(),
                    format!("parse parameter '{word}' is not supported"),
                ));
            }
            self.pos += 2;
            let k = self.name("simple, regex or relaxed")?;
            kind = match k.name.as_str() {
                "simple" => ParseKind::Simple,
                "regex" => ParseKind::Regex,
                "relaxed" => ParseKind::Relaxed,
                other => {
                    return Err(self.err(k.span, format!("parse kind '{other}' is not supported")));
                }
            };
        }
        let expr = self.expr()?;
        self.expect_word("with")?;
        let mut pattern = Vec::new();
        loop {
            match self.peek().clone() {
                TokenKind::Str(s) => {
                    self.pos += 1;
                    pattern.push(ParsePart::Literal(s));
                }
                TokenKind::Star => {
                    self.pos += 1;
                    pattern.push(ParsePart::Wildcard);
                }
                TokenKind::Ident(_) | TokenKind::QuotedIdent(_) => {
                    let name = self.name("a column name")?;
                    let ty = if self.eat(&TokenKind::Colon) {
                        Some(self.name("a type name")?.name)
                    } else {
                        None
                    };
                    pattern.push(ParsePart::Column { name, ty });
                }
                _ => break,
            }
        }
        if pattern.is_empty() {
            return Err(self.unexpected("a parse pattern"));
        }
        Ok(Operator::Parse {
            kind,
            expr,
            pattern,
            span: Span::new(start.start, self.prev_end()),
        })
    }

    fn sort_key(&mut self) -> PResult<SortKey> {
        let expr = self.expr()?;
        let order = if self.eat_word("asc") {
            Order::Asc
        } else {
            self.eat_word("desc");
            Order::Desc
        };
        let nulls = if self.eat_word("nulls") {
            if self.eat_word("first") {
                Some(Nulls::First)
            } else if self.eat_word("last") {
                Some(Nulls::Last)
            } else {
                return Err(self.unexpected("'first' or 'last'"));
            }
        } else {
            None
        };
        Ok(SortKey { expr, order, nulls })
    }

    fn assignments(&mut self) -> PResult<Vec<Assignment>> {
        let mut out = vec![self.assignment()?];
        while self.eat(&TokenKind::Comma) {
            out.push(self.assignment()?);
        }
        Ok(out)
    }

    fn assignment(&mut self) -> PResult<Assignment> {
        let named = matches!(self.peek(), TokenKind::Ident(_) | TokenKind::QuotedIdent(_))
            && *self.peek_at(1) == TokenKind::Assign;
        let name = if named {
            let name = self.name("a column name")?;
            self.pos += 1;
            Some(name)
        } else {
            None
        };
        Ok(Assignment {
            name,
            expr: self.expr()?,
        })
    }

    // ---- scalar expressions ----

    fn expr(&mut self) -> PResult<Expr> {
        self.expr_bp(0)
    }

    fn expr_bp(&mut self, min: u8) -> PResult<Expr> {
        self.enter()?;
        let mut lhs = self.unary()?;
        loop {
            let start = lhs.span();
            // in / has_any / between
            if let TokenKind::Ident(word) = self.peek().clone() {
                if let Some(op) = InOp::from_keyword(&word) {
                    if 3 <= min {
                        break;
                    }
                    self.pos += 1;
                    let list = self.in_list()?;
                    let span = Span::new(start.start, self.prev_end());
                    lhs = Expr::In {
                        op,
                        expr: Box::new(lhs),
                        list,
                        span,
                    };
                    continue;
                }
                if word == "between" || word == "!between" {
                    if 3 <= min {
                        break;
                    }
                    self.pos += 1;
                    self.expect(&TokenKind::LParen)?;
                    let lo = self.expr()?;
                    self.expect(&TokenKind::DotDot)?;
                    let hi = self.expr()?;
                    self.expect(&TokenKind::RParen)?;
                    let span = Span::new(start.start, self.prev_end());
                    lhs = Expr::Between {
                        expr: Box::new(lhs),
                        lo: Box::new(lo),
                        hi: Box::new(hi),
                        negated: word == "!between",
                        span,
                    };
                    continue;
                }
            }
            let Some((op, width)) = self.binary_op_ahead()? else {
                break;
            };
            let prec = op.precedence();
            if prec <= min {
                break;
            }
            self.pos += width;
            let rhs = self.expr_bp(prec)?;
            let span = start.to(rhs.span());
            lhs = Expr::Binary {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            };
        }
        self.leave();
        Ok(lhs)
    }

    /// The binary operator at the cursor and how many tokens it spans.
    fn binary_op_ahead(&self) -> PResult<Option<(BinaryOp, usize)>> {
        let op = match self.peek() {
            TokenKind::EqEq => BinaryOp::Eq,
            TokenKind::NotEq => BinaryOp::NotEq,
            TokenKind::EqTilde => BinaryOp::EqCi,
            TokenKind::NotTilde => BinaryOp::NotEqCi,
            TokenKind::Lt => BinaryOp::Lt,
            TokenKind::Le => BinaryOp::Le,
            TokenKind::Gt => BinaryOp::Gt,
            TokenKind::Ge => BinaryOp::Ge,
            TokenKind::Plus => BinaryOp::Add,
            TokenKind::Minus => BinaryOp::Sub,
            TokenKind::Star => BinaryOp::Mul,
            TokenKind::Slash => BinaryOp::Div,
            TokenKind::Percent => BinaryOp::Mod,
            TokenKind::Ident(w) if w == "matches" => {
                if !matches!(self.peek_at(1), TokenKind::Ident(r) if r == "regex") {
                    return Err(self.err(self.span(), "expected 'regex' after 'matches'"));
                }
                return Ok(Some((BinaryOp::MatchesRegex, 2)));
            }
            TokenKind::Ident(w) => match BINARY_OPS.iter().find(|(_, s)| s == w) {
                Some((op, _)) => *op,
                None if w.starts_with('!') || STRING_OPS_UNSUPPORTED.contains(&w.as_str()) => {
                    return Err(self.err(self.span(), format!("operator '{w}' is not supported")));
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        Ok(Some((op, 1)))
    }

    fn in_list(&mut self) -> PResult<InList> {
        self.expect(&TokenKind::LParen)?;
        if matches!(self.peek(), TokenKind::Ident(_) | TokenKind::QuotedIdent(_))
            && *self.peek_at(1) == TokenKind::Pipe
        {
            let q = self.tabular()?;
            self.expect(&TokenKind::RParen)?;
            return Ok(InList::Query(Box::new(q)));
        }
        let mut values = vec![self.expr()?];
        while self.eat(&TokenKind::Comma) {
            values.push(self.expr()?);
        }
        self.expect(&TokenKind::RParen)?;
        Ok(InList::Values(values))
    }

    fn unary(&mut self) -> PResult<Expr> {
        let start = self.span();
        match self.peek() {
            TokenKind::Minus => {
                self.pos += 1;
                self.enter()?;
                let expr = self.unary()?;
                self.leave();
                let span = start.to(expr.span());
                Ok(Expr::Unary {
                    op: UnaryOp::Neg,
                    expr: Box::new(expr),
                    span,
                })
            }
            TokenKind::Plus => {
                self.pos += 1;
                self.enter()?;
                let expr = self.unary();
                self.leave();
                expr
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut expr = self.primary()?;
        loop {
            if self.eat(&TokenKind::Dot) {
                let name = self.name("a property name after '.'")?;
                let span = expr.span().to(name.span);
                expr = Expr::Member {
                    expr: Box::new(expr),
                    name,
                    span,
                };
            } else if *self.peek() == TokenKind::LBracket
                || matches!(self.peek(), TokenKind::QuotedIdent(_))
            {
                // `x['key']` lexes as a bracketed name; treat it as an index.
                let index = if let TokenKind::QuotedIdent(key) = self.peek().clone() {
                    let span = self.bump().span;
                    Expr::Literal {
                        value: Literal::Str(key),
                        span,
                    }
                } else {
                    self.pos += 1;
                    let index = self.expr()?;
                    self.expect(&TokenKind::RBracket)?;
                    index
                };
                let span = Span::new(expr.span().start, self.prev_end());
                expr = Expr::Index {
                    expr: Box::new(expr),
                    index: Box::new(index),
                    span,
                };
            } else {
                return Ok(expr);
            }
        }
    }

    fn primary(&mut self) -> PResult<Expr> {
        let token = self.bump();
        let span = token.span;
        let lit = |value| Ok(Expr::Literal { value, span });
        match token.kind {
            TokenKind::Int(n) => lit(Literal::Int(n)),
            TokenKind::Real(v) => lit(Literal::Real(v)),
            TokenKind::Str(s) => lit(Literal::Str(s)),
            TokenKind::Timespan(n) => lit(Literal::Timespan(n)),
            TokenKind::DateTime(raw) => match parse_datetime(&raw) {
                Some(dt) => lit(Literal::DateTime(dt)),
                None => Err(self.err(
                    span,
                    format!("'{raw}' is not a datetime (use e.g. datetime(2024-01-31T12:00:00Z))"),
                )),
            },
            TokenKind::TimespanCall(raw) => match parse_timespan(&raw) {
                Some(n) => lit(Literal::Timespan(n)),
                None => Err(self.err(
                    span,
                    format!(
                        "'{raw}' is not a timespan (use e.g. timespan(1d) or timespan(01:30:00))"
                    ),
                )),
            },
            TokenKind::LParen => {
                let expr = self.expr()?;
                self.expect(&TokenKind::RParen)?;
                Ok(expr)
            }
            TokenKind::QuotedIdent(name) => Ok(Expr::Column(Name { name, span })),
            TokenKind::Ident(word) => match word.as_str() {
                "true" => lit(Literal::Bool(true)),
                "false" => lit(Literal::Bool(false)),
                "dynamic" if *self.peek() == TokenKind::LParen => {
                    self.pos += 1;
                    let value = self.json()?;
                    self.expect(&TokenKind::RParen)?;
                    Ok(Expr::Literal {
                        value: Literal::Dynamic(value),
                        span: Span::new(span.start, self.prev_end()),
                    })
                }
                _ if *self.peek() == TokenKind::LParen => self.call(Name { name: word, span }),
                _ if word.starts_with('!') => {
                    Err(self.err(span, format!("expected an expression, found '{word}'")))
                }
                _ => Ok(Expr::Column(Name { name: word, span })),
            },
            other => {
                self.pos -= 1;
                Err(self.err(
                    span,
                    format!("expected an expression, found {}", other.describe()),
                ))
            }
        }
    }

    fn call(&mut self, name: Name) -> PResult<Expr> {
        let is_agg = AGGREGATE_FUNCTIONS.contains(&name.name.as_str());
        if is_agg && !self.agg_ok {
            return Err(self.err(
                name.span,
                format!(
                    "aggregation function '{}' is only allowed in the aggregations of summarize",
                    name.name
                ),
            ));
        }
        if !is_agg && !SCALAR_FUNCTIONS.contains(&name.name.as_str()) {
            return Err(self.err(
                name.span,
                format!(
                    "function '{}' is not supported (supported: {}; in summarize: {})",
                    name.name,
                    SCALAR_FUNCTIONS.join(", "),
                    AGGREGATE_FUNCTIONS.join(", ")
                ),
            ));
        }
        self.expect(&TokenKind::LParen)?;
        let outer_agg = self.agg_ok;
        if is_agg {
            self.agg_ok = false;
        }
        let args = self.call_args();
        self.agg_ok = outer_agg;
        let args = args?;
        let span = Span::new(name.span.start, self.prev_end());
        let (min, max) = arity(&name.name);
        if args.len() < min || args.len() > max {
            let wanted = match (min, max) {
                (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
                (a, usize::MAX) => format!("at least {a} arguments"),
                (a, b) => format!("{a} to {b} arguments"),
            };
            return Err(self.err(
                span,
                format!(
                    "function '{}' takes {wanted}, not {}",
                    name.name,
                    args.len()
                ),
            ));
        }
        let star_ok = matches!(name.name.as_str(), "arg_max" | "arg_min");
        if let Some(star) = args
            .iter()
            .find(|a| !star_ok && matches!(a, Expr::Star { .. }))
        {
            return Err(self.err(
                star.span(),
                format!("'*' is not an argument of '{}'", name.name),
            ));
        }
        Ok(Expr::Call { name, args, span })
    }

    fn call_args(&mut self) -> PResult<Vec<Expr>> {
        let mut args = Vec::new();
        if self.eat(&TokenKind::RParen) {
            return Ok(args);
        }
        loop {
            if *self.peek() == TokenKind::Star
                && matches!(self.peek_at(1), TokenKind::Comma | TokenKind::RParen)
            {
                let span = self.bump().span;
                args.push(Expr::Star { span });
            } else {
                args.push(self.expr()?);
            }
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.expect(&TokenKind::RParen)?;
        Ok(args)
    }

    /// A JSON-like value inside `dynamic( … )`.
    fn json(&mut self) -> PResult<serde_json::Value> {
        use serde_json::Value;
        self.enter()?;
        let start = self.span();
        let value = match self.bump().kind {
            TokenKind::Str(s) => Value::String(s),
            TokenKind::Int(n) => Value::from(n),
            TokenKind::Real(v) => {
                serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
            }
            TokenKind::Minus => match self.bump().kind {
                TokenKind::Int(n) => Value::from(-n),
                TokenKind::Real(v) => {
                    serde_json::Number::from_f64(-v).map_or(Value::Null, Value::Number)
                }
                _ => return Err(self.err(start, "expected a number after '-' in dynamic")),
            },
            TokenKind::Ident(w) if w == "true" => Value::Bool(true),
            TokenKind::Ident(w) if w == "false" => Value::Bool(false),
            TokenKind::Ident(w) if w == "null" => Value::Null,
            TokenKind::LBracket => {
                let mut items = Vec::new();
                if !self.eat(&TokenKind::RBracket) {
                    loop {
                        items.push(self.json()?);
                        if !self.eat(&TokenKind::Comma) {
                            break;
                        }
                    }
                    self.expect(&TokenKind::RBracket)?;
                }
                Value::Array(items)
            }
            TokenKind::QuotedIdent(s) => Value::Array(vec![Value::String(s)]),
            TokenKind::LBrace => {
                let mut map = serde_json::Map::new();
                if !self.eat(&TokenKind::RBrace) {
                    loop {
                        let key = match self.bump().kind {
                            TokenKind::Str(s) | TokenKind::Ident(s) => s,
                            _ => {
                                return Err(self.err(
                                    self.tokens[self.pos.saturating_sub(1)].span,
                                    "expected a property name in dynamic",
                                ));
                            }
                        };
                        self.expect(&TokenKind::Colon)?;
                        map.insert(key, self.json()?);
                        if !self.eat(&TokenKind::Comma) {
                            break;
                        }
                    }
                    self.expect(&TokenKind::RBrace)?;
                }
                Value::Object(map)
            }
            other => {
                return Err(self.err(
                    start,
                    format!("expected a dynamic value, found {}", other.describe()),
                ));
            }
        };
        self.leave();
        Ok(value)
    }
}

/// The (minimum, maximum) argument counts of a supported function.
fn arity(function: &str) -> (usize, usize) {
    match function {
        "now" => (0, 1),
        "count" => (0, 0),
        "strcat" => (1, 64),
        "substring" | "split" => (2, 3),
        "extract" => (3, 4),
        "iff" | "iif" => (3, 3),
        "bin" | "pow" => (2, 2),
        "round" => (1, 2),
        "dcount" | "make_set" | "make_list" => (1, 2),
        "arg_max" | "arg_min" => (2, usize::MAX),
        _ => (1, 1),
    }
}

/// Sources KQL has that this subset does not.
const UNSUPPORTED_SOURCES: &[&str] = &[
    "print",
    "datatable",
    "range",
    "search",
    "find",
    "externaldata",
    "evaluate",
];

/// String operators KQL has that this subset does not.
const STRING_OPS_UNSUPPORTED: &[&str] = &[
    "notcontains",
    "notcontainscs",
    "containscs",
    "notbetween",
    "notin",
    "has_any_cs",
    "has_all_cs",
    "like",
    "notlike",
];

/// The value of `datetime(raw)`: `Some(None)` for `null`, `None` if not a datetime.
fn parse_datetime(raw: &str) -> Option<Option<DateTime<Utc>>> {
    let s = raw.trim().trim_matches(|c| c == '"' || c == '\'');
    if s == "null" {
        return Some(None);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(Some(dt.with_timezone(&Utc)));
    }
    let naive = s.trim_end_matches('Z');
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(naive, fmt) {
            return Some(Some(dt.and_utc()));
        }
    }
    NaiveDate::parse_from_str(naive, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|dt| Some(dt.and_utc()))
}

/// Nanoseconds of `timespan(raw)`: `1d`, `-2h`, `[d.]hh:mm[:ss[.fffffff]]`.
fn parse_timespan(raw: &str) -> Option<i64> {
    let s = raw.trim();
    let (neg, s) = s.strip_prefix('-').map_or((false, s), |rest| (true, rest));
    let nanos = if s.contains(':') {
        let (days, clock) = match s.split_once('.') {
            Some((d, rest)) if rest.contains(':') => (d.parse::<i64>().ok()?, rest),
            _ => (0, s),
        };
        let parts: Vec<&str> = clock.split(':').collect();
        if !(2..=3).contains(&parts.len()) {
            return None;
        }
        let hours: i64 = parts[0].parse().ok()?;
        let minutes: i64 = parts[1].parse().ok()?;
        let seconds: f64 = parts.get(2).map_or(Some(0.0), |p| p.parse().ok())?;
        if !seconds.is_finite()
            || !(0.0..60.0).contains(&seconds)
            || minutes >= 60
            || hours < 0
            || minutes < 0
        {
            return None;
        }
        let whole = days
            .checked_mul(86_400)?
            .checked_add(hours.checked_mul(3600)?)?
            .checked_add(minutes * 60)?;
        whole
            .checked_mul(1_000_000_000)?
            .checked_add(((seconds * 1e7).round() as i64) * 100)?
    } else {
        let split = s.find(|c: char| c.is_alphabetic()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let unit = if unit.is_empty() {
            86_400_000_000_000
        } else {
            timespan_unit(unit)?
        };
        let v: f64 = num.parse().ok()?;
        let n = (v * unit as f64 / 100.0).round() * 100.0;
        if !n.is_finite() || n.abs() >= i64::MAX as f64 {
            return None;
        }
        n as i64
    };
    Some(if neg { -nanos } else { nanos })
}
