//! The sample lab dataset, generated in memory (no files needed).

use std::collections::HashMap;
use std::error::Error;

use nbtools::data::sample::{SampleOptions, tables};
use nbtools::data::security_alerts;
use nbtools::entities::SecurityAlert;
use nbtools::polars::prelude::DataFrame;

/// Every sample table by name.
pub struct Tables(HashMap<&'static str, DataFrame>);

impl Tables {
    pub fn load() -> Result<Tables, Box<dyn Error>> {
        Ok(Tables(
            tables(&SampleOptions::default())?.into_iter().collect(),
        ))
    }

    /// A table; panics on a name not in `data::sample::TABLES` (a bug in the gallery).
    pub fn get(&self, name: &str) -> &DataFrame {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("no sample table {name}"))
    }

    /// The sample alert with the most entities: it shows the most of an alert view.
    pub fn richest_alert(&self) -> Result<SecurityAlert, Box<dyn Error>> {
        security_alerts(self.get("SecurityAlert"))?
            .into_iter()
            .max_by_key(|a| a.entities().len())
            .ok_or_else(|| "the sample SecurityAlert table is empty".into())
    }
}
