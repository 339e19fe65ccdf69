//! IoC extraction: the data-driven corpus in `cases/ioc.toml`, validation and IP
//! classification, the DataFrame API, and msticpy's expectations.

mod common;

use std::collections::BTreeMap;

use sectools::polars::prelude::*;
use sectools::{IocExtractor, IocType};

#[derive(serde::Deserialize)]
struct Cases {
    case: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    input: String,
    #[serde(default)]
    types: Vec<String>,
    expect: BTreeMap<String, Vec<String>>,
}

#[test]
fn ioc_corpus() {
    let cases: Cases =
        toml::from_str(&common::read_fixture("cases/ioc.toml")).expect("ioc.toml parses");
    let mut failures = Vec::new();
    for case in &cases.case {
        let mut extractor = IocExtractor::new();
        if !case.types.is_empty() {
            extractor = extractor
                .with_type_names(&case.types.join(","))
                .expect("known types");
        }
        let got: BTreeMap<String, Vec<String>> = extractor
            .extract(&case.input)
            .into_iter()
            .map(|(t, values)| (t.name().to_string(), values.into_iter().collect()))
            .collect();
        let want: BTreeMap<String, Vec<String>> = case
            .expect
            .iter()
            .map(|(t, v)| {
                let mut v = v.clone();
                v.sort();
                (t.clone(), v)
            })
            .collect();
        if got != want {
            failures.push(format!(
                "{}\n  input: {:?}\n  want: {want:?}\n  got:  {got:?}",
                case.name, case.input
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.case.len(),
        failures.join("\n")
    );
}

#[test]
fn defanged_matches_keep_their_original_text() {
    let input = "go to hxxps://evil[.]example.com/x now";
    let found = IocExtractor::new().find(input);
    let url = found
        .iter()
        .find(|i| i.ioc_type == IocType::Url)
        .expect("url found");
    assert_eq!(url.value, "https://evil.example.com/x");
    assert!(url.defanged);
    assert_eq!(url.matched(input), "hxxps://evil[.]example.com/x");
}

#[test]
fn validate_is_a_whole_match() {
    let cases = [
        ("1.2.3.4", "ipv4", true),
        ("1.2.3.4 ", "ipv4", false),
        ("999.1.1.1", "ipv4", false),
        ("fe80::1", "ipv6", true),
        ("10:22:33", "ipv6", false),
        ("example.com", "dns", true),
        ("example.com", "hostname", true),
        ("domain.like.iandom", "dns", false),
        ("d41d8cd98f00b204e9800998ecf8427e", "md5_hash", true),
        ("d41d8cd98f00b204e9800998ecf8427e", "file_hash", true),
        (
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "file_hash",
            true,
        ),
        (
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "md5_hash",
            false,
        ),
        ("https://example.com/a?b=c", "url", true),
        ("a@example.com", "email", true),
        ("C:\\Windows\\x.exe", "windows_path", true),
        ("/etc/passwd", "linux_path", true),
        ("evil[.]com", "dns", true),
    ];
    for (value, kind, expected) in cases {
        assert_eq!(
            sectools::validate(value, kind).expect("known type"),
            expected,
            "validate({value:?}, {kind})"
        );
    }
    let err = sectools::validate("x", "ipv5").expect_err("unknown type");
    assert!(err.to_string().contains("unknown IoC type 'ipv5'"), "{err}");
    assert!(
        err.to_string().contains("ipv4"),
        "error lists the known names: {err}"
    );
}

#[test]
fn ip_classification() {
    use entities::IpScope;
    let cases = [
        ("8.8.8.8", IpScope::Public),
        ("10.1.2.3", IpScope::Private),
        ("172.16.0.1", IpScope::Private),
        ("192.168.0.1", IpScope::Private),
        ("127.0.0.1", IpScope::Loopback),
        ("169.254.1.1", IpScope::LinkLocal),
        ("224.0.0.1", IpScope::Multicast),
        ("240.0.0.1", IpScope::Reserved),
        ("2001:4860:4860::8888", IpScope::Public),
        ("fe80::1", IpScope::LinkLocal),
        ("fd00::1", IpScope::Private),
        ("::1", IpScope::Loopback),
        ("ff02::1", IpScope::Multicast),
    ];
    for (ip, scope) in cases {
        assert_eq!(
            sectools::classify_ip(ip.parse().expect("ip")),
            scope,
            "{ip}"
        );
    }
}

#[test]
fn custom_patterns_belong_to_one_extractor() {
    let with_ticket = IocExtractor::new()
        .with_pattern("ticket", r"\bINC\d{6}\b")
        .expect("valid pattern");
    let plain = IocExtractor::new();
    let text = "see INC004211 about 10.0.0.1";
    let found = with_ticket.extract(text);
    assert!(found[&IocType::Custom("ticket".into())].contains("INC004211"));
    assert!(
        plain.extract(text).keys().all(|t| t.name() != "ticket"),
        "another extractor is unaffected"
    );
    let err = IocExtractor::new()
        .with_pattern("bad", "(unclosed")
        .expect_err("invalid regex");
    assert!(
        err.to_string().contains("custom IoC pattern 'bad'"),
        "{err}"
    );
    let err = IocExtractor::new()
        .with_pattern("ipv4", "x")
        .expect_err("built-in name");
    assert!(err.to_string().contains("built-in"), "{err}");
}

#[test]
fn dataframe_api_matches_string_api() {
    let lines = [
        Some("GET http://203.0.113.5/x.php from 198.51.100.7"),
        None,
        Some("mail to bob@contoso.com about C:\\Temp\\a.exe"),
    ];
    let df = DataFrame::new_infer_height(vec![Column::new("line".into(), lines.to_vec())])
        .expect("frame");
    let extractor = IocExtractor::new();
    let out = extractor.extract_df(&df, &["line"]).expect("extract_df");
    assert_eq!(
        out.get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>(),
        ["IoCType", "Observable", "SourceIndex", "Input", "Original"]
    );
    // Same defaults for string and DataFrame input (msticpy drops paths from DataFrames).
    let expected: usize = lines
        .iter()
        .flatten()
        .map(|l| extractor.find(l).len())
        .sum();
    assert_eq!(out.height(), expected);
    let types: Vec<&str> = out
        .column("IoCType")
        .expect("col")
        .str()
        .expect("str")
        .iter()
        .flatten()
        .collect();
    assert!(types.contains(&"windows_path"));
    let rows: Vec<u64> = out
        .column("SourceIndex")
        .expect("col")
        .u64()
        .expect("u64")
        .into_no_null_iter()
        .collect();
    assert!(
        rows.contains(&2) && !rows.contains(&1),
        "null row skipped, row numbers kept: {rows:?}"
    );

    let err = extractor
        .extract_df(&df, &["nope"])
        .expect_err("missing column");
    assert!(
        err.to_string()
            .contains("column 'nope' not found; the frame has: line"),
        "{err}"
    );
    let numbers =
        DataFrame::new_infer_height(vec![Column::new("n".into(), [1i64, 2])]).expect("frame");
    let err = extractor
        .extract_df(&numbers, &["n"])
        .expect_err("wrong type");
    assert!(
        err.to_string()
            .contains("column 'n' has type i64; expected String"),
        "{err}"
    );
}

/// A frame of megabytes is read in parts on several threads; its rows must be exactly
/// the string API's indicators, cell by cell in row order, column after column. The
/// frame is two stacked frames (columns of two chunks): the output's views into the
/// input's buffers must find the right chunk's buffer.
#[test]
fn large_frames_read_in_parts_keep_every_row_in_order() {
    let samples = [
        "GET http://203.0.113.5/x.php from 198.51.100.7 ua=curl",
        "mail to bob@contoso.com about C:\\Temp\\a.exe and hxxps://evil[.]example/p",
        "2024-03-01T00:00:05Z 10.0.0.1 -> 2001:db8::1 sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "nothing to see here",
        "SHA256 E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855 at HTTP://Login.Contoso.COM/a",
    ];
    let rows = 60_000;
    let column = |shift: usize| -> Vec<Option<String>> {
        (0..rows)
            .map(|i| (i % 7 != 3).then(|| format!("{i} {}", samples[(i + shift) % samples.len()])))
            .collect()
    };
    let (a, b) = (column(0), column(1));
    let half = |range: std::ops::Range<usize>| {
        DataFrame::new_infer_height(vec![
            Column::new("a".into(), a[range.clone()].to_vec()),
            Column::new("b".into(), b[range].to_vec()),
        ])
        .expect("frame")
    };
    let df = half(0..rows / 3)
        .vstack(&half(rows / 3..rows))
        .expect("stacked");
    assert_eq!(df.column("a").expect("a").n_chunks(), 2);
    let extractor = IocExtractor::new();
    let out = extractor.extract_df(&df, &["a", "b"]).expect("extract_df");

    let mut expected: Vec<(String, String, u64, String, String)> = Vec::new();
    for (name, cells) in [("a", &a), ("b", &b)] {
        for (row, cell) in cells.iter().enumerate() {
            let Some(cell) = cell else { continue };
            for ioc in extractor.find(cell) {
                expected.push((
                    ioc.ioc_type.name().to_string(),
                    ioc.value.clone(),
                    row as u64,
                    name.to_string(),
                    ioc.matched(cell).to_string(),
                ));
            }
        }
    }
    let text = |name: &str| -> Vec<String> {
        let column = out.column(name).expect("column");
        column
            .str()
            .expect("text")
            .iter()
            .map(|v| v.expect("no nulls").to_string())
            .collect()
    };
    let (types, values, inputs, originals) = (
        text("IoCType"),
        text("Observable"),
        text("Input"),
        text("Original"),
    );
    let source: Vec<u64> = out
        .column("SourceIndex")
        .expect("column")
        .u64()
        .expect("u64")
        .into_no_null_iter()
        .collect();
    assert_eq!(out.height(), expected.len());
    for (i, want) in expected.iter().enumerate() {
        let got = (
            types[i].clone(),
            values[i].clone(),
            source[i],
            inputs[i].clone(),
            originals[i].clone(),
        );
        assert_eq!(&got, want, "row {i}");
    }
}

#[test]
fn pathological_inputs_stay_linear() {
    // Long runs of anchor characters must not make extraction quadratic.
    let inputs = [
        ".".repeat(200_000),
        ":".repeat(200_000),
        "a.".repeat(100_000),
        "1.".repeat(100_000),
        "\\".repeat(200_000),
        "/a".repeat(100_000),
        "@a.".repeat(70_000),
        "http://".repeat(30_000),
        "[.]".repeat(70_000),
        "f".repeat(200_000),
        "a:".repeat(100_000),
    ];
    for input in &inputs {
        let start = std::time::Instant::now();
        let _ = IocExtractor::new().find(input);
        let took = start.elapsed();
        assert!(
            took.as_secs_f64() < 2.0,
            "{:?}... took {took:?}",
            &input[..10]
        );
    }
}

/// msticpy's own test expectations (tests/transform/test_ioc_extractor.py) on its golden strings.
#[test]
fn msticpy_golden_counts() {
    let extractor = IocExtractor::new();
    let found = extractor
        .extract("curl 'https://www.virustotal.com/en/ip-address/90.156.201.27/information/'");
    assert_eq!(found[&IocType::Url].len(), 1);
    assert_eq!(found[&IocType::Dns].len(), 1);
    assert_eq!(found[&IocType::Ipv4].len(), 1);
    assert!(extractor.extract("domain.like.iandom").is_empty());
}
