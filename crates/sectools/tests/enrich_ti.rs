//! Threat-intelligence lookups against real HTTP servers on 127.0.0.1 that speak each
//! provider's documented API (paths, auth headers, JSON), with VirusTotal answering
//! from recorded VT v3 objects.
#![allow(clippy::unwrap_used)]

mod common;
mod enrich_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use enrich_support::CANARY;
use enrich_support::server::{FakeServer, Reply, Seen, serve};
use sectools::enrich::{
    AbuseIpDb, GreyNoise, LocalProvider, LookupStatus, Otx, RestOptions, Severity, TiCache,
    TiLookup, TiResults, TorExitNodes, VirusTotal, preprocess, vt_url_id,
};
use sectools::http::HttpConfig;
use sectools::polars::prelude::*;
use sectools::{Secret, Settings};
use serde_json::{Value, json};

/// VirusTotal objects by API path (`files/<hash>`, `urls/<id>`, ...).
fn vt_objects() -> HashMap<String, Value> {
    let mut objects = HashMap::new();
    let mut add = |obj: Value| {
        let attrs = &obj["attributes"];
        let id = obj["id"].as_str().unwrap().to_string();
        match obj["type"].as_str().unwrap() {
            "file" => {
                for h in ["md5", "sha1", "sha256"] {
                    if let Some(v) = attrs[h].as_str() {
                        objects.insert(format!("files/{v}"), obj.clone());
                    }
                }
                objects.insert(format!("files/{id}"), obj.clone());
            }
            "url" => {
                let url = attrs["url"].as_str().unwrap();
                objects.insert(format!("urls/{}", vt_url_id(url)), obj.clone());
            }
            "domain" => {
                objects.insert(format!("domains/{id}"), obj.clone());
            }
            _ => {
                objects.insert(format!("ip_addresses/{id}"), obj.clone());
            }
        }
    };
    for f in ["vt_ip_address.json", "vt_domain.json", "vt_file.json"] {
        add(serde_json::from_str(&common::read_fixture(&format!("fixtures/enrich/{f}"))).unwrap());
    }
    if let Some(dir) = common::corpus_file("msticpy-testdata") {
        for f in [
            "vt3_url_0.json",
            "vt3_url_1.json",
            "vt3_url_2.json",
            "vt3_file_1.json",
        ] {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            add(serde_json::from_str(&text).unwrap());
        }
    }
    objects
}

fn unauthorized(key: &str) -> Reply {
    // Servers do echo keys; the client must scrub them.
    Reply::json(
        401,
        format!(
            r#"{{"error":{{"code":"AuthenticationRequiredError","message":"bad key {key}"}}}}"#
        ),
    )
}

/// One server for every provider, routed by prefix.
fn provider_server() -> FakeServer {
    let vt = vt_objects();
    serve(move |req: &Seen| {
        let path = req.path().to_string();
        // Failure modes, whatever the provider.
        if path.contains("8.8.8.8") || req.query("ipAddress").as_deref() == Some("8.8.8.8") {
            return Reply::json(503, r#"{"message":"backend unavailable"}"#);
        }
        if path.contains("1.1.1.1") || req.query("ipAddress").as_deref() == Some("1.1.1.1") {
            return Reply::json(200, r#"{"data": {"attributes": "#);
        }
        if path.contains("9.9.9.9") {
            return Reply::json(200, "{}").delayed(Duration::from_secs(4));
        }
        if let Some(rest) = path.strip_prefix("/vt/api/v3/") {
            let key = req.header("x-apikey").unwrap_or("");
            if key != CANARY {
                return unauthorized(key);
            }
            return match vt.get(rest) {
                Some(obj) => Reply::json(200, json!({ "data": obj }).to_string()),
                None => Reply::json(
                    404,
                    r#"{"error":{"code":"NotFoundError","message":"not found"}}"#,
                ),
            };
        }
        if let Some(rest) = path.strip_prefix("/otx/api/v1/indicators/") {
            let key = req.header("X-OTX-API-KEY").unwrap_or("");
            if key != CANARY {
                return Reply::json(
                    403,
                    format!(r#"{{"detail":"Authentication failed for {key}"}}"#),
                );
            }
            let parts: Vec<&str> = rest.split('/').collect();
            let (section, value) = (parts[0], enrich_support::server::percent_decode(parts[1]));
            let pulses: Vec<Value> = match (section, value.as_str()) {
                ("IPv4", "185.100.87.202") | ("IPv4", "45.77.10.5") => {
                    vec![
                        json!({"name": "Brute force"}),
                        json!({"name": "SSH scanners"}),
                    ]
                }
                ("domain", "login-update.example.com") => vec![json!({"name": "Phishing kit"})],
                _ => vec![],
            };
            return Reply::json(
                200,
                json!({"indicator": value, "type": section, "pulse_info": {"count": pulses.len(), "pulses": pulses}})
                    .to_string(),
            );
        }
        if path == "/abuse/api/v2/check" {
            let key = req.header("Key").unwrap_or("");
            if key != CANARY {
                return Reply::json(
                    401,
                    format!(
                        r#"{{"errors":[{{"detail":"Authentication failed {key}","status":401}}]}}"#
                    ),
                );
            }
            let ip = req.query("ipAddress").unwrap_or_default();
            assert_eq!(req.query("maxAgeInDays").as_deref(), Some("90"));
            let score = if ip == "185.100.87.202" { 100 } else { 0 };
            return Reply::json(
                200,
                json!({"data": {"ipAddress": ip, "isPublic": true, "abuseConfidenceScore": score,
                    "countryCode": "NL", "usageType": "Data Center/Web Hosting/Transit", "isp": "Example Hosting",
                    "totalReports": if score > 0 { 57 } else { 0 }}})
                .to_string(),
            );
        }
        if let Some(ip) = path.strip_prefix("/gn/v3/community/") {
            let key = req.header("key").unwrap_or("");
            if key != CANARY {
                return Reply::json(401, r#"{"message":"invalid key"}"#);
            }
            return match ip {
                "185.100.87.202" => Reply::json(200, json!({"ip": ip, "noise": true, "riot": false,
                    "classification": "malicious", "name": "unknown", "link": format!("https://viz.greynoise.io/ip/{ip}"),
                    "last_seen": "2024-03-01", "message": "Success"}).to_string()),
                "45.77.10.5" => Reply::json(200, json!({"ip": ip, "noise": true, "riot": false,
                    "classification": "unknown", "link": "", "last_seen": "2024-03-01", "message": "Success"}).to_string()),
                _ => Reply::json(404, json!({"ip": ip, "noise": false, "riot": false,
                    "message": "IP not observed scanning the internet or contained in RIOT data set."}).to_string()),
            };
        }
        if path == "/tor/torbulkexitlist" {
            return Reply::text(200, "185.220.101.4\n45.77.10.5\n");
        }
        Reply::text(404, "no route")
    })
}

fn settings_for(server: &FakeServer, cache: Option<&std::path::Path>) -> Settings {
    let b = &server.base;
    let local = common::fixture("fixtures/enrich/ti_indicators.csv");
    let watch = common::fixture("fixtures/enrich/watchlist.csv");
    let cache = match cache {
        Some(dir) => format!("TICache:\n  Folder: \"{}\"\n  TTLHours: 1\n", dir.display()),
        None => "TICache:\n  Enabled: false\n".to_string(),
    };
    let limits = "      RateLimit: 200\n      Retries: 1\n      Timeout: 5\n";
    Settings::from_yaml(&format!(
        "TIProviders:
  VirusTotal:
    Args:
      AuthKey: \"{CANARY}\"
      BaseUrl: \"{b}/vt/api/v3\"
{limits}    Provider: VirusTotal
  OTX:
    Args:
      AuthKey: \"{CANARY}\"
      BaseUrl: \"{b}/otx\"
{limits}    Provider: OTX
  AbuseIPDB:
    Args:
      AuthKey: \"{CANARY}\"
      BaseUrl: \"{b}/abuse/api/v2\"
{limits}    Provider: AbuseIPDB
  GreyNoise:
    Args:
      AuthKey: \"{CANARY}\"
      BaseUrl: \"{b}/gn\"
{limits}    Provider: GreyNoise
  TorExitNodes:
    Args:
      BaseUrl: \"{b}/tor/torbulkexitlist\"
    Provider: Tor
  Sentinel:
    Args:
      Path: \"{}; {}\"
    Provider: LocalData
  XForce:
    Args:
      AuthKey: \"{CANARY}\"
    Provider: XForce
{cache}",
        local.display(),
        watch.display()
    ))
    .unwrap()
}

fn fast_http() -> HttpConfig {
    HttpConfig {
        timeout: Duration::from_secs(1),
        retries: 1,
        backoff: Duration::from_millis(10),
        rate_limit: Some(500.0),
        ..HttpConfig::default()
    }
}

fn row<'a>(results: &'a TiResults, ioc: &str, provider: &str) -> &'a sectools::enrich::TiResult {
    results
        .results
        .iter()
        .find(|r| r.ioc == ioc && r.provider == provider)
        .unwrap_or_else(|| panic!("no row for {ioc} / {provider}: {:#?}", results.results))
}

/// Every string in a frame, joined (for leak checks).
fn all_text(df: &DataFrame) -> String {
    let mut out = format!("{df}");
    for col in df.columns() {
        if let Ok(s) = col.str() {
            for v in s.iter().flatten() {
                out.push_str(v);
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn every_provider_from_settings_with_a_canary_key() {
    let server = provider_server();
    let settings = settings_for(&server, None);
    let (lookup, notes) = TiLookup::from_settings(&settings);
    assert_eq!(
        lookup.provider_names(),
        [
            "VirusTotal",
            "OTX",
            "AbuseIPDB",
            "GreyNoise",
            "Tor",
            "Sentinel"
        ]
    );
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("XForce") && notes[0].contains("not implemented"),
        "{notes:?}"
    );

    let iocs = [
        ("185.100.87.202", None),
        ("45[.]77[.]10[.]5", None),
        ("185.220.101.4", Some("ipv4")),
        ("login-update.example.com", Some("dns")),
        ("098f6bcd4621d373cade4e832627b4f6", Some("file_hash")),
        ("c2-relay.example.net", None),
        ("192.168.0.1", None),
        ("8.8.8.8", None),
        ("1.1.1.1", None),
    ];
    let results = lookup.lookup_iocs(&iocs).unwrap();

    // VirusTotal: 4 malicious engines → high; the reference is VT's page.
    let vt = row(&results, "185.100.87.202", "VirusTotal");
    assert_eq!(vt.status, LookupStatus::Ok);
    assert_eq!(vt.severity(), Severity::High);
    let answer = vt.answer.as_ref().unwrap();
    assert_eq!(answer.details["malicious"], 4);
    assert_eq!(
        answer.reference,
        "https://www.virustotal.com/gui/ip-address/185.100.87.202"
    );
    assert_eq!(
        answer.raw["data"]["attributes"]["as_owner"],
        "Example Hosting"
    );
    // OTX: two pulses → high; AbuseIPDB: 100 → high; GreyNoise malicious → high.
    assert_eq!(
        row(&results, "185.100.87.202", "OTX").severity(),
        Severity::High
    );
    assert_eq!(
        row(&results, "185.100.87.202", "AbuseIPDB").severity(),
        Severity::High
    );
    let gn = row(&results, "185.100.87.202", "GreyNoise");
    assert_eq!(gn.severity(), Severity::High);
    assert_eq!(
        gn.answer.as_ref().unwrap().details["classification"],
        "malicious"
    );
    // Not in VT (404) → found = false, information, status ok.
    let vt45 = row(&results, "45[.]77[.]10[.]5", "VirusTotal");
    assert_eq!(vt45.ioc_type, "ipv4");
    assert_eq!(vt45.status, LookupStatus::Ok);
    assert!(!vt45.answer.as_ref().unwrap().found);
    assert_eq!(
        row(&results, "45[.]77[.]10[.]5", "GreyNoise").severity(),
        Severity::Warning
    );
    assert_eq!(
        row(&results, "45[.]77[.]10[.]5", "Tor").severity(),
        Severity::Warning
    );
    assert_eq!(
        row(&results, "45[.]77[.]10[.]5", "Sentinel").severity(),
        Severity::High
    );
    assert_eq!(
        row(&results, "185.220.101.4", "Tor").severity(),
        Severity::Warning
    );
    // GreyNoise's 404 means "not seen".
    assert!(
        !row(&results, "185.220.101.4", "GreyNoise")
            .answer
            .as_ref()
            .unwrap()
            .found
    );
    // Domain: VT suspicious → warning; OTX one pulse → warning.
    assert_eq!(
        row(&results, "login-update.example.com", "VirusTotal").severity(),
        Severity::Warning
    );
    assert_eq!(
        row(&results, "login-update.example.com", "OTX").severity(),
        Severity::Warning
    );
    // Hash by MD5 in our own VT fixture: clean → information.
    let hash = row(&results, "098f6bcd4621d373cade4e832627b4f6", "VirusTotal");
    assert_eq!(hash.ioc_type, "md5_hash");
    assert_eq!(hash.severity(), Severity::Information);
    assert_eq!(hash.answer.as_ref().unwrap().details["name"], "test.txt");
    // Local ThreatIntelligenceIndicator table: confidence 85 → high.
    let local = row(&results, "c2-relay.example.net", "Sentinel");
    assert_eq!(local.severity(), Severity::High);
    assert_eq!(
        local.answer.as_ref().unwrap().reference,
        "ti_indicators.csv#IndicatorId=1002"
    );
    // Private: rejected before any request.
    let private = row(&results, "192.168.0.1", "-");
    assert!(matches!(&private.status, LookupStatus::Invalid(why) if why.contains("Private")));
    assert!(
        !server
            .requests()
            .iter()
            .any(|r| r.url.contains("192.168.0.1"))
    );
    // 503 after its retry, and malformed JSON: errors naming the host; the batch went on.
    let host = server.base.trim_start_matches("http://");
    for provider in ["VirusTotal", "OTX", "AbuseIPDB"] {
        let failed = row(&results, "8.8.8.8", provider);
        let LookupStatus::Failed(msg) = &failed.status else {
            panic!("{failed:?}")
        };
        assert!(
            msg.contains("503") && msg.contains(host) && msg.contains("backend unavailable"),
            "{msg}"
        );
        let bad = row(&results, "1.1.1.1", provider);
        let LookupStatus::Failed(msg) = &bad.status else {
            panic!("{bad:?}")
        };
        assert!(
            msg.contains("could not be read") && msg.contains(host),
            "{msg}"
        );
    }
    assert_eq!(
        results.errors().count(),
        8,
        "VT, OTX, AbuseIPDB, GreyNoise × 2 addresses"
    );

    // The frame and the summary.
    let df = results.to_df().unwrap();
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Ioc",
            "IocType",
            "Provider",
            "Result",
            "Severity",
            "Details",
            "Reference",
            "Status"
        ]
    );
    assert_eq!(df.height(), results.results.len());
    let summary = results.summary();
    assert_eq!(summary.rows[0].ioc, "185.100.87.202");
    assert_eq!(summary.rows[0].severity, Severity::High);
    assert_eq!(summary.errors, 8);
    assert_eq!(summary.counts.iter().sum::<usize>(), iocs.len());

    // The canary key never shows: frame, errors, Debug of everything.
    let mut shown = all_text(&df);
    for r in &results.results {
        shown.push_str(&format!("{r:?} {}", r.status));
    }
    shown.push_str(&format!(
        "{lookup:?} {settings:?} {:?} {notes:?}",
        settings.ti_providers()
    ));
    assert!(!shown.contains(CANARY), "the key leaked");
    // And it was sent, in each provider's header.
    let reqs = server.requests();
    assert!(reqs.iter().any(|r| r.header("x-apikey") == Some(CANARY)));
    assert!(
        reqs.iter()
            .any(|r| r.header("X-OTX-API-KEY") == Some(CANARY))
    );
    assert!(reqs.iter().any(|r| r.header("Key") == Some(CANARY)));
    assert!(reqs.iter().any(|r| r.header("key") == Some(CANARY)));
}

#[test]
fn auth_failures_and_timeouts_are_named_per_row() {
    let server = provider_server();
    let wrong = Secret::new("WRONG-KEY-123456");
    let opts = |path: &str| {
        RestOptions::new(wrong.clone())
            .base_url(&format!("{}{path}", server.base))
            .http(fast_http())
    };
    let lookup = TiLookup::new()
        .with_provider(VirusTotal::new(opts("/vt/api/v3")).unwrap())
        .with_provider(Otx::new(opts("/otx")).unwrap())
        .with_provider(AbuseIpDb::new(opts("/abuse/api/v2")).unwrap())
        .with_provider(GreyNoise::new(opts("/gn")).unwrap());
    let results = lookup
        .lookup_iocs(&[("185.100.87.202", None), ("9.9.9.9", None)])
        .unwrap();
    for (provider, status) in [
        ("VirusTotal", "401"),
        ("OTX", "403"),
        ("AbuseIPDB", "401"),
        ("GreyNoise", "401"),
    ] {
        let r = row(&results, "185.100.87.202", provider);
        let LookupStatus::Failed(msg) = &r.status else {
            panic!("{r:?}")
        };
        assert!(
            msg.contains(status) && msg.contains("check the API key"),
            "{provider}: {msg}"
        );
        assert!(!msg.contains("WRONG-KEY-123456"), "{msg}");
        let slow = row(&results, "9.9.9.9", provider);
        if provider != "AbuseIPDB" {
            let LookupStatus::Failed(msg) = &slow.status else {
                panic!("{slow:?}")
            };
            assert!(msg.contains("timed out after 1.0 s"), "{msg}");
        }
    }
    let df = results.to_df().unwrap();
    assert!(!all_text(&df).contains("WRONG-KEY-123456"));
    // A provider without a key is a configuration error naming the setting.
    let err = VirusTotal::new(RestOptions::keyless())
        .unwrap_err()
        .to_string();
    assert!(err.contains("TIProviders.VirusTotal.Args.AuthKey"), "{err}");
}

#[test]
fn recorded_virustotal_objects() {
    let Some(dir) = common::corpus_file("msticpy-testdata") else {
        return;
    };
    let server = provider_server();
    let vt = VirusTotal::new(
        RestOptions::new(Secret::new(CANARY))
            .base_url(&format!("{}/vt/api/v3", server.base))
            .http(fast_http()),
    )
    .unwrap();
    let lookup = TiLookup::new().with_provider(vt);
    let mut expected = Vec::new();
    for f in ["vt3_url_0.json", "vt3_url_1.json", "vt3_url_2.json"] {
        let obj: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap();
        let url = obj["attributes"]["url"].as_str().unwrap().to_string();
        let malicious = obj["attributes"]["last_analysis_stats"]["malicious"]
            .as_i64()
            .unwrap();
        expected.push((url, obj["id"].as_str().unwrap().to_string(), malicious));
    }
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("vt3_file_1.json")).unwrap())
            .unwrap();
    let sha1 = file["attributes"]["sha1"].as_str().unwrap().to_string();
    let iocs: Vec<(&str, Option<&str>)> = expected
        .iter()
        .map(|(u, _, _)| (u.as_str(), Some("url")))
        .chain([(sha1.as_str(), None)])
        .collect();
    let results = lookup.lookup_iocs(&iocs).unwrap();
    for (url, id, malicious) in &expected {
        let r = row(&results, url, "VirusTotal");
        let a = r.answer.as_ref().unwrap();
        assert_eq!(a.details["malicious"].as_i64(), Some(*malicious));
        assert_eq!(
            a.severity,
            if *malicious > 0 {
                Severity::Warning
            } else {
                Severity::Information
            }
        );
        assert_eq!(
            a.reference,
            format!("https://www.virustotal.com/gui/url/{id}")
        );
    }
    let f = row(&results, &sha1, "VirusTotal");
    assert_eq!(f.ioc_type, "sha1_hash");
    assert_eq!(f.severity(), Severity::High, "40 engines say malicious");
    assert_eq!(f.answer.as_ref().unwrap().details["name"], "itami.exe");
}

#[test]
fn the_cache_answers_repeats_without_requests() {
    let server = provider_server();
    let dir = std::env::temp_dir().join(format!("huntrs-ti-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let settings = settings_for(&server, Some(&dir));
    let (lookup, _) = TiLookup::from_settings(&settings);
    let iocs = [("185.100.87.202", None), ("8.8.8.8", None)];
    let first = lookup.lookup_iocs(&iocs).unwrap();
    let hits = server.hits();
    assert_eq!(
        row(&first, "185.100.87.202", "VirusTotal").status,
        LookupStatus::Ok
    );
    let second = lookup.lookup_iocs(&iocs).unwrap();
    let again: Vec<String> = server.requests()[hits..]
        .iter()
        .map(|r| r.url.clone())
        .collect();
    // Only the failed lookups are asked again (errors are not cached).
    assert!(again.iter().all(|u| u.contains("8.8.8.8")), "{again:?}");
    let cached = row(&second, "185.100.87.202", "VirusTotal");
    assert_eq!(cached.status, LookupStatus::Cached);
    assert_eq!(
        cached.answer,
        row(&first, "185.100.87.202", "VirusTotal").answer
    );
    // Nothing in the cache holds the key.
    for entry in walk(&dir) {
        let text = std::fs::read_to_string(&entry).unwrap();
        assert!(!text.contains(CANARY), "{}", entry.display());
    }
    // A zero TTL: everything is stale.
    let stale = TiLookup::new()
        .with_provider(
            VirusTotal::new(
                RestOptions::new(Secret::new(CANARY))
                    .base_url(&format!("{}/vt/api/v3", server.base))
                    .http(fast_http()),
            )
            .unwrap(),
        )
        .with_cache(TiCache::new(&dir, Duration::ZERO));
    let before = server.hits();
    assert_eq!(
        row(
            &stale.lookup_ioc("185.100.87.202", None).unwrap(),
            "185.100.87.202",
            "VirusTotal"
        )
        .status,
        LookupStatus::Ok
    );
    assert_eq!(server.hits(), before + 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_429_with_retry_after_inside_a_batch() {
    let first = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let server = serve(move |req| {
        if first.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Reply::json(429, r#"{"message":"rate limit"}"#).header("Retry-After", "1");
        }
        let ip = req.path().rsplit('/').next().unwrap_or("").to_string();
        Reply::json(200, json!({"ip": ip, "noise": false, "riot": true, "classification": "benign", "name": "CDN"}).to_string())
    });
    let gn = GreyNoise::new(
        RestOptions::new(Secret::new(CANARY))
            .base_url(&server.base)
            .http(HttpConfig {
                max_concurrency: 1,
                ..fast_http()
            }),
    )
    .unwrap();
    let results = TiLookup::new()
        .with_provider(gn)
        .lookup_iocs(&[("185.199.108.153", None), ("185.199.109.153", None)])
        .unwrap();
    assert!(
        results.results.iter().all(|r| r.status == LookupStatus::Ok),
        "{:#?}",
        results.results
    );
    assert!(
        results
            .results
            .iter()
            .all(|r| r.severity() == Severity::Information)
    );
    assert_eq!(server.hits(), 3);
}

#[derive(serde::Deserialize)]
struct Case {
    input: String,
    #[serde(rename = "type")]
    ioc_type: Option<String>,
    ok: bool,
    value: Option<String>,
    why: Option<String>,
    inferred: Option<String>,
}

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[test]
fn preprocess_cases() {
    let cases: Cases =
        toml::from_str(&common::read_fixture("fixtures/enrich/preprocess.toml")).unwrap();
    assert!(cases.case.len() >= 20);
    for c in &cases.case {
        let got = preprocess(&c.input, c.ioc_type.as_deref());
        match (&got, c.ok) {
            (Ok(obs), true) => {
                if let Some(v) = &c.value {
                    assert_eq!(&obs.value, v, "{}", c.input);
                }
                if let Some(t) = c.inferred.as_deref().or(c.ioc_type.as_deref()) {
                    assert_eq!(obs.ioc_type.name(), t, "{}", c.input);
                }
            }
            (Err(why), false) => {
                let want = c.why.as_deref().unwrap_or("");
                assert!(why.contains(want), "{:?}: {why:?} lacks {want:?}", c.input);
            }
            _ => panic!(
                "{:?} ({:?}): expected ok={}, got {got:?}",
                c.input, c.ioc_type, c.ok
            ),
        }
    }
}

#[test]
fn local_lists_and_dataframe_columns() {
    let mut local = LocalProvider::new("lists");
    local
        .add_file(&common::fixture("fixtures/enrich/watchlist.csv"))
        .unwrap();
    local
        .add_file(&common::fixture("fixtures/enrich/watchlist.json"))
        .unwrap();
    local
        .add_file(&common::fixture("fixtures/enrich/ti_indicators.csv"))
        .unwrap();
    assert_eq!(local.len(), 10);
    let df = df!(
        "Source" => ["45.77.10.5", "EVIL-DOWNLOADS.COM", "http://evil-downloads.com/a.exe", "192.0.2.200",
                     "phisher@bad-mail.example.com", "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8",
                     "91.240.118.50", "unknown.example.com", "176.9.10.11"],
    )
    .unwrap();
    let out = TiLookup::new()
        .with_provider(local)
        .lookup_df(&df, "Source", None)
        .unwrap();
    let text = |name: &str| -> Vec<String> {
        out.column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap_or("").to_string())
            .collect()
    };
    let (sev, status) = (text("Severity"), text("Status"));
    let found: Vec<bool> = out
        .column("Result")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    assert_eq!(
        sev,
        // The sender's indicator has confidence 40: information.
        [
            "high",
            "warning",
            "high",
            "unknown",
            "information",
            "warning",
            "information",
            "information",
            // Confidence 90 but inactive.
            "information"
        ]
    );
    // 192.0.2.200 is documentation space: never looked up.
    assert!(status[3].starts_with("invalid"), "{status:?}");
    assert_eq!(
        found,
        [true, true, true, false, true, true, true, false, true]
    );
    let details = text("Details");
    assert!(details[2].contains("AgentTesla"), "{details:?}");
    assert!(details[1].contains("Hosts droppers"), "{details:?}");
    assert!(details[8].contains(r#""active":false"#), "{details:?}");
    // No providers: a message saying how to add one.
    let err = TiLookup::new()
        .lookup_ioc("45.77.10.5", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("TIProviders"), "{err}");
    // A missing column names the columns there are.
    let err = TiLookup::new()
        .lookup_df(&df, "Ioc", None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Source"), "{err}");
}

#[test]
fn tor_list_failure_is_an_error_row() {
    let server = serve(|_| Reply::text(500, "list unavailable"));
    let tor = TorExitNodes::new(
        RestOptions::keyless()
            .base_url(&format!("{}/list", server.base))
            .http(fast_http()),
    )
    .unwrap();
    let results = TiLookup::new()
        .with_provider(tor)
        .lookup_iocs(&[("185.220.101.4", None), ("185.220.101.5", None)])
        .unwrap();
    for r in &results.results {
        let LookupStatus::Failed(msg) = &r.status else {
            panic!("{r:?}")
        };
        assert!(
            msg.contains("Tor exit-node list") && msg.contains("500"),
            "{msg}"
        );
    }
}

/// Owned observables work as borrowed ones do (a notebook keeps them in a variable of
/// their own), and repeats are looked up once.
#[test]
fn owned_observables_look_up_like_borrowed_ones() {
    let lookup = || {
        let mut local = LocalProvider::new("lists");
        local
            .add_file(&common::fixture("fixtures/enrich/watchlist.csv"))
            .unwrap();
        TiLookup::new().with_provider(local)
    };
    let owned: Vec<(String, Option<&str>)> = ["45.77.10.5", "unknown.example.com", "45.77.10.5"]
        .iter()
        .map(|v| (v.to_string(), None))
        .collect();
    let borrowed: Vec<(&str, Option<&str>)> = owned.iter().map(|(v, t)| (v.as_str(), *t)).collect();
    let from_owned = lookup().lookup_iocs(&owned).unwrap().to_df().unwrap();
    let from_borrowed = lookup().lookup_iocs(&borrowed).unwrap().to_df().unwrap();
    assert_eq!(from_owned.height(), 2, "{from_owned}");
    assert!(from_owned.equals_missing(&from_borrowed));
    let hits: Vec<Option<bool>> = from_owned
        .column("Result")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(hits, [Some(true), Some(false)], "{from_owned}");
}
