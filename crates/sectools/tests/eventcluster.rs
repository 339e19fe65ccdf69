//! msticpy's event-clustering features: per-string cases, and every feature of every
//! row of processes_on_host.csv against msticpy's golden output.

#![allow(clippy::unwrap_used)]

mod common;

use common::{corpus_file, fixture, read_csv_as_text};
use sectools::eventcluster::{
    add_process_features, char_ord_score, crc32_hash, delim_count, delim_hash, token_count,
};
use sectools::polars::prelude::*;

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    text: String,
    values: [i64; 6],
}

#[test]
fn string_features_match_msticpy() {
    let cases: Cases =
        toml::from_str(&std::fs::read_to_string(fixture("cases/eventcluster.toml")).unwrap())
            .unwrap();
    for Case { text, values } in cases.case {
        let got = [
            char_ord_score(&text, 1),
            char_ord_score(&text, 3),
            token_count(&text, " ") as i64,
            delim_count(&text) as i64,
            i64::from(delim_hash(&text)),
            i64::from(crc32_hash(&text)),
        ];
        assert_eq!(got, values, "{text:?}");
    }
}

#[test]
fn frame_features_match_msticpy_golden() {
    let (Some(input), Some(golden)) = (
        corpus_file("msticpy-testdata/processes_on_host.csv"),
        corpus_file("golden/cluster_features.csv.gz"),
    ) else {
        return;
    };
    let events = read_csv_as_text(&input);
    let features = add_process_features(&events, Some('\\')).unwrap();
    let bytes = std::fs::read(&golden).unwrap();
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
    let want = CsvReadOptions::default()
        .with_has_header(true)
        .into_reader_with_file_handle(std::io::Cursor::new(text))
        .finish()
        .unwrap();
    assert_eq!(want.height(), features.height());
    let ints = [
        "pathScore",
        "pathHash",
        "commandlineLen",
        "commandlineTokensFull",
        "commandlineScore",
        "commandlineTokensHash",
    ];
    for name in ints {
        let got = features
            .column(name)
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap();
        let exp = want.column(name).unwrap().cast(&DataType::Int64).unwrap();
        assert!(got.equals(&exp), "{name} differs");
    }
    for name in ["pathLogScore", "commandlineLogLen"] {
        let got = features.column(name).unwrap().f64().unwrap().clone();
        let exp = want.column(name).unwrap().cast(&DataType::Float64).unwrap();
        for (g, e) in got.iter().zip(exp.f64().unwrap().iter()) {
            let (g, e) = (g.unwrap(), e.unwrap());
            assert!(
                (g - e).abs() <= 1e-12 * e.abs().max(1.0),
                "{name}: {g} vs {e}"
            );
        }
    }
    let names = features.column("processName").unwrap();
    assert!(
        names.equals(want.column("processName").unwrap()),
        "processName differs"
    );
    let system = features
        .column("isSystemSession")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    assert!(
        system.equals(
            &want
                .column("isSystemSession")
                .unwrap()
                .cast(&DataType::Int64)
                .unwrap()
        )
    );
}

#[test]
fn features_need_a_process_column_and_guess_the_separator() {
    let empty = df! { "x" => [1] }.unwrap();
    let err = add_process_features(&empty, None).unwrap_err().to_string();
    assert!(
        err.contains("NewProcessName or CommandLine") && err.contains("x"),
        "{err}"
    );
    let linux = df! {
        "NewProcessName" => [Some("/usr/bin/curl"), None],
        "CommandLine" => [Some("curl -s x"), None],
        "SubjectLogonId" => ["-1", "0x5a1"],
    }
    .unwrap();
    let out = add_process_features(&linux, None).unwrap();
    let names: Vec<Option<&str>> = out
        .column("processName")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(names, [Some("curl"), Some("")]);
    let system: Vec<Option<bool>> = out
        .column("isSystemSession")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(system, [Some(true), Some(false)]);
    let lens: Vec<Option<i64>> = out
        .column("commandlineLen")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(lens, [Some(9), Some(0)]);
}
