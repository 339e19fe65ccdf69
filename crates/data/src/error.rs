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
}
