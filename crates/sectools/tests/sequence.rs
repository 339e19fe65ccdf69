//! Anomalous sequences: the Markov model's rarest windows and session likelihoods
//! against msticpy 3.0.2's numbers (tests/cases/sequence.json, written by
//! tests/fixtures/analysis/make_analysis_fixtures.py), sessionize against msticpy's
//! sessions, and properties of the scores.

#![allow(clippy::unwrap_used)]

mod common;

use common::fixture;
use sectools::anomalous_sequence::{
    Cmd, Model, ScoreOptions, SessionKind, score_sessions, sessionize_data,
};
use sectools::polars::prelude::*;
use serde_json::Value;

fn cases() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("cases/sequence.json")).unwrap()).unwrap()
}

fn sessions(case: &Value, kind: SessionKind) -> Vec<Vec<Cmd>> {
    case["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s.as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let name = c["name"].as_str().unwrap();
                    let params = c["params"].as_object().unwrap();
                    match kind {
                        SessionKind::CmdsOnly => Cmd::new(name),
                        SessionKind::CmdsParams => Cmd::with_params(name, params.keys()),
                        SessionKind::CmdsParamsValues => Cmd::with_values(
                            name,
                            params
                                .iter()
                                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
                        ),
                    }
                })
                .collect()
        })
        .collect()
}

fn kind_of(name: &str) -> SessionKind {
    match name {
        "cmds_only" => SessionKind::CmdsOnly,
        "cmds_params" => SessionKind::CmdsParams,
        _ => SessionKind::CmdsParamsValues,
    }
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-9 * want.abs().max(f64::MIN_POSITIVE)
}

#[test]
fn rarest_windows_and_likelihoods_equal_msticpy() {
    let case = cases();
    let mut compared = 0;
    for m in case["models"].as_array().unwrap() {
        let kind = kind_of(m["kind"].as_str().unwrap());
        let sessions = sessions(&case, kind);
        let model = Model::train(&sessions, kind, None).unwrap();
        for p in m["modellable"].as_array().unwrap() {
            assert!(model.is_modellable(p.as_str().unwrap()), "{p} modellable");
        }
        for r in m["results"].as_array().unwrap() {
            let n = r["window_len"].as_u64().unwrap() as usize;
            let tokens = r["use_start_end_tokens"].as_bool().unwrap();
            let geo = r["use_geo_mean"].as_bool().unwrap();
            let want_lik = r["likelihoods"].as_array().unwrap();
            let want_win = r["windows"].as_array().unwrap();
            for (i, session) in sessions.iter().enumerate() {
                let got = model.rarest_window(session, n, tokens, geo);
                let label = format!("{:?} n={n} tokens={tokens} geo={geo} session {i}", kind);
                match (got, want_lik[i].as_f64()) {
                    (None, None) => assert!(want_win[i].as_array().unwrap().is_empty(), "{label}"),
                    (Some(w), Some(want)) => {
                        assert!(
                            close(w.likelihood, want),
                            "{label}: {} vs {want}",
                            w.likelihood
                        );
                        let names: Vec<&str> = session[w.start..w.start + w.len]
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect();
                        let want_names: Vec<&str> = want_win[i]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_str().unwrap())
                            .collect();
                        assert_eq!(names, want_names, "{label}");
                        compared += 1;
                    }
                    (got, want) => panic!("{label}: got {got:?}, msticpy {want:?}"),
                }
            }
        }
        for (flag, tokens) in [("true", true), ("false", false)] {
            let want = m["session_likelihoods"][flag].as_array().unwrap();
            for (i, session) in sessions.iter().enumerate() {
                let got = model.session_likelihood(session, tokens);
                assert!(
                    close(got, want[i].as_f64().unwrap()),
                    "{kind:?} session {i} tokens={tokens}"
                );
            }
        }
    }
    assert!(compared > 1000, "compared {compared} windows");
}

fn session_frame(sessions: &[Vec<Cmd>], with_params: bool) -> DataFrame {
    let names: Vec<Series> = sessions
        .iter()
        .map(|s| {
            Series::new(
                "".into(),
                s.iter().map(|c| c.name.clone()).collect::<Vec<_>>(),
            )
        })
        .collect();
    let mut cols = vec![Column::new("session".into(), names)];
    if with_params {
        let params: Vec<Series> = sessions
            .iter()
            .map(|s| {
                let per: Vec<Series> = s
                    .iter()
                    .map(|c| {
                        Series::new(
                            "".into(),
                            c.params
                                .iter()
                                .map(|(k, v)| match v {
                                    Some(v) => format!("{k}={v}"),
                                    None => k.clone(),
                                })
                                .collect::<Vec<_>>(),
                        )
                    })
                    .collect();
                Series::new("".into(), per)
            })
            .collect();
        cols.push(Column::new("params".into(), params));
    }
    DataFrame::new_infer_height(cols).unwrap()
}

#[test]
fn score_sessions_frame_equals_msticpy() {
    let case = cases();
    for (mi, values) in [(0usize, false), (2, true)] {
        let m = &case["models"][mi];
        let kind = kind_of(m["kind"].as_str().unwrap());
        let sessions = sessions(&case, kind);
        let df = session_frame(&sessions, mi == 2);
        let mut options = ScoreOptions::new(3);
        if mi == 2 {
            options.params_column = Some("params".into());
            options.model_values = values;
        }
        let scored = score_sessions(&df, "session", &options).unwrap();
        let r = m["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["window_len"] == 3
                    && r["use_start_end_tokens"] == true
                    && r["use_geo_mean"] == false
            })
            .unwrap();
        let lik = scored
            .column("rarest_window3_likelihood")
            .unwrap()
            .f64()
            .unwrap();
        for (i, want) in r["likelihoods"].as_array().unwrap().iter().enumerate() {
            match (lik.get(i), want.as_f64()) {
                (Some(g), Some(w)) => assert!(close(g, w), "row {i}: {g} vs {w}"),
                (None, None) => {}
                other => panic!("row {i}: {other:?}"),
            }
        }
        assert!(scored.column("rarest_window3").unwrap().list().is_ok());
    }
}

#[test]
fn shuffling_sessions_does_not_change_their_scores() {
    let case = cases();
    for kind in [
        SessionKind::CmdsOnly,
        SessionKind::CmdsParams,
        SessionKind::CmdsParamsValues,
    ] {
        let sessions = sessions(&case, kind);
        let model = Model::train(&sessions, kind, None).unwrap();
        let mut order: Vec<usize> = (0..sessions.len()).collect();
        // A fixed pseudo-random permutation.
        let mut state = 12345u64;
        for i in (1..order.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            order.swap(i, (state >> 33) as usize % (i + 1));
        }
        let shuffled: Vec<Vec<Cmd>> = order.iter().map(|&i| sessions[i].clone()).collect();
        let model2 = Model::train(&shuffled, kind, None).unwrap();
        for (j, &i) in order.iter().enumerate() {
            let a = model.rarest_window(&sessions[i], 2, true, false).unwrap();
            let b = model2.rarest_window(&shuffled[j], 2, true, false).unwrap();
            assert_eq!(a.start, b.start);
            assert!(close(a.likelihood, b.likelihood), "{kind:?} session {i}");
        }
    }
}

#[test]
fn likelihoods_are_probabilities() {
    let case = cases();
    for kind in [
        SessionKind::CmdsOnly,
        SessionKind::CmdsParams,
        SessionKind::CmdsParamsValues,
    ] {
        let sessions = sessions(&case, kind);
        let model = Model::train(&sessions, kind, None).unwrap();
        for session in &sessions {
            for n in 1..4 {
                for geo in [false, true] {
                    if let Some(w) = model.rarest_window(session, n, true, geo) {
                        assert!(
                            w.likelihood > 0.0 && w.likelihood <= 1.0,
                            "{}",
                            w.likelihood
                        );
                    }
                }
            }
        }
        // Unknown commands and parameters score as the unknown token: still in (0, 1].
        let odd = vec![
            Cmd::with_values("Never-Seen", [("Who", "x")]),
            Cmd::new("Get-User"),
        ];
        let w = model.rarest_window(&odd, 2, true, false).unwrap();
        assert!(w.likelihood > 0.0 && w.likelihood <= 1.0);
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(Model::train(&[], SessionKind::CmdsOnly, None).is_err());
    assert!(Model::train(&[vec![]], SessionKind::CmdsOnly, None).is_err());
    let df = df!("session" => ["a", "b"]).unwrap();
    let err = score_sessions(&df, "session", &ScoreOptions::new(2)).unwrap_err();
    assert!(err.to_string().contains("session"), "{err}");
    let err = score_sessions(&df, "nope", &ScoreOptions::new(2)).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    let empty = session_frame(&[], false);
    assert!(score_sessions(&empty, "session", &ScoreOptions::new(2)).is_err());
}

#[test]
fn sessionize_equals_msticpy() {
    let events = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(fixture("fixtures/analysis/events.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("fixtures/analysis/events_sessions.json")).unwrap(),
    )
    .unwrap();
    let got = sessionize_data(
        &events,
        &["UserPrincipalName", "ClientIP"],
        "TimeGenerated",
        60,
        15,
        "Operation",
    )
    .unwrap();
    let want = want.as_array().unwrap();
    assert_eq!(got.height(), want.len());
    let user = got
        .column("UserPrincipalName")
        .unwrap()
        .str()
        .unwrap()
        .clone();
    let ip = got.column("ClientIP").unwrap().str().unwrap().clone();
    let lists = got
        .column("Operation_list")
        .unwrap()
        .list()
        .unwrap()
        .clone();
    let counts = got.column("number_events").unwrap().i64().unwrap().clone();
    let start = got
        .column("TimeGenerated_min")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    let dur = got
        .column("duration")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap();
    for (i, w) in want.iter().enumerate() {
        assert_eq!(user.get(i), w["user"].as_str(), "row {i}");
        assert_eq!(ip.get(i), w["ip"].as_str(), "row {i}");
        let events: Vec<String> = lists
            .get_as_series(i)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect();
        let want_events: Vec<String> = w["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().into())
            .collect();
        assert_eq!(events, want_events, "row {i}");
        assert_eq!(counts.get(i), w["number_events"].as_i64(), "row {i}");
        assert_eq!(
            dur.i64().unwrap().get(i).unwrap() / 1_000_000_000,
            w["duration_s"].as_i64().unwrap()
        );
        let s = chrono::DateTime::parse_from_rfc3339(w["start"].as_str().unwrap()).unwrap();
        assert_eq!(
            start.i64().unwrap().get(i).unwrap(),
            s.timestamp_nanos_opt().unwrap()
        );
    }
    // Scoring the sessions frame directly works (sessionize → score_sessions).
    let scored = score_sessions(&got, "Operation_list", &ScoreOptions::new(2)).unwrap();
    assert_eq!(scored.height(), got.height());
    // No events: no sessions, no panic.
    let none = events.head(Some(0));
    let empty = sessionize_data(
        &none,
        &["UserPrincipalName"],
        "TimeGenerated",
        60,
        15,
        "Operation",
    )
    .unwrap();
    assert_eq!(empty.height(), 0);
    // Missing columns name the column.
    let err =
        sessionize_data(&events, &["Nope"], "TimeGenerated", 60, 15, "Operation").unwrap_err();
    assert!(err.to_string().contains("Nope"), "{err}");
}
