//! SecurityAlert rows and their Entities JSON, shaped like Sentinel's: an array of
//! entity objects with `$id`, lower-case `Type` and `{"$ref": id}` cross-references.

use serde_json::Value;

use super::json::{object, reference, s};
use super::org::{AD_DOMAIN, DNS_DOMAIN, UPN_SUFFIX};
use super::rng::{Rng, hex_for};
use super::rows::{SecurityAlert, Ts};
use super::world::World;

/// Builds an alert's entity list, handing out `$id`s from 2 as Sentinel does.
#[derive(Debug, Default)]
pub(crate) struct Entities {
    items: Vec<Value>,
}

impl Entities {
    fn add(&mut self, mut pairs: Vec<(&str, Value)>) -> usize {
        let id = self.items.len() + 2;
        pairs.push(("$id", s(id.to_string())));
        self.items.push(object(pairs));
        id
    }

    /// A host entity for a lab host.
    pub(crate) fn host(&mut self, world: &World, host: usize) -> usize {
        let h = &world.org.hosts[host];
        self.add(vec![
            ("DnsDomain", s(DNS_DOMAIN)),
            ("HostName", s(h.name.clone())),
            ("NTDomain", s(if h.is_windows() { AD_DOMAIN } else { "" })),
            ("NetBiosName", s(h.name.clone())),
            (
                "OSFamily",
                s(if h.is_windows() { "Windows" } else { "Linux" }),
            ),
            ("Type", s("host")),
        ])
    }

    /// An account entity, optionally on a host.
    pub(crate) fn account(&mut self, world: &World, account: usize, host: Option<usize>) -> usize {
        let a = &world.org.accounts[account];
        let mut pairs = vec![
            ("AadUserId", s(a.object_id.clone())),
            ("Name", s(a.sam.clone())),
            ("NTDomain", s(AD_DOMAIN)),
            ("Sid", s(a.sid.clone())),
            ("UPNSuffix", s(UPN_SUFFIX)),
            ("Type", s("account")),
        ];
        if let Some(h) = host {
            pairs.push(("Host", reference(h)));
        }
        self.add(pairs)
    }

    /// An IP address entity, with a country when known.
    pub(crate) fn ip(&mut self, address: &str, country: Option<&str>) -> usize {
        let mut pairs = vec![("Address", s(address)), ("Type", s("ip"))];
        if let Some(c) = country {
            pairs.push(("Location", object(vec![("CountryCode", s(c))])));
        }
        self.add(pairs)
    }

    /// A file entity (with its SHA256 as a filehash entity).
    pub(crate) fn file(&mut self, directory: &str, name: &str) -> usize {
        let hash = self.add(vec![
            ("Algorithm", s("SHA256")),
            ("Type", s("filehash")),
            (
                "Value",
                s(hex_for(
                    &format!(
                        "sha256:{}\\{}",
                        directory.to_ascii_lowercase(),
                        name.to_ascii_lowercase()
                    ),
                    64,
                )),
            ),
        ]);
        self.add(vec![
            ("Directory", s(directory)),
            ("FileHashes", Value::Array(vec![reference(hash)])),
            ("Name", s(name)),
            ("Type", s("file")),
        ])
    }

    /// A process entity; `image` is a file entity, `parent` a process entity.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn process(
        &mut self,
        pid: u32,
        command_line: &str,
        created: Ts,
        image: usize,
        parent: Option<usize>,
        account: Option<usize>,
        host: usize,
    ) -> usize {
        let mut pairs = vec![
            ("CommandLine", s(command_line)),
            ("CreationTimeUtc", s(created.iso())),
            ("Host", reference(host)),
            ("ImageFile", reference(image)),
            ("ProcessId", s(format!("{pid}"))),
            ("Type", s("process")),
        ];
        if let Some(p) = parent {
            pairs.push(("ParentProcess", reference(p)));
        }
        if let Some(a) = account {
            pairs.push(("Account", reference(a)));
        }
        self.add(pairs)
    }

    /// A URL entity.
    pub(crate) fn url(&mut self, url: &str) -> usize {
        self.add(vec![("Type", s("url")), ("Url", s(url))])
    }

    /// A DNS resolution entity.
    pub(crate) fn dns(&mut self, domain: &str, ips: &[usize]) -> usize {
        self.add(vec![
            ("DomainName", s(domain)),
            (
                "IpAddresses",
                Value::Array(ips.iter().map(|&i| reference(i)).collect()),
            ),
            ("Type", s("dns")),
        ])
    }

    /// A mailbox entity.
    pub(crate) fn mailbox(&mut self, world: &World, account: usize) -> usize {
        let a = &world.org.accounts[account];
        self.add(vec![
            ("DisplayName", s(a.display.clone())),
            ("MailboxPrimaryAddress", s(a.upn.clone())),
            ("Type", s("mailbox")),
            ("Upn", s(a.upn.clone())),
        ])
    }

    /// A mail message entity.
    pub(crate) fn mail_message(
        &mut self,
        recipient: &str,
        sender: &str,
        subject: &str,
        received: Ts,
        files: &[usize],
    ) -> usize {
        self.add(vec![
            (
                "Files",
                Value::Array(files.iter().map(|&f| reference(f)).collect()),
            ),
            ("P1Sender", s(sender)),
            ("P2Sender", s(sender)),
            ("ReceiveDate", s(received.iso())),
            ("Recipient", s(recipient)),
            ("Sender", s(sender)),
            ("Subject", s(subject)),
            ("Type", s("mailMessage")),
        ])
    }

    /// A logon session entity.
    pub(crate) fn session(
        &mut self,
        logon_id: u64,
        start: Ts,
        host: usize,
        account: usize,
    ) -> usize {
        self.add(vec![
            ("Account", reference(account)),
            ("Host", reference(host)),
            ("SessionId", s(format!("{logon_id:#x}"))),
            ("StartTimeUtc", s(start.iso())),
            ("Type", s("host-logon-session")),
        ])
    }

    /// The JSON array text.
    pub(crate) fn json(&self) -> String {
        Value::Array(self.items.clone()).to_string()
    }
}

/// Which product raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Product {
    DefenderEndpoint,
    DefenderOffice,
    IdentityProtection,
    SentinelScheduled,
}

/// An alert to record.
#[derive(Debug)]
pub(crate) struct AlertSpec<'a> {
    pub(crate) at: Ts,
    pub(crate) start: Ts,
    pub(crate) product: Product,
    pub(crate) name: &'a str,
    pub(crate) severity: &'a str,
    pub(crate) description: String,
    pub(crate) tactics: &'a str,
    pub(crate) techniques: &'a [&'a str],
    pub(crate) compromised: String,
    pub(crate) entities: Entities,
    pub(crate) remediation: &'a [&'a str],
    pub(crate) extended: Vec<(&'a str, String)>,
}

/// Records an alert.
pub(crate) fn raise(world: &mut World, rng: &Rng, spec: AlertSpec<'_>) {
    let (provider, vendor, product, component, alert_type, source) = match spec.product {
        Product::DefenderEndpoint => (
            "MDATP",
            "Microsoft",
            "Microsoft Defender Advanced Threat Protection",
            "",
            "WindowsDefenderAtp",
            "Detection",
        ),
        Product::DefenderOffice => (
            "OATP",
            "Microsoft",
            "Office 365 Advanced Threat Protection",
            "",
            "ThreatManagement",
            "Detection",
        ),
        Product::IdentityProtection => (
            "IPC",
            "Microsoft",
            "Azure Active Directory Identity Protection",
            "",
            "UnfamiliarLocation",
            "Detection",
        ),
        Product::SentinelScheduled => (
            "ASI Scheduled Alerts",
            "Microsoft",
            "Azure Sentinel",
            "Scheduled Alerts",
            "",
            "Detection",
        ),
    };
    let alert_type = if alert_type.is_empty() {
        format!("{}_{}", rng.guid(), "scheduled")
    } else {
        alert_type.to_string()
    };
    let techniques = Value::Array(spec.techniques.iter().map(|t| s(*t)).collect()).to_string();
    let remediation = Value::Array(spec.remediation.iter().map(|t| s(*t)).collect()).to_string();
    let mut extended: Vec<(&str, Value)> = spec
        .extended
        .iter()
        .map(|(k, v)| (*k, s(v.clone())))
        .collect();
    extended.push(("Detection Source", s(provider)));
    let extended = object(extended).to_string();
    world.alerts.push(SecurityAlert {
        TimeGenerated: spec.at,
        DisplayName: spec.name.into(),
        AlertName: spec.name.into(),
        AlertSeverity: spec.severity.into(),
        Description: spec.description,
        ProviderName: provider.into(),
        VendorName: vendor.into(),
        ProductName: product.into(),
        ProductComponentName: component.into(),
        AlertType: alert_type,
        SystemAlertId: rng.guid(),
        VendorOriginalId: rng.guid(),
        CompromisedEntity: spec.compromised,
        Tactics: spec.tactics.into(),
        Techniques: techniques,
        StartTime: spec.start,
        EndTime: spec.at.plus(-1_000).max(spec.start),
        ProcessingEndTime: spec.at.plus(60_000),
        Status: "New".into(),
        ConfidenceLevel: "Unknown".into(),
        IsIncident: false,
        RemediationSteps: remediation,
        ExtendedProperties: extended,
        Entities: spec.entities.json(),
        SourceSystem: source.into(),
    });
}

/// The week's ordinary alerts: noisy service accounts, ssh guessing on the web
/// servers, potentially unwanted apps, a traveller's sign-in and an inventory script.
pub(crate) fn background_alerts(world: &mut World, seed: u64, start: Ts, days: u32) {
    use super::background::{DAY, is_workday};
    use super::org::Role;
    let rng = Rng::stream(seed, "background-alerts");
    let rng = &rng;
    let hour = 3_600_000;
    let app = world.org.host("SRV-APP01");
    let scan = world.org.account("svc-scan");
    let webs = world.org.hosts_with(Role::LinuxWeb);
    let workstations = world.org.hosts_with(Role::Workstation);
    // A user on a business trip to Madrid on the last workdays.
    let traveller = super::org::TRAVELLER;
    let trip_ip = "88.26.241.97";
    for d in 0..i64::from(days) {
        let day = start.plus(d * DAY);
        if is_workday(day) {
            let mut e = Entities::default();
            let host = e.host(world, app);
            e.account(world, scan, Some(host));
            raise(world, rng, AlertSpec {
                at: day.plus(10 * hour + rng.range(0, 3_000_000)),
                start: day.plus(8 * hour),
                product: Product::SentinelScheduled,
                name: "Multiple failed logons for a single account",
                severity: "Low",
                description: "svc-scan failed to log on to SRV-APP01 more than 5 times in an hour (bad password).".into(),
                tactics: "CredentialAccess",
                techniques: &["T1110"],
                compromised: String::new(),
                entities: e,
                remediation: &[],
                extended: vec![("Query Period", "1h".into())],
            });
        }
        for &web in &webs {
            if rng.chance(0.6) {
                let mut e = Entities::default();
                e.host(world, web);
                let ip = super::intel::scanner_ip(rng.below(super::intel::SCANNERS));
                e.ip(&ip, None);
                raise(
                    world,
                    rng,
                    AlertSpec {
                        at: day.plus(rng.range(hour, 23 * hour)),
                        start: day,
                        product: Product::SentinelScheduled,
                        name: "SSH - Potential Brute Force",
                        severity: "Low",
                        description: format!(
                            "Multiple failed ssh password attempts from {ip}; no successful logon followed."
                        ),
                        tactics: "CredentialAccess",
                        techniques: &["T1110.001"],
                        compromised: String::new(),
                        entities: e,
                        remediation: &[],
                        extended: vec![("Query Period", "1d".into())],
                    },
                );
            }
        }
        if rng.chance(0.7) {
            let ws = *rng.pick(&workstations);
            let mut e = Entities::default();
            let host = e.host(world, ws);
            if let Some(owner) = world.org.hosts[ws].owner {
                e.account(world, owner, Some(host));
            }
            let name = *rng.pick(&[
                "PUA:Win32/OfferCore",
                "PUA:Win32/Presenoker",
                "PUA:Win32/CandyOpen",
            ]);
            e.file(
                "C:\\Users\\Public\\Downloads",
                &format!(
                    "{}_setup.exe",
                    name.rsplit('/')
                        .next()
                        .unwrap_or("app")
                        .to_ascii_lowercase()
                ),
            );
            let fqdn = world.org.hosts[ws].fqdn.to_ascii_lowercase();
            raise(
                world,
                rng,
                AlertSpec {
                    at: day.plus(9 * hour + rng.range(0, 8 * hour)),
                    start: day.plus(9 * hour),
                    product: Product::DefenderEndpoint,
                    name: "'PUA' potentially unwanted application was prevented",
                    severity: "Informational",
                    description: format!("Microsoft Defender Antivirus blocked {name}."),
                    tactics: "Execution",
                    techniques: &[],
                    compromised: fqdn,
                    entities: e,
                    remediation: &[],
                    extended: vec![("ThreatName", name.to_string())],
                },
            );
        }
    }
    // The traveller: sign-ins from Spain on the last two workdays, and the alert.
    let trip: Vec<Ts> = (0..i64::from(days))
        .map(|d| start.plus(d * DAY))
        .filter(|&d| is_workday(d))
        .collect();
    for (n, &day) in trip.iter().rev().take(2).enumerate() {
        for k in 0..3 {
            let at = day.plus(8 * hour + k * 3 * hour + rng.range(0, hour));
            let signin = super::signin::Signin {
                at,
                account: traveller,
                app: k as usize % 3,
                ip: trip_ip,
                country: "ES",
                city: "Madrid",
                result: "0",
                managed: true,
                risk: if n == 1 && k == 0 { "low" } else { "none" },
            };
            super::signin::signin(world, rng, &signin);
        }
        if n == 1 {
            let mut e = Entities::default();
            e.account(world, traveller, None);
            e.ip(trip_ip, Some("ES"));
            let upn = world.org.accounts[traveller].upn.clone();
            raise(world, rng, AlertSpec {
                at: day.plus(8 * hour + 40 * 60_000),
                start: day.plus(8 * hour),
                product: Product::IdentityProtection,
                name: "Unfamiliar sign-in properties",
                severity: "Low",
                description: "The sign-in had properties (IP address, location) not seen recently for this user.".into(),
                tactics: "InitialAccess",
                techniques: &["T1078.004"],
                compromised: upn,
                entities: e,
                remediation: &["Confirm the sign-in with the user"],
                extended: vec![("Location", "Madrid, ES".into()), ("Client IP Address", trip_ip.into())],
            });
        }
    }
    // The management agent's encoded inventory script trips a low-severity rule once.
    let sql = world.org.host("SRV-SQL01");
    if let Some(p) = world
        .procs
        .iter()
        .position(|p| p.host == sql && p.cmdline.contains("-EncodedCommand"))
    {
        let mut e = Entities::default();
        let host = e.host(world, sql);
        let proc = world.procs[p].clone();
        let image = e.file(
            "C:\\Windows\\System32\\WindowsPowerShell\\v1.0",
            "powershell.exe",
        );
        e.process(
            proc.pid,
            &proc.cmdline,
            proc.created,
            image,
            None,
            None,
            host,
        );
        let fqdn = world.org.hosts[sql].fqdn.to_ascii_lowercase();
        raise(
            world,
            rng,
            AlertSpec {
                at: proc.created.plus(5 * 60_000),
                start: proc.created,
                product: Product::DefenderEndpoint,
                name: "Suspicious PowerShell command line",
                severity: "Low",
                description:
                    "A PowerShell command line with an encoded command was started by WmiPrvSE.exe."
                        .into(),
                tactics: "Execution",
                techniques: &["T1059.001"],
                compromised: fqdn,
                entities: e,
                remediation: &[],
                extended: vec![],
            },
        );
    }
}
