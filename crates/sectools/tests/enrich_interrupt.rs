//! A kernel interrupt stops a waiting request and a TI batch promptly, and batches
//! report progress. In a test binary of its own: the interrupt flag and the progress
//! sink are process-wide.
#![allow(clippy::unwrap_used)]

mod enrich_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use enrich_support::server::{Reply, serve};
use sectools::enrich::{RestOptions, TiLookup, VirusTotal};
use sectools::http::{HttpClient, HttpConfig, Request};
use sectools::{Secret, SectoolsError, runtime};

/// The tests of this binary run one at a time: an interrupt meant for one would stop
/// the other.
static SERIAL: Mutex<()> = Mutex::new(());

fn interrupt_after(ms: u64) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(ms));
        runtime::request_interrupt();
    })
}

#[test]
fn interrupts_stop_requests_and_batches() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    runtime::clear_interrupt();
    let server = serve(|_| Reply::json(200, "{}").delayed(Duration::from_secs(5)));

    // One request.
    let client = HttpClient::new(HttpConfig::default()).unwrap();
    let t = interrupt_after(200);
    let start = Instant::now();
    let err = client
        .send(Request::get(format!("{}/slow", server.base)))
        .unwrap_err();
    t.join().unwrap();
    assert!(matches!(err, SectoolsError::Interrupted(_)), "{err}");
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    assert!(!runtime::interrupt_requested(), "the interrupt is consumed");

    // A rate-limited batch of lookups.
    let vt = VirusTotal::new(
        RestOptions::new(Secret::new("k"))
            .base_url(&server.base)
            .http(HttpConfig {
                rate_limit: Some(2.0),
                max_concurrency: 2,
                ..HttpConfig::default()
            }),
    )
    .unwrap();
    let lookup = TiLookup::new().with_provider(vt);
    let ips: Vec<String> = (1..40).map(|i| format!("8.8.4.{i}")).collect();
    let iocs: Vec<(&str, Option<&str>)> = ips.iter().map(|s| (s.as_str(), None)).collect();
    let t = interrupt_after(300);
    let start = Instant::now();
    let err = lookup.lookup_iocs(&iocs).unwrap_err();
    t.join().unwrap();
    assert!(matches!(err, SectoolsError::Interrupted(_)), "{err}");
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    assert!(!runtime::interrupt_requested());
}

/// Records what the notebook's progress bar would draw.
#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<(String, u64, u64)>>,
}

impl runtime::ProgressSink for Recorder {
    fn start(&self, label: &str, total: u64) -> u64 {
        self.events
            .lock()
            .unwrap()
            .push((format!("start {label}"), 0, total));
        1
    }
    fn update(&self, _id: u64, done: u64, total: u64, note: &str) {
        self.events
            .lock()
            .unwrap()
            .push((note.to_string(), done, total));
    }
    fn finish(&self, _id: u64, done: u64, total: u64) {
        self.events
            .lock()
            .unwrap()
            .push(("finish".into(), done, total));
    }
}

#[test]
fn batches_report_progress() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let recorder = Arc::new(Recorder::default());
    assert!(runtime::set_progress_sink(recorder.clone()));
    let server = serve(|req| {
        let ip = req.path().rsplit('/').next().unwrap_or("").to_string();
        Reply::json(
            200,
            serde_json::json!({"data": {"id": ip, "attributes": {"last_analysis_stats": {}}}})
                .to_string(),
        )
    });
    let vt = VirusTotal::new(
        RestOptions::new(Secret::new("k"))
            .base_url(&server.base)
            .http(HttpConfig {
                rate_limit: None,
                ..HttpConfig::default()
            }),
    )
    .unwrap();
    let ips: Vec<String> = (1..=12).map(|i| format!("8.8.4.{i}")).collect();
    let iocs: Vec<(&str, Option<&str>)> = ips.iter().map(|s| (s.as_str(), None)).collect();
    let results = TiLookup::new()
        .with_provider(vt)
        .lookup_iocs(&iocs)
        .unwrap();
    assert_eq!(results.results.len(), 12);
    let events = recorder.events.lock().unwrap().clone();
    let ti: Vec<&(String, u64, u64)> = events
        .iter()
        .skip_while(|e| e.0 != "start threat intelligence lookups")
        .collect();
    assert_eq!(ti[0].2, 12, "{events:?}");
    assert_eq!(
        ti.iter().filter(|e| e.0 == "VirusTotal").count(),
        12,
        "{events:?}"
    );
    assert_eq!(ti.last().unwrap(), &&("finish".to_string(), 12, 12));
}
