//! Interactive widgets: the ipywidgets 8 standard controls, driven from Rust.
//!
//! Stock JupyterLab draws them (its widget manager comes with `ipywidgets`; no
//! extension of ours). A widget's current value is readable from the next cell, and
//! callbacks (`on_click`, `on_change`) run between cells with their output below the
//! cell that shows the widget. Renderers without a widget manager (nbconvert, GitHub)
//! show a static snapshot.
//!
//! ```
//! use nbtools::widgets::{Button, Container, Dropdown};
//!
//! let severity = Dropdown::new(&["Low", "Medium", "High"]).with_description("Severity");
//! let go = Button::new("Search");
//! go.on_click(|| println!("searching"));
//! let row = Container::hbox(&[severity.widget(), go.widget()]);
//! // `row` as a cell's last value shows the two controls side by side.
//! assert_eq!(severity.value().as_deref(), Some("Low"));
//! # let _ = row;
//! ```

pub use any::{ANYWIDGET_VERSION, AnyWidget};
pub use controls::{
    Button, Checkbox, Container, DatePicker, DatetimePicker, Dropdown, FloatSlider, Html,
    IntSlider, Label, Output, Progress, Select, SelectMultiple, Text, Textarea,
};
pub use model::{VIEW_MIME, Widget};
pub use security::{
    GetEnvironmentKey, GetText, LogonSession, Lookback, OptionButtons, ProgressBar, QueryTime,
    SelectAlert, SelectItem, SelectString, SelectSubset, SessionBrowser, TimeUnit, progress,
};

mod any;
mod controls;
mod model;
mod security;
pub(crate) use security::NotebookProgress;

/// Front-end events from the kernel; see [`model::dispatch`].
#[doc(hidden)]
pub fn __dispatch(event_json: &str) {
    model::dispatch(event_json);
}
