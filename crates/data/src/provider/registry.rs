//! Provider names → drivers.

use super::driver::Driver;
use super::local::LocalData;
use crate::DataError;
use crate::query::canonical_environment;
use crate::query::closest;

/// The environment names [`super::QueryProvider::new`] knows (msticpy's aliases work
/// too: `LogAnalytics`, `AzureSentinel`, `MDATP`, `AzureDataExplorer`, ...).
pub const PROVIDER_NAMES: &[&str] = &[
    "LocalData",
    "MSSentinel",
    "Kusto",
    "MDE",
    "M365DGraph",
    "MSGraph",
    "Splunk",
];

pub(super) fn driver_for(name: &str) -> Result<Box<dyn Driver>, DataError> {
    let canonical = canonical_environment(name);
    if canonical == "localdata" {
        let driver = match std::env::var_os("HUNTRS_LOCAL_DATA").filter(|d| !d.is_empty()) {
            Some(dir) => LocalData::from_dir(dir)?,
            None => LocalData::sample()?,
        };
        return Ok(Box::new(driver));
    }
    let known = PROVIDER_NAMES
        .iter()
        .any(|n| canonical_environment(n) == canonical);
    if !known {
        let hint = closest(name, PROVIDER_NAMES.iter().copied())
            .map(|c| format!(" Did you mean `{c}`?"))
            .unwrap_or_default();
        return Err(DataError::Provider(format!(
            "unknown provider `{name}`; known providers: {}.{hint}",
            PROVIDER_NAMES.join(", ")
        )));
    }
    Err(DataError::Provider(format!(
        "the `{name}` driver is not available in this build"
    )))
}
