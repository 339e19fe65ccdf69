//! Engine processes: where the kernel's cells really run.
//!
//! Starting evcxr costs seconds on every kernel start — rust-analyzer loads and
//! analyses the standard library and the preloaded crates before the first cell.
//! So the kernel does not start evcxr itself: it claims a *spare* — a `huntrs engine
//! --spare` process that already did that work and waits on a Unix socket — and
//! starts the next spare in the background. Without a spare (the first kernel on a
//! machine, or `HUNTRS_SPARE=0`) it starts an engine process of its own.
//!
//! The kernel and its engine process exchange one JSON object per line: requests
//! ([`Request`]) one way, outputs and answers ([`Event`]) the other. Interrupts
//! travel on the same socket and are handled while a cell runs. An engine process
//! exits when its kernel's connection closes (its cell process dies with it).

use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::diagnostics::CellError;
use crate::dispatch::Interpreter;
use crate::execution::{CellOutcome, Completion, Engine, EngineError, Interrupter, OutputSink};
use crate::file_lock::{FileLock, Mode};
use crate::preload::{self, Preload};
use crate::wire::ChildEvent;

/// Kernel → engine process.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
enum Request {
    Execute {
        code: String,
        allow_stdin: bool,
    },
    Complete {
        code: String,
        cursor: usize,
    },
    Inspect {
        code: String,
        cursor: usize,
    },
    Interrupt,
    InputReply {
        value: Option<String>,
    },
    /// The kernel is restarting: reset, and wait for the next kernel (see [`Recycled`]).
    Recycle,
}

/// Engine process → kernel.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
enum Event {
    /// The engine is started; `build` identifies the binary, so a kernel never talks
    /// to an engine process of another build.
    Ready {
        build: String,
    },
    Failed {
        message: String,
    },
    Stream {
        name: String,
        text: String,
    },
    Child {
        event: ChildEvent,
    },
    InputRequest {
        prompt: String,
        password: bool,
    },
    Done {
        outcome: CellOutcome,
    },
    Completion {
        completion: Completion,
    },
    Inspection {
        found: Option<(String, String)>,
    },
    /// The answer to [`Request::Recycle`]: whether the engine waits for the next kernel.
    Recycling {
        accepted: bool,
    },
}

/// How long an unclaimed spare waits before it exits (seconds; `HUNTRS_SPARE_IDLE_SECS`).
const SPARE_IDLE: Duration = Duration::from_secs(3600);
/// How long a kernel waits for an engine process it started to accept it, and a
/// handed-on engine for the next kernel.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a restarting kernel waits for its engine to agree to be handed on.
const RECYCLE_ANSWER: Duration = Duration::from_secs(2);

/// Identifies this build of huntrs: its path, size and modification time.
fn build_id() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let meta = std::fs::metadata(&exe).ok();
    let modified = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}:{}:{modified}",
        exe.display(),
        meta.map_or(0, |m| m.len())
    )
}

/// Where this build's sockets live: short paths under the temp dir (a Unix socket
/// path must fit in 108 bytes), one folder per preload cache.
fn socket_dir(preload: &Preload) -> PathBuf {
    let key = preload
        .dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    std::env::temp_dir().join(format!("huntrs-{uid}-{key}"))
}

fn spares_enabled() -> bool {
    std::env::var("HUNTRS_SPARE").map_or(true, |v| v != "0")
}

fn send_line(stream: &Mutex<UnixStream>, value: &impl Serialize) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut stream = stream
        .lock()
        .map_err(|_| std::io::Error::other("poisoned"))?;
    stream.write_all(&line)?;
    stream.flush()
}

// ---------------------------------------------------------------------------
// The engine process.

/// Arguments of the hidden `huntrs engine` command.
#[derive(Debug, Clone, clap::Args)]
pub struct EngineArgs {
    /// Socket to accept the kernel on (a kernel's own engine process).
    #[arg(long, conflicts_with = "spare")]
    pub socket: Option<PathBuf>,
    /// Warm up first, then wait for any kernel of this build.
    #[arg(long)]
    pub spare: bool,
}

/// Forwards the cell's output to the connected kernel.
#[derive(Debug, Default)]
struct SocketSink {
    stream: Mutex<Option<Arc<Mutex<UnixStream>>>>,
    replies: Mutex<Option<mpsc::Receiver<Option<String>>>>,
}

impl SocketSink {
    /// Forgets the kernel: output goes to the log until the next one connects.
    fn disconnect(&self) {
        if let Ok(mut slot) = self.stream.lock() {
            *slot = None;
        }
        if let Ok(mut slot) = self.replies.lock() {
            *slot = None;
        }
    }

    fn send(&self, event: &Event) {
        let stream = self.stream.lock().ok().and_then(|s| s.clone());
        match stream {
            Some(stream) => {
                let _ = send_line(&stream, event);
            }
            // Before a kernel connects (a spare warming up): keep the log.
            None => {
                if let Event::Stream { text, .. } = event {
                    eprint!("{text}");
                }
            }
        }
    }
}

impl OutputSink for SocketSink {
    fn stream(&self, name: &str, text: &str) {
        self.send(&Event::Stream {
            name: name.to_owned(),
            text: text.to_owned(),
        });
    }

    fn event(&self, event: ChildEvent) {
        self.send(&Event::Child { event });
    }

    fn input(&self, prompt: &str, password: bool) -> Option<String> {
        self.send(&Event::InputRequest {
            prompt: prompt.to_owned(),
            password,
        });
        let replies = self.replies.lock().ok()?;
        replies.as_ref()?.recv().ok().flatten()
    }
}

/// `huntrs engine`: serves one kernel, then exits.
pub fn run_engine_process(args: &EngineArgs, preload: &Preload) -> anyhow::Result<()> {
    let sink = Arc::new(SocketSink::default());
    let interrupter = Interrupter::default();
    let dir = socket_dir(preload);
    std::fs::create_dir_all(&dir)?;
    let (listener, path, engine, _spare_lock) = if args.spare {
        // One spare per build at a time: a second one exits at once.
        let Some(lock) = FileLock::take(&dir.join("spare.lock"), Mode::TryExclusive) else {
            return Ok(());
        };
        let mut engine = start_engine(preload, &sink, &interrupter)?;
        warm_up(&mut engine);
        let path = dir.join(format!("spare-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        (listener, path, Some(engine), Some(lock))
    } else {
        let Some(path) = args.socket.clone() else {
            anyhow::bail!("huntrs engine needs --socket PATH or --spare");
        };
        let _ = std::fs::remove_file(&path);
        (UnixListener::bind(&path)?, path, None, None)
    };
    let idle = if args.spare {
        std::env::var("HUNTRS_SPARE_IDLE_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map_or(SPARE_IDLE, Duration::from_secs)
    } else {
        CONNECT_TIMEOUT
    };
    let accepted = accept_within(&listener, idle);
    let _ = std::fs::remove_file(&path);
    drop(listener);
    // Claimed (or given up): let the next spare start warming.
    drop(_spare_lock);
    let Some(mut stream) = accepted? else {
        return Ok(());
    };
    let mut engine = engine;
    // A restarting kernel hands its engine on; the next one claims it.
    while let Some(recycled) = serve(stream, engine, preload, &sink, &interrupter)? {
        let accepted = accept_within(&recycled.listener, CONNECT_TIMEOUT);
        let _ = std::fs::remove_file(&recycled.path);
        match accepted? {
            Some(next) => stream = next,
            None => return Ok(()),
        }
        engine = Some(recycled.engine);
    }
    Ok(())
}

/// An engine a restarting kernel handed on: reset to what a new engine would be, and
/// waiting on its socket for the next kernel, which claims it before any spare.
///
/// A restart thus takes seconds even without a warm spare — which needs a minute
/// of CPU after each claim, so quick restarts found none.
struct Recycled {
    listener: UnixListener,
    path: PathBuf,
    engine: Engine,
}

/// An engine process a kernel started dies with it (`PR_SET_PDEATHSIG`), is in its
/// session and writes to its log; one handed on must outlive it, like a spare.
fn outlive_kernel(preload: &Preload) {
    // SAFETY: prctl and setsid on this process; setsid fails harmlessly if this
    // process already leads a session (a spare).
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, 0);
        libc::setsid();
    }
    if let Some(log) = open_log(&socket_dir(preload)) {
        // SAFETY: dup2 onto this process's stdout and stderr from a valid descriptor.
        unsafe {
            libc::dup2(log.as_raw_fd(), 1);
            libc::dup2(log.as_raw_fd(), 2);
        }
    }
}

/// The log of this build's spare and handed-on engines, beside their sockets;
/// appended to, and started afresh once it grows large.
fn open_log(dir: &std::path::Path) -> Option<std::fs::File> {
    let log_path = dir.join("spare.log");
    let too_big = std::fs::metadata(&log_path).is_ok_and(|m| m.len() > 1 << 20);
    std::fs::OpenOptions::new()
        .create(true)
        .append(!too_big)
        .write(true)
        .truncate(too_big)
        .open(&log_path)
        .ok()
}

/// Answers [`Request::Recycle`]: listens for the next kernel before answering (so it
/// finds the socket as soon as this kernel has exited), then resets the engine.
fn recycle(
    mut engine: Engine,
    preload: &Preload,
    sink: &SocketSink,
    writer: &Mutex<UnixStream>,
) -> anyhow::Result<Option<Recycled>> {
    let listener = engine
        .resettable()
        .then(|| {
            outlive_kernel(preload);
            let path = socket_dir(preload).join(format!("recycled-{}.sock", std::process::id()));
            let _ = std::fs::remove_file(&path);
            UnixListener::bind(&path)
                .ok()
                .map(|listener| (listener, path))
        })
        .flatten();
    let accepted = listener.is_some();
    // The kernel may already be gone: it waits for this answer only briefly.
    let _ = send_line(writer, &Event::Recycling { accepted });
    let Some((listener, path)) = listener else {
        return Ok(None);
    };
    // Output of the reset goes to the log, not to a kernel that has left.
    sink.disconnect();
    if let Err(error) = engine.reset() {
        eprintln!("huntrs engine: reset for the next kernel failed: {error}");
        let _ = std::fs::remove_file(&path);
        return Ok(None);
    }
    Ok(Some(Recycled {
        listener,
        path,
        engine,
    }))
}

/// Cells run while a spare waits, paying for what evcxr does slowly the first time a
/// cell needs it: switching to cells that may use `?` at the top level (evcxr
/// recompiles and re-analyses the cell wrapper), rust-analyzer's first look into
/// each preloaded crate, and the first cell that both uses `?` and keeps a variable
/// (seconds of compilation that later cells reuse). The variable is dropped again,
/// so a claimed engine starts with none.
const WARM_UP: &[&str] = &[
    "Ok::<(), String>(())?;\n\
     { let _h: entities::Host = entities::Host::from_fqdn(\"a.b\"); \
       let _s: String = sectools::refang(\"a[.]b\"); \
       let _t = data::TimeRange::before(data::chrono::Utc::now(), data::chrono::Duration::hours(1)); \
       let _m: nbtools::MimeBundle = nbtools::MimeBundle::text(\"\"); \
       let _i = sectools::IocExtractor::new().extract(\"1.2.3.4\"); \
       let _d: polars::prelude::DataFrame = polars::prelude::DataFrame::empty(); }",
    "let huntrs_warm_up: String = \"1\".parse()?;",
    "drop(huntrs_warm_up);",
];

fn warm_up(engine: &mut Engine) {
    for cell in WARM_UP {
        if let CellOutcome::Error(error) = engine.execute(cell, false) {
            eprintln!("huntrs engine: warm-up cell failed: {}", error.evalue);
        }
    }
}

fn accept_within(listener: &UnixListener, limit: Duration) -> std::io::Result<Option<UnixStream>> {
    let mut poll = libc::pollfd {
        fd: listener.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = libc::c_int::try_from(limit.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd for the duration of the call.
    let ready = unsafe { libc::poll(&mut poll, 1, millis) };
    if ready <= 0 {
        return Ok(None);
    }
    listener.accept().map(|(stream, _)| Some(stream))
}

fn start_engine(
    preload: &Preload,
    sink: &Arc<SocketSink>,
    interrupter: &Interrupter,
) -> anyhow::Result<Engine> {
    let as_sink: Arc<dyn OutputSink> = sink.clone();
    if !preload.is_built() {
        preload::build_in_subprocess(&*as_sink)?;
    }
    Ok(Engine::start(preload, as_sink, interrupter.clone())?)
}

/// Serves one kernel; returns the engine if that kernel handed it on.
fn serve(
    stream: UnixStream,
    engine: Option<Engine>,
    preload: &Preload,
    sink: &Arc<SocketSink>,
    interrupter: &Interrupter,
) -> anyhow::Result<Option<Recycled>> {
    let writer = Arc::new(Mutex::new(stream.try_clone()?));
    let (reply_tx, reply_rx) = mpsc::channel();
    if let Ok(mut slot) = sink.stream.lock() {
        *slot = Some(Arc::clone(&writer));
    }
    if let Ok(mut slot) = sink.replies.lock() {
        *slot = Some(reply_rx);
    }
    // Reads the kernel's requests; interrupts and input replies are handled here,
    // so they work while a cell runs.
    let (request_tx, request_rx) = mpsc::channel::<Request>();
    let reader_interrupter = interrupter.clone();
    std::thread::Builder::new()
        .name("huntrs-engine-requests".into())
        .spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                match serde_json::from_str::<Request>(&line) {
                    Ok(Request::Interrupt) => reader_interrupter.interrupt(),
                    Ok(Request::InputReply { value }) => {
                        let _ = reply_tx.send(value);
                    }
                    Ok(Request::Recycle) => {
                        // The kernel will close the connection; that no longer ends
                        // this process.
                        let _ = request_tx.send(Request::Recycle);
                        return;
                    }
                    Ok(request) => {
                        if request_tx.send(request).is_err() {
                            break;
                        }
                    }
                    Err(error) => eprintln!("huntrs engine: bad request ({error}): {line}"),
                }
            }
            // The kernel is gone: so is everything this process was for.
            std::process::exit(0);
        })?;
    let mut engine = match engine {
        Some(engine) => engine,
        None => match start_engine(preload, sink, interrupter) {
            Ok(engine) => engine,
            Err(error) => {
                send_line(
                    &writer,
                    &Event::Failed {
                        message: format!("{error:#}"),
                    },
                )?;
                return Ok(None);
            }
        },
    };
    send_line(&writer, &Event::Ready { build: build_id() })?;
    for request in request_rx {
        let event = match request {
            Request::Execute { code, allow_stdin } => Event::Done {
                outcome: engine.execute(&code, allow_stdin),
            },
            Request::Complete { code, cursor } => Event::Completion {
                completion: engine.complete(&code, cursor),
            },
            Request::Inspect { code, cursor } => Event::Inspection {
                found: engine.inspect(&code, cursor),
            },
            Request::Recycle => return recycle(engine, preload, sink, &writer),
            Request::Interrupt | Request::InputReply { .. } => continue,
        };
        send_line(&writer, &event)?;
    }
    Ok(None)
}

// ---------------------------------------------------------------------------
// The kernel's side.

/// The kernel's connection to its engine process.
pub struct RemoteEngine {
    reader: BufReader<UnixStream>,
    writer: Arc<Mutex<UnixStream>>,
    sink: Arc<dyn OutputSink>,
    preload: Preload,
    interrupter: Interrupter,
    /// The engine process ended; the next cell starts a new one.
    lost: bool,
}

impl std::fmt::Debug for RemoteEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteEngine")
            .field("lost", &self.lost)
            .finish_non_exhaustive()
    }
}

impl RemoteEngine {
    /// Claims a warm spare, or starts an engine process; then starts the next spare.
    pub fn connect(
        preload: &Preload,
        sink: Arc<dyn OutputSink>,
        interrupter: Interrupter,
    ) -> Result<RemoteEngine, EngineError> {
        let started = Instant::now();
        let claimed = claim_spare(preload)
            .and_then(|stream| RemoteEngine::ready(stream, preload, &sink, &interrupter).ok());
        let engine = match claimed {
            Some(engine) => engine,
            None => RemoteEngine::ready(start_own(preload)?, preload, &sink, &interrupter)?,
        };
        crate::execution::timing("engine ready", started);
        start_spare(preload);
        Ok(engine)
    }

    /// Waits for the engine process on `stream` to be ready, and routes interrupts to it.
    fn ready(
        stream: UnixStream,
        preload: &Preload,
        sink: &Arc<dyn OutputSink>,
        interrupter: &Interrupter,
    ) -> Result<RemoteEngine, EngineError> {
        let writer = Arc::new(Mutex::new(stream.try_clone().map_err(start_error)?));
        let mut engine = RemoteEngine {
            reader: BufReader::new(stream),
            writer,
            sink: Arc::clone(sink),
            preload: preload.clone(),
            interrupter: interrupter.clone(),
            lost: false,
        };
        engine.wait_ready()?;
        let forward = Arc::clone(&engine.writer);
        interrupter.forward_to(move || {
            let _ = send_line(&forward, &Request::Interrupt);
        });
        Ok(engine)
    }

    fn wait_ready(&mut self) -> Result<(), EngineError> {
        loop {
            match self.next_event() {
                Some(Event::Ready { build }) if build == build_id() => return Ok(()),
                Some(Event::Ready { build }) => {
                    return Err(EngineError::Start(format!(
                        "engine process of another build ({build})"
                    )));
                }
                Some(Event::Failed { message }) => return Err(EngineError::Start(message)),
                Some(Event::Stream { name, text }) => self.sink.stream(&name, &text),
                Some(_) => {}
                None => {
                    return Err(EngineError::Start(String::from(
                        "the engine process ended while starting",
                    )));
                }
            }
        }
    }

    fn next_event(&mut self) -> Option<Event> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            match serde_json::from_str(&line) {
                Ok(event) => return Some(event),
                Err(error) => eprintln!("huntrs: bad engine event ({error}): {line}"),
            }
        }
    }

    fn request(&mut self, request: &Request) -> bool {
        if self.lost {
            match RemoteEngine::connect(
                &self.preload,
                Arc::clone(&self.sink),
                self.interrupter.clone(),
            ) {
                Ok(fresh) => *self = fresh,
                Err(error) => {
                    eprintln!("huntrs: cannot start a new engine process: {error}");
                    return false;
                }
            }
        }
        send_line(&self.writer, request).is_ok()
    }

    fn lost(&mut self) -> CellOutcome {
        self.lost = true;
        CellOutcome::Error(CellError::new(
            "process died",
            "the huntrs engine process ended unexpectedly; the next cell starts a new one \
             (all variables were lost)",
        ))
    }
}

impl Interpreter for RemoteEngine {
    fn execute(&mut self, code: &str, allow_stdin: bool) -> CellOutcome {
        let request = Request::Execute {
            code: code.to_owned(),
            allow_stdin,
        };
        if !self.request(&request) {
            return self.lost();
        }
        loop {
            match self.next_event() {
                Some(Event::Done { outcome }) => return outcome,
                Some(Event::Stream { name, text }) => self.sink.stream(&name, &text),
                Some(Event::Child { event }) => self.sink.event(event),
                Some(Event::InputRequest { prompt, password }) => {
                    let value = self.sink.input(&prompt, password);
                    let _ = send_line(&self.writer, &Request::InputReply { value });
                }
                Some(_) => {}
                None => return self.lost(),
            }
        }
    }

    fn complete(&mut self, code: &str, cursor: usize) -> Completion {
        let request = Request::Complete {
            code: code.to_owned(),
            cursor,
        };
        if self.request(&request) {
            while let Some(event) = self.next_event() {
                if let Event::Completion { completion } = event {
                    return completion;
                }
            }
            self.lost = true;
        }
        Completion {
            matches: Vec::new(),
            start: cursor,
            end: cursor,
        }
    }

    /// Hands the engine process on to the next kernel of this build (this one is
    /// restarting); false if it declined or did not answer in time.
    fn recycle(&mut self) -> bool {
        if self.lost || !spares_enabled() {
            return false;
        }
        if send_line(&self.writer, &Request::Recycle).is_err() {
            return false;
        }
        let _ = self.reader.get_ref().set_read_timeout(Some(RECYCLE_ANSWER));
        while let Some(event) = self.next_event() {
            if let Event::Recycling { accepted } = event {
                return accepted;
            }
        }
        false
    }

    fn inspect(&mut self, code: &str, cursor: usize) -> Option<(String, String)> {
        let request = Request::Inspect {
            code: code.to_owned(),
            cursor,
        };
        if !self.request(&request) {
            return None;
        }
        while let Some(event) = self.next_event() {
            if let Event::Inspection { found } = event {
                return found;
            }
        }
        self.lost = true;
        None
    }
}

fn start_error(error: std::io::Error) -> EngineError {
    EngineError::Start(error.to_string())
}

/// Connects to a waiting spare of this build, if there is one.
fn claim_spare(preload: &Preload) -> Option<UnixStream> {
    if !spares_enabled() {
        return None;
    }
    let entries = std::fs::read_dir(socket_dir(preload)).ok()?;
    let mut candidates: Vec<(bool, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let name = name.to_str()?;
            let recycled = name.starts_with("recycled-");
            (name.ends_with(".sock") && (recycled || name.starts_with("spare-")))
                .then(|| (recycled, entry.path()))
        })
        .collect();
    // A handed-on engine first: it is ready sooner, and waits only a minute.
    candidates.sort_by_key(|(recycled, _)| !recycled);
    for (_, path) in candidates {
        match UnixStream::connect(&path) {
            Ok(stream) => return Some(stream),
            // A spare that died without cleaning up.
            Err(_) => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    None
}

/// Starts an engine process for this kernel and connects to it.
fn start_own(preload: &Preload) -> Result<UnixStream, EngineError> {
    let dir = socket_dir(preload);
    std::fs::create_dir_all(&dir).map_err(start_error)?;
    let path = dir.join(format!("engine-{}.sock", std::process::id()));
    let exe = std::env::current_exe().map_err(start_error)?;
    let mut command = std::process::Command::new(exe);
    command
        .arg("engine")
        .arg("--socket")
        .arg(&path)
        .stdin(std::process::Stdio::null());
    // SAFETY: prctl in the forked child before exec; async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(start_error)?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        if let Ok(stream) = UnixStream::connect(&path) {
            // Reap the process when it ends, so it does not linger as a zombie.
            std::thread::spawn(move || child.wait());
            return Ok(stream);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(EngineError::Start(format!(
                "the engine process exited early ({status})"
            )));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(EngineError::Start(String::from(
                "the engine process did not start in time",
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Starts warming a spare in the background (it exits at once if another spare of
/// this build exists). Its output goes to a log beside its socket. Kernels call this
/// after claiming one; `huntrs preload`, `install` and `lab` too, so even the first
/// kernel finds one.
pub fn start_spare(preload: &Preload) {
    if !spares_enabled() {
        return;
    }
    let dir = socket_dir(preload);
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let Some(log) = open_log(&dir) else { return };
    let mut command = std::process::Command::new(exe);
    command
        .args(["engine", "--spare"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(log);
    // Its own session: it outlives this kernel and ignores the kernel's signals.
    // SAFETY: setsid in the forked child before exec; async-signal-safe.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, || {
            libc::setsid();
            Ok(())
        });
    }
    match command.spawn() {
        // Reap it if it exits while this kernel still runs.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(error) => eprintln!("huntrs: cannot start a spare engine: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_single_json_lines_both_ways() {
        let request = Request::Execute {
            code: "let x = 1;\nx".into(),
            allow_stdin: true,
        };
        let line = serde_json::to_string(&request).expect("json");
        assert!(!line.contains('\n'));
        assert!(matches!(
            serde_json::from_str::<Request>(&line),
            Ok(Request::Execute {
                allow_stdin: true,
                ..
            })
        ));
        let event = Event::Done {
            outcome: CellOutcome::Error(CellError::new("panic", "boom")),
        };
        let line = serde_json::to_string(&event).expect("json");
        match serde_json::from_str::<Event>(&line) {
            Ok(Event::Done {
                outcome: CellOutcome::Error(error),
            }) => assert_eq!(error.evalue, "boom"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn socket_paths_fit_the_unix_limit() {
        let preload = Preload {
            dir: PathBuf::from(
                "/home/someone-with-a-long-name/.cache/huntrs/v0.1.0-0123456789abcdef",
            ),
            source_dir: PathBuf::from("/src"),
        };
        let path = socket_dir(&preload).join(format!("spare-{}.sock", u32::MAX));
        assert!(path.as_os_str().len() < 108, "{}", path.display());
    }

    #[test]
    fn a_sink_without_a_kernel_keeps_output_out_of_the_protocol() {
        let sink = SocketSink::default();
        sink.stream("stderr", "warming up\n");
        assert!(sink.input("name", false).is_none(), "no kernel, no input");
    }
}
