//! A kernel interrupt stops the analysis calls with `SectoolsError::Interrupted`.
//! One test in its own binary: the interrupt flag is process-wide, so a parallel test
//! could otherwise consume it.

#![allow(clippy::unwrap_used)]

use sectools::SectoolsError;
use sectools::anomalous_sequence::{Cmd, Model, SessionKind};
use sectools::outliers::{OutlierOptions, identify_outliers};
use sectools::polars::prelude::*;
use sectools::runtime::{clear_interrupt, request_interrupt};
use sectools::timeseries::{StlOptions, stl};

#[test]
fn analysis_calls_stop_on_interrupt() {
    clear_interrupt();
    let df = df!("a" => (0..1000).map(f64::from).collect::<Vec<_>>()).unwrap();
    request_interrupt();
    let err = identify_outliers(&df, &df, &OutlierOptions::default()).unwrap_err();
    assert!(matches!(err, SectoolsError::Interrupted(_)), "{err}");
    assert!(identify_outliers(&df, &df, &OutlierOptions::default()).is_ok());

    let y: Vec<f64> = (0..96).map(f64::from).collect();
    request_interrupt();
    let err = stl(
        &y,
        &StlOptions {
            period: 4,
            ..StlOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, SectoolsError::Interrupted(_)), "{err}");

    request_interrupt();
    let err = Model::train(&[vec![Cmd::new("a")]], SessionKind::CmdsOnly, None).unwrap_err();
    assert!(matches!(err, SectoolsError::Interrupted(_)), "{err}");
}
