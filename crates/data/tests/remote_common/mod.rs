//! Shared pieces of the remote driver tests: a local HTTP server on 127.0.0.1 that
//! records what it receives, an Azure AD token endpoint that checks the documented
//! form fields, and the corpus / fixture paths.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Value as Json, json};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub url: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Seen {
    /// The path without the query string.
    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or_default()
    }

    /// A query-string parameter, decoded.
    pub fn query(&self, key: &str) -> Option<String> {
        let q = self.url.split_once('?')?.1;
        form_decode(q).remove(key)
    }

    /// The body as a form, decoded.
    pub fn form(&self) -> HashMap<String, String> {
        form_decode(&self.body)
    }

    /// The body as JSON.
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.body).unwrap_or(Json::Null)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// `application/x-www-form-urlencoded` → map (what the drivers send).
pub fn form_decode(text: &str) -> HashMap<String, String> {
    let decode = |s: &str| {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < b.len() => {
                    out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// What a handler answers: status, headers, body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: &Json) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Seen) -> Reply + Send + Sync;

/// A server on 127.0.0.1 (a free port) answering with `handler` and recording every
/// request. Stops when dropped.
pub struct FakeServer {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    pub base: String,
}

impl FakeServer {
    pub fn start(handler: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> FakeServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (srv, log) = (Arc::clone(&server), Arc::clone(&seen));
        let thread = std::thread::spawn(move || {
            for mut request in srv.incoming_requests() {
                let mut body = String::new();
                let _ = request.as_reader().read_to_string(&mut body);
                let headers = request
                    .headers()
                    .iter()
                    .map(|h| {
                        (
                            h.field.as_str().as_str().to_ascii_lowercase(),
                            h.value.as_str().to_owned(),
                        )
                    })
                    .collect();
                let seen = Seen {
                    method: request.method().as_str().to_owned(),
                    url: request.url().to_owned(),
                    headers,
                    body,
                };
                log.lock().expect("log").push(seen.clone());
                let handler = Arc::clone(&handler);
                // Each answer on its own thread, so a slow answer does not hold others.
                std::thread::spawn(move || {
                    let reply = handler(&seen);
                    let mut response =
                        tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
                    for (k, v) in reply.headers {
                        if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                            response.add_header(h);
                        }
                    }
                    let _ = request.respond(response);
                });
            }
        });
        FakeServer {
            server,
            thread: Some(thread),
            seen,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A server answering every request with 200 and a body read from `body()` as it
    /// is sent (chunked), for bodies too large or too slow to build first.
    pub fn start_streaming(
        body: impl Fn() -> Box<dyn std::io::Read + Send> + Send + Sync + 'static,
    ) -> FakeServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let srv = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for request in srv.incoming_requests() {
                let reader = body();
                std::thread::spawn(move || {
                    let response = tiny_http::Response::new(200.into(), vec![], reader, None, None);
                    let _ = request.respond(response);
                });
            }
        });
        FakeServer {
            server,
            thread: Some(thread),
            seen: Arc::default(),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Requests seen so far whose path ends with `suffix`.
    pub fn requests_to(&self, suffix: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .expect("log")
            .iter()
            .filter(|s| s.path().ends_with(suffix))
            .cloned()
            .collect()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

pub const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db49";
pub const CLIENT_ID: &str = "66b9818a-26cd-4584-8eb0-7f7a499242aa";
pub const CLIENT_SECRET: &str = "s3cr3t-CANARY-value";
pub const TOKEN: &str = "eyJ0eXAi.fake-access-token.sig";

/// Azure AD's answer to a token request, per the documented client credentials flow:
/// `grant_type=client_credentials`, the app's `client_id`, `scope` = `{resource}/.default`
/// (one of `scopes`), and the right `client_secret`; anything else is AAD's error JSON.
pub fn aad_token_reply(seen: &Seen, scopes: &[&str]) -> Reply {
    let form = seen.form();
    let error = |status: u16, code: &str, desc: &str| {
        Reply::json(
            status,
            &json!({
                "error": code,
                "error_description": format!("{desc}\r\nTrace ID: 0000\r\nCorrelation ID: 1111\r\nTimestamp: 2026-11-29 12:00:00Z"),
                "error_codes": [7000215],
                "timestamp": "2026-11-29 12:00:00Z",
                "trace_id": "0000",
                "correlation_id": "1111",
            }),
        )
    };
    if seen.path() != format!("/{TENANT}/oauth2/v2.0/token") {
        return error(
            400,
            "invalid_request",
            &format!("AADSTS90002: Tenant not found: {}", seen.path()),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return error(
            400,
            "unsupported_grant_type",
            "AADSTS70003: unsupported grant type",
        );
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return error(
            400,
            "unauthorized_client",
            "AADSTS700016: Application not found in the directory",
        );
    }
    if !scopes
        .iter()
        .any(|s| form.get("scope").map(String::as_str) == Some(*s))
    {
        return error(
            400,
            "invalid_scope",
            &format!(
                "AADSTS70011: The provided scope {:?} is not valid",
                form.get("scope")
            ),
        );
    }
    if form.get("client_secret").map(String::as_str) != Some(CLIENT_SECRET) {
        return error(
            401,
            "invalid_client",
            &format!(
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{CLIENT_ID}'."
            ),
        );
    }
    Reply::json(
        200,
        &json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": TOKEN}),
    )
}

/// Checks the bearer token a service request carries.
pub fn authorized(seen: &Seen) -> bool {
    seen.header("authorization") == Some(&format!("Bearer {TOKEN}"))
}

/// The msticpy corpus folder, if this checkout has it (`/work/shared` or `../shared`).
pub fn corpus() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates = [
        PathBuf::from("/work/shared/corpus/msticpy-testdata"),
        root.join("../shared/corpus/msticpy-testdata"),
    ];
    let found = candidates.into_iter().find(|p| p.is_dir());
    if found.is_none() {
        println!("skipped: the msticpy corpus (/work/shared or ../shared) is not present");
    }
    found
}

/// A fixture file of these tests.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/remote")
        .join(name)
}

pub fn read_fixture(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture")
}

/// The workspace's `queries/` folder.
pub fn queries_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../queries")
}

/// A fast HTTP config for tests: short backoff, two retries.
pub fn test_http() -> sectools::http::HttpConfig {
    sectools::http::HttpConfig {
        timeout: std::time::Duration::from_secs(20),
        retries: 2,
        backoff: std::time::Duration::from_millis(50),
        ..Default::default()
    }
}
