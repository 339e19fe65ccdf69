//! Widget values that survive re-running a cell (msticpy's `RegisteredWidget`).
//!
//! A widget given a key registers its root model and a function reading its current
//! value. When a cell re-runs and builds a widget of the same kind with the same key,
//! [`claim`] reads the previous widget's value (from the front end, through
//! [`Widget::get`]), closes the previous models and hands the value to the new widget.
//! Values are kept in this process only; nothing is written to disk.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use serde_json::Value;

use super::super::model::Widget;

type Saver = Arc<dyn Fn() -> Value + Send + Sync>;

struct Entry {
    root: Widget,
    save: Saver,
}

static REGISTRY: LazyLock<Mutex<HashMap<String, Entry>>> = LazyLock::new(Mutex::default);

/// Registers `root` as the `kind` widget named `key`. Returns the value the widget
/// previously registered under that name holds now (`None` for a first run), after
/// closing that widget's models.
pub(super) fn claim(
    kind: &str,
    key: &str,
    root: &Widget,
    save: impl Fn() -> Value + Send + Sync + 'static,
) -> Option<Value> {
    let name = format!("{kind}/{key}");
    let entry = Entry {
        root: root.clone(),
        save: Arc::new(save),
    };
    let previous = REGISTRY.lock().ok()?.insert(name, entry)?;
    if previous.root.id() == root.id() {
        return None;
    }
    // Read outside the lock: reading asks the kernel, and savers may take locks.
    let value = (previous.save)();
    close_tree(&previous.root);
    Some(value)
}

/// Closes a model and every model it keeps open (children, layout, style).
pub(super) fn close_tree(widget: &Widget) {
    for part in widget.parts() {
        close_tree(part);
    }
    widget.close();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::widgets::Text;
    use serde_json::json;

    #[test]
    fn the_second_claim_gets_the_first_widgets_value() {
        let first = Text::new("one");
        let reader = first.clone();
        assert_eq!(
            claim("test", "k", first.widget(), move || json!(reader.value())),
            None
        );
        first.set_value("changed by the user");
        let second = Text::new("two");
        let got = claim("test", "k", second.widget(), || json!(null));
        assert_eq!(got, Some(json!("changed by the user")));
        // Another key or kind is another widget.
        assert_eq!(claim("other", "k", second.widget(), || json!(1)), None);
        assert_eq!(claim("test", "k", second.widget(), || json!(2)), None);
    }
}
