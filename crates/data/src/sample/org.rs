//! The fictional organisation: Larkmoor Freight, its hosts, accounts and the
//! internet services its staff use.
//!
//! The roster is fixed (it does not depend on the seed) so that the training
//! material can name people and machines; the seed only varies background activity.

use super::rng::{Rng, guid_for, hex_for};

/// The Active Directory NetBIOS domain.
pub(crate) const AD_DOMAIN: &str = "LARKMOOR";
/// The Active Directory DNS domain (host FQDN suffix).
pub(crate) const DNS_DOMAIN: &str = "corp.larkmoor.com";
/// The e-mail and UPN suffix.
pub(crate) const UPN_SUFFIX: &str = "larkmoor.com";
/// The domain SID that account SIDs extend.
pub(crate) const DOMAIN_SID: &str = "S-1-5-21-2847562817-1174289304-3920715658";
/// The office's public (NAT) address that the firewall translates to.
pub(crate) const OFFICE_EGRESS_IP: &str = "82.163.74.10";

/// What a host does; background activity differs by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Workstation,
    DomainController,
    FileServer,
    AppServer,
    SqlServer,
    BackupServer,
    LinuxWeb,
    LinuxBuild,
    LinuxDb,
    LinuxMonitoring,
}

/// A host in the lab.
#[derive(Debug, Clone)]
pub(crate) struct Host {
    /// Short name as Windows prints it (`WS-014`, `SRV-FS01`, `lnx-build01`).
    pub(crate) name: String,
    /// Fully qualified name.
    pub(crate) fqdn: String,
    /// Internal address.
    pub(crate) ip: String,
    pub(crate) role: Role,
    /// The person whose workstation this is.
    pub(crate) owner: Option<usize>,
    /// Defender for Endpoint device id (40 hex digits).
    pub(crate) device_id: String,
}

impl Host {
    /// Whether this is a Windows host (Security log and Defender for Endpoint).
    pub(crate) fn is_windows(&self) -> bool {
        !self.is_linux()
    }

    /// Whether this is a Linux host (syslog and auditd).
    pub(crate) fn is_linux(&self) -> bool {
        matches!(
            self.role,
            Role::LinuxWeb | Role::LinuxBuild | Role::LinuxDb | Role::LinuxMonitoring
        )
    }

    /// The machine account (`WS-014$`).
    pub(crate) fn machine_account(&self) -> String {
        format!("{}$", self.name)
    }

    /// The name Defender for Endpoint reports (lower-case FQDN).
    pub(crate) fn mde_name(&self) -> String {
        self.fqdn.to_ascii_lowercase()
    }
}

/// The kind of account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Admin,
    Service,
}

/// A domain account.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    /// sAMAccountName (`megan.ashworth`, `adm-treyes`, `svc-backup`).
    pub(crate) sam: String,
    pub(crate) upn: String,
    pub(crate) display: String,
    pub(crate) sid: String,
    /// Entra object id.
    pub(crate) object_id: String,
    pub(crate) kind: Kind,
    pub(crate) department: &'static str,
    /// ISO country the person works from.
    pub(crate) country: &'static str,
    pub(crate) city: &'static str,
    /// The person's workstation, for users with one in the lab.
    pub(crate) workstation: Option<usize>,
    /// Linux uid on hosts that resolve domain accounts (sssd).
    pub(crate) uid: u32,
}

/// An internet service with its DNS name and addresses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    pub(crate) name: &'static str,
    pub(crate) ips: &'static [&'static str],
    /// Relative popularity.
    pub(crate) weight: u32,
}

/// Internet services staff and servers use (names real, addresses illustrative).
pub(crate) const SERVICES: &[Service] = &[
    Service {
        name: "outlook.office365.com",
        ips: &["52.97.146.162", "52.98.207.34"],
        weight: 30,
    },
    Service {
        name: "login.microsoftonline.com",
        ips: &["20.190.159.2", "40.126.31.67"],
        weight: 25,
    },
    Service {
        name: "teams.microsoft.com",
        ips: &["52.113.194.132"],
        weight: 25,
    },
    Service {
        name: "larkmoor.sharepoint.com",
        ips: &["13.107.136.10"],
        weight: 18,
    },
    Service {
        name: "www.office.com",
        ips: &["13.107.6.156"],
        weight: 10,
    },
    Service {
        name: "www.bing.com",
        ips: &["204.79.197.200"],
        weight: 6,
    },
    Service {
        name: "www.google.com",
        ips: &["142.250.187.228"],
        weight: 14,
    },
    Service {
        name: "fonts.googleapis.com",
        ips: &["142.250.180.10"],
        weight: 6,
    },
    Service {
        name: "www.bbc.co.uk",
        ips: &["151.101.0.81"],
        weight: 5,
    },
    Service {
        name: "www.linkedin.com",
        ips: &["13.107.42.14"],
        weight: 5,
    },
    Service {
        name: "github.com",
        ips: &["140.82.121.4"],
        weight: 6,
    },
    Service {
        name: "api.github.com",
        ips: &["140.82.121.6"],
        weight: 3,
    },
    Service {
        name: "slack.com",
        ips: &["3.126.42.19"],
        weight: 2,
    },
    Service {
        name: "zoom.us",
        ips: &["170.114.52.2"],
        weight: 3,
    },
    Service {
        name: "www.amazon.co.uk",
        ips: &["54.239.34.171"],
        weight: 3,
    },
    Service {
        name: "update.googleapis.com",
        ips: &["142.250.200.3"],
        weight: 3,
    },
    Service {
        name: "settings-win.data.microsoft.com",
        ips: &["20.42.73.29"],
        weight: 6,
    },
    Service {
        name: "ctldl.windowsupdate.com",
        ips: &["93.184.221.240"],
        weight: 4,
    },
    Service {
        name: "wdcp.microsoft.com",
        ips: &["20.54.24.148"],
        weight: 4,
    },
    Service {
        name: "www.xero.com",
        ips: &["52.85.151.34"],
        weight: 2,
    },
    Service {
        name: "portal.azure.com",
        ips: &["13.69.239.72"],
        weight: 1,
    },
    Service {
        name: "www.dhl.com",
        ips: &["23.42.175.88"],
        weight: 2,
    },
    Service {
        name: "www.gov.uk",
        ips: &["151.101.64.144"],
        weight: 2,
    },
    Service {
        name: "cdn.jsdelivr.net",
        ips: &["151.101.129.229"],
        weight: 3,
    },
];

/// Services the Linux hosts reach (package mirrors, container registry, time).
pub(crate) const LINUX_SERVICES: &[Service] = &[
    Service {
        name: "archive.ubuntu.com",
        ips: &["91.189.91.81"],
        weight: 6,
    },
    Service {
        name: "security.ubuntu.com",
        ips: &["91.189.91.82"],
        weight: 4,
    },
    Service {
        name: "registry-1.docker.io",
        ips: &["54.227.20.253"],
        weight: 4,
    },
    Service {
        name: "github.com",
        ips: &["140.82.121.4"],
        weight: 5,
    },
    Service {
        name: "ntp.ubuntu.com",
        ips: &["185.125.190.57"],
        weight: 2,
    },
    Service {
        name: "pypi.org",
        ips: &["151.101.128.223"],
        weight: 3,
    },
];

/// The whole organisation.
#[derive(Debug, Clone)]
pub(crate) struct Org {
    pub(crate) hosts: Vec<Host>,
    pub(crate) accounts: Vec<Account>,
}

const FIRST: &[&str] = &[
    "Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Grace", "Jack", "Freya",
    "Leo", "Lily", "Oscar", "Sophie", "Arthur", "Chloe", "Henry", "Ella", "Jacob", "Priya", "Ravi",
    "Aisha", "Omar", "Hannah", "Daniel", "Zara", "Samuel", "Ruby", "Thomas", "Emily", "James",
    "Lucy", "William", "Anya", "Kwame", "Maria", "Luca", "Sara", "Ethan",
];
const LAST: &[&str] = &[
    "Patel", "Hughes", "Clarke", "Walsh", "Okafor", "Bennett", "Murray", "Fraser", "Kaur", "Doyle",
    "Sutton", "Lowe", "Holt", "Marsh", "Briggs", "Nash", "Khan", "Webb", "Ford", "Shaw", "Reid",
    "Lamb", "Pike", "Kerr", "Moss", "Rowe", "Dale", "Hale", "Frost", "Baird", "Owusu", "Novak",
    "Ortiz", "Haddad", "Sato", "Silva", "Quinn", "Grant", "Lyons", "Burke", "Cole", "Drake",
    "Ellis", "Finch", "Gray", "Hardy", "Irwin", "Jarvis", "Knight", "Lane",
];
const DEPARTMENTS: &[&str] = &[
    "Finance",
    "Sales",
    "Operations",
    "Engineering",
    "HR",
    "Legal",
    "Marketing",
    "Logistics",
];

/// Index of the user who opens the phishing attachment.
pub(crate) const PHISHED_USER: usize = 13;
/// Index of the helpdesk person whose admin account is stolen.
pub(crate) const HELPDESK_USER: usize = 20;
/// Index of the user who travels to Madrid at the end of the week (a red herring).
pub(crate) const TRAVELLER: usize = 40;
/// Number of user workstations in the lab.
const WORKSTATIONS: usize = 28;
/// Number of regular user accounts (the rest are admin and service accounts).
const USERS: usize = 130;

fn person(first: &str, last: &str, rid: u32, department: &'static str, rng: &Rng) -> Account {
    let sam = format!(
        "{}.{}",
        first.to_ascii_lowercase(),
        last.to_ascii_lowercase()
    );
    let (country, city) = match rng.below(10) {
        0 => ("US", "Boston"),
        1 | 2 => ("GB", "Manchester"),
        3 => ("GB", "Bristol"),
        _ => ("GB", "London"),
    };
    Account {
        upn: format!("{sam}@{UPN_SUFFIX}"),
        display: format!("{first} {last}"),
        sid: format!("{DOMAIN_SID}-{rid}"),
        object_id: guid_for(&format!("user:{sam}")),
        kind: Kind::User,
        department,
        country,
        city,
        workstation: None,
        uid: 1_200_000 + rid,
        sam,
    }
}

impl Org {
    /// Builds the fixed roster.
    pub(crate) fn new() -> Org {
        let rng = Rng::stream(0x4c41_524b, "org");
        let mut accounts: Vec<Account> = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        for i in 0..USERS {
            let (first, last, dept) = match i {
                PHISHED_USER => ("Megan", "Ashworth", "Finance"),
                HELPDESK_USER => ("Tom", "Reyes", "IT"),
                _ => loop {
                    let first = *rng.pick(FIRST);
                    let last = *rng.pick(LAST);
                    if used.insert(format!("{first}{last}")) {
                        break (first, last, *rng.pick(DEPARTMENTS));
                    }
                },
            };
            let mut account = person(first, last, 1100 + i as u32, dept, &rng);
            if i == PHISHED_USER || i == HELPDESK_USER {
                (account.country, account.city) = ("GB", "London");
            }
            accounts.push(account);
        }
        // IT staff hold separate admin accounts (tiered administration).
        let admins = [HELPDESK_USER, 3, 41, 57, 77, 98, 111, 125];
        for (n, &owner) in admins.iter().enumerate() {
            let base = accounts[owner].clone();
            let (first, last) = base.display.split_once(' ').unwrap_or((&base.display, ""));
            let first_initial: String = first.chars().take(1).collect();
            let sam = format!(
                "adm-{}{}",
                first_initial.to_ascii_lowercase(),
                last.to_ascii_lowercase()
            );
            accounts[owner].department = "IT";
            accounts.push(Account {
                upn: format!("{sam}@{UPN_SUFFIX}"),
                display: format!("{} (admin)", base.display),
                sid: format!("{DOMAIN_SID}-{}", 1500 + n),
                object_id: guid_for(&format!("user:{sam}")),
                kind: Kind::Admin,
                department: "IT",
                country: base.country,
                city: base.city,
                workstation: None,
                uid: 1_201_500 + n as u32,
                sam,
            });
        }
        let services = [
            "svc-backup",
            "svc-sql",
            "svc-jenkins",
            "svc-scan",
            "svc-webapp",
            "svc-monitor",
            "svc-print",
            "svc-adsync",
            "svc-veeam",
            "svc-crm",
            "svc-sharepoint",
            "svc-deploy",
        ];
        for (n, sam) in services.iter().enumerate() {
            accounts.push(Account {
                upn: format!("{sam}@{UPN_SUFFIX}"),
                display: format!("Service account {sam}"),
                sid: format!("{DOMAIN_SID}-{}", 1600 + n),
                object_id: guid_for(&format!("user:{sam}")),
                kind: Kind::Service,
                department: "IT",
                country: "GB",
                city: "London",
                workstation: None,
                uid: 1_201_600 + n as u32,
                sam: (*sam).to_string(),
            });
        }

        let mut hosts = Vec::new();
        let mut add = |name: String, ip: String, role: Role, owner: Option<usize>| {
            let fqdn = format!("{name}.{DNS_DOMAIN}");
            hosts.push(Host {
                device_id: hex_for(&format!("device:{name}"), 40),
                name,
                fqdn,
                ip,
                role,
                owner,
            });
        };
        for (i, ip_last) in [(0, 10), (1, 11)] {
            add(
                format!("SRV-DC0{}", i + 1),
                format!("10.10.10.{ip_last}"),
                Role::DomainController,
                None,
            );
        }
        add(
            "SRV-FS01".into(),
            "10.10.10.20".into(),
            Role::FileServer,
            None,
        );
        add(
            "SRV-APP01".into(),
            "10.10.10.30".into(),
            Role::AppServer,
            None,
        );
        add(
            "SRV-SQL01".into(),
            "10.10.10.40".into(),
            Role::SqlServer,
            None,
        );
        add(
            "SRV-BKP01".into(),
            "10.10.10.50".into(),
            Role::BackupServer,
            None,
        );
        // Workstation n belongs to user n - 1 (WS-014 is Megan Ashworth's); the
        // helpdesk user gets one too. Addresses are DHCP reservations.
        for n in 1..=WORKSTATIONS {
            let owner = if n == WORKSTATIONS {
                HELPDESK_USER
            } else {
                n - 1
            };
            add(
                format!("WS-{n:03}"),
                format!("10.10.20.{}", 20 + n * 4),
                Role::Workstation,
                Some(owner),
            );
        }
        add(
            "lnx-web01".into(),
            "10.10.30.11".into(),
            Role::LinuxWeb,
            None,
        );
        add(
            "lnx-web02".into(),
            "10.10.30.12".into(),
            Role::LinuxWeb,
            None,
        );
        add(
            "lnx-build01".into(),
            "10.10.30.21".into(),
            Role::LinuxBuild,
            None,
        );
        add("lnx-db01".into(), "10.10.30.31".into(), Role::LinuxDb, None);
        add(
            "lnx-mon01".into(),
            "10.10.30.41".into(),
            Role::LinuxMonitoring,
            None,
        );
        add(
            "lnx-ci02".into(),
            "10.10.30.22".into(),
            Role::LinuxBuild,
            None,
        );
        for (h, host) in hosts.iter().enumerate() {
            if let Some(owner) = host.owner {
                accounts[owner].workstation = Some(h);
            }
        }
        Org { hosts, accounts }
    }

    /// The index of a host by short name.
    pub(crate) fn host(&self, name: &str) -> usize {
        self.hosts.iter().position(|h| h.name == name).unwrap_or(0)
    }

    /// The index of an account by sAMAccountName.
    pub(crate) fn account(&self, sam: &str) -> usize {
        self.accounts.iter().position(|a| a.sam == sam).unwrap_or(0)
    }

    /// Indexes of hosts with a role.
    pub(crate) fn hosts_with(&self, role: Role) -> Vec<usize> {
        (0..self.hosts.len())
            .filter(|&h| self.hosts[h].role == role)
            .collect()
    }

    /// Indexes of accounts of a kind.
    pub(crate) fn accounts_of(&self, kind: Kind) -> Vec<usize> {
        (0..self.accounts.len())
            .filter(|&a| self.accounts[a].kind == kind)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roster_has_the_advertised_shape() {
        let org = Org::new();
        assert_eq!(org.hosts.len(), 40);
        assert_eq!(org.accounts.len(), 150);
        let mut names: Vec<&str> = org.accounts.iter().map(|a| a.sam.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 150, "account names are unique");
        let mut ips: Vec<&str> = org.hosts.iter().map(|h| h.ip.as_str()).collect();
        ips.sort_unstable();
        ips.dedup();
        assert_eq!(ips.len(), 40, "host addresses are unique");
        let ws = org.host("WS-014");
        assert_eq!(org.hosts[ws].owner, Some(PHISHED_USER));
        assert_eq!(org.accounts[PHISHED_USER].sam, "megan.ashworth");
        assert_eq!(org.accounts[org.account("adm-treyes")].kind, Kind::Admin);
    }
}
