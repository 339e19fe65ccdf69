//! Time-series anomalies: msticpy's golden on time_series.csv (3 anomalies at the
//! default threshold; 7 when its stored scores are re-thresholded at 2), STL components
//! against statsmodels on this crate's own series (tests/fixtures/analysis, written by
//! make_analysis_fixtures.py), anomaly periods and the KQL filter.

#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

mod common;

use chrono::TimeDelta;
use common::{corpus_file, fixture};
use sectools::polars::prelude::*;
use sectools::timeseries::{
    StlOptions, TsAnomalyOptions, create_time_period_kqlfilter, extract_anomaly_periods,
    set_new_anomaly_threshold, stl, ts_anomalies_stl,
};

fn read_csv(path: &std::path::Path) -> DataFrame {
    CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .unwrap()
        .finish()
        .unwrap()
}

fn f64s(df: &DataFrame, name: &str) -> Vec<f64> {
    df.column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

fn i64s(df: &DataFrame, name: &str) -> Vec<i64> {
    df.column(name)
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

fn nonzero(v: &[i64]) -> usize {
    v.iter().filter(|&&a| a != 0).count()
}

fn hourly() -> DataFrame {
    read_csv(&fixture("fixtures/analysis/hourly_series.csv"))
}

#[test]
fn stl_components_equal_statsmodels() {
    let df = hourly();
    let y = f64s(&df, "BytesSent");
    for robust in [false, true] {
        let parts = stl(
            &y,
            &StlOptions {
                period: 24,
                seasonal: 7,
                robust,
                ..StlOptions::default()
            },
        )
        .unwrap();
        let tag = if robust { "robust_" } else { "" };
        for (name, got) in [
            ("trend", &parts.trend),
            ("seasonal", &parts.seasonal),
            ("resid", &parts.resid),
            ("weights", &parts.weights),
        ] {
            let want = f64s(&df, &format!("{tag}{name}"));
            for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                // Components are of order 1e3; agree to rounding.
                assert!(
                    (g - w).abs() <= 1e-6 * (1.0 + w.abs()),
                    "{tag}{name}[{i}]: {g} vs {w}"
                );
            }
        }
    }
}

#[test]
fn stl_parts_sum_to_the_input() {
    // Property: trend + seasonal + resid == observed, for varied series and settings.
    let mut state = 99u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    for (period, len, seasonal, robust, jump) in [
        (4, 30, 7, false, 1),
        (7, 100, 9, true, 1),
        (24, 240, 7, false, 3),
        (12, 25, 13, true, 2),
    ] {
        let y: Vec<f64> = (0..len)
            .map(|i| (i as f64 * 0.3).sin() * 10.0 + next() * 5.0)
            .collect();
        let options = StlOptions {
            period,
            seasonal,
            robust,
            seasonal_jump: jump,
            trend_jump: jump,
            low_pass_jump: jump,
            ..StlOptions::default()
        };
        let parts = stl(&y, &options).unwrap();
        for i in 0..len {
            let sum = parts.trend[i] + parts.seasonal[i] + parts.resid[i];
            assert!((sum - y[i]).abs() < 1e-9, "period {period} at {i}");
            assert!(parts.trend[i].is_finite() && parts.seasonal[i].is_finite());
        }
    }
}

#[test]
fn own_series_scores_and_flags_equal_msticpy() {
    let df = hourly();
    let out = ts_anomalies_stl(&df, &TsAnomalyOptions::new("TimeGenerated", "BytesSent")).unwrap();
    let names: Vec<&str> = out.get_column_names().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "TimeGenerated",
            "BytesSent",
            "residual",
            "trend",
            "seasonal",
            "weights",
            "baseline",
            "score",
            "anomalies"
        ]
    );
    let (got, want) = (f64s(&out, "score"), f64s(&df, "score"));
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-9 * (1.0 + w.abs()),
            "score[{i}]: {g} vs {w}"
        );
    }
    let flags = i64s(&out, "anomalies");
    assert_eq!(flags, i64s(&df, "anomalies"));
    assert!(nonzero(&flags) >= 2, "the planted spikes are found");
    let rethresholded = set_new_anomaly_threshold(&out, 2.0, Some(1.0), "anomalies").unwrap();
    assert_eq!(
        i64s(&rethresholded, "anomalies"),
        i64s(&df, "anomalies_2_1")
    );

    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("fixtures/analysis/hourly_series.json")).unwrap(),
    )
    .unwrap();
    let periods = extract_anomaly_periods(
        &out,
        "TimeGenerated",
        TimeDelta::hours(1),
        true,
        "anomalies",
    )
    .unwrap();
    assert_eq!(
        create_time_period_kqlfilter(&periods),
        meta["kql"].as_str().unwrap()
    );
    let both = extract_anomaly_periods(
        &rethresholded,
        "TimeGenerated",
        TimeDelta::hours(1),
        false,
        "anomalies",
    )
    .unwrap();
    assert_eq!(
        create_time_period_kqlfilter(&both),
        meta["kql_both_2_1"].as_str().unwrap()
    );
}

#[test]
fn msticpy_golden_time_series_csv() {
    let Some(path) = corpus_file("msticpy-testdata/time_series.csv") else {
        return;
    };
    let df = read_csv(&path);
    // The file starts with a byte-order mark; polars may keep it in the first name.
    let time = df.get_column_names()[0].to_string();
    let out = ts_anomalies_stl(&df, &TsAnomalyOptions::new(&time, "TotalBytesSent")).unwrap();
    let flags = i64s(&out, "anomalies");
    assert_eq!(nonzero(&flags), 3, "msticpy's test_ts_anomalies_stl");
    let mut out = out;
    out.rename(&time, "TimeGenerated".into()).unwrap();
    let periods = extract_anomaly_periods(
        &out,
        "TimeGenerated",
        TimeDelta::hours(1),
        true,
        "anomalies",
    )
    .unwrap();
    assert_eq!(periods.len(), 3, "msticpy's test_anomaly_periods");
    let kql = create_time_period_kqlfilter(&periods);
    // msticpy's test_kql_criteria, and the whole string msticpy 3.0.2 gives.
    assert_eq!(
        kql,
        "| where TimeGenerated between (datetime(2019-05-13 16:00:00+00:00) .. datetime(2019-05-13 18:00:00+00:00)) \
         or TimeGenerated between (datetime(2019-05-17 20:00:00+00:00) .. datetime(2019-05-17 22:00:00+00:00)) \
         or TimeGenerated between (datetime(2019-05-26 04:00:00+00:00) .. datetime(2019-05-26 06:00:00+00:00))"
    );
    // Scores msticpy 3.0.2 computes at the three anomalies.
    let scores = f64s(&out, "score");
    let hits: Vec<f64> = flags
        .iter()
        .zip(&scores)
        .filter(|(f, _)| **f != 0)
        .map(|(_, s)| *s)
        .collect();
    for (g, w) in hits.iter().zip([3.153751, 3.569475, 4.262376]) {
        assert!((g - w).abs() < 1e-6, "{g} vs {w}");
    }
    // msticpy 3.0.2 re-thresholding its own recomputed scores at 2: 69 (33 up, 36 down).
    let again = set_new_anomaly_threshold(&out, 2.0, None, "anomalies").unwrap();
    let flags2 = i64s(&again, "anomalies");
    assert_eq!(nonzero(&flags2), 69);
    assert_eq!(flags2.iter().filter(|&&f| f == 1).count(), 33);
    // msticpy's test_new_threshold re-thresholds the file's own stored scores.
    let stored = set_new_anomaly_threshold(&df, 2.0, None, "anomalies").unwrap();
    let flags = i64s(&stored, "anomalies");
    assert_eq!(nonzero(&flags), 7);
    assert_eq!(flags.iter().filter(|&&f| f == 1).count(), 3);
    assert_eq!(flags.iter().filter(|&&f| f == -1).count(), 4);
    let stored = set_new_anomaly_threshold(&df, 2.0, Some(1.0), "anomalies").unwrap();
    assert_eq!(nonzero(&i64s(&stored, "anomalies")), 12);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let df = df!("t" => ["2024-01-01T00:00:00Z"; 3], "v" => [1.0, f64::NAN, 2.0]).unwrap();
    let err = ts_anomalies_stl(&df, &TsAnomalyOptions::new("t", "v")).unwrap_err();
    assert!(
        err.to_string().contains("'v'") || err.to_string().contains("two full periods"),
        "{err}"
    );
    let df = df!("v" => (0..100).map(f64::from).collect::<Vec<_>>()).unwrap();
    let mut o = TsAnomalyOptions {
        data_column: Some("missing".into()),
        ..TsAnomalyOptions::default()
    };
    assert!(
        ts_anomalies_stl(&df, &o)
            .unwrap_err()
            .to_string()
            .contains("missing")
    );
    o.data_column = None;
    o.seasonal = 8;
    assert!(
        ts_anomalies_stl(&df, &o)
            .unwrap_err()
            .to_string()
            .contains("seasonal")
    );
    assert!(stl(&[], &StlOptions::default()).is_err());
    assert!(
        stl(
            &[1.0; 100],
            &StlOptions {
                period: 1,
                ..StlOptions::default()
            }
        )
        .is_err()
    );
    let mut y = vec![1.0; 100];
    y[3] = f64::INFINITY;
    assert!(
        stl(
            &y,
            &StlOptions {
                period: 4,
                ..StlOptions::default()
            }
        )
        .is_err()
    );
    // A constant series: no anomalies (scores are NaN, as scipy's are).
    let df = df!("v" => vec![5.0; 96]).unwrap();
    let out = ts_anomalies_stl(&df, &TsAnomalyOptions::default()).unwrap();
    assert_eq!(nonzero(&i64s(&out, "anomalies")), 0);
    assert!(create_time_period_kqlfilter(&[]).starts_with("| where"));
}

#[test]
fn unsorted_input_gives_the_sorted_result() {
    let df = hourly().select(["TimeGenerated", "BytesSent"]).unwrap();
    let options = TsAnomalyOptions::new("TimeGenerated", "BytesSent");
    let sorted = ts_anomalies_stl(&df, &options).unwrap();
    let reversed = ts_anomalies_stl(&df.reverse(), &options).unwrap();
    assert!(sorted.equals(&reversed));
}
