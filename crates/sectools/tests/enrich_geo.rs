//! GeoIP on an MMDB file this test writes (MaxMind DB format), IPStack and RDAP over
//! loopback HTTP.
#![allow(clippy::unwrap_used)]

mod common;
mod enrich_support;

use std::net::IpAddr;

use enrich_support::CANARY;
use enrich_support::mmdb::{MmdbWriter, asn_record, city_record};
use enrich_support::server::{Reply, serve};
use sectools::enrich::{GeoIpLookup, IpStack, MaxMindGeoIp, Rdap, geo_df, geo_df_column};
use sectools::http::HttpConfig;
use sectools::polars::prelude::*;
use sectools::{Secret, SectoolsError, Settings};
use serde_json::json;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A folder with GeoLite2-City.mmdb and GeoLite2-ASN.mmdb written by the test writer.
fn geo_folder(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("huntrs-geo-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut city = MmdbWriter::new("GeoLite2-City");
    city.insert(
        ip("81.2.69.0"),
        24,
        &city_record(
            "GB",
            "United Kingdom",
            "England",
            "London",
            51.5142,
            -0.0931,
        ),
    );
    city.insert(
        ip("89.160.20.112"),
        28,
        &city_record(
            "SE",
            "Sweden",
            "Östergötland County",
            "Linköping",
            58.4167,
            15.6167,
        ),
    );
    city.insert(
        ip("2001:db8:1::"),
        48,
        &city_record("US", "United States", "Washington", "Seattle", 47.6, -122.3),
    );
    std::fs::write(dir.join("GeoLite2-City.mmdb"), city.to_bytes()).unwrap();
    let mut asn = MmdbWriter::new("GeoLite2-ASN");
    asn.insert(
        ip("81.2.69.0"),
        24,
        &asn_record(20712, "Andrews & Arnold Ltd"),
    );
    std::fs::write(dir.join("GeoLite2-ASN.mmdb"), asn.to_bytes()).unwrap();
    dir
}

#[test]
fn maxmind_lookups_on_a_written_database() {
    let dir = geo_folder("mm");
    let geo = MaxMindGeoIp::open_folder(&dir).unwrap();
    let london = geo.lookup(ip("81.2.69.142")).unwrap().unwrap();
    assert_eq!(london.country_code.as_deref(), Some("GB"));
    assert_eq!(london.country_name.as_deref(), Some("United Kingdom"));
    assert_eq!(london.state.as_deref(), Some("England"));
    assert_eq!(london.city.as_deref(), Some("London"));
    assert_eq!(london.latitude_f64(), Some(51.5142));
    assert_eq!(london.longitude_f64(), Some(-0.0931));
    assert_eq!(london.asn, Some(json!(20712)));
    assert_eq!(london.extra["AsnOrg"], "Andrews & Arnold Ltd");
    let se = geo.lookup(ip("89.160.20.120")).unwrap().unwrap();
    assert_eq!(se.city.as_deref(), Some("Linköping"));
    assert_eq!(se.asn, None);
    // Outside the /28, and outside every network.
    assert!(geo.lookup(ip("89.160.20.128")).unwrap().is_none());
    assert!(geo.lookup(ip("10.0.0.1")).unwrap().is_none());
    let v6 = geo.lookup(ip("2001:db8:1::42")).unwrap().unwrap();
    assert_eq!(v6.city.as_deref(), Some("Seattle"));

    let df = geo_df(
        &geo,
        &["81.2.69.142", "10.0.0.1", "not-an-ip", "89.160.20.115"],
    )
    .unwrap();
    let cols: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        cols,
        [
            "IpAddress",
            "CountryCode",
            "CountryName",
            "State",
            "City",
            "Latitude",
            "Longitude",
            "Asn",
            "Status"
        ]
    );
    let status: Vec<String> = df
        .column("Status")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect();
    assert_eq!(status, ["ok", "no data", "not an IP address", "ok"]);
    let asn: Vec<Option<String>> = df
        .column("Asn")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    assert_eq!(asn[0].as_deref(), Some("20712"));
    // The same from a frame's column, nulls skipped.
    let frame = df!("SourceIP" => [Some("89.160.20.115"), None, Some("81.2.69.1")]).unwrap();
    let out = geo_df_column(&geo, &frame, "SourceIP").unwrap();
    let cities: Vec<Option<String>> = out
        .column("City")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    assert_eq!(
        cities,
        [Some("Linköping".to_string()), Some("London".to_string())]
    );
    let err = geo_df_column(&geo, &frame, "DestIP")
        .unwrap_err()
        .to_string();
    assert!(err.contains("SourceIP"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_database_folder_comes_from_settings_or_a_clear_message() {
    let dir = geo_folder("settings");
    let settings = Settings::from_yaml(&format!(
        "OtherProviders:\n  GeoIPLite:\n    Args:\n      AuthKey: \"{CANARY}\"\n      DBFolder: \"{}\"\n    Provider: GeoLiteLookup\n",
        dir.display()
    ))
    .unwrap();
    let geo = MaxMindGeoIp::from_settings(&settings).unwrap();
    assert!(geo.lookup(ip("81.2.69.1")).unwrap().is_some());
    assert!(!format!("{geo:?} {settings:?}").contains(CANARY));

    let empty = std::env::temp_dir().join(format!("huntrs-geo-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let settings = Settings::from_yaml(&format!(
        "OtherProviders:\n  GeoIPLite:\n    Args:\n      DBFolder: \"{}\"\n",
        empty.display()
    ))
    .unwrap();
    let err = MaxMindGeoIp::from_settings(&settings).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, SectoolsError::NotConfigured { .. }));
    assert!(
        text.contains("GeoLite2-City.mmdb") && text.contains(&empty.display().to_string()),
        "{text}"
    );
    assert!(
        text.contains("OtherProviders.GeoIPLite.Args.DBFolder"),
        "{text}"
    );
    // A file that is not a database.
    std::fs::write(empty.join("GeoLite2-City.mmdb"), b"not a database").unwrap();
    let err = MaxMindGeoIp::open_folder(&empty).unwrap_err().to_string();
    assert!(err.contains("not a readable MaxMind database"), "{err}");
    std::fs::remove_dir_all(&empty).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ipstack_over_loopback() {
    let server = serve(|req| {
        if req.query("access_key").as_deref() != Some(CANARY) {
            // IPStack answers errors with HTTP 200 and success: false.
            return Reply::json(200, json!({"success": false, "error": {"code": 101, "type": "invalid_access_key",
                "info": format!("You have not supplied a valid API Access Key {}", req.query("access_key").unwrap_or_default())}}).to_string());
        }
        let ip = req.path().trim_start_matches('/');
        if ip == "10.0.0.1" {
            return Reply::json(
                200,
                json!({"ip": ip, "type": "ipv4", "country_code": null, "latitude": null})
                    .to_string(),
            );
        }
        Reply::json(200, json!({"ip": ip, "type": "ipv4", "continent_name": "Europe", "country_code": "SE",
            "country_name": "Sweden", "region_name": "Östergötland", "city": "Linköping",
            "latitude": 58.41, "longitude": 15.62, "connection": {"asn": 29518, "isp": "Bredband2"}}).to_string())
    });
    let stack = IpStack::new(
        Secret::new(CANARY),
        Some(&server.base),
        HttpConfig::default(),
    )
    .unwrap();
    let g = stack.lookup(ip("89.160.20.112")).unwrap().unwrap();
    assert_eq!(g.city.as_deref(), Some("Linköping"));
    assert_eq!(g.asn, Some(json!(29518)));
    assert!(stack.lookup(ip("10.0.0.1")).unwrap().is_none());
    let df = geo_df(&stack, &["89.160.20.112"]).unwrap();
    assert_eq!(df.height(), 1);

    let wrong = IpStack::new(
        Secret::new("WRONG-IPSTACK-KEY"),
        Some(&server.base),
        HttpConfig::default(),
    )
    .unwrap();
    let err = wrong.lookup(ip("89.160.20.112")).unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("invalid_access_key"), "{text}");
    assert!(!text.contains("WRONG-IPSTACK-KEY"), "{text}");
    let df = geo_df(&wrong, &["89.160.20.112"]).unwrap();
    assert!(!format!("{df}").contains("WRONG-IPSTACK-KEY"));
    assert!(!format!("{stack:?}").contains(CANARY));
    let settings = Settings::from_yaml("OtherProviders:\n  GeoIPLite:\n    Args: {}\n").unwrap();
    let err = IpStack::from_settings(&settings).unwrap_err().to_string();
    assert!(err.contains("OtherProviders.IPStack"), "{err}");
}

#[test]
fn rdap_whois_and_asn_names() {
    let server = serve(|req| {
        assert!(
            req.header("Accept")
                .unwrap_or("")
                .contains("application/rdap+json")
        );
        match req.path() {
            "/ip/8.8.8.8" => Reply::json(200, json!({
                "objectClassName": "ip network", "handle": "NET-8-8-8-0-2", "name": "GOGL",
                "startAddress": "8.8.8.0", "endAddress": "8.8.8.255", "ipVersion": "v4", "type": "ALLOCATION",
                "country": "US",
                "cidr0_cidrs": [{"v4prefix": "8.8.8.0", "length": 24}],
                "arin_originas0_originautnums": [15169],
                "entities": [{"objectClassName": "entity", "handle": "GOGL", "roles": ["registrant"],
                    "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", "Google LLC"], ["kind", {}, "text", "org"]]]}]
            }).to_string()),
            "/autnum/15169" => Reply::json(200, json!({"objectClassName": "autnum", "handle": "AS15169",
                "startAutnum": 15169, "endAutnum": 15169, "name": "GOOGLE",
                "entities": [{"roles": ["registrant"], "vcardArray": ["vcard", [["fn", {}, "text", "Google LLC"]]]}]}).to_string()),
            "/ip/1.1.1.1" => Reply::json(200, "<html>not rdap</html>"),
            _ => Reply::json(404, json!({"errorCode": 404, "title": "Not Found", "description": ["No such network"]}).to_string()),
        }
    });
    let rdap = Rdap::new(Some(&server.base), HttpConfig::default()).unwrap();
    let w = rdap.ip_whois(ip("8.8.8.8")).unwrap();
    assert_eq!(w.name.as_deref(), Some("GOGL"));
    assert_eq!(w.registrant.as_deref(), Some("Google LLC"));
    assert_eq!(w.cidrs, ["8.8.8.0/24"]);
    assert_eq!(w.asns, [15169]);
    assert_eq!(w.range, Some(("8.8.8.0".into(), "8.8.8.255".into())));
    assert_eq!(rdap.asn_name(15169).unwrap(), "GOOGLE - Google LLC");
    let err = rdap.ip_whois(ip("192.168.1.1")).unwrap_err().to_string();
    assert!(err.contains("not a public address"), "{err}");
    let df = rdap
        .whois_df(&["8.8.8.8", "1.1.1.1", "9.9.9.9", "nonsense"])
        .unwrap();
    let status: Vec<String> = df
        .column("Status")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect();
    assert_eq!(status[0], "ok");
    assert!(status[1].contains("could not be read"), "{status:?}");
    assert!(
        status[2].contains("404") && status[2].contains("not found"),
        "{status:?}"
    );
    assert!(status[3].contains("not an IP address"), "{status:?}");
    let settings = Settings::from_yaml(&format!(
        "OtherProviders:\n  RDAP:\n    Args:\n      BaseUrl: \"{}\"\n",
        server.base
    ))
    .unwrap();
    assert_eq!(
        Rdap::from_settings(&settings)
            .unwrap()
            .ip_whois(ip("8.8.8.8"))
            .unwrap()
            .asns,
        [15169]
    );
}
