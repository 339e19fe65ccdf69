//! The KQL parser against the case corpus in `tests/fixtures/kql/parse_cases.txt` and, when
//! the shared corpus is present, every query in msticpy's Sentinel query library.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use data::kql;

struct Case {
    line: usize,
    query: String,
    expect: Option<String>,
    error: Option<(usize, usize, String)>,
}

fn cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kql/parse_cases.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            cases.extend(current.take());
            continue;
        }
        if raw.starts_with('#') {
            continue;
        }
        let (tag, rest) = raw.split_at(1);
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        let case = current.get_or_insert_with(|| Case {
            line: i + 1,
            query: String::new(),
            expect: None,
            error: None,
        });
        match tag {
            ">" => {
                if !case.query.is_empty() {
                    case.query.push('\n');
                }
                case.query.push_str(rest);
            }
            "=" => case.expect = Some(rest.to_string()),
            "!" => {
                let (pos, message) = rest.split_once(' ').unwrap();
                let (l, c) = pos.split_once(':').unwrap();
                case.error = Some((l.parse().unwrap(), c.parse().unwrap(), message.to_string()));
            }
            _ => panic!("parse_cases.txt line {}: unknown tag {tag:?}", i + 1),
        }
    }
    cases.extend(current);
    cases
}

#[test]
fn parse_cases() {
    let cases = cases();
    assert!(cases.len() > 80, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let result = kql::parse(&case.query);
        match (&case.error, result) {
            (None, Ok(ast)) => {
                let printed = ast.to_string();
                let expect = case.expect.clone().unwrap_or_else(|| case.query.clone());
                if printed != expect {
                    failures.push(format!(
                        "line {}: printed\n  {printed}\nexpected\n  {expect}",
                        case.line
                    ));
                    continue;
                }
                match kql::parse(&printed) {
                    Ok(again) if again.to_string() == printed => {}
                    Ok(again) => {
                        failures.push(format!("line {}: reprint differs: {again}", case.line))
                    }
                    Err(e) => failures.push(format!(
                        "line {}: normalised text does not parse: {e}",
                        case.line
                    )),
                }
            }
            (None, Err(e)) => failures.push(format!("line {}: {e}", case.line)),
            (Some(_), Ok(ast)) => failures.push(format!(
                "line {}: expected an error, parsed as {ast}",
                case.line
            )),
            (Some((line, column, message)), Err(e)) => {
                if (e.line, e.column) != (*line, *column) || !e.message.contains(message.as_str()) {
                    failures.push(format!(
                        "line {}: expected {line}:{column} {message:?}, got {}:{} {:?}",
                        case.line, e.line, e.column, e.message
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---- msticpy's Sentinel query library ----

fn corpus_dir() -> PathBuf {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    Path::new(&manifest).join("../../../shared/corpus/msticpy-queries/mssentinel")
}

/// The `query:` scalars of a msticpy query YAML file, by a line scan good enough for those
/// files: single- and double-quoted flow scalars and `|` blocks (anchored aliases are skipped).
fn yaml_queries(text: &str) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let Some(at) = line.find("query: ") else {
            i += 1;
            continue;
        };
        let start_line = i + 1;
        let rest = line[at + 7..].trim_start();
        if rest.starts_with('|') {
            let indent = |l: &str| l.len() - l.trim_start().len();
            let base = indent(line);
            let mut body = Vec::new();
            i += 1;
            while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > base) {
                body.push(lines[i].trim());
                i += 1;
            }
            out.push((start_line, body.join("\n")));
            continue;
        }
        let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else {
            i += 1;
            continue;
        };
        // Collect until the closing quote ('' escapes ' in single-quoted scalars).
        let mut text = rest[1..].to_string();
        let mut value = String::new();
        'scan: loop {
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                if quote == '"' && c == '\\' {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                } else if c == quote {
                    if quote == '\'' && chars.peek() == Some(&'\'') {
                        chars.next();
                        value.push('\'');
                    } else {
                        break 'scan;
                    }
                } else {
                    value.push(c);
                }
            }
            i += 1;
            if i >= lines.len() {
                break;
            }
            value.push('\n');
            text = lines[i].trim().to_string();
        }
        out.push((start_line, value));
        i += 1;
    }
    out
}

/// Replace msticpy `{param}` placeholders with plain values and `{{`/`}}` with braces.
/// `table` stands in for `{table}` (some queries name their table themselves and expect an
/// empty `{table}`).
fn substitute(query: &str, table: &str) -> String {
    let mut out = String::new();
    let mut rest = query;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(stripped) = after.strip_prefix('{') {
            out.push('{');
            rest = stripped;
            continue;
        }
        let Some(close) = after.find('}') else {
            out.push('{');
            rest = after;
            continue;
        };
        let name = &after[..close];
        let quoted = out.ends_with('"') || out.ends_with('\'');
        let value = match name {
            n if quoted && n.ends_with("_list") => "a,b",
            _ if quoted => "x",
            "table" => table,
            "start" | "end" => "2024-01-01",
            "add_query_items" | "query_project" => "",
            "subscription_filter" => "true",
            "event_filter" | "where_clause" => "| where true",
            "host_op" | "proc_op" => "has",
            "timestampcolumn" => "TimeGenerated",
            "aggregatecolumn" => "Count",
            "groupbycolumn" => "Computer",
            "aggregatefunction" => "count()",
            "timeframe" => "1h",
            "path_separator" => "\\\\",
            "scorethreshold" | "process_id" | "logon_session_id" | "parent_lookback" => "1",
            "source_ip_field" | "dest_ip_field" => "SrcIp",
            n if n.ends_with("_list")
                || n == "observables"
                || n == "vendors"
                || n == "event_list" =>
            {
                "\"a\", \"b\""
            }
            _ => "x",
        };
        out.push_str(value);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out.replace("}}", "}")
}

/// Text of queries in the library that are not valid KQL as written (Kusto rejects them too).
const KNOWN_INVALID: &[&str] = &[
    // get_bookmark_by_tags: a doubled operator.
    "where Tag in~ in (",
];

#[test]
fn msticpy_sentinel_queries() {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("skipped: ../shared/corpus not present (a fresh clone)");
        return;
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let (mut total, mut parsed, mut unsupported, mut invalid) = (0, 0, 0, 0);
    let mut other = Vec::new();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "yaml"))
    {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, query) in yaml_queries(&text) {
            total += 1;
            let mut text = substitute(&query, "SecurityEvent");
            let mut result = kql::parse(&text);
            if result
                .as_ref()
                .is_err_and(|e| e.message.contains("after the end of the query"))
            {
                text = substitute(&query, "");
                result = kql::parse(&text);
            }
            let query = text;
            match result {
                Ok(ast) => {
                    parsed += 1;
                    let printed = ast.to_string();
                    let again = kql::parse(&printed).unwrap_or_else(|e| panic!("{printed}\n{e}"));
                    assert_eq!(again.to_string(), printed);
                }
                Err(e) if e.message.contains("not supported") => {
                    // Unsupported operators and functions must be named with their position.
                    let named = &query[e.span.start.min(query.len())..e.span.end.min(query.len())];
                    assert!(
                        !named.is_empty()
                            && e.message.contains(named.trim_start_matches('|').trim()),
                        "{e}"
                    );
                    unsupported += 1;
                    println!(
                        "unsupported {}:{line}: {}",
                        file.file_name().unwrap().to_string_lossy(),
                        e.message.lines().next().unwrap_or("")
                    );
                }
                Err(_) if KNOWN_INVALID.iter().any(|bad| query.contains(bad)) => invalid += 1,
                Err(e) => other.push(format!("{}:{line}: {e}\n{query}", file.display())),
            }
        }
    }
    println!(
        "msticpy Sentinel queries: {parsed} of {total} parse, {unsupported} use unsupported operators or functions, {invalid} are invalid KQL"
    );
    assert!(total > 80, "found only {total} queries");
    assert!(
        other.is_empty(),
        "{} queries fail for other reasons:\n{}",
        other.len(),
        other.join("\n\n")
    );
    assert!(parsed >= 68, "only {parsed} of {total} parse");
}
