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

pub(super) fn driver_for(
    name: &str,
    settings: &sectools::Settings,
) -> Result<Box<dyn Driver>, DataError> {
    let canonical = canonical_environment(name);
    if canonical == "localdata" {
        // msticpy's `DataProviders.LocalData.data_paths` (a folder or a list; the first
        // folder is used).
        let configured = [
            "DataProviders.LocalData.data_paths",
            "DataProviders.LocalData.Args.data_paths",
        ]
        .iter()
        .find_map(|path| match settings.get(path)? {
            serde_norway::Value::String(dir) => Some(dir.clone()),
            serde_norway::Value::Sequence(dirs) => dirs.first()?.as_str().map(str::to_owned),
            _ => None,
        });
        let driver = match std::env::var_os("HUNTRS_LOCAL_DATA").filter(|d| !d.is_empty()) {
            Some(dir) => LocalData::from_dir(dir)?,
            None => match configured.filter(|p| !p.is_empty()) {
                Some(dir) => LocalData::from_dir(sectools::settings::expand_home(&dir))?,
                None => LocalData::sample()?,
            },
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
    match crate::drivers::driver_for(name, settings)? {
        Some(driver) => Ok(driver),
        None => Err(DataError::Provider(format!(
            "the `{name}` driver is not available in this build"
        ))),
    }
}
