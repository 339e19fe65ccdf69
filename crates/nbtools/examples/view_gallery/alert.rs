//! Gallery pages: the planted intrusion's alerts, with and without the entity graph.

use std::error::Error;

use nbtools::views::alert::AlertView;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let alert = tables.richest_alert()?;
    Ok(vec![
        ("alert", AlertView::new(&alert).build()),
        ("alert-graph", AlertView::new(&alert).with_graph().build()),
    ])
}
