//! [`Secret`]: an API key, password or token that never prints.
//!
//! `Debug` and `Display` write `[redacted]`, there is no `Serialize`, and the only way
//! to the value is [`Secret::expose`], which a caller uses at the one place the value
//! goes on the wire (a header, a form field). Errors built by [`crate::http`] scrub any
//! secret of the request from a server's message before it is shown.

use std::fmt;
use std::sync::Arc;

/// A secret string (API key, client secret, token). Cheap to clone.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(Arc::from(value.into()))
    }

    /// The value itself: only for putting it where it is needed (a header, a form).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (a configured but blank key).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every occurrence of this secret in `text` with `[redacted]`. Used on
    /// server messages, which sometimes echo the key they refused.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.len() < 4 || !text.contains(&*self.0) {
            return text.to_string();
        }
        text.replace(&*self.0, "[redacted]")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_and_scrubs() {
        let s = Secret::new("CANARY-1234");
        assert_eq!(
            format!("{s} {s:?} {:?}", Some(&s)),
            "[redacted] [redacted] Some([redacted])"
        );
        assert_eq!(s.expose(), "CANARY-1234");
        assert_eq!(s.scrub("bad key CANARY-1234!"), "bad key [redacted]!");
    }
}
