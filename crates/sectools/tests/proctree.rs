//! Process trees: the cases in `cases/proctree.toml` (own fixtures and msticpy's),
//! per-process agreement with msticpy's golden rows, auditd input, and bad input.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use common::{corpus_file, fixture};
use sectools::polars::prelude::*;
use sectools::{ProcSchema, ProcessTree, build_process_tree};

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    file: Option<String>,
    corpus: Option<String>,
    schema: Option<String>,
    summary: [usize; 6],
    #[serde(default)]
    chains: Vec<Vec<String>>,
    golden_rows: Option<String>,
}

/// Reads a CSV (optionally gzipped) with type inference, as `huntrs proctree` does.
fn read_csv(path: &Path) -> DataFrame {
    let bytes = std::fs::read(path).unwrap();
    let bytes = if path.extension().is_some_and(|e| e == "gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes
    };
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(10_000))
        .into_reader_with_file_handle(std::io::Cursor::new(bytes))
        .finish()
        .unwrap()
}

fn base(name: &str) -> String {
    name.rsplit(['\\', '/'])
        .next()
        .unwrap_or(name)
        .to_lowercase()
}

fn chains_of(tree: &ProcessTree) -> BTreeSet<Vec<String>> {
    tree.nodes()
        .map(|n| {
            tree.ancestors(n.proc_key())
                .unwrap()
                .iter()
                .map(|a| base(a.name().unwrap_or("?")))
                .collect()
        })
        .collect()
}

#[test]
fn cases_match_msticpy_counts() {
    let cases: Cases =
        toml::from_str(&std::fs::read_to_string(fixture("cases/proctree.toml")).unwrap()).unwrap();
    for case in cases.case {
        let path = match (&case.file, &case.corpus) {
            (Some(file), _) => fixture(file),
            (None, Some(corpus)) => match corpus_file(corpus) {
                Some(path) => path,
                None => continue,
            },
            _ => panic!("{}: a case needs `file` or `corpus`", case.name),
        };
        let events = read_csv(&path);
        let schema = case
            .schema
            .as_deref()
            .map(|s| ProcSchema::from_json(s).unwrap());
        let tree = build_process_tree(&events, schema.as_ref())
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let s = tree.summary();
        let got = [
            s.processes,
            s.root_processes,
            s.leaf_processes,
            s.branch_processes,
            s.isolated_processes,
            s.largest_tree_depth,
        ];
        assert_eq!(got, case.summary, "{}", case.name);
        assert_eq!(tree.to_df().height(), s.processes, "{}", case.name);
        let chains = chains_of(&tree);
        for chain in &case.chains {
            assert!(chains.contains(chain), "{}: no chain {chain:?}", case.name);
        }
        if let Some(golden) = case.golden_rows.as_deref().and_then(corpus_file) {
            assert_same_rows(&tree, &read_csv(&golden), &case.name);
        }
        check_invariants(&tree, &case.name);
    }
}

/// Every process msticpy lists is in our tree with the same parent and the same
/// root/leaf/branch flags, and we list no others.
fn assert_same_rows(tree: &ProcessTree, golden: &DataFrame, name: &str) {
    let text = |col: &str| -> Vec<Option<String>> {
        let c = golden.column(col).unwrap().cast(&DataType::String).unwrap();
        c.str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let (keys, parents) = (text("proc_key"), text("parent_key"));
    let (roots, leaves, branches) = (text("IsRoot"), text("IsLeaf"), text("IsBranch"));
    // Path segments are source positions; msticpy sorts by time with an unstable
    // sort, so positions of equal times may differ: the depth they give may not.
    let depth = |path: &str| path.split('/').count();
    let paths = text("path");
    let flag = |v: &Option<String>| v.as_deref() == Some("1");
    type Row = (String, Option<String>, bool, bool, bool, usize);
    let want: BTreeSet<Row> = (0..golden.height())
        .map(|i| {
            (
                keys[i].clone().unwrap(),
                parents[i].clone().filter(|p| !p.is_empty()),
                flag(&roots[i]),
                flag(&leaves[i]),
                flag(&branches[i]),
                depth(paths[i].as_deref().unwrap_or_default()),
            )
        })
        .collect();
    let got: BTreeSet<Row> = tree
        .nodes()
        .map(|n| {
            (
                n.proc_key().to_string(),
                n.parent_key().map(str::to_string),
                n.is_root(),
                n.is_leaf(),
                n.is_branch(),
                depth(n.path()),
            )
        })
        .collect();
    let missing: Vec<_> = want.difference(&got).take(5).collect();
    let extra: Vec<_> = got.difference(&want).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: rows differ from msticpy's\nmissing: {missing:#?}\nextra: {extra:#?}"
    );
}

/// Structure every tree must have, whatever the input.
fn check_invariants(tree: &ProcessTree, name: &str) {
    for node in tree.nodes() {
        let i = node.position();
        assert_eq!(
            node.depth(),
            node.path().split('/').count(),
            "{name}: {node:?}"
        );
        match node.parent() {
            Some(parent) => {
                assert!(parent.position() < i, "{name}: parent after child");
                assert_eq!(node.parent_key(), Some(parent.proc_key()));
                assert_eq!(node.depth(), parent.depth() + 1, "{name}");
                assert!(parent.children().any(|c| c.position() == i), "{name}");
                assert!(
                    node.path().starts_with(&format!("{}/", parent.path())),
                    "{name}"
                );
            }
            None => assert!(node.is_root() || node.depth() == 1, "{name}: {node:?}"),
        }
        assert_eq!(
            node.is_leaf(),
            node.children().next().is_none(),
            "{name}: {node:?}"
        );
        let descendants = tree.descendants(node.proc_key()).unwrap();
        assert!(
            descendants
                .iter()
                .all(|d| d.path().starts_with(node.path())),
            "{name}"
        );
    }
}

#[test]
fn tree_frame_has_the_tree_columns_and_inferred_parents() {
    let events = read_csv(&fixture("fixtures/proctree/win4688_small.csv"));
    let tree = build_process_tree(&events, None).unwrap();
    assert_eq!(tree.schema().name, "windows-4688");
    let df = tree.to_df();
    for col in [
        "proc_key",
        "parent_key",
        "path",
        "depth",
        "IsRoot",
        "IsLeaf",
        "IsBranch",
        "IsInferred",
        "source_index",
        "parent_index",
        "CommandLine",
    ] {
        assert!(df.column(col).is_ok(), "missing {col}");
    }
    assert!(matches!(
        df.column("TimeGenerated").unwrap().dtype(),
        DataType::Datetime(..)
    ));
    let inferred = df
        .column("IsInferred")
        .unwrap()
        .bool()
        .unwrap()
        .sum()
        .unwrap();
    assert_eq!(inferred, 3);
    // A path is the parent's path, '/' and the process's own source_index; parent_index
    // is the parent's source_index.
    let strings = |col: &str| -> Vec<Option<String>> {
        let column = df.column(col).unwrap().str().unwrap();
        column.iter().map(|v| v.map(str::to_string)).collect()
    };
    let (keys, parent_keys) = (strings("proc_key"), strings("parent_key"));
    let (paths, sources, parents) = (
        strings("path"),
        strings("source_index"),
        strings("parent_index"),
    );
    for row in 0..df.height() {
        let own = sources[row].as_deref().unwrap();
        assert_eq!(own.len(), 5, "row {row}: {own}");
        let parent_row = keys.iter().position(|k| *k == parent_keys[row]);
        match parent_row {
            Some(p) => {
                assert_eq!(parents[row], sources[p], "row {row}");
                let want = format!("{}/{own}", paths[p].as_deref().unwrap());
                assert_eq!(paths[row].as_deref(), Some(want.as_str()), "row {row}");
            }
            None => {
                assert_eq!(parents[row], None, "row {row}");
                assert_eq!(paths[row].as_deref(), Some(own), "row {row}");
            }
        }
    }
    // Inferred parents carry the name and id their children give them.
    let system = tree.roots().find(|n| n.pid() == Some("0x4")).unwrap();
    assert_eq!(system.name(), Some("System"));
    assert!(system.is_inferred());
    assert_eq!(system.proc_key(), "system|0x4|1970-01-01 00:00:00.000000");
    let smss = system.children().next().unwrap();
    assert_eq!(
        smss.proc_key(),
        r"c:\windows\system32\smss.exe|0x2b0|2024-03-01 08:00:00.000000"
    );
    assert_eq!(
        tree.node(smss.proc_key()).unwrap().position(),
        smss.position()
    );
    assert_eq!(tree.children(system.proc_key()).unwrap().len(), 1);
    assert_eq!(tree.descendants(system.proc_key()).unwrap().len(), 4);
    assert!(tree.node("nope|1|2024").is_none());
    let err = tree.ancestors("nope").unwrap_err().to_string();
    assert!(err.contains("no process with key 'nope'"), "{err}");
    let text = tree.to_text();
    assert!(text.starts_with("+ "), "{text}");
    assert!(
        text.contains("   +--  Process: C:\\Windows\\System32\\smss.exe  PID: 0x2b0"),
        "{text}"
    );
    assert!(text.contains("Cmdline: whoami /all"), "{text}");
    assert_eq!(text.matches("Process: ").count(), tree.len());
}

#[test]
fn processes_that_are_each_others_parent_stand_alone_with_their_parent_keys() {
    // Two processes created at the same moment, each naming the other's id as its
    // parent: each is the other's parent, so neither is reachable from a root.
    let events = df! {
        "TimeGenerated" => ["2024-03-01 10:00:00", "2024-03-01 10:00:00", "2024-03-01 10:00:05"],
        "EventID" => [4688, 4688, 4688],
        "NewProcessName" => [r"C:\A.exe", r"C:\B.exe", r"C:\C.exe"],
        "NewProcessId" => ["0x1", "0x2", "0x3"],
        "ProcessId" => ["0x2", "0x1", "0x9"],
    }
    .unwrap();
    let tree = build_process_tree(&events, None).unwrap();
    let node = |pid: &str| tree.nodes().find(|n| n.pid() == Some(pid)).unwrap();
    let (a, b) = (node("0x1"), node("0x2"));
    assert_eq!(a.proc_key(), r"c:\a.exe|0x1|2024-03-01 10:00:00.000000");
    assert_eq!(a.parent_key(), Some(b.proc_key()));
    assert_eq!(b.parent_key(), Some(a.proc_key()));
    for n in [a, b] {
        assert!(n.parent().is_none() && !n.is_root() && n.depth() == 1);
    }
    // The third process hangs from an inferred parent, whose key is its parent_key.
    let c = node("0x3");
    let inferred = c.parent().unwrap();
    assert!(inferred.is_inferred() && inferred.is_root());
    assert_eq!(c.parent_key(), Some(inferred.proc_key()));
    assert_eq!(inferred.parent_key(), None);
    let df = tree.to_df();
    let keys = df.column("parent_key").unwrap().str().unwrap();
    let frame_keys: Vec<_> = keys.iter().collect();
    assert_eq!(
        frame_keys,
        [
            Some(b.proc_key()),
            Some(a.proc_key()),
            Some(inferred.proc_key()),
            None
        ]
    );
}

#[test]
fn auditd_execve_events_make_a_linux_tree() {
    let log = sectools::parse_auditd(&common::read_fixture("fixtures/auditd_sample.log"));
    let events = log.to_df().unwrap();
    let tree = build_process_tree(&events, None).unwrap();
    assert_eq!(tree.schema().name, "linux-auditd");
    let execs = log
        .events
        .iter()
        .filter(|e| e.event_type == "SYSCALL_EXECVE")
        .count();
    let real = tree.nodes().filter(|n| !n.is_inferred()).count();
    assert_eq!(real, execs);
    assert!(tree.summary().root_processes >= 1);
}

#[test]
fn bad_input_is_a_clear_error() {
    let events = read_csv(&fixture("fixtures/proctree/win4688_small.csv"));
    let schema = ProcSchema::from_json(
        r#"{"process_name": "Image", "process_id": "NewProcessId", "parent_id": "ProcessId", "time_stamp": "TimeGenerated"}"#,
    )
    .unwrap();
    let err = build_process_tree(&events, Some(&schema))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("process_name = 'Image'") && err.contains("NewProcessName"),
        "{err}"
    );

    let err = ProcSchema::from_json(r#"{"process_name": "a"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("process_id"), "{err}");
    let err = ProcSchema::from_json(r#"{"process_name": "a", "process_id": "b", "parent_id": "c", "time_stamp": "d", "colour": "e"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("colour"), "{err}");
    let err = ProcSchema::named("windows").unwrap_err().to_string();
    assert!(err.contains("windows-4688"), "{err}");

    let unrelated = df! { "a" => [1], "b" => [2] }.unwrap();
    let err = build_process_tree(&unrelated, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no process schema matches") && err.contains("a, b"),
        "{err}"
    );

    let mut bad_time = events.clone();
    bad_time
        .with_column(Column::new(
            "TimeGenerated".into(),
            (0..events.height())
                .map(|i| {
                    if i == 2 {
                        "soon"
                    } else {
                        "2024-03-01 08:00:00"
                    }
                })
                .collect::<Vec<_>>(),
        ))
        .unwrap();
    let err = build_process_tree(&bad_time, None).unwrap_err().to_string();
    assert!(err.contains("'soon'") && err.contains("row 2"), "{err}");

    // Optional schema columns the data lacks are ignored, and said so.
    let schema = ProcSchema::from_json(
        r#"{"process_name": "NewProcessName", "process_id": "NewProcessId", "parent_id": "ProcessId", "time_stamp": "TimeGenerated", "user_id": "Sid"}"#,
    )
    .unwrap();
    let tree = build_process_tree(&events, Some(&schema)).unwrap();
    assert_eq!(tree.notes().len(), 1);
    assert!(tree.notes()[0].contains("'Sid'"), "{:?}", tree.notes());
}
