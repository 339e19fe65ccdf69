//! Notebook tools: how huntrs values show up in Jupyter.
//!
//! A type becomes displayable by implementing [`Render`], which turns it into a
//! [`MimeBundle`] (HTML, SVG, PNG, JSON, Markdown, plain text). The huntrs kernel
//! shows a cell's final value through it, and [`display`] sends a bundle to the
//! notebook at once, from anywhere in a cell. [`runtime`] holds the hooks the kernel
//! installs in the process that runs cells (panic reports, interrupts).
//!
//! The analyst's views ([`views`]) render as self-contained HTML and SVG — no network,
//! a static form for nbconvert and GitHub, a small script for hover, zoom and search:
//!
//! | view | built by | shown by default for |
//! |---|---|---|
//! | alert | [`AlertView`], [`alert_view`] | [`entities::SecurityAlert`] |
//! | event timeline | [`timeline`], [`timeline_duration`], [`timeline_values`] | |
//! | logon sessions | [`LogonView`] | |
//! | process tree | [`ProcessTreeView`] | [`sectools::ProcessTree`] |
//! | entities and their graph | [`entity_view`], [`entity_graph`], [`alert_graph`] | [`entities::EntitySet`], [`entities::EntityGraph`] |
//! | data viewer | [`DataViewer`], [`static_table`] | [`polars::prelude::DataFrame`] |
//! | IP map | [`IpMap`] | |
//!
//! [`widgets`] drives ipywidgets 8 controls from Rust (values readable from the next
//! cell, callbacks between cells).
//!
//! ```
//! use nbtools::{MimeBundle, Render};
//!
//! struct Verdict(&'static str);
//!
//! impl Render for Verdict {
//!     fn mime_bundle(&self) -> MimeBundle {
//!         MimeBundle::text(self.0).with_html(format!("<b>{}</b>", nbtools::escape_html(self.0)))
//!     }
//! }
//!
//! let bundle = Verdict("malicious").mime_bundle();
//! assert_eq!(bundle.get("text/html"), Some("<b>malicious</b>"));
//! ```

// The kernel preloads nbtools and brings these into every cell under their own names.
// serde_json is public API (`MimeBundle::with_json`) and polars that of the
// transforms, so cells must be able to name them.
pub use data;
pub use entities;
pub use polars;
pub use sectools;
pub use serde_json;

pub use display::{
    DisplayHandle, EvcxrDebugDisplay, EvcxrDisplay, Render, clear_output, display, display_with_id,
    escape_html, update_display,
};
pub use input::{input, input_password};
pub use mime::MimeBundle;
pub use view::{View, ViewError};
pub use views::alert::{AlertView, alert_view};
pub use views::data_viewer::{DataViewer, SMALL_FRAME_ROWS, static_table};
pub use views::entity_graph::{alert_graph, entity_graph, entity_view};
pub use views::logon::{LogonKind, LogonView, logon_type_name};
pub use views::map::{IpMap, MapPoint};
pub use views::proctree::ProcessTreeView;
pub use views::timeline::{
    Timeline, TimelineDuration, TimelineValues, ValuesKind, timeline, timeline_duration,
    timeline_values,
};

pub mod course;
mod display;
mod entity_views;
mod input;
pub mod magic;
mod mime;
pub mod prelude;
pub mod runtime;
mod view;
pub mod views;
pub mod widgets;
pub mod wire;

/// Interruption point the kernel inserts into the loops of a cell; see [`runtime`].
#[doc(hidden)]
#[inline]
pub fn __i() {
    runtime::interrupt_point();
}
