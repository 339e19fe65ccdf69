//! Enrichment benchmark: local TI lookups, a rate-limited REST provider on loopback,
//! and GeoIP lookups on an MMDB written by the test support code.
//!
//! `cargo run -p sectools --example enrich_bench` (the dev profile builds sectools at
//! opt-level 3 and its dependencies at 2).
#![allow(clippy::unwrap_used, dead_code)]

#[path = "../tests/enrich_support/mmdb.rs"]
mod mmdb;
#[path = "../tests/enrich_support/server.rs"]
mod server;

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use sectools::Secret;
use sectools::enrich::{
    GeoIpLookup, LocalProvider, MaxMindGeoIp, RestOptions, Severity, TiLookup, VirusTotal,
};
use sectools::http::HttpConfig;
use serde_json::json;

fn local_bench() -> (usize, Duration) {
    let mut local = LocalProvider::new("bench");
    for i in 0..5_000u32 {
        let ip = Ipv4Addr::from(0x5B00_0000 + i * 7);
        local.add(&ip.to_string(), Severity::High, json!("bench"), "bench");
        local.add(
            &format!("bad{i}.example.com"),
            Severity::Warning,
            json!("bench"),
            "bench",
        );
    }
    let mut values = Vec::with_capacity(10_000);
    for i in 0..10_000u32 {
        values.push(match i % 4 {
            0 => Ipv4Addr::from(0x5B00_0000 + i * 7).to_string(),
            1 => format!("bad{i}.example.com"),
            2 => format!(
                "{:064x}",
                u128::from(i) * 0x9E37_79B9_7F4A_7C15 + 0x1234_5678_9abc_def0
            ),
            _ => format!("https://site{i}.example.org/path?q={i}"),
        });
    }
    let iocs: Vec<(&str, Option<&str>)> = values.iter().map(|v| (v.as_str(), None)).collect();
    let lookup = TiLookup::new().with_provider(local);
    let start = Instant::now();
    let results = lookup.lookup_iocs(&iocs).unwrap();
    let elapsed = start.elapsed();
    let df = results.to_df().unwrap();
    assert_eq!(df.height(), 10_000);
    (results.results.len(), elapsed)
}

fn rest_bench(rate: f64, n: usize) -> (usize, Duration, Duration) {
    let srv = server::serve(|req| {
        let ip = req.path().rsplit('/').next().unwrap_or("").to_string();
        server::Reply::json(
            200,
            json!({"data": {"type": "ip_address", "id": ip, "attributes": {
                "last_analysis_stats": {"malicious": 0, "suspicious": 0, "harmless": 70, "undetected": 10}}}})
            .to_string(),
        )
    });
    let vt = VirusTotal::new(
        RestOptions::new(Secret::new("bench-key"))
            .base_url(&srv.base)
            .http(HttpConfig {
                rate_limit: Some(rate),
                max_concurrency: 8,
                ..HttpConfig::default()
            }),
    )
    .unwrap();
    let values: Vec<String> = (0..n as u32)
        .map(|i| Ipv4Addr::from(0x5B00_0000 + i).to_string())
        .collect();
    let iocs: Vec<(&str, Option<&str>)> = values.iter().map(|v| (v.as_str(), None)).collect();
    let lookup = TiLookup::new().with_provider(vt);
    let start = Instant::now();
    let results = lookup.lookup_iocs(&iocs).unwrap();
    let elapsed = start.elapsed();
    let ok = results
        .results
        .iter()
        .filter(|r| r.answer.is_some())
        .count();
    // n requests spaced 1/rate apart: the first at 0, the last at (n-1)/rate.
    let ideal = Duration::from_secs_f64((n as f64 - 1.0) / rate);
    (ok, elapsed, ideal)
}

fn geo_bench(n: usize) -> (usize, Duration) {
    let dir = std::env::temp_dir().join(format!("huntrs-geo-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut w = mmdb::MmdbWriter::new("GeoLite2-City");
    // 4096 /24 networks.
    for i in 0..4096u32 {
        let net = Ipv4Addr::from(0x5100_0000 + (i << 8));
        let rec = mmdb::city_record(
            "GB",
            "United Kingdom",
            "England",
            &format!("City {i}"),
            51.5,
            -0.1,
        );
        w.insert(IpAddr::V4(net), 24, &rec);
    }
    std::fs::write(dir.join("GeoLite2-City.mmdb"), w.to_bytes()).unwrap();
    let geo = MaxMindGeoIp::open_folder(&dir).unwrap();
    let ips: Vec<IpAddr> = (0..n as u32)
        .map(|i| {
            IpAddr::V4(Ipv4Addr::from(
                0x5100_0000 + (i.wrapping_mul(2_654_435_761) % (4096 << 8)),
            ))
        })
        .collect();
    let start = Instant::now();
    let mut found = 0;
    for ip in &ips {
        if geo.lookup(*ip).unwrap().is_some() {
            found += 1;
        }
    }
    let elapsed = start.elapsed();
    std::fs::remove_dir_all(&dir).unwrap();
    (found, elapsed)
}

fn main() {
    let (n_local, t_local) = local_bench();
    let (n_geo, t_geo) = geo_bench(1_000_000);
    let (n_rest, t_rest, ideal) = rest_bench(50.0, 500);
    let per_sec = |n: usize, t: Duration| n as f64 / t.as_secs_f64();
    println!("| benchmark | items | time | rate | target |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| local TI provider (preprocess + lookup + frame) | {n_local} | {:.1} ms | {:.0} lookups/s | >= 100,000/s |",
        t_local.as_secs_f64() * 1e3,
        per_sec(n_local, t_local)
    );
    println!(
        "| REST provider at 50 req/s (loopback VT v3) | {n_rest} | {:.2} s (ideal {:.2} s, {:+.1}%) | {:.1} req/s | within 5% |",
        t_rest.as_secs_f64(),
        ideal.as_secs_f64(),
        (t_rest.as_secs_f64() / ideal.as_secs_f64() - 1.0) * 100.0,
        per_sec(n_rest, t_rest)
    );
    println!(
        "| GeoIP (MaxMind City, test mmdb, 4096 networks) | {n_geo} | {:.1} ms | {:.0} lookups/s | >= 1,000,000/s |",
        t_geo.as_secs_f64() * 1e3,
        per_sec(n_geo, t_geo)
    );
}
