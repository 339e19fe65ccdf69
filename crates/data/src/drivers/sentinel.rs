//! [`LogAnalyticsDriver`]: Microsoft Sentinel / Log Analytics through the Log Analytics
//! query REST API.

use std::time::Duration;

use polars::prelude::DataFrame;
use sectools::http::{HttpClient, HttpConfig, Request};
use sectools::settings::Settings;
use serde_json::{Value as Json, json};

use super::auth::{AzureAuth, AzureCredential};
use super::azure::{AzureCloud, app_credential, azure_credentials};
use super::decode::decode;
use super::{Fail, settings_error};
use crate::{DataError, Dialect, Driver, RunOptions, TableSchema};

const ENVIRONMENT: &str = "MSSentinel";

/// Where and how a [`LogAnalyticsDriver`] queries.
#[derive(Debug, Clone)]
pub struct LogAnalyticsConfig {
    /// The workspace's name in the settings (`Default`), for messages.
    pub workspace_name: String,
    /// The workspace id (a GUID): the one in the request URL.
    pub workspace_id: String,
    /// More workspaces queried in the same request (the API's `workspaces` list).
    pub additional_workspaces: Vec<String>,
    /// The tenant signed in to.
    pub tenant_id: String,
    /// For table schemas through Resource Manager: subscription, resource group and
    /// workspace resource name (`SubscriptionId`, `ResourceGroup`, `WorkspaceName`);
    /// without them tables are listed with the Log Analytics metadata API.
    pub subscription_id: Option<String>,
    /// See `subscription_id`.
    pub resource_group: Option<String>,
    /// See `subscription_id`.
    pub workspace_resource_name: Option<String>,
    /// Endpoints of the cloud.
    pub cloud: AzureCloud,
    /// Server-side timeout (`Prefer: wait=N`; msticpy's default 300 s, the service's
    /// maximum 600 s). The request itself waits 30 s longer.
    pub timeout: Duration,
    /// The API's `timespan` (ISO 8601 duration or interval, e.g. `P7D`); `None` leaves
    /// the time range to the query.
    pub timespan: Option<String>,
    /// Fail when the service returns a partial result (an `error` next to the tables)
    /// instead of keeping the rows and reporting it through
    /// [`Driver::take_warnings`].
    pub fail_on_partial: bool,
    /// HTTP timeouts and retries.
    pub http: HttpConfig,
}

impl LogAnalyticsConfig {
    /// A config for one workspace in `tenant_id`, in the global cloud.
    pub fn new(workspace_id: &str, tenant_id: &str) -> LogAnalyticsConfig {
        LogAnalyticsConfig {
            workspace_name: workspace_id.to_owned(),
            workspace_id: workspace_id.to_owned(),
            additional_workspaces: Vec::new(),
            tenant_id: tenant_id.to_owned(),
            subscription_id: None,
            resource_group: None,
            workspace_resource_name: None,
            cloud: AzureCloud::global(),
            timeout: Duration::from_secs(300),
            timespan: None,
            fail_on_partial: false,
            http: HttpConfig::default(),
        }
    }
}

/// Runs KQL on one or more Log Analytics workspaces (Microsoft Sentinel).
#[derive(Debug)]
pub struct LogAnalyticsDriver {
    config: LogAnalyticsConfig,
    auth: AzureAuth,
    http: HttpClient,
    warnings: Vec<String>,
}

impl LogAnalyticsDriver {
    /// A driver signing in with `credentials` (tried in order).
    ///
    /// # Errors
    /// [`DataError::Provider`] when the HTTP client cannot start.
    pub fn new(
        config: LogAnalyticsConfig,
        credentials: Vec<AzureCredential>,
    ) -> Result<LogAnalyticsDriver, DataError> {
        let http = HttpClient::new(config.http.clone()).map_err(settings_error)?;
        let auth = AzureAuth::new(credentials, &config.cloud.authority, http.clone());
        Ok(LogAnalyticsDriver {
            config,
            auth,
            http,
            warnings: Vec::new(),
        })
    }

    /// The same driver signing in through `auth` (to set a device-code handler).
    pub fn with_auth(mut self, auth: AzureAuth) -> LogAnalyticsDriver {
        self.auth = auth;
        self
    }

    /// A driver for the workspace `workspace` of `AzureSentinel.Workspaces` (`None`:
    /// `Default`, else the first). Credentials: `DataProviders.MSSentinel.Args`
    /// (`ClientId`, `ClientSecret` or `Certificate`) when set, else the
    /// `Azure.auth_methods` chain. `DataProviders.MSSentinel.Args` may also set
    /// `Timeout` (seconds), `Timespan`, `FailOnPartial` and `AdditionalWorkspaces`
    /// (workspace names or ids, comma-separated).
    ///
    /// # Errors
    /// [`DataError::Provider`] when no workspace is configured, naming the keys.
    pub fn from_settings(
        settings: &Settings,
        workspace: Option<&str>,
    ) -> Result<LogAnalyticsDriver, DataError> {
        let ws = settings.workspace(workspace).ok_or_else(|| {
            DataError::Provider(match workspace {
                Some(w) => format!(
                    "no workspace `{w}` in AzureSentinel.Workspaces; configured: {}",
                    names(settings)
                ),
                None => "no workspace configured: add AzureSentinel.Workspaces.Default \
                         (WorkspaceId, TenantId) to msticpyconfig.yaml"
                    .to_owned(),
            })
        })?;
        if ws.workspace_id.is_empty() {
            return Err(DataError::Provider(format!(
                "AzureSentinel.Workspaces.{}.WorkspaceId is not set",
                ws.name
            )));
        }
        let mut config = LogAnalyticsConfig::new(&ws.workspace_id, &ws.tenant_id);
        config.workspace_name = ws.name.clone();
        config.subscription_id = ws.subscription_id;
        config.resource_group = ws.resource_group;
        config.workspace_resource_name = ws.workspace_name;
        config.cloud = AzureCloud::from_settings(settings)?;
        if let Some(t) = settings.http_timeout() {
            config.http.timeout = Duration::from_secs_f64(t.max(1.0));
        }
        let tenant = (!ws.tenant_id.is_empty()).then_some(ws.tenant_id.as_str());
        let mut credentials = Vec::new();
        if let Some(args) = settings.data_provider(ENVIRONMENT) {
            let arg = |k: &str| args.arg(k).map_err(settings_error);
            if let Some(t) = arg("Timeout")? {
                let secs: f64 = t.parse().map_err(|_| {
                    DataError::Provider(format!(
                        "DataProviders.MSSentinel.Args.Timeout `{t}` is not a number of seconds"
                    ))
                })?;
                config.timeout = Duration::from_secs_f64(secs.max(1.0));
            }
            config.timespan = arg("Timespan")?;
            config.fail_on_partial =
                args.arg_bool("FailOnPartial").map_err(settings_error)? == Some(true);
            if let Some(list) = arg("AdditionalWorkspaces")? {
                for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let id = settings
                        .workspace(Some(item))
                        .map(|w| w.workspace_id)
                        .unwrap_or_else(|| item.to_owned());
                    config.additional_workspaces.push(id);
                }
            }
            if let Some(c) = app_credential(&args, tenant)? {
                credentials.push(c);
            }
        }
        if credentials.is_empty() {
            credentials = azure_credentials(settings, tenant)?;
        }
        LogAnalyticsDriver::new(config, credentials)
    }

    /// The configuration.
    pub fn config(&self) -> &LogAnalyticsConfig {
        &self.config
    }

    fn err(&self, f: Fail) -> DataError {
        f.into_data_error(ENVIRONMENT, &self.source())
    }

    fn query_once(&mut self, query: &str, timeout: Duration) -> Result<DataFrame, Fail> {
        let token = self.auth.token(&self.config.cloud.log_analytics_resource)?;
        let mut body = json!({ "query": query });
        if let Some(ts) = &self.config.timespan {
            body["timespan"] = Json::String(ts.clone());
        }
        if !self.config.additional_workspaces.is_empty() {
            body["workspaces"] = json!(self.config.additional_workspaces);
        }
        let url = format!(
            "{}/v1/workspaces/{}/query",
            self.config.cloud.log_analytics.trim_end_matches('/'),
            self.config.workspace_id
        );
        let request = Request::post(url)
            .bearer(&token)
            .header("Prefer", &format!("wait={}", timeout.as_secs().max(1)))
            .json(body)
            .timeout(timeout + Duration::from_secs(30))
            .raw_error_body();
        let reader = self.http.send_streaming(request)?;
        let mut decoded = decode(reader)?;
        let frame = decoded.primary();
        let errors = decoded.error_messages();
        if !errors.is_empty() {
            let message = format!(
                "partial result ({} rows kept): {}",
                frame.height(),
                errors.join("; ")
            );
            if self.config.fail_on_partial || decoded.tables.is_empty() {
                return Err(Fail::Msg(message));
            }
            self.warnings.push(message);
        }
        Ok(frame)
    }

    fn tables_from_arm(&mut self) -> Result<Vec<TableSchema>, Fail> {
        let (Some(sub), Some(rg), Some(name)) = (
            self.config.subscription_id.clone(),
            self.config.resource_group.clone(),
            self.config.workspace_resource_name.clone(),
        ) else {
            return self.tables_from_metadata();
        };
        let token = self
            .auth
            .token(&self.config.cloud.resource_manager_resource)?;
        let url = format!(
            "{}/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.OperationalInsights/workspaces/{name}/tables",
            self.config.cloud.resource_manager.trim_end_matches('/')
        );
        let mut out = Vec::new();
        let mut next = Some(
            Request::get(url)
                .query("api-version", "2022-10-01")
                .bearer(&token)
                .raw_error_body(),
        );
        while let Some(request) = next.take() {
            let body: Json = self.http.send(request)?.json()?;
            out.extend(arm_tables(&body));
            if let Some(link) = body.get("nextLink").and_then(Json::as_str) {
                next = Some(Request::get(link).bearer(&token).raw_error_body());
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

impl LogAnalyticsDriver {
    /// The Log Analytics metadata API (`GET {endpoint}/v1/workspaces/{id}/metadata`):
    /// used when the workspace's Resource Manager names are not configured.
    fn tables_from_metadata(&mut self) -> Result<Vec<TableSchema>, Fail> {
        let token = self.auth.token(&self.config.cloud.log_analytics_resource)?;
        let url = format!(
            "{}/v1/workspaces/{}/metadata",
            self.config.cloud.log_analytics.trim_end_matches('/'),
            self.config.workspace_id
        );
        let body: Json = self
            .http
            .send(Request::get(url).bearer(&token).raw_error_body())
            .map_err(|e| match Fail::from(e) {
                Fail::Msg(m) => Fail::Msg(format!(
                    "{m} (listing tables through Resource Manager instead needs \
                     SubscriptionId, ResourceGroup and WorkspaceName in \
                     AzureSentinel.Workspaces.{})",
                    self.config.workspace_name
                )),
                other => other,
            })?
            .json()?;
        let mut out: Vec<TableSchema> = body
            .get("tables")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| {
                let name = t.get("name")?.as_str()?.to_owned();
                let columns = t
                    .get("columns")
                    .and_then(Json::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|c| {
                        Some((
                            c.get("name")?.as_str()?.to_owned(),
                            c.get("type")
                                .and_then(Json::as_str)
                                .unwrap_or("dynamic")
                                .to_owned(),
                        ))
                    })
                    .collect();
                Some(TableSchema { name, columns })
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

fn names(settings: &Settings) -> String {
    let all: Vec<String> = settings.workspaces().into_iter().map(|w| w.name).collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

/// The tables of a Resource Manager `tables` listing: `value[].properties.schema`
/// with `standardColumns` then `columns`.
pub(crate) fn arm_tables(body: &Json) -> Vec<TableSchema> {
    let empty = Vec::new();
    let items = body.get("value").and_then(Json::as_array).unwrap_or(&empty);
    items
        .iter()
        .filter_map(|t| {
            let schema = t.get("properties")?.get("schema")?;
            let name = schema
                .get("name")
                .or_else(|| t.get("name"))
                .and_then(Json::as_str)?
                .to_owned();
            let columns = ["standardColumns", "columns"]
                .iter()
                .filter_map(|k| schema.get(*k).and_then(Json::as_array))
                .flatten()
                .filter_map(|c| {
                    Some((
                        c.get("name")?.as_str()?.to_owned(),
                        c.get("type")
                            .and_then(Json::as_str)
                            .unwrap_or("dynamic")
                            .to_owned(),
                    ))
                })
                .collect();
            Some(TableSchema { name, columns })
        })
        .collect()
}

impl Driver for LogAnalyticsDriver {
    fn environment(&self) -> &str {
        ENVIRONMENT
    }

    fn dialect(&self) -> Dialect {
        Dialect::Kql
    }

    fn source(&self) -> String {
        let main = if self.config.workspace_name == self.config.workspace_id {
            format!("workspace {}", self.config.workspace_id)
        } else {
            format!(
                "workspace {} ({})",
                self.config.workspace_name, self.config.workspace_id
            )
        };
        match self.config.additional_workspaces.len() {
            0 => main,
            n => format!("{main} and {n} more"),
        }
    }

    fn run(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, DataError> {
        sectools::check_interrupt()?;
        self.warnings.clear();
        // The service waits ten minutes at most.
        let timeout = options
            .timeout
            .unwrap_or(self.config.timeout)
            .min(Duration::from_secs(600));
        let resource = self.config.cloud.log_analytics_resource.clone();
        match self.query_once(query, timeout) {
            Err(f) if f.is_unauthorized() => {
                // A cached token the service no longer accepts: one fresh try.
                self.auth.forget(&resource);
                self.query_once(query, timeout).map_err(|f| self.err(f))
            }
            other => other.map_err(|f| self.err(f)),
        }
    }

    fn schema(&mut self) -> Result<Vec<TableSchema>, DataError> {
        sectools::check_interrupt()?;
        self.tables_from_arm().map_err(|f| self.err(f))
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}
