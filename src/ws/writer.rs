//! The writing half of a connection: drains the connection's bounded queue into the socket,
//! and sends a keep-alive whenever the connection has been idle for the configured interval
//! (once the connection is acknowledged). It is the only task that waits on the socket.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

/// How long closing the socket may take before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// What the writer sends.
#[derive(Debug)]
pub(crate) enum Frame {
    /// A protocol message.
    Text(String),
    /// The `connection_ack` (or legacy ack): keep-alives start after it.
    Ack(String),
    /// A close frame; the writer stops after it.
    Close { code: u16, reason: String },
}

/// Keep-alive settings: the idle interval and the message sent after it.
pub(crate) struct KeepAlive {
    pub(crate) interval: Duration,
    pub(crate) text: String,
}

/// Writes `frames` to `sink` until the queue closes, a close frame is sent or the socket fails.
pub(crate) async fn run(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Frame>,
    keep_alive: KeepAlive,
) {
    let mut acknowledged = false;
    let mut idle_until = Instant::now() + keep_alive.interval;
    loop {
        let frame = tokio::select! {
            frame = frames.recv() => frame,
            () = sleep_until(idle_until), if acknowledged => Some(Frame::Text(keep_alive.text.clone())),
        };
        let (message, last) = match frame {
            None => break,
            Some(Frame::Text(text)) => (Message::Text(text.into()), false),
            Some(Frame::Ack(text)) => {
                acknowledged = true;
                (Message::Text(text.into()), false)
            }
            Some(Frame::Close { code, reason }) => {
                (Message::Close(Some(CloseFrame { code, reason: reason.into() })), true)
            }
        };
        if sink.send(message).await.is_err() || last {
            break;
        }
        idle_until = Instant::now() + keep_alive.interval;
    }
    // Nothing more will be sent: fail pending senders at once, then close the socket.
    frames.close();
    let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
}
