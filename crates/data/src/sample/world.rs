//! The world being simulated: processes, logon sessions and per-host counters, and
//! the emitters that turn one action into consistent rows in every table that would
//! record it (a process start is a 4688 event *and* a DeviceProcessEvents row).

use std::collections::BTreeMap;

use super::encode::{audit_arg, proctitle};
use super::org::{AD_DOMAIN, Kind, OFFICE_EGRESS_IP, Org};
use super::rng::{Rng, hex_for};
use super::rows::*;

/// LSASS's pid on every Windows host (boot processes get the same low pids each boot).
pub(crate) const LSASS_PID: u32 = 716;

/// How long clients cache an answer (milliseconds); typical CDN TTLs are minutes.
const DNS_TTL: i64 = 300_000;

/// Who a process or logon runs as.
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub(crate) domain: String,
    pub(crate) name: String,
    pub(crate) sid: String,
    pub(crate) logon_id: u64,
    pub(crate) upn: String,
    /// Whether 4672 (special privileges) accompanies its logons.
    pub(crate) privileged: bool,
}

impl Actor {
    /// The host's SYSTEM identity (logon id 0x3e7).
    pub(crate) fn system(org: &Org, host: usize) -> Actor {
        Actor {
            domain: AD_DOMAIN.into(),
            name: org.hosts[host].machine_account(),
            sid: "S-1-5-18".into(),
            logon_id: 0x3e7,
            upn: String::new(),
            privileged: true,
        }
    }

    /// NETWORK SERVICE (logon id 0x3e4).
    pub(crate) fn network_service(org: &Org, host: usize) -> Actor {
        Actor {
            sid: "S-1-5-20".into(),
            logon_id: 0x3e4,
            ..Actor::system(org, host)
        }
    }

    /// A domain account, before it has a logon session.
    pub(crate) fn account(org: &Org, account: usize) -> Actor {
        let a = &org.accounts[account];
        Actor {
            domain: AD_DOMAIN.into(),
            name: a.sam.clone(),
            sid: a.sid.clone(),
            logon_id: 0,
            upn: a.upn.clone(),
            privileged: a.kind != Kind::User,
        }
    }

    fn is_machine(&self) -> bool {
        matches!(self.sid.as_str(), "S-1-5-18" | "S-1-5-19" | "S-1-5-20")
    }

    /// Domain and name as Defender for Endpoint reports them.
    fn mde_identity(&self) -> (String, String) {
        match self.sid.as_str() {
            "S-1-5-18" => ("nt authority".into(), "system".into()),
            "S-1-5-19" => ("nt authority".into(), "local service".into()),
            "S-1-5-20" => ("nt authority".into(), "network service".into()),
            _ => (self.domain.to_ascii_lowercase(), self.name.clone()),
        }
    }
}

/// Token elevation of a new process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Elevation {
    /// SYSTEM and services (`%%1936`, system integrity).
    System,
    /// An elevated administrator token (`%%1937`, high integrity).
    Full,
    /// A standard user token (`%%1938`, medium integrity).
    Limited,
}

/// A process on a Windows host.
#[derive(Debug, Clone)]
pub(crate) struct Proc {
    pub(crate) host: usize,
    pub(crate) pid: u32,
    pub(crate) path: String,
    pub(crate) cmdline: String,
    pub(crate) created: Ts,
    pub(crate) parent: Option<usize>,
    pub(crate) actor: Actor,
}

impl Proc {
    fn file_name(&self) -> &str {
        self.path.rsplit('\\').next().unwrap_or(&self.path)
    }
}

/// Long-lived processes of a Windows host, started at boot.
#[derive(Debug, Clone, Default)]
pub(crate) struct Boot {
    pub(crate) winlogon: usize,
    pub(crate) dcom: usize,
    pub(crate) schedule: usize,
    pub(crate) defender: usize,
}

/// Counters that make ids unique per host.
#[derive(Debug, Clone)]
pub(crate) struct HostState {
    next_pid: u32,
    next_logon: u64,
    audit_serial: u64,
    report_id: i64,
    pub(crate) boot: Option<Boot>,
}

/// All rows produced so far, plus the state needed to keep them consistent.
#[derive(Debug)]
pub(crate) struct World {
    pub(crate) org: Org,
    /// A (host, day) whose owner's session the intrusion writes itself.
    pub(crate) reserved: Option<(usize, Ts)>,
    pub(crate) procs: Vec<Proc>,
    pub(crate) hosts: Vec<HostState>,
    /// Last time each (client, name) was resolved, to honour DNS caching.
    dns_cache: BTreeMap<(usize, String), Ts>,
    pub(crate) security_event: Vec<SecurityEvent>,
    pub(crate) device_process: Vec<DeviceProcessEvents>,
    pub(crate) device_network: Vec<DeviceNetworkEvents>,
    pub(crate) signin: Vec<SigninLogs>,
    pub(crate) dns: Vec<DnsEvents>,
    pub(crate) firewall: Vec<CommonSecurityLog>,
    pub(crate) syslog: Vec<Syslog>,
    pub(crate) audit: Vec<LinuxAudit>,
    pub(crate) alerts: Vec<SecurityAlert>,
}

/// `0x1a2c`-style hex, as the Security log writes ids.
pub(crate) fn hex_id(n: u64) -> String {
    format!("{n:#x}")
}

fn logon_type_name(logon_type: i32) -> &'static str {
    match logon_type {
        2 => "2 - Interactive",
        3 => "3 - Network",
        4 => "4 - Batch",
        5 => "5 - Service",
        7 => "7 - Unlock",
        10 => "10 - RemoteInteractive",
        11 => "11 - CachedInteractive",
        _ => "0 - Unknown",
    }
}

/// How a logon was authenticated, which fixes its logon process and package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    Kerberos,
    Ntlm,
    Negotiate,
}

/// One auditd record before it is stamped: its type and its body.
pub(crate) type AuditRecord = (&'static str, String);

/// A Linux process execution for auditd.
#[derive(Debug, Clone)]
pub(crate) struct LinuxExec<'a> {
    pub(crate) pid: u32,
    pub(crate) ppid: u32,
    pub(crate) uid: u32,
    pub(crate) auid: u32,
    pub(crate) euid: u32,
    pub(crate) ses: u32,
    pub(crate) tty: &'a str,
    pub(crate) exe: &'a str,
    pub(crate) argv: &'a [&'a str],
    pub(crate) cwd: &'a str,
    pub(crate) key: &'a str,
}

const PRIVILEGES: &str = "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";
const SYSTEM_PRIVILEGES: &str = "SeAssignPrimaryTokenPrivilege\n\t\t\tSeTcbPrivilege\n\t\t\tSeSecurityPrivilege\n\t\t\tSeTakeOwnershipPrivilege\n\t\t\tSeLoadDriverPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeDebugPrivilege\n\t\t\tSeAuditPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege";

impl World {
    /// An empty world for the organisation; `seed` varies per-host starting ids.
    pub(crate) fn new(org: Org, seed: u64) -> World {
        let rng = Rng::stream(seed, "host-state");
        let hosts = (0..org.hosts.len())
            .map(|i| HostState {
                next_pid: 1200 + 4 * rng.below(200) as u32,
                next_logon: 0x3_0000 + rng.below(0x8_0000),
                audit_serial: 1000 + 7919 * i as u64 + rng.below(5000),
                report_id: 1000 + rng.below(9000) as i64,
                boot: None,
            })
            .collect();
        World {
            org,
            reserved: None,
            procs: Vec::new(),
            hosts,
            dns_cache: BTreeMap::new(),
            security_event: Vec::new(),
            device_process: Vec::new(),
            device_network: Vec::new(),
            signin: Vec::new(),
            dns: Vec::new(),
            firewall: Vec::new(),
            syslog: Vec::new(),
            audit: Vec::new(),
            alerts: Vec::new(),
        }
    }

    fn next_pid(&mut self, host: usize, rng: &Rng) -> u32 {
        let state = &mut self.hosts[host];
        // Windows hands out multiples of 4 and reuses low numbers; a steadily rising
        // counter with gaps keeps ids unique over the week, which trees rely on.
        state.next_pid += 4 * (1 + rng.below(24) as u32);
        if state.next_pid > 60_000 {
            state.next_pid = 1200 + 4 * rng.below(100) as u32;
        }
        state.next_pid
    }

    fn next_report(&mut self, host: usize) -> i64 {
        self.hosts[host].report_id += 1;
        self.hosts[host].report_id
    }

    /// A Linux pid (any integer, rising).
    pub(crate) fn linux_pid(&mut self, host: usize, rng: &Rng) -> u32 {
        let state = &mut self.hosts[host];
        state.next_pid += 1 + rng.below(40) as u32;
        if state.next_pid > 4_000_000 {
            state.next_pid = 2000;
        }
        state.next_pid
    }

    /// Starts a process. Windows hosts record it in SecurityEvent 4688 and
    /// DeviceProcessEvents; the parent must already exist and the child starts after it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn spawn(
        &mut self,
        rng: &Rng,
        host: usize,
        parent: Option<usize>,
        at: Ts,
        path: &str,
        cmdline: String,
        actor: &Actor,
        elevation: Elevation,
    ) -> usize {
        let at = match parent {
            Some(p) if self.procs[p].created >= at => {
                self.procs[p].created.plus(1 + rng.range(0, 400))
            }
            _ => at,
        };
        let pid = self.next_pid(host, rng);
        self.spawn_with_pid(host, parent, at, pid, path, cmdline, actor, elevation)
    }

    /// Starts a process with a given pid (boot processes have well-known pids).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn spawn_with_pid(
        &mut self,
        host: usize,
        parent: Option<usize>,
        at: Ts,
        pid: u32,
        path: &str,
        cmdline: String,
        actor: &Actor,
        elevation: Elevation,
    ) -> usize {
        let at = match parent {
            Some(p) if self.procs[p].created >= at => self.procs[p].created.plus(1),
            _ => at,
        };
        let proc = Proc {
            host,
            pid,
            path: path.to_string(),
            cmdline,
            created: at,
            parent,
            actor: actor.clone(),
        };
        self.record_process(&proc, elevation);
        self.procs.push(proc);
        self.procs.len() - 1
    }

    fn record_process(&mut self, proc: &Proc, elevation: Elevation) {
        let report = self.next_report(proc.host);
        let host = &self.org.hosts[proc.host];
        let parent = proc.parent.map(|p| &self.procs[p]);
        let grandparent = parent.and_then(|p| p.parent).map(|g| &self.procs[g]);
        let (token, label, integrity, mde_token) = match elevation {
            Elevation::System => (
                "%%1936",
                "S-1-16-16384",
                "System",
                "TokenElevationTypeDefault",
            ),
            Elevation::Full => ("%%1937", "S-1-16-12288", "High", "TokenElevationTypeFull"),
            Elevation::Limited => (
                "%%1938",
                "S-1-16-8192",
                "Medium",
                "TokenElevationTypeLimited",
            ),
        };
        let actor = &proc.actor;
        self.security_event.push(SecurityEvent {
            TimeGenerated: proc.created,
            Computer: host.fqdn.clone(),
            EventID: 4688,
            Activity: "4688 - A new process has been created.".into(),
            Account: format!("{}\\{}", actor.domain, actor.name),
            AccountType: if actor.is_machine() {
                "Machine"
            } else {
                "User"
            }
            .into(),
            SubjectUserSid: actor.sid.clone(),
            SubjectUserName: actor.name.clone(),
            SubjectDomainName: actor.domain.clone(),
            SubjectLogonId: hex_id(actor.logon_id),
            TargetUserSid: "S-1-0-0".into(),
            TargetUserName: "-".into(),
            TargetDomainName: "-".into(),
            TargetLogonId: "0x0".into(),
            NewProcessName: proc.path.clone(),
            NewProcessId: hex_id(u64::from(proc.pid)),
            ProcessId: hex_id(parent.map_or(4, |p| u64::from(p.pid))),
            ParentProcessName: parent.map(|p| p.path.clone()).unwrap_or_default(),
            CommandLine: proc.cmdline.clone(),
            TokenElevationType: token.into(),
            MandatoryLabel: label.into(),
            ..Default::default()
        });
        let (domain, name) = actor.mde_identity();
        let file_key = proc.path.to_ascii_lowercase();
        let parent_identity = parent.map(|p| p.actor.mde_identity());
        let host = &self.org.hosts[proc.host];
        self.device_process.push(DeviceProcessEvents {
            TimeGenerated: proc.created,
            Timestamp: proc.created,
            DeviceId: host.device_id.clone(),
            DeviceName: host.mde_name(),
            ActionType: "ProcessCreated".into(),
            FileName: proc.file_name().to_string(),
            FolderPath: proc.path.clone(),
            SHA1: hex_for(&format!("sha1:{file_key}"), 40),
            SHA256: hex_for(&format!("sha256:{file_key}"), 64),
            MD5: hex_for(&format!("md5:{file_key}"), 32),
            FileSize: 40_000 + (super::rng::hash_label(&file_key) % 4_000_000) as i64,
            ProcessId: i64::from(proc.pid),
            ProcessCommandLine: proc.cmdline.clone(),
            ProcessIntegrityLevel: integrity.into(),
            ProcessTokenElevation: mde_token.into(),
            ProcessCreationTime: proc.created,
            AccountDomain: domain,
            AccountName: name,
            AccountSid: actor.sid.clone(),
            AccountUpn: actor.upn.clone(),
            LogonId: actor.logon_id as i64,
            InitiatingProcessFileName: parent
                .map(|p| p.file_name().to_string())
                .unwrap_or_default(),
            InitiatingProcessFolderPath: parent
                .map(|p| p.path.to_ascii_lowercase())
                .unwrap_or_default(),
            InitiatingProcessId: Some(parent.map_or(4, |p| i64::from(p.pid))),
            InitiatingProcessCommandLine: parent.map(|p| p.cmdline.clone()).unwrap_or_default(),
            InitiatingProcessCreationTime: parent.map(|p| p.created),
            InitiatingProcessSHA1: parent
                .map(|p| hex_for(&format!("sha1:{}", p.path.to_ascii_lowercase()), 40))
                .unwrap_or_default(),
            InitiatingProcessParentId: grandparent.map(|g| i64::from(g.pid)).or(parent.map(|_| 4)),
            InitiatingProcessParentFileName: grandparent
                .map(|g| g.file_name().to_string())
                .unwrap_or_else(|| {
                    if parent.is_some() {
                        "System".into()
                    } else {
                        String::new()
                    }
                }),
            InitiatingProcessParentCreationTime: grandparent.map(|g| g.created),
            InitiatingProcessAccountDomain: parent_identity
                .as_ref()
                .map(|i| i.0.clone())
                .unwrap_or_default(),
            InitiatingProcessAccountName: parent_identity.map(|i| i.1).unwrap_or_default(),
            InitiatingProcessAccountSid: parent.map(|p| p.actor.sid.clone()).unwrap_or_default(),
            InitiatingProcessLogonId: parent.map(|p| p.actor.logon_id as i64),
            ReportId: report,
        });
    }

    /// A successful logon (4624, with 4672 for privileged accounts); returns the
    /// session's identity.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn logon(
        &mut self,
        rng: &Rng,
        host: usize,
        at: Ts,
        who: &Actor,
        logon_type: i32,
        from_ip: &str,
        from_workstation: &str,
        auth: Auth,
    ) -> Actor {
        let state = &mut self.hosts[host];
        state.next_logon += 1 + rng.below(0x4000);
        let session = Actor {
            logon_id: state.next_logon,
            ..who.clone()
        };
        let network = logon_type == 3;
        let (subject_sid, subject_name, subject_domain, subject_logon) = if network {
            (
                "S-1-0-0".to_string(),
                "-".to_string(),
                "-".to_string(),
                "0x0".to_string(),
            )
        } else {
            let system = Actor::system(&self.org, host);
            (system.sid, system.name, system.domain, "0x3e7".to_string())
        };
        let (process, package) = match (auth, logon_type) {
            (Auth::Kerberos, _) => ("Kerberos", "Kerberos"),
            (Auth::Ntlm, _) => ("NtLmSsp ", "NTLM"),
            (Auth::Negotiate, 5 | 4) => ("Advapi  ", "Negotiate"),
            (Auth::Negotiate, _) => ("User32 ", "Negotiate"),
        };
        let ip = match logon_type {
            2 | 7 => "127.0.0.1",
            4 | 5 => "-",
            _ => from_ip,
        };
        let port = if ip.contains('.') && ip != "127.0.0.1" {
            (49152 + rng.below(16000)).to_string()
        } else {
            "0".to_string()
        };
        let computer = self.org.hosts[host].fqdn.clone();
        self.security_event.push(SecurityEvent {
            TimeGenerated: at,
            Computer: computer.clone(),
            EventID: 4624,
            Activity: "4624 - An account was successfully logged on.".into(),
            Account: format!("{}\\{}", who.domain, who.name),
            AccountType: if who.name.ends_with('$') {
                "Machine"
            } else {
                "User"
            }
            .into(),
            SubjectUserSid: subject_sid,
            SubjectUserName: subject_name,
            SubjectDomainName: subject_domain,
            SubjectLogonId: subject_logon,
            TargetUserSid: who.sid.clone(),
            TargetUserName: who.name.clone(),
            TargetDomainName: who.domain.clone(),
            TargetLogonId: hex_id(session.logon_id),
            TargetAccount: format!("{}\\{}", who.domain, who.name),
            LogonType: Some(logon_type),
            LogonTypeName: logon_type_name(logon_type).into(),
            IpAddress: ip.into(),
            IpPort: port,
            WorkstationName: if network || logon_type == 10 {
                from_workstation.into()
            } else {
                self.org.hosts[host].name.clone()
            },
            LogonProcessName: process.into(),
            AuthenticationPackageName: package.into(),
            ElevatedToken: if who.privileged { "%%1842" } else { "%%1843" }.into(),
            ..Default::default()
        });
        if who.privileged {
            let privileges = if who.name.ends_with('$') {
                SYSTEM_PRIVILEGES
            } else {
                PRIVILEGES
            };
            self.security_event.push(SecurityEvent {
                TimeGenerated: at,
                Computer: computer,
                EventID: 4672,
                Activity: "4672 - Special privileges assigned to new logon.".into(),
                Account: format!("{}\\{}", who.domain, who.name),
                AccountType: if who.name.ends_with('$') {
                    "Machine"
                } else {
                    "User"
                }
                .into(),
                SubjectUserSid: who.sid.clone(),
                SubjectUserName: who.name.clone(),
                SubjectDomainName: who.domain.clone(),
                SubjectLogonId: hex_id(session.logon_id),
                PrivilegeList: privileges.into(),
                ..Default::default()
            });
        }
        session
    }

    /// A logoff (4634) of a session.
    pub(crate) fn logoff(&mut self, host: usize, at: Ts, session: &Actor, logon_type: i32) {
        self.security_event.push(SecurityEvent {
            TimeGenerated: at,
            Computer: self.org.hosts[host].fqdn.clone(),
            EventID: 4634,
            Activity: "4634 - An account was logged off.".into(),
            Account: format!("{}\\{}", session.domain, session.name),
            AccountType: if session.name.ends_with('$') {
                "Machine"
            } else {
                "User"
            }
            .into(),
            TargetUserSid: session.sid.clone(),
            TargetUserName: session.name.clone(),
            TargetDomainName: session.domain.clone(),
            TargetLogonId: hex_id(session.logon_id),
            TargetAccount: format!("{}\\{}", session.domain, session.name),
            LogonType: Some(logon_type),
            LogonTypeName: logon_type_name(logon_type).into(),
            ..Default::default()
        });
    }

    /// A failed logon (4625). `sub_status` says why (0xc000006a bad password,
    /// 0xc0000064 no such user, 0xc0000234 locked out).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn logon_failure(
        &mut self,
        rng: &Rng,
        host: usize,
        at: Ts,
        user: &str,
        sid: &str,
        logon_type: i32,
        from_ip: &str,
        from_workstation: &str,
        sub_status: &str,
    ) {
        let network = logon_type == 3;
        let system = Actor::system(&self.org, host);
        self.security_event.push(SecurityEvent {
            TimeGenerated: at,
            Computer: self.org.hosts[host].fqdn.clone(),
            EventID: 4625,
            Activity: "4625 - An account failed to log on.".into(),
            Account: format!("{AD_DOMAIN}\\{user}"),
            AccountType: "User".into(),
            SubjectUserSid: if network {
                "S-1-0-0".into()
            } else {
                system.sid
            },
            SubjectUserName: if network { "-".into() } else { system.name },
            SubjectDomainName: if network { "-".into() } else { system.domain },
            SubjectLogonId: if network { "0x0" } else { "0x3e7" }.into(),
            TargetUserSid: if sub_status == "0xc0000064" {
                "S-1-0-0".into()
            } else {
                sid.to_string()
            },
            TargetUserName: user.into(),
            TargetDomainName: AD_DOMAIN.into(),
            TargetAccount: format!("{AD_DOMAIN}\\{user}"),
            LogonType: Some(logon_type),
            LogonTypeName: logon_type_name(logon_type).into(),
            IpAddress: from_ip.into(),
            IpPort: (49152 + rng.below(16000)).to_string(),
            WorkstationName: from_workstation.into(),
            LogonProcessName: if network { "NtLmSsp " } else { "User32 " }.into(),
            AuthenticationPackageName: if network { "NTLM" } else { "Negotiate" }.into(),
            Status: if sub_status == "0xc0000234" {
                "0xc0000234"
            } else {
                "0xc000006d"
            }
            .into(),
            SubStatus: sub_status.into(),
            FailureReason: match sub_status {
                "0xc0000234" => "%%2307",
                "0xc0000071" => "%%2309",
                _ => "%%2313",
            }
            .into(),
            ..Default::default()
        });
    }

    /// A DNS lookup answered by the domain controller, unless the client resolved the
    /// name within the cache lifetime. Returns whether a query was logged.
    pub(crate) fn resolve(&mut self, client: usize, at: Ts, name: &str, answers: &[&str]) -> bool {
        let key = (client, name.to_string());
        if let Some(&last) = self.dns_cache.get(&key)
            && at.0 - last.0 < DNS_TTL
            && at >= last
        {
            return false;
        }
        self.dns_cache.insert(key, at);
        let client_ip = self.org.hosts[client].ip.clone();
        self.dns_query(at, &client_ip, name, "A", answers);
        true
    }

    /// A DNS query row; an empty answer list is NXDOMAIN.
    pub(crate) fn dns_query(
        &mut self,
        at: Ts,
        client_ip: &str,
        name: &str,
        qtype: &str,
        answers: &[&str],
    ) {
        let dc = &self.org.hosts[0];
        let ok = !answers.is_empty();
        self.dns.push(DnsEvents {
            TimeGenerated: at,
            Computer: dc.fqdn.clone(),
            EventId: if ok { 257 } else { 258 },
            SubType: "LookupQuery".into(),
            ClientIP: client_ip.into(),
            Name: name.into(),
            QueryType: qtype.into(),
            QueryTypeId: match qtype {
                "AAAA" => 28,
                "SRV" => 33,
                "PTR" => 12,
                _ => 1,
            },
            IPAddresses: answers.join(","),
            ResultCode: if ok { 0 } else { 3 },
            Result: if ok { "Success" } else { "NXDOMAIN" }.into(),
        });
    }

    /// An outbound TCP connection by a Windows process (DeviceNetworkEvents) that
    /// leaves through the perimeter firewall when the address is external.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn connect(
        &mut self,
        rng: &Rng,
        proc: usize,
        at: Ts,
        remote_ip: &str,
        port: i32,
        url: &str,
        sent: i64,
        received: i64,
    ) {
        let p = &self.procs[proc];
        let host = &self.org.hosts[p.host];
        let external = !remote_ip.starts_with("10.");
        let local_port = 49152 + rng.below(16000) as i32;
        let (domain, name) = p.actor.mde_identity();
        let row = DeviceNetworkEvents {
            TimeGenerated: at,
            Timestamp: at,
            DeviceId: host.device_id.clone(),
            DeviceName: host.mde_name(),
            ActionType: "ConnectionSuccess".into(),
            RemoteIP: remote_ip.into(),
            RemotePort: port,
            RemoteUrl: url.into(),
            RemoteIPType: if external { "Public" } else { "Private" }.into(),
            LocalIP: host.ip.clone(),
            LocalPort: local_port,
            LocalIPType: "Private".into(),
            Protocol: "Tcp".into(),
            InitiatingProcessFileName: p.file_name().to_string(),
            InitiatingProcessFolderPath: p.path.to_ascii_lowercase(),
            InitiatingProcessCommandLine: p.cmdline.clone(),
            InitiatingProcessId: i64::from(p.pid),
            InitiatingProcessCreationTime: p.created,
            InitiatingProcessAccountDomain: domain,
            InitiatingProcessAccountName: name,
            InitiatingProcessAccountSid: p.actor.sid.clone(),
            ReportId: 0,
        };
        let source_ip = host.ip.clone();
        let user = p.actor.upn.clone();
        let host_index = p.host;
        let report = self.next_report(host_index);
        self.device_network.push(DeviceNetworkEvents {
            ReportId: report,
            ..row
        });
        if external {
            self.firewall_flow(
                at, &source_ip, local_port, remote_ip, port, url, sent, received, &user, "allow",
            );
        }
    }

    /// A firewall traffic log for a flow through the perimeter.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn firewall_flow(
        &mut self,
        at: Ts,
        source_ip: &str,
        source_port: i32,
        dest_ip: &str,
        dest_port: i32,
        url: &str,
        sent: i64,
        received: i64,
        user: &str,
        action: &str,
    ) {
        let inbound = !source_ip.starts_with("10.");
        let app = match dest_port {
            443 => "ssl",
            80 => "web-browsing",
            22 => "ssh",
            53 => "dns",
            123 => "ntp",
            3389 => "ms-rdp",
            445 => "ms-ds-smb",
            _ => "unknown-tcp",
        };
        let request_url = match (dest_port, url.is_empty()) {
            (_, true) => String::new(),
            (80, false) if url.starts_with("http") => url.to_string(),
            (80, false) => format!("http://{url}/"),
            _ if url.starts_with("http") => url.to_string(),
            _ => format!("{url}/"),
        };
        let host_name = request_url
            .split("://")
            .nth(1)
            .unwrap_or(&request_url)
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        self.firewall.push(CommonSecurityLog {
            TimeGenerated: at,
            Computer: "lnx-mon01".into(),
            DeviceVendor: "Palo Alto Networks".into(),
            DeviceProduct: "PAN-OS".into(),
            DeviceVersion: "11.1.2".into(),
            DeviceEventClassID: if action == "allow" { "end" } else { "deny" }.into(),
            Activity: "TRAFFIC".into(),
            LogSeverity: if action == "allow" { "1" } else { "3" }.into(),
            DeviceAction: action.into(),
            ApplicationProtocol: app.into(),
            Protocol: if dest_port == 123 || dest_port == 53 {
                "UDP"
            } else {
                "TCP"
            }
            .into(),
            SourceIP: source_ip.into(),
            SourcePort: source_port,
            SourceTranslatedAddress: if inbound {
                String::new()
            } else {
                OFFICE_EGRESS_IP.into()
            },
            DestinationIP: dest_ip.into(),
            DestinationPort: dest_port,
            DestinationHostName: host_name,
            RequestURL: request_url,
            RequestMethod: if request_url_is_upload(sent) {
                "PUT"
            } else if url.is_empty() {
                ""
            } else {
                "GET"
            }
            .into(),
            SentBytes: sent,
            ReceivedBytes: received,
            SourceUserName: user.into(),
            DeviceInboundInterface: if inbound {
                "ethernet1/1"
            } else {
                "ethernet1/2"
            }
            .into(),
            DeviceOutboundInterface: if inbound {
                "ethernet1/3"
            } else {
                "ethernet1/1"
            }
            .into(),
        });
    }

    /// A syslog line from a Linux host.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn syslog(
        &mut self,
        host: usize,
        at: Ts,
        facility: &str,
        severity: &str,
        process: &str,
        pid: Option<u32>,
        message: String,
    ) {
        let h = &self.org.hosts[host];
        self.syslog.push(Syslog {
            TimeGenerated: at.plus(350),
            EventTime: at,
            Computer: h.name.clone(),
            HostName: h.name.clone(),
            HostIP: h.ip.clone(),
            Facility: facility.into(),
            SeverityLevel: severity.into(),
            ProcessName: process.into(),
            ProcessID: pid.map(|p| p as i32),
            SyslogMessage: message,
        });
    }

    /// One auditd event: the records share an audit id (`SECS.MMM:SERIAL`).
    pub(crate) fn audit_event(&mut self, host: usize, at: Ts, records: Vec<AuditRecord>) {
        let state = &mut self.hosts[host];
        state.audit_serial += 1;
        let (secs, millis) = at.secs_millis();
        let id = format!("{secs}.{millis:03}:{}", state.audit_serial);
        let h = &self.org.hosts[host];
        for (record_type, body) in records {
            self.audit.push(LinuxAudit {
                TimeGenerated: at,
                Computer: h.name.clone(),
                HostIP: h.ip.clone(),
                RecordType: record_type.into(),
                RawData: format!("type={record_type} msg=audit({id}): {body}"),
                AuditId: id.clone(),
            });
        }
    }

    /// An execve as auditd logs it: SYSCALL, EXECVE, CWD, PATH and PROCTITLE records.
    pub(crate) fn audit_exec(&mut self, rng: &Rng, host: usize, at: Ts, exec: &LinuxExec<'_>) {
        let comm: String = exec
            .argv
            .first()
            .map_or("", |a| a.rsplit('/').next().unwrap_or(a))
            .chars()
            .take(15)
            .collect();
        let gid = if exec.uid == 0 { 0 } else { exec.uid };
        let fs = if exec.euid == 0 { 0 } else { exec.uid };
        let addr = 0x55d0_0000_0000u64 + rng.below(0xffff_ffff);
        let syscall = format!(
            "arch=c000003e syscall=59 success=yes exit=0 a0={:x} a1={:x} a2={:x} a3=8 items=2 ppid={} pid={} auid={} uid={} gid={} euid={} suid={} fsuid={} egid={} sgid={} fsgid={} tty={} ses={} comm={} exe=\"{}\" subj=unconfined key=\"{}\"",
            addr,
            addr + 0x60,
            addr + 0x90,
            exec.ppid,
            exec.pid,
            exec.auid,
            exec.uid,
            gid,
            exec.euid,
            fs,
            fs,
            gid,
            gid,
            gid,
            exec.tty,
            exec.ses,
            audit_arg(&comm),
            exec.exe,
            exec.key
        );
        let mut execve = format!("argc={}", exec.argv.len());
        for (i, arg) in exec.argv.iter().enumerate() {
            execve.push_str(&format!(" a{i}={}", audit_arg(arg)));
        }
        let inode = 390_000 + super::rng::hash_label(exec.exe) % 20_000;
        let records = vec![
            ("SYSCALL", syscall),
            ("EXECVE", execve),
            ("CWD", format!("cwd={}", audit_arg(exec.cwd))),
            (
                "PATH",
                format!("item=0 name=\"{}\" inode={inode} dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0", exec.exe),
            ),
            (
                "PATH",
                "item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=2621 dev=08:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0".to_string(),
            ),
            ("PROCTITLE", format!("proctitle={}", proctitle(exec.argv))),
        ];
        self.audit_event(host, at, records);
    }

    /// A PAM record (USER_AUTH, USER_ACCT, CRED_ACQ, USER_START, USER_END, CRED_DISP,
    /// USER_LOGIN) from sshd, sudo or cron.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn audit_pam(
        &mut self,
        host: usize,
        at: Ts,
        record_type: &'static str,
        pid: u32,
        auid: Option<u32>,
        ses: Option<u32>,
        op: &str,
        account: &str,
        exe: &str,
        remote: Option<&str>,
        terminal: &str,
        success: bool,
    ) {
        let auid = auid.map_or("4294967295".to_string(), |a| a.to_string());
        let ses = ses.map_or("4294967295".to_string(), |s| s.to_string());
        let (hostname, addr) = match remote {
            Some(ip) => (ip, ip),
            None => ("?", "?"),
        };
        let res = if success { "success" } else { "failed" };
        let grantors = match (success, record_type) {
            (false, _) => "?".to_string(),
            (_, "USER_AUTH") => "pam_sss".into(),
            (_, "USER_ACCT") => "pam_unix,pam_sss".into(),
            (_, "CRED_ACQ" | "CRED_DISP" | "CRED_REFR") => "pam_unix,pam_sss".into(),
            _ => "pam_selinux,pam_loginuid,pam_keyinit,pam_limits,pam_systemd,pam_unix,pam_sss"
                .into(),
        };
        let body = if record_type == "USER_LOGIN" {
            format!(
                "pid={pid} uid=0 auid={auid} ses={ses} subj=unconfined msg='op={op} acct=\"{account}\" exe=\"{exe}\" hostname={hostname} addr={addr} terminal={terminal} res={res}'"
            )
        } else {
            format!(
                "pid={pid} uid=0 auid={auid} ses={ses} subj=unconfined msg='op={op} grantors={grantors} acct=\"{account}\" exe=\"{exe}\" hostname={hostname} addr={addr} terminal={terminal} res={res}'"
            )
        };
        self.audit_event(host, at, vec![(record_type, body)]);
    }
}

/// Uploads dwarf the response; the firewall's URL log shows them as PUT/POST.
fn request_url_is_upload(sent: i64) -> bool {
    sent > 50_000_000
}
