//! Gallery pages: the entities of a sample alert as a table and a graph.

use std::error::Error;

use nbtools::data::security_alerts;
use nbtools::views::entity_graph::{alert_graph, entity_view};

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let alerts = security_alerts(tables.get("SecurityAlert"))?;
    let alert = alerts
        .iter()
        .max_by_key(|a| a.entities().len())
        .ok_or("the sample SecurityAlert table is empty")?;
    Ok(vec![
        ("entity-graph", alert_graph(alert)),
        ("entities", entity_view(alert.entities())),
    ])
}
