//! Parameter definitions (`parameters:` in a query file) and the values callers give.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};

/// The type of a query parameter (`type:` in the YAML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `str`: rendered as a string literal, or as a checked fragment in code position.
    Str,
    /// `datetime`: rendered as a datetime literal of the target language.
    DateTime,
    /// `int`: a whole number.
    Int,
    /// `float`: a finite number.
    Float,
    /// `list`: a list of strings (also accepted: a comma-separated string).
    List,
}

impl ParamType {
    /// Parses msticpy's type names (`str`, `datetime`, `int`, `float`, `list`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "str" => Some(Self::Str),
            "datetime" => Some(Self::DateTime),
            "int" => Some(Self::Int),
            "float" => Some(Self::Float),
            "list" => Some(Self::List),
            _ => None,
        }
    }

    /// msticpy's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Str => "str",
            Self::DateTime => "datetime",
            Self::Int => "int",
            Self::Float => "float",
            Self::List => "list",
        }
    }
}

/// One parameter of a query: the file's `defaults.parameters` overlaid by the query's own.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamDef {
    /// The name used in `{name}` placeholders.
    pub name: String,
    /// Its type.
    pub param_type: ParamType,
    /// What it means.
    pub description: String,
    /// The default value; a parameter without one is required.
    pub default: Option<ParamValue>,
    /// Other names a caller may use for it.
    pub aliases: Vec<String>,
    /// msticpy's `format` template: text around one `{}` that receives the rendered value.
    pub format: Option<String>,
    /// huntrs extension `fragment: true`: the value is a raw query fragment, inserted
    /// verbatim (see the module doc on raw fragments).
    pub fragment: bool,
}

impl ParamDef {
    /// True when the caller must give a value.
    pub fn is_required(&self) -> bool {
        self.default.is_none()
    }
}

/// A value given for a parameter, or a default read from the YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// Text. For `datetime`, `int`, `float` and `list` parameters it is parsed.
    Str(String),
    /// A whole number; for a `datetime` parameter an offset in days from now (msticpy).
    Int(i64),
    /// A number; for a `datetime` parameter an offset in days from now (msticpy).
    Float(f64),
    /// A point in time.
    DateTime(DateTime<Utc>),
    /// A list of strings.
    List(Vec<String>),
}

impl From<&str> for ParamValue {
    fn from(v: &str) -> Self {
        Self::Str(v.to_owned())
    }
}
impl From<String> for ParamValue {
    fn from(v: String) -> Self {
        Self::Str(v)
    }
}
impl From<&String> for ParamValue {
    fn from(v: &String) -> Self {
        Self::Str(v.clone())
    }
}
impl From<i64> for ParamValue {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<i32> for ParamValue {
    fn from(v: i32) -> Self {
        Self::Int(i64::from(v))
    }
}
impl From<f64> for ParamValue {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}
impl From<DateTime<Utc>> for ParamValue {
    fn from(v: DateTime<Utc>) -> Self {
        Self::DateTime(v)
    }
}
impl From<Vec<String>> for ParamValue {
    fn from(v: Vec<String>) -> Self {
        Self::List(v)
    }
}
impl From<Vec<&str>> for ParamValue {
    fn from(v: Vec<&str>) -> Self {
        Self::List(v.into_iter().map(str::to_owned).collect())
    }
}
impl From<&[&str]> for ParamValue {
    fn from(v: &[&str]) -> Self {
        Self::List(v.iter().map(|s| (*s).to_owned()).collect())
    }
}

impl ParamValue {
    /// The value as a point in time: a datetime as is; a number (or integer string) as an
    /// offset in days from `now` (msticpy's convention, used by defaults such as `-7`);
    /// otherwise RFC 3339, `YYYY-MM-DD HH:MM:SS[.f]` or `YYYY-MM-DD`, read as UTC.
    pub fn to_datetime(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
        match self {
            Self::DateTime(t) => Ok(*t),
            Self::Int(days) => offset_days(now, *days as f64),
            Self::Float(days) => offset_days(now, *days),
            Self::Str(s) => parse_datetime(s.trim(), now),
            Self::List(_) => Err("a list is not a datetime".to_owned()),
        }
    }

    /// The value as a whole number.
    pub fn to_int(&self) -> Result<i64, String> {
        match self {
            Self::Int(n) => Ok(*n),
            Self::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
            Self::Str(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| format!("`{s}` is not a whole number")),
            other => Err(format!("{} is not a whole number", other.kind())),
        }
    }

    /// The value as a finite number.
    pub fn to_float(&self) -> Result<f64, String> {
        let f = match self {
            Self::Int(n) => *n as f64,
            Self::Float(f) => *f,
            Self::Str(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| format!("`{s}` is not a number"))?,
            other => return Err(format!("{} is not a number", other.kind())),
        };
        if f.is_finite() {
            Ok(f)
        } else {
            Err(format!("{f} is not a finite number"))
        }
    }

    /// The value as a list: a list as is, a string split at commas (items trimmed, empty
    /// ones dropped, as msticpy does), any other value as a one-item list.
    pub fn to_list(&self) -> Vec<String> {
        match self {
            Self::List(items) => items.clone(),
            Self::Str(s) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            Self::Int(n) => vec![n.to_string()],
            Self::Float(f) => vec![f.to_string()],
            Self::DateTime(t) => vec![t.to_rfc3339()],
        }
    }

    /// The value as text (lists joined with `,`).
    pub fn to_text(&self) -> String {
        match self {
            Self::Str(s) => s.clone(),
            Self::Int(n) => n.to_string(),
            Self::Float(f) => f.to_string(),
            Self::DateTime(t) => t.to_rfc3339(),
            Self::List(items) => items.join(","),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Str(_) => "a string",
            Self::Int(_) => "an integer",
            Self::Float(_) => "a number",
            Self::DateTime(_) => "a datetime",
            Self::List(_) => "a list",
        }
    }
}

fn offset_days(now: DateTime<Utc>, days: f64) -> Result<DateTime<Utc>, String> {
    // Bounded so the arithmetic below cannot overflow.
    if !days.is_finite() || days.abs() > 1.0e6 {
        return Err(format!("{days} days is not a usable offset from now"));
    }
    let delta = TimeDelta::milliseconds((days * 86_400_000.0) as i64);
    now.checked_add_signed(delta)
        .ok_or_else(|| format!("{days} days from now is out of range"))
}

fn parse_datetime(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if let Ok(days) = s.parse::<i64>() {
        return offset_days(now, days as f64);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(format!(
        "`{s}` is not a datetime; use RFC 3339 (2024-01-31T08:00:00Z), \
         `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD` or an offset in days"
    ))
}
