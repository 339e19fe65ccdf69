//! `use nbtools::prelude::*;` brings the everyday names of all four huntrs crates
//! into a cell.

pub use crate::{
    AlertView, DataViewer, IpMap, LogonView, MapPoint, MimeBundle, ProcessTreeView, Render,
    ValuesKind, View, alert_graph, alert_view, clear_output, display, display_with_id,
    entity_graph, entity_view, timeline, timeline_duration, timeline_values, update_display,
};
pub use data::{
    LocalData, Pivot, PivotJoin, QueryProvider, TimeRange, chrono, polars::prelude::DataFrame,
};
pub use entities::{Account, Dns, Entity, File, FileHash, Host, IpAddress, IpScope, Process, Url};
pub use sectools::refang;
