//! Gallery pages: the planted intrusion's alerts, with and without the entity graph.

use std::error::Error;

use nbtools::data::security_alerts;
use nbtools::views::alert::AlertView;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    let alerts = security_alerts(tables.get("SecurityAlert"))?;
    // The alert with the most entities shows the most of the view.
    let alert = alerts
        .iter()
        .max_by_key(|a| a.entities().len())
        .ok_or("the sample SecurityAlert table is empty")?;
    Ok(vec![
        ("alert", AlertView::new(alert).build()),
        ("alert-graph", AlertView::new(alert).with_graph().build()),
    ])
}
