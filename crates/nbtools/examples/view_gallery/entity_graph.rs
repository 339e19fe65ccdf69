//! Gallery pages: Entity view and entity graph (alert ↔ entities) as SVG.

use std::error::Error;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(_tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    Ok(Vec::new())
}
