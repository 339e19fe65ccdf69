//! Base64 unpacking: msticpy's samples, hostile archives, limits and the DataFrame API.

mod common;

use sectools::polars::prelude::*;
use sectools::{B64Limits, B64Note, B64Unpacker, Encoding};

fn unpack_fixture(name: &str) -> sectools::B64Result {
    B64Unpacker::default().unpack(&common::read_fixture(&format!("fixtures/{name}")))
}

#[test]
fn powershell_enc_is_utf16() {
    let result = B64Unpacker::default()
        .unpack("powershell.exe -nop -enc VwByAGkAdABlAC0ASABvAHMAdAAgACcAaABpACcA");
    assert_eq!(result.items.len(), 1);
    let item = &result.items[0];
    assert_eq!(item.encoding, Encoding::Utf16Le);
    assert_eq!(item.decoded_string.as_deref(), Some("Write-Host 'hi'"));
    assert_eq!(item.md5.len(), 32);
    assert_eq!(item.sha256.len(), 64);
    assert_eq!(
        result.decoded_string,
        "powershell.exe -nop -enc <decoded type='string' name='' index='1' depth='1'>Write-Host 'hi'</decoded>"
    );
}

#[test]
fn hashes_and_plain_words_are_not_base64() {
    let inputs = [
        "md5 d41d8cd98f00b204e9800998ecf8427e sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "/usr/local/share/applications/defaultapplicationslist",
        "AbstractSingletonProxyFactoryBeanFactory",
    ];
    for input in inputs {
        let result = B64Unpacker::default().unpack(input);
        assert!(result.items.is_empty(), "{input}: {:?}", result.items);
        assert_eq!(result.decoded_string, input);
    }
}

#[test]
fn nested_base64_and_tar_gz_members() {
    let result = unpack_fixture("targz_script.b64");
    let kinds: Vec<(String, Option<&str>, Option<&str>)> = result
        .items
        .iter()
        .map(|i| {
            (
                i.reference.clone(),
                i.file_type.as_deref(),
                i.file_name.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("1".to_string(), Some("gz"), None),
            ("1.1".to_string(), Some("tar"), Some("bundle.tar")),
            ("1.1.1".to_string(), None, Some("run.ps1")),
            ("1.1.1.1".to_string(), None, None),
        ]
    );
    assert_eq!(
        result.items[3].decoded_string.as_deref(),
        Some("Write-Output 'stage2'")
    );
    assert_eq!(result.items[3].depth, 4);
    assert!(result.decoded_string.contains("Write-Output 'stage2'"));
    assert!(result.notes.is_empty(), "{:?}", result.notes);
}

#[test]
fn zip_bomb_stops_at_the_expansion_limit() {
    let result = unpack_fixture("zip_bomb.b64");
    assert_eq!(
        result.items.len(),
        1,
        "the zip itself is recorded, the bomb member is not"
    );
    assert_eq!(result.items[0].file_type.as_deref(), Some("zip"));
    assert!(
        matches!(&result.notes[..], [B64Note::ExpansionLimit { member, limit: 200, .. }] if member == "zeros.bin"),
        "{:?}",
        result.notes
    );
    assert!(
        result.notes[0]
            .to_string()
            .contains("max_expansion_ratio (200)")
    );
}

#[test]
fn gzip_bomb_stops_at_the_expansion_limit() {
    let result = unpack_fixture("gzip_bomb.b64");
    assert!(
        matches!(&result.notes[..], [B64Note::ExpansionLimit { .. }]),
        "{:?}",
        result.notes
    );
    // A generous ratio still meets the total-bytes budget.
    let limits = B64Limits {
        max_expansion_ratio: 100_000,
        max_total_bytes: 8 << 20,
        ..B64Limits::default()
    };
    let text = common::read_fixture("fixtures/gzip_bomb.b64");
    let result = B64Unpacker::with_limits(limits).unpack(&text);
    assert!(
        matches!(&result.notes[..], [B64Note::ExpansionLimit { .. }]),
        "{:?}",
        result.notes
    );
    assert!(result.items.iter().map(|i| i.bytes.len()).sum::<usize>() <= 8 << 20);
}

#[test]
fn nesting_stops_at_the_depth_limit() {
    let result = unpack_fixture("nested_zip_30.b64");
    assert!(
        result
            .notes
            .iter()
            .any(|n| matches!(n, B64Note::DepthLimit { limit: 20, .. })),
        "{:?}",
        result.notes
    );
    assert_eq!(result.items.iter().map(|i| i.depth).max(), Some(20));
    let deeper = B64Unpacker::with_limits(B64Limits {
        max_depth: 40,
        ..B64Limits::default()
    })
    .unpack(&common::read_fixture("fixtures/nested_zip_30.b64"));
    assert!(deeper.notes.is_empty(), "{:?}", deeper.notes);
    let bottom = deeper.items.last().expect("items");
    assert_eq!(bottom.file_name.as_deref(), Some("bottom.txt"));
    assert_eq!(
        bottom.decoded_string.as_deref(),
        Some("the bottom of the nest")
    );

    let text = unpack_fixture("base64_25_deep.b64");
    assert!(
        text.notes
            .iter()
            .any(|n| matches!(n, B64Note::DepthLimit { .. })),
        "{:?}",
        text.notes
    );
    assert_eq!(text.items.len(), 20);
}

#[test]
fn path_traversal_members_are_reported_never_written() {
    for fixture in ["traversal_tar.b64", "traversal_zip.b64"] {
        let result = unpack_fixture(fixture);
        let unsafe_names: Vec<&str> = result
            .notes
            .iter()
            .filter_map(|n| match n {
                B64Note::UnsafeMemberName { member, .. } => Some(member.as_str()),
                _ => None,
            })
            .collect();
        assert!(!unsafe_names.is_empty(), "{fixture}: {:?}", result.notes);
        // Members are still decoded and hashed in memory.
        assert!(
            result.items.len() >= 3,
            "{fixture}: {:?}",
            result.items.len()
        );
    }
    assert!(!std::path::Path::new("/etc/cron.d/evil").exists());
}

#[test]
fn member_count_limit() {
    let result = unpack_fixture("many_members_zip.b64");
    assert!(
        result
            .notes
            .iter()
            .any(|n| matches!(n, B64Note::ArchiveMemberLimit { limit: 1000, .. })),
        "{:?}",
        result.notes
    );
    assert_eq!(result.items.len(), 1 + 1000);
}

#[test]
fn output_is_deterministic() {
    let text = common::read_fixture("fixtures/targz_script.b64");
    let unpacker = B64Unpacker::default();
    let first = unpacker.unpack(&text);
    let _ = unpacker.unpack("unrelated SGVsbG8gV29ybGQgdGhpcyBpcyBhIHRlc3Qgc3RyaW5n text");
    assert_eq!(
        unpacker.unpack(&text),
        first,
        "an earlier call changes nothing"
    );
}

#[test]
fn dataframe_api() {
    let df = DataFrame::new_infer_height(vec![Column::new(
        "CommandLine".into(),
        [
            Some("powershell -enc VwByAGkAdABlAC0ASABvAHMAdAAgACcAaABpACcA"),
            None,
            Some("ls -la"),
        ]
        .to_vec(),
    )])
    .expect("frame");
    let out = B64Unpacker::default()
        .unpack_df(&df, "CommandLine")
        .expect("unpack_df");
    assert_eq!(out.height(), 1);
    assert_eq!(
        out.get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        [
            "src_index",
            "reference",
            "depth",
            "original_string",
            "file_name",
            "file_type",
            "encoding_type",
            "decoded_string",
            "decoded_bytes",
            "printable_bytes",
            "md5",
            "sha1",
            "sha256",
            "full_decoded_string",
            "notes"
        ]
    );
    let err = B64Unpacker::default()
        .unpack_df(&df, "cmd")
        .expect_err("missing column");
    assert!(err.to_string().contains("column 'cmd' not found"), "{err}");
}

/// msticpy's samples. msticpy reports 8 records for base64msg.txt, including plain text
/// fragments that happen to decode; huntrs's records are compared item by item below.
#[test]
fn msticpy_base64msg() {
    let Some(path) = common::corpus_file("msticpy-testdata/base64msg.txt") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("read");
    let result = B64Unpacker::default().unpack(&text);
    let types: Vec<Option<&str>> = result
        .items
        .iter()
        .map(|i| i.file_type.as_deref())
        .collect();
    assert!(types.contains(&Some("tar")), "{types:?}");
    assert!(types.contains(&Some("zip")), "{types:?}");
    assert!(result.notes.is_empty(), "{:?}", result.notes);
    for item in &result.items {
        assert_eq!(item.sha256.len(), 64);
    }
    let Some(path) = common::corpus_file("msticpy-testdata/b64text_inzip.txt") else {
        return;
    };
    let result = B64Unpacker::default().unpack(&std::fs::read_to_string(path).expect("read"));
    let member = result
        .items
        .iter()
        .find(|i| i.file_name.as_deref() == Some("txtenc.txt"))
        .expect("zip member");
    assert_eq!(member.depth, 2);
}
