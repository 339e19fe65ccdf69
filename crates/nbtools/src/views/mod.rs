//! The analyst's views: one module per view, sharing the helpers below.
//!
//! Every view is built from plain Rust values or polars DataFrames and returns a
//! [`View`](crate::View). Columns are picked by name; a missing one is a
//! [`ViewError::MissingColumn`](crate::ViewError) that lists the columns there are.

pub mod alert;
pub mod data_viewer;
pub mod entity_graph;
pub mod logon;
pub mod map;
pub mod proctree;
pub mod queries;
pub mod ti;
pub mod timeline;

pub(crate) mod frame;
pub(crate) mod html;
pub(crate) mod time_axis;
