/// Why a value could not become an entity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntityError {
    /// The text is not an IPv4 or IPv6 address.
    #[error("`{0}` is not an IPv4 or IPv6 address")]
    InvalidIp(String),
    /// The text is empty where a name is required.
    #[error("an empty {0} name is not allowed")]
    EmptyName(&'static str),
}
