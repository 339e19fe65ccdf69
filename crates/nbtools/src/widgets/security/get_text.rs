//! [`GetText`]: a described text box (msticpy's `nbwidgets.GetText`).

use serde_json::json;

use super::registry;
use super::{set_layout, wide_description};
use crate::widgets::Text;
use crate::{MimeBundle, Render};

/// A text box with a prompt; [`value`](Self::value) is what it holds, trimmed.
///
/// ```
/// use nbtools::widgets::GetText;
///
/// let host = GetText::new("Host to investigate:").with_default("web01").key("host");
/// assert_eq!(host.value(), "web01");
/// ```
#[derive(Debug, Clone)]
pub struct GetText {
    text: Text,
}

impl GetText {
    /// An empty box after `description` (msticpy's default: "Enter the value: ").
    pub fn new(description: &str) -> GetText {
        let text = Text::new("").with_description(description);
        wide_description(text.widget());
        set_layout(text.widget(), "width", "50%");
        GetText { text }
    }

    /// Starts with `value` in the box.
    pub fn with_default(self, value: &str) -> Self {
        self.text.set_value(value);
        self
    }

    /// What the box holds, without surrounding white space.
    pub fn value(&self) -> String {
        self.text.value().trim().to_owned()
    }

    /// Replaces what the box holds.
    pub fn set_value(&self, value: &str) {
        self.text.set_value(value);
    }

    /// Names this widget so that a re-run of its cell keeps the text.
    pub fn key(self, key: &str) -> Self {
        let me = self.clone();
        if let Some(saved) = registry::claim("GetText", key, self.text.widget(), move || {
            json!(me.value())
        }) && let Some(value) = saved.as_str()
        {
            self.text.set_value(value);
        }
        self
    }

    /// The text box.
    pub fn text(&self) -> &Text {
        &self.text
    }
}

impl Render for GetText {
    fn mime_bundle(&self) -> MimeBundle {
        // The text box's own bundle: live view, and "description value" as fallback.
        self.text.mime_bundle()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::front_end_update;
    use super::*;

    #[test]
    fn typed_text_is_read_trimmed_and_kept_on_rerun() {
        let t = GetText::new("Host:").key("get-text-test");
        front_end_update(t.text.widget(), json!({"value": "  web01 "}));
        assert_eq!(t.value(), "web01");
        assert!(
            t.mime_bundle()
                .get("text/plain")
                .unwrap()
                .contains("Host:   web01")
        );
        let again = GetText::new("Host:").with_default("x").key("get-text-test");
        assert_eq!(again.value(), "web01");
    }
}
