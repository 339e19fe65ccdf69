//! The typed model read from the crate's all-types fixture: every entity type, links
//! (`$ref` backward, forward, into nested entities, top-level), unknown types and
//! extra properties.

mod common;

use entities::*;
use serde_json::json;

fn fixture_set() -> EntitySet {
    EntitySet::from_sentinel_json(&common::read_fixture("fixtures/alert_all_types.json"))
        .expect("the all-types fixture parses")
}

fn by_id<'s, T: EntityType>(set: &'s EntitySet, source_id: &str) -> &'s T {
    let id = set
        .find_source_id(source_id)
        .unwrap_or_else(|| panic!("no $id {source_id}"));
    set.get_as::<T>(id)
        .unwrap_or_else(|| panic!("$id {source_id} is a {:?}", set.get(id).map(Entity::kind)))
}

#[test]
fn every_kind_is_read() {
    let set = fixture_set();
    for kind in EntityKind::ALL {
        assert!(set.of_kind(*kind).next().is_some(), "no {kind:?}");
    }
    assert_eq!(set.len(), 36);
    assert_eq!(set.roots().len(), 27);
}

#[test]
fn type_names_are_read_case_insensitively_with_aliases() {
    for (name, kind) in [
        ("host", EntityKind::Host),
        ("Account", EntityKind::Account),
        ("ipaddress", EntityKind::IpAddress),
        ("IP", EntityKind::IpAddress),
        ("dnsresolve", EntityKind::Dns),
        ("network-connection", EntityKind::NetworkConnection),
        ("hostlogonsession", EntityKind::HostLogonSession),
        ("location", EntityKind::GeoLocation),
        ("alerts", EntityKind::Alert),
        ("iotdevice", EntityKind::Unknown),
    ] {
        assert_eq!(EntityKind::from_type_name(name), kind, "{name}");
    }
    for kind in EntityKind::ALL {
        assert_eq!(EntityKind::from_type_name(kind.sentinel_name()), *kind);
    }
}

#[test]
fn links_resolve_backward_forward_and_nested() {
    let set = fixture_set();
    let host = set.find_source_id("2").unwrap();
    let process: &Process = by_id(&set, "4");
    assert_eq!(process.host, Some(host));
    // Forward reference to a later top-level entity.
    assert_eq!(process.parent_process, set.find_source_id("7"));
    assert_eq!(process.logon_session, set.find_source_id("8"));
    assert_eq!(
        process.creation_time().map(format_time).as_deref(),
        Some("2024-05-01T10:00:01.123456700Z")
    );
    // Inline definition, also listed at the top level by `{"$ref": "5"}`.
    let image = process.image_file.unwrap();
    assert_eq!(set.find_source_id("5"), Some(image));
    assert!(set.roots().contains(&image));
    let file: &File = by_id(&set, "5");
    let hashes: Vec<String> = file
        .hashes(&set)
        .iter()
        .map(|h| h.algorithm.clone().unwrap())
        .collect();
    // The second hash is a forward reference to a top-level filehash.
    assert_eq!(hashes, ["SHA256", "MD5"]);
    // A reference into an entity nested in another top-level entity.
    let connection: &NetworkConnection = by_id(&set, "17");
    assert_eq!(connection.source_address, set.find_source_id("15"));
    assert_eq!(connection.source_port, Some(49823));
    assert_eq!(
        set.label(set.find_source_id("17").unwrap()),
        "network-connection 10.0.0.53:49823 -> 203.0.113.7:443"
    );
}

#[test]
fn cycles_stay_shared() {
    let set = fixture_set();
    let host: &Host = by_id(&set, "2");
    let account = set.find_source_id("3").unwrap();
    // Host → LoggedOnUsers (extra) → account → Host: one host, one account.
    assert_eq!(
        host.extra["LoggedOnUsers"],
        json!([{"$entity": account.index()}])
    );
    let links = set.links(set.find_source_id("2").unwrap());
    assert!(
        links.contains(&("LoggedOnUsers".to_owned(), account)),
        "{links:?}"
    );
    assert_eq!(
        set.get_as::<Account>(account).unwrap().host,
        set.find_source_id("2")
    );
}

#[test]
fn typed_fields_and_extra_properties() {
    let set = fixture_set();
    let host: &Host = by_id(&set, "2");
    assert_eq!(host.host_name, "WEB01");
    assert_eq!(host.fqdn(), "WEB01.contoso.com");
    assert_eq!(host.is_domain_joined, Some(true));
    assert_eq!(host.os_version, None);
    // A null and unknown properties are kept as given.
    assert_eq!(host.extra["OSVersion"], json!(null));
    assert_eq!(host.extra["FQDN"], json!("WEB01.contoso.com"));

    let account: &Account = by_id(&set, "3");
    assert_eq!(account.to_string(), "CONTOSO\\alice");
    assert_eq!(account.upn().as_deref(), Some("alice@contoso.com"));
    assert_eq!(
        account.sid.as_deref(),
        Some("S-1-5-21-1004336348-1177238915-682003330-1001")
    );

    let ip: &IpAddress = by_id(&set, "10");
    assert_eq!(ip.scope(), IpScope::Reserved);
    let location = set.link_as::<GeoLocation>(ip.location).unwrap();
    assert_eq!(location.city.as_deref(), Some("Amsterdam"));
    assert_eq!(location.latitude_f64(), Some(52.0));
    assert_eq!(location.asn, Some(json!(1136)));
    assert_eq!(location.extra["Carrier"], json!("KPN"));
    // The location came without `$id` or `Type`, and is written back the same way.
    assert_eq!(set.source_id(ip.location.unwrap()), None);
    assert_eq!(set.type_tag(ip.location.unwrap()), None);
    let ti = set
        .link_as::<ThreatIntelligence>(ip.threat_intelligence.as_ref().unwrap().first().copied());
    assert_eq!(ti.unwrap().confidence, Some(json!(0.8)));

    // An address spelled differently from Rust's canonical form is written as given.
    let v6: &IpAddress = by_id(&set, "12");
    assert_eq!(v6.address.to_string(), "2001:db8::1");
    let written = set.to_sentinel_value().unwrap();
    assert!(written.to_string().contains("\"2001:DB8::1\""));
    assert_eq!(
        set.type_tag(set.find_source_id("12").unwrap()),
        Some("ipaddress")
    );

    let value: &RegistryValue = by_id(&set, "19");
    assert_eq!(
        set.link_as::<RegistryKey>(value.key).unwrap().path(),
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
    );
    let app: &CloudApplication = by_id(&set, "20");
    assert_eq!(app.app_id_text().as_deref(), Some("11161"));
    let message: &MailMessage = by_id(&set, "22");
    assert_eq!(
        message.urls.as_deref(),
        Some(&["https://evil.example.com/payload.ps1".to_owned()][..])
    );
    assert_eq!(message.extra["BodyFingerprintBin1"], json!(12345));
    let malware: &Malware = by_id(&set, "25");
    assert_eq!(malware.file, set.find_source_id("23"));
    assert_eq!(
        malware.processes,
        Some(vec![set.find_source_id("4").unwrap()])
    );

    let alert: &Alert = by_id(&set, "31");
    assert_eq!(alert.name(), Some("Related alert"));
    assert_eq!(alert.tactic_list(), ["Execution", "Persistence"]);
    assert_eq!(
        alert.extended_properties_object().unwrap()["Rule"],
        json!("R1")
    );
    let incident: &Incident = by_id(&set, "32");
    assert_eq!(
        incident.alerts,
        Some(vec![set.find_source_id("31").unwrap()])
    );
    assert_eq!(incident.labels, Some(json!([])));

    let unknown: &UnknownEntity = by_id(&set, "30");
    assert_eq!(unknown.type_name, "iotdevice");
    assert_eq!(unknown.extra["DeviceId"], json!("iot-42"));
    // A nested object with `$id` but no `Type` is an untyped unknown entity.
    let agent: &UnknownEntity = by_id(&set, "35");
    assert_eq!(agent.type_name, "");
    assert_eq!(agent.extra["Version"], json!("1.2.3"));

    // Empty strings and nulls given for typed properties.
    let service: &Account = by_id(&set, "33");
    assert_eq!(service.domain.as_deref(), Some(""));
    assert_eq!(service.host, None);
    assert_eq!(service.extra["Host"], json!(null));
    let device: &Host = by_id(&set, "34");
    assert_eq!(device.host_name, "");
    assert_eq!(device.extra["HostName"], json!(""));
}

#[test]
fn sets_built_in_code_write_sentinel_json() {
    let mut set = EntitySet::new();
    let host = set.add(Host::from_fqdn("web01.contoso.com"));
    let mut account = Account::parse("CONTOSO\\alice").unwrap();
    account.host = Some(host);
    let account = set.add(account);
    let image = set.add_nested(File {
        directory: Some("C:\\Windows".to_owned()),
        name: Some("notepad.exe".to_owned()),
        ..File::default()
    });
    set.add(Process {
        process_id: Some("42".to_owned()),
        image_file: Some(image),
        account: Some(account),
        host: Some(host),
        ..Process::default()
    });
    let written = set.to_sentinel_value().unwrap();
    assert_eq!(
        written,
        json!([
            {"$id": "1", "HostName": "web01", "DnsDomain": "contoso.com", "Type": "host"},
            {"$id": "2", "Name": "alice", "NTDomain": "CONTOSO", "Host": {"$ref": "1"}, "Type": "account"},
            {"ProcessId": "42",
             "ImageFile": {"Directory": "C:\\Windows", "Name": "notepad.exe", "Type": "file"},
             "Account": {"$ref": "2"}, "Host": {"$ref": "1"}, "Type": "process"}
        ])
    );
    common::assert_round_trip("built in code", &written.to_string());
}

#[test]
fn a_single_entity_object_is_a_set_of_one() {
    let set =
        EntitySet::from_sentinel_json(r#"{"$id":"1","Url":"https://x.example","Type":"url"}"#)
            .unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(
        set.first::<Url>().unwrap().1.url.as_deref(),
        Some("https://x.example")
    );
    let empty = EntitySet::from_sentinel_json("[]").unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.to_sentinel_json().unwrap(), "[]");
}
