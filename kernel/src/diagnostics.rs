//! Turns evcxr's errors into what the notebook shows: rustc-style messages that
//! point at the cell's own lines.

use evcxr::CompilationError;

use crate::cell_source::Instrumented;

/// An error to report for a cell: Jupyter's `ename`, `evalue` and `traceback`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CellError {
    /// Short kind: `compile error`, `panic`, `KeyboardInterrupt`, `evcxr error`, `process died`.
    pub ename: String,
    /// One-line summary.
    pub evalue: String,
    /// The full report, one entry per line.
    pub traceback: Vec<String>,
}

impl CellError {
    /// An error whose report is its summary.
    pub fn new(ename: &str, evalue: impl Into<String>) -> CellError {
        let evalue = evalue.into();
        CellError {
            ename: ename.to_owned(),
            traceback: evalue.lines().map(str::to_owned).collect(),
            evalue,
        }
    }
}

/// Renders compiler errors against the cell the user wrote (`original`), mapping
/// columns back from the instrumented code evcxr compiled.
pub fn compile_errors(
    errors: &[CompilationError],
    original: &str,
    instrumented: &Instrumented,
) -> CellError {
    let source_lines: Vec<&str> = original.lines().collect();
    let mut traceback = Vec::new();
    for error in errors {
        let level = error.level();
        let code = error.code().map(|c| format!("[{c}]")).unwrap_or_default();
        traceback.push(format!("{level}{code}: {}", error.message()));
        let mut spans: Vec<_> = error
            .spanned_messages()
            .iter()
            .filter(|m| m.span.is_some())
            .collect();
        spans.sort_by_key(|m| !m.is_primary);
        if let Some(primary) = spans.first().and_then(|m| m.span) {
            let column = instrumented.original_column(primary.start_line, primary.start_column);
            traceback.push(format!(" --> cell:{}:{column}", primary.start_line));
        }
        let gutter = spans
            .iter()
            .filter_map(|m| m.span)
            .map(|s| s.end_line.to_string().len())
            .max()
            .unwrap_or(1);
        let pad = " ".repeat(gutter);
        if !spans.is_empty() {
            traceback.push(format!("{pad} |"));
        }
        let mut shown_line = None;
        for message in &spans {
            let Some(span) = message.span else { continue };
            let line_text = source_lines.get(span.start_line - 1).copied().unwrap_or("");
            if shown_line != Some(span.start_line) {
                traceback.push(format!("{:>gutter$} | {line_text}", span.start_line));
                shown_line = Some(span.start_line);
            }
            let start = instrumented.original_column(span.start_line, span.start_column);
            let end = if span.end_line == span.start_line {
                instrumented
                    .original_column(span.end_line, span.end_column)
                    .max(start + 1)
            } else {
                line_text.chars().count() + 1
            };
            let marker = if message.is_primary { "^" } else { "-" };
            traceback.push(format!(
                "{pad} | {}{} {}",
                " ".repeat(start.saturating_sub(1)),
                marker.repeat(end.saturating_sub(start).max(1)),
                message.label
            ));
        }
        for help in error.help() {
            traceback.push(format!("{pad} = help: {help}"));
        }
        if let Some(hint) = error.evcxr_extra_hint() {
            traceback.push(format!("{pad} = hint: {hint}"));
        }
        if spans.is_empty() {
            // Errors evcxr could not map to the cell (for example in generated code):
            // show rustc's own rendering so nothing is lost.
            traceback.extend(error.rendered().lines().map(str::to_owned));
        }
        traceback.push(String::new());
    }
    while traceback.last().is_some_and(String::is_empty) {
        traceback.pop();
    }
    let evalue = errors
        .first()
        .map(|e| e.message())
        .unwrap_or_else(|| String::from("compilation failed"));
    CellError {
        ename: String::from("compile error"),
        evalue,
        traceback,
    }
}
