//! Azure AD tokens for the Microsoft drivers: client credentials (secret or
//! certificate), device code, and the Azure CLI; cached per resource until shortly
//! before they expire.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use sectools::Secret;
use sectools::http::{HttpClient, Request};
use serde_json::Value as Json;

use super::Fail;
use super::cert::ClientCertificate;

/// The public client id the Azure CLI signs in with; msticpy uses it for device code.
pub const AZURE_CLI_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// One way to get an Azure AD token.
#[derive(Clone)]
pub enum AzureCredential {
    /// An application's client secret (client credentials flow).
    ClientSecret {
        /// The directory (tenant) id.
        tenant_id: String,
        /// The application (client) id.
        client_id: String,
        /// The client secret.
        secret: Secret,
    },
    /// An application's certificate: a signed client assertion (client credentials).
    Certificate {
        /// The directory (tenant) id.
        tenant_id: String,
        /// The application (client) id.
        client_id: String,
        /// The certificate and key.
        certificate: Arc<ClientCertificate>,
    },
    /// A user signs in on another device: the prompt ("go to URL, enter CODE") goes to
    /// the device-code handler (see [`set_device_code_handler`]).
    DeviceCode {
        /// The tenant (`organizations` for any work account).
        tenant_id: String,
        /// The public client id ([`AZURE_CLI_CLIENT_ID`] by default).
        client_id: String,
    },
    /// The signed-in Azure CLI: `az account get-access-token --resource R -o json`.
    AzureCli {
        /// The `az` program (a path, or `az` to search `PATH`).
        program: PathBuf,
        /// `--tenant`, if set.
        tenant_id: Option<String>,
    },
    /// A token obtained elsewhere, used as is until the service refuses it.
    AccessToken(Secret),
}

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl AzureCredential {
    /// What the credential is, for messages: method, client and tenant; never a secret.
    pub fn describe(&self) -> String {
        match self {
            AzureCredential::ClientSecret {
                tenant_id,
                client_id,
                ..
            } => format!("client secret (client {client_id}, tenant {tenant_id})"),
            AzureCredential::Certificate {
                tenant_id,
                client_id,
                certificate,
            } => format!(
                "certificate {} (client {client_id}, tenant {tenant_id})",
                certificate.x5t()
            ),
            AzureCredential::DeviceCode {
                tenant_id,
                client_id,
            } => format!("device code (client {client_id}, tenant {tenant_id})"),
            AzureCredential::AzureCli { program, tenant_id } => match tenant_id {
                Some(t) => format!("Azure CLI ({}, tenant {t})", program.display()),
                None => format!("Azure CLI ({})", program.display()),
            },
            AzureCredential::AccessToken(_) => "a given access token".into(),
        }
    }
}

/// What a user must do to finish a device-code sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    /// The page to open (`https://microsoft.com/devicelogin`).
    pub verification_uri: String,
    /// The code to enter there.
    pub user_code: String,
    /// Azure AD's own sentence ("To sign in, use a web browser to open …").
    pub message: String,
    /// How long the code is valid.
    pub expires_in: Duration,
}

/// Shows a device-code prompt to the user (the notebook layer installs one).
pub type DeviceCodeHandler = Arc<dyn Fn(&DeviceCodePrompt) + Send + Sync>;

fn handler_slot() -> &'static Mutex<Option<DeviceCodeHandler>> {
    static SLOT: OnceLock<Mutex<Option<DeviceCodeHandler>>> = OnceLock::new();
    SLOT.get_or_init(|| Mutex::new(None))
}

/// Installs the process's device-code prompt handler (replacing any earlier one). The
/// notebook runtime shows the prompt as cell output; without a handler the prompt is
/// written to standard error.
pub fn set_device_code_handler(handler: DeviceCodeHandler) {
    let mut slot = handler_slot().lock().unwrap_or_else(|p| p.into_inner());
    *slot = Some(handler);
}

fn show_prompt(prompt: &DeviceCodePrompt, own: Option<&DeviceCodeHandler>) {
    let global = handler_slot()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    match own.cloned().or(global) {
        Some(h) => h(prompt),
        // Standard error, not standard output: a library never writes cell results.
        None => eprintln!("{}", prompt.message),
    }
}

struct Cached {
    token: Secret,
    refresh_at: Instant,
}

/// Gets and caches Azure AD access tokens for one credential (or a chain of them:
/// the first that works is kept).
pub struct AzureAuth {
    chain: Vec<AzureCredential>,
    chosen: Option<usize>,
    authority: String,
    http: HttpClient,
    cache: HashMap<String, Cached>,
    refresh_token: Option<Secret>,
    poll_interval: Option<Duration>,
    prompt: Option<DeviceCodeHandler>,
}

impl fmt::Debug for AzureAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AzureAuth")
            .field("authority", &self.authority)
            .field("chain", &self.chain)
            .field("cached", &self.cache.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// `{resource}/.default`, the v2 endpoint's scope for a v1 resource.
pub(crate) fn scope_for(resource: &str) -> String {
    format!("{}/.default", resource.trim_end_matches('/'))
}

impl AzureAuth {
    /// Tokens from `chain` (tried in order until one works) at the login `authority`
    /// (`https://login.microsoftonline.com`).
    pub fn new(chain: Vec<AzureCredential>, authority: &str, http: HttpClient) -> AzureAuth {
        AzureAuth {
            chain,
            chosen: None,
            authority: authority.trim_end_matches('/').to_owned(),
            http,
            cache: HashMap::new(),
            refresh_token: None,
            poll_interval: None,
            prompt: None,
        }
    }

    /// Shows device-code prompts with `handler` instead of the process's handler.
    pub fn with_device_code_handler(mut self, handler: DeviceCodeHandler) -> AzureAuth {
        self.prompt = Some(handler);
        self
    }

    /// Polls for a device-code sign-in every `interval` instead of Azure AD's
    /// `interval` (tests).
    pub fn with_poll_interval(mut self, interval: Duration) -> AzureAuth {
        self.poll_interval = Some(interval);
        self
    }

    /// The credentials, in the order they are tried.
    pub fn chain(&self) -> &[AzureCredential] {
        &self.chain
    }

    /// Forgets cached tokens (the service refused one).
    pub fn forget(&mut self, resource: &str) {
        self.cache.remove(resource);
    }

    /// An access token for `resource` (`https://api.loganalytics.io`), from the cache
    /// while it has more than five minutes (or half its life) left.
    pub(crate) fn token(&mut self, resource: &str) -> Result<Secret, Fail> {
        if let Some(c) = self.cache.get(resource)
            && Instant::now() < c.refresh_at
        {
            return Ok(c.token.clone());
        }
        let order: Vec<usize> = match self.chosen {
            Some(i) => vec![i],
            None => (0..self.chain.len()).collect(),
        };
        if order.is_empty() {
            return Err(Fail::Msg(
                "no Azure credential configured: set Azure.auth_methods, or ClientId/TenantId/\
                 ClientSecret (or Certificate) for the provider in msticpyconfig.yaml, or the \
                 AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET environment variables"
                    .into(),
            ));
        }
        let mut failures = Vec::new();
        for i in order {
            let cred = self.chain[i].clone();
            match self.fetch(&cred, resource) {
                Ok((token, lifetime)) => {
                    self.chosen = Some(i);
                    let margin = Duration::from_secs(300).min(lifetime / 2);
                    self.cache.insert(
                        resource.to_owned(),
                        Cached {
                            token: token.clone(),
                            refresh_at: Instant::now() + lifetime.saturating_sub(margin),
                        },
                    );
                    return Ok(token);
                }
                Err(Fail::Interrupted) => return Err(Fail::Interrupted),
                Err(Fail::Msg(m)) => failures.push(format!("{}: {m}", cred.describe())),
            }
        }
        Err(Fail::Msg(format!(
            "Azure AD sign-in failed: {}",
            failures.join("; then ")
        )))
    }

    fn token_url(&self, tenant: &str) -> String {
        format!("{}/{tenant}/oauth2/v2.0/token", self.authority)
    }

    fn fetch(
        &mut self,
        cred: &AzureCredential,
        resource: &str,
    ) -> Result<(Secret, Duration), Fail> {
        match cred {
            AzureCredential::ClientSecret {
                tenant_id,
                client_id,
                secret,
            } => {
                let req = Request::post(self.token_url(tenant_id))
                    .form("grant_type", "client_credentials")
                    .form("client_id", client_id)
                    .form("scope", &scope_for(resource))
                    .form_secret("client_secret", secret);
                self.token_request(req)
            }
            AzureCredential::Certificate {
                tenant_id,
                client_id,
                certificate,
            } => {
                let url = self.token_url(tenant_id);
                let assertion =
                    Secret::new(certificate.assertion(&url, client_id).map_err(Fail::Msg)?);
                let req = Request::post(url)
                    .form("grant_type", "client_credentials")
                    .form("client_id", client_id)
                    .form("scope", &scope_for(resource))
                    .form(
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    )
                    .form_secret("client_assertion", &assertion);
                self.token_request(req)
            }
            AzureCredential::DeviceCode {
                tenant_id,
                client_id,
            } => self.device_code(tenant_id, client_id, resource),
            AzureCredential::AzureCli { program, tenant_id } => {
                azure_cli_token(program, tenant_id.as_deref(), resource)
            }
            AzureCredential::AccessToken(t) => Ok((t.clone(), Duration::from_secs(3600))),
        }
    }

    fn token_request(&mut self, req: Request) -> Result<(Secret, Duration), Fail> {
        let resp = self.http.send(req.raw_error_body()).map_err(aad_failure)?;
        let body: Json = resp
            .json()
            .map_err(|e| Fail::Msg(format!("unreadable token response: {e}")))?;
        token_from(&body, &mut self.refresh_token)
    }

    fn device_code(
        &mut self,
        tenant: &str,
        client_id: &str,
        resource: &str,
    ) -> Result<(Secret, Duration), Fail> {
        let scope = format!("{} offline_access", scope_for(resource));
        // A refresh token from an earlier sign-in serves any resource: no new prompt.
        if let Some(refresh) = self.refresh_token.clone() {
            let req = Request::post(self.token_url(tenant))
                .form("grant_type", "refresh_token")
                .form("client_id", client_id)
                .form("scope", &scope)
                .form_secret("refresh_token", &refresh);
            match self.token_request(req) {
                Ok(t) => return Ok(t),
                Err(Fail::Interrupted) => return Err(Fail::Interrupted),
                Err(Fail::Msg(_)) => self.refresh_token = None,
            }
        }
        let url = format!("{}/{tenant}/oauth2/v2.0/devicecode", self.authority);
        let resp = self
            .http
            .send(
                Request::post(url)
                    .form("client_id", client_id)
                    .form("scope", &scope)
                    .raw_error_body(),
            )
            .map_err(aad_failure)?;
        let body: Json = resp
            .json()
            .map_err(|e| Fail::Msg(format!("unreadable device code response: {e}")))?;
        let text = |k: &str| {
            body.get(k)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let device_code = Secret::new(text("device_code"));
        if device_code.is_empty() {
            return Err(Fail::Msg(
                "the device code response has no device_code".into(),
            ));
        }
        let expires =
            Duration::from_secs(body.get("expires_in").and_then(Json::as_u64).unwrap_or(900));
        let mut interval =
            Duration::from_secs(body.get("interval").and_then(Json::as_u64).unwrap_or(5));
        let uri = text("verification_uri");
        let code = text("user_code");
        let mut message = text("message");
        if message.is_empty() {
            message = format!("To sign in, open {uri} and enter the code {code}");
        }
        show_prompt(
            &DeviceCodePrompt {
                verification_uri: uri,
                user_code: code,
                message,
                expires_in: expires,
            },
            self.prompt.as_ref(),
        );
        let deadline = Instant::now() + expires;
        loop {
            sleep_interruptible(self.poll_interval.unwrap_or(interval))?;
            if Instant::now() > deadline {
                return Err(Fail::Msg(
                    "the device code expired before sign-in finished".into(),
                ));
            }
            let req = Request::post(self.token_url(tenant))
                .form("grant_type", "urn:ietf:params:oauth:grant-type:device_code")
                .form("client_id", client_id)
                .form_secret("device_code", &device_code)
                .raw_error_body();
            match self.http.send(req) {
                Ok(resp) => {
                    let body: Json = resp
                        .json()
                        .map_err(|e| Fail::Msg(format!("unreadable token response: {e}")))?;
                    return token_from(&body, &mut self.refresh_token);
                }
                Err(sectools::SectoolsError::HttpStatus {
                    message,
                    status: 400,
                    ..
                }) => {
                    let code = serde_json::from_str::<Json>(&message)
                        .ok()
                        .and_then(|v| v.get("error").and_then(Json::as_str).map(str::to_owned))
                        .unwrap_or_default();
                    match code.as_str() {
                        "authorization_pending" => {}
                        "slow_down" => interval += Duration::from_secs(5),
                        _ => return Err(aad_message(400, &message)),
                    }
                }
                Err(e) => return Err(aad_failure(e)),
            }
        }
    }
}

/// Waits `d`, checking for a kernel interrupt every 50 ms.
pub(crate) fn sleep_interruptible(d: Duration) -> Result<(), Fail> {
    let end = Instant::now() + d;
    loop {
        if sectools::check_interrupt().is_err() {
            return Err(Fail::Interrupted);
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(Duration::from_millis(50)));
    }
}

fn token_from(body: &Json, refresh: &mut Option<Secret>) -> Result<(Secret, Duration), Fail> {
    let token = body
        .get("access_token")
        .and_then(Json::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Fail::Msg("the token response has no access_token".into()))?;
    let expires_in = body
        .get("expires_in")
        .and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(3600);
    if let Some(r) = body.get("refresh_token").and_then(Json::as_str) {
        *refresh = Some(Secret::new(r));
    }
    Ok((Secret::new(token), Duration::from_secs(expires_in)))
}

/// Azure AD's error JSON (`error`, `error_description`) as a message.
fn aad_message(status: u16, body: &str) -> Fail {
    let parsed = serde_json::from_str::<Json>(body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(k))
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    let text = match (field("error"), field("error_description")) {
        (Some(code), Some(desc)) => {
            // The description's first line is the useful part; the rest is trace ids.
            let first = desc.lines().next().unwrap_or_default().to_owned();
            format!("{code}: {first}")
        }
        (Some(code), None) => code,
        _ => body.chars().take(300).collect(),
    };
    Fail::Msg(format!("HTTP {status}: {text}"))
}

fn aad_failure(e: sectools::SectoolsError) -> Fail {
    match e {
        sectools::SectoolsError::HttpStatus {
            status, message, ..
        } => aad_message(status, &message),
        other => Fail::from(other),
    }
}

/// `az account get-access-token`: the token and how long it is valid.
fn azure_cli_token(
    program: &std::path::Path,
    tenant: Option<&str>,
    resource: &str,
) -> Result<(Secret, Duration), Fail> {
    let mut cmd = std::process::Command::new(program);
    cmd.args([
        "account",
        "get-access-token",
        "--resource",
        resource,
        "-o",
        "json",
    ]);
    if let Some(t) = tenant {
        cmd.args(["--tenant", t]);
    }
    cmd.stdin(std::process::Stdio::null());
    let out = cmd.output().map_err(|e| {
        Fail::Msg(format!(
            "cannot run {} ({e}); install the Azure CLI and run `az login`",
            program.display()
        ))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("no message");
        return Err(Fail::Msg(format!(
            "`az account get-access-token` failed: {first} (run `az login`)"
        )));
    }
    let body: Json = serde_json::from_slice(&out.stdout).map_err(|e| {
        Fail::Msg(format!(
            "`az account get-access-token` printed no JSON: {e}"
        ))
    })?;
    let token = body
        .get("accessToken")
        .and_then(Json::as_str)
        .ok_or_else(|| Fail::Msg("`az account get-access-token` gave no accessToken".into()))?;
    let now = chrono::Utc::now().timestamp();
    let expires_on = body.get("expires_on").and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    let lifetime = expires_on.map(|t| (t - now).max(0) as u64).unwrap_or(300);
    Ok((Secret::new(token), Duration::from_secs(lifetime)))
}
