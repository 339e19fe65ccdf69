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
    /// A configuration file or value that cannot be used.
    #[error("settings {source_name}: {message}")]
    Settings {
        /// The file, or the setting's dotted path.
        source_name: String,
        /// What was wrong.
        message: String,
    },
    /// A secret setting that cannot be read; the reason says how to provide it.
    #[error("secret setting {setting} is unavailable: {reason}")]
    SecretUnavailable {
        /// The setting's dotted path (`TIProviders.VirusTotal.Args.AuthKey`).
        setting: String,
        /// Why, and what to do.
        reason: String,
    },
    /// Something needed is not configured.
    #[error("{what} is not configured: {hint}")]
    NotConfigured {
        /// What is missing (`GeoIP database`).
        what: String,
        /// How to configure it.
        hint: String,
    },
    /// A server answered with an error status (after any retries).
    #[error("{host} answered HTTP {status}{}: {message}", status_hint(*status))]
    HttpStatus {
        /// The server's host name (never the query string, which may hold a key).
        host: String,
        /// The HTTP status.
        status: u16,
        /// The server's own message, shortened, with any key of the request removed.
        message: String,
    },
    /// A request that got no answer (connection refused, TLS, reset).
    #[error("request to {host} failed: {message}")]
    HttpTransport {
        /// The server's host name.
        host: String,
        /// What went wrong.
        message: String,
    },
    /// A request that took longer than its timeout.
    #[error(
        "request to {host} timed out after {seconds:.1} s (raise the timeout if the service is slow)"
    )]
    Timeout {
        /// The server's host name.
        host: String,
        /// The timeout.
        seconds: f64,
    },
    /// A response that is not what the API documents (malformed JSON, missing fields).
    #[error("{host} sent a response that could not be read: {message}")]
    BadResponse {
        /// The server's host name.
        host: String,
        /// What was wrong with it.
        message: String,
    },
    /// A name or address lookup (DNS, GeoIP database) that failed.
    #[error("lookup of {name} failed: {message}")]
    Lookup {
        /// What was looked up.
        name: String,
        /// Why it failed.
        message: String,
    },
    /// A kernel interrupt stopped the call.
    #[error(transparent)]
    Interrupted(#[from] crate::runtime::Interrupted),
}

/// The advice that goes with an HTTP error status.
fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (check the API key or credentials in msticpyconfig.yaml)",
        404 => " (not found)",
        429 => " (rate limited: lower the request rate or wait)",
        500..=599 => " (server error)",
        _ => "",
    }
}

impl SectoolsError {
    pub(crate) fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        SectoolsError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}
