//! Equivalence (`cases/equivalence.json`), merge and de-duplication.

mod common;

use entities::*;
use serde_json::{Value, json};

#[test]
fn equivalence_cases() {
    let cases: Value =
        serde_json::from_str(&common::read_fixture("cases/equivalence.json")).unwrap();
    let cases = cases.as_array().unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = case["equivalent"].as_bool().unwrap();
        let set = EntitySet::from_sentinel_value(&json!([case["a"], case["b"]]))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (a, b) = (set.roots()[0], set.roots()[1]);
        kinds.insert(set.get(a).unwrap().kind());
        assert_eq!(set.is_equivalent(a, b), expected, "{name}");
        assert_eq!(set.is_equivalent(b, a), expected, "{name} (swapped)");
        assert!(set.is_equivalent(a, a), "{name}: not equivalent to itself");
    }
    // Every modelled kind has at least one case.
    for kind in EntityKind::ALL {
        assert!(kinds.contains(kind), "no equivalence case for {kind:?}");
    }
}

#[test]
fn entity_level_equivalence_ignores_links() {
    let set = EntitySet::from_sentinel_value(&json!([
        {"ProcessId": "1", "Host": {"HostName": "a", "Type": "host"}, "Type": "process"},
        {"ProcessId": "1", "Host": {"HostName": "b", "Type": "host"}, "Type": "process"},
    ]))
    .unwrap();
    let (a, b) = (set.roots()[0], set.roots()[1]);
    assert!(!set.is_equivalent(a, b));
    assert!(set.get(a).unwrap().is_equivalent(set.get(b).unwrap()));
}

#[test]
fn merge_fills_missing_fields_and_unites_extra() {
    let mut a = Host {
        host_name: "web01".to_owned(),
        os_family: Some("Windows".to_owned()),
        ..Host::default()
    };
    a.extra.insert("Shared".to_owned(), json!("ours"));
    a.extra.insert("OnlyOurs".to_owned(), json!(1));
    let mut b = Host {
        host_name: "WEB01".to_owned(),
        dns_domain: Some("contoso.com".to_owned()),
        os_family: Some("Linux".to_owned()),
        ..Host::default()
    };
    b.extra.insert("Shared".to_owned(), json!("theirs"));
    b.extra.insert("OnlyTheirs".to_owned(), json!(2));

    let mut merged = Entity::from(a);
    assert!(merged.merge_from(&Entity::from(b)));
    let Entity::Host(merged) = merged else {
        panic!()
    };
    assert_eq!(merged.host_name, "web01");
    assert_eq!(merged.dns_domain.as_deref(), Some("contoso.com"));
    assert_eq!(merged.os_family.as_deref(), Some("Windows"));
    assert_eq!(merged.extra["Shared"], json!("ours"));
    assert_eq!(merged.extra["OnlyOurs"], json!(1));
    assert_eq!(merged.extra["OnlyTheirs"], json!(2));

    let mut host = Entity::from(merged);
    assert!(!host.merge_from(&Entity::from(Url::default())));
}

#[test]
fn merge_unites_link_lists() {
    let mut set = EntitySet::from_sentinel_value(&json!([
        {"Name": "x", "FileHashes": [{"Algorithm": "MD5", "Value": "01", "Type": "filehash"}], "Type": "file"},
        {"Name": "x", "FileHashes": [{"Algorithm": "SHA1", "Value": "02", "Type": "filehash"}], "Type": "file"},
    ]))
    .unwrap();
    assert_eq!(set.dedup(), 1);
    let (_, file) = set.first::<File>().unwrap();
    let values: Vec<&str> = file
        .hashes(&set)
        .iter()
        .map(|h| h.value.as_deref().unwrap())
        .collect();
    assert_eq!(values, ["01", "02"]);
}

#[test]
fn dedup_merges_and_relinks() {
    let json = json!([
        {"$id": "1", "HostName": "WEB01", "Type": "host"},
        {"$id": "2", "Name": "alice", "Host": {"$ref": "1"}, "Type": "account"},
        {"$id": "3", "HostName": "web01", "DnsDomain": "contoso.com", "OSFamily": "Windows", "Type": "host"},
        {"$id": "4", "ProcessId": "0x10", "Host": {"$ref": "3"}, "Account": {"$ref": "2"}, "Type": "process"},
        {"$id": "5", "Name": "ALICE", "NTDomain": "CONTOSO", "Type": "account"},
        {"$id": "6", "ProcessId": "0x10", "CommandLine": "cmd", "Host": {"$ref": "1"}, "Account": {"$ref": "5"}, "Type": "process"},
        {"$id": "7", "Address": "10.0.0.1", "Type": "ip"},
    ]);
    let mut set = EntitySet::from_sentinel_value(&json).unwrap();
    assert_eq!(set.len(), 7);
    assert_eq!(set.dedup(), 3);
    assert_eq!(set.len(), 4);
    assert_eq!(set.roots().len(), 4);
    let hosts: Vec<_> = set.of_type::<Host>().collect();
    assert_eq!(hosts.len(), 1);
    let (host_id, host) = hosts[0];
    assert_eq!(host.fqdn(), "WEB01.contoso.com");
    assert_eq!(host.os_family.as_deref(), Some("Windows"));
    let (account_id, account) = set.first::<Account>().unwrap();
    assert_eq!(account.host, Some(host_id));
    assert_eq!(account.domain.as_deref(), Some("CONTOSO"));
    let (_, process) = set.first::<Process>().unwrap();
    assert_eq!(process.host, Some(host_id));
    assert_eq!(process.account, Some(account_id));
    assert_eq!(process.command_line.as_deref(), Some("cmd"));
    // Nothing left to merge, and the result writes and reads back.
    assert_eq!(set.dedup(), 0);
    common::assert_round_trip("deduplicated", &set.to_sentinel_json().unwrap());
}
