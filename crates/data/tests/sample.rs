//! The sample lab dataset: deterministic, fast enough, loadable, coherent, and with
//! every step of the planted intrusion findable from the data alone.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use data::polars::prelude::*;
use data::sample::{self, PlantedStory, SampleOptions, TABLES};
use data::{TableFormat, read_table};

fn temp_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("huntrs-sample-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The default dataset in memory, generated once for the tests that only read it.
fn default_tables() -> &'static [(&'static str, DataFrame)] {
    static TABLES: OnceLock<Vec<(&'static str, DataFrame)>> = OnceLock::new();
    TABLES.get_or_init(|| {
        let started = Instant::now();
        let tables = sample::tables(&SampleOptions::default()).expect("tables");
        eprintln!("in-memory generation: {:?}", started.elapsed());
        tables
    })
}

fn table(name: &str) -> DataFrame {
    default_tables()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, df)| df.clone())
        .unwrap_or_else(|| panic!("no table {name}"))
}

fn filter(df: &DataFrame, predicate: Expr) -> DataFrame {
    df.clone()
        .lazy()
        .filter(predicate)
        .collect()
        .expect("filter")
}

fn strings(df: &DataFrame, column: &str) -> Vec<String> {
    df.column(column)
        .expect("column")
        .str()
        .expect("string column")
        .iter()
        .map(|s| s.unwrap_or_default().to_string())
        .collect()
}

fn millis(df: &DataFrame, column: &str) -> Vec<i64> {
    df.column(column)
        .expect("column")
        .cast(&DataType::Int64)
        .expect("cast")
        .i64()
        .expect("i64")
        .into_no_null_iter()
        .collect()
}

fn contains(column: &str, text: &str) -> Expr {
    col(column).str().contains_literal(lit(text.to_string()))
}

fn eq(column: &str, text: &str) -> Expr {
    col(column).eq(lit(text.to_string()))
}

fn at(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

fn story() -> PlantedStory {
    sample::story(&SampleOptions::default())
}

#[test]
fn generation_is_deterministic_fast_and_loads_back() {
    let (a, b) = (temp_dir("a"), temp_dir("b"));
    let options = SampleOptions::default();
    let started = Instant::now();
    let summary = sample::generate(&a, &options).expect("generate a");
    let first = started.elapsed();
    let started = Instant::now();
    sample::generate(&b, &options).expect("generate b");
    eprintln!(
        "generate + write Parquet: {first:?}, again {:?}",
        started.elapsed()
    );
    eprintln!("{summary}");
    // Generous for unoptimised test builds on a busy machine; release is far faster.
    assert!(first.as_secs() < 60, "generation took {first:?}");

    let mut names: Vec<String> = std::fs::read_dir(&a)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = TABLES.iter().map(|t| format!("{t}.parquet")).collect();
    expected.sort();
    assert_eq!(names, expected, "one file per table and nothing else");
    for name in &names {
        let (x, y) = (
            std::fs::read(a.join(name)).expect("a"),
            std::fs::read(b.join(name)).expect("b"),
        );
        assert!(x == y, "{name} differs between two runs");
    }

    assert_eq!(summary.tables.len(), TABLES.len());
    for t in &summary.tables {
        let df = read_table(&t.path, false).expect("read back");
        assert_eq!(df.height(), t.rows, "{}", t.name);
        assert!(t.rows > 0, "{} is empty", t.name);
        let columns: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
        assert_eq!(
            columns,
            sample::columns(t.name).expect("known table"),
            "{}",
            t.name
        );
        assert!(
            matches!(
                df.column("TimeGenerated").expect("time").dtype(),
                DataType::Datetime(_, Some(_))
            ),
            "{}: TimeGenerated is a UTC datetime",
            t.name
        );
    }
    assert!(summary.total_rows() > 50_000, "{}", summary.total_rows());
    let _ = std::fs::remove_dir_all(&a);
    let _ = std::fs::remove_dir_all(&b);
}

#[test]
fn csv_on_request() {
    let dir = temp_dir("csv");
    let options = SampleOptions {
        days: 2,
        format: TableFormat::Csv,
        ..SampleOptions::default()
    };
    let summary = sample::generate(&dir, &options).expect("generate csv");
    for t in &summary.tables {
        assert_eq!(t.path, dir.join(format!("{}.csv", t.name)));
        let df = read_table(&t.path, true).expect("read csv");
        assert_eq!(df.height(), t.rows, "{}", t.name);
    }
    // The story still happens inside a short window.
    let story = sample::story(&options);
    assert!(
        story.times.phish_opened >= options.start() && story.times.exfil_transfer < options.end
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn errors_name_the_path() {
    let file = temp_dir("not-a-dir");
    std::fs::write(&file, b"x").expect("file");
    let target = file.join("out");
    let err = sample::generate(&target, &SampleOptions::default()).expect_err("under a file");
    let text = err.to_string();
    assert!(text.contains(&target.display().to_string()), "{text}");
    assert!(text.contains("writable directory"), "{text}");
    let err = sample::generate(
        &file,
        &SampleOptions {
            days: 99,
            ..SampleOptions::default()
        },
    )
    .expect_err("days");
    assert!(
        err.to_string().contains("days must be between 1 and 31"),
        "{err}"
    );
    let _ = std::fs::remove_file(&file);
}

#[test]
fn seed_varies_background_but_not_the_story() {
    let options = SampleOptions {
        seed: 2,
        days: 2,
        ..SampleOptions::default()
    };
    let other = sample::tables(&options).expect("tables");
    let base = sample::tables(&SampleOptions {
        days: 2,
        ..SampleOptions::default()
    })
    .expect("tables");
    assert_ne!(
        other[1].1.height(),
        base[1].1.height(),
        "SecurityEvent volume follows the seed"
    );
    assert_eq!(sample::story(&options).c2_ip, story().c2_ip);
}

#[test]
fn process_creations_form_trees() {
    // Every 4688's creator is an earlier 4688 on the same computer with that pid and
    // image (System, pid 4, is the only root), so tree builders need infer nothing.
    let events = filter(&table("SecurityEvent"), col("EventID").eq(lit(4688)));
    let computers = strings(&events, "Computer");
    let new_pid = strings(&events, "NewProcessId");
    let parent_pid = strings(&events, "ProcessId");
    let new_name = strings(&events, "NewProcessName");
    let parent_name = strings(&events, "ParentProcessName");
    let mut live: std::collections::HashMap<(String, String), String> = Default::default();
    let mut roots = 0;
    for i in 0..events.height() {
        if parent_pid[i] == "0x4" {
            roots += 1;
        } else {
            let parent = live.get(&(computers[i].clone(), parent_pid[i].clone()));
            assert_eq!(
                parent.map(String::as_str),
                Some(parent_name[i].as_str()),
                "row {i}: {} on {} has no parent {} {}",
                new_name[i],
                computers[i],
                parent_pid[i],
                parent_name[i]
            );
        }
        live.insert(
            (computers[i].clone(), new_pid[i].clone()),
            new_name[i].clone(),
        );
    }
    assert!(roots > 0);
    let windows_hosts = computers
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(roots, windows_hosts, "one smss.exe per host");
}

#[test]
fn planted_chain_is_present_across_tables() {
    let s = story();
    let t = &s.times;
    let ws = |df: &DataFrame, column: &str| {
        filter(
            df,
            col(column)
                .str()
                .to_lowercase()
                .str()
                .starts_with(lit(s.patient_zero_host.to_lowercase())),
        )
    };

    // 1. Phishing: OUTLOOK.EXE -> WINWORD.EXE -> encoded powershell, in 4688 ...
    let procs = ws(
        &filter(&table("SecurityEvent"), col("EventID").eq(lit(4688))),
        "Computer",
    );
    let word = filter(
        &procs,
        contains("CommandLine", &s.attachment).and(contains("ParentProcessName", "OUTLOOK.EXE")),
    );
    assert_eq!(
        word.height(),
        1,
        "WINWORD opened the attachment from Outlook"
    );
    let word_pid = strings(&word, "NewProcessId")[0].clone();
    let ps = filter(
        &procs,
        eq("ProcessId", &word_pid).and(contains("NewProcessName", "powershell.exe")),
    );
    assert_eq!(ps.height(), 1, "PowerShell started by WINWORD");
    let command_line = strings(&ps, "CommandLine")[0].clone();
    assert!(command_line.contains(" -enc "), "{command_line}");
    assert_eq!(command_line, s.powershell_command_line);
    // ... and in Defender for Endpoint.
    let mde = ws(&table("DeviceProcessEvents"), "DeviceName");
    let mde_ps = filter(
        &mde,
        eq("InitiatingProcessFileName", "WINWORD.EXE").and(eq("FileName", "powershell.exe")),
    );
    assert_eq!(mde_ps.height(), 1);
    assert_eq!(
        strings(&mde_ps, "InitiatingProcessParentFileName"),
        ["OUTLOOK.EXE"]
    );
    assert_eq!(
        strings(&mde_ps, "AccountName"),
        std::slice::from_ref(&s.phished_account)
    );

    // The encoded command decodes (base64 of UTF-16LE) to a cradle for the C2 URL.
    let decoded = sectools::B64Unpacker::default().unpack(&command_line);
    let text = decoded
        .items
        .iter()
        .filter_map(|i| i.decoded_string.clone())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains(&s.c2_url), "decoded: {text}");
    assert_eq!(text, s.decoded_command);

    // DNS lookup of the C2 domain before the first C2 connection.
    let dns = table("DnsEvents");
    let c2_lookups = filter(
        &dns,
        eq("Name", &s.c2_domain).and(eq("ClientIP", &s.patient_zero_ip)),
    );
    let first_lookup = *millis(&c2_lookups, "TimeGenerated")
        .iter()
        .min()
        .expect("C2 lookup");
    let c2_net = filter(&table("DeviceNetworkEvents"), eq("RemoteIP", &s.c2_ip));
    let first_connection = *millis(&c2_net, "TimeGenerated")
        .iter()
        .min()
        .expect("C2 connection");
    assert!(first_lookup < first_connection);
    assert_eq!(first_connection, at(t.c2_first_connection));
    assert!(strings(&c2_net, "InitiatingProcessFileName").contains(&"powershell.exe".to_string()));
    let fw = table("CommonSecurityLog");
    let fw_c2 = filter(&fw, eq("DestinationIP", &s.c2_ip));
    assert!(strings(&fw_c2, "RequestURL").contains(&s.c2_url));

    // 2. Credential access: rundll32 comsvcs.dll MiniDump of LSASS.
    let dump = filter(&procs, contains("CommandLine", "comsvcs.dll, MiniDump"));
    assert_eq!(
        strings(&dump, "CommandLine"),
        std::slice::from_ref(&s.credential_dump_command)
    );
    assert_eq!(millis(&dump, "TimeGenerated"), [at(t.credential_dump)]);
    assert_eq!(
        strings(&dump, "TokenElevationType"),
        ["%%1937"],
        "elevated via fodhelper"
    );

    // 3. Lateral movement: failures, then the stolen admin account from patient zero.
    let security = table("SecurityEvent");
    let target = filter(
        &security,
        col("Computer")
            .str()
            .starts_with(lit(format!("{}.", s.lateral_target_host))),
    );
    let from_p0 = filter(&target, eq("IpAddress", &s.patient_zero_ip));
    let failures = filter(&from_p0, col("EventID").eq(lit(4625)));
    assert!(
        failures.height() >= 3,
        "failed logons before the successful one"
    );
    let logon = filter(
        &from_p0,
        col("EventID")
            .eq(lit(4624))
            .and(eq("TargetUserName", &s.compromised_account)),
    );
    assert_eq!(logon.height(), 1);
    assert_eq!(strings(&logon, "LogonTypeName"), ["3 - Network"]);
    let logon_time = millis(&logon, "TimeGenerated")[0];
    assert!(
        millis(&failures, "TimeGenerated")
            .iter()
            .all(|&f| f < logon_time)
    );
    let logon_id = strings(&logon, "TargetLogonId")[0].clone();
    let special = filter(
        &target,
        col("EventID")
            .eq(lit(4672))
            .and(eq("SubjectLogonId", &logon_id)),
    );
    assert_eq!(
        strings(&special, "SubjectUserName"),
        std::slice::from_ref(&s.compromised_account)
    );
    // Never before from that address: the account's other logons come from elsewhere.
    let admin_logons = filter(
        &security,
        col("EventID")
            .eq(lit(4624))
            .and(eq("TargetUserName", &s.compromised_account)),
    );
    let sources = strings(&admin_logons, "IpAddress");
    assert!(
        sources
            .iter()
            .filter(|ip| **ip == s.patient_zero_ip)
            .count()
            == 1,
        "{sources:?}"
    );

    // Cloud sign-in from an unusual country.
    let signins = table("SigninLogs");
    let abroad = filter(
        &signins,
        eq("UserPrincipalName", &s.compromised_upn).and(eq("IPAddress", &s.attacker_ip)),
    );
    assert!(strings(&abroad, "ResultType").contains(&"0".to_string()));
    assert!(
        strings(&abroad, "Location")
            .iter()
            .all(|c| *c == s.attacker_country)
    );
    let countries = strings(&signins, "Location");
    let share = countries
        .iter()
        .filter(|c| **c == s.attacker_country)
        .count();
    assert!(
        share <= 3,
        "{} is rare for this organisation",
        s.attacker_country
    );

    // 4. Linux: sshd accepted a password from patient zero, then cron persistence.
    let syslog = filter(&table("Syslog"), eq("Computer", &s.linux_host));
    let accepted = filter(
        &syslog,
        contains(
            "SyslogMessage",
            &format!(
                "Accepted password for {} from {}",
                s.compromised_account, s.patient_zero_ip
            ),
        ),
    );
    assert_eq!(accepted.height(), 1);
    let audit = filter(&table("LinuxAudit"), eq("Computer", &s.linux_host));
    let log = sectools::auditd_from_df(&audit, "RawData", None).expect("auditd");
    assert!(log.issues.is_empty(), "{:?}", log.issues.first());
    let persistence = log
        .events
        .iter()
        .find(|e| {
            e.event_type == "SYSCALL_EXECVE"
                && e.cmdline()
                    .is_some_and(|c| c.contains(&s.persistence_command))
        })
        .expect("persistence execve");
    assert_eq!(persistence.timestamp.timestamp_millis(), at(t.persistence));
    assert_eq!(persistence.summary().uid, Some(0));
    let cron_runs = filter(
        &syslog,
        contains("SyslogMessage", "curl -s http://").and(eq("ProcessName", "CRON")),
    );
    assert!(cron_runs.height() > 10, "the cron job keeps fetching");

    // 5. Exfiltration: DNS lookup of the rare domain, then a large upload to a rare IP.
    let exfil_lookup = filter(&dns, eq("Name", &s.exfil_domain));
    let lookup_time = *millis(&exfil_lookup, "TimeGenerated")
        .iter()
        .min()
        .expect("exfil lookup");
    let upload = filter(&fw, eq("DestinationIP", &s.exfil_ip));
    assert_eq!(upload.height(), 1, "one flow to the rare IP");
    assert!(millis(&upload, "SentBytes")[0] >= 100_000_000);
    assert!(lookup_time < millis(&upload, "TimeGenerated")[0]);
    let mde_upload = filter(&table("DeviceNetworkEvents"), eq("RemoteIP", &s.exfil_ip));
    assert_eq!(
        strings(&mde_upload, "InitiatingProcessFileName"),
        ["curl.exe"]
    );

    // Threat intelligence knows the C2 IP, the exfiltration domain and the sender.
    let ti = table("ThreatIntelligenceIndicator");
    assert_eq!(filter(&ti, eq("NetworkIP", &s.c2_ip)).height(), 1);
    assert_eq!(filter(&ti, eq("DomainName", &s.exfil_domain)).height(), 1);
    assert_eq!(
        filter(&ti, eq("EmailSenderAddress", &s.phishing_sender)).height(),
        1
    );
    assert_eq!(
        filter(&ti, eq("NetworkIP", &s.exfil_ip)).height(),
        0,
        "found by rarity, not TI"
    );

    // Alerts whose Entities name the compromised host and accounts.
    let alerts = table("SecurityAlert");
    let entities = strings(&alerts, "Entities");
    let host_json = format!("\"HostName\":\"{}\"", s.patient_zero_host);
    let admin_json = format!("\"Name\":\"{}\"", s.compromised_account);
    assert!(
        entities.iter().any(|e| e.contains(&host_json)
            && e.contains(&format!("\"Name\":\"{}\"", s.phished_account)))
    );
    assert!(entities.iter().filter(|e| e.contains(&admin_json)).count() >= 3);
    for e in &entities {
        let parsed: serde_json::Value = serde_json::from_str(e).expect("Entities is JSON");
        assert!(parsed.as_array().is_some_and(|a| {
            a.iter()
                .all(|x| x.get("$id").is_some() && x.get("Type").is_some())
        }));
    }
    let names = strings(&alerts, "AlertName");
    for name in [
        "Suspicious PowerShell command line",
        "Suspicious access to LSASS service memory",
        "Crontab modified to download and run a script",
        "Large upload to a rare external destination",
    ] {
        assert!(names.iter().any(|n| n == name), "{name}");
    }
    assert!(
        alerts.height() > 20,
        "background alerts too: {}",
        alerts.height()
    );
}

#[test]
fn default_dir_follows_the_environment_variable() {
    // Only read here: setting variables in a multi-threaded test process is unsafe.
    match std::env::var_os("HUNTRS_SAMPLE_DATA") {
        Some(dir) if !dir.is_empty() => assert_eq!(sample::default_dir(), Path::new(&dir)),
        _ => {
            let dir = sample::default_dir();
            assert!(dir.ends_with(Path::new("sample-data").join(dir.file_name().expect("leaf"))));
            assert!(dir.to_string_lossy().contains(env!("CARGO_PKG_VERSION")));
        }
    }
}

/// The sample SecurityAlert rows become typed alerts whose entities and query
/// parameters name the intrusion's host and account.
#[test]
fn sample_alerts_become_entities_and_query_parameters() {
    let options = SampleOptions::default();
    let story = data::sample::story(&options);
    let tables = data::sample::tables(&options).expect("tables");
    let (_, alerts_df) = tables
        .iter()
        .find(|(name, _)| *name == "SecurityAlert")
        .expect("SecurityAlert");
    let alerts = data::security_alerts(alerts_df).expect("alerts parse");
    assert_eq!(alerts.len(), alerts_df.height());
    let on_patient_zero: Vec<_> = alerts
        .iter()
        .filter(|a| {
            a.query_params().get("host_name").is_some_and(|h| {
                h.to_lowercase()
                    .starts_with(&story.patient_zero_host.to_lowercase())
            })
        })
        .collect();
    assert!(
        !on_patient_zero.is_empty(),
        "no alert names {}",
        story.patient_zero_host
    );
    let params = on_patient_zero[0].query_params();
    for key in ["start", "end", "host_name"] {
        assert!(params.contains_key(key), "{key} missing from {params:?}");
    }
    let err = data::row_map(alerts_df, alerts_df.height()).expect_err("past the end");
    assert!(err.to_string().contains("past the end"), "{err}");
}
