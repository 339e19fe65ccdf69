/// Errors from sectools operations. Each message names what was wrong so the user can fix it.
#[derive(Debug, thiserror::Error)]
pub enum SectoolsError {
    /// The input could not be used; the message names what was wrong with it.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// An IoC type name that is not one of the built-in names.
    #[error("unknown IoC type '{name}'; known types: {known}")]
    UnknownIocType {
        /// The name given.
        name: String,
        /// The names that would have worked.
        known: String,
    },
    /// A custom pattern that does not compile.
    #[error("custom IoC pattern '{name}' is not a valid regular expression: {message}")]
    InvalidPattern {
        /// The custom type's name.
        name: String,
        /// The regex compiler's explanation.
        message: String,
    },
    /// A DataFrame column that was asked for is not there.
    #[error("column '{column}' not found; the frame has: {available}")]
    MissingColumn {
        /// The column asked for.
        column: String,
        /// The columns the frame does have.
        available: String,
    },
    /// A DataFrame column has a type the operation cannot read.
    #[error("column '{column}' has type {actual}; expected {expected}")]
    ColumnType {
        /// The column.
        column: String,
        /// Its type.
        actual: String,
        /// What the operation needs.
        expected: String,
    },
    /// A rule file that cannot be read or parsed.
    #[error("rule file {source_name}: {message}")]
    Rules {
        /// File name, or `built-in` for the bundled rules.
        source_name: String,
        /// What was wrong.
        message: String,
    },
    /// Reading an input file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Building or reading a DataFrame failed.
    #[error("DataFrame error: {0}")]
    Polars(#[from] polars::error::PolarsError),
    /// A kernel interrupt stopped the call.
    #[error(transparent)]
    Interrupted(#[from] crate::runtime::Interrupted),
}

impl SectoolsError {
    pub(crate) fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        SectoolsError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}
