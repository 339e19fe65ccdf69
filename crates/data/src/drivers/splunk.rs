//! [`SplunkDriver`]: SPL through Splunk's search jobs REST API.
//!
//! A query is a search job: `POST /services/search/jobs` (`search`, `output_mode=json`)
//! gives its `sid`; `GET /services/search/jobs/{sid}` is polled until `isDone`
//! (`doneProgress` goes to [`sectools::Progress`]); the results are read in pages with
//! `GET /services/search/jobs/{sid}/results?output_mode=json&count=N&offset=M`. An
//! interrupt cancels the job (`POST .../control`, `action=cancel`).
//!
//! Splunk sends every value as text: `_time` becomes a UTC datetime, multivalue fields
//! JSON arrays as text, everything else stays a string.

use std::fmt;
use std::time::{Duration, Instant};

use polars::prelude::DataFrame;
use sectools::Secret;
use sectools::http::{HttpClient, HttpConfig, Request};
use sectools::settings::Settings;
use serde_json::Value as Json;

use super::Fail;
use super::auth::sleep_interruptible;
use super::columns::{ColumnBuilder, TableBuilder};
use super::settings_error;
use crate::{DataError, Dialect, Driver, RunOptions};

const ENVIRONMENT: &str = "Splunk";

/// How to sign in to Splunk.
#[derive(Clone)]
pub enum SplunkAuth {
    /// An authentication token (`Authorization: Bearer`).
    Token(Secret),
    /// A user name and password (`POST /services/auth/login` gives a session key).
    Password {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
}

impl fmt::Debug for SplunkAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplunkAuth::Token(_) => f.write_str("Token([redacted])"),
            SplunkAuth::Password { username, .. } => {
                write!(f, "Password {{ username: {username:?} }}")
            }
        }
    }
}

/// Where and how a [`SplunkDriver`] searches.
#[derive(Debug, Clone)]
pub struct SplunkConfig {
    /// The management API's base URL (`https://splunk.example.com:8089`).
    pub base_url: String,
    /// How to sign in.
    pub auth: SplunkAuth,
    /// Rows per results page (default 10 000; Splunk's own cap is often 50 000).
    pub page_size: usize,
    /// The wait between job status polls (default 500 ms).
    pub poll_interval: Duration,
    /// The longest a search may run before it is cancelled (default 10 min).
    pub timeout: Duration,
    /// HTTP timeouts and retries.
    pub http: HttpConfig,
}

impl SplunkConfig {
    /// A config for `base_url` with defaults.
    pub fn new(base_url: &str, auth: SplunkAuth) -> SplunkConfig {
        SplunkConfig {
            base_url: base_url.trim_end_matches('/').to_owned(),
            auth,
            page_size: 10_000,
            poll_interval: Duration::from_millis(500),
            timeout: Duration::from_secs(600),
            http: HttpConfig::default(),
        }
    }
}

/// Runs SPL searches on a Splunk server.
#[derive(Debug)]
pub struct SplunkDriver {
    config: SplunkConfig,
    http: HttpClient,
    session: Option<Secret>,
}

impl SplunkDriver {
    /// A driver for `config`.
    ///
    /// # Errors
    /// [`DataError::Provider`] when the HTTP client cannot start.
    pub fn new(config: SplunkConfig) -> Result<SplunkDriver, DataError> {
        let http = HttpClient::new(config.http.clone()).map_err(settings_error)?;
        Ok(SplunkDriver {
            config,
            http,
            session: None,
        })
    }

    /// A driver from `DataProviders.Splunk.Args` (msticpy's keys): `host` (a name, or
    /// a URL with scheme and port), `port` (default 8089), `protocol` (default
    /// `https`), and `bearer_token` or `username` with `password`.
    ///
    /// # Errors
    /// [`DataError::Provider`] naming the missing key.
    pub fn from_settings(settings: &Settings) -> Result<SplunkDriver, DataError> {
        let args = settings.data_provider("Splunk").ok_or_else(|| {
            DataError::Provider(
                "Splunk is not configured: add DataProviders.Splunk.Args (host, and \
                 bearer_token or username/password) to msticpyconfig.yaml"
                    .into(),
            )
        })?;
        let arg = |k: &str| args.arg(k).map_err(settings_error);
        let host = arg("host")?.ok_or_else(|| {
            DataError::Provider("DataProviders.Splunk.Args.host is not set".into())
        })?;
        let base_url = if host.contains("://") {
            host
        } else {
            let port = arg("port")?.unwrap_or_else(|| "8089".into());
            let scheme = arg("protocol")?.unwrap_or_else(|| "https".into());
            format!("{scheme}://{host}:{port}")
        };
        let token = match args.secret("bearer_token").map_err(settings_error)? {
            Some(t) => Some(t),
            None => args.secret("token").map_err(settings_error)?,
        };
        let auth = match (token, arg("username")?) {
            (Some(t), _) => SplunkAuth::Token(t),
            (None, Some(username)) => SplunkAuth::Password {
                username,
                password: args.require_secret("password").map_err(settings_error)?,
            },
            (None, None) => {
                return Err(DataError::Provider(
                    "DataProviders.Splunk.Args needs bearer_token, or username and password".into(),
                ));
            }
        };
        let mut config = SplunkConfig::new(&base_url, auth);
        if let Some(t) = settings.http_timeout() {
            config.http.timeout = Duration::from_secs_f64(t.max(1.0));
        }
        SplunkDriver::new(config)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url)
    }

    /// The `Authorization` value: the bearer token, or a session key from logging in.
    fn authorize(&mut self, req: Request) -> Result<Request, Fail> {
        match &self.config.auth {
            SplunkAuth::Token(t) => Ok(req.bearer(t)),
            SplunkAuth::Password { username, password } => {
                if self.session.is_none() {
                    let login = Request::post(self.url("/services/auth/login"))
                        .form("username", username)
                        .form_secret("password", password)
                        .form("output_mode", "json")
                        .raw_error_body();
                    let body: Json = self.http.send(login).map_err(splunk_failure)?.json()?;
                    let key = body
                        .get("sessionKey")
                        .and_then(Json::as_str)
                        .ok_or_else(|| Fail::Msg("the login response has no sessionKey".into()))?;
                    self.session = Some(Secret::new(key));
                }
                let key = self.session.clone().unwrap_or_else(|| Secret::new(""));
                let header = Secret::new(format!("Splunk {}", key.expose()));
                Ok(req.secret_header("Authorization", &header))
            }
        }
    }

    fn send(&mut self, req: Request) -> Result<Json, Fail> {
        let req = self.authorize(req.raw_error_body())?;
        Ok(self.http.send(req).map_err(splunk_failure)?.json()?)
    }

    fn search(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, Fail> {
        let text = query.trim();
        // The jobs API runs a search command; a bare query is a `search`.
        let search = if text.starts_with('|') || text.starts_with("search ") {
            text.to_owned()
        } else {
            format!("search {text}")
        };
        let created = self.send(
            Request::post(self.url("/services/search/jobs"))
                .form("search", &search)
                .form("output_mode", "json")
                .form("exec_mode", "normal"),
        )?;
        let sid = created
            .get("sid")
            .and_then(Json::as_str)
            .ok_or_else(|| Fail::Msg("the search job response has no sid".into()))?
            .to_owned();
        match self.wait_and_read(&sid, options) {
            Err(Fail::Interrupted) => {
                self.cancel(&sid);
                Err(Fail::Interrupted)
            }
            Err(e) if matches!(&e, Fail::Msg(m) if m.starts_with("timed out")) => {
                self.cancel(&sid);
                Err(e)
            }
            other => other,
        }
    }

    /// Cancels a job, best effort: the interrupt or timeout is what the user sees.
    fn cancel(&mut self, sid: &str) {
        let req = Request::post(self.url(&format!("/services/search/jobs/{sid}/control")))
            .form("action", "cancel")
            .form("output_mode", "json");
        if let Ok(req) = self.authorize(req) {
            let _ = self.http.send(req);
        }
    }

    fn wait_and_read(&mut self, sid: &str, options: &RunOptions) -> Result<DataFrame, Fail> {
        let timeout = options.timeout.unwrap_or(self.config.timeout);
        let started = Instant::now();
        let label = if options.label.is_empty() {
            "Splunk search"
        } else {
            options.label.as_str()
        };
        let mut progress = sectools::Progress::start(label, 100);
        let status_url = self.url(&format!("/services/search/jobs/{sid}"));
        let result_count = loop {
            let status = self.send(Request::get(&status_url).query("output_mode", "json"))?;
            let content = status
                .get("entry")
                .and_then(|e| e.get(0))
                .and_then(|e| e.get("content"))
                .ok_or_else(|| Fail::Msg(format!("the status of job {sid} has no entry")))?;
            let done_progress = content
                .get("doneProgress")
                .and_then(number)
                .unwrap_or(0.0)
                .clamp(0.0, 1.0);
            let step = ((done_progress * 100.0) as u64).saturating_sub(progress.done());
            let state = content
                .get("dispatchState")
                .and_then(Json::as_str)
                .unwrap_or("");
            progress.advance(step, state);
            if flag(content.get("isFailed")) || state == "FAILED" {
                return Err(Fail::Msg(format!(
                    "search job {sid} failed: {}",
                    job_messages(content)
                )));
            }
            if flag(content.get("isDone")) {
                break content
                    .get("resultCount")
                    .and_then(number)
                    .map(|n| n as usize);
            }
            if started.elapsed() > timeout {
                return Err(Fail::Msg(format!(
                    "timed out after {:.0} s waiting for search job {sid} ({:.0}% done); it \
                     was cancelled",
                    timeout.as_secs_f64(),
                    done_progress * 100.0
                )));
            }
            sleep_interruptible(self.config.poll_interval)?;
        };
        let mut table = TableBuilder::new([]);
        table.grow = true;
        let mut offset = 0usize;
        let page = self.config.page_size.max(1);
        let results_url = self.url(&format!("/services/search/jobs/{sid}/results"));
        loop {
            sectools::check_interrupt().map_err(|_| Fail::Interrupted)?;
            let body = self.send(
                Request::get(&results_url)
                    .query("output_mode", "json")
                    .query("count", &page.to_string())
                    .query("offset", &offset.to_string()),
            )?;
            if table.columns.is_empty()
                && let Some(fields) = body.get("fields").and_then(Json::as_array)
            {
                for f in fields {
                    let name = f.get("name").and_then(Json::as_str).or_else(|| f.as_str());
                    if let Some(name) = name {
                        let declared = if name == "_time" {
                            "datetime"
                        } else {
                            "string"
                        };
                        table.columns.push(ColumnBuilder::new(name, declared));
                    }
                }
            }
            let rows = body
                .get("results")
                .and_then(Json::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for row in rows {
                table.push_row_value(row).map_err(Fail::Msg)?;
            }
            offset += rows.len();
            let done = rows.len() < page || result_count.is_some_and(|n| offset >= n);
            if done || rows.is_empty() {
                break;
            }
        }
        table.finish().map_err(Fail::Msg)
    }
}

fn number(v: &Json) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn flag(v: Option<&Json>) -> bool {
    match v {
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_i64() == Some(1),
        Some(Json::String(s)) => s == "1" || s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn job_messages(content: &Json) -> String {
    let list = content.get("messages").and_then(Json::as_array);
    let texts: Vec<String> = list
        .into_iter()
        .flatten()
        .filter_map(|m| m.get("text").and_then(Json::as_str).map(str::to_owned))
        .collect();
    if texts.is_empty() {
        "no message".into()
    } else {
        texts.join("; ")
    }
}

/// Splunk's error JSON (`{"messages": [{"type", "text"}]}`) as a message.
fn splunk_failure(e: sectools::SectoolsError) -> Fail {
    match e {
        sectools::SectoolsError::HttpStatus {
            host,
            status,
            message,
        } => {
            let text = serde_json::from_str::<Json>(&message)
                .ok()
                .map(|v| job_messages(&v))
                .filter(|t| t != "no message")
                .unwrap_or_else(|| message.chars().take(300).collect());
            let hint = match status {
                401 => " (check the Splunk token or user name and password)",
                403 => " (signed in, but not allowed to search)",
                _ => "",
            };
            Fail::Msg(format!("HTTP {status} from {host}{hint}: {text}"))
        }
        other => Fail::from(other),
    }
}

impl Driver for SplunkDriver {
    fn environment(&self) -> &str {
        ENVIRONMENT
    }

    fn dialect(&self) -> Dialect {
        Dialect::Spl
    }

    fn source(&self) -> String {
        self.config.base_url.clone()
    }

    fn run(&mut self, query: &str, options: &RunOptions) -> Result<DataFrame, DataError> {
        sectools::check_interrupt()?;
        let result = match self.search(query, options) {
            Err(f) if f.is_unauthorized() && self.session.is_some() => {
                // An expired session key: log in again once.
                self.session = None;
                self.search(query, options)
            }
            other => other,
        };
        result.map_err(|f| f.into_data_error(ENVIRONMENT, &self.source()))
    }
}
