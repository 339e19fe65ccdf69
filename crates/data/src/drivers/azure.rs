//! Azure endpoints per cloud, and credentials from settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sectools::settings::{ProviderSettings, Settings};

use super::auth::{AZURE_CLI_CLIENT_ID, AzureCredential};
use super::cert::ClientCertificate;
use super::settings_error;
use crate::DataError;

/// Where the Azure services of one cloud are: the URL requests go to, and the
/// resource a token is asked for (the same in real clouds; kept apart so a test or a
/// proxy can take the requests while tokens still name the real resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureCloud {
    /// Azure AD login authority (`https://login.microsoftonline.com`).
    pub authority: String,
    /// Log Analytics query API.
    pub log_analytics: String,
    /// The token resource for Log Analytics.
    pub log_analytics_resource: String,
    /// Azure Resource Manager (table schemas).
    pub resource_manager: String,
    /// The token resource for Resource Manager.
    pub resource_manager_resource: String,
    /// Defender for Endpoint API.
    pub mde: String,
    /// The token resource for the Defender API.
    pub mde_resource: String,
    /// Microsoft Graph.
    pub graph: String,
    /// The token resource for Graph.
    pub graph_resource: String,
}

impl AzureCloud {
    /// The global (public) Azure cloud.
    pub fn global() -> AzureCloud {
        Self::endpoints(
            "https://login.microsoftonline.com",
            "https://api.loganalytics.io",
            "https://management.azure.com",
            "https://api.securitycenter.microsoft.com",
            "https://graph.microsoft.com",
        )
    }

    fn endpoints(login: &str, la: &str, arm: &str, mde: &str, graph: &str) -> AzureCloud {
        AzureCloud {
            authority: login.into(),
            log_analytics: la.into(),
            log_analytics_resource: la.into(),
            resource_manager: arm.into(),
            resource_manager_resource: arm.into(),
            mde: mde.into(),
            mde_resource: mde.into(),
            graph: graph.into(),
            graph_resource: graph.into(),
        }
    }

    /// A named cloud as msticpy names them: `global` (also `public`, `AzureCloud`),
    /// `usgov`, `cn` (also `china`).
    pub fn named(cloud: &str) -> Option<AzureCloud> {
        let (login, la, arm, mde, graph) = match cloud.to_ascii_lowercase().as_str() {
            "global" | "public" | "azurecloud" | "" => (
                "https://login.microsoftonline.com",
                "https://api.loganalytics.io",
                "https://management.azure.com",
                "https://api.securitycenter.microsoft.com",
                "https://graph.microsoft.com",
            ),
            "usgov" | "azureusgovernment" => (
                "https://login.microsoftonline.us",
                "https://api.loganalytics.us",
                "https://management.usgovcloudapi.net",
                "https://api-gov.securitycenter.microsoft.us",
                "https://graph.microsoft.us",
            ),
            "cn" | "china" | "azurechinacloud" => (
                "https://login.chinacloudapi.cn",
                "https://api.loganalytics.azure.cn",
                "https://management.chinacloudapi.cn",
                "https://api.securitycenter.microsoft.com",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
            _ => return None,
        };
        Some(Self::endpoints(login, la, arm, mde, graph))
    }

    /// The cloud of `Azure.cloud`, with the URLs `Azure.authority_uri`,
    /// `Azure.log_analytics_uri`, `Azure.resource_manager_uri`, `Azure.mde_uri` and
    /// `Azure.graph_uri` overriding its endpoints (huntrs settings; each also from its
    /// `HUNTRS_AZURE_…` environment variable). Token resources stay the cloud's.
    ///
    /// # Errors
    /// [`DataError::Provider`] for an unknown cloud name or an unreadable value.
    pub fn from_settings(settings: &Settings) -> Result<AzureCloud, DataError> {
        let name = settings.azure().cloud;
        let mut cloud = AzureCloud::named(&name).ok_or_else(|| {
            DataError::Provider(format!(
                "Azure.cloud `{name}` is not a known cloud; use global, usgov or cn"
            ))
        })?;
        let read = |key: &str| -> Result<Option<String>, DataError> {
            settings
                .string(&format!("Azure.{key}"))
                .map_err(settings_error)
                .map(|v| v.map(|s| s.trim_end_matches('/').to_owned()))
        };
        if let Some(v) = read("authority_uri")? {
            cloud.authority = v;
        }
        if let Some(v) = read("log_analytics_uri")? {
            cloud.log_analytics = v;
        }
        if let Some(v) = read("resource_manager_uri")? {
            cloud.resource_manager = v;
        }
        if let Some(v) = read("mde_uri")? {
            cloud.mde = v;
        }
        if let Some(v) = read("graph_uri")? {
            cloud.graph = v;
        }
        Ok(cloud)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn certificate(path: &str, key: Option<&str>) -> Result<Arc<ClientCertificate>, DataError> {
    let path = sectools::settings::expand_home(path);
    let key = key.map(sectools::settings::expand_home);
    ClientCertificate::from_files(&path, key.as_deref().map(Path::new))
        .map(Arc::new)
        .map_err(|e| DataError::Provider(format!("certificate: {e}")))
}

/// An application credential from a provider's `Args` (`TenantId`, `ClientId`, and
/// `ClientSecret` or `Certificate` [+ `CertificateKey`]); `None` without a client id
/// and a secret or certificate.
pub(crate) fn app_credential(
    args: &ProviderSettings,
    tenant_fallback: Option<&str>,
) -> Result<Option<AzureCredential>, DataError> {
    let arg = |k: &str| args.arg(k).map_err(settings_error);
    let client_id = arg("ClientId")?.or(arg("clientId")?);
    let tenant_id = arg("TenantId")?
        .or(arg("tenantId")?)
        .or(tenant_fallback.map(str::to_owned));
    let (Some(client_id), Some(tenant_id)) = (client_id, tenant_id) else {
        return Ok(None);
    };
    let secret = match args.secret("ClientSecret").map_err(settings_error)? {
        Some(s) => Some(s),
        None => args.secret("clientSecret").map_err(settings_error)?,
    };
    if let Some(secret) = secret {
        return Ok(Some(AzureCredential::ClientSecret {
            tenant_id,
            client_id,
            secret,
        }));
    }
    if let Some(path) = arg("Certificate")? {
        let key = arg("CertificateKey")?;
        return Ok(Some(AzureCredential::Certificate {
            tenant_id,
            client_id,
            certificate: certificate(&path, key.as_deref())?,
        }));
    }
    Ok(None)
}

/// The credential chain of the `Azure.auth_methods` setting (msticpy's default
/// `[env, cli, msi, interactive]`), for signing in to `tenant`:
///
/// - `env`: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and `AZURE_CLIENT_SECRET` or
///   `AZURE_CLIENT_CERTIFICATE_PATH` (skipped when not set);
/// - `cli`: the Azure CLI (`HUNTRS_AZ_CLI` names the program, default `az`);
/// - `clientsecret`, `certificate`: `DataProviders.AzureCLI.Args` (`clientId`,
///   `tenantId`, `clientSecret`, or `Certificate`);
/// - `devicecode`, `interactive`: device code sign-in (no browser in a kernel);
/// - `msi`, `vscode`, `powershell`: not available in huntrs, skipped.
///
/// # Errors
/// [`DataError::Provider`] for a setting that cannot be read or a certificate file
/// that cannot be used.
pub fn azure_credentials(
    settings: &Settings,
    tenant: Option<&str>,
) -> Result<Vec<AzureCredential>, DataError> {
    let mut methods = settings.azure().auth_methods;
    if methods.is_empty() {
        methods = ["env", "cli", "msi", "interactive"]
            .map(String::from)
            .to_vec();
    }
    let mut chain = Vec::new();
    for method in methods {
        match method.to_ascii_lowercase().as_str() {
            "env" => {
                let (Some(t), Some(c)) = (env("AZURE_TENANT_ID"), env("AZURE_CLIENT_ID")) else {
                    continue;
                };
                if let Some(s) = env("AZURE_CLIENT_SECRET") {
                    chain.push(AzureCredential::ClientSecret {
                        tenant_id: t,
                        client_id: c,
                        secret: s.into(),
                    });
                } else if let Some(p) = env("AZURE_CLIENT_CERTIFICATE_PATH") {
                    chain.push(AzureCredential::Certificate {
                        tenant_id: t,
                        client_id: c,
                        certificate: certificate(&p, None)?,
                    });
                }
            }
            "cli" => chain.push(AzureCredential::AzureCli {
                program: env("HUNTRS_AZ_CLI")
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("az")),
                tenant_id: tenant.map(str::to_owned),
            }),
            "clientsecret" | "certificate" => {
                if let Some(args) = settings.data_provider("AzureCLI")
                    && let Some(c) = app_credential(&args, tenant)?
                {
                    chain.push(c);
                }
            }
            "devicecode" | "interactive" => chain.push(AzureCredential::DeviceCode {
                tenant_id: tenant.unwrap_or("organizations").to_owned(),
                client_id: AZURE_CLI_CLIENT_ID.to_owned(),
            }),
            _ => {}
        }
    }
    Ok(chain)
}
