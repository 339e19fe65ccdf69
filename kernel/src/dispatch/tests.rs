//! Dispatch over an in-memory transport: every request is framed, signed and parsed
//! by the real codec, then handled by the real dispatcher with a scripted interpreter.

use std::collections::BTreeMap;
use std::time::Duration;

use jupyter_protocol::{
    ExecuteRequest, HistoryRequest, InterruptRequest, IsCompleteRequest, JupyterMessage,
    KernelInfoRequest, ShutdownRequest,
};
use serde_json::Value;
use tokio::sync::mpsc;

use super::*;
use crate::diagnostics::CellError;
use crate::protocol::{Codec, content};

/// Answers a few fixed cells; enough to drive the dispatcher through every path.
struct Scripted;

impl Interpreter for Scripted {
    fn execute(&mut self, code: &str, _allow_stdin: bool) -> CellOutcome {
        match code {
            "fail" => CellOutcome::Error(CellError::new("panic", "boom")),
            "slow" => {
                std::thread::sleep(Duration::from_millis(300));
                CellOutcome::Value(None)
            }
            other => CellOutcome::Value(Some(BTreeMap::from([(
                "text/plain".to_owned(),
                Value::String(other.to_owned()),
            )]))),
        }
    }
    fn complete(&mut self, _code: &str, cursor: usize) -> Completion {
        Completion {
            matches: vec!["push".into()],
            start: cursor,
            end: cursor,
        }
    }
    fn inspect(&mut self, _code: &str, _cursor: usize) -> Option<(String, String)> {
        None
    }
    fn recycle(&mut self) -> bool {
        true
    }
}

struct Client {
    codec: Codec,
    shell: mpsc::UnboundedSender<JupyterMessage>,
    control: mpsc::UnboundedSender<JupyterMessage>,
    out: mpsc::UnboundedReceiver<Outgoing>,
}

impl Client {
    /// Frames and signs a request, then parses it back as the socket reader would.
    fn wire(&self, message: JupyterMessage) -> JupyterMessage {
        self.codec
            .decode(self.codec.encode(&message))
            .expect("valid frames")
    }

    fn shell(&self, content: impl Into<JupyterMessageContent>) -> JupyterMessage {
        let message = self.wire(JupyterMessage::new(content, None));
        self.shell.send(message.clone()).expect("kernel running");
        message
    }

    /// Collects everything sent until the idle status for `request`.
    async fn until_idle(&mut self, request: &JupyterMessage) -> Vec<Outgoing> {
        let mut seen = Vec::new();
        loop {
            let out = tokio::time::timeout(Duration::from_secs(5), self.out.recv())
                .await
                .expect("kernel answered in time")
                .expect("channel open");
            let is_idle = out.message.header.msg_type == "status"
                && out.message.parent_header.as_ref().map(|h| &h.msg_id)
                    == Some(&request.header.msg_id)
                && matches!(&out.message.content, JupyterMessageContent::Status(s) if s.execution_state == ExecutionState::Idle);
            seen.push(out);
            if is_idle {
                return seen;
            }
        }
    }
}

fn start() -> (Client, tokio::task::JoinHandle<Exit>) {
    let (shell_tx, shell) = mpsc::unbounded_channel();
    let (control_tx, control) = mpsc::unbounded_channel();
    let (_stdin_tx, stdin) = mpsc::unbounded_channel();
    let (out, out_rx) = mpsc::unbounded_channel();
    let mut channels = KernelChannels {
        shell,
        control,
        stdin,
        out,
    };
    let sink = make_sink(&mut channels);
    let engine = EngineHandle::spawn(|_| Ok::<_, String>(Scripted));
    let task = tokio::spawn(run(channels, sink, engine));
    let client = Client {
        codec: Codec::new("hmac-sha256", "test-key").expect("codec"),
        shell: shell_tx,
        control: control_tx,
        out: out_rx,
    };
    (client, task)
}

fn types(messages: &[Outgoing]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m.message.header.msg_type.clone())
        .collect()
}

fn reply(messages: &[Outgoing], msg_type: &str) -> serde_json::Value {
    let found = messages
        .iter()
        .find(|m| m.message.header.msg_type == msg_type)
        .unwrap_or_else(|| panic!("no {msg_type} in {:?}", types(messages)));
    serde_json::to_value(&found.message.content).expect("json")
}

#[tokio::test]
async fn execute_publishes_in_order_and_counts() {
    let (mut client, _task) = start();
    let request = client.shell(ExecuteRequest::new("6 * 7".into()));
    let messages = client.until_idle(&request).await;
    assert_eq!(
        types(&messages),
        [
            "status",
            "execute_input",
            "execute_result",
            "execute_reply",
            "status"
        ]
    );
    for message in &messages {
        assert_eq!(
            message
                .message
                .parent_header
                .as_ref()
                .map(|h| h.msg_id.clone()),
            Some(request.header.msg_id.clone()),
            "every message is parented to the request"
        );
    }
    assert_eq!(messages[3].route, Route::Shell);
    assert_eq!(
        reply(&messages, "execute_result")["data"]["text/plain"],
        "6 * 7"
    );
    assert_eq!(reply(&messages, "execute_reply")["execution_count"], 1);
    let second = client.shell(ExecuteRequest::new("1".into()));
    let messages = client.until_idle(&second).await;
    assert_eq!(reply(&messages, "execute_reply")["execution_count"], 2);
}

#[tokio::test]
async fn an_error_aborts_queued_cells() {
    let (mut client, _task) = start();
    let failing = client.shell(ExecuteRequest::new("fail".into()));
    let queued = client.shell(ExecuteRequest::new("1".into()));
    let messages = client.until_idle(&failing).await;
    let error = reply(&messages, "error");
    assert_eq!(error["ename"], "panic");
    assert_eq!(reply(&messages, "execute_reply")["status"], "error");
    let messages = client.until_idle(&queued).await;
    assert_eq!(types(&messages), ["status", "execute_reply", "status"]);
    assert_eq!(reply(&messages, "execute_reply")["status"], "aborted");
    // Requests sent after the abort run normally.
    let later = client.shell(ExecuteRequest::new("2".into()));
    let messages = client.until_idle(&later).await;
    assert_eq!(reply(&messages, "execute_reply")["status"], "ok");
}

#[tokio::test]
async fn a_cell_sent_after_the_error_reply_runs() {
    let (mut client, _task) = start();
    let failing = client.shell(ExecuteRequest::new("fail".into()));
    // The client sees the error reply and sends the next cell before the kernel
    // has gone idle: that cell was not queued behind the error, so it runs.
    loop {
        let out = tokio::time::timeout(Duration::from_secs(5), client.out.recv())
            .await
            .expect("kernel answered in time")
            .expect("channel open");
        if out.message.header.msg_type == "execute_reply" {
            break;
        }
    }
    let next = client.shell(ExecuteRequest::new("3".into()));
    client.until_idle(&failing).await;
    let messages = client.until_idle(&next).await;
    assert_eq!(reply(&messages, "execute_reply")["status"], "ok");
}

#[tokio::test]
async fn answers_info_completeness_and_history() {
    let (mut client, _task) = start();
    let info = client.shell(KernelInfoRequest {});
    let messages = client.until_idle(&info).await;
    let info = reply(&messages, "kernel_info_reply");
    assert_eq!(info["language_info"]["name"], "rust");
    assert_eq!(info["language_info"]["file_extension"], ".rs");
    assert_eq!(info["protocol_version"], "5.3");

    let incomplete = client.shell(IsCompleteRequest {
        code: "fn f() {".into(),
    });
    let messages = client.until_idle(&incomplete).await;
    assert_eq!(
        reply(&messages, "is_complete_reply")["status"],
        "incomplete"
    );

    for code in ["let a = 1;", "let b = 2;", "a + b"] {
        let request = client.shell(ExecuteRequest::new(code.into()));
        client.until_idle(&request).await;
    }
    let tail = client.shell(HistoryRequest::Tail {
        n: 2,
        output: false,
        raw: true,
    });
    let messages = client.until_idle(&tail).await;
    let history = reply(&messages, "history_reply")["history"].clone();
    assert_eq!(
        history,
        serde_json::json!([[1, 2, "let b = 2;"], [1, 3, "a + b"]])
    );
    let search = client.shell(HistoryRequest::Search {
        pattern: "let*".into(),
        unique: true,
        output: false,
        raw: true,
        n: 10,
    });
    let messages = client.until_idle(&search).await;
    assert_eq!(
        reply(&messages, "history_reply")["history"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn control_is_served_while_a_cell_runs() {
    let (mut client, task) = start();
    let slow = client.shell(ExecuteRequest::new("slow".into()));
    let interrupt = client.wire(JupyterMessage::new(InterruptRequest {}, None));
    client.control.send(interrupt.clone()).expect("send");
    let messages = client.until_idle(&interrupt).await;
    assert!(types(&messages).contains(&"interrupt_reply".to_owned()));
    assert!(
        !types(&messages).contains(&"execute_reply".to_owned()),
        "the interrupt was answered before the slow cell finished"
    );
    client.until_idle(&slow).await;
    let shutdown = client.wire(JupyterMessage::new(ShutdownRequest { restart: true }, None));
    client.control.send(shutdown).expect("send");
    let exit = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("exits")
        .expect("task");
    assert_eq!(exit, Exit::Shutdown { restart: true });
}

#[tokio::test]
async fn sparse_and_malformed_requests_are_answered() {
    let (mut client, _task) = start();
    let cell = client.shell(ExecuteRequest::new("1".into()));
    client.until_idle(&cell).await;
    // jupyter_client leaves `n`, `unique`, `pattern` out unless asked.
    let sparse = client.shell(content(
        "history_request",
        serde_json::json!({"hist_access_type": "search", "raw": true, "output": false, "pattern": "1"}),
    ));
    let messages = client.until_idle(&sparse).await;
    assert_eq!(
        reply(&messages, "history_reply")["history"],
        serde_json::json!([[1, 1, "1"]])
    );
    let broken = client.shell(content("complete_request", serde_json::json!({"code": 5})));
    let messages = client.until_idle(&broken).await;
    let answer = reply(&messages, "complete_reply");
    assert_eq!(answer["status"], "error");
    assert_eq!(answer["ename"], "MalformedRequest");
}

#[tokio::test]
async fn an_engine_is_handed_on_only_when_no_cell_runs() {
    let engine = EngineHandle::spawn(|_| Ok::<_, String>(Scripted));
    // Wait until the engine thread has started the interpreter.
    let _ = engine.execute("warm".into(), false).await;
    assert!(engine.recycle(Duration::from_secs(5)).await, "idle engine");

    let running = engine.clone();
    let cell = tokio::spawn(async move { running.execute("slow".into(), false).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !engine.recycle(Duration::from_secs(5)).await,
        "an engine in the middle of a cell ends with its kernel"
    );
    cell.await.expect("cell task");
}
