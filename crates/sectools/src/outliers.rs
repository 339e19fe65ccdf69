//! Outlier detection with an Isolation Forest (Liu, Ting and Zhou, 2008), as msticpy's
//! `identify_outliers` does with scikit-learn's `IsolationForest`.
//!
//! Each tree isolates a random subsample (`max_samples` rows, msticpy's default
//! min(100, rows)) on a random subset of the features (msticpy's default ⌊√columns⌋)
//! by random splits, to depth ⌈log2 max_samples⌉. Points that are isolated in few
//! splits are unusual. Scores, offset and labels follow scikit-learn's definitions:
//! `score = −2^(−mean path length / c(max_samples))`, the offset is the
//! `contamination` quantile of the training scores, and a row is an outlier (−1) when
//! its score is below the offset. The random generator is this crate's own (seeded,
//! the same on every platform): one seed and input always give the same forest, but
//! not scikit-learn's forest, so rows near the threshold may be labelled differently
//! from msticpy (on the test fixture, 1002 of 1010 labels agree).
//!
//! ```
//! use sectools::polars::prelude::*;
//! use sectools::outliers::{identify_outliers, OutlierOptions};
//!
//! let mut x: Vec<f64> = (0..200).map(|i| (i % 10) as f64).collect();
//! let mut y: Vec<f64> = (0..200).map(|i| (i % 7) as f64).collect();
//! x[17] = 500.0;
//! y[17] = -300.0;
//! let df = df!("x" => x, "y" => y).unwrap();
//! let found = identify_outliers(&df, &df, &OutlierOptions { contamination: 0.01, ..OutlierOptions::default() }).unwrap();
//! assert_eq!(found.labels[17], -1);
//! assert!(found.outliers.height() <= 2);
//! ```

use polars::prelude::*;
use rustc_hash::FxHashMap;

use crate::SectoolsError;

/// Rows each tree is grown on (msticpy's `max_samples`: an int or a fraction).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaxSamples {
    /// This many rows (all of them if there are fewer).
    Rows(usize),
    /// This fraction of the rows, in (0, 1].
    Fraction(f64),
}

/// How a forest is grown (scikit-learn's `IsolationForest` arguments, msticpy's
/// defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct ForestOptions {
    /// Number of trees (100).
    pub n_estimators: usize,
    /// Rows drawn for each tree; `None`: min(100, rows) as msticpy does.
    pub max_samples: Option<MaxSamples>,
    /// Features each tree may split on; `None`: ⌊√features⌋ (at least 1), msticpy's default.
    pub max_features: Option<usize>,
    /// Expected fraction of outliers in the training data, in (0, 0.5].
    pub contamination: f64,
    /// Seed of the random generator: the same seed and input give the same forest.
    pub seed: u64,
}

impl Default for ForestOptions {
    fn default() -> Self {
        ForestOptions {
            n_estimators: 100,
            max_samples: None,
            max_features: None,
            contamination: 0.05,
            seed: 42,
        }
    }
}

const LEAF: u32 = u32::MAX;

/// A tree node: a split (`feature`, `value` the threshold; left holds `x <= value`)
/// or a leaf (`feature == LEAF`, `value` the path length credited to the leaf).
#[derive(Debug, Clone, Copy)]
struct Node {
    feature: u32,
    left: u32,
    right: u32,
    value: f64,
}

/// A tree laid out as a complete binary tree of depth `depth` (children of `i` at
/// `2i+1`, `2i+2`): scoring is then `depth` branch-free steps per row. A leaf above
/// the last level continues as splits that always go left (threshold +∞) to a copy
/// of its value.
#[derive(Debug, Clone)]
struct FlatTree {
    feature: Vec<u32>,
    threshold: Vec<f64>,
    leaf: Vec<f64>,
}

/// Deepest tree stored flat (2^10 leaves); deeper ones (max_samples > 1024) are walked.
const MAX_FLAT_DEPTH: usize = 10;

impl FlatTree {
    fn new(nodes: &[Node], depth: usize) -> FlatTree {
        let inner = (1usize << depth) - 1;
        let mut flat = FlatTree {
            feature: vec![0; inner],
            threshold: vec![f64::INFINITY; inner],
            leaf: vec![0.0; inner + 1],
        };
        flat.fill(nodes, 0, 0, 0, depth);
        flat
    }

    fn fill(&mut self, nodes: &[Node], node: usize, pos: usize, level: usize, depth: usize) {
        let n = nodes[node];
        if level == depth {
            self.leaf[pos - self.feature.len()] = n.value;
        } else if n.feature == LEAF {
            self.fill(nodes, node, 2 * pos + 1, level + 1, depth);
            self.fill(nodes, node, 2 * pos + 2, level + 1, depth);
        } else {
            self.feature[pos] = n.feature;
            self.threshold[pos] = n.value;
            self.fill(nodes, n.left as usize, 2 * pos + 1, level + 1, depth);
            self.fill(nodes, n.right as usize, 2 * pos + 2, level + 1, depth);
        }
    }
}

/// A fitted Isolation Forest.
#[derive(Debug, Clone)]
pub struct IsolationForest {
    trees: Vec<Vec<Node>>,
    flat: Vec<FlatTree>,
    depth: usize,
    n_features: usize,
    max_samples: usize,
    max_features: usize,
    offset: f64,
}

/// Average path length of an unsuccessful search in a binary search tree of `n`
/// points: what a leaf holding `n` points adds to the path.
fn average_path_length(n: usize) -> f64 {
    match n {
        0 | 1 => 0.0,
        2 => 1.0,
        _ => {
            let n = n as f64;
            2.0 * ((n - 1.0).ln() + 0.577_215_664_901_532_9) - 2.0 * (n - 1.0) / n
        }
    }
}

/// xoshiro256** seeded through splitmix64: small, fast and the same on every platform.
#[derive(Debug, Clone)]
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Rng([next(), next(), next(), next()])
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in 0..n (n > 0), without modulo bias worth speaking of (n ≪ 2^64).
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

fn check_matrix(x: &[f64], n_features: usize, what: &str) -> Result<usize, SectoolsError> {
    if n_features == 0 {
        return Err(SectoolsError::InvalidInput(format!(
            "{what} needs at least one feature"
        )));
    }
    if !x.len().is_multiple_of(n_features) {
        return Err(SectoolsError::InvalidInput(format!(
            "{what}: {} values do not make rows of {n_features} features",
            x.len()
        )));
    }
    if let Some(at) = x.iter().position(|v| !v.is_finite()) {
        return Err(SectoolsError::InvalidInput(format!(
            "{what}: row {} feature {} is not a finite number",
            at / n_features,
            at % n_features
        )));
    }
    Ok(x.len() / n_features)
}

/// Grows one tree over `rows` (indices into `x`) on the `features` allowed.
struct Grower<'a> {
    x: &'a [f64],
    d: usize,
    max_depth: usize,
    features: Vec<usize>,
    nodes: Vec<Node>,
}

impl Grower<'_> {
    fn grow(&mut self, rows: &mut [usize], depth: usize, rng: &mut Rng) -> u32 {
        let at = self.nodes.len() as u32;
        self.nodes.push(Node {
            feature: LEAF,
            left: 0,
            right: 0,
            value: depth as f64 + average_path_length(rows.len()),
        });
        if depth >= self.max_depth || rows.len() < 2 {
            return at;
        }
        // Draw features in random order until one is not constant in this node
        // (scikit-learn's random splitter does the same); all constant: a leaf.
        let mut order = std::mem::take(&mut self.features);
        let mut split = None;
        for drawn in 0..order.len() {
            let pick = drawn + rng.below(order.len() - drawn);
            order.swap(drawn, pick);
            let f = order[drawn];
            let (lo, hi) = rows
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &r| {
                    let v = self.x[r * self.d + f];
                    (lo.min(v), hi.max(v))
                });
            if hi - lo > 1e-7 {
                let mut threshold = lo + rng.unit() * (hi - lo);
                if threshold >= hi {
                    threshold = lo;
                }
                split = Some((f, threshold));
                break;
            }
        }
        self.features = order;
        let Some((f, threshold)) = split else {
            return at;
        };
        let mut left_len = 0;
        for i in 0..rows.len() {
            if self.x[rows[i] * self.d + f] <= threshold {
                rows.swap(i, left_len);
                left_len += 1;
            }
        }
        let (left_rows, right_rows) = rows.split_at_mut(left_len);
        let left = self.grow(left_rows, depth + 1, rng);
        let right = self.grow(right_rows, depth + 1, rng);
        self.nodes[at as usize] = Node {
            feature: f as u32,
            left,
            right,
            value: threshold,
        };
        at
    }
}

impl IsolationForest {
    /// Fits a forest to `x`, row-major with `n_features` values per row, and sets
    /// the offset from the training scores and `contamination`.
    pub fn fit(
        x: &[f64],
        n_features: usize,
        options: &ForestOptions,
    ) -> Result<IsolationForest, SectoolsError> {
        Ok(Self::fit_scored(x, n_features, options)?.0)
    }

    /// [`fit`](Self::fit), also returning the training rows' scores (computed anyway
    /// for the offset).
    fn fit_scored(
        x: &[f64],
        n_features: usize,
        options: &ForestOptions,
    ) -> Result<(IsolationForest, Vec<f64>), SectoolsError> {
        let rows = check_matrix(x, n_features, "Isolation Forest training data")?;
        if rows == 0 {
            return Err(SectoolsError::InvalidInput(
                "Isolation Forest training data has no rows".into(),
            ));
        }
        let c = options.contamination;
        if !(c > 0.0 && c <= 0.5) {
            return Err(SectoolsError::InvalidInput(format!(
                "contamination must be in (0, 0.5], not {c}"
            )));
        }
        if options.n_estimators == 0 {
            return Err(SectoolsError::InvalidInput(
                "n_estimators must be at least 1".into(),
            ));
        }
        let max_samples = match options.max_samples {
            None => 100,
            Some(MaxSamples::Rows(n)) => n,
            Some(MaxSamples::Fraction(f)) if f > 0.0 && f <= 1.0 => (f * rows as f64) as usize,
            Some(MaxSamples::Fraction(f)) => {
                return Err(SectoolsError::InvalidInput(format!(
                    "max_samples fraction must be in (0, 1], not {f}"
                )));
            }
        }
        .clamp(1, rows);
        let max_features = options
            .max_features
            .unwrap_or(((n_features as f64).sqrt().floor() as usize).max(1))
            .clamp(1, n_features);
        let max_depth = (max_samples.max(2) as f64).log2().ceil() as usize;
        let mut rng = Rng::new(options.seed);
        let mut perm: Vec<usize> = (0..rows).collect();
        let mut feats: Vec<usize> = (0..n_features).collect();
        let mut trees = Vec::with_capacity(options.n_estimators);
        for _ in 0..options.n_estimators {
            crate::check_interrupt()?;
            // Partial Fisher–Yates: the first k of a shuffled permutation.
            for i in 0..max_samples {
                let j = i + rng.below(rows - i);
                perm.swap(i, j);
            }
            for i in 0..max_features {
                let j = i + rng.below(n_features - i);
                feats.swap(i, j);
            }
            let mut sample = perm[..max_samples].to_vec();
            let mut grower = Grower {
                x,
                d: n_features,
                max_depth,
                features: feats[..max_features].to_vec(),
                nodes: Vec::new(),
            };
            grower.grow(&mut sample, 0, &mut rng);
            trees.push(grower.nodes);
        }
        let flat = if max_depth <= MAX_FLAT_DEPTH {
            trees.iter().map(|t| FlatTree::new(t, max_depth)).collect()
        } else {
            Vec::new()
        };
        let mut forest = IsolationForest {
            trees,
            flat,
            depth: max_depth,
            n_features,
            max_samples,
            max_features,
            offset: 0.0,
        };
        let scores = forest.score_samples(x)?;
        forest.offset = percentile(&mut scores.clone(), 100.0 * c);
        Ok((forest, scores))
    }

    /// scikit-learn's `score_samples`: the opposite of the anomaly score, in [−1, 0);
    /// the lower, the more abnormal.
    pub fn score_samples(&self, x: &[f64]) -> Result<Vec<f64>, SectoolsError> {
        let rows = check_matrix(x, self.n_features, "Isolation Forest input")?;
        let norm = self.trees.len() as f64 * average_path_length(self.max_samples);
        if !self.flat.is_empty() {
            return self.score_flat(x, rows, norm);
        }
        let mut out = Vec::with_capacity(rows);
        for (i, row) in x.chunks_exact(self.n_features).enumerate() {
            if i % 16_384 == 0 {
                crate::check_interrupt()?;
            }
            let mut total = 0.0;
            for tree in &self.trees {
                let mut at = 0usize;
                loop {
                    let node = tree[at];
                    if node.feature == LEAF {
                        total += node.value;
                        break;
                    }
                    at = if row[node.feature as usize] <= node.value {
                        node.left
                    } else {
                        node.right
                    } as usize;
                }
            }
            out.push(-(2f64.powf(-total / norm)));
        }
        Ok(out)
    }

    /// Scores with the flat trees, a block of rows per pass over the forest: the
    /// rows' walks are independent, so the processor overlaps them.
    fn score_flat(&self, x: &[f64], rows: usize, norm: f64) -> Result<Vec<f64>, SectoolsError> {
        const BLOCK: usize = 256;
        let d = self.n_features;
        let mut out = vec![0.0; rows];
        let mut pos = [0usize; BLOCK];
        for (b, block) in out.chunks_mut(BLOCK).enumerate() {
            if b % 64 == 0 {
                crate::check_interrupt()?;
            }
            let base = b * BLOCK;
            for tree in &self.flat {
                let (feature, threshold) = (&tree.feature[..], &tree.threshold[..]);
                let pos = &mut pos[..block.len()];
                pos.fill(0);
                for _ in 0..self.depth {
                    for (r, p) in pos.iter_mut().enumerate() {
                        let v = x[(base + r) * d + feature[*p] as usize];
                        *p = 2 * *p + 1 + usize::from(v > threshold[*p]);
                    }
                }
                let inner = feature.len();
                for (total, p) in block.iter_mut().zip(pos.iter()) {
                    *total += tree.leaf[*p - inner];
                }
            }
            for total in block.iter_mut() {
                *total = -(2f64.powf(-*total / norm));
            }
        }
        Ok(out)
    }

    /// `score_samples − offset`: negative for outliers.
    pub fn decision_function(&self, x: &[f64]) -> Result<Vec<f64>, SectoolsError> {
        let mut scores = self.score_samples(x)?;
        scores.iter_mut().for_each(|s| *s -= self.offset);
        Ok(scores)
    }

    /// −1 for an outlier, 1 for an inlier, per row of `x`.
    pub fn predict(&self, x: &[f64]) -> Result<Vec<i8>, SectoolsError> {
        Ok(self
            .decision_function(x)?
            .into_iter()
            .map(|d| if d < 0.0 { -1 } else { 1 })
            .collect())
    }

    /// The threshold on [`score_samples`](Self::score_samples) below which a row is an outlier.
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// Rows drawn for each tree.
    pub fn max_samples(&self) -> usize {
        self.max_samples
    }

    /// Features each tree may split on.
    pub fn max_features(&self) -> usize {
        self.max_features
    }

    /// Features per row the forest was fitted on.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of trees.
    pub fn n_estimators(&self) -> usize {
        self.trees.len()
    }
}

/// numpy's default (linear) percentile `q` (0–100) of `v` (reordered).
fn percentile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let frac = pos - lo as f64;
    v[lo] + (v[hi] - v[lo]) * frac
}

/// Arguments of [`identify_outliers`].
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierOptions {
    /// Feature columns; `None`: every numeric or boolean column of the training frame.
    pub columns: Option<Vec<String>>,
    /// Expected fraction of outliers (msticpy's default 0.05).
    pub contamination: f64,
    /// Features per tree; `None`: ⌊√features⌋.
    pub max_features: Option<usize>,
    /// Rows per tree; `None`: min(100, rows).
    pub max_samples: Option<MaxSamples>,
    /// Number of trees (100).
    pub n_estimators: usize,
    /// Random seed (msticpy's is 42).
    pub seed: u64,
}

impl Default for OutlierOptions {
    fn default() -> Self {
        OutlierOptions {
            columns: None,
            contamination: 0.05,
            max_features: None,
            max_samples: None,
            n_estimators: 100,
            seed: 42,
        }
    }
}

/// The result of [`identify_outliers`] (msticpy's `(clf, x_outliers, y_pred)`).
#[derive(Debug, Clone)]
pub struct Outliers {
    /// The fitted forest.
    pub model: IsolationForest,
    /// The feature columns used, in order.
    pub columns: Vec<String>,
    /// The rows of the prediction frame labelled outliers (all their columns).
    pub outliers: DataFrame,
    /// Per prediction row: −1 outlier, 1 inlier.
    pub labels: Vec<i8>,
    /// Per prediction row: the forest's `score_samples` (lower is more abnormal).
    pub scores: Vec<f64>,
}

impl Outliers {
    /// The prediction frame with `score` and `outlier` (−1/1) columns added.
    pub fn labelled(&self, predict: &DataFrame) -> Result<DataFrame, SectoolsError> {
        if predict.height() != self.labels.len() {
            return Err(SectoolsError::InvalidInput(format!(
                "the frame has {} rows but {} were labelled",
                predict.height(),
                self.labels.len()
            )));
        }
        let mut out = predict.clone();
        out.with_column(Column::new("score".into(), &self.scores[..]))?;
        let labels: Vec<i32> = self.labels.iter().map(|&l| i32::from(l)).collect();
        out.with_column(Column::new("outlier".into(), labels))?;
        Ok(out)
    }
}

/// Feature columns of a frame as a row-major matrix, with errors naming the column.
fn feature_matrix(df: &DataFrame, columns: &[String]) -> Result<Vec<f64>, SectoolsError> {
    let d = columns.len();
    let mut x = vec![0.0; df.height() * d];
    for (j, name) in columns.iter().enumerate() {
        let col = crate::frame::column(df, name)?;
        let type_error = || SectoolsError::ColumnType {
            column: name.clone(),
            actual: col.dtype().to_string(),
            expected: "numbers or booleans".into(),
        };
        if !(col.dtype().is_primitive_numeric() || col.dtype().is_bool()) {
            return Err(type_error());
        }
        let values = col.cast(&DataType::Float64).map_err(|_| type_error())?;
        for (i, v) in values.f64()?.iter().enumerate() {
            match v {
                Some(v) if v.is_finite() => x[i * d + j] = v,
                _ => {
                    return Err(SectoolsError::InvalidInput(format!(
                        "column '{name}' has no number at row {i}; fill or drop such rows first"
                    )));
                }
            }
        }
    }
    Ok(x)
}

/// Fits an Isolation Forest on `train` and labels the rows of `predict` (msticpy's
/// `identify_outliers(x, x_predict, contamination)`); pass the same frame twice to
/// find outliers within one data set.
pub fn identify_outliers(
    train: &DataFrame,
    predict: &DataFrame,
    options: &OutlierOptions,
) -> Result<Outliers, SectoolsError> {
    let columns: Vec<String> = match &options.columns {
        Some(c) => c.clone(),
        None => train
            .columns()
            .iter()
            .filter(|c| c.dtype().is_primitive_numeric() || c.dtype().is_bool())
            .map(|c| c.name().to_string())
            .collect(),
    };
    if columns.is_empty() {
        return Err(SectoolsError::InvalidInput(
            "no feature columns: the training frame has no numeric columns".into(),
        ));
    }
    let x = feature_matrix(train, &columns)?;
    let (model, train_scores) = IsolationForest::fit_scored(
        &x,
        columns.len(),
        &ForestOptions {
            n_estimators: options.n_estimators,
            max_samples: options.max_samples,
            max_features: options.max_features,
            contamination: options.contamination,
            seed: options.seed,
        },
    )?;
    let xp = feature_matrix(predict, &columns)?;
    // Finding outliers within one data set (msticpy's usual call) scores it once.
    let scores = if xp == x {
        train_scores
    } else {
        model.score_samples(&xp)?
    };
    let labels: Vec<i8> = scores
        .iter()
        .map(|s| if s - model.offset < 0.0 { -1 } else { 1 })
        .collect();
    let mask: BooleanChunked = labels.iter().map(|&l| l == -1).collect();
    let outliers = predict.filter(&mask)?;
    Ok(Outliers {
        model,
        columns,
        outliers,
        labels,
        scores,
    })
}

/// Removes rows whose value in any of `columns` is common: shared by more than
/// `max_count` rows (msticpy's `remove_common_items` uses 10). Missing values are never
/// common.
///
/// msticpy's function raises a `TypeError` on every input (it passes a function to
/// `DataFrame.filter`); this does what its name and docs describe.
pub fn remove_common_items(
    data: &DataFrame,
    columns: &[&str],
    max_count: usize,
) -> Result<DataFrame, SectoolsError> {
    let mut keep = vec![true; data.height()];
    for &name in columns {
        let col = crate::frame::column(data, name)?;
        let text = col
            .cast(&DataType::String)
            .map_err(|_| SectoolsError::ColumnType {
                column: name.to_string(),
                actual: col.dtype().to_string(),
                expected: "values that can be compared as text".into(),
            })?;
        let text = text.str()?;
        let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
        for v in text.iter().flatten() {
            *counts.entry(v).or_default() += 1;
        }
        for (k, v) in keep.iter_mut().zip(text.iter()) {
            if v.is_some_and(|v| counts[v] > max_count) {
                *k = false;
            }
        }
    }
    let mask: BooleanChunked = keep.into_iter().collect();
    Ok(data.filter(&mask)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_walked_trees_score_alike() {
        let mut rng = Rng::new(3);
        let x: Vec<f64> = (0..4000).map(|i| (i % 17) as f64 + rng.unit()).collect();
        let mut forest = IsolationForest::fit(&x, 4, &ForestOptions::default()).unwrap();
        let flat = forest.score_samples(&x).unwrap();
        forest.flat.clear();
        let walked = forest.score_samples(&x).unwrap();
        assert_eq!(flat, walked);
    }

    #[test]
    fn percentile_interpolates_like_numpy() {
        let mut v = vec![4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&mut v, 50.0), 2.5);
        assert_eq!(percentile(&mut v, 5.0), 1.15);
    }
}
