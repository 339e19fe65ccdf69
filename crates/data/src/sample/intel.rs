//! Threat intelligence indicators, and the internet scanners that both hit the
//! perimeter and appear in the feed.

use super::rng::{Rng, hex_for};
use super::rows::{ThreatIntelligenceIndicator, Ts};
use super::story::{ATTACKER_IP, C2_DOMAIN, C2_IP, EXFIL_DOMAIN, EXFIL_IP, PHISHING_SENDER};

/// How many distinct scanner addresses background noise draws from.
pub(crate) const SCANNERS: u64 = 400;

/// First octets of public-looking space (no private, documentation or reserved ranges).
const FIRST_OCTETS: &[u64] = &[
    5, 23, 31, 37, 45, 46, 62, 77, 79, 80, 82, 89, 91, 92, 93, 94, 95, 103, 109, 141, 146, 147,
    151, 154, 156, 159, 162, 167, 176, 178, 179, 185, 188, 193, 194, 195, 212, 213, 217,
];

/// A public-looking address derived from a label; never one of the story's addresses.
fn public_ip(label: &str) -> String {
    let rng = Rng::stream(0x7069, label);
    loop {
        let ip = format!(
            "{}.{}.{}.{}",
            rng.pick(FIRST_OCTETS),
            rng.range(1, 254),
            rng.range(0, 255),
            rng.range(2, 254)
        );
        if ![C2_IP, EXFIL_IP, ATTACKER_IP, super::org::OFFICE_EGRESS_IP].contains(&ip.as_str()) {
            return ip;
        }
    }
}

/// The address of scanner `n` (`n < SCANNERS`).
pub(crate) fn scanner_ip(n: u64) -> String {
    public_ip(&format!("scanner:{n}"))
}

const SYLLABLES: &[&str] = &[
    "ko", "ra", "vex", "lin", "tor", "mel", "qua", "zen", "bit", "nor", "dex", "sal", "fin", "gro",
    "pax", "ul", "tri", "mon", "vio", "cal", "lum", "sy", "ret", "hub",
];
const TLDS: &[&str] = &[
    "com", "net", "info", "top", "xyz", "online", "ru", "su", "biz", "click",
];

fn fake_domain(rng: &Rng) -> String {
    let n = rng.range(2, 3);
    let mut name = String::new();
    for _ in 0..n {
        let syllable: &&str = rng.pick(SYLLABLES);
        name.push_str(syllable);
    }
    if rng.chance(0.3) {
        name.push('-');
        let suffix: &&str = rng.pick(&["cdn", "update", "secure", "login", "mail", "sync", "api"]);
        name.push_str(suffix);
    }
    format!("{name}.{}", rng.pick(TLDS))
}

/// An indicator under construction.
struct Indicator<'a> {
    at: Ts,
    threat: &'a str,
    description: String,
    confidence: i32,
    ip: String,
    domain: String,
    url: String,
    hash: String,
    sender: String,
    tags: &'a str,
}

fn row(rng: &Rng, i: Indicator<'_>) -> ThreatIntelligenceIndicator {
    let id = rng.guid();
    ThreatIntelligenceIndicator {
        TimeGenerated: i.at,
        IndicatorId: format!("{}", super::rng::hash_label(&id) % 10_000_000_000),
        ExternalIndicatorId: format!("indicator--{id}"),
        ThreatType: i.threat.into(),
        Description: i.description,
        Action: "alert".into(),
        Active: true,
        ConfidenceScore: i.confidence,
        ExpirationDateTime: i.at.plus(90 * super::background::DAY),
        NetworkIP: i.ip.clone(),
        NetworkSourceIP: if i.threat == "Scanner" {
            i.ip
        } else {
            String::new()
        },
        NetworkDestinationIP: String::new(),
        DomainName: i.domain,
        Url: i.url,
        FileHashType: if i.hash.is_empty() { "" } else { "SHA256" }.into(),
        FileHashValue: i.hash,
        EmailSenderAddress: i.sender,
        TrafficLightProtocolLevel: if i.confidence >= 80 { "Amber" } else { "Green" }.into(),
        SourceSystem: if i.threat == "Scanner" {
            "Open Threat Feed"
        } else {
            "Larkmoor ISAC"
        }
        .into(),
        Tags: i.tags.into(),
    }
}

fn blank<'a>(
    at: Ts,
    threat: &'a str,
    description: String,
    confidence: i32,
    tags: &'a str,
) -> Indicator<'a> {
    Indicator {
        at,
        threat,
        description,
        confidence,
        ip: String::new(),
        domain: String::new(),
        url: String::new(),
        hash: String::new(),
        sender: String::new(),
        tags,
    }
}

/// A few hundred indicators delivered over the window, including the C2 address,
/// the C2 and exfiltration domains and the phishing sender, all before the intrusion.
pub(crate) fn indicators(
    seed: u64,
    start: Ts,
    days: u32,
    intrusion: Ts,
) -> Vec<ThreatIntelligenceIndicator> {
    let rng = Rng::stream(seed, "intel");
    let span = (i64::from(days) * super::background::DAY).max(1);
    let at = |rng: &Rng| start.plus(rng.range(0, span - 1));
    let mut out = Vec::new();
    // Part of the scanner pool is known to the open feed.
    for n in 0..SCANNERS / 3 {
        let t = at(&rng);
        let mut i = blank(
            t,
            "Scanner",
            "Mass scanning of remote access services".into(),
            rng.range(40, 70) as i32,
            "scanner,opendir",
        );
        i.ip = scanner_ip(n * 3);
        out.push(row(&rng, i));
    }
    for n in 0..70 {
        let t = at(&rng);
        let family = *rng.pick(&[
            "Qakbot",
            "IcedID",
            "AsyncRAT",
            "Cobalt Strike",
            "Emotet",
            "Remcos",
        ]);
        let mut i = blank(
            t,
            "C2",
            format!("{family} command and control server"),
            rng.range(55, 95) as i32,
            "c2,botnet",
        );
        i.ip = public_ip(&format!("c2:{n}"));
        out.push(row(&rng, i));
    }
    for _ in 0..80 {
        let t = at(&rng);
        let threat = *rng.pick(&["Phishing", "MaliciousUrl", "C2"]);
        let mut i = blank(
            t,
            threat,
            "Domain seen in credential phishing and malware delivery".into(),
            rng.range(45, 90) as i32,
            "phishing,delivery",
        );
        i.domain = fake_domain(&rng);
        out.push(row(&rng, i));
    }
    for _ in 0..30 {
        let t = at(&rng);
        let mut i = blank(
            t,
            "MaliciousUrl",
            "Payload download URL".into(),
            rng.range(50, 90) as i32,
            "malware,download",
        );
        let domain = fake_domain(&rng);
        i.url = format!(
            "http://{domain}/{}/{}.{}",
            rng.pick(&["wp-content", "files", "dl", "img"]),
            hex_for(&domain, 8),
            rng.pick(&["exe", "zip", "ps1", "hta"])
        );
        i.domain = domain;
        out.push(row(&rng, i));
    }
    for n in 0..50 {
        let t = at(&rng);
        let mut i = blank(
            t,
            "Malware",
            "Malicious file hash".into(),
            rng.range(60, 100) as i32,
            "malware",
        );
        i.hash = hex_for(&format!("ti-hash:{n}"), 64);
        out.push(row(&rng, i));
    }
    for _ in 0..12 {
        let t = at(&rng);
        let mut i = blank(
            t,
            "Phishing",
            "Sender of invoice-themed phishing".into(),
            rng.range(50, 85) as i32,
            "phishing,bec",
        );
        i.sender = format!(
            "{}@{}",
            rng.pick(&[
                "billing",
                "accounts",
                "payments",
                "hr",
                "it-support",
                "noreply"
            ]),
            fake_domain(&rng)
        );
        out.push(row(&rng, i));
    }
    // The planted intrusion's infrastructure, shared by the sector ISAC a few hours
    // before the intrusion (or at the window's start when that comes first).
    let shared = if intrusion.0 - 6 * 3_600_000 > start.0 {
        intrusion.plus(-6 * 3_600_000)
    } else {
        start
    };
    let mut i = blank(
        shared,
        "C2",
        "Kestrel loader C2 server (PowerShell cradles, cron-based Linux implants)".into(),
        85,
        "kestrel,c2,loader",
    );
    i.ip = C2_IP.into();
    out.push(row(&rng, i));
    let mut i = blank(
        shared.plus(1_000),
        "C2",
        "Kestrel loader C2 domain".into(),
        85,
        "kestrel,c2,loader",
    );
    i.domain = C2_DOMAIN.into();
    out.push(row(&rng, i));
    let mut i = blank(
        shared.plus(2_000),
        "Exfiltration",
        "Anonymous file-drop service abused for data theft".into(),
        60,
        "exfiltration,filedrop",
    );
    i.domain = EXFIL_DOMAIN.into();
    out.push(row(&rng, i));
    let mut i = blank(
        shared.plus(3_000),
        "Phishing",
        "Sender of Kestrel invoice lures with macro documents".into(),
        75,
        "kestrel,phishing",
    );
    i.sender = PHISHING_SENDER.into();
    out.push(row(&rng, i));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_addresses_look_public() {
        for n in 0..SCANNERS {
            let ip = scanner_ip(n);
            let first: u64 = ip
                .split('.')
                .next()
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            assert!(FIRST_OCTETS.contains(&first), "{ip}");
        }
    }
}
