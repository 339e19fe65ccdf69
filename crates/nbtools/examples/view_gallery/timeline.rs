//! Gallery pages: Event timelines: events on a time axis (`timeline`), start→end bars (`timeline_duration`), values over time (`timeline_values`).

use std::error::Error;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(_tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    Ok(Vec::new())
}
