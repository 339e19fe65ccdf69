//! [`AnyWidget`]: a custom view written as an ES module, through anywidget's front end.
//!
//! The JupyterLab environment needs the `anywidget` Python package (huntrs's lab set-up
//! installs it); nothing is fetched from a CDN: the module's source travels in the
//! model state (`_esm`). Its `render({model, el})` draws into `el`; `model.get`,
//! `model.set(k, v); model.save_changes()` and `model.send(content)` talk to Rust.

use serde_json::{Map, Value, json};

use super::model::{ModelSpec, Widget};
use crate::{MimeBundle, Render};

/// The anywidget front-end version these models are written for (the pinned
/// `anywidget` package; its front end loads models whose version range matches).
pub const ANYWIDGET_VERSION: &str = "~0.11.*";

/// A custom widget: ES module source plus your own synced state.
#[derive(Debug, Clone)]
pub struct AnyWidget {
    widget: Widget,
}

fn snapshot(state: &Map<String, Value>) -> (String, String) {
    let fields: Vec<String> = state
        .iter()
        .filter(|(k, _)| !k.starts_with('_') && *k != "layout")
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let plain = format!("AnyWidget({})", fields.join(", "));
    (
        format!("<code>{}</code>", crate::escape_html(&plain)),
        plain,
    )
}

impl AnyWidget {
    /// A widget named `id` (anywidget uses it to tell models apart on hot reload) whose
    /// view is the ES module `esm`, starting with the fields in `values`.
    pub fn new(id: &str, esm: &str, values: Map<String, Value>) -> AnyWidget {
        let spec = ModelSpec {
            model: "AnyModel",
            view: "AnyView",
            module: "anywidget",
            view_module: None,
            version: ANYWIDGET_VERSION,
            style: None,
        };
        let mut state = values;
        state.insert("_esm".into(), json!(esm));
        state.insert("_anywidget_id".into(), json!(id));
        AnyWidget {
            widget: Widget::open(spec, state, Vec::new(), snapshot),
        }
    }

    /// Adds CSS for the view.
    pub fn with_css(self, css: &str) -> Self {
        self.widget.set("_css", css);
        self
    }

    /// The underlying model.
    pub fn widget(&self) -> &Widget {
        &self.widget
    }

    /// A field's current value, as the front end has it.
    pub fn get(&self, key: &str) -> Value {
        self.widget.get(key)
    }

    /// Sets a field here and in the front end.
    pub fn set(&self, key: &str, value: impl Into<Value>) {
        self.widget.set(key, value);
    }

    /// Runs `callback(content)` for each `model.send(content)` from the view.
    pub fn on_message(&self, callback: impl Fn(&Value) + Send + Sync + 'static) {
        self.widget.on_custom(callback);
    }

    /// Sends `content` to the view (its `model.on("msg:custom", ...)` handlers).
    pub fn send(&self, content: Value) {
        self.widget.send_custom(content);
    }
}

impl Render for AnyWidget {
    fn mime_bundle(&self) -> MimeBundle {
        self.widget.mime_bundle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_its_module_and_fields() {
        let w = AnyWidget::new(
            "counter",
            "export default { render() {} }",
            Map::from_iter([("count".to_string(), json!(0))]),
        )
        .with_css(".x{}");
        let state = w.widget().state();
        assert_eq!(state["_model_name"], "AnyModel");
        assert_eq!(state["_model_module_version"], ANYWIDGET_VERSION);
        assert_eq!(state["_css"], ".x{}");
        w.set("count", 3);
        assert_eq!(w.get("count"), 3);
        assert_eq!(
            w.mime_bundle().get("text/plain"),
            Some("AnyWidget(count=3)")
        );
    }
}
