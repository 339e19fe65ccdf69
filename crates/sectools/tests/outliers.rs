//! Isolation Forest: reproducible for a seed, finds planted outliers, respects the
//! contamination, errors on bad input; `remove_common_items`.

#![allow(clippy::unwrap_used)]

mod common;

use common::fixture;

use sectools::outliers::{
    ForestOptions, IsolationForest, MaxSamples, OutlierOptions, identify_outliers,
    remove_common_items,
};
use sectools::polars::prelude::*;

/// Deterministic pseudo-random numbers for the test data.
struct Lcg(u64);

impl Lcg {
    fn unit(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// `n` rows of 7 features around a centre, with `planted` far-away rows at the end.
fn data(n: usize, planted: usize, seed: u64) -> DataFrame {
    let mut rng = Lcg(seed);
    let names = [
        "len",
        "loglen",
        "tokens",
        "pathScore",
        "pathLog",
        "cmdScore",
        "system",
    ];
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); 7];
    for i in 0..n + planted {
        for (j, col) in cols.iter_mut().enumerate() {
            let v = if i < n {
                10.0 * (j + 1) as f64 + rng.normal()
            } else {
                200.0 + 50.0 * rng.unit()
            };
            col.push(if j == 6 { (i % 2) as f64 } else { v });
        }
    }
    DataFrame::new_infer_height(
        names
            .iter()
            .zip(cols)
            .map(|(n, c)| Column::new((*n).into(), c))
            .collect(),
    )
    .unwrap()
}

#[test]
fn same_seed_same_result_other_seed_other_forest() {
    let df = data(2000, 20, 1);
    let a = identify_outliers(&df, &df, &OutlierOptions::default()).unwrap();
    let b = identify_outliers(&df, &df, &OutlierOptions::default()).unwrap();
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.scores, b.scores);
    assert_eq!(a.model.offset(), b.model.offset());
    let c = identify_outliers(
        &df,
        &df,
        &OutlierOptions {
            seed: 7,
            ..OutlierOptions::default()
        },
    )
    .unwrap();
    assert_ne!(a.scores, c.scores);
}

#[test]
fn planted_outliers_are_flagged() {
    let df = data(5000, 25, 3);
    let found = identify_outliers(
        &df,
        &df,
        &OutlierOptions {
            contamination: 0.01,
            ..OutlierOptions::default()
        },
    )
    .unwrap();
    for i in 5000..5025 {
        assert_eq!(found.labels[i], -1, "planted row {i}");
    }
    // The planted rows score lowest.
    let worst_inlier = found.scores[..5000]
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    let best_planted = found.scores[5000..]
        .iter()
        .cloned()
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        best_planted < worst_inlier,
        "{best_planted} vs {worst_inlier}"
    );
    assert_eq!(
        found.outliers.height(),
        found.labels.iter().filter(|&&l| l == -1).count()
    );
    assert_eq!(found.columns.len(), 7);
    let labelled = found.labelled(&df).unwrap();
    assert_eq!(labelled.width(), 9);
}

#[test]
fn contamination_is_respected_on_training_data() {
    let df = data(10_000, 0, 5);
    for c in [0.01, 0.05, 0.1, 0.25] {
        let found = identify_outliers(
            &df,
            &df,
            &OutlierOptions {
                contamination: c,
                ..OutlierOptions::default()
            },
        )
        .unwrap();
        let flagged = found.labels.iter().filter(|&&l| l == -1).count() as f64;
        // Strictly below the c-quantile of the training scores: at most c·n, less only by ties.
        assert!(flagged <= c * 10_000.0 + 1.0, "c={c}: {flagged}");
        assert!(flagged >= c * 10_000.0 * 0.9, "c={c}: {flagged}");
    }
}

#[test]
fn train_and_predict_frames_can_differ() {
    let train = data(3000, 0, 8);
    let predict = data(50, 5, 9);
    let found = identify_outliers(&train, &predict, &OutlierOptions::default()).unwrap();
    assert_eq!(found.labels.len(), 55);
    assert!(found.labels[50..].iter().all(|&l| l == -1));
}

#[test]
fn typed_forest_api() {
    let mut rng = Lcg(4);
    let x: Vec<f64> = (0..3000).map(|_| rng.normal()).collect();
    let f = IsolationForest::fit(&x, 3, &ForestOptions::default()).unwrap();
    assert_eq!(
        (
            f.max_samples(),
            f.max_features(),
            f.n_estimators(),
            f.n_features()
        ),
        (100, 1, 100, 3)
    );
    let scores = f.score_samples(&x).unwrap();
    assert!(scores.iter().all(|s| (-1.0..0.0).contains(s)));
    let p = f.predict(&[50.0, 50.0, 50.0, 0.0, 0.0, 0.0]).unwrap();
    assert_eq!(p, vec![-1, 1]);
    assert!(f.score_samples(&[1.0, 2.0]).is_err());
    // max_samples as rows or a fraction; deep trees (more than 1024 rows) score too.
    for (m, want) in [
        (MaxSamples::Rows(5000), 1000),
        (MaxSamples::Fraction(0.5), 500),
    ] {
        let o = ForestOptions {
            max_samples: Some(m),
            n_estimators: 10,
            ..ForestOptions::default()
        };
        let f = IsolationForest::fit(&x, 3, &o).unwrap();
        assert_eq!(f.max_samples(), want);
        assert_eq!(f.predict(&[50.0, 50.0, 50.0]).unwrap(), vec![-1]);
    }
    let o = ForestOptions {
        max_samples: Some(MaxSamples::Fraction(1.5)),
        ..ForestOptions::default()
    };
    assert!(IsolationForest::fit(&x, 3, &o).is_err());
    let big: Vec<f64> = (0..6000).map(|_| rng.normal()).collect();
    let o = ForestOptions {
        max_samples: Some(MaxSamples::Rows(3000)),
        n_estimators: 5,
        ..ForestOptions::default()
    };
    let f = IsolationForest::fit(&big, 2, &o).unwrap();
    assert_eq!(f.predict(&[40.0, -40.0, 0.0, 0.0]).unwrap(), vec![-1, 1]);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let empty =
        DataFrame::new_infer_height(vec![Column::new("a".into(), Vec::<f64>::new())]).unwrap();
    assert!(identify_outliers(&empty, &empty, &OutlierOptions::default()).is_err());
    let df = df!("a" => [1.0, f64::NAN, 3.0], "s" => ["x", "y", "z"]).unwrap();
    let err = identify_outliers(&df, &df, &OutlierOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("'a'") && err.to_string().contains("row 1"),
        "{err}"
    );
    let text_only = df!("s" => ["x", "y"]).unwrap();
    assert!(identify_outliers(&text_only, &text_only, &OutlierOptions::default()).is_err());
    let cols = OutlierOptions {
        columns: Some(vec!["s".into()]),
        ..OutlierOptions::default()
    };
    assert!(
        identify_outliers(&df, &df, &cols)
            .unwrap_err()
            .to_string()
            .contains("'s'")
    );
    let cols = OutlierOptions {
        columns: Some(vec!["zz".into()]),
        ..OutlierOptions::default()
    };
    assert!(
        identify_outliers(&df, &df, &cols)
            .unwrap_err()
            .to_string()
            .contains("zz")
    );
    let good = df!("a" => [1.0, 2.0, 3.0]).unwrap();
    for c in [0.0, 0.6, f64::NAN] {
        let o = OutlierOptions {
            contamination: c,
            ..OutlierOptions::default()
        };
        assert!(identify_outliers(&good, &good, &o).is_err());
    }
    // One row, constant columns: a forest of leaves, every row an inlier.
    let one = df!("a" => [1.0]).unwrap();
    let found = identify_outliers(&one, &one, &OutlierOptions::default()).unwrap();
    assert_eq!(found.labels, vec![1]);
}

#[test]
fn remove_common_items_drops_frequent_values() {
    let mut host = vec!["web"; 12];
    host.extend(["db", "mail", "db"]);
    let id: Vec<i64> = (0..15).collect();
    let df = df!("host" => host, "id" => id).unwrap();
    let out = remove_common_items(&df, &["host"], 10).unwrap();
    assert_eq!(out.height(), 3);
    let out = remove_common_items(&df, &["host", "id"], 2).unwrap();
    assert_eq!(out.height(), 3, "db appears twice: not more than 2");
    assert!(
        remove_common_items(&df, &["nope"], 10)
            .unwrap_err()
            .to_string()
            .contains("nope")
    );
}

#[test]
fn agrees_with_msticpy_on_a_fixture() {
    // tests/fixtures/analysis/outliers.csv: 1,000 ordinary rows, 10 planted far rows
    // (the last), and the labels msticpy 3.0.2 (scikit-learn) gives at 2%.
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .try_into_reader_with_file_path(Some(fixture("fixtures/analysis/outliers.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let want: Vec<i64> = df
        .column("msticpy_label")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    let options = OutlierOptions {
        columns: Some(["a", "b", "c", "d"].map(String::from).to_vec()),
        contamination: 0.02,
        ..OutlierOptions::default()
    };
    let found = identify_outliers(&df, &df, &options).unwrap();
    assert!(
        found.labels[1000..].iter().all(|&l| l == -1),
        "planted rows flagged"
    );
    let flagged = found.labels.iter().filter(|&&l| l == -1).count();
    let want_flagged = want.iter().filter(|&&l| l == -1).count();
    assert!(
        flagged.abs_diff(want_flagged) <= 2,
        "{flagged} vs msticpy's {want_flagged}"
    );
    let same = found
        .labels
        .iter()
        .zip(&want)
        .filter(|(a, b)| i64::from(**a) == **b)
        .count();
    eprintln!(
        "labels agree with msticpy on {same} of 1010 rows; {flagged} flagged vs {want_flagged}"
    );
    assert!(same >= 1000, "labels agree on {same} of 1010 rows");
}
