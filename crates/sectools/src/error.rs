/// Errors from sectools operations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SectoolsError {
    /// The input could not be used; the message names what was wrong with it.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}
