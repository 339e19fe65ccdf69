//! msticpy's investigation widgets (`msticpy.nbwidgets`), rebuilt on the ipywidgets
//! controls: query time pickers, filterable lists, an alert browser, a logon-session
//! browser, option buttons, text and secret prompts, and a progress bar.
//!
//! Each is a group of standard controls shown as one box. Values are read from the
//! front end when asked for, so the next cell sees what the user picked; derived
//! displays (a query's start and end, a selected alert's view) are refreshed by
//! callbacks between cells. Give a widget a [`key`](QueryTime::key) and re-running its
//! cell starts the new one from the old one's value (see `registry`).
//!
//! ```
//! use nbtools::widgets::{QueryTime, TimeUnit};
//!
//! let qt = QueryTime::new().with_units(TimeUnit::Day).with_before(2).with_after(0);
//! let range = qt.time_range();
//! assert_eq!(range.end() - range.start(), nbtools::data::chrono::Duration::days(2));
//! ```

use serde_json::Value;

use super::controls::Container;
use super::model::{VIEW_MIME, Widget};
use crate::{MimeBundle, Render, escape_html};

mod env_key;
mod get_text;
mod lookback;
mod option_buttons;
mod progress;
mod query_time;
mod registry;
mod select_alert;
mod select_item;
mod select_subset;
mod session_browser;

pub use env_key::GetEnvironmentKey;
pub use get_text::GetText;
pub use lookback::Lookback;
pub use option_buttons::OptionButtons;
pub(crate) use progress::NotebookProgress;
pub use progress::{ProgressBar, progress};
pub use query_time::{QueryTime, TimeUnit};
pub use select_alert::SelectAlert;
pub use select_item::{SelectItem, SelectString};
pub use select_subset::SelectSubset;
pub use session_browser::{LogonSession, SessionBrowser};

/// Sets a key of a control's layout model (`width`, `height`...).
fn set_layout(widget: &Widget, key: &str, value: impl Into<Value>) {
    if let Some(layout) = widget
        .parts()
        .iter()
        .find(|p| p.model_name() == "LayoutModel")
    {
        layout.set(key, value);
    }
}

/// Lets a control's description take the room it needs (ipywidgets cuts it at ~90px).
fn wide_description(widget: &Widget) {
    if let Some(style) = widget
        .parts()
        .iter()
        .find(|p| p.model_name() == "DescriptionStyleModel" || p.model_name() == "TextStyleModel")
    {
        style.set("description_width", "initial");
    }
}

/// The static HTML of one control, for a composite's fallback.
fn control_html(value: &(impl Render + ?Sized)) -> String {
    value
        .mime_bundle()
        .get("text/html")
        .unwrap_or_default()
        .to_owned()
}

/// A composite widget's bundle: the live view of `root`, and for renderers without a
/// widget manager a titled box with `body` (controls' snapshots) and the selection.
fn composite_bundle(
    root: &Container,
    title: &str,
    body: &str,
    summary_html: &str,
    plain: String,
) -> MimeBundle {
    // Nested boxes have no static form of their own, so composites write theirs here.
    let html = format!(
        "<div class=\"huntrs-widget\" style=\"border:1px solid #ccc;padding:4px\">\
         <div><b>{}</b></div>{body}<div>{summary_html}</div></div>",
        escape_html(title)
    );
    let view = root
        .widget()
        .mime_bundle()
        .data()
        .get(VIEW_MIME)
        .cloned()
        .unwrap_or_default();
    MimeBundle::text(plain)
        .with_html(html)
        .with(VIEW_MIME, view)
}

#[cfg(test)]
pub(crate) mod test_support {
    use serde_json::json;

    /// Simulates the user changing `state` of a model in the front end.
    pub fn front_end_update(widget: &super::Widget, state: serde_json::Value) {
        crate::widgets::__dispatch(
            &json!({"comm_id": widget.id(), "method": "update", "state": state}).to_string(),
        );
    }

    /// Simulates a click on a button model.
    pub fn click(widget: &super::Widget) {
        crate::widgets::__dispatch(
            &json!({"comm_id": widget.id(), "method": "custom", "content": {"event": "click"}})
                .to_string(),
        );
    }
}
