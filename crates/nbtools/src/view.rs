//! [`View`]: a rendered view (HTML with a plain-text fallback) and [`ViewError`].

use std::path::{Path, PathBuf};

use crate::{MimeBundle, Render, escape_html};

/// A rendered view: self-contained HTML (inline CSS, SVG and a small script; nothing
/// fetched from the network) with a `text/plain` summary for consoles and for
/// renderers that show no HTML.
///
/// Shown as a cell's final value, or with [`display`](crate::display). Scripts add
/// hover, zoom, search and paging where JavaScript runs; without it (nbconvert, GitHub)
/// the static HTML and SVG still show the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    kind: &'static str,
    html: String,
    plain: String,
}

impl View {
    pub(crate) fn new(kind: &'static str, html: String, plain: String) -> View {
        View { kind, html, plain }
    }

    /// What kind of view this is (`timeline`, `process-tree`, ...).
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The HTML fragment a notebook shows.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// The plain-text fallback.
    pub fn plain(&self) -> &str {
        &self.plain
    }

    /// A standalone HTML page holding the view, for sharing outside a notebook.
    pub fn to_page(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>huntrs {}</title></head>\n\
             <body style=\"font-family:sans-serif\">\n{}\n</body></html>\n",
            escape_html(self.kind),
            self.html
        )
    }

    /// Writes [`View::to_page`] to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ViewError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_page()).map_err(|source| ViewError::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

impl Render for View {
    fn mime_bundle(&self) -> MimeBundle {
        MimeBundle::text(self.plain.clone()).with_html(self.html.clone())
    }
}

/// Why a view could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// A column the view needs is not in the frame.
    #[error("no column '{column}' in the data; its columns are: {available}")]
    MissingColumn {
        /// The column asked for.
        column: String,
        /// The frame's columns, comma-separated.
        available: String,
    },
    /// A column holds values of the wrong type.
    #[error("column '{column}' holds {actual}; this view needs {expected}")]
    ColumnType {
        /// The column.
        column: String,
        /// Its data type.
        actual: String,
        /// What the view can use.
        expected: String,
    },
    /// An option or input value the view cannot use.
    #[error("{0}")]
    InvalidInput(String),
    /// Reading a column failed in the transforms layer (e.g. a time that is not a time).
    #[error(transparent)]
    Sectools(#[from] sectools::SectoolsError),
    /// A DataFrame operation failed.
    #[error("DataFrame error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    /// Saving a page failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}
