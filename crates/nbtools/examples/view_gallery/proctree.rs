//! Gallery pages: Process-tree view: a collapsible, searchable tree of a `ProcessTree`.

use std::error::Error;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(_tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    Ok(Vec::new())
}
