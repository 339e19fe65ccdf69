//! Invalid entity JSON: each case in `cases/errors.json` must fail with a message
//! naming the problem and where it is.

mod common;

use entities::{EntityError, EntitySet};
use serde_json::Value;

#[test]
fn error_cases_name_the_problem() {
    let cases: Value = serde_json::from_str(&common::read_fixture("cases/errors.json")).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 15);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let error = match EntitySet::from_sentinel_json(input) {
            Ok(set) => panic!("{name}: parsed without error: {set:?}"),
            Err(error) => error.to_string(),
        };
        for expected in case["expect"].as_array().unwrap() {
            let expected = expected.as_str().unwrap();
            assert!(
                error.contains(expected),
                "{name}: message `{error}` does not contain `{expected}`"
            );
        }
    }
}

#[test]
fn reference_chains_deeper_than_the_limit_are_refused() {
    // Each process's parent is the next one, referenced forward.
    let chain: Vec<Value> = (0..200)
        .map(|i| {
            serde_json::json!({
                "$id": i.to_string(),
                "ProcessId": i.to_string(),
                "ParentProcess": {"$ref": (i + 1).to_string()},
                "Type": "process",
            })
        })
        .chain([serde_json::json!({"$id": "200", "ProcessId": "200", "Type": "process"})])
        .collect();
    let error = EntitySet::from_sentinel_value(&Value::Array(chain)).unwrap_err();
    assert!(matches!(error, EntityError::TooDeep { .. }), "{error}");
    assert!(error.to_string().contains("levels deep"), "{error}");

    // A chain within the limit reads, writes and reads back.
    let short: Vec<Value> = (0..20)
        .map(|i| {
            serde_json::json!({
                "$id": i.to_string(),
                "ParentProcess": {"$ref": ((i + 1) % 20).to_string()},
                "Type": "process",
            })
        })
        .collect();
    let text = Value::Array(short).to_string();
    let set = common::assert_round_trip("20-process cycle", &text);
    assert_eq!(set.len(), 20);
}

#[test]
fn writing_a_link_to_a_missing_entity_is_an_error() {
    let mut set = EntitySet::new();
    let mut process = entities::Process::default();
    let stray = EntitySet::from_sentinel_json(
        r#"[{"HostName":"a","Type":"host"},{"HostName":"b","Type":"host"}]"#,
    )
    .unwrap()
    .roots()[1];
    process.host = Some(stray);
    set.add(process);
    let error = set.to_sentinel_json().unwrap_err();
    assert_eq!(error, EntityError::UnknownEntityId(1));
    assert_eq!(error.to_string(), "entity #1 is not in this entity set");
}
