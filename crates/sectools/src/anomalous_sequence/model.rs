//! The Markov model of sessions (msticpy's `anomalous_sequence.Model`).
//!
//! Counts are smoothed as msticpy smooths them (add one to every transition
//! between known commands and the unknown token, and so on for parameters and
//! values); the smoothed counts are never materialised: a count is the raw count plus
//! the constant msticpy's loops add, so memory grows with the data, not with the
//! square of the number of distinct commands. Probabilities are integer ratios and
//! likelihoods are multiplied in msticpy's order, so the numbers equal msticpy's.

use rustc_hash::FxHashMap;

use crate::SectoolsError;

/// msticpy's start, end and unknown tokens.
pub const START_TOKEN: &str = "##START##";
/// Appended to a session (with start/end tokens on) before windows are taken.
pub const END_TOKEN: &str = "##END##";
/// Stands for any command, parameter or value not seen in training.
pub const UNK_TOKEN: &str = "##UNK##";

/// One command of a session: its name and parameters (with values, for
/// [`SessionKind::CmdsParamsValues`]). msticpy's `Cmd`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cmd {
    /// The command (`Set-Mailbox`).
    pub name: String,
    /// Parameters and their values (`Identity` → `alice`); a value of `None` or `""` is
    /// not modelled. Order does not change the scores beyond rounding.
    pub params: Vec<(String, Option<String>)>,
}

impl Cmd {
    /// A command without parameters.
    pub fn new(name: impl Into<String>) -> Self {
        Cmd {
            name: name.into(),
            params: Vec::new(),
        }
    }

    /// A command with parameters (no values).
    pub fn with_params<S: Into<String>>(
        name: impl Into<String>,
        params: impl IntoIterator<Item = S>,
    ) -> Self {
        Cmd {
            name: name.into(),
            params: params.into_iter().map(|p| (p.into(), None)).collect(),
        }
    }

    /// A command with parameters and values.
    pub fn with_values<K: Into<String>, V: Into<String>>(
        name: impl Into<String>,
        params: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Cmd {
            name: name.into(),
            params: params
                .into_iter()
                .map(|(k, v)| (k.into(), Some(v.into())))
                .collect(),
        }
    }
}

impl std::fmt::Display for Cmd {
    /// `Set-User`, `Set-User(Identity, Force)` or `Set-User(Identity=alice, Force)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)?;
        if self.params.is_empty() {
            return Ok(());
        }
        f.write_str("(")?;
        for (i, (k, v)) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match v {
                Some(v) => write!(f, "{k}={v}")?,
                None => f.write_str(k)?,
            }
        }
        f.write_str(")")
    }
}

/// What the model looks at (msticpy chooses by the type of the first command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Command names only (msticpy's `cmds_only`).
    CmdsOnly,
    /// Names and the set of parameters (`cmds_params_only`).
    CmdsParams,
    /// Names, parameters and the values of parameters whose values are
    /// modellable (`cmds_params_values`).
    CmdsParamsValues,
}

/// The rarest window of one session and its likelihood.
#[derive(Debug, Clone, PartialEq)]
pub struct RarestWindow {
    /// Index in the session of the window's first command.
    pub start: usize,
    /// Commands in the window (msticpy returns the session's slice, so a window that
    /// takes in the end token is one command shorter).
    pub len: usize,
    /// The window's likelihood.
    pub likelihood: f64,
}

/// Strings to dense ids, first seen first.
#[derive(Debug, Clone, Default)]
struct Vocab {
    ids: FxHashMap<String, u32>,
}

impl Vocab {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.ids.len() as u32;
        self.ids.insert(s.to_string(), id);
        id
    }

    fn get(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// A trained model. Build with [`Model::train`].
#[derive(Debug, Clone)]
pub struct Model {
    kind: SessionKind,
    cmds: Vocab,
    start: u32,
    end: u32,
    unk: u32,
    /// Smoothed command counts (msticpy's `seq1_counts` after smoothing).
    seq1: Vec<u64>,
    seq1_total: u64,
    /// Raw transition counts.
    trans: FxHashMap<(u32, u32), u64>,
    /// Smoothed row sums of the transition counts.
    trans_row: Vec<u64>,
    params: Vocab,
    /// Per command: its parameters in first-seen order, unknown last, with P(param | cmd).
    cmd_params: Vec<Vec<(u32, f64)>>,
    values: Vocab,
    /// Raw (param, value) counts.
    param_values: FxHashMap<(u32, u32), u64>,
    /// Smoothed row sums of the value counts, per parameter id (unknown included).
    param_value_total: Vec<u64>,
    modellable: Vec<bool>,
}

/// A value msticpy counts: present and not empty (it tests `if val:`).
fn counted_value(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|v| !v.is_empty())
}

impl Model {
    /// Trains on `sessions` (msticpy's `Model(sessions).train()`). `modellable_params`:
    /// parameters whose values are modelled (values kind only); `None` picks them as
    /// msticpy does: at most 20 distinct values, seen at least 20 times, and distinct
    /// values at most 10% of uses.
    pub fn train(
        sessions: &[Vec<Cmd>],
        kind: SessionKind,
        modellable_params: Option<&[&str]>,
    ) -> Result<Model, SectoolsError> {
        if sessions.is_empty() {
            return Err(SectoolsError::InvalidInput(
                "there are no sessions to model".into(),
            ));
        }
        if let Some(i) = sessions.iter().position(Vec::is_empty) {
            return Err(SectoolsError::InvalidInput(format!(
                "session {i} is empty; each session needs at least one command"
            )));
        }
        let mut cmds = Vocab::default();
        let start = cmds.intern(START_TOKEN);
        let mut seq1: Vec<u64> = Vec::new();
        let mut trans: FxHashMap<(u32, u32), u64> = FxHashMap::default();
        let mut params = Vocab::default();
        let mut cmd_param_raw: Vec<Vec<(u32, u64)>> = Vec::new();
        let mut param_count: Vec<u64> = Vec::new();
        let mut values = Vocab::default();
        let mut param_values: FxHashMap<(u32, u32), u64> = FxHashMap::default();
        let bump = |v: &mut Vec<u64>, id: u32| {
            if v.len() <= id as usize {
                v.resize(id as usize + 1, 0);
            }
            v[id as usize] += 1;
        };
        let mut end = None;
        for (n, session) in sessions.iter().enumerate() {
            if n % 4096 == 0 {
                crate::check_interrupt()?;
            }
            bump(&mut seq1, start);
            let mut prev = start;
            for cmd in session {
                let c = cmds.intern(&cmd.name);
                bump(&mut seq1, c);
                *trans.entry((prev, c)).or_default() += 1;
                prev = c;
                if kind == SessionKind::CmdsOnly {
                    continue;
                }
                if cmd_param_raw.len() <= c as usize {
                    cmd_param_raw.resize(c as usize + 1, Vec::new());
                }
                for (i, (p, v)) in cmd.params.iter().enumerate() {
                    // A parameter named twice counts once (msticpy's are sets/dicts).
                    if cmd.params[..i].iter().any(|(q, _)| q == p) {
                        continue;
                    }
                    let p = params.intern(p);
                    bump(&mut param_count, p);
                    let row = &mut cmd_param_raw[c as usize];
                    match row.iter_mut().find(|(q, _)| *q == p) {
                        Some((_, count)) => *count += 1,
                        None => row.push((p, 1)),
                    }
                    if kind == SessionKind::CmdsParamsValues
                        && let Some(v) = counted_value(v)
                    {
                        let v = values.intern(v);
                        *param_values.entry((p, v)).or_default() += 1;
                    }
                }
            }
            // The end token is interned after the first session's commands, as
            // msticpy's dict gains it then; only the set of keys matters here.
            let e = *end.get_or_insert_with(|| cmds.intern(END_TOKEN));
            *trans.entry((prev, e)).or_default() += 1;
            bump(&mut seq1, e);
        }
        let end = end.unwrap_or(start);
        // The smoothing loops run over the known commands plus the unknown token.
        let unk = cmds.intern(UNK_TOKEN);
        let m = cmds.len() as u64;
        seq1.resize(cmds.len(), 0);
        let mut trans_row = vec![0u64; cmds.len()];
        for (&(p, _), &count) in &trans {
            trans_row[p as usize] += count;
        }
        for c in 0..cmds.len() as u32 {
            // Every (c1 ≠ end, c2 ≠ start) pair adds one to c1, to c2 and to the pair.
            let roles = u64::from(c != end) + u64::from(c != start);
            seq1[c as usize] += (m - 1) * roles;
            if c != end {
                trans_row[c as usize] += m - 1;
            }
        }
        let seq1_total = seq1.iter().sum();
        let unk_param = params.intern(UNK_TOKEN);
        let cmd_params = if kind == SessionKind::CmdsOnly {
            Vec::new()
        } else {
            cmd_param_raw.resize(cmds.len(), Vec::new());
            cmd_param_raw
                .iter()
                .enumerate()
                .map(|(c, row)| {
                    let n = seq1[c] as f64;
                    let mut probs: Vec<(u32, f64)> = row
                        .iter()
                        .filter(|(p, _)| *p != unk_param)
                        .map(|&(p, count)| (p, (count + 1) as f64 / n))
                        .collect();
                    let unk_count = row
                        .iter()
                        .find(|(p, _)| *p == unk_param)
                        .map_or(0, |&(_, c)| c);
                    probs.push((unk_param, (unk_count + 1) as f64 / n));
                    probs
                })
                .collect()
        };
        let mut modellable = vec![false; params.len()];
        let mut param_value_total = vec![0u64; params.len()];
        if kind == SessionKind::CmdsParamsValues {
            let unk_value = values.intern(UNK_TOKEN);
            let mut distinct = vec![0u64; params.len()];
            for (&(p, v), &count) in &param_values {
                param_value_total[p as usize] += count + 1;
                if v != unk_value {
                    distinct[p as usize] += 1;
                }
            }
            for (p, total) in param_value_total.iter_mut().enumerate() {
                if !param_values.contains_key(&(p as u32, unk_value)) {
                    *total += 1;
                }
            }
            match modellable_params {
                Some(names) => {
                    for name in names {
                        if let Some(p) = params.get(name) {
                            modellable[p as usize] = true;
                        }
                    }
                }
                None => {
                    for p in 0..params.len() {
                        let (d, n) = (distinct[p], param_count.get(p).copied().unwrap_or(0));
                        modellable[p] = d > 0 && d <= 20 && n >= 20 && 100 * d <= 10 * n;
                    }
                }
            }
        }
        Ok(Model {
            kind,
            cmds,
            start,
            end,
            unk,
            seq1,
            seq1_total,
            trans,
            trans_row,
            params,
            cmd_params,
            values,
            param_values,
            param_value_total,
            modellable,
        })
    }

    /// What the model looks at.
    pub fn kind(&self) -> SessionKind {
        self.kind
    }

    /// Number of distinct commands seen in training (tokens excluded).
    pub fn n_commands(&self) -> usize {
        self.cmds.len() - 3
    }

    /// Whether the values of `param` are modelled.
    pub fn is_modellable(&self, param: &str) -> bool {
        self.params
            .get(param)
            .is_some_and(|p| self.modellable[p as usize])
    }

    fn cmd_id(&self, name: &str) -> u32 {
        self.cmds.get(name).unwrap_or(self.unk)
    }

    fn prior(&self, c: u32) -> f64 {
        self.seq1[c as usize] as f64 / self.seq1_total as f64
    }

    fn transition(&self, prev: u32, cur: u32) -> f64 {
        let prev = if prev == self.end { self.unk } else { prev };
        let cur = if cur == self.start { self.unk } else { cur };
        let count = self.trans.get(&(prev, cur)).copied().unwrap_or(0) + 1;
        count as f64 / self.trans_row[prev as usize] as f64
    }

    /// P(the parameters (and modelled values) | command), a geometric mean over the
    /// command's known parameters (msticpy's `compute_prob_setofparams_given_cmd`).
    fn params_prob(&self, c: u32, cmd: &Cmd) -> f64 {
        if self.kind == SessionKind::CmdsOnly || cmd.params.is_empty() {
            return 1.0;
        }
        let given: Vec<(Option<u32>, &Option<String>)> = cmd
            .params
            .iter()
            .map(|(p, v)| (self.params.get(p), v))
            .collect();
        let reference = &self.cmd_params[c as usize];
        let mut lik = 1.0;
        let mut modelled = 0;
        for &(p, prob) in reference {
            match given.iter().find(|(q, _)| *q == Some(p)) {
                Some((_, v)) => {
                    lik *= prob;
                    if self.kind == SessionKind::CmdsParamsValues && self.modellable[p as usize] {
                        modelled += 1;
                        lik *= self.value_prob(p, v);
                    }
                }
                None => lik *= 1.0 - prob,
            }
        }
        let k = reference.len() + modelled;
        if k > 0 {
            lik = lik.powf(1.0 / k as f64);
        }
        lik
    }

    fn value_prob(&self, p: u32, v: &Option<String>) -> f64 {
        let unk_value = self.values.get(UNK_TOKEN);
        let v = v.as_deref().and_then(|v| self.values.get(v)).or(unk_value);
        let count = v
            .and_then(|v| self.param_values.get(&(p, v)))
            .copied()
            .unwrap_or(0)
            + 1;
        count as f64 / self.param_value_total[p as usize] as f64
    }

    /// Likelihood of a whole session (msticpy's `compute_likelihoods_of_sessions`).
    pub fn session_likelihood(&self, session: &[Cmd], use_start_end_tokens: bool) -> f64 {
        let ids: Vec<u32> = session.iter().map(|c| self.cmd_id(&c.name)).collect();
        let pp: Vec<f64> = session
            .iter()
            .zip(&ids)
            .map(|(cmd, &c)| self.params_prob(c, cmd))
            .collect();
        let mut lik = self.window_likelihood(&ids, &pp, 0, ids.len(), use_start_end_tokens);
        if use_start_end_tokens && let Some(&last) = ids.last() {
            lik *= self.transition(last, self.end);
        }
        lik
    }

    /// Likelihood of `ids[start..start + len]` (msticpy's `compute_likelihood_window`
    /// without the end token), multiplied in msticpy's order.
    fn window_likelihood(
        &self,
        ids: &[u32],
        pp: &[f64],
        start: usize,
        len: usize,
        use_start: bool,
    ) -> f64 {
        if len == 0 {
            return f64::NAN;
        }
        let first = ids[start];
        let head = if use_start {
            self.transition(self.start, first)
        } else {
            self.prior(first)
        };
        let mut prob = if self.kind == SessionKind::CmdsOnly {
            head
        } else {
            head * pp[start]
        };
        for i in start + 1..start + len {
            prob *= self.transition(ids[i - 1], ids[i]);
            if self.kind != SessionKind::CmdsOnly {
                prob *= pp[i];
            }
        }
        prob
    }

    /// The window of `window_len` commands with the lowest likelihood (msticpy's
    /// `rarest_window_session`); `None` when the session (with its end token) is
    /// shorter than the window.
    pub fn rarest_window(
        &self,
        session: &[Cmd],
        window_len: usize,
        use_start_end_tokens: bool,
        use_geo_mean: bool,
    ) -> Option<RarestWindow> {
        if window_len == 0 {
            return None;
        }
        let mut ids: Vec<u32> = session.iter().map(|c| self.cmd_id(&c.name)).collect();
        let mut pp: Vec<f64> = session
            .iter()
            .zip(&ids)
            .map(|(cmd, &c)| self.params_prob(c, cmd))
            .collect();
        if use_start_end_tokens {
            ids.push(self.end);
            pp.push(1.0);
        }
        if ids.len() < window_len {
            return None;
        }
        let mut best: Option<(usize, f64)> = None;
        for i in 0..=ids.len() - window_len {
            let mut lik =
                self.window_likelihood(&ids, &pp, i, window_len, i == 0 && use_start_end_tokens);
            if use_geo_mean {
                lik = lik.powf(1.0 / window_len as f64);
            }
            // Python's min(): the first of equal minima.
            if best.is_none_or(|(_, b)| lik < b) {
                best = Some((i, lik));
            }
        }
        best.map(|(start, likelihood)| RarestWindow {
            start,
            len: window_len.min(session.len() - start),
            likelihood,
        })
    }

    /// Parameters seen in training.
    pub fn params(&self) -> Vec<&str> {
        let unk = self.params.get(UNK_TOKEN);
        let mut names: Vec<(&str, u32)> = self
            .params
            .ids
            .iter()
            .filter(|(_, id)| Some(**id) != unk)
            .map(|(k, &v)| (k.as_str(), v))
            .collect();
        names.sort_by_key(|&(_, id)| id);
        names.into_iter().map(|(k, _)| k).collect()
    }
}
