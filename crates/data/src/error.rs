/// Errors from the data layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// A time range whose end is before its start.
    #[error("time range ends ({end}) before it starts ({start}); swap the two values")]
    InvertedTimeRange {
        /// The start that was given.
        start: String,
        /// The end that was given.
        end: String,
    },
}
