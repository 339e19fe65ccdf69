//! Moves messages between ZeroMQ sockets and the dispatcher's channels.
//!
//! The dispatcher sees only [`KernelChannels`]: typed messages in, typed messages
//! out. [`serve_zmq`] binds the five Jupyter sockets and runs one task per socket
//! so the shell socket keeps being read while a cell runs; unit tests build
//! `KernelChannels` from plain channels instead.

use bytes::Bytes;
use jupyter_protocol::{ConnectionInfo, JupyterMessage};
use tokio::sync::mpsc;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

use crate::protocol::Codec;

/// Which socket a message travels on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Requests and replies.
    Shell,
    /// High-priority requests (interrupt, shutdown).
    Control,
    /// Input requests to the front end.
    Stdin,
    /// Broadcast outputs and status.
    IoPub,
}

/// A message the kernel sends.
#[derive(Debug)]
pub struct Outgoing {
    /// The socket to send on.
    pub route: Route,
    /// The message; its identities address the peer on router sockets.
    pub message: JupyterMessage,
}

/// The dispatcher's view of the transport.
#[derive(Debug)]
pub struct KernelChannels {
    /// Requests arriving on the shell socket, in order.
    pub shell: mpsc::UnboundedReceiver<JupyterMessage>,
    /// Requests arriving on the control socket.
    pub control: mpsc::UnboundedReceiver<JupyterMessage>,
    /// Replies arriving on the stdin socket.
    pub stdin: mpsc::UnboundedReceiver<JupyterMessage>,
    /// Everything the kernel sends.
    pub out: mpsc::UnboundedSender<Outgoing>,
}

/// Why the sockets could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Binding a socket failed (port taken, bad address).
    #[error("cannot bind the {socket} socket to {endpoint}: {cause}")]
    Bind {
        /// Which socket.
        socket: &'static str,
        /// The endpoint tried.
        endpoint: String,
        /// The error from ZeroMQ.
        cause: zeromq::ZmqError,
    },
    /// The connection file names a transport other than tcp.
    #[error("unsupported transport {0:?}; huntrs listens on tcp only")]
    UnsupportedTransport(String),
}

async fn bind<S: Socket>(
    socket: &mut S,
    name: &'static str,
    endpoint: String,
) -> Result<(), TransportError> {
    socket
        .bind(&endpoint)
        .await
        .map(|_| ())
        .map_err(|cause| TransportError::Bind {
            socket: name,
            endpoint,
            cause,
        })
}

/// The async runtime the sockets run on. It has one thread, and must keep it.
///
/// zeromq 0.7's PUB socket hands each message to a fanout task. That task can miss
/// its wake-up when a publish from another thread lands just as it goes to sleep,
/// and the message then waits for the next one. A cell's last message is its idle
/// status, so a client would wait for it indefinitely (seen in CI). On one thread,
/// a publish never runs between the fanout task's last check and its sleep.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Binds the sockets named in `info` and starts moving messages.
pub async fn serve_zmq(
    info: &ConnectionInfo,
    codec: Codec,
) -> Result<KernelChannels, TransportError> {
    let transport = serde_json::to_value(&info.transport)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    if transport != "tcp" {
        return Err(TransportError::UnsupportedTransport(transport));
    }
    let mut shell = zeromq::RouterSocket::new();
    let mut control = zeromq::RouterSocket::new();
    let mut stdin = zeromq::RouterSocket::new();
    let mut iopub = zeromq::PubSocket::new();
    let mut heartbeat = zeromq::RepSocket::new();
    bind(&mut shell, "shell", info.shell_url()).await?;
    bind(&mut control, "control", info.control_url()).await?;
    bind(&mut stdin, "stdin", info.stdin_url()).await?;
    bind(&mut iopub, "iopub", info.iopub_url()).await?;
    bind(&mut heartbeat, "heartbeat", info.hb_url()).await?;

    let (shell_send, shell_recv) = shell.split();
    let (control_send, control_recv) = control.split();
    let (stdin_send, stdin_recv) = stdin.split();
    let (shell_tx, shell_rx) = mpsc::unbounded_channel();
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let (stdin_tx, stdin_rx) = mpsc::unbounded_channel();
    let (out_tx, out_rx) = mpsc::unbounded_channel();

    tokio::spawn(read_socket(shell_recv, "shell", codec.clone(), shell_tx));
    tokio::spawn(read_socket(
        control_recv,
        "control",
        codec.clone(),
        control_tx,
    ));
    tokio::spawn(read_socket(stdin_recv, "stdin", codec.clone(), stdin_tx));
    tokio::spawn(write_sockets(
        out_rx,
        codec,
        Writers {
            shell: shell_send,
            control: control_send,
            stdin: stdin_send,
            iopub,
        },
    ));
    tokio::spawn(async move {
        // Heartbeat: echo every ping unchanged, whatever the rest of the kernel is doing.
        while let Ok(ping) = heartbeat.recv().await {
            if heartbeat.send(ping).await.is_err() {
                break;
            }
        }
    });
    Ok(KernelChannels {
        shell: shell_rx,
        control: control_rx,
        stdin: stdin_rx,
        out: out_tx,
    })
}

async fn read_socket(
    mut socket: zeromq::RouterRecvHalf,
    name: &'static str,
    codec: Codec,
    tx: mpsc::UnboundedSender<JupyterMessage>,
) {
    loop {
        let frames = match socket.recv().await {
            Ok(message) => message.into_vec(),
            Err(error) => {
                eprintln!("huntrs: {name} socket closed: {error}");
                return;
            }
        };
        match codec.decode(frames) {
            Ok(message) => {
                if tx.send(message).is_err() {
                    return;
                }
            }
            // A bad message is dropped, never fatal: log it and keep serving.
            Err(error) => eprintln!("huntrs: dropped a message on {name}: {error}"),
        }
    }
}

struct Writers {
    shell: zeromq::RouterSendHalf,
    control: zeromq::RouterSendHalf,
    stdin: zeromq::RouterSendHalf,
    iopub: zeromq::PubSocket,
}

async fn write_sockets(
    mut rx: mpsc::UnboundedReceiver<Outgoing>,
    codec: Codec,
    mut writers: Writers,
) {
    while let Some(Outgoing { route, mut message }) = rx.recv().await {
        if route == Route::IoPub {
            // IOPub topic: the message type, as ipykernel does.
            message.zmq_identities =
                vec![Bytes::from(format!("kernel.{}", message.header.msg_type))];
        }
        let frames = codec.encode(&message);
        let Ok(zmq_message) = ZmqMessage::try_from(frames) else {
            continue;
        };
        let result = match route {
            Route::Shell => writers.shell.send(zmq_message).await,
            Route::Control => writers.control.send(zmq_message).await,
            Route::Stdin => writers.stdin.send(zmq_message).await,
            Route::IoPub => writers.iopub.send(zmq_message).await,
        };
        if let Err(error) = result {
            eprintln!(
                "huntrs: could not send {} on {route:?}: {error}",
                message.header.msg_type
            );
        }
    }
}

#[cfg(test)]
mod tests;
