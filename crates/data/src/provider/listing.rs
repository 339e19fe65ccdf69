//! [`QueryList`]: queries as a user browses them (the notebook shows it as HTML).

use std::fmt;

use crate::QueryDef;

/// One query as listed: its name, description and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct QuerySummary {
    /// `family.name` (the first data family).
    pub name: String,
    /// The query's description.
    pub description: String,
    /// Parameters: name, type, description, default (as text) — required ones first.
    pub params: Vec<ParamSummary>,
    /// The query template (before rendering).
    pub template: String,
    /// The file it came from.
    pub file: String,
}

/// One parameter of a listed query.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSummary {
    /// The parameter's name.
    pub name: String,
    /// `str`, `datetime`, `int`, `float` or `list`.
    pub kind: String,
    /// Its description.
    pub description: String,
    /// The default as text, or `None` when the parameter is required.
    pub default: Option<String>,
}

impl QuerySummary {
    pub(crate) fn of(query: &QueryDef) -> QuerySummary {
        let mut params: Vec<ParamSummary> = query
            .params
            .iter()
            .map(|p| ParamSummary {
                name: p.name.clone(),
                kind: p.param_type.name().to_owned(),
                description: p.description.clone(),
                default: p.default.as_ref().map(crate::ParamValue::to_text),
            })
            .collect();
        params.sort_by_key(|p| p.default.is_some());
        QuerySummary {
            name: query
                .full_names()
                .into_iter()
                .next()
                .unwrap_or_else(|| query.name.clone()),
            description: query.description.clone(),
            params,
            template: query.query.clone(),
            file: query.file.clone(),
        }
    }

    /// The parameters a caller must give.
    pub fn required(&self) -> impl Iterator<Item = &ParamSummary> {
        self.params.iter().filter(|p| p.default.is_none())
    }
}

/// Queries of a provider, sorted by name: what `list_queries`/`search` return.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryList {
    /// The provider's environment and source, for the heading.
    pub title: String,
    /// The queries.
    pub queries: Vec<QuerySummary>,
}

impl QueryList {
    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.queries.iter().map(|q| q.name.as_str()).collect()
    }

    /// Number of queries.
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }
}

impl fmt::Display for QueryList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} ({} queries)", self.title, self.queries.len())?;
        for query in &self.queries {
            let required: Vec<&str> = query.required().map(|p| p.name.as_str()).collect();
            writeln!(
                f,
                "  {}({}) — {}",
                query.name,
                required.join(", "),
                query.description
            )?;
        }
        Ok(())
    }
}
