//! [`DefenderDriver`]: advanced hunting through the Defender for Endpoint API or
//! Microsoft Graph; [`GraphDriver`]: Microsoft Graph OData queries (security alerts).

use std::time::Duration;

use polars::prelude::DataFrame;
use sectools::http::{HttpClient, HttpConfig, Request};
use sectools::settings::Settings;
use serde_json::{Value as Json, json};

use super::auth::{AZURE_CLI_CLIENT_ID, AzureAuth, AzureCredential};
use super::azure::{AzureCloud, app_credential, azure_credentials};
use super::columns::{ColumnBuilder, Kind, parse_datetime_ns};
use super::decode::decode;
use super::{Fail, settings_error};
use crate::{DataError, Dialect, Driver, RunOptions};

/// Which advanced hunting API a [`DefenderDriver`] calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefenderApi {
    /// `POST {endpoint}/api/advancedqueries/run` (`MDE`, `MDATP`, `M365D`).
    Mde,
    /// `POST {graph}/v1.0/security/runHuntingQuery` (`M365DGraph`).
    Graph,
}

/// Where and how a [`DefenderDriver`] queries.
#[derive(Debug, Clone)]
pub struct DefenderConfig {
    /// Which API.
    pub api: DefenderApi,
    /// The API's base URL (`https://api.securitycenter.microsoft.com`,
    /// `https://graph.microsoft.com`).
    pub endpoint: String,
    /// The token resource (normally the same as `endpoint`).
    pub resource: String,
    /// The Azure AD login authority.
    pub authority: String,
    /// How long one query may take.
    pub timeout: Duration,
    /// HTTP timeouts and retries.
    pub http: HttpConfig,
}

impl DefenderConfig {
    /// The global cloud's endpoint for `api`.
    pub fn new(api: DefenderApi) -> DefenderConfig {
        let cloud = AzureCloud::global();
        let (endpoint, resource) = match api {
            DefenderApi::Mde => (cloud.mde, cloud.mde_resource),
            DefenderApi::Graph => (cloud.graph, cloud.graph_resource),
        };
        DefenderConfig {
            api,
            endpoint,
            resource,
            authority: cloud.authority,
            timeout: Duration::from_secs(300),
            http: HttpConfig::default(),
        }
    }
}

/// Reads a Microsoft provider entry (`MicrosoftDefender`, `MicrosoftGraph`): the
/// endpoint (`Args.ApiEndpoint`), and an app credential, a device-code sign-in as the
/// app (`ClientId` without secret: delegated, as msticpy), or the Azure chain.
fn microsoft_settings(
    settings: &Settings,
    entries: &[&str],
    endpoint: &mut String,
) -> Result<Vec<AzureCredential>, DataError> {
    let entry = entries.iter().find_map(|e| settings.data_provider(e));
    let Some(args) = entry else {
        return azure_credentials(settings, None);
    };
    if let Some(url) = args.arg("ApiEndpoint").map_err(settings_error)? {
        *endpoint = url.trim_end_matches('/').to_owned();
    }
    let tenant = args.arg("TenantId").map_err(settings_error)?;
    if let Some(c) = app_credential(&args, None)? {
        return Ok(vec![c]);
    }
    let client = args.arg("ClientId").map_err(settings_error)?;
    match (tenant, client) {
        (Some(t), client) => Ok(vec![AzureCredential::DeviceCode {
            tenant_id: t,
            client_id: client.unwrap_or_else(|| AZURE_CLI_CLIENT_ID.to_owned()),
        }]),
        (None, _) => azure_credentials(settings, None),
    }
}

/// Runs KQL advanced hunting queries on Microsoft Defender XDR.
#[derive(Debug)]
pub struct DefenderDriver {
    config: DefenderConfig,
    auth: AzureAuth,
    http: HttpClient,
}

impl DefenderDriver {
    /// A driver signing in with `credentials`.
    ///
    /// # Errors
    /// [`DataError::Provider`] when the HTTP client cannot start.
    pub fn new(
        config: DefenderConfig,
        credentials: Vec<AzureCredential>,
    ) -> Result<DefenderDriver, DataError> {
        let http = HttpClient::new(config.http.clone()).map_err(settings_error)?;
        let auth = AzureAuth::new(credentials, &config.authority, http.clone());
        Ok(DefenderDriver { config, auth, http })
    }

    /// A driver from `DataProviders.MicrosoftDefender` (MDE; also `MDATPApp`) or
    /// `DataProviders.MicrosoftGraph` (Graph): `TenantId`, `ClientId`, and
    /// `ClientSecret` or `Certificate`; `ApiEndpoint` overrides the URL.
    ///
    /// # Errors
    /// [`DataError::Provider`] for settings that cannot be read.
    pub fn from_settings(
        settings: &Settings,
        api: DefenderApi,
    ) -> Result<DefenderDriver, DataError> {
        let cloud = AzureCloud::from_settings(settings)?;
        let mut config = DefenderConfig::new(api);
        config.authority = cloud.authority;
        let entries: &[&str] = match api {
            DefenderApi::Mde => {
                config.endpoint = cloud.mde;
                config.resource = cloud.mde_resource;
                &["MicrosoftDefender", "MDATPApp", "MDATP"]
            }
            DefenderApi::Graph => {
                config.endpoint = cloud.graph;
                config.resource = cloud.graph_resource;
                &["MicrosoftGraph", "MicrosoftDefender"]
            }
        };
        let credentials = microsoft_settings(settings, entries, &mut config.endpoint)?;
        DefenderDriver::new(config, credentials)
    }

    fn query_once(&mut self, query: &str, timeout: Duration) -> Result<DataFrame, Fail> {
        let token = self.auth.token(&self.config.resource)?;
        let base = self.config.endpoint.trim_end_matches('/');
        let url = match self.config.api {
            DefenderApi::Mde => format!("{base}/api/advancedqueries/run"),
            DefenderApi::Graph => format!("{base}/v1.0/security/runHuntingQuery"),
        };
        let request = Request::post(url)
            .bearer(&token)
            .json(json!({ "Query": query }))
            .timeout(timeout)
            .raw_error_body();
        let mut decoded = decode(self.http.send_streaming(request)?)?;
        let errors = decoded.error_messages();
        if !errors.is_empty() {
            return Err(Fail::Msg(errors.join("; ")));
        }
        Ok(decoded.primary())
    }
}

impl Driver for DefenderDriver {
    fn environment(&self) -> &str {
        match self.config.api {
            DefenderApi::Mde => "MDE",
            DefenderApi::Graph => "M365DGraph",
        }
    }

    fn dialect(&self) -> Dialect {
        Dialect::Kql
    }

    fn source(&self) -> String {
        self.config.endpoint.clone()
    }

    fn run(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, DataError> {
        sectools::check_interrupt()?;
        let timeout = options.timeout.unwrap_or(self.config.timeout);
        let resource = self.config.resource.clone();
        let result = match self.query_once(query, timeout) {
            Err(f) if f.is_unauthorized() => {
                self.auth.forget(&resource);
                self.query_once(query, timeout)
            }
            other => other,
        };
        result.map_err(|f| f.into_data_error(self.environment(), &self.source()))
    }
}

/// Runs Microsoft Graph OData queries: the query text is a path under `/v1.0/` with
/// its query string (`security/alerts_v2?$filter=severity eq 'high'&$top=50`);
/// `@odata.nextLink` pages are followed (up to `max_pages`).
///
/// Rows are the `value` items; column types are inferred: booleans, integers, numbers,
/// strings; string columns whose name ends in `DateTime` become datetimes when every
/// value parses; objects and arrays are JSON text.
#[derive(Debug)]
pub struct GraphDriver {
    config: DefenderConfig,
    auth: AzureAuth,
    http: HttpClient,
    /// Pages followed at most (default 50).
    pub max_pages: usize,
}

impl GraphDriver {
    /// A driver signing in with `credentials`; `config.api` is ignored.
    ///
    /// # Errors
    /// [`DataError::Provider`] when the HTTP client cannot start.
    pub fn new(
        config: DefenderConfig,
        credentials: Vec<AzureCredential>,
    ) -> Result<GraphDriver, DataError> {
        let http = HttpClient::new(config.http.clone()).map_err(settings_error)?;
        let auth = AzureAuth::new(credentials, &config.authority, http.clone());
        Ok(GraphDriver {
            config,
            auth,
            http,
            max_pages: 50,
        })
    }

    /// A driver from `DataProviders.MicrosoftGraph` (as [`DefenderDriver::from_settings`]).
    ///
    /// # Errors
    /// [`DataError::Provider`] for settings that cannot be read.
    pub fn from_settings(settings: &Settings) -> Result<GraphDriver, DataError> {
        let cloud = AzureCloud::from_settings(settings)?;
        let mut config = DefenderConfig::new(DefenderApi::Graph);
        config.authority = cloud.authority;
        config.endpoint = cloud.graph;
        config.resource = cloud.graph_resource;
        let credentials = microsoft_settings(settings, &["MicrosoftGraph"], &mut config.endpoint)?;
        GraphDriver::new(config, credentials)
    }

    fn first_request(&self, query: &str) -> Request {
        let q = query.trim().trim_start_matches('/');
        let q = q.strip_prefix("v1.0/").unwrap_or(q);
        let (path, params) = q.split_once('?').unwrap_or((q, ""));
        let mut req = Request::get(format!(
            "{}/v1.0/{path}",
            self.config.endpoint.trim_end_matches('/')
        ));
        for pair in params.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            req = req.query(k, v);
        }
        req
    }

    fn query_all(&mut self, query: &str, timeout: Duration) -> Result<DataFrame, Fail> {
        let token = self.auth.token(&self.config.resource)?;
        let mut items: Vec<Json> = Vec::new();
        let mut next = Some(self.first_request(query));
        let mut pages = 0;
        while let Some(req) = next.take() {
            sectools::check_interrupt().map_err(|_| Fail::Interrupted)?;
            let resp = self
                .http
                .send(req.bearer(&token).timeout(timeout).raw_error_body())?;
            let body: Json = resp.json()?;
            match body.get("value") {
                Some(Json::Array(v)) => items.extend(v.iter().cloned()),
                Some(_) | None => items.push(body.clone()),
            }
            pages += 1;
            if pages < self.max_pages
                && let Some(link) = body.get("@odata.nextLink").and_then(Json::as_str)
            {
                next = Some(Request::get(link));
            }
        }
        frame_from_objects(&items).map_err(Fail::Msg)
    }
}

/// A table from JSON objects with inferred column types (see [`GraphDriver`]).
pub(crate) fn frame_from_objects(items: &[Json]) -> Result<DataFrame, String> {
    let mut names: Vec<String> = Vec::new();
    for item in items {
        if let Json::Object(m) = item {
            for k in m.keys() {
                if !names.iter().any(|n| n == k) {
                    names.push(k.clone());
                }
            }
        }
    }
    let mut columns = Vec::new();
    for name in &names {
        let values = items.iter().map(|i| i.get(name).unwrap_or(&Json::Null));
        let kind = infer_kind(name, values.clone());
        let mut c = ColumnBuilder::with_kind(name, kind.kusto_name(), kind);
        for v in values {
            c.push_json(v).map_err(|e| e.0)?;
        }
        columns.push(c.finish());
    }
    DataFrame::new_infer_height(columns).map_err(|e| e.to_string())
}

fn infer_kind<'a>(name: &str, values: impl Iterator<Item = &'a Json>) -> Kind {
    let mut kind: Option<Kind> = None;
    for v in values {
        let k = match v {
            Json::Null => continue,
            Json::Bool(_) => Kind::Bool,
            Json::Number(n) if n.is_i64() => Kind::Long,
            Json::Number(_) => Kind::Real,
            Json::String(s)
                if name.ends_with("DateTime") && matches!(parse_datetime_ns(s), Some(Some(_))) =>
            {
                Kind::DateTime
            }
            Json::String(_) => Kind::Str,
            Json::Array(_) | Json::Object(_) => Kind::Dynamic,
        };
        kind = Some(match (kind, k) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(Kind::Long), Kind::Real) | (Some(Kind::Real), Kind::Long) => Kind::Real,
            (Some(Kind::DateTime), Kind::Str) | (Some(Kind::Str), Kind::DateTime) => Kind::Str,
            _ => Kind::Dynamic,
        });
    }
    kind.unwrap_or(Kind::Str)
}

impl Driver for GraphDriver {
    fn environment(&self) -> &str {
        "MSGraph"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Kql
    }

    fn source(&self) -> String {
        self.config.endpoint.clone()
    }

    fn run(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, DataError> {
        sectools::check_interrupt()?;
        let timeout = options.timeout.unwrap_or(self.config.timeout);
        let resource = self.config.resource.clone();
        let result = match self.query_all(query, timeout) {
            Err(f) if f.is_unauthorized() => {
                self.auth.forget(&resource);
                self.query_all(query, timeout)
            }
            other => other,
        };
        result.map_err(|f| f.into_data_error("MSGraph", &self.source()))
    }
}
