//! auditd parsing: a hand-written log with every quirk, and msticpy's corpus.

mod common;

use sectools::polars::prelude::*;
use sectools::{AuditLog, auditd_frame, auditd_frame_threads, parse_auditd, read_auditd_frame};

fn sample() -> AuditLog {
    parse_auditd(&common::read_fixture("fixtures/auditd_sample.log"))
}

#[test]
fn groups_by_timestamp_and_serial() {
    let log = sample();
    let ids: Vec<String> = log.events.iter().map(|e| e.audit_id()).collect();
    assert_eq!(
        ids,
        [
            "1700000000.100:501",
            "1700000000.100:502",
            "1700000001.000:503",
            "1700000002.500:504",
            "1700000003.000:505"
        ]
    );
    let types: Vec<&str> = log.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "SYSCALL_EXECVE",
            "USER_LOGIN",
            "SYSCALL_EXECVE",
            "USER_CMD",
            "CRED_ACQ"
        ]
    );
}

#[test]
fn lossless_with_malformed_lines_reported() {
    let text = common::read_fixture("fixtures/auditd_sample.log");
    let log = parse_auditd(&text);
    let records: usize = log.events.iter().map(|e| e.records.len()).sum();
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(
        records + log.issues.len(),
        lines,
        "every line is a record or an issue"
    );
    let issue_lines: Vec<usize> = log.issues.iter().map(|i| i.line).collect();
    assert_eq!(issue_lines, [8, 12]);
    assert!(
        log.issues[0].reason.contains("type="),
        "{:?}",
        log.issues[0]
    );
    assert!(
        log.issues[1].reason.contains("timestamp"),
        "{:?}",
        log.issues[1]
    );
}

#[test]
fn hex_fields_and_full_command_lines() {
    let log = sample();
    let exec = &log.events[0];
    assert_eq!(
        exec.cmdline().as_deref(),
        Some("bash -c echo hello | base64 -d --")
    );
    assert_eq!(
        exec.field("PROCTITLE", "proctitle"),
        Some("bash -c touch /tmp/x")
    );
    assert_eq!(
        exec.field("SYSCALL", "a0"),
        Some("55d1"),
        "SYSCALL arguments are pointers, not hex text"
    );
    let chunked = &log.events[2];
    assert_eq!(
        chunked.cmdline().as_deref(),
        Some("cat /very/long/path/file.txt")
    );
    assert_eq!(
        chunked.field("SYSCALL", "exe"),
        Some("/usr/bin/cat with space")
    );
    let cmd = &log.events[3];
    assert_eq!(cmd.field("USER_CMD", "cmd"), Some("sudo -i"));
    assert_eq!(cmd.field("USER_CMD", "cwd"), Some("/home/alice"));
    assert_eq!(
        cmd.field("USER_CMD", "UID"),
        Some("alice"),
        "enriched fields after 0x1d are kept"
    );
    let login = &log.events[1];
    assert_eq!(login.field("USER_LOGIN", "acct"), Some("alice"));
    assert_eq!(login.field("USER_LOGIN", "res"), Some("failed"));
    assert_eq!(login.field("USER_LOGIN", "addr"), Some("203.0.113.50"));
}

#[test]
fn typed_summaries() {
    let log = sample();
    let exec = log.events[0].summary();
    assert_eq!(
        (exec.pid, exec.ppid, exec.uid, exec.auid, exec.ses),
        (Some(1301), Some(1200), Some(0), Some(1000), Some(3))
    );
    assert_eq!(exec.exe.as_deref(), Some("/usr/bin/bash"));
    assert_eq!(exec.cwd.as_deref(), Some("/root"));
    assert_eq!(exec.success, Some(true));
    let login = log.events[1].summary();
    assert_eq!(login.account.as_deref(), Some("alice"));
    assert_eq!(login.addr.as_deref(), Some("203.0.113.50"));
    assert_eq!(login.auid, Some(-1), "4294967295 is unset");
    assert_eq!(login.success, Some(false));
    let sudo = log.events[3].summary();
    assert_eq!(sudo.cmdline.as_deref(), Some("sudo -i"));
    assert_eq!(sudo.terminal.as_deref(), Some("pts/0"));
}

#[test]
fn dataframe_has_time_type_and_typed_ids() {
    let df = sample().to_df().expect("frame");
    assert_eq!(df.height(), 5);
    let names: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        &names[..4],
        ["TimeGenerated", "EventType", "AuditId", "RecordTypes"]
    );
    assert!(matches!(
        df.column("TimeGenerated").expect("col").dtype(),
        DataType::Datetime(TimeUnit::Milliseconds, Some(_))
    ));
    let auid = df.column("auid").expect("auid").i64().expect("ints").get(1);
    assert_eq!(auid, Some(-1), "4294967295 means unset");
    assert!(names.contains(&"cmdline"));
    assert!(names.contains(&"name"), "PATH name");
}

#[test]
fn log_analytics_export_column() {
    let df = DataFrame::new_infer_height(vec![
        Column::new("Computer".into(), ["host1", "host1"]),
        Column::new("mssg_id".into(), ["1550505632.285:9077924", "bad"]),
        Column::new(
            "AuditdMessage".into(),
            [
                "[{'SYSCALL': ['arch=c000003e', 'syscall=59', 'ppid=22536', 'pid=28066', 'comm=\"sh\"', 'exe=\"/bin/dash\"']}, {'EXECVE': ['argc=3', 'a0=\"/bin/sh\"', 'a1=\"-c\"', 'a2=6C73']}]",
                "[{'USER_END': ['pid=1']}]",
            ],
        ),
    ])
    .expect("frame");
    let log = sectools::auditd_from_df(&df, "AuditdMessage", Some("mssg_id")).expect("parse");
    assert_eq!(log.events.len(), 1);
    assert_eq!(log.events[0].cmdline().as_deref(), Some("/bin/sh -c ls"));
    assert_eq!(
        log.events[0].metadata,
        [("Computer".to_string(), Some("host1".to_string()))]
    );
    assert_eq!(log.issues.len(), 1);
    assert!(
        log.issues[0].reason.contains("audit id"),
        "{:?}",
        log.issues[0]
    );
    let err = sectools::auditd_from_df(&df, "Nope", None).expect_err("missing column");
    assert!(err.to_string().contains("column 'Nope' not found"));
}

/// A table shaped like the lab's LinuxAudit (raw lines plus the ids Log Analytics keeps)
/// goes to a frame whole: input columns named like the computed ones are renamed.
#[test]
fn raw_line_table_with_its_own_audit_id() {
    let df = DataFrame::new_infer_height(vec![
        Column::new("Computer".into(), ["web1", "web1"]),
        Column::new("AuditId".into(), ["1551487424.869:752", "1551487424.869:752"]),
        Column::new("RecordType".into(), ["SYSCALL", "EXECVE"]),
        Column::new(
            "RawData".into(),
            [
                "type=SYSCALL msg=audit(1551487424.869:752): arch=c000003e syscall=59 success=yes ppid=1 pid=42 uid=0 exe=\"/bin/dash\"",
                "type=EXECVE msg=audit(1551487424.869:752): argc=2 a0=\"id\" a1=\"-u\"",
            ],
        ),
    ])
    .expect("frame");
    let log = sectools::auditd_from_df(&df, "RawData", None).expect("parse");
    let events = log.to_df().expect("to_df");
    assert_eq!(events.height(), 1);
    let text = |name: &str| {
        events
            .column(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string)
    };
    assert_eq!(text("AuditId").as_deref(), Some("1551487424.869:752"));
    assert_eq!(text("AuditId_input").as_deref(), Some("1551487424.869:752"));
    assert_eq!(text("RecordType").as_deref(), Some("SYSCALL"));
    assert_eq!(text("cmdline").as_deref(), Some("id -u"));
}

/// msticpy's auditd_log.txt: 1,708 lines with 938 distinct audit ids. msticpy reports 381
/// events because it groups by timestamp only and merges different serials; huntrs keeps
/// them apart (one event per audit id), so the counts differ by design.
#[test]
fn msticpy_auditd_log() {
    let Some(path) = common::corpus_file("msticpy-testdata/auditd_log.txt") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read");
    let log = sectools::read_auditd_file(&path).expect("read");
    assert!(
        log.issues.is_empty(),
        "{:?}",
        &log.issues[..log.issues.len().min(3)]
    );
    let distinct: std::collections::HashSet<&str> = text
        .lines()
        .filter_map(|l| l.split("msg=audit(").nth(1)?.split("):").next())
        .collect();
    assert_eq!(distinct.len(), 938);
    assert_eq!(log.events.len(), 938);
    let records: usize = log.events.iter().map(|e| e.records.len()).sum();
    assert_eq!(records, 1708, "every line in exactly one event");
    let timestamps: std::collections::HashSet<i64> = log
        .events
        .iter()
        .map(|e| e.timestamp.timestamp_millis())
        .collect();
    assert_eq!(
        timestamps.len(),
        381,
        "msticpy's 381 groups are the distinct timestamps"
    );
    // msticpy truncates long command lines to a0..a2 ('iptables -w -t             '); huntrs keeps every argument.
    let iptables = log
        .events
        .iter()
        .filter_map(|e| e.cmdline())
        .find(|c| c.starts_with("iptables -w -t") && c.split(' ').count() == 16)
        .expect("the argc=16 iptables call");
    assert!(!iptables.ends_with(' '), "{iptables}");
    let df = log.to_df().expect("frame");
    let execs = df
        .column("EventType")
        .expect("col")
        .str()
        .expect("str")
        .iter()
        .filter(|t| *t == Some("SYSCALL_EXECVE"))
        .count();
    assert!(
        execs >= 78,
        "msticpy finds 78 SYSCALL_EXECVE groups; huntrs at least as many: {execs}"
    );
}

/// msticpy's linux_events.csv (Log Analytics export): ≥100 events, USER_START and
/// CRED_REFR present, ≥82 SYSCALL_EXECVE.
#[test]
fn msticpy_linux_events_csv() {
    let Some(path) = common::corpus_file("msticpy-testdata/linux_events.csv") else {
        return;
    };
    let df = common::read_csv_as_text(&path);
    let log = sectools::auditd_from_df(&df, "AuditdMessage", Some("mssg_id")).expect("parse");
    assert!(
        log.issues.is_empty(),
        "{:?}",
        &log.issues[..log.issues.len().min(3)]
    );
    assert!(log.events.len() >= 100, "{}", log.events.len());
    let types: std::collections::HashSet<&str> =
        log.events.iter().map(|e| e.event_type.as_str()).collect();
    assert!(
        types.contains("USER_START") && types.contains("CRED_REFR"),
        "{types:?}"
    );
    let execs = log
        .events
        .iter()
        .filter(|e| e.event_type == "SYSCALL_EXECVE")
        .count();
    assert!(execs >= 82, "{execs}");
    let out = log.to_df().expect("frame");
    assert!(out.width() >= 32, "{}", out.width());
    assert!(out.column("Computer").is_ok());
}

/// `auditd_frame` reads the text straight into the table; it must equal the table built
/// from the events, issues included, on every input (interleaved events too).
#[test]
fn frame_from_text_equals_table_from_events() {
    let mut inputs = vec![
        common::fixture("fixtures/auditd_sample.log"),
        common::fixture("fixtures/auditd_interleaved.log"),
    ];
    inputs.extend(common::corpus_file("msticpy-testdata/auditd_log.txt"));
    for path in inputs {
        let name = path.file_name().expect("a file").to_string_lossy();
        let text = std::fs::read_to_string(&path).expect("input");
        let log = parse_auditd(&text);
        let from_events = log.to_df().expect("to_df");
        let frame = auditd_frame(&text).expect("auditd_frame");
        assert_eq!(frame.issues, log.issues, "{name}: issues");
        // Read from the file, long values are views into its text instead of copies.
        let read = read_auditd_frame(&path).expect("read_auditd_frame");
        assert_eq!(read.issues, log.issues, "{name}: issues read from the file");
        assert!(
            read.df.equals_missing(&frame.df),
            "{name}: read from the file"
        );
        for threads in [2, 3] {
            let parts = auditd_frame_threads(&text, threads).expect("auditd_frame_threads");
            assert_eq!(
                parts.issues, log.issues,
                "{name}, {threads} threads: issues"
            );
            assert!(
                parts.df.equals_missing(&frame.df),
                "{name}, {threads} threads"
            );
        }
        assert_eq!(
            frame.df.get_column_names(),
            from_events.get_column_names(),
            "{name}: columns"
        );
        let differing: Vec<String> = from_events
            .columns()
            .iter()
            .filter(|expected| {
                let actual = frame.df.column(expected.name()).expect("same names");
                !actual
                    .as_materialized_series()
                    .equals_missing(expected.as_materialized_series())
            })
            .map(|c| {
                format!(
                    "{}: {:?} vs {:?}",
                    c.name(),
                    frame.df.column(c.name()).map(|a| a.head(Some(3))),
                    c.head(Some(3))
                )
            })
            .collect();
        assert!(
            differing.is_empty(),
            "{name}: columns differ: {differing:#?}"
        );
    }
}

#[test]
fn interleaved_events_keep_their_records_and_ids_as_written() {
    // Two adjacent lines of an event that continues after a later one started stay in
    // their own event (they once went to the latest event).
    let log = parse_auditd(&common::read_fixture("fixtures/auditd_interleaved.log"));
    let types: Vec<Vec<&str>> = log
        .events
        .iter()
        .map(|e| e.records.iter().map(|r| r.record_type()).collect())
        .collect();
    assert_eq!(
        types,
        [
            vec!["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE"],
            vec!["SYSCALL", "EXECVE"],
            vec!["USER_START"]
        ]
    );
    let frame =
        auditd_frame(&common::read_fixture("fixtures/auditd_interleaved.log")).expect("frame");
    let df = frame.df;
    assert!(frame.issues.is_empty(), "{:?}", frame.issues);
    let text = |name: &str| -> Vec<Option<String>> {
        let column = df
            .column(name)
            .unwrap_or_else(|_| panic!("{name} missing: {df}"));
        let column = column.cast(&DataType::String).expect("as text");
        column
            .str()
            .expect("text")
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let some = |v: &str| Some(v.to_string());
    assert_eq!(
        text("AuditId"),
        [
            some("1700000100.000:601"),
            some("1700000100.000:602"),
            some("1700000101.000:603")
        ]
    );
    assert_eq!(
        text("EventType"),
        [
            some("SYSCALL_EXECVE"),
            some("SYSCALL_EXECVE"),
            some("USER_START")
        ]
    );
    assert_eq!(
        text("RecordTypes"),
        [
            some("SYSCALL,EXECVE,CWD,PATH,PROCTITLE"),
            some("SYSCALL,EXECVE"),
            some("USER_START")
        ]
    );
    // argc after the arguments still bounds them; the forged index is ignored.
    assert_eq!(text("cmdline"), [some("sh -c id"), some("id"), None]);
    assert_eq!(text("proctitle"), [some("sh -c id"), None, None]);
    // `pid` holds a non-integer in the PATH record's own column, so `pid` stays numeric.
    assert_eq!(df.column("pid").expect("pid").dtype(), &DataType::Int64);
    assert_eq!(text("pid_PATH"), [some("notanumber"), None, None]);
    assert_eq!(text("exe_PATH"), [some("/bin/path-exe"), None, None]);
    // `ses` and `auid` are numeric with unset as -1.
    let ints = |name: &str| -> Vec<Option<i64>> {
        df.column(name)
            .expect(name)
            .i64()
            .expect("ints")
            .iter()
            .collect()
    };
    assert_eq!(ints("ses"), [Some(-1), Some(5), Some(5)]);
    assert_eq!(ints("auid"), [Some(-1), Some(1000), Some(1000)]);
    assert_eq!(ints("pid"), [Some(7), Some(2001), Some(0)]);
}

#[test]
fn an_id_column_with_text_keeps_every_value_as_written() {
    let text = concat!(
        "type=USER_AUTH msg=audit(1700000200.000:1): pid=007 uid=007 auid=4294967295 ses=1 msg='res=success'\n",
        "type=USER_AUTH msg=audit(1700000200.000:2): pid=-0 uid=4294967295 auid=1000 ses=unset msg='res=success'\n",
        "type=USER_AUTH msg=audit(1700000200.000:3): pid=12 uid=x1 auid=1000 ses=2 msg='res=success'\n",
    );
    let frame = auditd_frame(text).expect("frame");
    let uid: Vec<Option<&str>> = frame
        .df
        .column("uid")
        .expect("uid")
        .str()
        .expect("text")
        .iter()
        .collect();
    assert_eq!(uid, [Some("007"), Some("4294967295"), Some("x1")]);
    let ses: Vec<Option<i64>> = frame
        .df
        .column("ses")
        .expect("ses")
        .i64()
        .expect("ints")
        .iter()
        .collect();
    assert_eq!(ses, [Some(1), Some(-1), Some(2)]);
    assert!(
        frame
            .df
            .equals_missing(&parse_auditd(text).to_df().expect("to_df"))
    );
}

/// The same equality on 300 inputs made from the fixtures: lines shuffled (events
/// interleave), cut short at a random byte, or duplicated.
#[test]
fn frame_equals_table_from_events_on_mangled_logs() {
    let mut lines: Vec<String> = [
        "fixtures/auditd_sample.log",
        "fixtures/auditd_interleaved.log",
    ]
    .iter()
    .flat_map(|f| {
        common::read_fixture(f)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    })
    .collect();
    // A fixed-seed xorshift: the cases are the same on every run.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for case in 0..300 {
        for i in (1..lines.len()).rev() {
            lines.swap(i, next(i + 1));
        }
        let mut text = String::new();
        for line in lines.iter().take(1 + next(lines.len())) {
            let cut = match next(4) {
                0 => (0..=line.len())
                    .rev()
                    .skip(next(line.len() + 1))
                    .find(|&at| line.is_char_boundary(at))
                    .unwrap_or(0),
                _ => line.len(),
            };
            text.push_str(&line[..cut]);
            text.push('\n');
            if next(8) == 0 {
                text.push_str(line);
                text.push('\n');
            }
        }
        let log = parse_auditd(&text);
        let from_events = log.to_df().expect("to_df");
        // Read whole, and in parts on several threads (events cut by the parts too).
        for threads in [1, 2, 3, 5] {
            let frame = auditd_frame_threads(&text, threads).expect("frame");
            assert_eq!(
                frame.issues, log.issues,
                "case {case}, {threads} threads:\n{text}"
            );
            assert!(
                frame.df.equals_missing(&from_events),
                "case {case}, {threads} threads:\n{text}"
            );
        }
    }
}

/// An id column that is all integers in one part and has text in another is text in
/// the whole frame, each value as written, as when one thread reads it all.
#[test]
fn parts_agree_on_id_columns_that_turn_to_text() {
    let mut text = String::new();
    for (serial, pid) in [
        (1, "12"),
        (2, "4294967295"),
        (3, "-5"),
        (4, "007"),
        (5, "unset"),
        (6, "(none)"),
        (7, "9"),
    ] {
        text.push_str(&format!(
            "type=USER_LOGIN msg=audit(1551487424.{serial:03}:{serial}): pid={pid} uid=0 res=success\n"
        ));
    }
    let whole = auditd_frame_threads(&text, 1).expect("frame");
    let pids: Vec<Option<&str>> = whole
        .df
        .column("pid")
        .expect("pid")
        .str()
        .expect("text")
        .iter()
        .collect();
    assert_eq!(
        pids,
        [
            Some("12"),
            Some("4294967295"),
            Some("-5"),
            Some("007"),
            Some("unset"),
            Some("(none)"),
            Some("9")
        ]
    );
    for threads in 2..=7 {
        let parts = auditd_frame_threads(&text, threads).expect("frame");
        assert!(
            parts.df.equals_missing(&whole.df),
            "{threads} threads: {:?}",
            parts.df
        );
    }
    // A column of integers in every part stays integers.
    let ints = auditd_frame_threads(&text.replace("pid=(none)", "pid=8"), 3).expect("frame");
    assert_eq!(
        ints.df.column("pid").expect("pid").dtype(),
        &sectools::polars::prelude::DataType::Int64
    );
}

/// A log file that is not valid UTF-8 reads as its lossy text does, the long values
/// next to the replaced bytes included.
#[test]
fn a_file_with_invalid_utf8_reads_as_its_lossy_text() {
    let mut bytes = std::fs::read(common::fixture("fixtures/auditd_sample.log")).expect("fixture");
    let at = bytes
        .windows(4)
        .position(|w| w == b"exe=")
        .expect("an exe field")
        + 5;
    bytes.splice(at..at, [0xff, 0xfe]);
    let dir = std::env::temp_dir().join(format!("huntrs-auditd-lossy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("lossy.log");
    std::fs::write(&path, &bytes).expect("write");
    let read = read_auditd_frame(&path).expect("read_auditd_frame");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains('\u{fffd}'));
    let frame = auditd_frame(&text).expect("auditd_frame");
    std::fs::remove_dir_all(&dir).expect("clean up");
    assert!(read.df.equals_missing(&frame.df));
    let exe = read
        .df
        .column("exe")
        .expect("exe")
        .str()
        .expect("text")
        .clone();
    assert!(exe.iter().flatten().any(|v| v.contains('\u{fffd}')));
}
