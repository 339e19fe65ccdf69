//! [`Widget`]: one ipywidgets model, opened as a comm through the kernel.
//!
//! The cell process keeps a copy of each model's state. The kernel mirrors the front
//! end's copy; reading a value asks the kernel first (a [`KERNEL_QUERY_PREFIX`] query
//! on evcxr's input channel, ordered with the cell), so a value the user changed
//! before running the next cell is what that cell sees. Callbacks run in the cell
//! process: the kernel hands front-end events to [`dispatch`].
//!
//! [`KERNEL_QUERY_PREFIX`]: crate::wire::KERNEL_QUERY_PREFIX

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, Weak};

use serde_json::{Map, Value, json};

use crate::display::send;
use crate::wire::{ChildEvent, KERNEL_QUERY_PREFIX};
use crate::{MimeBundle, Render, escape_html};

/// The widget protocol version sent with every `comm_open`.
pub(crate) const PROTOCOL_VERSION: &str = "2.1.0";
/// `@jupyter-widgets/controls` and `@jupyter-widgets/base` module version.
pub(crate) const CONTROLS_VERSION: &str = "2.0.0";
/// The MIME type that shows a widget's view.
pub const VIEW_MIME: &str = "application/vnd.jupyter.widget-view+json";
/// `@jupyter-widgets/output` module version.
pub(crate) const OUTPUT_VERSION: &str = "1.0.0";

/// Which front-end model and view a widget is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ModelSpec {
    pub model: &'static str,
    pub view: &'static str,
    pub module: &'static str,
    /// The view's module, when not the model's (style models use `@jupyter-widgets/base`).
    pub view_module: Option<&'static str>,
    pub version: &'static str,
    /// The style model the control takes (`None`: no style trait).
    pub style: Option<&'static str>,
}

impl ModelSpec {
    /// A `@jupyter-widgets/controls` model.
    pub(crate) const fn controls(
        model: &'static str,
        view: &'static str,
        style: Option<&'static str>,
    ) -> Self {
        ModelSpec {
            model,
            view,
            module: "@jupyter-widgets/controls",
            view_module: None,
            version: CONTROLS_VERSION,
            style,
        }
    }

    fn header(&self) -> Map<String, Value> {
        let mut state = Map::new();
        state.insert("_model_name".into(), self.model.into());
        state.insert("_model_module".into(), self.module.into());
        state.insert("_model_module_version".into(), self.version.into());
        state.insert("_view_name".into(), self.view.into());
        state.insert(
            "_view_module".into(),
            self.view_module.unwrap_or(self.module).into(),
        );
        state.insert("_view_module_version".into(), self.version.into());
        state
    }
}

type ChangeCallback = Box<dyn Fn(&str, &Value) + Send + Sync>;
type CustomCallback = Box<dyn Fn(&Value) + Send + Sync>;

struct Inner {
    comm_id: String,
    spec: ModelSpec,
    state: Mutex<Map<String, Value>>,
    on_change: Mutex<Vec<ChangeCallback>>,
    on_custom: Mutex<Vec<CustomCallback>>,
    listening: std::sync::atomic::AtomicBool,
    /// Models this one refers to (layout, style, children): kept open while it is.
    parts: Vec<Widget>,
    /// Static HTML and plain text of the current state, for renderers without widgets.
    snapshot: fn(&Map<String, Value>) -> (String, String),
}

/// A handle on one widget model. Cloning shares the model.
#[derive(Clone)]
pub struct Widget {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Widget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Widget")
            .field("model", &self.inner.spec.model)
            .field("comm_id", &self.inner.comm_id)
            .finish()
    }
}

/// Comm events this process has sent; see [`crate::wire::KERNEL_QUERY_PREFIX`].
static COMM_EVENTS: AtomicU64 = AtomicU64::new(0);

fn next_seq() -> u64 {
    COMM_EVENTS.fetch_add(1, Ordering::SeqCst) + 1
}

/// Live models by comm id, for [`dispatch`]. Weak: a model nobody holds is gone.
static LIVE: LazyLock<Mutex<HashMap<String, Weak<Inner>>>> = LazyLock::new(Mutex::default);

fn new_comm_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    // Unique per process run and across runs: pid, start time, counter.
    format!(
        "huntrs{:x}{:x}{:04x}",
        std::process::id(),
        nanos,
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn no_snapshot(_: &Map<String, Value>) -> (String, String) {
    (String::new(), String::new())
}

impl Widget {
    /// Opens a model: its layout (and style) first, then itself, as the front end
    /// needs referenced models to exist before the one that names them.
    pub(crate) fn open(
        spec: ModelSpec,
        values: Map<String, Value>,
        children: Vec<Widget>,
        snapshot: fn(&Map<String, Value>) -> (String, String),
    ) -> Widget {
        let mut parts = children;
        let mut state = spec.header();
        if spec.model != "LayoutModel" && !spec.model.ends_with("StyleModel") {
            let layout = Widget::open(
                ModelSpec {
                    model: "LayoutModel",
                    view: "LayoutView",
                    module: "@jupyter-widgets/base",
                    view_module: None,
                    version: CONTROLS_VERSION,
                    style: None,
                },
                Map::new(),
                Vec::new(),
                no_snapshot,
            );
            state.insert("layout".into(), layout.reference().into());
            parts.push(layout);
            if let Some(style_model) = spec.style {
                let style = Widget::open(
                    ModelSpec {
                        model: style_model,
                        view: "StyleView",
                        module: "@jupyter-widgets/controls",
                        view_module: Some("@jupyter-widgets/base"),
                        version: CONTROLS_VERSION,
                        style: None,
                    },
                    Map::new(),
                    Vec::new(),
                    no_snapshot,
                );
                state.insert("style".into(), style.reference().into());
                parts.push(style);
            }
        }
        state.extend(values);
        let comm_id = new_comm_id();
        send(&ChildEvent::CommOpen {
            comm_id: comm_id.clone(),
            target_name: "jupyter.widget".to_owned(),
            data: json!({"state": state, "buffer_paths": []}),
            metadata: json!({"version": PROTOCOL_VERSION}),
            listen: false,
            seq: next_seq(),
        });
        let inner = Arc::new(Inner {
            comm_id: comm_id.clone(),
            spec,
            state: Mutex::new(state),
            on_change: Mutex::default(),
            on_custom: Mutex::default(),
            listening: std::sync::atomic::AtomicBool::new(false),
            parts,
            snapshot,
        });
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|_, w| w.strong_count() > 0);
            live.insert(comm_id, Arc::downgrade(&inner));
        }
        Widget { inner }
    }

    /// The comm id (the front end's model id).
    pub fn id(&self) -> &str {
        &self.inner.comm_id
    }

    /// `IPY_MODEL_<id>`: how another model's state refers to this one.
    pub fn reference(&self) -> String {
        format!("IPY_MODEL_{}", self.inner.comm_id)
    }

    /// The model name (`DropdownModel`).
    pub fn model_name(&self) -> &'static str {
        self.inner.spec.model
    }

    /// The current value of a state key, as the front end has it.
    pub fn get(&self, key: &str) -> Value {
        self.refresh();
        self.cached(key)
    }

    /// The whole current state.
    pub fn state(&self) -> Map<String, Value> {
        self.refresh();
        self.inner
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// The value this process last knew, without asking the kernel.
    pub(crate) fn cached(&self, key: &str) -> Value {
        self.inner
            .state
            .lock()
            .ok()
            .and_then(|s| s.get(key).cloned())
            .unwrap_or(Value::Null)
    }

    /// Sets state keys here and in the front end.
    pub fn set_many(&self, values: Map<String, Value>) {
        if values.is_empty() {
            return;
        }
        if let Ok(mut state) = self.inner.state.lock() {
            state.extend(values.clone());
        }
        send(&ChildEvent::CommMsg {
            comm_id: self.inner.comm_id.clone(),
            data: json!({"method": "update", "state": values, "buffer_paths": []}),
            seq: next_seq(),
        });
    }

    /// Sets one state key here and in the front end.
    pub fn set(&self, key: &str, value: impl Into<Value>) {
        self.set_many(Map::from_iter([(key.to_owned(), value.into())]));
    }

    /// Sends a custom message to the front end (`{"method": "custom", "content": ...}`).
    pub fn send_custom(&self, content: Value) {
        send(&ChildEvent::CommMsg {
            comm_id: self.inner.comm_id.clone(),
            data: json!({"method": "custom", "content": content}),
            seq: next_seq(),
        });
    }

    /// Runs `callback(key, new_value)` whenever the user changes the widget. Callbacks
    /// run in the cell process between cells; their output goes below the cell that
    /// shows the widget.
    pub fn on_change(&self, callback: impl Fn(&str, &Value) + Send + Sync + 'static) {
        if let Ok(mut list) = self.inner.on_change.lock() {
            list.push(Box::new(callback));
        }
        self.listen();
    }

    /// Runs `callback(content)` for each custom message from the front end (a button
    /// click is `{"event": "click"}`).
    pub fn on_custom(&self, callback: impl Fn(&Value) + Send + Sync + 'static) {
        if let Ok(mut list) = self.inner.on_custom.lock() {
            list.push(Box::new(callback));
        }
        self.listen();
    }

    /// Closes the model; its views disappear.
    pub fn close(&self) {
        send(&ChildEvent::CommClose {
            comm_id: self.inner.comm_id.clone(),
            seq: next_seq(),
        });
        if let Ok(mut live) = LIVE.lock() {
            live.remove(&self.inner.comm_id);
        }
    }

    fn listen(&self) {
        if self.inner.listening.swap(true, Ordering::SeqCst) {
            return;
        }
        kernel_query(&format!("listen {}", self.inner.comm_id));
    }

    fn refresh(&self) {
        let Some(answer) = kernel_query(&format!("state {}", self.inner.comm_id)) else {
            return;
        };
        if let Ok(Value::Object(state)) = serde_json::from_str::<Value>(&answer)
            && let Ok(mut mine) = self.inner.state.lock()
        {
            *mine = state;
        }
    }

    fn apply_front_end_update(&self, update: &Map<String, Value>) {
        if let Ok(mut state) = self.inner.state.lock() {
            state.extend(update.clone());
        }
        if let Ok(callbacks) = self.inner.on_change.lock() {
            for (key, value) in update {
                for callback in callbacks.iter() {
                    callback(key, value);
                }
            }
        }
    }

    /// The models this one keeps open (layout, style, children).
    pub(crate) fn parts(&self) -> &[Widget] {
        &self.inner.parts
    }
}

/// Asks the kernel a question (see [`KERNEL_QUERY_PREFIX`]); `None` outside the kernel.
pub(crate) fn kernel_query(question: &str) -> Option<String> {
    if !crate::runtime::in_kernel() {
        return None;
    }
    let seq = COMM_EVENTS.load(Ordering::SeqCst);
    Some(evcxr_input::get_string(&format!(
        "{KERNEL_QUERY_PREFIX}{seq} {question}"
    )))
}

impl Render for Widget {
    fn mime_bundle(&self) -> MimeBundle {
        let state = self
            .inner
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        let (mut html, mut plain) = (self.inner.snapshot)(&state);
        let children: Vec<&Widget> = self
            .inner
            .parts
            .iter()
            .filter(|p| p.model_name() != "LayoutModel" && !p.model_name().ends_with("StyleModel"))
            .collect();
        if html.is_empty() && !children.is_empty() {
            // A box: its static form is its children's, in order, however deep.
            html = String::from("<div class=\"huntrs-widget-box\">");
            let mut texts = Vec::new();
            for child in children {
                let bundle = child.mime_bundle();
                html.push_str(bundle.get("text/html").unwrap_or(""));
                html.push(' ');
                texts.push(bundle.get("text/plain").unwrap_or("").to_owned());
            }
            html.push_str("</div>");
            plain = texts.join(" | ");
        }
        if plain.is_empty() {
            plain = format!(
                "{}({})",
                self.inner.spec.model.trim_end_matches("Model"),
                self.id()
            );
        }
        if html.is_empty() {
            html = format!("<i>{}</i>", escape_html(&plain));
        }
        MimeBundle::text(plain).with_html(html).with(
            VIEW_MIME,
            json!({"version_major": 2, "version_minor": 0, "model_id": self.id()}),
        )
    }
}

/// Entry point for front-end events, called by the kernel between cells:
/// `{"comm_id", "method": "update"|"custom"|"close", "state"|"content"}`.
#[doc(hidden)]
pub fn dispatch(event_json: &str) {
    let Ok(event) = serde_json::from_str::<Value>(event_json) else {
        eprintln!("huntrs widgets: unreadable event {event_json}");
        return;
    };
    let comm_id = event["comm_id"].as_str().unwrap_or("");
    let inner = LIVE
        .lock()
        .ok()
        .and_then(|live| live.get(comm_id).and_then(Weak::upgrade));
    let Some(inner) = inner else {
        return;
    };
    let widget = Widget { inner };
    match event["method"].as_str() {
        Some("update") => {
            if let Some(update) = event["state"].as_object() {
                widget.apply_front_end_update(update);
            }
        }
        Some("custom") => {
            if let Ok(callbacks) = widget.inner.on_custom.lock() {
                for callback in callbacks.iter() {
                    callback(&event["content"]);
                }
            }
        }
        Some("close") => {
            if let Ok(mut live) = LIVE.lock() {
                live.remove(comm_id);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn slider() -> Widget {
        let spec = ModelSpec::controls("IntSliderModel", "IntSliderView", Some("SliderStyleModel"));
        Widget::open(
            spec,
            Map::from_iter([("value".to_string(), json!(3))]),
            Vec::new(),
            no_snapshot,
        )
    }

    #[test]
    fn a_model_has_its_header_layout_and_style() {
        let w = slider();
        let state = w.state();
        assert_eq!(state["_model_name"], "IntSliderModel");
        assert_eq!(state["_view_module_version"], "2.0.0");
        assert_eq!(state["value"], 3);
        assert_eq!(w.parts().len(), 2);
        assert_eq!(state["layout"], w.parts()[0].reference());
        assert_eq!(w.parts()[1].model_name(), "SliderStyleModel");
        let bundle = w.mime_bundle();
        let view = &bundle.data()["application/vnd.jupyter.widget-view+json"];
        assert_eq!(view["model_id"], w.id());
    }

    #[test]
    fn front_end_events_update_state_and_run_callbacks() {
        let w = slider();
        let changes = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&changes);
        w.on_change(move |key, value| {
            assert_eq!((key, value), ("value", &json!(9)));
            seen.fetch_add(1, Ordering::SeqCst);
        });
        let clicks = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&clicks);
        w.on_custom(move |content| {
            assert_eq!(content["event"], "click");
            seen.fetch_add(1, Ordering::SeqCst);
        });
        dispatch(
            &json!({"comm_id": w.id(), "method": "update", "state": {"value": 9}}).to_string(),
        );
        dispatch(
            &json!({"comm_id": w.id(), "method": "custom", "content": {"event": "click"}})
                .to_string(),
        );
        dispatch(&json!({"comm_id": "unknown", "method": "custom", "content": {}}).to_string());
        dispatch("not json");
        assert_eq!(changes.load(Ordering::SeqCst), 1);
        assert_eq!(clicks.load(Ordering::SeqCst), 1);
        assert_eq!(w.get("value"), 9);
    }
}
