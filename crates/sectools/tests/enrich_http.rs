//! The HTTP client over loopback: retries, Retry-After, timeouts, rate limits, error
//! messages without keys, bodies (JSON, form, bearer) and streamed responses.
#![allow(clippy::unwrap_used)]

mod enrich_support;

use std::io::Read;
use std::time::{Duration, Instant};

use enrich_support::CANARY;
use enrich_support::server::{Reply, serve};
use sectools::http::{HttpClient, HttpConfig, Request};
use sectools::{Secret, SectoolsError};

fn fast() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_secs(5),
        backoff: Duration::from_millis(20),
        ..HttpConfig::default()
    }
}

#[test]
fn retry_after_on_429_is_honoured() {
    let server = serve({
        let first = std::sync::atomic::AtomicBool::new(true);
        move |_| {
            if first.swap(false, std::sync::atomic::Ordering::SeqCst) {
                Reply::json(429, r#"{"message":"slow down"}"#).header("Retry-After", "1")
            } else {
                Reply::json(200, r#"{"ok":true}"#)
            }
        }
    });
    let client = HttpClient::new(fast()).unwrap();
    let start = Instant::now();
    let resp = client
        .send(Request::get(format!("{}/x", server.base)))
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(resp.json::<serde_json::Value>().unwrap()["ok"], true);
    assert_eq!(server.hits(), 2);
    let reqs = server.requests();
    let gap = reqs[1].at - reqs[0].at;
    assert!(gap >= Duration::from_millis(950), "waited {gap:?}");
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn server_errors_back_off_then_fail_with_host_status_and_message() {
    let server = serve(|_| Reply::json(503, r#"{"error":{"message":"maintenance"}}"#));
    let client = HttpClient::new(HttpConfig {
        retries: 2,
        ..fast()
    })
    .unwrap();
    let err = client
        .send(
            Request::get(format!("{}/api?apikey=zzz", server.base))
                .secret_query("key", &Secret::new(CANARY)),
        )
        .unwrap_err();
    assert_eq!(server.hits(), 3, "first try and two retries");
    let reqs = server.requests();
    // Exponential: 20 ms then 40 ms.
    assert!(reqs[1].at - reqs[0].at >= Duration::from_millis(20));
    assert!(reqs[2].at - reqs[1].at >= Duration::from_millis(40));
    let text = err.to_string();
    let host = server.base.trim_start_matches("http://");
    assert!(
        matches!(err, SectoolsError::HttpStatus { status: 503, .. }),
        "{text}"
    );
    assert!(
        text.contains(host) && text.contains("503") && text.contains("maintenance"),
        "{text}"
    );
    assert!(!text.contains("apikey") && !text.contains(CANARY), "{text}");
    assert!(!format!("{err:?}").contains(CANARY));
    // The key did reach the server, in the query.
    assert!(reqs[0].url.contains(CANARY));
}

#[test]
fn an_echoed_key_is_scrubbed_from_auth_errors() {
    let server = serve(|req| {
        let key = req.header("x-apikey").unwrap_or("");
        Reply::json(
            401,
            format!(
                r#"{{"error":{{"code":"WrongCredentialsError","message":"Wrong API key {key}"}}}}"#
            ),
        )
    });
    let client = HttpClient::new(fast()).unwrap();
    let err = client
        .send(
            Request::get(format!("{}/files/x", server.base))
                .secret_header("x-apikey", &Secret::new(CANARY)),
        )
        .unwrap_err();
    assert_eq!(server.hits(), 1, "401 is not retried");
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("401") && text.contains("check the API key"),
        "{text}"
    );
    assert!(text.contains("Wrong API key [redacted]"), "{text}");
    assert!(!text.contains(CANARY), "{text}");
}

#[test]
fn a_slow_server_times_out_and_says_so() {
    let server = serve(|_| Reply::json(200, "{}").delayed(Duration::from_secs(3)));
    let client = HttpClient::new(HttpConfig {
        timeout: Duration::from_millis(300),
        ..fast()
    })
    .unwrap();
    let start = Instant::now();
    let err = client
        .send(Request::get(format!("{}/slow", server.base)))
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(err, SectoolsError::Timeout { .. }), "{err}");
    assert!(err.to_string().contains("timed out after 0.3 s"), "{err}");
    // A per-request timeout overrides the client's.
    let err = client
        .send(Request::get(format!("{}/slow", server.base)).timeout(Duration::from_millis(100)))
        .unwrap_err();
    assert!(err.to_string().contains("0.1 s"), "{err}");
}

#[test]
fn malformed_json_is_a_bad_response_naming_the_host() {
    let server = serve(|_| Reply::json(200, "{\"data\": [1, 2"));
    let client = HttpClient::new(fast()).unwrap();
    let resp = client
        .send(Request::get(format!("{}/j", server.base)))
        .unwrap();
    let err = resp.json::<serde_json::Value>().unwrap_err();
    assert!(matches!(err, SectoolsError::BadResponse { .. }));
    assert!(
        err.to_string().contains("127.0.0.1") && err.to_string().contains("invalid JSON"),
        "{err}"
    );
}

#[test]
fn connection_refused_is_a_transport_error() {
    // Bind then drop: the port is (almost certainly) closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = HttpClient::new(HttpConfig {
        retries: 1,
        ..fast()
    })
    .unwrap();
    let err = client
        .send(Request::get(format!("http://127.0.0.1:{port}/")))
        .unwrap_err();
    assert!(matches!(err, SectoolsError::HttpTransport { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[test]
fn json_form_and_bearer_bodies_arrive_as_sent() {
    let server = serve(|req| {
        Reply::json(
            200,
            serde_json::json!({
                "method": req.method,
                "auth": req.header("Authorization"),
                "type": req.header("Content-Type"),
                "body": req.body,
                "q": req.query("timespan"),
            })
            .to_string(),
        )
    });
    let client = HttpClient::new(fast()).unwrap();
    let token = Secret::new("tok-123");
    let v: serde_json::Value = client
        .send(
            Request::post(format!("{}/v1/query", server.base))
                .bearer(&token)
                .query("timespan", "P1D")
                .json(serde_json::json!({"query": "T | take 1"})),
        )
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["method"], "POST");
    assert_eq!(v["auth"], "Bearer tok-123");
    assert_eq!(v["type"], "application/json");
    assert_eq!(v["q"], "P1D");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(v["body"].as_str().unwrap()).unwrap()["query"],
        "T | take 1"
    );

    let v: serde_json::Value = client
        .send(
            Request::post(format!("{}/oauth2/v2.0/token", server.base))
                .form("grant_type", "client_credentials")
                .form("scope", "https://api.example/.default")
                .form_secret("client_secret", &Secret::new("s3cr3t&=")),
        )
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["type"], "application/x-www-form-urlencoded");
    let body = v["body"].as_str().unwrap();
    assert!(body.contains("grant_type=client_credentials"), "{body}");
    assert!(body.contains("client_secret=s3cr3t%26%3D"), "{body}");
    // The request's Debug never shows secrets.
    let req = Request::post("http://h/")
        .bearer(&token)
        .form_secret("client_secret", &Secret::new("s3cr3t"));
    let shown = format!("{req:?}");
    assert!(
        !shown.contains("tok-123") && !shown.contains("s3cr3t"),
        "{shown}"
    );
}

#[test]
fn batches_keep_to_the_rate_limit_and_the_concurrency_bound() {
    let server = serve(|_| Reply::json(200, "{}").delayed(Duration::from_millis(30)));
    let client = HttpClient::new(HttpConfig {
        rate_limit: Some(40.0),
        max_concurrency: 2,
        ..fast()
    })
    .unwrap();
    let requests: Vec<Request> = (0..20)
        .map(|i| Request::get(format!("{}/r/{i}", server.base)))
        .collect();
    let mut done = 0;
    let start = Instant::now();
    let results = client
        .send_all(requests, |_, r| {
            assert!(r.is_ok());
            done += 1;
        })
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(done, 20);
    assert!(results.iter().all(Result::is_ok));
    // 19 gaps of 25 ms at least.
    assert!(elapsed >= Duration::from_millis(470), "{elapsed:?}");
    let reqs = server.requests();
    let mut starts: Vec<Instant> = reqs.iter().map(|r| r.at).collect();
    starts.sort();
    // The k-th request cannot start before k intervals of 25 ms.
    for (k, at) in starts.iter().enumerate() {
        let earliest = start + Duration::from_millis(25) * k as u32;
        assert!(
            *at >= earliest,
            "request {k} came {:?} early",
            earliest - *at
        );
    }
}

#[test]
fn a_batch_keeps_going_after_failures() {
    let server = serve(|req| {
        if req.path().ends_with("/bad") {
            Reply::json(404, r#"{"message":"no such thing"}"#)
        } else {
            Reply::json(200, "{}")
        }
    });
    let client = HttpClient::new(fast()).unwrap();
    let urls = ["/a", "/bad", "/c"];
    let results = client
        .send_all(
            urls.iter()
                .map(|u| Request::get(format!("{}{u}", server.base)))
                .collect(),
            |_, _| {},
        )
        .unwrap();
    assert!(results[0].is_ok() && results[2].is_ok());
    let err = results[1].as_ref().unwrap_err().to_string();
    assert!(
        err.contains("404") && err.contains("no such thing"),
        "{err}"
    );
}

#[test]
fn a_large_body_streams_through_a_reader() {
    let rows = 200_000;
    let body: String = {
        let mut s = String::from("[");
        for i in 0..rows {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!("{{\"n\":{i},\"host\":\"host-{i}\"}}"));
        }
        s.push(']');
        s
    };
    let size = body.len();
    let server = serve(move |_| Reply::json(200, body.clone()));
    let client = HttpClient::new(fast()).unwrap();
    let reader = client
        .send_streaming(Request::post(format!("{}/stream", server.base)))
        .unwrap();
    assert_eq!(reader.status(), 200);
    assert_eq!(reader.header("content-type"), Some("application/json"));
    #[derive(serde::Deserialize)]
    struct Row {
        n: u64,
    }
    let parsed: Vec<Row> = serde_json::from_reader(std::io::BufReader::new(reader)).unwrap();
    assert_eq!(parsed.len(), rows);
    assert_eq!(parsed.last().unwrap().n, rows as u64 - 1);
    assert!(size > 5_000_000);

    // Errors before the body are errors of the call.
    let bad = serve(|_| Reply::json(403, r#"{"error":{"message":"forbidden table"}}"#));
    let err = client
        .send_streaming(Request::get(format!("{}/s", bad.base)))
        .unwrap_err();
    assert!(
        err.to_string().contains("403") && err.to_string().contains("forbidden table"),
        "{err}"
    );
    let mut reader = client
        .send_streaming(Request::get(format!("{}/stream", server.base)))
        .unwrap();
    let mut first = [0u8; 1];
    reader.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"[");
}
