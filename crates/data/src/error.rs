/// Errors from the data layer.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A time range whose end is before its start.
    #[error("time range ends ({end}) before it starts ({start}); swap the two values")]
    InvertedTimeRange {
        /// The start that was given.
        start: String,
        /// The end that was given.
        end: String,
    },
    /// A table file that cannot be read or written; the message says why.
    #[error("{path}: {message}")]
    TableFile {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The sample dataset could not be generated or written; the message names the
    /// path or option and says why.
    #[error("sample data: {message}")]
    SampleData {
        /// What went wrong.
        message: String,
    },
    /// A table row that cannot become an alert, event or entity; the message names
    /// the row and what was wrong.
    #[error("{0}")]
    Row(String),
    /// A query file that cannot be read or is not a valid msticpy-format query library;
    /// names the file and, where it applies, the query and parameter.
    #[error("{}", crate::query::describe(.file, .query.as_deref(), .param.as_deref(), .message))]
    QueryFile {
        /// The file (or the name given to `QueryLibrary::from_yaml_str`).
        file: String,
        /// The query (source) the problem is in, if any.
        query: Option<String>,
        /// The parameter the problem is in, if any.
        param: Option<String>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A query that cannot be rendered with the values given; names the query and
    /// the parameter.
    #[error("{}", crate::query::describe_render(.query, .param.as_deref(), .message))]
    QueryRender {
        /// The query, `family.name`.
        query: String,
        /// The parameter the problem is in, if any.
        param: Option<String>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A KQL query that does not parse or uses something outside the supported subset;
    /// shows the line, column and a caret under the offending text.
    #[error("KQL: {0}")]
    Kql(#[from] crate::kql::KqlError),
    /// Something the driver or provider does not support; the message names it.
    #[error("{0}")]
    Unsupported(String),
    /// A query provider that cannot be created (unknown name, missing settings); the
    /// message lists what is valid or what to set.
    #[error("query provider: {0}")]
    Provider(String),
    /// A driver failed to run a query: names the driver's environment and its source
    /// (folder, workspace, cluster) and gives the server's or engine's message.
    #[error("{environment} ({source_name}): {message}")]
    Driver {
        /// The driver's environment (`LocalData`, `MSSentinel`, ...).
        environment: String,
        /// The folder, workspace or cluster.
        source_name: String,
        /// What went wrong, with the server's message where there is one.
        message: String,
    },
    /// A kernel interrupt stopped the call.
    #[error(transparent)]
    Interrupted(#[from] sectools::Interrupted),
    /// An enrichment lookup or transform failed (named by sectools).
    #[error(transparent)]
    Sectools(#[from] sectools::SectoolsError),
}
