//! A DNS responder on 127.0.0.1 (UDP) for tests: answers A, AAAA and PTR questions
//! from fixed tables, NXDOMAIN for anything else (RFC 1035 wire format).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct DnsServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn read_name(packet: &[u8], mut pos: usize) -> Option<(String, usize)> {
    let mut labels = Vec::new();
    loop {
        let len = *packet.get(pos)? as usize;
        pos += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(packet.get(pos..pos + len)?).to_ascii_lowercase());
        pos += len;
    }
    Some((labels.join("."), pos))
}

fn write_name(out: &mut Vec<u8>, name: &str) {
    for label in name.trim_end_matches('.').split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

/// `names`: name → addresses; `ptrs`: address → name.
pub fn start(names: HashMap<String, Vec<IpAddr>>, ptrs: HashMap<IpAddr, String>) -> DnsServer {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
    socket
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let addr = socket.local_addr().expect("addr");
    let stop = Arc::new(AtomicBool::new(false));
    let reverse: HashMap<String, String> = ptrs
        .into_iter()
        .map(|(ip, name)| {
            let key = match ip {
                IpAddr::V4(v4) => {
                    let o = v4.octets();
                    format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
                }
                IpAddr::V6(v6) => {
                    let hex: String = v6.octets().iter().map(|b| format!("{b:02x}")).collect();
                    let nibbles: Vec<String> = hex.chars().rev().map(|c| c.to_string()).collect();
                    format!("{}.ip6.arpa", nibbles.join("."))
                }
            };
            (key, name)
        })
        .collect();
    let thread = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut buf = [0u8; 1500];
            while !stop.load(Ordering::SeqCst) {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let q = &buf[..n];
                let Some((name, pos)) = read_name(q, 12) else {
                    continue;
                };
                let Some(qtype) = q
                    .get(pos..pos + 2)
                    .map(|b| u16::from_be_bytes([b[0], b[1]]))
                else {
                    continue;
                };
                let question_end = pos + 4;
                let mut answers: Vec<(u16, Vec<u8>)> = Vec::new();
                let mut known = false;
                if let Some(ips) = names.get(&name) {
                    known = true;
                    for ip in ips {
                        match (ip, qtype) {
                            (IpAddr::V4(v4), 1) => answers.push((1, v4.octets().to_vec())),
                            (IpAddr::V6(v6), 28) => answers.push((28, v6.octets().to_vec())),
                            _ => {}
                        }
                    }
                }
                if let Some(target) = reverse.get(&name) {
                    known = true;
                    if qtype == 12 {
                        let mut rdata = Vec::new();
                        write_name(&mut rdata, target);
                        answers.push((12, rdata));
                    }
                }
                let mut out = Vec::new();
                out.extend_from_slice(&q[0..2]);
                // QR, opcode 0, RD copied, RA; rcode 3 (NXDOMAIN) for unknown names.
                let rd = q[2] & 1;
                out.push(0x80 | rd);
                out.push(if known { 0x80 } else { 0x83 });
                out.extend_from_slice(&1u16.to_be_bytes());
                out.extend_from_slice(&(answers.len() as u16).to_be_bytes());
                out.extend_from_slice(&[0, 0, 0, 0]);
                out.extend_from_slice(&q[12..question_end]);
                for (rtype, rdata) in answers {
                    out.extend_from_slice(&[0xC0, 0x0C]);
                    out.extend_from_slice(&rtype.to_be_bytes());
                    out.extend_from_slice(&1u16.to_be_bytes());
                    out.extend_from_slice(&60u32.to_be_bytes());
                    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
                    out.extend_from_slice(&rdata);
                }
                let _ = socket.send_to(&out, peer);
            }
        })
    };
    DnsServer {
        addr,
        stop,
        thread: Some(thread),
    }
}
