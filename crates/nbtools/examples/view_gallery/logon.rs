//! Gallery pages: Logon view: sessions from 4624/4625 events or SigninLogs, with a summary chart.

use std::error::Error;

use crate::Pages;
use crate::sample::Tables;

pub fn pages(_tables: &Tables) -> Result<Pages, Box<dyn Error>> {
    Ok(Vec::new())
}
