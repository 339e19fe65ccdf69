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

#[derive(serde::Deserialize)]
struct Golden {
    configs: std::collections::BTreeMap<String, Config>,
}

#[derive(serde::Deserialize)]
struct Config {
    labels: Vec<i64>,
    output_rows: Vec<OutputRow>,
    max_cluster_size: u32,
}

#[derive(serde::Deserialize)]
struct OutputRow {
    #[serde(rename = "ClusterId")]
    cluster_id: i64,
    #[serde(rename = "ClusterSize")]
    cluster_size: u32,
    #[serde(rename = "Clustered")]
    clustered: bool,
    #[serde(rename = "FirstEventTime")]
    first: String,
    #[serde(rename = "LastEventTime")]
    last: String,
    src_row: usize,
}

/// DBSCAN labels for every input row equal scikit-learn's in msticpy's two test
/// configurations, and the output rows equal msticpy's (except the noise-row times,
/// which are the row's own here: msticpy gives every noise row the span of all noise).
#[test]
fn dbcluster_matches_msticpy_golden() {
    use sectools::eventcluster::{ClusterOptions, dbcluster_events};
    let (Some(input), Some(golden)) = (
        corpus_file("msticpy-testdata/processes_on_host.csv"),
        corpus_file("golden/eventcluster.json.gz"),
    ) else {
        return;
    };
    let mut json = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&std::fs::read(&golden).unwrap()[..]),
        &mut json,
    )
    .unwrap();
    let golden: Golden = serde_json::from_slice(&json).unwrap();
    let events = read_csv_as_text(&input);
    let features = add_process_features(&events, Some('\\')).unwrap();
    let configs = [
        (
            "A",
            ["pathScore", "commandlineTokensFull", "isSystemSession"],
            0.0001,
        ),
        (
            "B",
            ["pathHash", "commandlineTokensHash", "isSystemSession"],
            0.001,
        ),
    ];
    for (name, columns, eps) in configs {
        let want = &golden.configs[name];
        let mut options = ClusterOptions::new(columns);
        options.max_cluster_distance = eps;
        options.time_column = Some("TimeGenerated".into());
        let out = dbcluster_events(&features, &options).unwrap();
        assert_eq!(out.labels, want.labels, "config {name}: labels");
        assert_eq!(
            out.frame.height(),
            want.output_rows.len(),
            "config {name}: rows"
        );
        let ids: Vec<Option<i64>> = out
            .frame
            .column("ClusterId")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        let sizes: Vec<Option<u32>> = out
            .frame
            .column("ClusterSize")
            .unwrap()
            .u32()
            .unwrap()
            .iter()
            .collect();
        let flags: Vec<Option<bool>> = out
            .frame
            .column("Clustered")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        let first = out
            .frame
            .column("FirstEventTime")
            .unwrap()
            .cast(&DataType::String)
            .unwrap();
        let own = out
            .frame
            .column("TimeGenerated")
            .unwrap()
            .cast(&DataType::String)
            .unwrap();
        let src: Vec<Option<&str>> = out
            .frame
            .column("")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        for (i, row) in want.output_rows.iter().enumerate() {
            assert_eq!(ids[i], Some(row.cluster_id), "config {name} row {i}");
            assert_eq!(sizes[i], Some(row.cluster_size), "config {name} row {i}");
            assert_eq!(flags[i], Some(row.clustered), "config {name} row {i}");
            assert_eq!(
                src[i],
                Some(row.src_row.to_string().as_str()),
                "config {name} row {i}"
            );
            let ours = first.str().unwrap().get(i).unwrap().replace(' ', "T");
            if row.clustered {
                assert!(
                    ours.starts_with(&row.first),
                    "config {name} row {i}: {ours} vs {}",
                    row.first
                );
                assert!(row.first <= row.last);
            } else {
                let time = own.str().unwrap().get(i).unwrap().replace(' ', "T");
                assert_eq!(ours, time, "noise rows keep their own time");
            }
        }
        assert_eq!(
            sizes.iter().flatten().max().copied(),
            Some(want.max_cluster_size)
        );
    }
}

#[test]
fn dbscan_handles_duplicates_borders_and_bad_features() {
    use sectools::eventcluster::{ClusterOptions, dbcluster_events, dbscan};
    // Two dense groups (one of 1000 identical points), a border point, and noise.
    let mut points = vec![vec![0.0, 0.0]; 1000];
    points.push(vec![0.05, 0.0]); // border of the first group (not core with min 3)
    points.extend([vec![5.0, 5.0], vec![5.0, 5.05], vec![5.05, 5.0]]);
    points.push(vec![9.0, -9.0]);
    let labels = dbscan(&points, 0.1, 3);
    assert!(labels[..1000].iter().all(|&l| l == 0));
    assert_eq!(labels[1000], 0);
    assert_eq!(&labels[1001..1004], &[1, 1, 1]);
    assert_eq!(labels[1004], -1);

    let events = df! { "a" => [Some(1.0), None] }.unwrap();
    let err = dbcluster_events(&events, &ClusterOptions::new(["a"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("'a'") && err.contains("row 1"), "{err}");
    let err = dbcluster_events(&events, &ClusterOptions::new(["b"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("'b' not found"), "{err}");
}
