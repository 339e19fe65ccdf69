//! Remote data drivers: Microsoft Sentinel / Log Analytics, Azure Data Explorer
//! (Kusto), Defender advanced hunting (MDE and Microsoft Graph), Microsoft Graph
//! security alerts, and Splunk.
//!
//! [`driver_for`] builds the driver for a msticpy environment name from
//! `msticpyconfig.yaml` settings; each driver can also be built from its config type
//! (every URL comes from the config, so tests point them at 127.0.0.1). Drivers talk
//! through [`sectools::http`] (timeouts, retries with backoff on 429 and 5xx honouring
//! `Retry-After`, interrupts) and decode the response body as it streams in
//! ([`decode_response`]): the body is never held in memory next to the table built
//! from it.
//!
//! | environment | driver | request |
//! |---|---|---|
//! | `MSSentinel`, `LogAnalytics`, `AzureSentinel` | [`LogAnalyticsDriver`] | `POST {endpoint}/v1/workspaces/{id}/query` |
//! | `Kusto`, `AzureDataExplorer`, `Kusto-<name>` | [`KustoDriver`] | `POST {cluster}/v2/rest/query` |
//! | `MDE`, `MDATP`, `M365D` | [`DefenderDriver`] | `POST {endpoint}/api/advancedqueries/run` |
//! | `M365DGraph` | [`DefenderDriver`] | `POST {graph}/v1.0/security/runHuntingQuery` |
//! | `MSGraph`, `SecurityGraph` | [`GraphDriver`] | `GET {graph}/v1.0/{query}`, following `@odata.nextLink` |
//! | `Splunk` | [`SplunkDriver`] | search job: create, poll, page through results |
//!
//! Column types: datetimes become `Datetime(ns, UTC)` (the local KQL engine's type),
//! timespans `Duration(ns)`, `int` `Int32`, `long` `Int64`, `real`/`decimal` `Float64`,
//! GUIDs strings, and `dynamic` values JSON text (a value sent as a JSON string is kept
//! as is). Partial results keep their rows; the service's message comes from
//! [`Driver::take_warnings`]. Settings keys, authentication methods, environment
//! variables and the full type table: `docs/remote-data.md`.

mod auth;
mod azure;
mod cert;
mod columns;
mod decode;
mod defender;
mod kusto;
mod sentinel;
mod splunk;
mod stream;

use std::time::Duration;

use sectools::SectoolsError;
use sectools::settings::Settings;
use serde_json::Value as Json;

pub use auth::{
    AZURE_CLI_CLIENT_ID, AzureAuth, AzureCredential, DeviceCodeHandler, DeviceCodePrompt,
    set_device_code_handler,
};
pub use azure::{AzureCloud, azure_credentials};
pub use cert::ClientCertificate;
pub use defender::{DefenderApi, DefenderConfig, DefenderDriver, GraphDriver};
pub use kusto::{KustoCluster, KustoConfig, KustoDriver};
pub use sentinel::{LogAnalyticsConfig, LogAnalyticsDriver};
pub use splunk::{SplunkAuth, SplunkConfig, SplunkDriver};

use crate::{DataError, Driver};

/// The driver for a msticpy data environment name, configured from `settings`;
/// `Ok(None)` for environments this module does not handle (`LocalData`, ...).
///
/// No network access happens here: sign-in and connections wait for the first query.
///
/// # Errors
/// [`DataError::Provider`] when the environment needs settings that are missing (no
/// workspace, no cluster, no Splunk host), naming the keys to set.
pub fn driver_for(
    environment: &str,
    settings: &Settings,
) -> Result<Option<Box<dyn Driver>>, DataError> {
    let canonical = crate::canonical_environment(environment);
    let driver: Box<dyn Driver> = match canonical.as_str() {
        "mssentinel" => Box::new(LogAnalyticsDriver::from_settings(settings, None)?),
        "kusto" => Box::new(KustoDriver::from_settings(settings, None)?),
        name if name.starts_with("kusto-") => {
            let cluster = &environment["kusto-".len()..];
            Box::new(KustoDriver::from_settings(settings, Some(cluster))?)
        }
        "mde" => Box::new(DefenderDriver::from_settings(settings, DefenderApi::Mde)?),
        "m365dgraph" => Box::new(DefenderDriver::from_settings(settings, DefenderApi::Graph)?),
        "msgraph" => Box::new(GraphDriver::from_settings(settings)?),
        "splunk" => Box::new(SplunkDriver::from_settings(settings)?),
        _ => return Ok(None),
    };
    Ok(Some(driver))
}

/// Decodes a result body of any of the services (a Kusto v2 frame array, a Log
/// Analytics `tables` object, a Defender/Graph `Schema`/`Results` object) from a
/// reader, as it streams, into its primary result table. Errors the body reports
/// (Kusto `OneApiErrors`, a Log Analytics `error`) are returned as the error when the
/// body has no rows, and otherwise ignored; drivers report them.
///
/// For saved responses and benchmarks; drivers call it on the HTTP body.
///
/// # Errors
/// [`DataError::Driver`] (environment `decode`) for a body that is not one of these
/// shapes or holds a value that does not fit its column's type (naming the column
/// and row); [`DataError::Interrupted`] on a kernel interrupt.
pub fn decode_response(
    reader: impl std::io::Read,
) -> Result<polars::prelude::DataFrame, DataError> {
    finish_decoded(decode::decode(reader))
}

/// [`decode_response`] for a body in memory.
///
/// # Errors
/// As [`decode_response`].
pub fn decode_response_slice(body: &[u8]) -> Result<polars::prelude::DataFrame, DataError> {
    finish_decoded(decode::decode_slice(body))
}

fn finish_decoded(
    decoded: Result<decode::Decoded, decode::DecodeError>,
) -> Result<polars::prelude::DataFrame, DataError> {
    let mut d = decoded.map_err(|e| Fail::from(e).into_data_error("decode", "response body"))?;
    let frame = d.primary();
    let errors = d.error_messages();
    if frame.height() == 0 && !errors.is_empty() {
        return Err(Fail::Msg(errors.join("; ")).into_data_error("decode", "response body"));
    }
    Ok(frame)
}

/// Why a remote call failed, before it is named after its driver and source.
#[derive(Debug)]
pub(crate) enum Fail {
    Interrupted,
    Msg(String),
}

impl From<SectoolsError> for Fail {
    fn from(e: SectoolsError) -> Self {
        match e {
            SectoolsError::Interrupted(_) => Fail::Interrupted,
            SectoolsError::HttpStatus {
                host,
                status,
                message,
            } => Fail::Msg(status_message(&host, status, &message)),
            other => Fail::Msg(other.to_string()),
        }
    }
}

impl From<decode::DecodeError> for Fail {
    fn from(e: decode::DecodeError) -> Self {
        match e {
            decode::DecodeError::Interrupted => Fail::Interrupted,
            decode::DecodeError::Bad(m) => Fail::Msg(format!("unreadable response: {m}")),
        }
    }
}

impl Fail {
    /// The error a driver returns.
    pub(crate) fn into_data_error(self, environment: &str, source: &str) -> DataError {
        match self {
            Fail::Interrupted => {
                // Consume the request so the next cell runs normally.
                let _ = sectools::check_interrupt();
                DataError::Interrupted(sectools::Interrupted)
            }
            Fail::Msg(message) => DataError::Driver {
                environment: environment.to_owned(),
                source_name: source.to_owned(),
                message,
            },
        }
    }

    /// Whether the service refused the token (worth one retry with a fresh one).
    pub(crate) fn is_unauthorized(&self) -> bool {
        matches!(self, Fail::Msg(m) if m.starts_with("HTTP 401"))
    }
}

/// A service's error status as a message: its error JSON read with
/// [`decode::error_message`] (requests are sent with `raw_error_body`), plus advice.
fn status_message(host: &str, status: u16, body: &str) -> String {
    let text = match serde_json::from_str::<Json>(body) {
        Ok(v) => decode::error_message(&v),
        Err(_) => {
            let t: String = body.trim().chars().take(500).collect();
            if t.is_empty() {
                "(empty body)".into()
            } else {
                t
            }
        }
    };
    let hint = match status {
        401 => " (the token was refused: check the credentials and the tenant)",
        403 => " (signed in, but not allowed: check the app's API permissions or the user's role)",
        404 => " (not found: check the workspace, cluster or endpoint URL)",
        429 => " (rate limited, retries exhausted: wait and run again)",
        500..=599 => " (server error, retries exhausted)",
        _ => "",
    };
    format!("HTTP {status} from {host}{hint}: {text}")
}

/// Server-side timeout as Kusto's timespan text (`hh:mm:ss`).
pub(crate) fn kusto_timespan(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

/// A DataError for bad or missing settings.
pub(crate) fn settings_error(e: impl std::fmt::Display) -> DataError {
    DataError::Provider(e.to_string())
}
