//! A kernel interrupt stops a remote query that is waiting on the server, a Splunk
//! job that is being polled (which is then cancelled), and a large body being
//! decoded. One test, as the interrupt flag is process-wide.

mod remote_common;

use std::time::{Duration, Instant};

use data::drivers::{
    AzureCloud, AzureCredential, LogAnalyticsConfig, LogAnalyticsDriver, SplunkAuth, SplunkConfig,
    SplunkDriver,
};
use data::{DataError, Driver, RunOptions};
use remote_common::*;
use sectools::Secret;
use serde_json::json;

fn interrupt_after(ms: u64) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(ms));
        sectools::runtime::request_interrupt();
    })
}

#[test]
fn an_interrupt_stops_a_waiting_query_and_a_polled_search() {
    sectools::runtime::clear_interrupt();
    // Log Analytics: the server takes 10 s to answer.
    let srv = FakeServer::start(|seen| {
        if seen.path().ends_with("/oauth2/v2.0/token") {
            return aad_token_reply(seen, &["https://api.loganalytics.io/.default"]);
        }
        std::thread::sleep(Duration::from_secs(10));
        Reply::raw(200, read_fixture("la_query_types.json"))
    });
    let mut config = LogAnalyticsConfig::new("ws-id", TENANT);
    config.cloud = AzureCloud {
        authority: srv.base.clone(),
        log_analytics: srv.base.clone(),
        ..AzureCloud::global()
    };
    config.http = test_http();
    let creds = vec![AzureCredential::ClientSecret {
        tenant_id: TENANT.into(),
        client_id: CLIENT_ID.into(),
        secret: CLIENT_SECRET.into(),
    }];
    let mut d = LogAnalyticsDriver::new(config, creds).expect("driver");
    let started = Instant::now();
    let t = interrupt_after(300);
    let err = d
        .run("SecurityEvent", &RunOptions::default())
        .expect_err("interrupted");
    t.join().expect("thread");
    assert!(matches!(err, DataError::Interrupted(_)), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        !sectools::runtime::interrupt_requested(),
        "the interrupt is consumed"
    );

    // Splunk: the job never finishes; the poll loop stops and cancels it.
    let splunk = FakeServer::start(|seen| match (seen.method.as_str(), seen.path()) {
        ("POST", "/services/search/jobs") => Reply::json(201, &json!({"sid": "s1"})),
        ("GET", "/services/search/jobs/s1") => Reply::json(
            200,
            &json!({"entry": [{"content": {"isDone": false, "doneProgress": 0.1, "dispatchState": "RUNNING"}}]}),
        ),
        _ => Reply::json(200, &json!({})),
    });
    let mut config = SplunkConfig::new(&splunk.base, SplunkAuth::Token(Secret::new("t")));
    config.poll_interval = Duration::from_millis(50);
    config.http = test_http();
    let mut d = SplunkDriver::new(config).expect("driver");
    let started = Instant::now();
    let t = interrupt_after(300);
    let err = d
        .run("search *", &RunOptions::default())
        .expect_err("interrupted");
    t.join().expect("thread");
    assert!(matches!(err, DataError::Interrupted(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let cancel = splunk.requests_to("/services/search/jobs/s1/control");
    assert_eq!(cancel.len(), 1, "the job is cancelled");
    assert_eq!(cancel[0].form()["action"], "cancel");

    // Kusto: a large body is arriving; decoding stops between rows.
    sectools::runtime::clear_interrupt();
    let kusto = FakeServer::start_streaming(|| {
        Box::new(SlowRows {
            sent: 0,
            header: false,
        })
    });
    let creds = vec![AzureCredential::AccessToken("t".into())];
    let mut config = data::drivers::KustoConfig::single(&kusto.base, Some("DB"), creds);
    config.http = test_http();
    let mut d = data::drivers::KustoDriver::new(config).expect("driver");
    let started = Instant::now();
    let t = interrupt_after(300);
    let err = d.run("T", &RunOptions::default()).expect_err("interrupted");
    t.join().expect("thread");
    assert!(matches!(err, DataError::Interrupted(_)), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!sectools::runtime::interrupt_requested());
}

/// A v2 body of endless rows, a few thousand every 10 ms.
struct SlowRows {
    sent: u64,
    header: bool,
}

impl std::io::Read for SlowRows {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let mut chunk = Vec::new();
        if !self.header {
            self.header = true;
            chunk.extend_from_slice(br#"[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"}],"Rows":[[0]"#);
        } else {
            std::thread::sleep(Duration::from_millis(10));
            while chunk.len() + 32 < out.len().min(16 * 1024) {
                self.sent += 1;
                chunk.extend_from_slice(format!(",[{}]", self.sent).as_bytes());
            }
        }
        let n = chunk.len().min(out.len());
        out[..n].copy_from_slice(&chunk[..n]);
        Ok(n)
    }
}
