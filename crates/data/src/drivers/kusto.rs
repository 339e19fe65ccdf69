//! [`KustoDriver`]: Azure Data Explorer clusters through the Kusto v2 REST API.

use std::collections::HashMap;
use std::time::Duration;

use polars::prelude::DataFrame;
use ring::rand::{SecureRandom, SystemRandom};
use sectools::http::{HttpClient, HttpConfig, Request};
use sectools::settings::Settings;
use serde_json::{Value as Json, json};

use super::auth::{AzureAuth, AzureCredential};
use super::azure::{AzureCloud, app_credential, azure_credentials};
use super::decode::decode;
use super::{Fail, kusto_timespan, settings_error};
use crate::{DataError, Dialect, Driver, RunOptions};

const ENVIRONMENT: &str = "Kusto";

/// One configured cluster.
#[derive(Debug, Clone)]
pub struct KustoCluster {
    /// Its settings name (`MSTIC1` for `DataProviders.Kusto-MSTIC1`).
    pub name: String,
    /// The cluster URL (`https://mstic.kusto.windows.net`).
    pub url: String,
    /// The database used when the query's metadata names none.
    pub database: Option<String>,
    /// How to sign in to it (tried in order).
    pub credentials: Vec<AzureCredential>,
}

/// Where and how a [`KustoDriver`] queries.
#[derive(Debug, Clone)]
pub struct KustoConfig {
    /// The configured clusters.
    pub clusters: Vec<KustoCluster>,
    /// The cluster (index into `clusters`) for queries whose metadata names none.
    pub default_cluster: Option<usize>,
    /// Credentials for a cluster named by a query but not configured.
    pub fallback_credentials: Vec<AzureCredential>,
    /// The Azure AD login authority.
    pub authority: String,
    /// Server-side timeout (`servertimeout`; msticpy's default 240 s, at most 1 h).
    pub timeout: Duration,
    /// Fail when the result reports errors (`HasErrors`, `OneApiErrors`) instead of
    /// keeping the rows and reporting them through [`Driver::take_warnings`].
    pub fail_on_partial: bool,
    /// HTTP timeouts and retries.
    pub http: HttpConfig,
}

impl KustoConfig {
    /// A config for one cluster and database.
    pub fn single(url: &str, database: Option<&str>, credentials: Vec<AzureCredential>) -> Self {
        KustoConfig {
            clusters: vec![KustoCluster {
                name: cluster_host(url),
                url: url.trim_end_matches('/').to_owned(),
                database: database.map(str::to_owned),
                credentials,
            }],
            default_cluster: Some(0),
            fallback_credentials: Vec::new(),
            authority: AzureCloud::global().authority,
            timeout: Duration::from_secs(240),
            fail_on_partial: false,
            http: HttpConfig::default(),
        }
    }
}

/// The host part of a cluster URL, lower case (`mstic.kusto.windows.net`).
fn cluster_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Runs KQL on Azure Data Explorer clusters; the cluster and database come from the
/// query's metadata (`cluster`, `clusters`, `database`) or the settings.
#[derive(Debug)]
pub struct KustoDriver {
    config: KustoConfig,
    http: HttpClient,
    auths: HashMap<String, AzureAuth>,
    last_source: Option<String>,
    warnings: Vec<String>,
}

impl KustoDriver {
    /// A driver for the clusters of `config`.
    ///
    /// # Errors
    /// [`DataError::Provider`] when the HTTP client cannot start.
    pub fn new(config: KustoConfig) -> Result<KustoDriver, DataError> {
        let http = HttpClient::new(config.http.clone()).map_err(settings_error)?;
        Ok(KustoDriver {
            config,
            http,
            auths: HashMap::new(),
            last_source: None,
            warnings: Vec::new(),
        })
    }

    /// A driver for the `DataProviders.Kusto-*` clusters (and top-level `Kusto-*`
    /// sections): `Args.Cluster`, optional `Args.Database`, and `ClientId`/`TenantId`
    /// with `ClientSecret` or `Certificate`, or `IntegratedAuth: true` (the
    /// `Azure.auth_methods` chain). `default` names the cluster for queries without
    /// cluster metadata; with none given and exactly one cluster configured, that one.
    ///
    /// # Errors
    /// [`DataError::Provider`] when `default` names no configured cluster, or a
    /// cluster entry has no `Cluster` URL.
    pub fn from_settings(
        settings: &Settings,
        default: Option<&str>,
    ) -> Result<KustoDriver, DataError> {
        let cloud = AzureCloud::from_settings(settings)?;
        let mut clusters = Vec::new();
        for entry in settings.kusto_clusters() {
            let name = entry.name().trim_start_matches("Kusto-").to_owned();
            let url = entry
                .arg("Cluster")
                .map_err(settings_error)?
                .ok_or_else(|| {
                    DataError::Provider(format!(
                        "{} has no Args.Cluster (the cluster URL)",
                        entry.name()
                    ))
                })?;
            let tenant = entry.arg("TenantId").map_err(settings_error)?;
            let credentials = match app_credential(&entry, None)? {
                Some(c) => vec![c],
                None => azure_credentials(settings, tenant.as_deref())?,
            };
            clusters.push(KustoCluster {
                name,
                url: url.trim_end_matches('/').to_owned(),
                database: entry.arg("Database").map_err(settings_error)?,
                credentials,
            });
        }
        let default_cluster = match default {
            Some(d) => Some(find_cluster(&clusters, d).ok_or_else(|| {
                DataError::Provider(format!(
                    "no Kusto cluster `{d}` in DataProviders (Kusto-<name> entries): {}",
                    clusters
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?),
            None if clusters.len() == 1 => Some(0),
            None => None,
        };
        let mut config = KustoConfig {
            clusters,
            default_cluster,
            fallback_credentials: azure_credentials(settings, None)?,
            authority: cloud.authority,
            timeout: Duration::from_secs(240),
            fail_on_partial: false,
            http: HttpConfig::default(),
        };
        if let Some(t) = settings.http_timeout() {
            config.http.timeout = Duration::from_secs_f64(t.max(1.0));
        }
        KustoDriver::new(config)
    }

    /// The configuration.
    pub fn config(&self) -> &KustoConfig {
        &self.config
    }

    /// The cluster URL, database and credentials for a query.
    fn target(&self, options: &RunOptions) -> Result<(String, String, Vec<AzureCredential>), Fail> {
        let meta = &options.query_metadata;
        let named = meta
            .get("cluster")
            .and_then(Json::as_str)
            .or_else(|| {
                meta.get("clusters")
                    .and_then(Json::as_array)
                    .and_then(|a| a.first())
                    .and_then(Json::as_str)
            })
            .filter(|s| !s.is_empty());
        let configured = match named {
            Some(n) => find_cluster(&self.config.clusters, n),
            None => self.config.default_cluster,
        };
        let (url, database, credentials) = match (configured, named) {
            (Some(i), _) => {
                let c = &self.config.clusters[i];
                (c.url.clone(), c.database.clone(), c.credentials.clone())
            }
            (None, Some(n)) if n.contains("://") => (
                n.trim_end_matches('/').to_owned(),
                None,
                self.config.fallback_credentials.clone(),
            ),
            (None, Some(n)) => {
                return Err(Fail::Msg(format!(
                    "the query names cluster `{n}`, which is not configured: add \
                     DataProviders.Kusto-<name>.Args.Cluster"
                )));
            }
            (None, None) => {
                return Err(Fail::Msg(
                    "no cluster: the query's metadata names none and no single default is \
                     configured (add `cluster:` to the query file, or use `Kusto-<name>`)"
                        .into(),
                ));
            }
        };
        let database = meta
            .get("database")
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or(database)
            .ok_or_else(|| {
                Fail::Msg(format!(
                    "no database for cluster {url}: set `database:` in the query file's \
                     metadata or Args.Database in its DataProviders.Kusto-<name> entry"
                ))
            })?;
        Ok((url, database, credentials))
    }

    fn query_once(
        &mut self,
        url: &str,
        database: &str,
        credentials: &[AzureCredential],
        query: &str,
        timeout: Duration,
    ) -> Result<DataFrame, Fail> {
        let auth = self.auths.entry(url.to_owned()).or_insert_with(|| {
            AzureAuth::new(
                credentials.to_vec(),
                &self.config.authority,
                self.http.clone(),
            )
        });
        let token = auth.token(url)?;
        let properties = json!({
            "Options": {
                "servertimeout": kusto_timespan(timeout),
                "results_progressive_enabled": false,
            }
        });
        let body = json!({
            "db": database,
            "csl": query,
            // The API takes the request properties as a JSON-encoded string.
            "properties": properties.to_string(),
        });
        let request = Request::post(format!("{url}/v2/rest/query"))
            .bearer(&token)
            .header("Accept", "application/json")
            .header("x-ms-app", "huntrs")
            .header("x-ms-client-request-id", &request_id())
            .json(body)
            .timeout(timeout + Duration::from_secs(30))
            .raw_error_body();
        let reader = self.http.send_streaming(request)?;
        let mut decoded = decode(reader)?;
        let frame = decoded.primary();
        let mut errors = decoded.error_messages();
        if decoded.has_errors && errors.is_empty() {
            errors.push("the service reported errors (HasErrors) without details".into());
        }
        if decoded.cancelled {
            errors.push("the query was cancelled by the service".into());
        }
        if !errors.is_empty() {
            let message = format!(
                "partial result ({} rows kept): {}",
                frame.height(),
                errors.join("; ")
            );
            if self.config.fail_on_partial || frame.height() == 0 {
                return Err(Fail::Msg(message.replacen(
                    "partial result (0 rows kept)",
                    "query failed",
                    1,
                )));
            }
            self.warnings.push(message);
        }
        Ok(frame)
    }
}

fn request_id() -> String {
    let mut bytes = [0u8; 16];
    // A request id only correlates server logs; zeros are fine if randomness fails.
    let _ = SystemRandom::new().fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "huntrs.Query;{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The cluster a query or setting names: by URL, host, first host label, or settings
/// name, case-insensitive.
fn find_cluster(clusters: &[KustoCluster], wanted: &str) -> Option<usize> {
    let w = wanted.trim_end_matches('/').to_ascii_lowercase();
    let w_host = cluster_host(&w);
    clusters.iter().position(|c| {
        let host = cluster_host(&c.url);
        c.name.eq_ignore_ascii_case(&w)
            || c.url.eq_ignore_ascii_case(&w)
            || host == w_host
            || host.split('.').next() == Some(w.as_str())
            || w_host.split('.').next() == Some(c.name.to_ascii_lowercase().as_str())
    })
}

impl Driver for KustoDriver {
    fn environment(&self) -> &str {
        ENVIRONMENT
    }

    fn dialect(&self) -> Dialect {
        Dialect::Kql
    }

    fn source(&self) -> String {
        if let Some(s) = &self.last_source {
            return s.clone();
        }
        match self
            .config
            .default_cluster
            .and_then(|i| self.config.clusters.get(i))
        {
            Some(c) => match &c.database {
                Some(db) => format!("cluster {} database {db}", c.url),
                None => format!("cluster {}", c.url),
            },
            None => format!("{} configured clusters", self.config.clusters.len()),
        }
    }

    fn run(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, DataError> {
        sectools::check_interrupt()?;
        self.warnings.clear();
        let (url, database, credentials) = self
            .target(options)
            .map_err(|f| f.into_data_error(ENVIRONMENT, &self.source()))?;
        self.last_source = Some(format!("cluster {url} database {database}"));
        let timeout = options
            .timeout
            .unwrap_or(self.config.timeout)
            .min(Duration::from_secs(3600));
        let result = match self.query_once(&url, &database, &credentials, query, timeout) {
            Err(f) if f.is_unauthorized() => {
                if let Some(a) = self.auths.get_mut(&url) {
                    a.forget(&url);
                }
                self.query_once(&url, &database, &credentials, query, timeout)
            }
            other => other,
        };
        result.map_err(|f| f.into_data_error(ENVIRONMENT, &self.source()))
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}
