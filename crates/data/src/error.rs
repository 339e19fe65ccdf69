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
}
