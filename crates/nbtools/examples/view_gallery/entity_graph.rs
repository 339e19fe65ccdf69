//! Gallery pages: the entities of a sample alert as a table and a graph.

use std::error::Error;

use nbtools::views::entity_graph::{alert_graph, entity_view};

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let alert = tables.richest_alert()?;
    Ok(vec![
        ("entity-graph", alert_graph(&alert)),
        ("entities", entity_view(alert.entities())),
    ])
}
