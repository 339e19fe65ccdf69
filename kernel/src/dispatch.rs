//! The kernel's request handling: shell and control loops, busy/idle, execution
//! counts, history, abort-after-error, and the bridge to the engine thread.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jupyter_protocol::{
    ExecutionState, HistoryEntry, HistoryReply, HistoryRequest, InputRequest, IsCompleteReply,
    IsCompleteReplyStatus, JupyterMessage, JupyterMessageContent, Status, StreamContent,
};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::cell_source::{self, Completeness};
use crate::comm::{Comms, FrontEndAction};
use crate::execution::{CellOutcome, Completion, Interrupter, OutputSink};
use crate::protocol::{PROTOCOL_VERSION, child_of, content};
use crate::transport::{KernelChannels, Outgoing, Route};
use crate::wire::{ChildEvent, kernel_query};

/// What runs cells: the evcxr engine in the kernel, a scripted one in unit tests.
pub trait Interpreter {
    /// Runs a cell.
    fn execute(&mut self, code: &str, allow_stdin: bool) -> CellOutcome;
    /// Completions at a byte offset.
    fn complete(&mut self, code: &str, cursor: usize) -> Completion;
    /// Documentation at a byte offset: (plain text, HTML).
    fn inspect(&mut self, code: &str, cursor: usize) -> Option<(String, String)>;
    /// The kernel is restarting: hand the engine on to the next kernel, reset, if
    /// it can be. True if it was.
    fn recycle(&mut self) -> bool {
        false
    }
}

impl Interpreter for crate::execution::Engine {
    fn execute(&mut self, code: &str, allow_stdin: bool) -> CellOutcome {
        crate::execution::Engine::execute(self, code, allow_stdin)
    }
    fn complete(&mut self, code: &str, cursor: usize) -> Completion {
        crate::execution::Engine::complete(self, code, cursor)
    }
    fn inspect(&mut self, code: &str, cursor: usize) -> Option<(String, String)> {
        crate::execution::Engine::inspect(self, code, cursor)
    }
}

enum EngineCommand {
    Execute {
        code: String,
        allow_stdin: bool,
        reply: oneshot::Sender<CellOutcome>,
    },
    Complete {
        code: String,
        cursor: usize,
        reply: oneshot::Sender<Completion>,
    },
    Inspect {
        code: String,
        cursor: usize,
        reply: oneshot::Sender<Option<(String, String)>>,
    },
    Recycle {
        reply: oneshot::Sender<bool>,
    },
}

/// The async side's handle on the engine thread.
#[derive(Debug, Clone)]
pub struct EngineHandle {
    tx: std::sync::mpsc::Sender<EngineCommand>,
    /// Stops the running cell.
    pub interrupter: Interrupter,
    /// The engine thread is starting the engine or serving a request.
    busy: Arc<AtomicBool>,
}

impl std::fmt::Debug for EngineCommand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EngineCommand")
    }
}

impl EngineHandle {
    /// Starts the engine thread. `start` builds the interpreter there (evcxr's context
    /// is not `Send`); if it fails, every cell reports why.
    pub fn spawn<F, I, E>(start: F) -> EngineHandle
    where
        F: FnOnce(Interrupter) -> Result<I, E> + Send + 'static,
        I: Interpreter,
        E: std::fmt::Display,
    {
        let (tx, rx) = std::sync::mpsc::channel::<EngineCommand>();
        let interrupter = Interrupter::default();
        let for_engine = interrupter.clone();
        let busy = Arc::new(AtomicBool::new(true));
        let engine_busy = Arc::clone(&busy);
        let spawned = std::thread::Builder::new()
            .name("huntrs-engine".into())
            .spawn(move || {
                let mut interpreter = match start(for_engine) {
                    Ok(interpreter) => interpreter,
                    Err(error) => {
                        let message = error.to_string();
                        eprintln!("huntrs: {message}");
                        serve_failure(&rx, &message);
                        return;
                    }
                };
                let idle = || engine_busy.store(false, Ordering::SeqCst);
                idle();
                // Idle again before the answer goes out: whoever awaits it may ask next.
                while let Ok(command) = rx.recv() {
                    engine_busy.store(true, Ordering::SeqCst);
                    match command {
                        EngineCommand::Execute {
                            code,
                            allow_stdin,
                            reply,
                        } => {
                            let outcome = interpreter.execute(&code, allow_stdin);
                            idle();
                            let _ = reply.send(outcome);
                        }
                        EngineCommand::Complete {
                            code,
                            cursor,
                            reply,
                        } => {
                            let completion = interpreter.complete(&code, cursor);
                            idle();
                            let _ = reply.send(completion);
                        }
                        EngineCommand::Inspect {
                            code,
                            cursor,
                            reply,
                        } => {
                            let found = interpreter.inspect(&code, cursor);
                            idle();
                            let _ = reply.send(found);
                        }
                        EngineCommand::Recycle { reply } => {
                            let handed_on = interpreter.recycle();
                            idle();
                            let _ = reply.send(handed_on);
                        }
                    }
                }
            });
        if let Err(error) = spawned {
            eprintln!("huntrs: cannot start the engine thread: {error}");
        }
        EngineHandle {
            tx,
            interrupter,
            busy,
        }
    }

    async fn execute(&self, code: String, allow_stdin: bool) -> CellOutcome {
        let (reply, rx) = oneshot::channel();
        let lost = || {
            CellOutcome::Error(crate::diagnostics::CellError::new(
                "engine stopped",
                "the engine thread stopped",
            ))
        };
        if self
            .tx
            .send(EngineCommand::Execute {
                code,
                allow_stdin,
                reply,
            })
            .is_err()
        {
            return lost();
        }
        rx.await.unwrap_or_else(|_| lost())
    }

    async fn complete(&self, code: String, cursor: usize) -> Completion {
        let (reply, rx) = oneshot::channel();
        if self
            .tx
            .send(EngineCommand::Complete {
                code,
                cursor,
                reply,
            })
            .is_err()
        {
            return Completion::default();
        }
        rx.await.unwrap_or_default()
    }

    async fn inspect(&self, code: String, cursor: usize) -> Option<(String, String)> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(EngineCommand::Inspect {
                code,
                cursor,
                reply,
            })
            .ok()?;
        rx.await.ok().flatten()
    }

    /// Hands the engine on to the next kernel (see [`Interpreter::recycle`]), waiting
    /// at most `limit`. Not while a cell still runs (a shutdown may come in the middle
    /// of one): that engine ends with this kernel.
    pub async fn recycle(&self, limit: std::time::Duration) -> bool {
        if self.busy.load(Ordering::SeqCst) {
            return false;
        }
        let (reply, rx) = oneshot::channel();
        if self.tx.send(EngineCommand::Recycle { reply }).is_err() {
            return false;
        }
        matches!(tokio::time::timeout(limit, rx).await, Ok(Ok(true)))
    }
}

fn serve_failure(rx: &std::sync::mpsc::Receiver<EngineCommand>, message: &str) {
    while let Ok(command) = rx.recv() {
        match command {
            EngineCommand::Execute { reply, .. } => {
                let _ = reply.send(CellOutcome::Error(crate::diagnostics::CellError::new(
                    "engine failed to start",
                    message.to_owned(),
                )));
            }
            EngineCommand::Complete { reply, .. } => {
                let _ = reply.send(Completion::default());
            }
            EngineCommand::Inspect { reply, .. } => {
                let _ = reply.send(None);
            }
            EngineCommand::Recycle { reply } => {
                let _ = reply.send(false);
            }
        }
    }
}

/// Sends a cell's output to IOPub, parented to the request that is running.
#[derive(Debug)]
pub struct KernelSink {
    out: mpsc::UnboundedSender<Outgoing>,
    parent: Mutex<Option<JupyterMessage>>,
    stdin: Mutex<mpsc::UnboundedReceiver<JupyterMessage>>,
    /// Stream output from before any cell ran (the engine starting, perhaps compiling
    /// the preload cache): shown in the first cell, so its progress is never lost.
    early: Mutex<Vec<(String, String)>>,
    /// Open comms and the widget state mirror, shared with the shell loop.
    comms: Arc<Mutex<Comms>>,
}

/// How much early output is kept for the first cell; the kernel log has all of it.
const EARLY_OUTPUT_LIMIT: usize = 256 * 1024;

impl KernelSink {
    fn new(
        out: mpsc::UnboundedSender<Outgoing>,
        stdin: mpsc::UnboundedReceiver<JupyterMessage>,
    ) -> KernelSink {
        KernelSink {
            out,
            parent: Mutex::new(None),
            stdin: Mutex::new(stdin),
            early: Mutex::new(Vec::new()),
            comms: Arc::default(),
        }
    }

    fn set_parent(&self, parent: Option<JupyterMessage>) {
        if let Ok(mut slot) = self.parent.lock() {
            *slot = parent.clone();
        }
        let early = self
            .early
            .lock()
            .map(|mut e| std::mem::take(&mut *e))
            .unwrap_or_default();
        if let Some(parent) = parent {
            for (name, text) in early {
                self.publish_stream(&parent, &name, &text);
            }
        }
    }

    fn publish_stream(&self, parent: &JupyterMessage, name: &str, text: &str) {
        let stream = if name == "stderr" {
            StreamContent::stderr(text)
        } else {
            StreamContent::stdout(text)
        };
        self.publish(child_of(parent, stream));
    }

    fn parent(&self) -> Option<JupyterMessage> {
        self.parent.lock().ok().and_then(|p| p.clone())
    }

    fn publish(&self, message: JupyterMessage) {
        let _ = self.out.send(Outgoing {
            route: Route::IoPub,
            message,
        });
    }
}

impl OutputSink for KernelSink {
    fn stream(&self, name: &str, text: &str) {
        let Some(parent) = self.parent() else {
            // No cell to show it in yet: the kernel log, and the first cell.
            eprint!("{text}");
            if let Ok(mut early) = self.early.lock() {
                let kept: usize = early.iter().map(|(_, t)| t.len()).sum();
                if kept + text.len() <= EARLY_OUTPUT_LIMIT {
                    early.push((name.to_owned(), text.to_owned()));
                }
            }
            return;
        };
        self.publish_stream(&parent, name, text);
    }

    fn event(&self, event: ChildEvent) {
        let Some(parent) = self.parent() else { return };
        let mut metadata = json!({});
        let message = match event {
            ChildEvent::Display {
                data,
                metadata,
                display_id,
                update,
            } => {
                let transient =
                    display_id.map_or_else(|| json!({}), |id| json!({"display_id": id}));
                let msg_type = if update {
                    "update_display_data"
                } else {
                    "display_data"
                };
                content(
                    msg_type,
                    json!({"data": data, "metadata": metadata, "transient": transient}),
                )
            }
            ChildEvent::Clear { wait } => content("clear_output", json!({"wait": wait})),
            ChildEvent::CommOpen {
                comm_id,
                target_name,
                data,
                metadata: open_metadata,
                listen,
                ..
            } => {
                if let Ok(mut comms) = self.comms.lock() {
                    comms.opened_by_kernel(&comm_id, &target_name, &data, listen);
                }
                // The widget protocol version travels in the message's metadata.
                metadata = open_metadata;
                content(
                    "comm_open",
                    json!({"comm_id": comm_id, "target_name": target_name, "data": data}),
                )
            }
            ChildEvent::CommMsg { comm_id, data, .. } => {
                if let Ok(mut comms) = self.comms.lock() {
                    comms.sent_by_kernel(&comm_id, &data);
                }
                content("comm_msg", json!({"comm_id": comm_id, "data": data}))
            }
            ChildEvent::CommClose { comm_id, .. } => {
                if let Ok(mut comms) = self.comms.lock() {
                    comms.closed(&comm_id);
                }
                content("comm_close", json!({"comm_id": comm_id, "data": {}}))
            }
            ChildEvent::Panic { .. }
            | ChildEvent::Interrupted
            | ChildEvent::CellError { .. }
            | ChildEvent::QuestionMarkError => {
                return;
            }
        };
        let mut message = child_of(&parent, message);
        if metadata.as_object().is_some_and(|m| !m.is_empty()) {
            message.metadata = metadata;
        }
        self.publish(message);
    }

    fn input(&self, prompt: &str, password: bool) -> Option<String> {
        if let Some(query) = kernel_query(prompt) {
            if query == "parent" {
                // The request whose output area a widget should write into.
                let id = self.parent().map(|p| p.header.msg_id).unwrap_or_default();
                return Some(Value::String(id).to_string());
            }
            return Some(self.comms.lock().ok()?.answer(query));
        }
        let parent = self.parent()?;
        let mut stdin = self.stdin.lock().ok()?;
        // Drop replies to earlier requests that nobody waited for.
        while stdin.try_recv().is_ok() {}
        let request = child_of(
            &parent,
            InputRequest {
                prompt: prompt.to_owned(),
                password,
            },
        );
        self.out
            .send(Outgoing {
                route: Route::Stdin,
                message: request,
            })
            .ok()?;
        while let Some(reply) = stdin.blocking_recv() {
            if let JupyterMessageContent::InputReply(reply) = reply.content {
                return Some(reply.value);
            }
        }
        None
    }
}

/// One stored history line.
#[derive(Debug, Clone)]
struct HistoryItem {
    line: usize,
    input: String,
    output: String,
}

/// The kernel: dispatches requests and owns the execution counter and history.
#[derive(Debug)]
pub struct Kernel {
    out: mpsc::UnboundedSender<Outgoing>,
    engine: EngineHandle,
    sink: Arc<KernelSink>,
    execution_count: usize,
    history: Vec<HistoryItem>,
    shell: mpsc::UnboundedReceiver<JupyterMessage>,
    /// Requests queued behind a failed cell, answered "aborted" (stop_on_error).
    aborted: VecDeque<JupyterMessage>,
}

/// How the kernel's loops ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// A `shutdown_request` arrived; `restart` as the client asked.
    Shutdown {
        /// The client will start a new kernel.
        restart: bool,
    },
    /// The transport closed.
    Disconnected,
}

/// Builds the sink the engine writes into, from the transport's channels. Call before
/// starting the engine, then [`run`] with the rest.
pub fn make_sink(channels: &mut KernelChannels) -> Arc<KernelSink> {
    let (_, empty) = mpsc::unbounded_channel();
    let stdin = std::mem::replace(&mut channels.stdin, empty);
    Arc::new(KernelSink::new(channels.out.clone(), stdin))
}

/// Serves shell and control until shutdown or disconnection.
pub async fn run(channels: KernelChannels, sink: Arc<KernelSink>, engine: EngineHandle) -> Exit {
    let KernelChannels {
        shell,
        mut control,
        out,
        ..
    } = channels;
    let (exit_tx, mut exit_rx) = mpsc::unbounded_channel::<Exit>();
    let control_out = out.clone();
    let control_engine = engine.clone();
    let control_exit = exit_tx.clone();
    tokio::spawn(async move {
        while let Some(request) = control.recv().await {
            if let Some(exit) = handle_control(&control_out, &control_engine, request) {
                let _ = control_exit.send(exit);
            }
        }
    });
    let mut kernel = Kernel {
        out,
        engine,
        sink,
        execution_count: 0,
        history: Vec::new(),
        shell,
        aborted: VecDeque::new(),
    };
    loop {
        let (request, abort) = match kernel.aborted.pop_front() {
            Some(request) => (request, true),
            None => tokio::select! {
                request = kernel.shell.recv() => match request {
                    Some(request) => (request, false),
                    None => return Exit::Disconnected,
                },
                exit = exit_rx.recv() => return exit.unwrap_or(Exit::Disconnected),
            },
        };
        // A shutdown on control ends the kernel even while a cell runs.
        let handled = tokio::select! {
            handled = kernel.handle_shell(request, abort) => handled,
            exit = exit_rx.recv() => return exit.unwrap_or(Exit::Disconnected),
        };
        if let ShellResult::Exit(exit) = handled {
            return exit;
        }
    }
}

enum ShellResult {
    Continue,
    Exit(Exit),
}

fn send(out: &mpsc::UnboundedSender<Outgoing>, route: Route, message: JupyterMessage) {
    let _ = out.send(Outgoing { route, message });
}

fn status(out: &mpsc::UnboundedSender<Outgoing>, parent: &JupyterMessage, state: ExecutionState) {
    send(
        out,
        Route::IoPub,
        child_of(
            parent,
            Status {
                execution_state: state,
            },
        ),
    );
}

/// kernel_info_reply content.
pub fn kernel_info() -> JupyterMessageContent {
    content(
        "kernel_info_reply",
        json!({
            "status": "ok",
            "protocol_version": PROTOCOL_VERSION,
            "implementation": "huntrs",
            "implementation_version": env!("CARGO_PKG_VERSION"),
            "language_info": {
                "name": "rust",
                "version": rustc_version(),
                "mimetype": "text/rust",
                "file_extension": ".rs",
                "pygments_lexer": "rust",
                "codemirror_mode": "rust",
                "nbconvert_exporter": "script",
            },
            "banner": format!(
                "huntrs {} — Rust for threat hunting. Preloaded: entities, sectools, data, nbtools \
                 (use nbtools::prelude::*).",
                env!("CARGO_PKG_VERSION")
            ),
            "help_links": [
                {"text": "huntrs README", "url": "https://github.com/huntrs/huntrs#readme"},
                {"text": "The Rust Book", "url": "https://doc.rust-lang.org/book/"},
                {"text": "Rust standard library", "url": "https://doc.rust-lang.org/std/"},
                {"text": "evcxr commands", "url": "https://github.com/evcxr/evcxr/blob/main/COMMON.md"},
            ],
            "debugger": false,
        }),
    )
}

fn rustc_version() -> String {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION
        .get_or_init(|| {
            std::process::Command::new("rustc")
                .arg("--version")
                .output()
                .ok()
                .and_then(|o| String::from_utf8(o.stdout).ok())
                .and_then(|v| v.split_whitespace().nth(1).map(str::to_owned))
                .unwrap_or_default()
        })
        .clone()
}

fn handle_control(
    out: &mpsc::UnboundedSender<Outgoing>,
    engine: &EngineHandle,
    request: JupyterMessage,
) -> Option<Exit> {
    status(out, &request, ExecutionState::Busy);
    let mut exit = None;
    let reply = match &request.content {
        JupyterMessageContent::InterruptRequest(_) => {
            engine.interrupter.interrupt();
            Some(content("interrupt_reply", json!({"status": "ok"})))
        }
        JupyterMessageContent::ShutdownRequest(shutdown) => {
            exit = Some(Exit::Shutdown {
                restart: shutdown.restart,
            });
            Some(content(
                "shutdown_reply",
                json!({"status": "ok", "restart": shutdown.restart}),
            ))
        }
        JupyterMessageContent::KernelInfoRequest(_) => Some(kernel_info()),
        other => {
            eprintln!("huntrs: ignored {} on control", other.message_type());
            None
        }
    };
    if let Some(reply) = reply {
        send(out, Route::Control, child_of(&request, reply));
    }
    status(out, &request, ExecutionState::Idle);
    exit
}

impl Kernel {
    async fn handle_shell(&mut self, request: JupyterMessage, abort: bool) -> ShellResult {
        status(&self.out, &request, ExecutionState::Busy);
        let result = self.dispatch(&request, abort).await;
        status(&self.out, &request, ExecutionState::Idle);
        result
    }

    fn reply(&self, request: &JupyterMessage, reply: impl Into<JupyterMessageContent>) {
        send(&self.out, Route::Shell, child_of(request, reply));
    }

    async fn dispatch(&mut self, request: &JupyterMessage, abort: bool) -> ShellResult {
        match &request.content {
            JupyterMessageContent::ExecuteRequest(execute) if abort => {
                let _ = execute;
                self.reply(
                    request,
                    content(
                        "execute_reply",
                        json!({"status": "aborted", "execution_count": self.execution_count}),
                    ),
                );
            }
            JupyterMessageContent::ExecuteRequest(execute) => {
                return self.execute(request, execute).await;
            }
            JupyterMessageContent::KernelInfoRequest(_) => self.reply(request, kernel_info()),
            JupyterMessageContent::IsCompleteRequest(is_complete) => {
                // A magic cell's body is not Rust: it is complete as typed.
                let completeness = if crate::magic::is_magic(&is_complete.code) {
                    Completeness::Complete
                } else {
                    cell_source::completeness(&is_complete.code)
                };
                let reply = match completeness {
                    Completeness::Complete => {
                        IsCompleteReply::new(IsCompleteReplyStatus::Complete, String::new())
                    }
                    Completeness::Incomplete { indent } => {
                        IsCompleteReply::new(IsCompleteReplyStatus::Incomplete, indent)
                    }
                    Completeness::Invalid => {
                        IsCompleteReply::new(IsCompleteReplyStatus::Invalid, String::new())
                    }
                };
                self.reply(request, reply);
            }
            JupyterMessageContent::CompleteRequest(complete) => {
                let code = complete.code.clone();
                let cursor = char_to_byte(&code, complete.cursor_pos);
                let found = match crate::magic::complete(&code, cursor) {
                    Some((matches, start, end)) => Completion {
                        matches,
                        start,
                        end,
                    },
                    None => self.engine.complete(code.clone(), cursor).await,
                };
                self.reply(
                    request,
                    content(
                        "complete_reply",
                        json!({
                            "status": "ok",
                            "matches": found.matches,
                            "cursor_start": byte_to_char(&code, found.start),
                            "cursor_end": byte_to_char(&code, found.end),
                            "metadata": {},
                        }),
                    ),
                );
            }
            JupyterMessageContent::InspectRequest(inspect) => {
                let code = inspect.code.clone();
                let cursor = end_of_word(&code, char_to_byte(&code, inspect.cursor_pos));
                let found = self.engine.inspect(code, cursor).await;
                let reply = match found {
                    Some((plain, html)) => json!({
                        "status": "ok", "found": true,
                        "data": {"text/plain": plain, "text/html": html}, "metadata": {},
                    }),
                    None => json!({"status": "ok", "found": false, "data": {}, "metadata": {}}),
                };
                self.reply(request, content("inspect_reply", reply));
            }
            JupyterMessageContent::HistoryRequest(history) => {
                let reply = self.history(history);
                self.reply(request, reply);
            }
            JupyterMessageContent::CommInfoRequest(info) => {
                let comms = self.comms().map(|c| c.info(info.target_name.as_deref()));
                self.reply(
                    request,
                    content(
                        "comm_info_reply",
                        json!({"status": "ok", "comms": comms.unwrap_or_else(|| json!({}))}),
                    ),
                );
            }
            JupyterMessageContent::CommOpen(open) => {
                let kept = self
                    .comms()
                    .is_some_and(|mut c| c.opened_by_front_end(&open.comm_id.0, &open.target_name));
                if !kept {
                    // No such target here: close it, as the spec asks.
                    self.publish_comm(
                        request,
                        "comm_close",
                        &open.comm_id.0,
                        json!({}),
                        Vec::new(),
                    );
                }
            }
            JupyterMessageContent::CommMsg(msg) => {
                let action = self
                    .comms()
                    .map(|mut c| c.apply_front_end(&msg.comm_id.0, &msg.data, &request.buffers));
                if let Some(FrontEndAction::Reply { publish, dispatch }) = action {
                    for (comm_id, data, buffers) in publish {
                        self.publish_comm(request, "comm_msg", &comm_id, data, buffers);
                    }
                    if let Some(event) = dispatch {
                        self.dispatch_to_cell_process(request, &event).await;
                    }
                }
            }
            JupyterMessageContent::CommClose(close) => {
                let listened = self.comms().is_some_and(|mut c| c.closed(&close.comm_id.0));
                if listened {
                    let event = json!({"comm_id": close.comm_id.0, "method": "close"});
                    self.dispatch_to_cell_process(request, &event).await;
                }
            }
            JupyterMessageContent::ShutdownRequest(shutdown) => {
                self.reply(
                    request,
                    content(
                        "shutdown_reply",
                        json!({"status": "ok", "restart": shutdown.restart}),
                    ),
                );
                return ShellResult::Exit(Exit::Shutdown {
                    restart: shutdown.restart,
                });
            }
            JupyterMessageContent::UnknownMessage(raw) if raw.msg_type == "history_request" => {
                match lenient_history_request(&raw.content) {
                    Ok(history) => {
                        let reply = self.history(&history);
                        self.reply(request, reply);
                    }
                    Err(problem) => self.reply_malformed(request, &raw.msg_type, &problem),
                }
            }
            JupyterMessageContent::UnknownMessage(raw)
                if KNOWN_REQUESTS.contains(&raw.msg_type.as_str()) =>
            {
                self.reply_malformed(
                    request,
                    &raw.msg_type,
                    "fields are missing or have the wrong type",
                );
            }
            other => {
                eprintln!(
                    "huntrs: ignored unsupported {} on shell",
                    other.message_type()
                );
            }
        }
        ShellResult::Continue
    }

    fn comms(&self) -> Option<std::sync::MutexGuard<'_, Comms>> {
        self.sink.comms.lock().ok()
    }

    fn publish_comm(
        &self,
        parent: &JupyterMessage,
        msg_type: &str,
        comm_id: &str,
        data: Value,
        buffers: Vec<bytes::Bytes>,
    ) {
        let mut message = child_of(
            parent,
            content(msg_type, json!({"comm_id": comm_id, "data": data})),
        );
        message.buffers = buffers;
        send(&self.out, Route::IoPub, message);
    }

    /// An `error` output on IOPub, parented to `request`.
    fn publish_error(&self, request: &JupyterMessage, error: &crate::diagnostics::CellError) {
        send(
            &self.out,
            Route::IoPub,
            child_of(
                request,
                content(
                    "error",
                    json!({"ename": error.ename, "evalue": error.evalue, "traceback": error.traceback}),
                ),
            ),
        );
    }

    /// Hands a front-end comm event to the cell process, where widget callbacks run.
    /// Their output (and any error) is parented to the comm message, as ipykernel does.
    async fn dispatch_to_cell_process(&mut self, request: &JupyterMessage, event: &Value) {
        // A raw string with more #s than the JSON could ever close.
        let json = event.to_string();
        let hashes = "#".repeat(longest_hash_run(&json) + 1);
        // Not `::nbtools`: evcxr reads a cell starting with `:` as one of its commands.
        let code = format!("nbtools::widgets::__dispatch(r{hashes}\"{json}\"{hashes});");
        self.sink.set_parent(Some(request.clone()));
        let outcome = self.engine.execute(code, false).await;
        self.sink.set_parent(None);
        if let CellOutcome::Error(error) = outcome {
            self.publish_error(request, &error);
        }
    }

    /// Answers a request whose content does not fit its type, as the spec asks.
    fn reply_malformed(&self, request: &JupyterMessage, msg_type: &str, problem: &str) {
        eprintln!("huntrs: malformed {msg_type}: {problem}");
        let reply_type = msg_type.replace("_request", "_reply");
        self.reply(
            request,
            content(
                &reply_type,
                json!({"status": "error", "ename": "MalformedRequest",
                       "evalue": format!("malformed {msg_type}: {problem}"), "traceback": []}),
            ),
        );
    }

    async fn execute(
        &mut self,
        request: &JupyterMessage,
        execute: &jupyter_protocol::ExecuteRequest,
    ) -> ShellResult {
        let silent = execute.silent;
        let store_history = execute.store_history && !silent;
        if store_history {
            self.execution_count += 1;
        }
        let count = self.execution_count;
        if !silent {
            send(
                &self.out,
                Route::IoPub,
                child_of(
                    request,
                    content(
                        "execute_input",
                        json!({"code": execute.code, "execution_count": count}),
                    ),
                ),
            );
        }
        self.sink.set_parent(Some(request.clone()));
        let outcome = self
            .engine
            .execute(execute.code.clone(), execute.allow_stdin)
            .await;
        self.sink.set_parent(None);
        let user_expressions: serde_json::Map<String, Value> = execute
            .user_expressions
            .iter()
            .flatten()
            .map(|(name, _)| {
                (
                    name.clone(),
                    json!({"status": "error", "ename": "NotSupported",
                           "evalue": "huntrs does not evaluate user_expressions", "traceback": []}),
                )
            })
            .collect();
        let mut output_text = String::new();
        let result = match outcome {
            CellOutcome::Value(data) => {
                if let Some(data) = data.filter(|_| !silent) {
                    output_text = data
                        .get("text/plain")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    send(
                        &self.out,
                        Route::IoPub,
                        child_of(
                            request,
                            content(
                                "execute_result",
                                json!({"execution_count": count, "data": data, "metadata": {}}),
                            ),
                        ),
                    );
                }
                self.reply(
                    request,
                    content(
                        "execute_reply",
                        json!({"status": "ok", "execution_count": count, "payload": [],
                               "user_expressions": user_expressions}),
                    ),
                );
                ShellResult::Continue
            }
            CellOutcome::Error(error) => {
                if execute.stop_on_error {
                    // Collected before the reply goes out: whatever is queued now was
                    // sent before the client saw the error, so it is aborted; anything
                    // sent after the reply runs normally.
                    while let Ok(queued) = self.shell.try_recv() {
                        self.aborted.push_back(queued);
                    }
                }
                self.publish_error(request, &error);
                self.reply(
                    request,
                    content(
                        "execute_reply",
                        json!({"status": "error", "execution_count": count, "ename": error.ename,
                               "evalue": error.evalue, "traceback": error.traceback,
                               "payload": [], "user_expressions": user_expressions}),
                    ),
                );
                ShellResult::Continue
            }
        };
        if store_history {
            self.history.push(HistoryItem {
                line: count,
                input: execute.code.clone(),
                output: output_text,
            });
        }
        result
    }

    fn history(&self, request: &HistoryRequest) -> HistoryReply {
        let entry = |item: &HistoryItem, output: bool| {
            if output {
                HistoryEntry::InputOutput(1, item.line, (item.input.clone(), item.output.clone()))
            } else {
                HistoryEntry::Input(1, item.line, item.input.clone())
            }
        };
        let entries: Vec<HistoryEntry> = match request {
            HistoryRequest::Tail { n, output, .. } => {
                let n = usize::try_from(*n).unwrap_or(0);
                let skip = self.history.len().saturating_sub(n);
                self.history[skip..]
                    .iter()
                    .map(|i| entry(i, *output))
                    .collect()
            }
            HistoryRequest::Range {
                start,
                stop,
                output,
                ..
            } => {
                let start = usize::try_from(*start).unwrap_or(0);
                let stop = usize::try_from(*stop)
                    .ok()
                    .filter(|&s| s > 0)
                    .unwrap_or(usize::MAX);
                self.history
                    .iter()
                    .filter(|i| i.line >= start && i.line < stop)
                    .map(|i| entry(i, *output))
                    .collect()
            }
            HistoryRequest::Search {
                pattern,
                unique,
                output,
                n,
                ..
            } => {
                let mut seen = std::collections::HashSet::new();
                let mut found: Vec<&HistoryItem> = self
                    .history
                    .iter()
                    .rev()
                    .filter(|i| glob_match(pattern, &i.input))
                    .filter(|i| !*unique || seen.insert(i.input.clone()))
                    .collect();
                if let Ok(n) = usize::try_from(*n)
                    && n > 0
                {
                    found.truncate(n);
                }
                found.reverse();
                found.into_iter().map(|i| entry(i, *output)).collect()
            }
        };
        HistoryReply::new(entries)
    }
}

/// Request types this kernel answers; malformed ones get an error reply.
const KNOWN_REQUESTS: &[&str] = &[
    "execute_request",
    "inspect_request",
    "complete_request",
    "history_request",
    "is_complete_request",
    "kernel_info_request",
    "comm_info_request",
    "shutdown_request",
];

/// Reads a history request the way jupyter_client sends it: `n`, `unique`,
/// `pattern`, `session`, `start` and `stop` may be left out.
fn lenient_history_request(raw: &Value) -> Result<HistoryRequest, String> {
    let access = raw["hist_access_type"]
        .as_str()
        .ok_or("hist_access_type is missing")?;
    let flag = |name: &str, default: bool| raw[name].as_bool().unwrap_or(default);
    let int = |name: &str, default: i32| {
        raw[name]
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(default)
    };
    let output = flag("output", false);
    let raw_input = flag("raw", true);
    match access {
        "tail" => Ok(HistoryRequest::Tail {
            n: int("n", 10),
            output,
            raw: raw_input,
        }),
        "range" => Ok(HistoryRequest::Range {
            session: raw["session"].as_i64().and_then(|n| i32::try_from(n).ok()),
            start: int("start", 0),
            stop: int("stop", 0),
            output,
            raw: raw_input,
        }),
        "search" => Ok(HistoryRequest::Search {
            pattern: raw["pattern"].as_str().unwrap_or("*").to_owned(),
            unique: flag("unique", false),
            output,
            raw: raw_input,
            n: int("n", 0),
        }),
        other => Err(format!("unknown hist_access_type {other:?}")),
    }
}

/// IPython-style history search: `*` any run of characters, `?` one character.
/// The longest run of `#` in `text`.
fn longest_hash_run(text: &str) -> usize {
    text.split(|c| c != '#').map(str::len).max().unwrap_or(0)
}

fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Jupyter counts cursor positions in Unicode code points; Rust strings index bytes.
fn char_to_byte(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(b, _)| b)
}

fn byte_to_char(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].chars().count()
}

/// Extends a cursor inside an identifier to its end, so hover sees the whole name.
fn end_of_word(text: &str, byte: usize) -> usize {
    let rest = &text[byte.min(text.len())..];
    byte + rest
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(rest.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests;
