//! A week of ordinary activity: boots, workday logons, office software, DNS and
//! web traffic, service accounts, admins at work, Linux cron and ssh, cloud
//! sign-ins, and the internet's background noise at the perimeter.

use chrono::{Datelike, Weekday};

use super::org::{Kind, LINUX_SERVICES, OFFICE_EGRESS_IP, Role, SERVICES, Service};
use super::rng::Rng;
use super::rows::Ts;
use super::world::{Actor, Auth, Boot, Elevation, LSASS_PID, LinuxExec, World};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
/// A day in milliseconds.
pub(crate) const DAY: i64 = 86_400_000;

const SYS32: &str = "C:\\Windows\\System32";
const OFFICE: &str = "C:\\Program Files\\Microsoft Office\\root\\Office16";
const EDGE: &str = "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe";
/// Vulnerability scanner appliance, outside the lab's monitored hosts.
const SCANNER_IP: &str = "10.10.10.60";

/// Whether a day (its midnight) is Monday to Friday.
pub(crate) fn is_workday(day: Ts) -> bool {
    !matches!(day.to_chrono().weekday(), Weekday::Sat | Weekday::Sun)
}

/// The VPN address a remote user gets (stable per user, for readability).
pub(crate) fn vpn_ip(account: usize) -> String {
    format!("10.10.90.{}", 10 + account % 200)
}

/// A home broadband address for a user (stable per user).
pub(crate) fn home_ip(account: usize, country: &str) -> String {
    let rng = Rng::stream(account as u64, "home-ip");
    let first = if country == "US" {
        *rng.pick(&[24u64, 71, 73, 98, 174])
    } else {
        *rng.pick(&[2u64, 31, 81, 86, 90, 92, 109])
    };
    format!(
        "{first}.{}.{}.{}",
        rng.range(1, 254),
        rng.range(1, 254),
        rng.range(2, 254)
    )
}

/// Starts the boot processes of a Windows host.
pub(crate) fn boot(world: &mut World, rng: &Rng, host: usize, at: Ts) {
    let system = Actor::system(&world.org, host);
    let s = &system;
    let sys = |name: &str| format!("{SYS32}\\{name}");
    let smss = world.spawn_with_pid(
        host,
        None,
        at,
        388,
        &sys("smss.exe"),
        "\\SystemRoot\\System32\\smss.exe".into(),
        s,
        Elevation::System,
    );
    let t = |ms: i64| at.plus(ms);
    world.spawn_with_pid(host, Some(smss), t(900), 496, &sys("csrss.exe"), "%SystemRoot%\\system32\\csrss.exe ObjectDirectory=\\Windows SharedSection=1024,20480,768 Windows=On SubSystemType=Windows ServerDll=basesrv,1 ServerDll=winsrv:UserServerDllInitialization,3 ServerDll=sxssrv,4 ProfileControl=Off MaxRequestThreads=16".into(), s, Elevation::System);
    let wininit = world.spawn_with_pid(
        host,
        Some(smss),
        t(1200),
        572,
        &sys("wininit.exe"),
        "wininit.exe".into(),
        s,
        Elevation::System,
    );
    let winlogon = world.spawn_with_pid(
        host,
        Some(smss),
        t(1350),
        640,
        &sys("winlogon.exe"),
        "winlogon.exe".into(),
        s,
        Elevation::System,
    );
    let services = world.spawn_with_pid(
        host,
        Some(wininit),
        t(1600),
        700,
        &sys("services.exe"),
        "C:\\Windows\\system32\\services.exe".into(),
        s,
        Elevation::System,
    );
    world.spawn_with_pid(
        host,
        Some(wininit),
        t(1620),
        LSASS_PID,
        &sys("lsass.exe"),
        "C:\\Windows\\system32\\lsass.exe".into(),
        s,
        Elevation::System,
    );
    let svchost = sys("svchost.exe");
    let dcom = world.spawn(
        rng,
        host,
        Some(services),
        t(2100),
        &svchost,
        "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p".into(),
        s,
        Elevation::System,
    );
    let network = Actor::network_service(&world.org, host);
    world.spawn(
        rng,
        host,
        Some(services),
        t(2300),
        &svchost,
        "C:\\Windows\\system32\\svchost.exe -k RPCSS -p".into(),
        &network,
        Elevation::System,
    );
    let schedule = world.spawn(
        rng,
        host,
        Some(services),
        t(2900),
        &svchost,
        "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule".into(),
        s,
        Elevation::System,
    );
    world.spawn(
        rng,
        host,
        Some(services),
        t(3100),
        &svchost,
        "C:\\Windows\\system32\\svchost.exe -k LocalService -p -s EventLog".into(),
        s,
        Elevation::System,
    );
    world.spawn(
        rng,
        host,
        Some(services),
        t(3900),
        &sys("spoolsv.exe"),
        "C:\\Windows\\System32\\spoolsv.exe".into(),
        s,
        Elevation::System,
    );
    let defender = world.spawn(
        rng,
        host,
        Some(services),
        t(4200),
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe",
        "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MsMpEng.exe\""
            .into(),
        s,
        Elevation::System,
    );
    world.spawn(
        rng,
        host,
        Some(services),
        t(4800),
        "C:\\Program Files\\Windows Defender Advanced Threat Protection\\MsSense.exe",
        "\"MsSense.exe\"".into(),
        s,
        Elevation::System,
    );
    let role = world.org.hosts[host].role;
    match role {
        Role::DomainController => {
            world.spawn(
                rng,
                host,
                Some(services),
                t(5200),
                &sys("dns.exe"),
                "C:\\Windows\\system32\\dns.exe".into(),
                s,
                Elevation::System,
            );
            world.spawn(
                rng,
                host,
                Some(services),
                t(5400),
                &sys("dfsrs.exe"),
                "C:\\Windows\\system32\\DFSRs.exe".into(),
                s,
                Elevation::System,
            );
        }
        Role::SqlServer => {
            let sql = Actor::account(&world.org, world.org.account("svc-sql"));
            let sql = world.logon(rng, host, t(5000), &sql, 5, "-", "-", Auth::Negotiate);
            world.spawn(rng, host, Some(services), t(5100), "C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe", "\"C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe\" -sMSSQLSERVER".into(), &sql, Elevation::Full);
        }
        Role::AppServer => {
            let web = Actor::account(&world.org, world.org.account("svc-webapp"));
            let web = world.logon(rng, host, t(5000), &web, 5, "-", "-", Auth::Negotiate);
            let iis = world.spawn(
                rng,
                host,
                Some(services),
                t(5050),
                &svchost,
                "C:\\Windows\\system32\\svchost.exe -k iissvcs".into(),
                s,
                Elevation::System,
            );
            world.spawn(rng, host, Some(iis), t(5300), "C:\\Windows\\System32\\inetsrv\\w3wp.exe", "c:\\windows\\system32\\inetsrv\\w3wp.exe -ap \"LarkmoorPortal\" -v \"v4.0\" -l \"webengine4.dll\" -a \\\\.\\pipe\\iisipm4f1c -h \"C:\\inetpub\\temp\\apppools\\LarkmoorPortal\\LarkmoorPortal.config\" -w \"\" -m 0".into(), &web, Elevation::Full);
        }
        Role::BackupServer => {
            let veeam = Actor::account(&world.org, world.org.account("svc-veeam"));
            let veeam = world.logon(rng, host, t(5000), &veeam, 5, "-", "-", Auth::Negotiate);
            world.spawn(rng, host, Some(services), t(5100), "C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe", "\"C:\\Program Files\\Veeam\\Backup and Replication\\Backup\\Veeam.Backup.Service.exe\"".into(), &veeam, Elevation::Full);
        }
        _ => {}
    }
    world.hosts[host].boot = Some(Boot {
        winlogon,
        dcom,
        schedule,
        defender,
    });
}

fn pick_service<'a>(rng: &Rng, services: &'a [Service]) -> &'a Service {
    let weights: Vec<u32> = services.iter().map(|s| s.weight).collect();
    &services[rng.weighted(&weights)]
}

/// A process talking to an internet service: the DNS lookup (when not cached) and
/// the connection.
fn browse(world: &mut World, rng: &Rng, proc: usize, at: Ts, service: &Service) {
    let host = world.procs[proc].host;
    let ip = *rng.pick(service.ips);
    world.resolve(host, at, service.name, service.ips);
    let sent = rng.range(800, 40_000);
    let received = rng.range(4_000, 2_500_000);
    world.connect(
        rng,
        proc,
        at.plus(rng.range(8, 90)),
        ip,
        443,
        service.name,
        sent,
        received,
    );
}

/// The boot processes, or a boot done now if the host has none yet.
fn boot_of(world: &mut World, rng: &Rng, host: usize, at: Ts) -> Boot {
    if world.hosts[host].boot.is_none() {
        boot(world, rng, host, at);
    }
    world.hosts[host].boot.clone().unwrap_or_default()
}

/// An interactive desktop session: userinit and explorer under winlogon.
pub(crate) fn desktop(world: &mut World, rng: &Rng, host: usize, at: Ts, session: &Actor) -> usize {
    let boot = boot_of(world, rng, host, at);
    let userinit = world.spawn(
        rng,
        host,
        Some(boot.winlogon),
        at.plus(rng.range(300, 900)),
        &format!("{SYS32}\\userinit.exe"),
        "C:\\Windows\\system32\\userinit.exe".into(),
        session,
        Elevation::Limited,
    );
    world.spawn(
        rng,
        host,
        Some(userinit),
        at.plus(rng.range(1_000, 2_500)),
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE".into(),
        session,
        Elevation::Limited,
    )
}

/// A user's workday on their workstation. Returns the session, or None when away.
fn workstation_day(world: &mut World, rng: &Rng, host: usize, day: Ts) {
    let boot = boot_of(world, rng, host, day);
    let system = Actor::system(&world.org, host);
    let ws_ip = world.org.hosts[host].ip.clone();
    // Housekeeping that runs whether or not anyone is at work.
    for _ in 0..rng.range(6, 12) {
        let t = day.plus(rng.range(0, DAY - HOUR));
        world.spawn(
            rng,
            host,
            Some(boot.schedule),
            t,
            &format!("{SYS32}\\taskhostw.exe"),
            "taskhostw.exe SYSTEM".into(),
            &system,
            Elevation::System,
        );
    }
    // Windows telemetry and update checks, day and night.
    let settings = SERVICES
        .iter()
        .find(|s| s.name == "settings-win.data.microsoft.com")
        .copied();
    if let Some(service) = settings {
        for k in 0..6 {
            let t = day.plus(k * 4 * HOUR + rng.range(0, 3 * HOUR));
            let svc = world.spawn(rng, host, Some(boot.schedule), t, &format!("{SYS32}\\CompatTelRunner.exe"), "C:\\Windows\\system32\\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun".into(), &system, Elevation::System);
            browse(world, rng, svc, t.plus(1_500), &service);
        }
    }
    let t = day.plus(rng.range(HOUR, 6 * HOUR));
    let mp = world.spawn(rng, host, Some(boot.defender), t, "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe", "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.24090.11-0\\MpCmdRun.exe\" -SignatureUpdate -ScheduleJob -RestrictPrivileges -DailyReport".into(), &system, Elevation::System);
    let wdcp = SERVICES
        .iter()
        .find(|s| s.name == "wdcp.microsoft.com")
        .copied();
    if let Some(service) = wdcp {
        browse(world, rng, mp, t.plus(2_000), &service);
    }
    // Machine account Kerberos ticket renewals seen by a domain controller.
    let dcs = world.org.hosts_with(Role::DomainController);
    for k in 0..6 {
        let t = day.plus(k * 4 * HOUR + rng.range(0, 30 * MINUTE));
        let dc = *rng.pick(&dcs);
        let machine = Actor::system(&world.org, host);
        let name = world.org.hosts[host].name.clone();
        let session = world.logon(
            rng,
            dc,
            t,
            &Actor {
                privileged: false,
                ..machine
            },
            3,
            &ws_ip,
            &name,
            Auth::Kerberos,
        );
        world.logoff(dc, t.plus(rng.range(50, 400)), &session, 3);
    }

    let Some(owner) = world.org.hosts[host].owner else {
        return;
    };
    if !is_workday(day) || rng.chance(0.06) || world.reserved == Some((host, day)) {
        return;
    }
    let user = Actor::account(&world.org, owner);
    let dept = world.org.accounts[owner].department;
    let start = day.plus(7 * HOUR + 40 * MINUTE + rng.range(0, 110 * MINUTE));
    let end = day.plus(16 * HOUR + 30 * MINUTE + rng.range(0, 130 * MINUTE));
    let ws_name = world.org.hosts[host].name.clone();
    let dc = *rng.pick(&dcs);
    let kerb = world.logon(
        rng,
        dc,
        start.plus(-400),
        &user,
        3,
        &ws_ip,
        &ws_name,
        Auth::Kerberos,
    );
    world.logoff(dc, start.plus(-100), &kerb, 3);
    let session = world.logon(
        rng,
        host,
        start,
        &user,
        2,
        &ws_ip,
        &ws_name,
        Auth::Negotiate,
    );
    let explorer = desktop(world, rng, host, start, &session);
    let office = |exe: &str| format!("{OFFICE}\\{exe}");
    let outlook = world.spawn(
        rng,
        host,
        Some(explorer),
        start.plus(rng.range(20_000, 200_000)),
        &office("OUTLOOK.EXE"),
        format!("\"{OFFICE}\\OUTLOOK.EXE\" "),
        &session,
        Elevation::Limited,
    );
    let teams = world.spawn(rng, host, Some(explorer), start.plus(rng.range(5_000, 60_000)), "C:\\Program Files\\WindowsApps\\MSTeams_24243.1309.3132.617_x64__8wekyb3d8bbwe\\ms-teams.exe", "\"ms-teams.exe\" msteams:system-initiated".into(), &session, Elevation::Limited);
    world.spawn(
        rng,
        host,
        Some(explorer),
        start.plus(rng.range(3_000, 30_000)),
        "C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
        "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background".into(),
        &session,
        Elevation::Limited,
    );
    // Mapped drive on the file server.
    let fs = world.org.host("SRV-FS01");
    let smb = world.logon(
        rng,
        fs,
        start.plus(rng.range(4_000, 9_000)),
        &user,
        3,
        &ws_ip,
        &ws_name,
        Auth::Kerberos,
    );
    world.logoff(fs, end.plus(rng.range(-5_000, 0)), &smb, 3);

    let span = (end.0 - start.0).max(HOUR);
    // Mail and chat clients poll all day.
    for (client, service, every) in [
        (outlook, SERVICES[0], 12 * MINUTE),
        (teams, SERVICES[2], 9 * MINUTE),
    ] {
        let mut t = start.plus(rng.range(2 * MINUTE, 6 * MINUTE));
        while t < end {
            browse(world, rng, client, t, &service);
            t = t.plus(every + rng.range(-2 * MINUTE, 4 * MINUTE));
        }
    }
    // Brokers and background tasks that every desktop session spawns.
    for _ in 0..rng.range(10, 24) {
        let t = start.plus(rng.range(MINUTE, span));
        let (path, line) = *rng.pick(&[
            ("C:\\Windows\\System32\\RuntimeBroker.exe", "C:\\Windows\\System32\\RuntimeBroker.exe -Embedding"),
            ("C:\\Windows\\System32\\backgroundTaskHost.exe", "\"C:\\Windows\\system32\\backgroundTaskHost.exe\" -ServerName:BackgroundTaskHost.WebAccountProvider"),
            ("C:\\Windows\\System32\\smartscreen.exe", "C:\\Windows\\System32\\smartscreen.exe -Embedding"),
            ("C:\\Windows\\System32\\dllhost.exe", "C:\\Windows\\system32\\DllHost.exe /Processid:{AB8902B4-09CA-4BB6-B78D-A8F59079A8D5}"),
        ]);
        world.spawn(
            rng,
            host,
            Some(boot.dcom),
            t,
            path,
            line.to_string(),
            &session,
            Elevation::Limited,
        );
    }
    let mut edge: Option<usize> = None;
    let activities = rng.range(30, 60);
    for _ in 0..activities {
        let t = start.plus(rng.range(5 * MINUTE, span - 5 * MINUTE));
        match rng.weighted(&[30, 14, 12, 10, 6, 3, 3]) {
            0 => {
                let browser = match edge {
                    Some(b) => b,
                    None => {
                        let b = world.spawn(
                            rng,
                            host,
                            Some(explorer),
                            t,
                            EDGE,
                            format!(
                                "\"{EDGE}\" --single-argument https://{}/",
                                "larkmoor.sharepoint.com"
                            ),
                            &session,
                            Elevation::Limited,
                        );
                        edge = Some(b);
                        b
                    }
                };
                // Each site opens a renderer; pages pull from several services.
                world.spawn(rng, host, Some(browser), t, EDGE, format!("\"{EDGE}\" --type=renderer --lang=en-GB --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=4 --renderer-client-id={}", rng.range(5, 400)), &session, Elevation::Limited);
                for k in 0..rng.range(1, 4) {
                    let service = pick_service(rng, SERVICES);
                    browse(world, rng, browser, t.plus(1_000 + k * 700), service);
                }
            }
            1 => {
                let service = SERVICES[0];
                browse(world, rng, outlook, t, &service);
            }
            2 => {
                let service = SERVICES[2];
                browse(world, rng, teams, t, &service);
            }
            3 => {
                let (exe, ext) = if dept == "Finance" || rng.chance(0.4) {
                    ("EXCEL.EXE", "xlsx")
                } else {
                    ("WINWORD.EXE", "docx")
                };
                let doc = format!(
                    "\\\\SRV-FS01\\Shares\\{dept}\\{}_{}.{ext}",
                    rng.pick(&[
                        "Report",
                        "Budget",
                        "Forecast",
                        "Minutes",
                        "Plan",
                        "Contracts"
                    ]),
                    rng.range(2024, 2026)
                );
                world.spawn(
                    rng,
                    host,
                    Some(explorer),
                    t,
                    &office(exe),
                    format!("\"{OFFICE}\\{exe}\" /n \"{doc}\""),
                    &session,
                    Elevation::Limited,
                );
            }
            4 => {
                world.spawn(
                    rng,
                    host,
                    Some(explorer),
                    t,
                    &format!("{SYS32}\\notepad.exe"),
                    "\"C:\\Windows\\system32\\notepad.exe\"".into(),
                    &session,
                    Elevation::Limited,
                );
            }
            5 => {
                let cmd = world.spawn(
                    rng,
                    host,
                    Some(explorer),
                    t,
                    &format!("{SYS32}\\cmd.exe"),
                    "\"C:\\Windows\\system32\\cmd.exe\"".into(),
                    &session,
                    Elevation::Limited,
                );
                let (exe, line) = *rng.pick(&[
                    ("ipconfig.exe", "ipconfig  /all"),
                    ("PING.EXE", "ping  srv-fs01"),
                    ("nslookup.exe", "nslookup  larkmoor.sharepoint.com"),
                    ("gpupdate.exe", "gpupdate  /force"),
                ]);
                world.spawn(
                    rng,
                    host,
                    Some(cmd),
                    t.plus(rng.range(4_000, 40_000)),
                    &format!("{SYS32}\\{exe}"),
                    line.to_string(),
                    &session,
                    Elevation::Limited,
                );
            }
            _ => {
                world.spawn(rng, host, Some(explorer), t, "C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe", "\"C:\\Program Files\\Adobe\\Acrobat DC\\Acrobat\\Acrobat.exe\" \"C:\\Users\\Public\\Downloads\\statement.pdf\"".into(), &session, Elevation::Limited);
            }
        }
    }
    world.logoff(host, end, &session, 2);
}

/// A Windows server's day: service accounts, monitoring, nightly jobs and admins.
fn server_day(world: &mut World, rng: &Rng, host: usize, day: Ts) {
    let boot = boot_of(world, rng, host, day);
    let system = Actor::system(&world.org, host);
    let role = world.org.hosts[host].role;
    let mon = world.org.host("lnx-mon01");
    let mon_ip = world.org.hosts[mon].ip.clone();
    let monitor = Actor::account(&world.org, world.org.account("svc-monitor"));
    // Monitoring polls over WMI every hour.
    for hour in 0..24 {
        let t = day.plus(hour * HOUR + rng.range(0, 5 * MINUTE));
        let session = world.logon(
            rng,
            host,
            t,
            &Actor {
                privileged: false,
                ..monitor.clone()
            },
            3,
            &mon_ip,
            "lnx-mon01",
            Auth::Ntlm,
        );
        world.logoff(host, t.plus(rng.range(1_000, 20_000)), &session, 3);
    }
    for _ in 0..rng.range(3, 6) {
        let t = day.plus(rng.range(0, DAY - HOUR));
        world.spawn(
            rng,
            host,
            Some(boot.schedule),
            t,
            &format!("{SYS32}\\taskhostw.exe"),
            "taskhostw.exe".into(),
            &system,
            Elevation::System,
        );
    }
    // A management agent's inventory script: encoded, but benign.
    let t = day.plus(6 * HOUR + rng.range(0, HOUR));
    let wmi = world.spawn(
        rng,
        host,
        Some(boot.dcom),
        t,
        &format!("{SYS32}\\wbem\\WmiPrvSE.exe"),
        "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding".into(),
        &system,
        Elevation::System,
    );
    let inventory = super::encode::powershell_encoded(
        "Get-CimInstance Win32_OperatingSystem | Select-Object Caption,Version,LastBootUpTime | ConvertTo-Json -Compress",
    );
    world.spawn(rng, host, Some(wmi), t.plus(800), "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", format!("powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {inventory}"), &system, Elevation::System);
    match role {
        Role::FileServer => {
            let backup = Actor::account(&world.org, world.org.account("svc-backup"));
            let t = day.plus(HOUR + rng.range(0, 10 * MINUTE));
            let session = world.logon(rng, host, t, &backup, 4, "-", "-", Auth::Negotiate);
            let cmd = world.spawn(
                rng,
                host,
                Some(boot.schedule),
                t.plus(500),
                &format!("{SYS32}\\cmd.exe"),
                "C:\\Windows\\system32\\cmd.exe /c \"D:\\Scripts\\nightly_backup.cmd\"".into(),
                &session,
                Elevation::Full,
            );
            world.spawn(rng, host, Some(cmd), t.plus(1_500), &format!("{SYS32}\\Robocopy.exe"), "robocopy  D:\\Shares \\\\SRV-BKP01\\Staging\\FS01 /MIR /R:1 /W:1 /NP /LOG:D:\\Scripts\\backup.log".into(), &session, Elevation::Full);
            world.logoff(host, t.plus(rng.range(40, 70) * MINUTE), &session, 4);
        }
        Role::AppServer if is_workday(day) => {
            // A scanner with a stale password keeps failing: noise, not the intrusion.
            let scan = world.org.account("svc-scan");
            let sid = world.org.accounts[scan].sid.clone();
            for hour in 8..18 {
                let t = day.plus(hour * HOUR + 12 * MINUTE + rng.range(0, 60_000));
                world.logon_failure(
                    rng,
                    host,
                    t,
                    "svc-scan",
                    &sid,
                    3,
                    SCANNER_IP,
                    "SCAN-APPLIANCE",
                    "0xc000006a",
                );
            }
        }
        Role::BackupServer => {
            let veeam = Actor::account(&world.org, world.org.account("svc-veeam"));
            let sql = world.org.host("SRV-SQL01");
            let ip = world.org.hosts[host].ip.clone();
            let name = world.org.hosts[host].name.clone();
            let t = day.plus(2 * HOUR + rng.range(0, 10 * MINUTE));
            let session = world.logon(rng, sql, t, &veeam, 3, &ip, &name, Auth::Kerberos);
            world.logoff(sql, t.plus(rng.range(20, 50) * MINUTE), &session, 3);
        }
        _ => {}
    }
    // A new starter is created on Monday morning.
    if role == Role::DomainController && host == 0 && day.to_chrono().weekday() == Weekday::Mon {
        let admins = world.org.accounts_of(Kind::Admin);
        let admin = Actor::account(&world.org, admins[admins.len() / 2]);
        let t = day.plus(9 * HOUR + 5 * MINUTE + rng.range(0, 20 * MINUTE));
        let computer = world.org.hosts[host].fqdn.clone();
        world.security_event.push(super::rows::SecurityEvent {
            TimeGenerated: t,
            Computer: computer,
            EventID: 4720,
            Activity: "4720 - A user account was created.".into(),
            Account: format!("{}\\{}", admin.domain, admin.name),
            AccountType: "User".into(),
            SubjectUserSid: admin.sid.clone(),
            SubjectUserName: admin.name.clone(),
            SubjectDomainName: admin.domain.clone(),
            SubjectLogonId: super::world::hex_id(0x4_1a2c0 + rng.below(0x1000)),
            TargetUserSid: format!("{}-1900", super::org::DOMAIN_SID),
            TargetUserName: "olivia.brennan".into(),
            TargetDomainName: super::org::AD_DOMAIN.into(),
            TargetAccount: format!("{}\\olivia.brennan", super::org::AD_DOMAIN),
            SamAccountName: "olivia.brennan".into(),
            UserPrincipalName: format!("olivia.brennan@{}", super::org::UPN_SUFFIX),
            ..Default::default()
        });
    }
    if is_workday(day) {
        admin_visits(world, rng, host, day);
    }
}

/// Admins RDP to a server now and then and use their usual tools.
fn admin_visits(world: &mut World, rng: &Rng, host: usize, day: Ts) {
    let admins = world.org.accounts_of(Kind::Admin);
    for &admin in &admins {
        if !rng.chance(0.12) {
            continue;
        }
        let owner_ws = world.org.accounts.iter().position(|a| {
            a.display.starts_with(
                world.org.accounts[admin]
                    .display
                    .trim_end_matches(" (admin)"),
            ) && a.workstation.is_some()
        });
        let (from_ip, from_name) = match owner_ws.and_then(|p| world.org.accounts[p].workstation) {
            Some(ws) => (
                world.org.hosts[ws].ip.clone(),
                world.org.hosts[ws].name.clone(),
            ),
            None => (vpn_ip(admin), format!("LT-{:04}", 1000 + admin)),
        };
        let t = day.plus(9 * HOUR + rng.range(0, 8 * HOUR));
        let who = Actor::account(&world.org, admin);
        let session = world.logon(
            rng,
            host,
            t,
            &who,
            10,
            &from_ip,
            &from_name,
            Auth::Negotiate,
        );
        let explorer = desktop(world, rng, host, t, &session);
        let (path, line) = *rng.pick(&[
            (
                "C:\\Windows\\System32\\mmc.exe",
                "\"C:\\Windows\\system32\\mmc.exe\" \"C:\\Windows\\system32\\eventvwr.msc\" ",
            ),
            (
                "C:\\Windows\\System32\\mmc.exe",
                "\"C:\\Windows\\system32\\mmc.exe\" \"C:\\Windows\\system32\\services.msc\" ",
            ),
            (
                "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
                "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" ",
            ),
            (
                "C:\\Windows\\System32\\ServerManager.exe",
                "\"C:\\Windows\\system32\\ServerManager.exe\" ",
            ),
        ]);
        world.spawn(
            rng,
            host,
            Some(explorer),
            t.plus(rng.range(20_000, 120_000)),
            path,
            line.to_string(),
            &session,
            Elevation::Full,
        );
        world.logoff(host, t.plus(rng.range(15, 90) * MINUTE), &session, 10);
    }
}

/// Users without a lab workstation: VPN logons to the domain controller and file server.
fn remote_user_day(world: &mut World, rng: &Rng, account: usize, day: Ts) {
    if !is_workday(day) || !rng.chance(0.55) {
        return;
    }
    let user = Actor::account(&world.org, account);
    let ip = vpn_ip(account);
    let laptop = format!("LT-{:04}", 1000 + account);
    let dcs = world.org.hosts_with(Role::DomainController);
    let dc = *rng.pick(&dcs);
    let t = day.plus(8 * HOUR + rng.range(0, 3 * HOUR));
    let session = world.logon(rng, dc, t, &user, 3, &ip, &laptop, Auth::Kerberos);
    world.logoff(dc, t.plus(300), &session, 3);
    if rng.chance(0.03) {
        // Mistyped password before the successful logon.
        let sid = world.org.accounts[account].sid.clone();
        let name = world.org.accounts[account].sam.clone();
        world.logon_failure(
            rng,
            dc,
            t.plus(-40_000),
            &name,
            &sid,
            3,
            &ip,
            &laptop,
            "0xc000006a",
        );
    }
    if rng.chance(0.5) {
        let fs = world.org.host("SRV-FS01");
        let t = t.plus(rng.range(MINUTE, 3 * HOUR));
        let session = world.logon(rng, fs, t, &user, 3, &ip, &laptop, Auth::Kerberos);
        world.logoff(fs, t.plus(rng.range(10, 240) * MINUTE), &session, 3);
    }
}

/// Cloud sign-ins for one user and day.
fn signin_day(world: &mut World, rng: &Rng, account: usize, day: Ts) {
    let a = world.org.accounts[account].clone();
    let workday = is_workday(day);
    let count = match (a.kind, workday) {
        (Kind::Service, _) => 0,
        (Kind::Admin, true) => rng.range(0, 1),
        (Kind::Admin, false) => 0,
        (Kind::User, true) => rng.range(1, 4),
        (Kind::User, false) => i64::from(rng.chance(0.12)),
    };
    let in_office = workday && (a.workstation.is_some() || rng.chance(0.5));
    for _ in 0..count {
        let t = day.plus(if workday {
            7 * HOUR + rng.range(0, 11 * HOUR)
        } else {
            9 * HOUR + rng.range(0, 12 * HOUR)
        });
        let ip = if in_office {
            if a.country == "US" {
                "64.112.201.18".to_string()
            } else {
                OFFICE_EGRESS_IP.to_string()
            }
        } else {
            home_ip(account, a.country)
        };
        let app = if a.kind == Kind::Admin {
            5
        } else {
            rng.weighted(&[30, 25, 15, 10, 0, 0, 8])
        };
        let failure = rng.weighted(&[94, 3, 2, 1]);
        let signin = super::signin::Signin {
            at: t,
            account,
            app,
            ip: &ip,
            country: a.country,
            city: a.city,
            result: match failure {
                1 => "50126",
                2 => "50074",
                3 => "500121",
                _ => "0",
            },
            managed: in_office || a.workstation.is_some(),
            risk: "none",
        };
        super::signin::signin(world, rng, &signin);
        if failure == 2 {
            // MFA prompt answered a moment later.
            super::signin::signin(
                world,
                rng,
                &super::signin::Signin {
                    at: t.plus(rng.range(15_000, 60_000)),
                    result: "0",
                    ..signin
                },
            );
        }
    }
}

/// A Linux host's day: cron, systemd timers, admin ssh sessions and, on the
/// internet-facing web servers, ssh password guessing.
fn linux_day(world: &mut World, rng: &Rng, host: usize, day: Ts) {
    for hour in 0..24 {
        let t = day.plus(hour * HOUR + 17 * MINUTE + rng.range(0, 900));
        cron_job(
            world,
            rng,
            host,
            t,
            "root",
            0,
            "   cd / && run-parts --report /etc/cron.hourly",
        );
    }
    let t = day.plus(6 * HOUR + 25 * MINUTE);
    cron_job(
        world,
        rng,
        host,
        t,
        "root",
        0,
        "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }",
    );
    let pid = Some(1);
    let t = day.plus(rng.range(6 * HOUR, 7 * HOUR));
    world.syslog(
        host,
        t,
        "daemon",
        "info",
        "systemd",
        pid,
        "Starting apt-daily-upgrade.service - Daily apt upgrade and clean activities...".into(),
    );
    world.syslog(
        host,
        t.plus(rng.range(5_000, 60_000)),
        "daemon",
        "info",
        "systemd",
        pid,
        "apt-daily-upgrade.service: Deactivated successfully.".into(),
    );
    let t = day.plus(rng.range(0, 2 * HOUR));
    world.syslog(
        host,
        t,
        "daemon",
        "info",
        "systemd",
        pid,
        "Starting logrotate.service - Rotate log files...".into(),
    );
    world.syslog(
        host,
        t.plus(1_200),
        "daemon",
        "info",
        "systemd",
        pid,
        "logrotate.service: Deactivated successfully.".into(),
    );
    for _ in 0..rng.range(1, 3) {
        let service = pick_service(rng, LINUX_SERVICES);
        let t = day.plus(rng.range(0, DAY));
        let ip = world.org.hosts[host].ip.clone();
        world.resolve(host, t, service.name, service.ips);
        let port = 49152 + rng.below(16000) as i32;
        world.firewall_flow(
            t.plus(40),
            &ip,
            port,
            service.ips[0],
            443,
            service.name,
            rng.range(600, 9_000),
            rng.range(20_000, 90_000_000),
            "",
            "allow",
        );
    }
    if is_workday(day) {
        let admins = world.org.accounts_of(Kind::Admin);
        for _ in 0..rng.range(0, 2) {
            let admin = *rng.pick(&admins[1..]);
            let t = day.plus(9 * HOUR + rng.range(0, 8 * HOUR));
            let from = vpn_ip(admin);
            let commands: &[&[&str]] = &[
                &["systemctl", "status", "nginx"],
                &["df", "-h"],
                &["tail", "-n", "50", "/var/log/syslog"],
                &["uptime"],
            ];
            let n = rng.range(1, 3) as usize;
            ssh_session(
                world,
                rng,
                host,
                t,
                admin,
                &from,
                "publickey",
                &commands[..n.min(commands.len())],
                rng.chance(0.3),
            );
        }
    }
    if world.org.hosts[host].role == Role::LinuxWeb {
        ssh_brute_force_noise(world, rng, host, day);
    }
}

/// A cron job: PAM session records in auditd and the CRON lines in syslog.
pub(crate) fn cron_job(
    world: &mut World,
    rng: &Rng,
    host: usize,
    at: Ts,
    user: &str,
    uid: u32,
    command: &str,
) {
    let pid = world.linux_pid(host, rng);
    let ses = 10_000 + rng.below(90_000) as u32;
    let cron = "/usr/sbin/cron";
    world.audit_pam(
        host,
        at,
        "USER_ACCT",
        pid,
        None,
        None,
        "PAM:accounting",
        user,
        cron,
        None,
        "cron",
        true,
    );
    world.audit_pam(
        host,
        at.plus(1),
        "CRED_ACQ",
        pid,
        None,
        None,
        "PAM:setcred",
        user,
        cron,
        None,
        "cron",
        true,
    );
    world.audit_pam(
        host,
        at.plus(3),
        "USER_START",
        pid,
        Some(uid),
        Some(ses),
        "PAM:session_open",
        user,
        cron,
        None,
        "cron",
        true,
    );
    world.syslog(
        host,
        at.plus(3),
        "authpriv",
        "info",
        "CRON",
        Some(pid),
        format!("pam_unix(cron:session): session opened for user {user}(uid={uid}) by (uid=0)"),
    );
    world.syslog(
        host,
        at.plus(5),
        "cron",
        "info",
        "CRON",
        Some(pid + 1),
        format!("({user}) CMD ({command})"),
    );
    let done = at.plus(rng.range(200, 3_000));
    world.audit_pam(
        host,
        done,
        "CRED_DISP",
        pid,
        Some(uid),
        Some(ses),
        "PAM:setcred",
        user,
        cron,
        None,
        "cron",
        true,
    );
    world.audit_pam(
        host,
        done.plus(1),
        "USER_END",
        pid,
        Some(uid),
        Some(ses),
        "PAM:session_close",
        user,
        cron,
        None,
        "cron",
        true,
    );
    world.syslog(
        host,
        done.plus(1),
        "authpriv",
        "info",
        "CRON",
        Some(pid),
        format!("pam_unix(cron:session): session closed for user {user}"),
    );
}

/// What an interactive ssh session leaves behind; returns (sshd pid, shell pid, session id).
#[allow(clippy::too_many_arguments)]
pub(crate) fn ssh_login(
    world: &mut World,
    rng: &Rng,
    host: usize,
    at: Ts,
    account: usize,
    from: &str,
    method: &str,
) -> (u32, u32, u32) {
    let a = world.org.accounts[account].clone();
    let pid = world.linux_pid(host, rng);
    let port = 49152 + rng.below(16000);
    let sshd = "/usr/sbin/sshd";
    let ses = 1 + rng.below(900) as u32;
    world.audit_pam(
        host,
        at,
        "USER_AUTH",
        pid,
        None,
        None,
        "PAM:authentication",
        &a.sam,
        sshd,
        Some(from),
        "ssh",
        true,
    );
    world.audit_pam(
        host,
        at.plus(2),
        "USER_ACCT",
        pid,
        None,
        None,
        "PAM:accounting",
        &a.sam,
        sshd,
        Some(from),
        "ssh",
        true,
    );
    let fingerprint = super::rng::hex_for(&format!("key:{}", a.sam), 43);
    let detail = if method == "publickey" {
        format!(": ED25519 SHA256:{fingerprint}")
    } else {
        String::new()
    };
    world.syslog(
        host,
        at.plus(3),
        "auth",
        "info",
        "sshd",
        Some(pid),
        format!(
            "Accepted {method} for {} from {from} port {port} ssh2{detail}",
            a.sam
        ),
    );
    world.audit_pam(
        host,
        at.plus(4),
        "CRED_ACQ",
        pid,
        None,
        None,
        "PAM:setcred",
        &a.sam,
        sshd,
        Some(from),
        "ssh",
        true,
    );
    world.audit_event(host, at.plus(5), vec![("LOGIN", format!("pid={pid} uid=0 subj=unconfined old-auid=4294967295 auid={} tty=(none) old-ses=4294967295 ses={ses} res=1", a.uid))]);
    world.syslog(
        host,
        at.plus(6),
        "authpriv",
        "info",
        "sshd",
        Some(pid),
        format!(
            "pam_unix(sshd:session): session opened for user {}(uid={}) by (uid=0)",
            a.sam, a.uid
        ),
    );
    world.syslog(
        host,
        at.plus(8),
        "auth",
        "info",
        "systemd-logind",
        Some(812),
        format!("New session {ses} of user {}.", a.sam),
    );
    world.audit_pam(
        host,
        at.plus(9),
        "USER_START",
        pid,
        Some(a.uid),
        Some(ses),
        "PAM:session_open",
        &a.sam,
        sshd,
        Some(from),
        "ssh",
        true,
    );
    world.audit_pam(
        host,
        at.plus(40),
        "USER_LOGIN",
        pid,
        Some(a.uid),
        Some(ses),
        "login",
        &a.sam,
        sshd,
        Some(from),
        "/dev/pts/0",
        true,
    );
    let shell = world.linux_pid(host, rng);
    (pid, shell, ses)
}

/// An admin's ssh session with a few commands, optionally under sudo.
#[allow(clippy::too_many_arguments)]
fn ssh_session(
    world: &mut World,
    rng: &Rng,
    host: usize,
    at: Ts,
    account: usize,
    from: &str,
    method: &str,
    commands: &[&[&str]],
    sudo: bool,
) {
    let (sshd_pid, shell, ses) = ssh_login(world, rng, host, at, account, from, method);
    let a = world.org.accounts[account].clone();
    let home = format!("/home/{}", a.sam);
    let mut t = at.plus(rng.range(5_000, 30_000));
    for argv in commands {
        let pid = world.linux_pid(host, rng);
        let exe = format!("/usr/bin/{}", argv[0]);
        world.audit_exec(
            rng,
            host,
            t,
            &LinuxExec {
                pid,
                ppid: shell,
                uid: a.uid,
                auid: a.uid,
                euid: a.uid,
                ses,
                tty: "pts0",
                exe: &exe,
                argv,
                cwd: &home,
                key: "user_exec",
            },
        );
        t = t.plus(rng.range(3_000, 60_000));
    }
    if sudo {
        let pid = world.linux_pid(host, rng);
        let cmd = "/usr/bin/apt-get update";
        world.syslog(
            host,
            t,
            "authpriv",
            "notice",
            "sudo",
            Some(pid),
            format!(
                "{} : TTY=pts/0 ; PWD={home} ; USER=root ; COMMAND={cmd}",
                a.sam
            ),
        );
        world.audit_pam(
            host,
            t,
            "USER_ACCT",
            pid,
            Some(a.uid),
            Some(ses),
            "PAM:accounting",
            &a.sam,
            "/usr/bin/sudo",
            None,
            "/dev/pts/0",
            true,
        );
        world.audit_event(host, t.plus(1), vec![("USER_CMD", format!("pid={pid} uid={} auid={} ses={ses} subj=unconfined msg='cwd=\"{home}\" cmd={} exe=\"/usr/bin/sudo\" terminal=pts/0 res=success'", a.uid, a.uid, super::encode::audit_arg("apt-get update")))]);
        world.audit_pam(
            host,
            t.plus(2),
            "CRED_REFR",
            pid,
            Some(a.uid),
            Some(ses),
            "PAM:setcred",
            "root",
            "/usr/bin/sudo",
            None,
            "/dev/pts/0",
            true,
        );
        world.audit_pam(
            host,
            t.plus(3),
            "USER_START",
            pid,
            Some(a.uid),
            Some(ses),
            "PAM:session_open",
            "root",
            "/usr/bin/sudo",
            None,
            "/dev/pts/0",
            true,
        );
        world.syslog(
            host,
            t.plus(3),
            "authpriv",
            "info",
            "sudo",
            Some(pid),
            format!(
                "pam_unix(sudo:session): session opened for user root(uid=0) by {}(uid={})",
                a.sam, a.uid
            ),
        );
        t = t.plus(rng.range(10_000, 90_000));
        world.syslog(
            host,
            t,
            "authpriv",
            "info",
            "sudo",
            Some(pid),
            "pam_unix(sudo:session): session closed for user root".into(),
        );
    }
    let end = t.plus(rng.range(MINUTE, 20 * MINUTE));
    let port = 49152 + rng.below(16000);
    world.syslog(
        host,
        end,
        "auth",
        "info",
        "sshd",
        Some(sshd_pid),
        format!("Received disconnect from {from} port {port}:11: disconnected by user"),
    );
    world.syslog(
        host,
        end.plus(3),
        "authpriv",
        "info",
        "sshd",
        Some(sshd_pid),
        format!("pam_unix(sshd:session): session closed for user {}", a.sam),
    );
    world.audit_pam(
        host,
        end.plus(4),
        "USER_END",
        sshd_pid,
        Some(a.uid),
        Some(ses),
        "PAM:session_close",
        &a.sam,
        "/usr/sbin/sshd",
        Some(from),
        "ssh",
        true,
    );
}

/// Internet hosts guessing ssh passwords on the web servers.
fn ssh_brute_force_noise(world: &mut World, rng: &Rng, host: usize, day: Ts) {
    let names = [
        "root", "admin", "ubuntu", "test", "oracle", "postgres", "git", "user", "deploy", "ftpuser",
    ];
    for _ in 0..rng.range(3, 8) {
        let ip = super::intel::scanner_ip(rng.below(super::intel::SCANNERS));
        let mut t = day.plus(rng.range(0, DAY - HOUR));
        let pid = world.linux_pid(host, rng);
        for _ in 0..rng.range(2, 7) {
            let name = *rng.pick(&names);
            let port = 30000 + rng.below(30000);
            let invalid = name != "root" && name != "ubuntu";
            if invalid {
                world.syslog(
                    host,
                    t,
                    "auth",
                    "info",
                    "sshd",
                    Some(pid),
                    format!("Invalid user {name} from {ip} port {port}"),
                );
            }
            let who = if invalid {
                format!("invalid user {name}")
            } else {
                name.to_string()
            };
            world.syslog(
                host,
                t.plus(2_100),
                "auth",
                "info",
                "sshd",
                Some(pid),
                format!("Failed password for {who} from {ip} port {port} ssh2"),
            );
            world.audit_pam(
                host,
                t.plus(2_100),
                "USER_AUTH",
                pid,
                None,
                None,
                "PAM:authentication",
                if invalid { "(invalid user)" } else { name },
                "/usr/sbin/sshd",
                Some(&ip),
                "ssh",
                false,
            );
            world.audit_pam(
                host,
                t.plus(2_101),
                "USER_LOGIN",
                pid,
                None,
                None,
                "login",
                name,
                "/usr/sbin/sshd",
                Some(&ip),
                "sshd",
                false,
            );
            world.firewall_flow(
                t.plus(-50),
                &ip,
                port as i32,
                "82.163.74.11",
                22,
                "",
                rng.range(1_500, 4_000),
                rng.range(1_500, 4_000),
                "",
                "allow",
            );
            t = t.plus(rng.range(3_000, 20_000));
        }
        world.syslog(
            host,
            t,
            "auth",
            "info",
            "sshd",
            Some(pid),
            format!(
                "Connection closed by authenticating user root {ip} port {} [preauth]",
                30000 + rng.below(30000)
            ),
        );
    }
}

/// Scanners knocking on the office's public address; the firewall drops them.
fn perimeter_noise(world: &mut World, rng: &Rng, day: Ts) {
    for _ in 0..rng.range(60, 120) {
        let ip = super::intel::scanner_ip(rng.below(super::intel::SCANNERS));
        let port = *rng.pick(&[22, 23, 445, 3389, 1433, 5900, 8080, 443]);
        let t = day.plus(rng.range(0, DAY));
        world.firewall_flow(
            t,
            &ip,
            30000 + rng.below(30000) as i32,
            OFFICE_EGRESS_IP,
            port,
            "",
            60,
            0,
            "",
            "deny",
        );
    }
    // Customers using the public web site on lnx-web01/02.
    for _ in 0..rng.range(150, 300) {
        let ip = format!(
            "{}.{}.{}.{}",
            rng.pick(&[2u64, 31, 51, 78, 86, 92, 109, 176, 212]),
            rng.range(1, 254),
            rng.range(1, 254),
            rng.range(2, 254)
        );
        let t = day.plus(rng.range(6 * HOUR, 23 * HOUR));
        world.firewall_flow(
            t,
            &ip,
            30000 + rng.below(30000) as i32,
            "82.163.74.11",
            443,
            "www.larkmoor.com",
            rng.range(500, 3_000),
            rng.range(8_000, 600_000),
            "",
            "allow",
        );
    }
}

/// All background activity for the window.
pub(crate) fn generate(world: &mut World, seed: u64, start: Ts, days: u32) {
    let hosts = world.org.hosts.len();
    for host in 0..hosts {
        if world.org.hosts[host].is_windows() {
            let rng = Rng::stream(seed, &format!("boot:{host}"));
            let at = start.plus(5 * MINUTE + rng.range(0, 25 * MINUTE));
            boot(world, &rng, host, at);
        }
    }
    for d in 0..i64::from(days) {
        let day = start.plus(d * DAY);
        for host in 0..hosts {
            let rng = Rng::stream(seed, &format!("day:{d}:host:{host}"));
            match world.org.hosts[host].role {
                Role::Workstation => workstation_day(world, &rng, host, day),
                _ if world.org.hosts[host].is_linux() => linux_day(world, &rng, host, day),
                _ => server_day(world, &rng, host, day),
            }
        }
        for account in 0..world.org.accounts.len() {
            let rng = Rng::stream(seed, &format!("day:{d}:account:{account}"));
            let a = &world.org.accounts[account];
            if a.kind == Kind::User && a.workstation.is_none() {
                remote_user_day(world, &rng, account, day);
            }
            signin_day(world, &rng, account, day);
        }
        let rng = Rng::stream(seed, &format!("day:{d}:perimeter"));
        perimeter_noise(world, &rng, day);
    }
}
