//! Logon view: sessions from Windows 4624/4625 events or Entra ID SigninLogs, as a
//! table with failures highlighted, and bar charts of logons by account, by logon type
//! and by hour of day (successes and failures stacked).
//!
//! ```no_run
//! # fn demo(df: &nbtools::polars::prelude::DataFrame) -> Result<(), nbtools::ViewError> {
//! use nbtools::views::logon::LogonView;
//! let view = LogonView::new(df).build()?; // SecurityEvent or SigninLogs, told apart by columns
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Timelike, Utc};
use polars::prelude::*;
use serde::Serialize;

use super::html::{count_of, thousands};
use super::{frame, html, time_axis};
use crate::{View, ViewError};

const KIND: &str = "logon";
const LOGON_JS: &str = include_str!("assets/logon.js");
const LOGON_CSS: &str = include_str!("assets/logon.css");
/// Table rows embedded by default; the charts always count every row.
pub const DEFAULT_MAX_ROWS: usize = 2_000;
/// Bars in the account and logon-type charts.
const MAX_BARS: usize = 15;
const TIME_COLUMNS: [&str; 4] = [
    "TimeGenerated",
    "TimeCreated",
    "CreatedDateTime",
    "Timestamp",
];
const WINDOWS_NEEDS: [&str; 2] = ["EventID", "TargetUserName"];
const SIGNIN_NEEDS: [&str; 2] = ["UserPrincipalName", "ResultType"];
const SUCCESS_COLOUR: &str = html::PALETTE[4];
const FAILURE_COLOUR: &str = html::PALETTE[2];

/// Which logon data a frame holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogonKind {
    /// Windows Security events 4624 (logon) and 4625 (failed logon): `EventID`,
    /// `TargetUserName`, and optionally `TargetDomainName`, `LogonType`, `Computer`,
    /// `IpAddress`, `WorkstationName`, `AuthenticationPackageName`, `Status`, `SubStatus`.
    /// Other event ids are left out (and counted).
    Windows,
    /// Entra ID sign-ins: `UserPrincipalName`, `ResultType` (`0` is success), and
    /// optionally `ResultDescription`, `AppDisplayName`, `ClientAppUsed`, `IPAddress`,
    /// `LocationDetails` or `Location`.
    SigninLogs,
}

/// Builds the logon view of a DataFrame.
#[derive(Debug)]
pub struct LogonView<'a> {
    df: &'a DataFrame,
    kind: Option<LogonKind>,
    time: Option<String>,
    max_rows: usize,
    title: Option<String>,
}

impl<'a> LogonView<'a> {
    /// The view of `df`'s logons; the kind is told from the columns unless
    /// [`kind`](LogonView::kind) says.
    pub fn new(df: &'a DataFrame) -> LogonView<'a> {
        LogonView {
            df,
            kind: None,
            time: None,
            max_rows: DEFAULT_MAX_ROWS,
            title: None,
        }
    }

    /// Says which kind of logon data the frame holds.
    pub fn kind(mut self, kind: LogonKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The time column (default: the first of `TimeGenerated`, `TimeCreated`,
    /// `CreatedDateTime`, `Timestamp`; without one the hour chart is left out).
    pub fn time(mut self, column: &str) -> Self {
        self.time = Some(column.to_string());
        self
    }

    /// Rows the table embeds (default [`DEFAULT_MAX_ROWS`]), the earliest first; the
    /// charts and counts cover every row.
    pub fn max_rows(mut self, rows: usize) -> Self {
        self.max_rows = rows;
        self
    }

    /// A title above the view.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_string());
        self
    }

    /// Draws the view.
    pub fn build(self) -> Result<View, ViewError> {
        let df = self.df;
        let kind = match self.kind {
            Some(kind) => kind,
            None => detect(df)?,
        };
        let times = match &self.time {
            Some(name) => Some(frame::time_ms(df, name)?),
            None => match frame::first_present(df, &TIME_COLUMNS) {
                Ok(name) => Some(frame::time_ms(df, name)?),
                Err(_) => None,
            },
        };
        let mut table = match kind {
            LogonKind::Windows => windows(df)?,
            LogonKind::SigninLogs => signins(df)?,
        };
        for logon in &mut table.logons {
            logon.time = times.as_ref().and_then(|t| t[logon.row]);
        }
        // Time order, rows without a time last; sort is stable, so ties keep frame order.
        table
            .logons
            .sort_by_key(|l| (l.time.is_none(), l.time.unwrap_or_default()));
        Ok(render(&table, kind, times.is_some(), &self))
    }
}

/// The kind the columns fit, Windows first.
fn detect(df: &DataFrame) -> Result<LogonKind, ViewError> {
    let has = |names: &[&str]| names.iter().all(|n| df.column(n).is_ok());
    if has(&WINDOWS_NEEDS) {
        Ok(LogonKind::Windows)
    } else if has(&SIGNIN_NEEDS) {
        Ok(LogonKind::SigninLogs)
    } else {
        Err(ViewError::InvalidInput(format!(
            "not logon data: Windows logon events need columns '{}', SigninLogs need '{}'; \
             its columns are: {}",
            WINDOWS_NEEDS.join("', '"),
            SIGNIN_NEEDS.join("', '"),
            frame::column_names(df)
        )))
    }
}

/// One logon, its table cells already as text.
struct Logon {
    row: usize,
    time: Option<i64>,
    success: bool,
    account: String,
    /// Logon type (Windows) or client app (SigninLogs): the second chart's bars.
    kind: String,
    /// The table's cells after Time, Result, Account and the kind.
    cells: Vec<String>,
}

struct Table {
    /// Headers of [`Logon::cells`].
    headers: Vec<&'static str>,
    logons: Vec<Logon>,
    /// Rows that are not logons (other Windows event ids).
    other: usize,
}

/// A column's cells as text ("" for nulls), or `None` when the frame lacks it.
fn optional(df: &DataFrame, name: &str) -> Result<Option<Vec<String>>, ViewError> {
    if df.column(name).is_err() {
        return Ok(None);
    }
    Ok(Some(
        frame::texts(df, name)?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect(),
    ))
}

fn required(df: &DataFrame, name: &str) -> Result<Vec<String>, ViewError> {
    frame::column(df, name)?;
    Ok(optional(df, name)?.unwrap_or_default())
}

/// `-` and empty both mean "none" in Windows events.
fn blank(value: &str) -> bool {
    value.is_empty() || value == "-"
}

fn windows(df: &DataFrame) -> Result<Table, ViewError> {
    let ids = required(df, "EventID")?;
    let users = required(df, "TargetUserName")?;
    let domains = optional(df, "TargetDomainName")?;
    let types = optional(df, "LogonType")?;
    let extra: Vec<(&'static str, Option<Vec<String>>)> = [
        ("Computer", "Computer"),
        ("Source IP", "IpAddress"),
        ("Workstation", "WorkstationName"),
        ("Auth", "AuthenticationPackageName"),
    ]
    .into_iter()
    .map(|(header, name)| Ok((header, optional(df, name)?)))
    .collect::<Result<_, ViewError>>()?;
    let status = optional(df, "Status")?;
    let sub_status = optional(df, "SubStatus")?;
    let mut headers: Vec<&'static str> = extra
        .iter()
        .filter(|(_, values)| values.is_some())
        .map(|(header, _)| *header)
        .collect();
    headers.push("Failure");
    let mut logons = Vec::new();
    let mut other = 0;
    for row in 0..df.height() {
        let success = match ids[row].trim().parse::<i64>() {
            Ok(4624) => true,
            Ok(4625) => false,
            _ => {
                other += 1;
                continue;
            }
        };
        let user = &users[row];
        let account = match domains.as_ref().map(|d| d[row].as_str()) {
            Some(domain) if !blank(domain) => format!("{domain}\\{user}"),
            _ => user.clone(),
        };
        let kind = types
            .as_ref()
            .map(|t| logon_type_name(&t[row]))
            .unwrap_or_default();
        let mut cells: Vec<String> = extra
            .iter()
            .filter_map(|(_, values)| values.as_ref().map(|v| v[row].clone()))
            .collect();
        cells.push(if success {
            String::new()
        } else {
            let pick = |values: &Option<Vec<String>>| {
                values
                    .as_ref()
                    .map(|v| v[row].trim().to_ascii_lowercase())
                    .filter(|v| !blank(v) && v != "0x0")
            };
            // SubStatus says why (bad password, unknown user); Status is often the
            // generic "bad user name or password".
            pick(&sub_status)
                .or_else(|| pick(&status))
                .map(|code| match status_text(&code) {
                    Some(text) => format!("{code} {text}"),
                    None => code,
                })
                .unwrap_or_default()
        });
        logons.push(Logon {
            row,
            time: None,
            success,
            account,
            kind,
            cells,
        });
    }
    Ok(Table {
        headers,
        logons,
        other,
    })
}

fn signins(df: &DataFrame) -> Result<Table, ViewError> {
    let users = required(df, "UserPrincipalName")?;
    let results = required(df, "ResultType")?;
    let descriptions = optional(df, "ResultDescription")?;
    let apps = optional(df, "AppDisplayName")?;
    let clients = optional(df, "ClientAppUsed")?;
    let ips = optional(df, "IPAddress")?;
    let details = optional(df, "LocationDetails")?;
    let locations = optional(df, "Location")?;
    let mut headers = Vec::new();
    if apps.is_some() {
        headers.push("App");
    }
    if ips.is_some() {
        headers.push("Source IP");
    }
    if details.is_some() || locations.is_some() {
        headers.push("Location");
    }
    headers.push("Failure");
    let mut logons = Vec::with_capacity(df.height());
    for row in 0..df.height() {
        let result = results[row].trim();
        let success = result == "0";
        let mut cells = Vec::new();
        if let Some(apps) = &apps {
            cells.push(apps[row].clone());
        }
        if let Some(ips) = &ips {
            cells.push(ips[row].clone());
        }
        if details.is_some() || locations.is_some() {
            let place = details
                .as_ref()
                .and_then(|d| place_of(&d[row]))
                .or_else(|| locations.as_ref().map(|l| l[row].clone()))
                .unwrap_or_default();
            cells.push(place);
        }
        cells.push(if success {
            String::new()
        } else {
            let description = descriptions.as_ref().map_or("", |d| d[row].as_str());
            format!("{result} {description}").trim().to_string()
        });
        // The client (browser, mobile app, ...) plays the part of the logon type.
        let kind = clients
            .as_ref()
            .or(apps.as_ref())
            .map(|k| k[row].clone())
            .unwrap_or_default();
        logons.push(Logon {
            row,
            time: None,
            success,
            account: users[row].clone(),
            kind,
            cells,
        });
    }
    Ok(Table {
        headers,
        logons,
        other: 0,
    })
}

/// `London, GB` from a SigninLogs `LocationDetails` value.
fn place_of(details: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(details).ok()?;
    let place = ["city", "countryOrRegion"]
        .iter()
        .filter_map(|key| value[key].as_str().filter(|s| !s.is_empty()))
        .collect::<Vec<_>>()
        .join(", ");
    (!place.is_empty()).then_some(place)
}

/// `10 RemoteInteractive` for `10`; text that is not a number is kept as it is.
pub fn logon_type_name(logon_type: &str) -> String {
    let text = logon_type.trim();
    let Ok(number) = text.parse::<i64>() else {
        return text.to_string();
    };
    let name = match number {
        0 => "System",
        2 => "Interactive",
        3 => "Network",
        4 => "Batch",
        5 => "Service",
        7 => "Unlock",
        8 => "NetworkCleartext",
        9 => "NewCredentials",
        10 => "RemoteInteractive",
        11 => "CachedInteractive",
        12 => "CachedRemoteInteractive",
        13 => "CachedUnlock",
        _ => "Unknown",
    };
    format!("{number} {name}")
}

/// What a 4625 `Status`/`SubStatus` code means (lower-case hex), for the common ones.
fn status_text(code: &str) -> Option<&'static str> {
    Some(match code {
        "0xc000005e" => "no logon servers",
        "0xc0000064" => "no such user",
        "0xc000006a" => "bad password",
        "0xc000006d" => "bad user name or password",
        "0xc000006e" => "account restriction",
        "0xc000006f" => "outside allowed hours",
        "0xc0000070" => "workstation not allowed",
        "0xc0000071" => "password expired",
        "0xc0000072" => "account disabled",
        "0xc00000dc" => "server in wrong state",
        "0xc0000133" => "clock skew",
        "0xc000015b" => "logon type not granted",
        "0xc000018c" => "trust failed",
        "0xc0000192" => "netlogon not started",
        "0xc0000193" => "account expired",
        "0xc0000224" => "must change password",
        "0xc0000225" => "Windows bug",
        "0xc0000234" => "account locked out",
        "0xc00002ee" => "error during logon",
        "0xc0000413" => "authentication firewall",
        _ => return None,
    })
}

/// Successes and failures of one bar.
#[derive(Default, Clone, Copy)]
struct Counts {
    ok: usize,
    failed: usize,
}

impl Counts {
    fn add(&mut self, success: bool) {
        if success {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
    }

    fn total(self) -> usize {
        self.ok + self.failed
    }
}

/// Counts per value, in first-seen order.
fn tally<'t>(values: impl Iterator<Item = (&'t str, bool)>) -> Vec<(String, Counts)> {
    let mut out: Vec<(String, Counts)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (value, success) in values {
        let i = *index.entry(value).or_insert_with(|| {
            out.push((value.to_string(), Counts::default()));
            out.len() - 1
        });
        out[i].1.add(success);
    }
    out
}

/// The data the script needs: which table column each chart filters.
#[derive(Serialize)]
struct ScriptData {
    account: usize,
    kind: usize,
}

fn render(table: &Table, kind: LogonKind, has_time: bool, options: &LogonView<'_>) -> View {
    let logons = &table.logons;
    let failed = logons.iter().filter(|l| !l.success).count();
    let kind_header = match kind {
        LogonKind::Windows => "Logon type",
        LogonKind::SigninLogs => "Client app",
    };
    let mut accounts = tally(logons.iter().map(|l| (l.account.as_str(), l.success)));
    // Failures first: the accounts being guessed at matter more than the busy ones.
    accounts.sort_by(|a, b| (b.1.failed, b.1.total(), &a.0).cmp(&(a.1.failed, a.1.total(), &b.0)));
    let mut kinds = tally(logons.iter().map(|l| (l.kind.as_str(), l.success)));
    kinds.sort_by(|a, b| (b.1.total(), &a.0).cmp(&(a.1.total(), &b.0)));
    let mut hours = [Counts::default(); 24];
    for logon in logons {
        if let Some(hour) = logon.time.and_then(hour_of) {
            hours[hour].add(logon.success);
        }
    }

    let source = match kind {
        LogonKind::Windows => "Windows logons (4624/4625)",
        LogonKind::SigninLogs => "SigninLogs sign-ins",
    };
    let mut summary = format!(
        "{source}: {}, {} failed, {}",
        count_of(logons.len(), "logon"),
        thousands(failed),
        count_of(accounts.len(), "account")
    );
    if table.other > 0 {
        let _ = write!(
            summary,
            "; {} left out",
            count_of(table.other, "other event")
        );
    }

    let mut inner = String::new();
    let _ = write!(inner, "<style>{LOGON_CSS}</style>");
    if let Some(title) = &options.title {
        let _ = write!(inner, "<div class=\"hv-title\">{}</div>", html::esc(title));
    }
    let _ = write!(
        inner,
        "<div class=\"hv-note\">{}</div>",
        html::esc(&summary)
    );
    let _ = write!(
        inner,
        "<div class=\"hv-note\"><span class=\"hv-badge\" style=\"background:{SUCCESS_COLOUR};color:#fff\">success</span>\
         <span class=\"hv-badge\" style=\"background:{FAILURE_COLOUR};color:#fff\">failure</span></div>"
    );
    inner.push_str("<div class=\"hv-logon-charts\">");
    inner.push_str(&bar_chart(
        "Accounts, most failures first",
        "account",
        &accounts,
    ));
    inner.push_str(&bar_chart(kind_header, "kind", &kinds));
    if has_time {
        inner.push_str(&hour_chart(&hours));
    }
    inner.push_str("</div>");
    inner.push_str(&table_html(table, kind_header, options.max_rows));
    inner.push_str(&html::json_data(&ScriptData {
        account: 2,
        kind: 3,
    }));
    let html = html::view_root(KIND, &inner, Some(LOGON_JS));
    View::new(KIND, html, plain(&summary, &accounts, kind_header, &kinds))
}

fn hour_of(ms: i64) -> Option<usize> {
    DateTime::<Utc>::from_timestamp_millis(ms).map(|t| t.hour() as usize)
}

const LABEL_WIDTH: f64 = 190.0;
const BAR_SPACE: f64 = 220.0;
const ROW_HEIGHT: f64 = 17.0;

/// Horizontal stacked bars: one row per value, its successes then its failures.
fn bar_chart(title: &str, filter: &str, rows: &[(String, Counts)]) -> String {
    let shown = &rows[..rows.len().min(MAX_BARS)];
    let max = shown
        .iter()
        .map(|(_, c)| c.total())
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let height =
        22.0 + ROW_HEIGHT * shown.len() as f64 + if rows.len() > shown.len() { 16.0 } else { 4.0 };
    // Room right of the longest bar for `12,345 (1,234 failed)`.
    let width = LABEL_WIDTH + BAR_SPACE + 125.0;
    let mut out = format!(
        "<svg class=\"hv-logon-chart\" data-filter=\"{filter}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\
         <text x=\"0\" y=\"13\" font-weight=\"600\">{}</text>",
        html::num(width),
        html::num(height),
        html::num(width),
        html::num(height),
        html::esc(title)
    );
    for (i, (value, counts)) in shown.iter().enumerate() {
        let y = 22.0 + ROW_HEIGHT * i as f64;
        let label = if value.is_empty() { "(none)" } else { value };
        let short: String = if label.chars().count() > 28 {
            label.chars().take(27).chain(['…']).collect()
        } else {
            label.to_string()
        };
        let ok_width = BAR_SPACE * counts.ok as f64 / max;
        let failed_width = BAR_SPACE * counts.failed as f64 / max;
        let tip = format!(
            "{label}: {}, {} failed",
            count_of(counts.total(), "logon"),
            thousands(counts.failed)
        );
        let _ = write!(
            out,
            "<g class=\"hv-bar\" data-value=\"{}\"><title>{}</title>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{SUCCESS_COLOUR}\"/>\
             <rect class=\"hv-bar-fail\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{FAILURE_COLOUR}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text></g>",
            html::esc(value),
            html::esc(&tip),
            html::num(LABEL_WIDTH - 6.0),
            html::num(y + 12.0),
            html::esc(&short),
            html::num(LABEL_WIDTH),
            html::num(y + 2.0),
            html::num(ok_width),
            html::num(ROW_HEIGHT - 4.0),
            html::num(LABEL_WIDTH + ok_width),
            html::num(y + 2.0),
            html::num(failed_width),
            html::num(ROW_HEIGHT - 4.0),
            html::num(LABEL_WIDTH + ok_width + failed_width + 4.0),
            html::num(y + 12.0),
            if counts.failed > 0 {
                format!(
                    "{} ({} failed)",
                    thousands(counts.total()),
                    thousands(counts.failed)
                )
            } else {
                thousands(counts.total())
            }
        );
    }
    if rows.len() > shown.len() {
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\" font-size=\"11\">… {} more</text>",
            html::num(height - 4.0),
            thousands(rows.len() - shown.len())
        );
    }
    out.push_str("</svg>");
    out
}

/// 24 vertical stacked bars, one per hour of the day (UTC).
fn hour_chart(hours: &[Counts; 24]) -> String {
    let (left, top, bar, plot) = (30.0, 22.0, 14.0, 160.0);
    let max = hours.iter().map(|c| c.total()).max().unwrap_or(1).max(1) as f64;
    let width = left + 24.0 * bar + 10.0;
    let height = top + plot + 20.0;
    let mut out = format!(
        "<svg class=\"hv-logon-chart\" data-filter=\"hour\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\">\
         <text x=\"0\" y=\"13\" font-weight=\"600\">Hour of day (UTC)</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"10\">{}</text>\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
        html::num(width),
        html::num(height),
        html::num(width),
        html::num(height),
        html::num(left - 3.0),
        html::num(top + 8.0),
        thousands(max as usize),
        html::num(top + plot),
        html::num(width - 10.0),
        html::num(top + plot),
    );
    for (hour, counts) in hours.iter().enumerate() {
        let x = left + bar * hour as f64;
        let ok_height = plot * counts.ok as f64 / max;
        let failed_height = plot * counts.failed as f64 / max;
        let base = top + plot;
        let _ = write!(
            out,
            "<g class=\"hv-bar\" data-value=\"{hour}\"><title>{hour:02}:00–{hour:02}:59: {}, {} failed</title>\
             <rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{SUCCESS_COLOUR}\"/>\
             <rect class=\"hv-bar-fail\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{FAILURE_COLOUR}\"/>\
             <rect x=\"{}\" y=\"{top}\" width=\"{bar}\" height=\"{plot}\" fill=\"transparent\"/></g>",
            count_of(counts.total(), "logon"),
            thousands(counts.failed),
            html::num(x + 1.0),
            html::num(base - ok_height),
            html::num(bar - 2.0),
            html::num(ok_height),
            html::num(x + 1.0),
            html::num(base - ok_height - failed_height),
            html::num(bar - 2.0),
            html::num(failed_height),
            html::num(x),
        );
        if hour % 3 == 0 {
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{hour}</text>",
                html::num(x + bar / 2.0),
                html::num(base + 13.0)
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// Which logons the table shows when there are more than `max_rows`: every failure
/// (up to the cap; they are what an analyst looks for), then the earliest successes.
/// Indexes in time order.
fn table_rows(logons: &[Logon], max_rows: usize) -> Vec<usize> {
    if logons.len() <= max_rows {
        return (0..logons.len()).collect();
    }
    let failures = logons.iter().filter(|l| !l.success).count().min(max_rows);
    let mut successes = max_rows - failures;
    let mut failures_left = failures;
    let mut rows = Vec::with_capacity(max_rows);
    for (i, logon) in logons.iter().enumerate() {
        let take = if logon.success {
            &mut successes
        } else {
            &mut failures_left
        };
        if *take > 0 {
            *take -= 1;
            rows.push(i);
        }
    }
    rows
}

/// The table: logons in time order (see [`table_rows`] for the cap), failures
/// highlighted.
fn table_html(table: &Table, kind_header: &str, max_rows: usize) -> String {
    let logons = &table.logons;
    let rows = table_rows(logons, max_rows);
    let mut out = String::with_capacity(rows.len() * 300 + 1024);
    out.push_str("<div class=\"hv-logon-tools\"></div>");
    if rows.len() < logons.len() {
        let _ = write!(
            out,
            "<div class=\"hv-note hv-logon-capped\">The table shows {} of {} logons: \
             the failures and then the earliest successes. The charts and counts cover them all.</div>",
            thousands(rows.len()),
            thousands(logons.len())
        );
    }
    out.push_str(
        "<div class=\"hv-logon-scroll\" style=\"max-height:480px;overflow:auto\"><table class=\"hv-logon-table\"><thead><tr><th>Time</th><th>Result</th><th>Account</th>",
    );
    let _ = write!(out, "<th>{}</th>", html::esc(kind_header));
    for header in &table.headers {
        let _ = write!(out, "<th>{}</th>", html::esc(header));
    }
    out.push_str("</tr></thead><tbody>");
    for logon in rows.iter().map(|&i| &logons[i]) {
        let hour = logon.time.and_then(hour_of).map_or(-1, |h| h as i64);
        if logon.success {
            let _ = write!(out, "<tr data-h=\"{hour}\">");
        } else {
            // The inline style keeps the highlight where a renderer strips <style>.
            let _ = write!(
                out,
                "<tr class=\"hv-fail\" data-h=\"{hour}\" style=\"background:#fde2e1;color:#5c0b0b\">"
            );
        }
        let time = logon.time.map(time_axis::full).unwrap_or_default();
        let _ = write!(
            out,
            "<td>{}</td><td class=\"hv-res\">{}</td><td>{}</td><td>{}</td>",
            html::esc(&time),
            if logon.success { "success" } else { "failure" },
            html::esc(&logon.account),
            html::esc(&logon.kind)
        );
        for cell in &logon.cells {
            let _ = write!(out, "<td>{}</td>", html::esc(cell));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

fn plain(
    summary: &str,
    accounts: &[(String, Counts)],
    kind_header: &str,
    kinds: &[(String, Counts)],
) -> String {
    let mut out = summary.to_string();
    let failing: Vec<String> = accounts
        .iter()
        .filter(|(_, c)| c.failed > 0)
        .take(5)
        .map(|(a, c)| format!("{a} {} of {}", thousands(c.failed), thousands(c.total())))
        .collect();
    if !failing.is_empty() {
        let _ = write!(out, "\nMost failures: {}", failing.join("; "));
    }
    let by_kind: Vec<String> = kinds
        .iter()
        .take(8)
        .map(|(k, c)| {
            let k = if k.is_empty() { "(none)" } else { k };
            format!(
                "{k} {} ({} failed)",
                thousands(c.total()),
                thousands(c.failed)
            )
        })
        .collect();
    if !by_kind.is_empty() {
        let _ = write!(
            out,
            "\nBy {}: {}",
            kind_header.to_lowercase(),
            by_kind.join("; ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view's HTML without the shared CSS, its own CSS and the script, a tag a line.
    fn body(view: &View) -> String {
        let html = view.html();
        let start = html.find("</style>").unwrap() + "</style>".len();
        let start = html[start..].find("</style>").unwrap() + start + "</style>".len();
        let end = html.rfind("<script>").unwrap();
        html[start..end].replace("><", ">\n<")
    }

    fn windows_sample() -> DataFrame {
        df!(
            "TimeGenerated" => ["2026-10-28T09:00:00Z", "2026-10-28T09:05:00Z", "2026-10-28T10:00:00Z", "2026-10-28T23:30:00Z", "2026-10-28T09:01:00Z"],
            "EventID" => [4624, 4625, 4624, 4625, 4688],
            "TargetUserName" => ["ann", "ann", "svc-<x>", "ann", "-"],
            "TargetDomainName" => ["LARKMOOR", "LARKMOOR", "-", "LARKMOOR", ""],
            "LogonType" => [Some(10), Some(3), Some(5), Some(3), None],
            "IpAddress" => ["10.10.20.24", "203.0.113.9", "-", "203.0.113.9", ""],
            "Status" => ["", "0xc000006d", "", "0xC000006D", ""],
            "SubStatus" => ["", "0xc000006a", "", "0x0", ""]
        )
        .unwrap()
    }

    #[test]
    fn windows_snapshot() {
        let view = LogonView::new(&windows_sample())
            .title("Logons")
            .build()
            .unwrap();
        assert_eq!(view.kind(), "logon");
        insta::assert_snapshot!(body(&view));
        insta::assert_snapshot!("windows_plain", view.plain());
    }

    #[test]
    fn signin_snapshot() {
        let df = df!(
            "TimeGenerated" => ["2026-10-28T14:00:00Z", "2026-10-28T14:02:00Z"],
            "UserPrincipalName" => ["ann@larkmoor.com", "ann@larkmoor.com"],
            "ResultType" => ["50126", "0"],
            "ResultDescription" => ["Invalid username or password.", ""],
            "AppDisplayName" => ["Azure Portal", "Azure Portal"],
            "ClientAppUsed" => ["Browser", "Browser"],
            "IPAddress" => ["185.220.101.4", "185.220.101.4"],
            "LocationDetails" => [r#"{"city":"Bucharest","countryOrRegion":"RO"}"#, "{}"],
            "Location" => ["RO", "RO"]
        )
        .unwrap();
        let view = LogonView::new(&df).build().unwrap();
        insta::assert_snapshot!(body(&view));
        insta::assert_snapshot!("signin_plain", view.plain());
    }

    #[test]
    fn wrong_shape_names_the_columns() {
        let df = df!("a" => [1], "UserPrincipalName" => ["x"]).unwrap();
        let error = LogonView::new(&df).build().unwrap_err().to_string();
        assert_eq!(
            error,
            "not logon data: Windows logon events need columns 'EventID', 'TargetUserName', \
             SigninLogs need 'UserPrincipalName', 'ResultType'; its columns are: a, UserPrincipalName"
        );
        let error = LogonView::new(&df)
            .kind(LogonKind::SigninLogs)
            .build()
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("no column 'ResultType'"), "{error}");
    }

    #[test]
    fn caps_the_table_not_the_charts() {
        let view = LogonView::new(&windows_sample())
            .max_rows(1)
            .build()
            .unwrap();
        assert_eq!(
            view.html().matches("<tr data-h").count()
                + view.html().matches("<tr class=\"hv-fail\"").count(),
            1
        );
        assert!(view.html().contains("The table shows 1 of 4 logons"));
        // The one row kept is the earliest failure, not the earliest logon.
        assert!(view.html().contains("<tr class=\"hv-fail\" data-h=\"9\""));
        let view = LogonView::new(&windows_sample())
            .max_rows(3)
            .build()
            .unwrap();
        assert!(view.html().contains("2026-10-28 09:00:00Z"));
        assert!(!view.html().contains("2026-10-28 10:00:00Z"));
        assert!(
            view.plain().starts_with(
                "Windows logons (4624/4625): 4 logons, 2 failed, 2 accounts; 1 other event left out"
            ),
            "{}",
            view.plain()
        );
    }

    /// The query library's logon queries return what the view needs.
    #[test]
    fn library_logon_queries_feed_the_view() {
        let story = data::sample::story(&Default::default());
        let mut qp = data::QueryProvider::new("LocalData").unwrap();
        let logons = qp
            .query("WindowsSecurity.list_host_logons")
            .param("host_name", story.lateral_target_host.as_str())
            .run()
            .unwrap();
        assert!(logons.height() > 0);
        let view = LogonView::new(&logons).build().unwrap();
        let counts = format!("{} logons, 0 failed", logons.height());
        assert!(view.plain().contains(&counts), "{}", view.plain());
        let failures = qp
            .query("WindowsSecurity.list_logon_failures")
            .run()
            .unwrap();
        assert!(failures.height() > 0);
        let view = LogonView::new(&failures).build().unwrap();
        let counts = format!("{n} logons, {n} failed", n = failures.height());
        assert!(view.plain().contains(&counts), "{}", view.plain());
    }

    #[test]
    fn names_logon_types_and_statuses() {
        assert_eq!(logon_type_name("10"), "10 RemoteInteractive");
        assert_eq!(logon_type_name(" 3 "), "3 Network");
        assert_eq!(logon_type_name("42"), "42 Unknown");
        assert_eq!(logon_type_name("Network"), "Network");
        assert_eq!(status_text("0xc0000234"), Some("account locked out"));
        assert_eq!(hour_of(5 * 3_600_000 + 59_000), Some(5));
    }
}
