//! The query library: msticpy's own files (../shared/corpus, when present), msticpy's
//! invalid test files, huntrs's fixtures and `queries/`, and rendering with hostile values.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use data::{DataError, Dialect, ParamValue, QueryLibrary};

fn manifest_dir() -> PathBuf {
    std::env::var("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

fn fixtures() -> PathBuf {
    manifest_dir().join("tests/fixtures/queries")
}

/// ../shared/corpus beside the repository, or None (a fresh clone) after saying so.
fn corpus() -> Option<PathBuf> {
    let dir = manifest_dir().join("../../../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: ../shared/corpus not present (a fresh clone)");
        None
    }
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The message of a load error, with file, query and parameter as fields.
fn load_error(path: &Path) -> (Option<String>, Option<String>, String) {
    match QueryLibrary::load_file(path) {
        Ok(_) => panic!("{} loaded but should fail", path.display()),
        Err(DataError::QueryFile {
            file,
            query,
            param,
            message,
        }) => {
            assert_eq!(file, path.display().to_string(), "the error names the file");
            (query, param, message)
        }
        Err(other) => panic!("{}: unexpected error {other}", path.display()),
    }
}

#[test]
fn msticpy_library_loads_unchanged() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("msticpy-queries");
    let files = yaml_files(&dir);
    assert_eq!(files.len(), 50);
    let mut total = 0;
    let mut failures = Vec::new();
    for path in &files {
        match QueryLibrary::load_file(path) {
            Ok(lib) => {
                let f = &lib.files()[0];
                println!(
                    "{:>4} queries  {:<28} {}",
                    lib.len(),
                    f.metadata.data_environments.join(","),
                    path.strip_prefix(&dir).unwrap().display()
                );
                assert!(!lib.is_empty());
                total += lib.len();
            }
            Err(e) => failures.push(e.to_string()),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let lib = QueryLibrary::load_dir(&dir).unwrap();
    assert_eq!(lib.len(), total);
    println!("{total} queries in {} files", files.len());

    // Addressing and environment filters.
    let sentinel = lib.for_environment("LogAnalytics");
    assert!(sentinel.get("WindowsSecurity.list_host_logons").is_some());
    assert!(sentinel.len() < lib.len());
    let q = sentinel
        .query("WindowsSecurity.list_host_logon")
        .unwrap_err();
    assert!(
        q.to_string()
            .contains("did you mean `WindowsSecurity.list_host_logons`"),
        "{q}"
    );
    assert!(!lib.for_environment("Splunk").is_empty());
}

#[test]
fn msticpy_library_renders_with_its_defaults() {
    let Some(corpus) = corpus() else { return };
    let lib = QueryLibrary::load_dir(corpus.join("msticpy-queries")).unwrap();
    let now = chrono::Utc::now();
    let mut rendered = 0;
    for q in lib.queries() {
        let Some(dialect) = q
            .data_environments
            .iter()
            .find_map(|e| Dialect::for_environment(e))
        else {
            continue;
        };
        // A harmless value for every required parameter.
        let params: Vec<(String, ParamValue)> = q
            .required_params()
            .map(|p| {
                let v = match p.param_type {
                    data::ParamType::DateTime => ParamValue::DateTime(now),
                    data::ParamType::Int => ParamValue::Int(1),
                    data::ParamType::Float => ParamValue::Float(1.5),
                    data::ParamType::List => ParamValue::from(vec!["a", "b"]),
                    data::ParamType::Str => ParamValue::from("value1"),
                };
                (p.name.clone(), v)
            })
            .collect();
        let text = q
            .render_at(params, dialect, now)
            .unwrap_or_else(|e| panic!("{}: {e}", q.file));
        assert!(!text.contains("{value1"), "{text}");
        rendered += 1;
    }
    println!("{rendered} KQL/SPL queries rendered");
    assert!(rendered > 200);
}

#[test]
fn msticpy_invalid_files_fail_with_the_right_error() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("msticpy-testdata/queries/invalid");
    let expected: &[(&str, Option<&str>, &str)] = &[
        (
            "sample_minimal_empty_parameter_default.yaml",
            Some("parameter1"),
            "`default:` is empty",
        ),
        (
            "sample_minimal_incorrect_version.yaml",
            None,
            "metadata.version must be an integer",
        ),
        (
            "sample_minimal_invalid_parameter_type.yaml",
            Some("parameter1"),
            "unknown type `string`",
        ),
        (
            "sample_minimal_long_parameter_description.yaml",
            Some("parameter1"),
            "it must have 5 to 1024",
        ),
        (
            "sample_minimal_missing_metadata.yaml",
            None,
            "no `metadata` section",
        ),
        (
            "sample_minimal_missing_sources.yaml",
            None,
            "no `sources` section",
        ),
        (
            "sample_minimal_short_parameter_description.yaml",
            Some("parameter1"),
            "it must have 5 to 1024",
        ),
    ];
    let files = yaml_files(&dir);
    assert_eq!(
        files.len(),
        expected.len(),
        "a new invalid file needs an expectation"
    );
    for (name, param, text) in expected {
        let path = dir.join(name);
        let (_, p, message) = load_error(&path);
        println!("{name}: {message}");
        assert_eq!(p.as_deref(), *param, "{name}");
        assert!(message.contains(text), "{name}: {message}");
    }
    for path in yaml_files(&corpus.join("msticpy-testdata/queries/valid")) {
        QueryLibrary::load_file(&path).unwrap();
    }
}

#[test]
fn msticpy_data_query_test_files() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("msticpy-testdata");
    let ok = QueryLibrary::load_file(dir.join("data_q_success.yaml")).unwrap();
    assert_eq!(
        ok.names(),
        [
            "SecurityAlert.query1",
            "SecurityAlert.query2",
            "SecurityAlert.query3"
        ]
    );
    // Query metadata overrides the defaults' families, which override the file's.
    let h = QueryLibrary::load_file(dir.join("data_q_hierarchy.yaml")).unwrap();
    assert_eq!(
        h.names(),
        [
            "Alerts.type1.query1",
            "Alerts.type2.query2",
            "Alerts.type3.query3"
        ]
    );

    let (q, p, m) = load_error(&dir.join("data_q_meta_fail.yaml"));
    assert_eq!((q, p), (None, None));
    assert!(m.contains("no `data_families`"), "{m}");
    let (q, p, m) = load_error(&dir.join("data_q_source_fail_param.yaml"));
    assert_eq!(
        (q.as_deref(), p.as_deref()),
        (Some("missing_param_source"), Some("foo"))
    );
    assert!(m.contains("defines no such parameter"), "{m}");
    let (q, p, m) = load_error(&dir.join("data_q_source_fail_type.yaml"));
    assert_eq!(
        (q.as_deref(), p.as_deref()),
        (Some("missing_type"), Some("host_name"))
    );
    assert!(m.contains("no `type`"), "{m}");
}

#[test]
fn fixture_invalid_files_fail_with_the_right_error() {
    let files = yaml_files(&fixtures().join("invalid"));
    assert!(files.len() >= 10);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        // First line: `# expect: QUERY[/PARAM] | message part`, `-` for none.
        let spec = text
            .lines()
            .next()
            .unwrap()
            .strip_prefix("# expect: ")
            .unwrap();
        let (location, part) = spec.split_once(" | ").unwrap();
        let (q, p) = location.split_once('/').unwrap_or((location, "-"));
        let some = |s: &str| (s != "-").then(|| s.to_owned());
        let (query, param, message) = load_error(&path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        println!("{name}: {message}");
        assert_eq!((query, param), (some(q), some(p)), "{name}: {message}");
        assert!(message.contains(part), "{name}: {message}");
    }
}

#[test]
fn fixture_library_loads_with_merged_definitions() {
    let lib = QueryLibrary::load_dir(fixtures().join("valid")).unwrap();
    assert_eq!(lib.len(), 7);
    assert_eq!(
        lib.names(),
        [
            "Fixture.Extra.at_time",
            "Fixture.Extra.by_host",
            "Fixture.Extra.json_body",
            "Fixture.Extra.raw_filter",
            "Fixture.at_time",
            "Fixture.by_host",
            "Fixture.json_body",
            "Fixture.raw_filter",
            "Other.by_list",
            "SplunkFixture.by_hosts",
            "SplunkFixture.by_user",
        ]
    );
    let q = lib.get("Fixture.by_host").unwrap();
    let names: Vec<&str> = q.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "start",
            "end",
            "table",
            "add_query_items",
            "host_name",
            "host_op",
            "account"
        ]
    );
    assert_eq!(q.param("computer").unwrap().name, "host_name");
    assert!(q.accepts("host") && !q.accepts("process_name"));
    assert_eq!(
        q.required_params()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["start", "end", "host_name"]
    );
    assert_eq!(q.metadata["data_source"], "fixture");
    assert_eq!(lib.files()[0].metadata.version, Some(2));
    let by_list = lib.get("Other.by_list").unwrap();
    assert_eq!(by_list.data_families, ["Other"]);
    assert!(
        by_list
            .query
            .contains("SecurityEvent | where isnotempty(Computer)")
    );
    assert_eq!(by_list.macros["base"].description, "The common start");

    assert_eq!(lib.for_environment("LogAnalytics").len(), 5);
    assert_eq!(lib.for_environment("splunk").len(), 2);
    assert!(lib.for_environment("MDE").is_empty());
    assert_eq!(
        Dialect::for_environment("AzureSentinel"),
        Some(Dialect::Kql)
    );
    assert_eq!(Dialect::for_environment("Splunk"), Some(Dialect::Spl));
    assert_eq!(Dialect::for_environment("Sumologic"), None);
}

fn to_param(v: &serde_json::Value) -> ParamValue {
    match v {
        serde_json::Value::String(s) => ParamValue::Str(s.clone()),
        serde_json::Value::Number(n) if n.is_i64() => ParamValue::Int(n.as_i64().unwrap()),
        serde_json::Value::Number(n) => ParamValue::Float(n.as_f64().unwrap()),
        serde_json::Value::Array(a) => {
            ParamValue::List(a.iter().map(|i| i.as_str().unwrap().to_owned()).collect())
        }
        other => panic!("unsupported case value {other}"),
    }
}

/// tests/fixtures/queries/render_cases.json: each case renders one query and expects
/// either the text (trimmed) or an error containing a text.
#[test]
fn render_cases() {
    let cases: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("render_cases.json")).unwrap(),
    )
    .unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let lib = QueryLibrary::load_file(fixtures().join(case["file"].as_str().unwrap())).unwrap();
        let query = lib.query(case["query"].as_str().unwrap()).unwrap();
        let dialect = match case["dialect"].as_str().unwrap() {
            "kql" => Dialect::Kql,
            "spl" => Dialect::Spl,
            other => panic!("{name}: unknown dialect {other}"),
        };
        let now = case["now"]
            .as_str()
            .map(|s| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc())
            .unwrap_or_else(chrono::Utc::now);
        let params: Vec<(String, ParamValue)> = case["params"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), to_param(v)))
            .collect();
        let result = query.render_at(params, dialect, now);
        match (case.get("expect"), case.get("error"), result) {
            (Some(want), None, Ok(got)) => {
                assert_eq!(got.trim(), want.as_str().unwrap(), "case `{name}`")
            }
            (None, Some(want), Err(e)) => {
                let e = e.to_string();
                assert!(e.contains(want.as_str().unwrap()), "case `{name}`: {e}");
                assert!(e.starts_with("query `"), "case `{name}`: {e}");
            }
            (_, _, result) => panic!("case `{name}`: unexpected {result:?}"),
        }
    }
}

/// The query's structure: its text with every string literal's content blanked, plus
/// the literals themselves. An independent, simpler lexer than the renderer's.
fn skeleton(query: &str, dialect: Dialect) -> (String, Vec<String>) {
    let mut code = String::new();
    let mut literals = Vec::new();
    let chars: Vec<char> = query.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let verbatim =
            dialect == Dialect::Kql && c == '@' && matches!(chars.get(i + 1), Some('"' | '\''));
        let quote = if verbatim { chars[i + 1] } else { c };
        if verbatim || c == '"' || (dialect == Dialect::Kql && c == '\'') {
            let mut j = i + 1 + usize::from(verbatim);
            let mut lit = String::new();
            loop {
                let Some(&d) = chars.get(j) else {
                    panic!("unterminated literal in {query}")
                };
                if !verbatim && d == '\\' {
                    lit.push(d);
                    lit.push(chars[j + 1]);
                    j += 2;
                } else if d == quote && verbatim && chars.get(j + 1) == Some(&quote) {
                    lit.push(d);
                    lit.push(d);
                    j += 2;
                } else if d == quote {
                    break;
                } else {
                    assert!(d != '\n', "raw line break inside a literal: {query}");
                    lit.push(d);
                    j += 1;
                }
            }
            code.push_str(if verbatim { "@S" } else { "S" });
            literals.push(lit);
            i = j + 1;
        } else {
            code.push(c);
            i += 1;
        }
    }
    (code, literals)
}

const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "x\" | take 1 | where \"a\" == \"a",
    "x' | take 1 | where 'a' == 'a",
    "a\nb | summarize count()",
    "*/ | take 1 /*",
    "back\\slash\\",
    "\\\" | take 1 //",
    "\"\" @\"\" ''",
    "{start} {{x}} $<macro>$",
    "; drop table x; --",
    "\u{202e}rtl",
];

#[test]
fn hostile_values_never_change_the_structure() {
    let kql = QueryLibrary::from_yaml_str(
        "hostile.yaml",
        r#"
metadata:
  version: 1
  description: Every literal position
  data_environments: [MSSentinel]
  data_families: [H]
sources:
  q:
    description: All positions
    args:
      query: 'T | where a == "{s}" and b == ''{s}'' and d in ({l}) | extend e = dynamic([{l}]) | where f has "{l}" and g has_any ({c})'
    parameters:
      s: {description: A string, type: str}
      c: {description: A string in code position, type: str}
      l: {description: A list, type: list}
  v:
    description: A verbatim string
    args:
      query: 'T | where c has @"{s}" | where d has @''{s}'''
    parameters:
      s: {description: A string, type: str}
"#,
    )
    .unwrap();
    // Verbatim literals cannot hold line breaks: refused, never written raw.
    let v = kql.get("H.v").unwrap();
    for value in HOSTILE {
        match v.render([("s", *value)], Dialect::Kql) {
            Ok(rendered) => {
                let (code, literals) = skeleton(&rendered, Dialect::Kql);
                assert_eq!(code, "T | where c has @S | where d has @S", "{rendered}");
                assert_eq!(literals.len(), 2);
            }
            Err(e) => assert!(value.contains('\n'), "{value:?}: {e}"),
        }
    }
    let spl = QueryLibrary::from_yaml_str(
        "hostile_spl.yaml",
        r#"
metadata:
  version: 1
  description: Every literal position
  data_environments: [Splunk]
  data_families: [H]
sources:
  q:
    description: All positions
    args:
      query: 'search a="{s}" b IN ({l}) d={c} | where c="{l}" | table a'
    parameters:
      s: {description: A string, type: str}
      c: {description: A string in code position, type: str}
      l: {description: A list, type: list}
"#,
    )
    .unwrap();
    let mut checked = 0;
    for (lib, dialect) in [(&kql, Dialect::Kql), (&spl, Dialect::Spl)] {
        let q = lib.get("H.q").unwrap();
        // "v w" is not a name, so in code position it is a literal like the hostile values.
        let benign = q
            .render(
                [
                    ("s", "v".into()),
                    ("c", "v w".into()),
                    ("l", ParamValue::from(vec!["v", "w"])),
                ],
                dialect,
            )
            .unwrap();
        let (want, _) = skeleton(&benign, dialect);
        for value in HOSTILE {
            let params = [
                ("s", ParamValue::from(*value)),
                ("c", ParamValue::from(*value)),
                ("l", ParamValue::from(vec![*value, "w"])),
            ];
            let rendered = match q.render(params, dialect) {
                Ok(r) => r,
                // SPL strings cannot hold line breaks: refused, never written raw.
                Err(e) => {
                    let e = e.to_string();
                    assert!(
                        dialect == Dialect::Spl && e.contains("control character"),
                        "{dialect:?} {value:?}: {e}"
                    );
                    continue;
                }
            };
            let (got, literals) = skeleton(&rendered, dialect);
            assert_eq!(
                got, want,
                "{dialect:?} {value:?} changed the query: {rendered}"
            );
            // Same skeleton: the same stages and operators; the value is only in literals.
            assert_eq!(got.matches('|').count(), want.matches('|').count());
            assert!(!literals.is_empty());
            checked += 1;
        }
    }
    assert!(checked >= 20, "{checked}");
}

#[test]
fn huntrs_query_library_loads_and_renders() {
    let dir = manifest_dir().join("../../queries");
    let lib = QueryLibrary::load_dir(&dir).unwrap();
    assert_eq!(lib.len(), lib.for_environment("MSSentinel").len());
    assert_eq!(lib.len(), lib.for_environment("LocalData").len());
    let start = chrono::DateTime::parse_from_rfc3339("2026-10-26T00:00:00Z")
        .unwrap()
        .to_utc();
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z")
        .unwrap()
        .to_utc();
    for name in [
        "SecurityAlert.list_alerts",
        "SecurityAlert.summarize_alerts",
        "WindowsSecurity.list_host_logons",
        "WindowsSecurity.list_logon_failures",
        "WindowsSecurity.list_host_processes",
        "WindowsSecurity.list_processes_by_name",
        "Network.list_connections_by_ip",
        "Dns.list_lookups_by_domain",
        "LinuxAudit.list_execve",
        "LinuxSyslog.list_ssh_logons",
        "SigninLogs.list_signins_by_account",
        "SigninLogs.list_failed_signins",
        "ThreatIntelligence.lookup_ip",
        "ThreatIntelligence.lookup_ips",
        "MDE.list_host_processes",
    ] {
        assert!(lib.get(name).is_some(), "{name} missing");
    }
    let sample = |p: &data::ParamDef| -> ParamValue {
        match (p.name.as_str(), p.param_type) {
            ("start", _) => start.into(),
            ("end", _) => end.into(),
            ("host_name", _) => "WS-014".into(),
            ("account_name", _) => "megan.ashworth".into(),
            ("ip_address", _) => "10.10.20.76".into(),
            ("domain", _) => "larkmoor.com".into(),
            (_, data::ParamType::List) => vec!["10.10.20.76", "82.163.74.10"].into(),
            _ => "powershell.exe".into(),
        }
    };
    for q in lib.queries() {
        let params: Vec<(String, ParamValue)> = q
            .required_params()
            .map(|p| (p.name.clone(), sample(p)))
            .collect();
        let kql = q
            .render(params, Dialect::Kql)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(kql.contains("| where"), "{kql}");
        assert!(!kql.contains('{'), "{kql}");
        let (code, _) = skeleton(&kql, Dialect::Kql);
        assert!(!code.contains('"'), "{code}");
        println!(
            "{:<40} {}",
            q.full_names()[0],
            kql.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
    println!("{} queries in queries/", lib.len());
}

#[test]
fn entity_query_params_render_after_filtering() {
    // The shape of `SecurityEvent::query_params()`: strings, times in RFC 3339.
    let provided: std::collections::BTreeMap<String, String> = [
        ("start", "2026-10-27T09:00:00Z"),
        ("end", "2026-10-27T11:00:00Z"),
        ("host_name", "WS-014.corp.larkmoor.com"),
        ("account_name", "megan.ashworth"),
        ("path_separator", "\\"),
        ("os_family", "Windows"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let lib = QueryLibrary::load_dir(manifest_dir().join("../../queries")).unwrap();
    let q = lib.query("WindowsSecurity.list_host_logons").unwrap();
    let err = q.render(&provided, Dialect::Kql).unwrap_err().to_string();
    assert!(err.contains("unknown parameter"), "{err}");
    let kql = q
        .render(provided.iter().filter(|(k, _)| q.accepts(k)), Dialect::Kql)
        .unwrap();
    assert!(kql.contains("between (datetime(2026-10-27T09:00:00.0000000Z) .. datetime(2026-10-27T11:00:00.0000000Z))"), "{kql}");
    assert!(
        kql.contains("Computer has \"WS-014.corp.larkmoor.com\""),
        "{kql}"
    );
}
