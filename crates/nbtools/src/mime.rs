use std::collections::BTreeMap;

use base64::Engine;
use serde::Serialize;
use serde_json::Value;

/// One output in several representations, keyed by MIME type. The front end picks
/// the richest it can show; `text/plain` is always present so every client shows
/// something.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MimeBundle {
    data: BTreeMap<String, Value>,
    metadata: BTreeMap<String, Value>,
}

impl MimeBundle {
    /// A bundle holding only `text/plain`.
    pub fn text(text: impl Into<String>) -> MimeBundle {
        let mut data = BTreeMap::new();
        data.insert("text/plain".to_owned(), Value::String(text.into()));
        MimeBundle {
            data,
            metadata: BTreeMap::new(),
        }
    }

    /// Adds `text/html`.
    pub fn with_html(self, html: impl Into<String>) -> MimeBundle {
        self.with("text/html", Value::String(html.into()))
    }

    /// Adds `image/svg+xml`.
    pub fn with_svg(self, svg: impl Into<String>) -> MimeBundle {
        self.with("image/svg+xml", Value::String(svg.into()))
    }

    /// Adds `text/markdown`.
    pub fn with_markdown(self, markdown: impl Into<String>) -> MimeBundle {
        self.with("text/markdown", Value::String(markdown.into()))
    }

    /// Adds `application/json` (sent as JSON, not as a string).
    pub fn with_json(self, json: Value) -> MimeBundle {
        self.with("application/json", json)
    }

    /// Adds `image/png` from the raw PNG bytes (base64-encoded on the wire).
    pub fn with_png(self, png: &[u8]) -> MimeBundle {
        let encoded = base64::engine::general_purpose::STANDARD.encode(png);
        self.with("image/png", Value::String(encoded))
    }

    /// Adds any MIME type with its wire value.
    pub fn with(mut self, mime_type: impl Into<String>, value: Value) -> MimeBundle {
        self.data.insert(mime_type.into(), value);
        self
    }

    /// Adds display metadata for a MIME type (for example `{"width": 640}` for an image).
    pub fn with_metadata(mut self, mime_type: impl Into<String>, value: Value) -> MimeBundle {
        self.metadata.insert(mime_type.into(), value);
        self
    }

    /// The textual value stored for a MIME type, if any.
    pub fn get(&self, mime_type: &str) -> Option<&str> {
        self.data.get(mime_type).and_then(Value::as_str)
    }

    /// The MIME types present, in sorted order.
    pub fn mime_types(&self) -> impl Iterator<Item = &str> {
        self.data.keys().map(String::as_str)
    }

    /// The bundle as Jupyter's `data` object.
    pub fn data(&self) -> &BTreeMap<String, Value> {
        &self.data
    }

    /// The bundle's `metadata` object.
    pub fn metadata(&self) -> &BTreeMap<String, Value> {
        &self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_bundle() {
        let bundle = MimeBundle::text("t")
            .with_html("<i>t</i>")
            .with_png(&[0x89, b'P', b'N', b'G'])
            .with_json(serde_json::json!({"a": 1}));
        assert_eq!(
            bundle.mime_types().collect::<Vec<_>>(),
            ["application/json", "image/png", "text/html", "text/plain"]
        );
        assert_eq!(bundle.get("image/png"), Some("iVBORw=="));
        assert_eq!(bundle.get("application/json"), None);
        assert_eq!(bundle.data()["application/json"]["a"], 1);
    }
}
