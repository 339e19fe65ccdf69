//! Decoding speed and memory of a large Kusto v2 response.
//!
//! ```text
//! cargo run -p data --example kusto_decode_bench \
//!     --config 'profile.dev.package.data.opt-level=3' -- [ROWS]
//! ```
//!
//! Generates a v2 response of ROWS rows (default 1 000 000) with ten columns of mixed
//! types and decodes it into a DataFrame two ways, each in its own process so each
//! peak memory (`VmHWM`) is its own:
//!
//! - **http**: a `KustoDriver` queries a server on 127.0.0.1 (in the same process)
//!   that sends the body from a file; the driver decodes it as it streams in, so the
//!   body never exists whole in memory;
//! - **memory**: the body is generated into a buffer first, then decoded from it
//!   (`data::drivers::decode_response_slice`);
//! - **reader**: the streaming decoder (`data::drivers::decode_response`) reads the
//!   body from its generator, without HTTP (the time includes generating it).

use std::io::Read;
use std::time::Instant;

use data::drivers::{AzureCredential, KustoConfig, KustoDriver};
use data::{Driver, RunOptions};

const COLUMNS: &[(&str, &str)] = &[
    ("Timestamp", "datetime"),
    ("DeviceName", "string"),
    ("ProcessId", "int"),
    ("FileSize", "long"),
    ("Score", "real"),
    ("IsElevated", "bool"),
    ("ReportGuid", "guid"),
    ("Elapsed", "timespan"),
    ("AdditionalFields", "dynamic"),
    ("ProcessCommandLine", "string"),
];

/// Writes a Kusto v2 response row by row as it is read.
struct Body {
    rows: u64,
    next_row: u64,
    state: u64,
    buf: Vec<u8>,
    pos: usize,
    stage: u8,
}

impl Body {
    fn new(rows: u64) -> Body {
        Body {
            rows,
            next_row: 0,
            state: 0x9E37_79B9_7F4A_7C15,
            buf: Vec::with_capacity(64 * 1024),
            pos: 0,
            stage: 0,
        }
    }

    fn rand(&mut self) -> u64 {
        // xorshift64: reproducible, fast values.
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    fn header(&mut self) {
        let cols: Vec<String> = COLUMNS
            .iter()
            .map(|(n, t)| format!(r#"{{"ColumnName":"{n}","ColumnType":"{t}"}}"#))
            .collect();
        self.buf.extend_from_slice(
            format!(
                r#"[{{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"}},{{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{}],"Rows":["#,
                cols.join(",")
            )
            .as_bytes(),
        );
    }

    fn row(&mut self) {
        use std::io::Write;
        let i = self.next_row;
        let r = self.rand();
        let secs = 1_761_955_200 + (i * 7) % 604_800;
        let t = chrono::DateTime::from_timestamp(secs as i64, 0).unwrap_or_default();
        let ticks = (r >> 11) % 10_000_000;
        let sep = if i == 0 { "" } else { "," };
        let null_size = r.is_multiple_of(50);
        let _ = write!(
            self.buf,
            r#"{sep}["{}.{ticks:07}Z","ws-{:04}.larkmoor.example",{},{},{:.4},{},"{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}","{:02}:{:02}:{:02}.{:07}",{{"Command":"proc{}","Depth":{}}},"C:\\Windows\\System32\\cmd.exe /c echo {}"]"#,
            t.format("%Y-%m-%dT%H:%M:%S"),
            r % 2000,
            (r >> 8) % 65_536,
            if null_size {
                "null".to_owned()
            } else {
                ((r >> 3) % 10_000_000_000).to_string()
            },
            (r % 10_000) as f64 / 100.0,
            r.is_multiple_of(3),
            r as u32,
            (r >> 32) as u16,
            (r >> 20) % 4096,
            (r >> 40) % 4096,
            r % 0xFFFF_FFFF_FFFF,
            (r >> 5) % 24,
            (r >> 9) % 60,
            (r >> 15) % 60,
            r % 10_000_000,
            r % 97,
            r % 5,
            i
        );
        self.next_row += 1;
    }

    fn footer(&mut self) {
        self.buf.extend_from_slice(
            br#"]},{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]"#,
        );
    }

    fn refill(&mut self) -> bool {
        self.buf.clear();
        self.pos = 0;
        match self.stage {
            0 => {
                self.header();
                self.stage = 1;
            }
            1 => {
                while self.buf.len() < 60 * 1024 && self.next_row < self.rows {
                    self.row();
                }
                if self.next_row >= self.rows {
                    self.stage = 2;
                }
            }
            2 => {
                self.footer();
                self.stage = 3;
            }
            _ => return false,
        }
        true
    }
}

impl Read for Body {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if !self.refill() {
                return Ok(0);
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The peak resident set size so far (`VmHWM`), in MiB.
fn peak_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU seconds the process has used (user + system; Linux clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn body_size(rows: u64) -> u64 {
    let mut body = Body::new(rows);
    std::io::copy(&mut body, &mut std::io::sink()).unwrap_or(0)
}

fn run_mode(mode: &str, rows: u64) -> Result<(), Box<dyn std::error::Error>> {
    let size = body_size(rows);
    let base_peak = peak_mib();
    let cpu_before: f64;
    let (frame, seconds) = match mode {
        "memory" => {
            let mut body = Vec::with_capacity(size as usize);
            Body::new(rows).read_to_end(&mut body)?;
            let started = Instant::now();
            cpu_before = cpu_seconds();
            let frame = data::drivers::decode_response_slice(&body)?;
            (frame, started.elapsed().as_secs_f64())
        }
        "reader" => {
            // The streaming decoder over a generated body, without HTTP: the decoder's
            // own speed.
            let started = Instant::now();
            cpu_before = cpu_seconds();
            let frame = data::drivers::decode_response(Body::new(rows))?;
            (frame, started.elapsed().as_secs_f64())
        }
        _ => {
            // The body goes to a file first, so the server only copies it out (its
            // generation would otherwise compete for the CPU with the decoding).
            let path =
                std::env::temp_dir().join(format!("kusto-bench-{}.json", std::process::id()));
            std::io::copy(&mut Body::new(rows), &mut std::fs::File::create(&path)?)?;
            let file = std::fs::File::open(&path)?;
            let _ = std::fs::remove_file(&path);
            let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| e.to_string())?;
            let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(0);
            let serving = std::thread::spawn(move || {
                if let Ok(request) = server.recv() {
                    let mut response = tiny_http::Response::new(
                        200.into(),
                        vec![],
                        std::io::BufReader::with_capacity(256 * 1024, file),
                        Some(size as usize),
                        None,
                    );
                    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", "application/json")
                    {
                        response.add_header(h);
                    }
                    let _ = request.respond(response);
                }
            });
            let url = format!("http://127.0.0.1:{port}");
            let creds = vec![AzureCredential::AccessToken("bench-token".into())];
            let mut driver = KustoDriver::new(KustoConfig::single(&url, Some("Bench"), creds))?;
            let started = Instant::now();
            cpu_before = cpu_seconds();
            let frame = driver.run("Bench", &RunOptions::default())?;
            let seconds = started.elapsed().as_secs_f64();
            let _ = serving.join();
            (frame, seconds)
        }
    };
    let peak = peak_mib();
    let cpu = cpu_seconds() - cpu_before;
    let mb = size as f64 / 1e6;
    println!(
        "{mode:>6}: {} rows x {} columns in {seconds:.2} s ({cpu:.2} CPU s): {:.0} rows/s, {:.0} MB/s; body {mb:.0} MB, frame {:.0} MB, peak RSS {peak:.0} MiB (before decoding {base_peak:.0} MiB)",
        frame.height(),
        frame.width(),
        frame.height() as f64 / seconds,
        mb / seconds,
        frame.estimated_size() as f64 / 1e6,
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, rows] = args.as_slice()
        && matches!(mode.as_str(), "http" | "memory" | "reader")
    {
        return run_mode(mode, rows.parse()?);
    }
    let rows: u64 = args
        .get(1)
        .map(|r| r.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    println!(
        "Kusto v2 decode, {rows} rows, columns: {}",
        COLUMNS
            .iter()
            .map(|(n, t)| format!("{n}:{t}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let exe = std::env::current_exe()?;
    for mode in ["http", "memory", "reader"] {
        let status = std::process::Command::new(&exe)
            .args([mode, &rows.to_string()])
            .status()?;
        if !status.success() {
            return Err(format!("the {mode} run failed").into());
        }
    }
    Ok(())
}
