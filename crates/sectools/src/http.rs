//! A small blocking HTTP client for enrichment lookups and remote data drivers.
//!
//! [`HttpClient`] wraps `reqwest` on a private tokio runtime and gives callers a
//! blocking API:
//!
//! - a timeout per request ([`HttpConfig::timeout`], or [`Request::timeout`]);
//! - retries with exponential backoff on 429 and 5xx and on connection failures,
//!   honouring `Retry-After` (seconds or an HTTP date, capped by
//!   [`HttpConfig::max_retry_after`]); timeouts are not retried;
//! - at most [`HttpConfig::max_concurrency`] requests in flight and at most
//!   [`HttpConfig::rate_limit`] request starts per second, shared by every thread using
//!   the client (retries count too);
//! - a kernel interrupt ([`crate::runtime::request_interrupt`]) stops a waiting request
//!   within 50 ms with [`SectoolsError::Interrupted`];
//! - errors name the host and status and the server's message, never the query string,
//!   and every [`Secret`] of the request is scrubbed from them.
//!
//! Keys go in with [`Request::bearer`], [`Request::secret_header`],
//! [`Request::secret_query`] or [`Request::form_secret`], never in the URL text.
//!
//! ```no_run
//! use sectools::http::{HttpClient, HttpConfig, Request};
//! use sectools::Secret;
//!
//! let client = HttpClient::new(HttpConfig::default())?;
//! let token = Secret::new("token from the OAuth endpoint");
//! let response = client.send(
//!     Request::post("https://api.example.net/v1/query")
//!         .bearer(&token)
//!         .json(serde_json::json!({"query": "SigninLogs | take 10"})),
//! )?;
//! let value: serde_json::Value = response.json()?;
//! # Ok::<(), sectools::SectoolsError>(())
//! ```

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::sync::Semaphore;

use crate::error::SectoolsError;
use crate::runtime::{self, Interrupted};
use crate::secret::Secret;

/// How a client behaves; `Default` suits public REST APIs.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Longest wait for one attempt, body included (default 30 s). Streaming bodies
    /// apply it to each chunk instead.
    pub timeout: Duration,
    /// Retries after the first attempt on 429, 5xx and connection failures (default 3).
    pub retries: u32,
    /// First backoff delay, doubled each retry (default 500 ms).
    pub backoff: Duration,
    /// Longest backoff or `Retry-After` wait honoured (default 60 s); a longer
    /// `Retry-After` fails the request at once with the server's 429.
    pub max_retry_after: Duration,
    /// Requests in flight at once (default 4).
    pub max_concurrency: usize,
    /// Request starts per second (default: unlimited).
    pub rate_limit: Option<f64>,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
            max_concurrency: 4,
            rate_limit: None,
            user_agent: concat!("huntrs/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// A blocking HTTP client (clone to share; clones share limits and connections).
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    config: HttpConfig,
    permits: Semaphore,
    limiter: Option<RateLimiter>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.inner.config)
            .finish()
    }
}

/// Request starts spaced `interval` apart (a token bucket of one).
struct RateLimiter {
    interval: Duration,
    next: std::sync::Mutex<Instant>,
}

impl RateLimiter {
    fn new(per_second: f64) -> Option<RateLimiter> {
        // Below one request in ~12 days is no limit anyone means; it would overflow too.
        (per_second.is_finite() && per_second > 1e-6).then(|| RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: std::sync::Mutex::new(Instant::now()),
        })
    }

    async fn acquire(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }
}

/// The HTTP method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// POST
    Post,
}

#[derive(Debug, Clone)]
enum Body {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(String, String)>, Vec<(String, Secret)>),
    Bytes(Vec<u8>, String),
}

/// One request: method, URL, query, headers, body. Built with chained calls; its
/// `Debug` shows secrets as `[redacted]`.
#[derive(Debug, Clone)]
pub struct Request {
    method: Method,
    url: String,
    query: Vec<(String, String)>,
    secret_query: Vec<(String, Secret)>,
    headers: Vec<(String, String)>,
    secret_headers: Vec<(String, Secret)>,
    body: Body,
    timeout: Option<Duration>,
    raw_error_body: bool,
}

impl Request {
    fn new(method: Method, url: impl Into<String>) -> Request {
        Request {
            method,
            url: url.into(),
            query: Vec::new(),
            secret_query: Vec::new(),
            headers: Vec::new(),
            secret_headers: Vec::new(),
            body: Body::Empty,
            timeout: None,
            raw_error_body: false,
        }
    }

    /// A GET request.
    pub fn get(url: impl Into<String>) -> Request {
        Request::new(Method::Get, url)
    }

    /// A POST request.
    pub fn post(url: impl Into<String>) -> Request {
        Request::new(Method::Post, url)
    }

    /// Adds a query parameter (encoded for the URL).
    pub fn query(mut self, key: &str, value: &str) -> Request {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Adds a query parameter holding a key (kept out of errors and `Debug`).
    pub fn secret_query(mut self, key: &str, value: &Secret) -> Request {
        self.secret_query.push((key.into(), value.clone()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a header holding a key (`x-apikey`, `Key`).
    pub fn secret_header(mut self, name: &str, value: &Secret) -> Request {
        self.secret_headers.push((name.into(), value.clone()));
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &Secret) -> Request {
        let value = Secret::new(format!("Bearer {}", token.expose()));
        let mut req = self.secret_header("Authorization", &value);
        // Scrub the bare token too: servers echo it without the prefix.
        req.secret_headers.push((String::new(), token.clone()));
        req
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json(mut self, body: serde_json::Value) -> Request {
        self.body = Body::Json(body);
        self
    }

    /// Adds a field to a form body (`application/x-www-form-urlencoded`).
    pub fn form(mut self, key: &str, value: &str) -> Request {
        match &mut self.body {
            Body::Form(fields, _) => fields.push((key.into(), value.into())),
            _ => self.body = Body::Form(vec![(key.into(), value.into())], Vec::new()),
        }
        self
    }

    /// Adds a secret field to a form body (`client_secret`).
    pub fn form_secret(mut self, key: &str, value: &Secret) -> Request {
        match &mut self.body {
            Body::Form(_, secrets) => secrets.push((key.into(), value.clone())),
            _ => self.body = Body::Form(Vec::new(), vec![(key.into(), value.clone())]),
        }
        self
    }

    /// A raw body with its content type.
    pub fn body(mut self, bytes: Vec<u8>, content_type: &str) -> Request {
        self.body = Body::Bytes(bytes, content_type.into());
        self
    }

    /// Makes an error status's [`SectoolsError::HttpStatus`] message the whole error
    /// body (secrets scrubbed, at most 8 KB) instead of the extracted message: for
    /// callers that read a service's structured error JSON themselves (the remote data
    /// drivers; OAuth's `authorization_pending`).
    pub fn raw_error_body(mut self) -> Request {
        self.raw_error_body = true;
        self
    }

    /// A timeout for this request instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }

    /// The host the request goes to, for messages (`?` when the URL does not parse).
    pub fn host(&self) -> String {
        host_of(&self.url)
    }

    fn secrets(&self) -> impl Iterator<Item = &Secret> {
        let form = match &self.body {
            Body::Form(_, s) => s.as_slice(),
            _ => &[],
        };
        self.secret_query
            .iter()
            .chain(&self.secret_headers)
            .chain(form)
            .map(|(_, s)| s)
    }

    fn scrub(&self, text: &str) -> String {
        self.secrets().fold(text.to_string(), |t, s| s.scrub(&t))
    }

    fn build(&self, client: &reqwest::Client) -> Result<reqwest::RequestBuilder, SectoolsError> {
        let invalid =
            |what: &str| SectoolsError::InvalidInput(format!("{what} for {}", self.host()));
        let mut url = reqwest::Url::parse(&self.url).map_err(|e| {
            SectoolsError::InvalidInput(format!("bad URL for {}: {e}", self.host()))
        })?;
        if !self.query.is_empty() || !self.secret_query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in &self.query {
                pairs.append_pair(k, v);
            }
            for (k, v) in &self.secret_query {
                pairs.append_pair(k, v.expose());
            }
        }
        let method = match self.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
        };
        let mut headers = HeaderMap::new();
        let plain = self.headers.iter().map(|(k, v)| (k, v.as_str(), false));
        let secret = self
            .secret_headers
            .iter()
            .filter(|(k, _)| !k.is_empty())
            .map(|(k, v)| (k, v.expose(), true));
        for (name, value, sensitive) in plain.chain(secret) {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(&format!("bad header name {name:?}")))?;
            let mut value = HeaderValue::from_str(value)
                // Never quote a header value: it may be a key.
                .map_err(|_| invalid(&format!("bad characters in header {name}")))?;
            value.set_sensitive(sensitive);
            headers.append(name, value);
        }
        let mut builder = client.request(method, url).headers(headers);
        builder = match &self.body {
            Body::Empty => builder,
            Body::Json(v) => builder.json(v),
            Body::Form(fields, secrets) => {
                let all: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .chain(secrets.iter().map(|(k, v)| (k.as_str(), v.expose())))
                    .collect();
                builder.form(&all)
            }
            Body::Bytes(bytes, ct) => builder
                .header(reqwest::header::CONTENT_TYPE, ct.as_str())
                .body(bytes.clone()),
        };
        Ok(builder)
    }
}

/// A successful response (2xx), body read in full.
#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    host: String,
}

impl Response {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; a parse failure is [`SectoolsError::BadResponse`].
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, SectoolsError> {
        serde_json::from_slice(&self.body).map_err(|e| SectoolsError::BadResponse {
            host: self.host.clone(),
            message: format!("invalid JSON: {e}"),
        })
    }
}

/// A response whose body is read as it arrives ([`HttpClient::send_streaming`]).
/// Reads wait at most the client's timeout for each chunk and stop on an interrupt.
pub struct BodyReader {
    inner: Arc<Inner>,
    response: reqwest::Response,
    chunk: bytes::Bytes,
    timeout: Duration,
    host: String,
}

impl std::fmt::Debug for BodyReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyReader")
            .field("host", &self.host)
            .field("status", &self.response.status().as_u16())
            .finish()
    }
}

impl BodyReader {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
    }
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.chunk.is_empty() {
            let timeout = self.timeout;
            let response = &mut self.response;
            let next = self.inner.rt.block_on(async {
                tokio::select! {
                    chunk = tokio::time::timeout(timeout, response.chunk()) => Some(chunk),
                    _ = wait_interrupt(None) => None,
                }
            });
            let io = |kind, msg: String| std::io::Error::new(kind, msg);
            self.chunk = match next {
                None => {
                    return Err(io(std::io::ErrorKind::Interrupted, Interrupted.to_string()));
                }
                Some(Err(_)) => {
                    return Err(io(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "{} sent nothing for {:.1} s",
                            self.host,
                            timeout.as_secs_f64()
                        ),
                    ));
                }
                Some(Ok(Err(e))) => {
                    return Err(io(
                        std::io::ErrorKind::Other,
                        format!("reading from {}: {}", self.host, e.without_url()),
                    ));
                }
                Some(Ok(Ok(None))) => return Ok(0),
                Some(Ok(Ok(Some(chunk)))) => chunk,
            };
        }
        let n = buf.len().min(self.chunk.len());
        buf[..n].copy_from_slice(&self.chunk[..n]);
        bytes::Buf::advance(&mut self.chunk, n);
        Ok(n)
    }
}

/// Waits until an interrupt is requested (or `stop` is set), polling every 50 ms.
async fn wait_interrupt(stop: Option<&AtomicBool>) {
    loop {
        if runtime::interrupt_requested() || stop.is_some_and(|s| s.load(Ordering::Relaxed)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The host of a URL, for messages; never the path or query.
pub fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "?".to_string())
}

/// The server's message from an error body: common JSON fields, else the text start.
fn server_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let paths: [&[&str]; 7] = [
                &["error", "message"],
                &["error_description"],
                &["message"],
                &["error", "info"],
                &["detail"],
                &["errors"],
                &["error"],
            ];
            paths.iter().find_map(|path| {
                let mut cur = &v;
                for key in *path {
                    cur = cur.get(key)?;
                }
                match cur {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                }
            })
        });
    let message = from_json.unwrap_or_else(|| text.trim().to_string());
    let mut short: String = message.chars().take(300).collect();
    if short.len() < message.len() {
        short.push('…');
    }
    if short.is_empty() {
        "(empty body)".to_string()
    } else {
        short
    }
}

/// An error body as text, cut at 8 KB (for [`Request::raw_error_body`]).
fn raw_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(8192)]);
    text.into_owned()
}

/// When a 429/503 says to come back: `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && (0.0..1e9).contains(&secs))
            .then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

enum Attempt {
    Done(Done),
    Retry(Option<Duration>, SectoolsError),
    Fail(SectoolsError),
}

/// A successful attempt: the body read, or the response left to stream.
enum Done {
    Full(Response),
    Stream(reqwest::Response),
}

impl HttpClient {
    /// A client with its own runtime and connection pool.
    pub fn new(config: HttpConfig) -> Result<HttpClient, SectoolsError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("huntrs-http")
            .enable_all()
            .build()
            .map_err(|e| SectoolsError::HttpTransport {
                host: "-".into(),
                message: format!("cannot start the HTTP runtime: {e}"),
            })?;
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| SectoolsError::HttpTransport {
                host: "-".into(),
                message: format!("cannot build the HTTP client: {}", e.without_url()),
            })?;
        Ok(HttpClient {
            inner: Arc::new(Inner {
                rt,
                client,
                permits: Semaphore::new(config.max_concurrency.clamp(1, 4096)),
                limiter: config.rate_limit.and_then(RateLimiter::new),
                config,
            }),
        })
    }

    /// The client's configuration.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// Sends a request, retrying as configured, and reads the whole body. A status
    /// other than 2xx is [`SectoolsError::HttpStatus`] with the server's message.
    pub fn send(&self, request: Request) -> Result<Response, SectoolsError> {
        let result = self.send_until(&request, None);
        consume_interrupt(result)
    }

    /// [`HttpClient::send`] that also gives up when `stop` is set (a batch that
    /// was interrupted on another thread). Does not consume the interrupt.
    pub(crate) fn send_until(
        &self,
        request: &Request,
        stop: Option<&AtomicBool>,
    ) -> Result<Response, SectoolsError> {
        let inner = &self.inner;
        let timeout = request.timeout.unwrap_or(inner.config.timeout);
        let done = inner.rt.block_on(async {
            tokio::select! {
                r = self.execute(request, timeout, true) => r,
                _ = wait_interrupt(stop) => Err(SectoolsError::Interrupted(Interrupted)),
            }
        })?;
        full(done, request)
    }

    /// Sends a request and returns its body as a reader, for large responses that a
    /// parser consumes as they arrive. Retries apply until the headers arrive.
    pub fn send_streaming(&self, request: Request) -> Result<BodyReader, SectoolsError> {
        let inner = &self.inner;
        let timeout = request.timeout.unwrap_or(inner.config.timeout);
        let result = inner.rt.block_on(async {
            tokio::select! {
                r = self.execute(&request, timeout, false) => r,
                _ = wait_interrupt(None) => Err(SectoolsError::Interrupted(Interrupted)),
            }
        });
        let response = match consume_interrupt(result)? {
            Done::Stream(r) => r,
            Done::Full(_) => {
                return Err(SectoolsError::HttpTransport {
                    host: request.host(),
                    message: "internal: a streamed response was read in full".into(),
                });
            }
        };
        Ok(BodyReader {
            inner: Arc::clone(&self.inner),
            response,
            chunk: bytes::Bytes::new(),
            timeout,
            host: request.host(),
        })
    }

    /// Sends many requests at once, within the client's concurrency and rate limits;
    /// `on_done` is called (on this thread) as each finishes, with its index. One
    /// failure does not stop the others; an interrupt stops all of them.
    pub fn send_all(
        &self,
        requests: Vec<Request>,
        mut on_done: impl FnMut(usize, &Result<Response, SectoolsError>),
    ) -> Result<Vec<Result<Response, SectoolsError>>, SectoolsError> {
        let n = requests.len();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let inner = &self.inner;
        let mut tasks = tokio::task::JoinSet::new();
        for (i, request) in requests.into_iter().enumerate() {
            let client = self.clone();
            let tx = tx.clone();
            tasks.spawn_on(
                async move {
                    let timeout = request.timeout.unwrap_or(client.inner.config.timeout);
                    let r = client.execute(&request, timeout, true).await;
                    let _ = tx.send((i, r.and_then(|d| full(d, &request))));
                },
                inner.rt.handle(),
            );
        }
        drop(tx);
        let mut out: Vec<Option<Result<Response, SectoolsError>>> = (0..n).map(|_| None).collect();
        let finished = inner.rt.block_on(async {
            loop {
                tokio::select! {
                    item = rx.recv() => match item {
                        Some((i, r)) => {
                            on_done(i, &r);
                            out[i] = Some(r);
                        }
                        None => return true,
                    },
                    _ = wait_interrupt(None) => return false,
                }
            }
        });
        if !finished {
            tasks.abort_all();
            let _ = runtime::check_interrupt();
            return Err(SectoolsError::Interrupted(Interrupted));
        }
        Ok(out
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| {
                    Err(SectoolsError::HttpTransport {
                        host: "-".into(),
                        message: "the request task ended without an answer".into(),
                    })
                })
            })
            .collect())
    }

    /// One request with retries; reads the body when `read_body`.
    async fn execute(
        &self,
        request: &Request,
        timeout: Duration,
        read_body: bool,
    ) -> Result<Done, SectoolsError> {
        let config = &self.inner.config;
        let mut attempt = 0u32;
        loop {
            let (wait, error) = match self.attempt(request, timeout, read_body).await? {
                Attempt::Done(done) => return Ok(done),
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry(wait, e) => (wait, e),
            };
            if attempt >= config.retries {
                return Err(error);
            }
            let backoff = config.backoff.saturating_mul(1u32 << attempt.min(16));
            let wait = match wait {
                Some(w) if w > config.max_retry_after => return Err(error),
                Some(w) => w,
                None => backoff.min(config.max_retry_after),
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        request: &Request,
        timeout: Duration,
        read_body: bool,
    ) -> Result<Attempt, SectoolsError> {
        let inner = &self.inner;
        let host = request.host();
        let mut builder = request.build(&inner.client)?;
        if read_body {
            builder = builder.timeout(timeout);
        }
        if let Some(limiter) = &inner.limiter {
            limiter.acquire().await;
        }
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| SectoolsError::HttpTransport {
                host: host.clone(),
                message: "the client was shut down".into(),
            })?;
        let sent = if read_body {
            builder.send().await
        } else {
            match tokio::time::timeout(timeout, builder.send()).await {
                Ok(r) => r,
                Err(_) => {
                    return Ok(Attempt::Fail(SectoolsError::Timeout {
                        host,
                        seconds: timeout.as_secs_f64(),
                    }));
                }
            }
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Ok(transport_error(&host, timeout, request, e)),
        };
        let status = response.status().as_u16();
        let success = response.status().is_success();
        if success && !read_body {
            return Ok(Attempt::Done(Done::Stream(response)));
        }
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(b) => b.to_vec(),
            Err(e) => return Ok(transport_error(&host, timeout, request, e)),
        };
        if success {
            return Ok(Attempt::Done(Done::Full(Response {
                status,
                headers,
                body,
                host,
            })));
        }
        let error = SectoolsError::HttpStatus {
            host,
            status,
            message: request.scrub(&if request.raw_error_body {
                raw_body(&body)
            } else {
                server_message(&body)
            }),
        };
        let retryable = status == 429 || (500..600).contains(&status);
        Ok(if retryable {
            Attempt::Retry(retry_after(&headers), error)
        } else {
            Attempt::Fail(error)
        })
    }
}

fn full(done: Done, request: &Request) -> Result<Response, SectoolsError> {
    match done {
        Done::Full(r) => Ok(r),
        Done::Stream(_) => Err(SectoolsError::HttpTransport {
            host: request.host(),
            message: "internal: a full response was left unread".into(),
        }),
    }
}

fn transport_error(host: &str, timeout: Duration, request: &Request, e: reqwest::Error) -> Attempt {
    if e.is_timeout() {
        return Attempt::Fail(SectoolsError::Timeout {
            host: host.to_string(),
            seconds: timeout.as_secs_f64(),
        });
    }
    let retry = e.is_connect();
    let e = e.without_url();
    let mut message = e.to_string();
    // reqwest's Display stops at the outermost layer; the cause says what failed.
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    let error = SectoolsError::HttpTransport {
        host: host.to_string(),
        message: request.scrub(&message),
    };
    if retry {
        Attempt::Retry(None, error)
    } else {
        Attempt::Fail(error)
    }
}

/// Turns an interrupt error into a consumed interrupt (so the next cell runs).
fn consume_interrupt<T>(result: Result<T, SectoolsError>) -> Result<T, SectoolsError> {
    if let Err(SectoolsError::Interrupted(_)) = &result {
        let _ = runtime::check_interrupt();
    }
    result
}

/// Whether an error is the interrupt (batches stop on it and keep going on others).
pub fn is_interrupt(error: &SectoolsError) -> bool {
    matches!(error, SectoolsError::Interrupted(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_come_from_json_or_text() {
        assert_eq!(
            server_message(br#"{"error":{"code":"WrongCredentialsError","message":"bad key"}}"#),
            "bad key"
        );
        assert_eq!(server_message(b"  plain failure \n"), "plain failure");
        assert_eq!(server_message(b""), "(empty body)");
    }

    #[test]
    fn hosts_never_include_queries() {
        assert_eq!(
            host_of("http://127.0.0.1:8080/x?key=SECRET"),
            "127.0.0.1:8080"
        );
        assert_eq!(host_of("not a url"), "?");
    }

    #[test]
    fn retry_after_in_seconds() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(2)));
    }
}
