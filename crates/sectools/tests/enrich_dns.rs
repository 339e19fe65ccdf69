//! DNS against a responder on 127.0.0.1 that this test starts, and the offline domain
//! and URL checks.
#![allow(clippy::unwrap_used)]

mod enrich_support;

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use sectools::Settings;
use sectools::enrich::{DnsResolver, domain_entropy, url_components, validate_domain};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn responder() -> enrich_support::dns::DnsServer {
    let mut names = HashMap::new();
    names.insert(
        "c2.evil-site.com".to_string(),
        vec![ip("185.100.87.202"), ip("185.100.87.203")],
    );
    names.insert("v6.evil-site.com".to_string(), vec![ip("2001:db8::5")]);
    let mut ptrs = HashMap::new();
    ptrs.insert(ip("185.100.87.202"), "tor-exit.example.org".to_string());
    enrich_support::dns::start(names, ptrs)
}

#[test]
fn forward_and_reverse_lookups() {
    let server = responder();
    let dns = DnsResolver::with_servers(&[server.addr], Duration::from_secs(2)).unwrap();
    let mut ips = dns.resolve("c2.evil-site[.]com").unwrap();
    ips.sort();
    assert_eq!(ips, [ip("185.100.87.202"), ip("185.100.87.203")]);
    assert_eq!(
        dns.resolve("v6.evil-site.com").unwrap(),
        [ip("2001:db8::5")]
    );
    assert!(
        dns.resolve("nothing-here.evil-site.com")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        dns.reverse(ip("185.100.87.202")).unwrap(),
        ["tor-exit.example.org"]
    );
    assert!(dns.reverse(ip("185.100.87.99")).unwrap().is_empty());

    let df = dns
        .resolve_df(&["c2.evil-site.com", "nothing-here.evil-site.com"])
        .unwrap();
    let status: Vec<String> = df
        .column("Status")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect();
    assert_eq!(status, ["ok", "not found"]);
    let df = dns.reverse_df(&["185.100.87.202", "not an ip"]).unwrap();
    let names: Vec<Option<String>> = df
        .column("Names")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    assert_eq!(names[0].as_deref(), Some("tor-exit.example.org"));
    let status: Vec<String> = df
        .column("Status")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap_or("").to_string())
        .collect();
    assert!(status[1].contains("not an IP address"), "{status:?}");
}

#[test]
fn name_servers_from_settings_and_a_dead_server_times_out() {
    let server = responder();
    let settings = Settings::from_yaml(&format!(
        "OtherProviders:\n  DNS:\n    Args:\n      NameServers: \"{}\"\n",
        server.addr
    ))
    .unwrap();
    let dns = DnsResolver::from_settings(&settings).unwrap();
    assert_eq!(dns.servers(), [server.addr]);
    assert_eq!(
        dns.reverse(ip("185.100.87.202")).unwrap(),
        ["tor-exit.example.org"]
    );

    // A UDP port nobody answers on.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead =
        DnsResolver::with_servers(&[silent.local_addr().unwrap()], Duration::from_millis(200))
            .unwrap();
    let start = std::time::Instant::now();
    let err = dead.resolve("c2.evil-site.com").unwrap_err().to_string();
    assert!(err.contains("c2.evil-site.com"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn domains_urls_and_entropy() {
    let d = validate_domain("Login.Example.CO.UK.");
    assert_eq!(d.domain, "login.example.co.uk");
    assert!(d.is_valid());
    assert_eq!(d.suffix.as_deref(), Some("co.uk"));
    assert_eq!(d.registrable.as_deref(), Some("example.co.uk"));
    assert!(!validate_domain("intranet.notarealtld").is_valid());
    assert!(!validate_domain("bad_-.com-").valid_syntax);
    assert!(
        !validate_domain("com").is_valid(),
        "a bare suffix is not a domain"
    );
    assert!(validate_domain("evil-site[.]com").is_valid());

    let u =
        url_components("hxxps://user@c2.evil-site[.]com:8443/gate.php?id=42&x=a%20b#frag").unwrap();
    assert_eq!(u.scheme, "https");
    assert_eq!(u.host.as_deref(), Some("c2.evil-site.com"));
    assert_eq!(u.port, Some(8443));
    assert_eq!(u.path, "/gate.php");
    assert_eq!(
        u.params,
        [
            ("id".to_string(), "42".to_string()),
            ("x".to_string(), "a b".to_string())
        ]
    );
    assert_eq!(u.fragment.as_deref(), Some("frag"));
    assert_eq!(u.domain.as_deref(), Some("evil-site.com"));
    assert_eq!(u.suffix.as_deref(), Some("com"));
    assert!(url_components("not a url").is_err());

    let dga = domain_entropy("xjw9q2kzv7rt0pl.com");
    let plain = domain_entropy("google.com");
    assert!(dga > 3.5 && plain < 2.5, "dga {dga}, plain {plain}");
}
