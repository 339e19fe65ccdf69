//! STL: seasonal-trend decomposition by loess (Cleveland, Cleveland, McRae and
//! Terpenning, 1990), the algorithm of the netlib `stl` routines that statsmodels'
//! `STL` also follows, so the components agree with msticpy's to rounding.
//!
//! Positions inside the loess windows are 1-based, as in the paper's description,
//! because the end-point extrapolation evaluates the fit at positions 0 and k+1.

// Index loops mirror the algorithm's description (several arrays, shifted windows).
#![allow(clippy::needless_range_loop)]

use crate::SectoolsError;

/// STL settings (statsmodels' `STL` arguments; defaults as msticpy uses them).
#[derive(Debug, Clone, PartialEq)]
pub struct StlOptions {
    /// Length of the seasonal cycle in observations (msticpy's `period`, 24 for
    /// hourly data with a daily cycle). At least 2.
    pub period: usize,
    /// Seasonal smoother span, odd and at least 3 (msticpy's `seasonal`, default 7).
    pub seasonal: usize,
    /// Trend smoother span (odd, > period); `None`: the smallest odd integer at least
    /// `1.5 * period / (1 - 1.5 / seasonal)`.
    pub trend: Option<usize>,
    /// Low-pass filter span (odd, > period); `None`: the smallest odd integer > period.
    pub low_pass: Option<usize>,
    /// Loess degree of the seasonal smoother (0 or 1).
    pub seasonal_deg: usize,
    /// Loess degree of the trend smoother (0 or 1).
    pub trend_deg: usize,
    /// Loess degree of the low-pass smoother (0 or 1).
    pub low_pass_deg: usize,
    /// Evaluate the seasonal smoother every this many points and interpolate.
    pub seasonal_jump: usize,
    /// Evaluate the trend smoother every this many points and interpolate.
    pub trend_jump: usize,
    /// Evaluate the low-pass smoother every this many points and interpolate.
    pub low_pass_jump: usize,
    /// Down-weight outliers with robustness iterations.
    pub robust: bool,
    /// Inner-loop passes; `None`: 2 when robust, else 5.
    pub inner_iter: Option<usize>,
    /// Robustness passes; `None`: 15 when robust, else 0.
    pub outer_iter: Option<usize>,
}

impl Default for StlOptions {
    fn default() -> Self {
        StlOptions {
            period: 24,
            seasonal: 7,
            trend: None,
            low_pass: None,
            seasonal_deg: 1,
            trend_deg: 1,
            low_pass_deg: 1,
            seasonal_jump: 1,
            trend_jump: 1,
            low_pass_jump: 1,
            robust: false,
            inner_iter: None,
            outer_iter: None,
        }
    }
}

/// The components of a series: `observed == trend + seasonal + resid` at every point.
#[derive(Debug, Clone, PartialEq)]
pub struct Stl {
    /// The seasonal component.
    pub seasonal: Vec<f64>,
    /// The trend component.
    pub trend: Vec<f64>,
    /// What is left: observed − trend − seasonal.
    pub resid: Vec<f64>,
    /// Robustness weights (all 1 unless robust).
    pub weights: Vec<f64>,
}

struct Spans {
    np: usize,
    ns: usize,
    nt: usize,
    nl: usize,
}

fn invalid(msg: String) -> SectoolsError {
    SectoolsError::InvalidInput(msg)
}

fn odd_at_least_3(name: &str, v: usize) -> Result<(), SectoolsError> {
    if v < 3 || v.is_multiple_of(2) {
        return Err(invalid(format!(
            "STL {name} must be an odd integer >= 3, not {v}"
        )));
    }
    Ok(())
}

/// Decomposes `y` into trend, seasonal and remainder. Every value must be finite.
///
/// ```
/// use sectools::timeseries::{stl, StlOptions};
///
/// let y: Vec<f64> = (0..96).map(|i| 10.0 + 0.1 * i as f64 + [0.0, 3.0, 0.0, -3.0][i % 4]).collect();
/// let parts = stl(&y, &StlOptions { period: 4, ..StlOptions::default() }).unwrap();
/// for i in 0..y.len() {
///     assert!((parts.trend[i] + parts.seasonal[i] + parts.resid[i] - y[i]).abs() < 1e-9);
/// }
/// ```
pub fn stl(y: &[f64], options: &StlOptions) -> Result<Stl, SectoolsError> {
    let n = y.len();
    let np = options.period;
    if np < 2 {
        return Err(invalid(format!("STL period must be >= 2, not {np}")));
    }
    if n < 2 * np {
        return Err(invalid(format!(
            "STL needs at least two full periods ({} values) but the series has {n}",
            2 * np
        )));
    }
    if let Some(at) = y.iter().position(|v| !v.is_finite()) {
        return Err(invalid(format!(
            "STL input has a missing or non-finite value at position {at}"
        )));
    }
    let ns = options.seasonal;
    odd_at_least_3("seasonal", ns)?;
    let nt = match options.trend {
        Some(t) => t,
        None => {
            let t = (1.5 * np as f64 / (1.0 - 1.5 / ns as f64)).ceil() as usize;
            t + usize::from(t.is_multiple_of(2))
        }
    };
    odd_at_least_3("trend", nt)?;
    let nl = options
        .low_pass
        .unwrap_or(np + 1 + usize::from(!np.is_multiple_of(2)));
    odd_at_least_3("low_pass", nl)?;
    if nt <= np || nl <= np {
        return Err(invalid(format!(
            "STL trend ({nt}) and low_pass ({nl}) must be greater than period ({np})"
        )));
    }
    for (name, d) in [
        ("seasonal_deg", options.seasonal_deg),
        ("trend_deg", options.trend_deg),
        ("low_pass_deg", options.low_pass_deg),
    ] {
        if d > 1 {
            return Err(invalid(format!("STL {name} must be 0 or 1, not {d}")));
        }
    }
    if options.seasonal_jump == 0 || options.trend_jump == 0 || options.low_pass_jump == 0 {
        return Err(invalid("STL jumps must be at least 1".into()));
    }
    let inner = options
        .inner_iter
        .unwrap_or(if options.robust { 2 } else { 5 });
    let outer = options
        .outer_iter
        .unwrap_or(if options.robust { 15 } else { 0 });
    let spans = Spans { np, ns, nt, nl };
    let mut state = State::new(n, np);
    let mut use_rw = false;
    let mut pass = 0;
    loop {
        crate::check_interrupt()?;
        state.inner_loop(y, options, &spans, inner, use_rw);
        pass += 1;
        if pass > outer {
            break;
        }
        let fit: Vec<f64> = (0..n).map(|i| state.trend[i] + state.season[i]).collect();
        robustness_weights(y, &fit, &mut state.rw);
        use_rw = true;
    }
    let resid = (0..n)
        .map(|i| y[i] - state.season[i] - state.trend[i])
        .collect();
    Ok(Stl {
        seasonal: state.season,
        trend: state.trend,
        resid,
        weights: state.rw,
    })
}

/// Buffers of one decomposition (sized n + 2·period: the cycle-subseries smoother
/// extends every subseries by one value at each end).
struct State {
    trend: Vec<f64>,
    season: Vec<f64>,
    rw: Vec<f64>,
    detrended: Vec<f64>,
    cycle: Vec<f64>,
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    d: Vec<f64>,
    weights: Vec<f64>,
}

impl State {
    fn new(n: usize, np: usize) -> Self {
        let len = n + 2 * np;
        State {
            trend: vec![0.0; n],
            season: vec![0.0; n],
            rw: vec![1.0; n],
            detrended: vec![0.0; len],
            cycle: vec![0.0; len],
            a: vec![0.0; len],
            b: vec![0.0; len],
            c: vec![0.0; len],
            d: vec![0.0; len],
            weights: vec![0.0; len],
        }
    }

    fn inner_loop(&mut self, y: &[f64], o: &StlOptions, s: &Spans, passes: usize, use_rw: bool) {
        let n = y.len();
        let np = s.np;
        for _ in 0..passes {
            for i in 0..n {
                self.detrended[i] = y[i] - self.trend[i];
            }
            self.cycle_subseries(n, s, o, use_rw);
            // Low-pass filter of the smoothed cycle: moving averages of np, np, 3,
            // then loess.
            moving_average(&self.cycle, n + 2 * np, np, &mut self.a);
            moving_average(&self.a, n + np + 1, np, &mut self.b);
            moving_average(&self.b, n + 2, 3, &mut self.a);
            ess(
                &self.a,
                n,
                s.nl,
                o.low_pass_deg,
                o.low_pass_jump,
                None,
                &mut self.c,
                &mut self.weights,
            );
            for i in 0..n {
                self.season[i] = self.cycle[np + i] - self.c[i];
                self.detrended[i] = y[i] - self.season[i];
            }
            let rw = use_rw.then_some(&self.rw[..]);
            ess(
                &self.detrended,
                n,
                s.nt,
                o.trend_deg,
                o.trend_jump,
                rw,
                &mut self.trend,
                &mut self.weights,
            );
        }
    }

    /// Smooths each cycle-subseries (every np-th value) and extends it one step at
    /// each end; the result, interleaved back, is `cycle` (length n + 2np).
    fn cycle_subseries(&mut self, n: usize, s: &Spans, o: &StlOptions, use_rw: bool) {
        let np = s.np;
        for j in 0..np {
            let k = (n - (j + 1)) / np + 1;
            for i in 0..k {
                self.a[i] = self.detrended[i * np + j];
                if use_rw {
                    self.d[i] = self.rw[i * np + j];
                }
            }
            let rw = use_rw.then_some(&self.d[..k]);
            ess(
                &self.a[..k],
                k,
                s.ns,
                o.seasonal_deg,
                o.seasonal_jump,
                rw,
                &mut self.b[1..],
                &mut self.weights,
            );
            let nright = s.ns.min(k);
            let first = est(
                &self.a,
                k,
                s.ns,
                o.seasonal_deg,
                0,
                1,
                nright,
                &mut self.weights,
                rw,
            );
            self.b[0] = if first.is_nan() { self.b[1] } else { first };
            let nleft = if k + 1 > s.ns { k + 1 - s.ns } else { 1 };
            let last = est(
                &self.a,
                k,
                s.ns,
                o.seasonal_deg,
                k as i64 + 1,
                nleft,
                k,
                &mut self.weights,
                rw,
            );
            self.b[k + 1] = if last.is_nan() { self.b[k] } else { last };
            for m in 0..k + 2 {
                self.cycle[m * np + j] = self.b[m];
            }
        }
    }
}

/// Moving average of window `len` over the first `n` values of `x`.
fn moving_average(x: &[f64], n: usize, len: usize, out: &mut [f64]) {
    let count = n + 1 - len;
    let flen = len as f64;
    let mut v: f64 = x[..len].iter().sum();
    out[0] = v / flen;
    for j in 1..count {
        v += x[len + j - 1] - x[j - 1];
        out[j] = v / flen;
    }
}

/// Loess fit at position `xs` (1-based) from the points `nleft..=nright` (1-based)
/// with tricube weights; NaN when every weight is zero.
#[allow(clippy::too_many_arguments)]
fn est(
    y: &[f64],
    n: usize,
    len: usize,
    deg: usize,
    xs: i64,
    nleft: usize,
    nright: usize,
    w: &mut [f64],
    rw: Option<&[f64]>,
) -> f64 {
    let range = n as f64 - 1.0;
    let mut h = (xs - nleft as i64).max(nright as i64 - xs) as f64;
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let (h9, h1) = (0.999 * h, 0.001 * h);
    let mut total = 0.0;
    for j in nleft - 1..nright {
        w[j] = 0.0;
        let r = (j as f64 + 1.0 - xs as f64).abs();
        if r <= h9 {
            w[j] = if r <= h1 {
                1.0
            } else {
                (1.0 - (r / h).powi(3)).powi(3)
            };
            if let Some(rw) = rw {
                w[j] *= rw[j];
            }
            total += w[j];
        }
    }
    if total <= 0.0 {
        return f64::NAN;
    }
    for wj in &mut w[nleft - 1..nright] {
        *wj /= total;
    }
    if h > 0.0 && deg > 0 {
        // Local linear fit: tilt the weights by the weighted slope.
        let mean: f64 = (nleft - 1..nright).map(|j| w[j] * (j as f64 + 1.0)).sum();
        let mut b = xs as f64 - mean;
        let c: f64 = (nleft - 1..nright)
            .map(|j| w[j] * (j as f64 + 1.0 - mean).powi(2))
            .sum();
        if c.sqrt() > 0.001 * range {
            b /= c;
            for j in nleft - 1..nright {
                w[j] *= b * (j as f64 + 1.0 - mean) + 1.0;
            }
        }
    }
    (nleft - 1..nright).map(|j| w[j] * y[j]).sum()
}

/// Loess smoothing of `y[..n]` with span `len`, evaluated every `jump` points and
/// linearly interpolated between, into `ys[..n]`.
#[allow(clippy::too_many_arguments)]
fn ess(
    y: &[f64],
    n: usize,
    len: usize,
    deg: usize,
    jump: usize,
    rw: Option<&[f64]>,
    ys: &mut [f64],
    w: &mut [f64],
) {
    if n < 2 {
        ys[0] = y[0];
        return;
    }
    let jump = jump.min(n - 1);
    let mut fit = |i: usize, nleft: usize, nright: usize, ys: &mut [f64]| {
        let v = est(y, n, len, deg, i as i64 + 1, nleft, nright, w, rw);
        ys[i] = if v.is_nan() { y[i] } else { v };
    };
    let (mut nleft, mut nright) = (1, n);
    if len >= n {
        for i in (0..n).step_by(jump) {
            fit(i, 1, n, ys);
        }
    } else if jump == 1 {
        let half = (len + 2) / 2;
        nright = len;
        for i in 0..n {
            if i + 1 > half && nright != n {
                nleft += 1;
                nright += 1;
            }
            fit(i, nleft, nright, ys);
        }
    } else {
        let half = len.div_ceil(2);
        for i in (0..n).step_by(jump) {
            if i + 1 < half {
                (nleft, nright) = (1, len);
            } else if i + 1 > n - half {
                (nleft, nright) = (n - len + 1, n);
            } else {
                (nleft, nright) = (i + 2 - half, len + i + 1 - half);
            }
            fit(i, nleft, nright, ys);
        }
    }
    if jump == 1 {
        return;
    }
    let mut i = 0;
    while i < n - jump {
        let delta = (ys[i + jump] - ys[i]) / jump as f64;
        for j in i..i + jump {
            ys[j] = ys[i] + delta * (j - i) as f64;
        }
        i += jump;
    }
    let k = ((n - 1) / jump) * jump + 1;
    if k != n {
        fit(n - 1, nleft, nright, ys);
        if k != n - 1 {
            let delta = (ys[n - 1] - ys[k - 1]) / (n - k) as f64;
            for j in k..n {
                ys[j] = ys[k - 1] + delta * (j + 1 - k) as f64;
            }
        }
    }
}

/// Bisquare weights from the residuals, scaled by six times their median.
fn robustness_weights(y: &[f64], fit: &[f64], rw: &mut [f64]) {
    let n = y.len();
    for i in 0..n {
        rw[i] = (y[i] - fit[i]).abs();
    }
    let mut sorted = rw.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (m0, m1) = (n / 2, n - n / 2 - 1);
    let cmad = 3.0 * (sorted[m0] + sorted[m1]);
    if cmad == 0.0 {
        rw.iter_mut().for_each(|w| *w = 1.0);
        return;
    }
    let (c9, c1) = (0.999 * cmad, 0.001 * cmad);
    for w in rw.iter_mut() {
        *w = if *w <= c1 {
            1.0
        } else if *w <= c9 {
            (1.0 - (*w / cmad).powi(2)).powi(2)
        } else {
            0.0
        };
    }
}
