//! Gallery pages: Alert view: one SecurityAlert with its entities and extended properties.

use std::error::Error;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(_tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    Ok(Vec::new())
}
