//! Runs cells: the evcxr engine, its cell process, and the output pump. The engine
//! lives in an engine process (see `worker.rs`); `huntrs run` and `huntrs preload`
//! use it in-process.
//!
//! evcxr compiles each cell and runs it in a child process (this same binary,
//! re-executed). The child's stdout and stderr come back as lines; the
//! [`OutputSink`] turns them into stream and display messages as they arrive,
//! so output shows up while the cell runs. Panics and interrupts are reported by
//! the child through the line protocol in `nbtools::wire`.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use evcxr::{CommandContext, EvalCallbacks, EvalContext, EvalContextOutputs};
use serde_json::Value;

use crate::cell_source::{self, Instrumented};
use crate::diagnostics::{self, CellError};
use crate::preload::{self, Preload};
use crate::wire::ChildEvent;

/// Where a cell's output goes: the kernel publishes it on IOPub, `huntrs run`
/// writes it into the notebook.
pub trait OutputSink: Send + Sync {
    /// Text on `stdout` or `stderr`.
    fn stream(&self, name: &str, text: &str);
    /// A display, display update or clear request from the cell.
    fn event(&self, event: ChildEvent);
    /// Asks the user for input; `None` when the front end cannot answer.
    fn input(&self, prompt: &str, password: bool) -> Option<String>;
}

/// What became of a cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CellOutcome {
    /// It ran; the final value's MIME bundle, if it had one.
    Value(Option<BTreeMap<String, Value>>),
    /// It did not run to the end.
    Error(CellError),
}

/// Completion candidates, with the replaced range as byte offsets.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Completion {
    /// Candidate texts.
    pub matches: Vec<String>,
    /// Start of the replaced text (byte offset).
    pub start: usize,
    /// End of the replaced text (byte offset).
    pub end: usize,
}

/// Stops the running cell; usable from any thread.
#[derive(Debug, Clone, Default)]
pub struct Interrupter {
    state: Arc<InterruptState>,
}

type Forward = Box<dyn Fn() + Send + Sync>;

#[derive(Default)]
struct InterruptState {
    /// Set when cells run in an engine process: interrupts are sent there instead.
    forward: Mutex<Option<Forward>>,
    child_pid: AtomicI32,
    running: AtomicBool,
    cell: AtomicU64,
    /// The kernel had to stop a build or kill the child process.
    forced: AtomicBool,
}

/// How long a cell gets to reach an interruption point before its process is killed.
const INTERRUPT_GRACE: Duration = Duration::from_millis(700);

impl std::fmt::Debug for InterruptState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterruptState")
            .field("running", &self.running)
            .field(
                "forwarded",
                &self.forward.lock().map(|f| f.is_some()).unwrap_or(false),
            )
            .finish_non_exhaustive()
    }
}

impl Interrupter {
    /// Sends every later interrupt to `forward` (the engine process's connection).
    pub fn forward_to(&self, forward: impl Fn() + Send + Sync + 'static) {
        if let Ok(mut slot) = self.state.forward.lock() {
            *slot = Some(Box::new(forward));
        }
    }

    /// Interrupts the running cell, if any. A cell that is compiling has its build
    /// stopped; a running cell stops at its next interruption point, or its process is
    /// killed (losing all variables) when it does not reach one within the grace time.
    pub fn interrupt(&self) {
        let state = &self.state;
        if let Ok(forward) = state.forward.lock()
            && let Some(forward) = forward.as_ref()
        {
            forward();
            return;
        }
        if !state.running.load(Ordering::SeqCst) {
            return;
        }
        let cell = state.cell.load(Ordering::SeqCst);
        let child = state.child_pid.load(Ordering::SeqCst);
        if stop_builds(child) {
            state.forced.store(true, Ordering::SeqCst);
            return;
        }
        if child > 0 {
            // SAFETY: kill(2) with a pid we spawned; no memory is involved.
            unsafe { libc::kill(child, libc::SIGINT) };
        }
        let state = Arc::clone(&self.state);
        std::thread::spawn(move || {
            let step = Duration::from_millis(25);
            let mut waited = Duration::ZERO;
            while waited < INTERRUPT_GRACE {
                std::thread::sleep(step);
                waited += step;
                if !state.running.load(Ordering::SeqCst)
                    || state.cell.load(Ordering::SeqCst) != cell
                {
                    return;
                }
            }
            if stop_builds(child) {
                state.forced.store(true, Ordering::SeqCst);
            } else if child > 0 {
                state.forced.store(true, Ordering::SeqCst);
                // SAFETY: as above.
                unsafe { libc::kill(child, libc::SIGKILL) };
            }
        });
    }
}

/// Kills compiler processes the kernel started for the current cell (every child of
/// the kernel except the cell process). Returns whether there were any.
fn stop_builds(cell_process: i32) -> bool {
    let me = std::process::id() as i32;
    let builds: Vec<i32> = children_of(me)
        .into_iter()
        .filter(|&p| p != cell_process)
        .collect();
    for &pid in &builds {
        kill_tree(pid);
    }
    !builds.is_empty()
}

fn kill_tree(pid: i32) {
    for child in children_of(pid) {
        kill_tree(child);
    }
    // SAFETY: kill(2) on a process we started; no memory is involved.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}

fn children_of(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|stat| {
                    // Fields after the parenthesised command: state, ppid, ...
                    let rest = &stat[stat.rfind(')')? + 2..];
                    rest.split(' ').nth(1)?.parse::<i32>().ok()
                })
                == Some(parent)
        })
        .collect()
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// evcxr failed to start or to build the preloaded crates.
    #[error("the Rust engine did not start: {0}")]
    Start(String),
    /// The preload cache could not be prepared.
    #[error(transparent)]
    Preload(#[from] preload::PreloadError),
}

/// The evcxr evaluation context plus what huntrs adds around it.
pub struct Engine {
    context: CommandContext,
    sink: Arc<dyn OutputSink>,
    pump: Pump,
    /// How far the pump has passed the cell process's comm events on.
    comm_progress: Arc<CommProgress>,
    interrupter: Interrupter,
    /// The start-up code (`:dep` and `use` lines too), run again by [`Engine::reset`].
    setup: String,
    /// The last run ended with evcxr restarting the cell process.
    restarted: bool,
    /// A cell changed a build setting (see [`changes_build_settings`]).
    build_settings_changed: bool,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").finish_non_exhaustive()
    }
}

impl Engine {
    /// Starts evcxr on the preload cache (which `main` selected through
    /// `EVCXR_TMPDIR`) and loads the workspace crates. Slow only when the cache is cold.
    pub fn start(
        preload: &Preload,
        sink: Arc<dyn OutputSink>,
        interrupter: Interrupter,
    ) -> Result<Engine, EngineError> {
        let exe = std::env::current_exe().map_err(|e| EngineError::Start(e.to_string()))?;
        let mut command = std::process::Command::new(exe);
        // Own process group: a Ctrl-C or a signal to the kernel's group must not kill
        // the cell process; the kernel forwards interrupts itself.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        // Ignored from the first instruction on (ignored signals stay ignored across
        // exec): every run signals the cell process, and after a reset or a crash
        // evcxr has only just started it.
        // SAFETY: signal(2) is async-signal-safe; it runs in the forked child.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut command, || {
                libc::signal(libc::SIGUSR1, libc::SIG_IGN);
                libc::signal(libc::SIGINT, libc::SIG_IGN);
                Ok(())
            });
        }
        // Cells and the preloaded crates are dylibs linked against Rust's libstd .so;
        // their $ORIGIN-relative rpaths break when cargo copies a cell's library out of
        // deps/, so the loader is told where both live.
        command.env("LD_LIBRARY_PATH", preload.library_path()?);
        // Users' code runs the real mold, if it runs one.
        command.env(
            "PATH",
            crate::cell_build::path_without_shim(&preload.shim_dir()),
        );
        let started = std::time::Instant::now();
        let (eval_context, outputs) = EvalContext::with_subprocess_command(command)
            .map_err(|e| EngineError::Start(e.to_string()))?;
        timing("evcxr context ready", started);
        let context = CommandContext::with_eval_context(eval_context);
        let comm_progress = Arc::new(CommProgress::default());
        let pump = Pump::start(outputs, Arc::clone(&sink), Arc::clone(&comm_progress));
        let mut engine = Engine {
            context,
            sink,
            pump,
            comm_progress,
            interrupter,
            setup: preload.setup_code(),
            restarted: false,
            build_settings_changed: false,
        };
        let setup = engine.setup.clone();
        let started = std::time::Instant::now();
        let outcome = engine.run(&setup, false);
        timing("preloaded crates loaded", started);
        match outcome {
            CellOutcome::Error(error) => Err(EngineError::Start(error.traceback.join("\n"))),
            CellOutcome::Value(_) => Ok(engine),
        }
    }

    /// Runs one cell.
    pub fn execute(&mut self, code: &str, allow_stdin: bool) -> CellOutcome {
        self.build_settings_changed |= changes_build_settings(code);
        // A magic cell (`%%kql`, ...) runs as the Rust that calls its nbtools function.
        let translated = match crate::magic::translate(code) {
            None => None,
            Some(Ok(rust)) => Some(rust),
            Some(Err(error)) => return CellOutcome::Error(error),
        };
        let outcome = self.run(translated.as_deref().unwrap_or(code), allow_stdin);
        if self.restarted {
            // A new cell process counts its comm events from zero.
            self.comm_progress.passed(0);
            // evcxr restarted the cell process (keeping `use`s and `:dep`s); give the
            // new one huntrs's hooks.
            let _ = self.run(&preload::runtime_setup_code(), false);
        }
        outcome
    }

    /// Whether [`Engine::reset`] gives a kernel what a fresh engine would, as fast as
    /// promised: not after a cell changed a build setting, since going back to the
    /// default would make evcxr rebuild everything in the first cell.
    pub fn resettable(&self) -> bool {
        !self.build_settings_changed
    }

    /// Forgets everything cells did — variables, items, `:dep`s, settings, the cell
    /// process and its statics — and runs the start-up code again, keeping evcxr's
    /// analysis and builds: a kernel restart in seconds instead of a cold start.
    pub fn reset(&mut self) -> Result<(), EngineError> {
        let started = std::time::Instant::now();
        let cleared = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.context.reset_config();
            self.context.execute(":clear")
        }));
        match cleared {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => return Err(EngineError::Start(error.to_string())),
            Err(_) => return Err(EngineError::Start(String::from("evcxr panicked"))),
        }
        // The new cell process counts its comm events from zero.
        self.comm_progress.passed(0);
        if let Some(session) = std::env::var_os("EVCXR_TMPDIR") {
            crate::cell_build::forget_recorded_build(std::path::Path::new(&session));
        }
        self.restarted = false;
        self.build_settings_changed = false;
        let setup = self.setup.clone();
        let outcome = self.run(&setup, false);
        timing("engine reset", started);
        match outcome {
            CellOutcome::Error(error) => Err(EngineError::Start(error.traceback.join("\n"))),
            CellOutcome::Value(_) => Ok(()),
        }
    }

    fn run(&mut self, code: &str, allow_stdin: bool) -> CellOutcome {
        let instrumented = cell_source::instrument(code);
        let state = &self.interrupter.state;
        let child = self
            .context
            .process_handle()
            .lock()
            .map(|c| c.id() as i32)
            .unwrap_or(0);
        state.child_pid.store(child, Ordering::SeqCst);
        state.forced.store(false, Ordering::SeqCst);
        state.cell.fetch_add(1, Ordering::SeqCst);
        if child > 0 {
            // Forget an interrupt aimed at an earlier cell (see nbtools::runtime).
            // SAFETY: kill(2) on our own child process.
            unsafe { libc::kill(child, libc::SIGUSR1) };
        }
        state.running.store(true, Ordering::SeqCst);
        let sink = Arc::clone(&self.sink);
        let progress = Arc::clone(&self.comm_progress);
        let mut callbacks = EvalCallbacks {
            input_reader: &move |request| {
                // A question for the kernel (widget state), not for the user. It is
                // answered after the comm events the cell sent before asking.
                if let Some(query) = crate::wire::kernel_query(&request.prompt) {
                    let (seq, question) = crate::wire::split_query_seq(query);
                    progress.wait_for(seq, Duration::from_secs(10));
                    let prompt = format!("{}{question}", crate::wire::KERNEL_QUERY_PREFIX);
                    return sink.input(&prompt, false).unwrap_or_default();
                }
                if !allow_stdin {
                    sink.stream(
                        "stderr",
                        "input was requested, but this front end does not accept input; using an empty string\n",
                    );
                    return String::new();
                }
                sink.input(&request.prompt, request.is_password)
                    .unwrap_or_default()
            },
        };
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.context
                .execute_with_callbacks(&instrumented.code, &mut callbacks)
        }));
        state.running.store(false, Ordering::SeqCst);
        wait_for_stderr_drained(child);
        let events = self.pump.flush();
        let forced = state.forced.swap(false, Ordering::SeqCst);
        self.restarted = matches!(result, Ok(Err(evcxr::Error::SubprocessTerminated(_))));
        outcome(result, events, forced, code, &instrumented)
    }

    /// Completion candidates at byte offset `cursor`.
    pub fn complete(&mut self, code: &str, cursor: usize) -> Completion {
        let result =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.context.completions(code, cursor)));
        match result {
            Ok(Ok(completions)) => Completion {
                matches: completions
                    .completions
                    .into_iter()
                    .map(|c| c.code)
                    .collect(),
                start: completions.start_offset,
                end: completions.end_offset,
            },
            _ => Completion {
                matches: Vec::new(),
                start: cursor,
                end: cursor,
            },
        }
    }

    /// Documentation for the item ending at byte offset `cursor`: (plain text, HTML).
    pub fn inspect(&mut self, code: &str, cursor: usize) -> Option<(String, String)> {
        let result =
            std::panic::catch_unwind(AssertUnwindSafe(|| self.context.hover_at(code, cursor)));
        match result {
            Ok(Ok((plain, html))) if !plain.trim().is_empty() => Some((plain, html)),
            _ => None,
        }
    }
}

/// evcxr commands that only show things or add what `:clear` removes again; any
/// other (`:opt`, `:toolchain`, `:linker`, `:env`, ...) changes how cells are built.
const HARMLESS_COMMANDS: &[&str] = &[
    "dep",
    "vars",
    "help",
    "clear",
    "timing",
    "time_passes",
    "types",
    "explain",
    "fmt",
    "efmt",
    "quiet",
    "last_compile_dir",
    "last_error_json",
    "preserve_vars_on_panic",
    "doc",
];

/// Whether a cell has an evcxr command (a line starting with `:`) outside
/// [`HARMLESS_COMMANDS`].
pub fn changes_build_settings(code: &str) -> bool {
    code.lines().any(|line| {
        line.trim_start().strip_prefix(':').is_some_and(|command| {
            let name = command.split_whitespace().next().unwrap_or("");
            !HARMLESS_COMMANDS.contains(&name)
        })
    })
}

/// With `HUNTRS_TIMING` set, reports how long start-up phases take (on stderr,
/// which is the kernel log).
pub fn timing(phase: &str, started: std::time::Instant) {
    if std::env::var_os("HUNTRS_TIMING").is_some() {
        eprintln!(
            "huntrs timing: {phase} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
}

/// What the child reported about a cell, besides its output.
#[derive(Debug, Default)]
struct CellEvents {
    panic: Option<(String, Option<String>)>,
    /// An error library code ended the cell with (`ChildEvent::CellError`).
    error: Option<(String, String)>,
    interrupted: bool,
    /// A top-level `?` returned an error (evcxr printed it on stderr).
    question_mark: bool,
    /// The end of what the cell printed on stderr: a failed `?`'s message.
    stderr_tail: String,
}

impl CellEvents {
    /// How much of the cell's stderr is kept for a failed `?`'s message.
    const STDERR_KEPT: usize = 8 * 1024;

    fn keep_stderr(&mut self, text: &str) {
        self.stderr_tail.push_str(text);
        if self.stderr_tail.len() > Self::STDERR_KEPT {
            let mut cut = self.stderr_tail.len() - Self::STDERR_KEPT;
            while !self.stderr_tail.is_char_boundary(cut) {
                cut += 1;
            }
            // Start at a whole line where there is one.
            if let Some(newline) = self.stderr_tail[cut..].find('\n') {
                cut += newline + 1;
            }
            self.stderr_tail.drain(..cut);
        }
    }

    /// The cell's error for a `?` that returned early.
    fn question_mark_error(&self) -> CellError {
        let message = self.stderr_tail.trim();
        let message = if message.is_empty() {
            "a `?` returned an error (it printed no message)"
        } else {
            message
        };
        let mut error = CellError::new("Error", message);
        error.traceback = std::iter::once(String::from("the cell stopped at a `?` with:"))
            .chain(message.lines().map(str::to_owned))
            .chain(std::iter::once(String::from(
                "(variables defined in this cell were lost; earlier ones are kept)",
            )))
            .collect();
        error
    }
}

fn outcome(
    result: std::thread::Result<Result<evcxr::EvalOutputs, evcxr::Error>>,
    events: CellEvents,
    forced: bool,
    code: &str,
    instrumented: &Instrumented,
) -> CellOutcome {
    let interrupted = |detail: &str| {
        CellOutcome::Error(CellError::new(
            "KeyboardInterrupt",
            format!("KeyboardInterrupt: {detail}"),
        ))
    };
    let result = match result {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            return CellOutcome::Error(CellError::new(
                "evcxr error",
                format!("the evaluation engine failed on this cell: {message}"),
            ));
        }
    };
    match result {
        Err(evcxr::Error::SubprocessTerminated(message)) => {
            if forced {
                interrupted(
                    "the cell did not reach an interruption point in time, so its process was \
                     restarted; all variables were lost",
                )
            } else {
                CellOutcome::Error(CellError::new(
                    "process died",
                    format!(
                        "the process running the cell died ({}); it was restarted and all variables were lost",
                        message.trim()
                    ),
                ))
            }
        }
        Err(_) if forced => interrupted("the cell was stopped while compiling; nothing ran"),
        Err(evcxr::Error::CompilationErrors(errors)) => {
            CellOutcome::Error(diagnostics::compile_errors(&errors, code, instrumented))
        }
        Err(evcxr::Error::TypeRedefinedVariablesLost(variables)) => {
            CellOutcome::Error(CellError::new(
                "evcxr error",
                format!(
                    "variables whose type was redefined were lost: {}",
                    variables.join(", ")
                ),
            ))
        }
        Err(other) => CellOutcome::Error(CellError::new("evcxr error", other.to_string())),
        Ok(_) if events.interrupted => {
            interrupted("the cell was interrupted; variables it had not moved or defined are kept")
        }
        Ok(_) if events.question_mark && events.error.is_none() && events.panic.is_none() => {
            CellOutcome::Error(events.question_mark_error())
        }
        Ok(_) if events.error.is_some() => {
            let (ename, evalue) = events.error.unwrap_or_default();
            CellOutcome::Error(CellError::new(&ename, evalue))
        }
        Ok(_) if events.panic.is_some() => {
            let (message, location) = events.panic.unwrap_or_default();
            let mut error = CellError::new("panic", message.clone());
            // `src/lib.rs` is the crate evcxr generates for the cell: not a place the
            // user can look at. Locations in library code are kept.
            let location = location.filter(|l| !l.starts_with("src/lib.rs:"));
            error.traceback = std::iter::once(format!(
                "panicked{}:",
                location.map_or_else(|| String::from(" in this cell"), |l| format!(" at {l}"))
            ))
            .chain(message.lines().map(str::to_owned))
            .chain(std::iter::once(String::from(
                "(variables the cell had not moved or defined are kept)",
            )))
            .collect();
            CellOutcome::Error(error)
        }
        Ok(outputs) => {
            if std::env::var_os("HUNTRS_TIMING").is_some() {
                for phase in &outputs.phases {
                    eprintln!(
                        "huntrs timing: cell phase {} {:?}",
                        phase.name, phase.duration
                    );
                }
            }
            let mut data = BTreeMap::new();
            for (mime, text) in outputs.content_by_mime_type {
                let value = if mime == "application/json" || mime.ends_with("+json") {
                    serde_json::from_str(&text).unwrap_or(Value::String(text))
                } else {
                    Value::String(text)
                };
                data.insert(mime, value);
            }
            // A unit result, like a trailing `for` loop's, is not worth showing.
            let unit_only =
                data.len() == 1 && data.get("text/plain").and_then(Value::as_str) == Some("()");
            CellOutcome::Value((!data.is_empty() && !unit_only).then_some(data))
        }
    }
}

/// The cell process's stderr is read by a thread inside evcxr, so a line printed just
/// before the cell ended may not have reached us yet. Everything the cell wrote is in
/// the pipe by then: wait until the pipe is empty (up to half a second) before the
/// cell's output is considered complete.
fn wait_for_stderr_drained(child: i32) {
    let Some(fd) = stderr_pipe_of(child) else {
        return;
    };
    let deadline = std::time::Instant::now() + Duration::from_millis(500);
    loop {
        let mut pending: libc::c_int = 0;
        // SAFETY: FIONREAD on a pipe descriptor this process owns, into a c_int.
        let ok = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut pending) } == 0;
        if !ok || pending == 0 || std::time::Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Our end of the pipe that is the cell process's stderr: the descriptor in this
/// process that refers to the same pipe as the child's fd 2.
fn stderr_pipe_of(child: i32) -> Option<i32> {
    if child <= 0 {
        return None;
    }
    let target = std::fs::read_link(format!("/proc/{child}/fd/2")).ok()?;
    std::fs::read_dir("/proc/self/fd")
        .ok()?
        .flatten()
        .find(|entry| std::fs::read_link(entry.path()).ok().as_ref() == Some(&target))
        .and_then(|entry| entry.file_name().to_str()?.parse().ok())
}

/// Forwards the child's stdout and stderr to the sink while cells run.
/// The last comm event the pump passed on, for kernel queries to wait for.
#[derive(Debug, Default)]
struct CommProgress {
    seen: Mutex<u64>,
    changed: std::sync::Condvar,
}

impl CommProgress {
    fn passed(&self, seq: u64) {
        if let Ok(mut seen) = self.seen.lock() {
            *seen = seq;
        }
        self.changed.notify_all();
    }

    /// Waits until comm event `seq` has been passed on, at most `limit`.
    fn wait_for(&self, seq: u64, limit: Duration) {
        let Ok(seen) = self.seen.lock() else { return };
        let _ = self
            .changed
            .wait_timeout_while(seen, limit, |seen| *seen < seq);
    }
}

struct Pump {
    flush: crossbeam_channel::Sender<crossbeam_channel::Sender<CellEvents>>,
}

impl Pump {
    fn start(
        outputs: EvalContextOutputs,
        sink: Arc<dyn OutputSink>,
        comm_progress: Arc<CommProgress>,
    ) -> Pump {
        let (flush_tx, flush_rx) =
            crossbeam_channel::unbounded::<crossbeam_channel::Sender<CellEvents>>();
        let events = Arc::new(Mutex::new(CellEvents::default()));
        let spawned = std::thread::Builder::new()
            .name("huntrs-output".into())
            .spawn(move || {
                let EvalContextOutputs { stdout, stderr } = outputs;
                let handle_stdout = |first: String| {
                    let mut text = String::new();
                    let mut line = Some(first);
                    while let Some(current) = line.take() {
                        match ChildEvent::from_line(&current) {
                            None => {
                                text.push_str(&current);
                                text.push('\n');
                            }
                            Some(event) => {
                                if !text.is_empty() {
                                    sink.stream("stdout", &std::mem::take(&mut text));
                                }
                                match event {
                                    Ok(ChildEvent::Panic { message, location }) => {
                                        if let Ok(mut e) = events.lock() {
                                            e.panic = Some((message, location));
                                        }
                                    }
                                    Ok(ChildEvent::CellError { ename, evalue }) => {
                                        if let Ok(mut e) = events.lock() {
                                            e.error = Some((ename, evalue));
                                        }
                                    }
                                    Ok(ChildEvent::QuestionMarkError) => {
                                        if let Ok(mut e) = events.lock() {
                                            e.question_mark = true;
                                        }
                                    }
                                    Ok(ChildEvent::Interrupted) => {
                                        if let Ok(mut e) = events.lock() {
                                            e.interrupted = true;
                                        }
                                    }
                                    Ok(event) => {
                                        let seq = event.comm_seq();
                                        sink.event(event);
                                        if let Some(seq) = seq {
                                            comm_progress.passed(seq);
                                        }
                                    }
                                    Err(problem) => sink.stream("stderr", &format!("{problem}\n")),
                                }
                            }
                        }
                        // Batch lines that are already waiting into one stream message.
                        line = stdout.try_recv().ok();
                    }
                    if !text.is_empty() {
                        sink.stream("stdout", &text);
                    }
                };
                let handle_stderr = |first: String| {
                    let mut text = first;
                    text.push('\n');
                    while let Ok(more) = stderr.try_recv() {
                        text.push_str(&more);
                        text.push('\n');
                    }
                    if let Ok(mut e) = events.lock() {
                        e.keep_stderr(&text);
                    }
                    sink.stream("stderr", &text);
                };
                loop {
                    crossbeam_channel::select! {
                        recv(stdout) -> line => match line {
                            Ok(line) => handle_stdout(line),
                            Err(_) => return,
                        },
                        recv(stderr) -> line => match line {
                            Ok(line) => handle_stderr(line),
                            Err(_) => return,
                        },
                        recv(flush_rx) -> ack => {
                            let Ok(ack) = ack else { return };
                            while let Ok(line) = stdout.try_recv() {
                                handle_stdout(line);
                            }
                            // evcxr's own thread reads stderr; it has emptied the pipe
                            // (wait_for_stderr_drained) but may still be handing over lines.
                            std::thread::sleep(Duration::from_millis(3));
                            while let Ok(line) = stderr.try_recv() {
                                handle_stderr(line);
                            }
                            let taken = events.lock().map(|mut e| std::mem::take(&mut *e)).unwrap_or_default();
                            let _ = ack.send(taken);
                        }
                    }
                }
            });
        if let Err(error) = spawned {
            eprintln!("huntrs: cannot start the output thread: {error}");
        }
        Pump { flush: flush_tx }
    }

    /// Waits until every line the cell printed has reached the sink, and returns
    /// what the child reported about the cell.
    fn flush(&self) -> CellEvents {
        let (ack_tx, ack_rx) = crossbeam_channel::bounded(1);
        if self.flush.send(ack_tx).is_err() {
            return CellEvents::default();
        }
        ack_rx
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::changes_build_settings;

    #[test]
    fn build_settings_change_only_with_commands_outside_the_harmless_list() {
        let cases = [
            ("let x = 1;", false),
            (":dep regex = \"1\"\nregex::Regex::new(\"a\")", false),
            ("  :vars", false),
            (":timing\nlet a = 1;", false),
            (":opt 2", true),
            ("let a = 1;\n:toolchain nightly", true),
            (":env RUSTFLAGS=-Ctarget-cpu=native", true),
            ("let s = \"a\n:opt 2\";", true),
        ];
        for (cell, expected) in cases {
            assert_eq!(changes_build_settings(cell), expected, "{cell:?}");
        }
    }
}
