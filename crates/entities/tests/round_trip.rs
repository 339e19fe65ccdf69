//! Entity JSON round-trips: parse → write → parse, on the crate's fixtures and on
//! every `$id`/`$ref` document in the shared corpus (msticpy's test data).

mod common;

use std::path::{Path, PathBuf};

use common::{assert_round_trip, corpus_dir, fixture, read_fixture};

#[test]
fn own_fixtures_round_trip() {
    let mut count = 0;
    for entry in std::fs::read_dir(fixture("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("alert_") || name.starts_with("entities_") {
            assert_round_trip(&name, &read_fixture(&format!("fixtures/{name}")));
            count += 1;
        }
    }
    assert!(count >= 2, "fixtures found: {count}");
}

/// JSON files under `dir` whose text has a `"$id"` key.
fn documents_with_ids(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            documents_with_ids(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json")
            && std::fs::read_to_string(&path).is_ok_and(|text| text.contains("\"$id\""))
        {
            out.push(path);
        }
    }
}

#[test]
fn corpus_documents_round_trip() {
    let Some(corpus) = corpus_dir() else { return };
    let mut paths = Vec::new();
    documents_with_ids(&corpus, &mut paths);
    paths.sort();
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("msticpy-testdata/entities.json")),
        "{paths:?}"
    );
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let set = assert_round_trip(&path.display().to_string(), &text);
        assert!(!set.is_empty(), "{}", path.display());
    }
    eprintln!("round-tripped {} corpus documents", paths.len());
}

#[test]
fn msticpy_entities_fixture_reads_as_msticpy_does() {
    use entities::{Account, EntityKind, Host, HostLogonSession, JsonShape, Process};
    let Some(corpus) = corpus_dir() else { return };
    let text = std::fs::read_to_string(corpus.join("msticpy-testdata/entities.json")).unwrap();
    let set = entities::EntitySet::from_sentinel_json(&text).unwrap();
    assert_eq!(set.shape(), JsonShape::ById);
    // Seven keyed entities; file "4" is defined again inline in process "5" and
    // stays one entity.
    assert_eq!(set.len(), 7);
    assert_eq!(set.roots().len(), 7);
    let host = set.find_source_id("3").unwrap();
    assert_eq!(
        set.get_as::<Host>(host).unwrap().host_name,
        "MSTICALERTSWIN1"
    );
    let mimikatz = set
        .get_as::<Process>(set.find_source_id("8").unwrap())
        .unwrap();
    assert_eq!(mimikatz.process_id.as_deref(), Some("0x6b8"));
    assert_eq!(mimikatz.host, Some(host));
    assert_eq!(mimikatz.parent_process, set.find_source_id("5"));
    assert_eq!(
        mimikatz.image_path(&set).as_deref(),
        Some("c:\\windows\\servic~2\\networ~1\\appdata\\local\\temp\\mimikatz.exe")
    );
    let parent = set
        .get_as::<Process>(set.find_source_id("5").unwrap())
        .unwrap();
    assert_eq!(parent.image_file, set.find_source_id("4"));
    let account = set
        .get_as::<Account>(set.find_source_id("6").unwrap())
        .unwrap();
    assert_eq!(account.to_string(), "WORKGROUP\\MSTICAlertsWin1$");
    assert_eq!(account.extra.get("LogonId"), None);
    assert_eq!(account.logon_id.as_deref(), Some("0x3e4"));
    let session = set
        .get_as::<HostLogonSession>(set.find_source_id("9").unwrap())
        .unwrap();
    assert_eq!(session.session_id.as_deref(), Some("0x3e4"));
    assert_eq!(set.of_kind(EntityKind::File).count(), 2);
    let params = set.query_params();
    assert_eq!(params["host_name"], "MSTICALERTSWIN1");
    assert_eq!(params["logon_session_id"], "0x3e4");
    assert_eq!(params["path_separator"], "\\");
}
