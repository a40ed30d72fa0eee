//! A live-protocol socket for tests that never loses a message while waiting.
//!
//! Every message the server sends is kept, in arrival order. `expect` takes
//! the oldest kept message that matches and leaves every other one where it
//! is, so a `result` that overtakes an `error` is still there when the test
//! asks for it. `expect_newer` looks only at what arrived after a `mark`, for
//! "the message that this action caused". Waits end at a deadline, never
//! after a fixed sleep.

#![allow(dead_code)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use quizline::live::protocol::{ClientMsg, ServerMsg};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A client's WebSocket, as `tokio-tungstenite` connects it.
pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long `expect` waits unless told otherwise.
pub const WAIT: Duration = Duration::from_secs(15);

/// How a socket ended: the close frame's code, if the server sent one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub code: Option<u16>,
}

pub struct Inbox {
    socket: Socket,
    /// Everything received, oldest first, and whether a test took it.
    kept: Vec<(ServerMsg, bool)>,
    ended: Option<Ended>,
}

impl Inbox {
    pub fn new(socket: Socket) -> Inbox {
        Inbox {
            socket,
            kept: Vec::new(),
            ended: None,
        }
    }

    pub async fn send(&mut self, msg: &ClientMsg) {
        let text = serde_json::to_string(msg).unwrap();
        self.socket.send(Message::text(text)).await.unwrap();
    }

    pub async fn send_raw(&mut self, msg: Message) -> Result<(), tungstenite::Error> {
        self.socket.send(msg).await
    }

    /// Closes the client side; what was received stays readable.
    pub async fn close(&mut self) {
        let _ = self.socket.close(None).await;
    }

    /// A point in the stream: `expect_newer(mark, ..)` looks only past it.
    pub fn mark(&self) -> usize {
        self.kept.len()
    }

    /// Every message received so far, taken or not.
    pub fn all(&self) -> impl Iterator<Item = &ServerMsg> {
        self.kept.iter().map(|(m, _)| m)
    }

    /// Reads one more frame into the inbox; false once the socket ended.
    async fn pull(&mut self, deadline: Instant) -> Result<bool, ()> {
        if self.ended.is_some() {
            return Ok(false);
        }
        let next = tokio::time::timeout_at(deadline, self.socket.next())
            .await
            .map_err(|_| ())?;
        match next {
            Some(Ok(Message::Text(t))) => {
                let m: ServerMsg = serde_json::from_str(&t)
                    .unwrap_or_else(|e| panic!("unreadable server message {t}: {e}"));
                self.kept.push((m, false));
            }
            Some(Ok(Message::Close(frame))) => {
                self.ended = Some(Ended {
                    code: frame.map(|f| u16::from(f.code)),
                });
            }
            Some(Ok(_)) => {}
            None | Some(Err(_)) => self.ended = Some(Ended { code: None }),
        }
        Ok(true)
    }

    fn take(&mut self, from: usize, pred: &dyn Fn(&ServerMsg) -> bool) -> Option<ServerMsg> {
        let (m, taken) = self
            .kept
            .iter_mut()
            .skip(from)
            .find(|(m, taken)| !*taken && pred(m))?;
        *taken = true;
        Some(m.clone())
    }

    fn history(&self) -> String {
        self.kept
            .iter()
            .map(|(m, taken)| {
                format!(
                    "\n  {}{}",
                    if *taken { "(taken) " } else { "" },
                    serde_json::to_string(m).unwrap()
                )
            })
            .collect()
    }

    /// The oldest untaken message (after `from`) that matches, waiting
    /// until `deadline` for it.
    pub async fn expect_from(
        &mut self,
        from: usize,
        what: &str,
        deadline: Instant,
        pred: impl Fn(&ServerMsg) -> bool,
    ) -> ServerMsg {
        loop {
            if let Some(m) = self.take(from, &pred) {
                return m;
            }
            match self.pull(deadline).await {
                Ok(true) => {}
                Ok(false) => panic!(
                    "socket closed ({:?}) while waiting for {what}; received:{}",
                    self.ended,
                    self.history()
                ),
                Err(()) => panic!("no {what} in time; received:{}", self.history()),
            }
        }
    }

    /// The oldest untaken message that matches, within [`WAIT`].
    pub async fn expect(&mut self, what: &str, pred: impl Fn(&ServerMsg) -> bool) -> ServerMsg {
        self.expect_from(0, what, Instant::now() + WAIT, pred).await
    }

    /// As [`Inbox::expect`], with a deadline of the caller's.
    pub async fn expect_by(
        &mut self,
        what: &str,
        deadline: Instant,
        pred: impl Fn(&ServerMsg) -> bool,
    ) -> ServerMsg {
        self.expect_from(0, what, deadline, pred).await
    }

    /// A matching message that arrived after `mark`.
    pub async fn expect_newer(
        &mut self,
        mark: usize,
        what: &str,
        pred: impl Fn(&ServerMsg) -> bool,
    ) -> ServerMsg {
        self.expect_from(mark, what, Instant::now() + WAIT, pred)
            .await
    }

    /// Waits for the server to close the socket; keeps what came before.
    pub async fn expect_end(&mut self, what: &str) -> Ended {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(e) = self.ended {
                return e;
            }
            if self.pull(deadline).await.is_err() {
                panic!("socket still open: {what}; received:{}", self.history());
            }
        }
    }

    /// Reads whatever arrives until `deadline`: for asserting that something
    /// is *not* sent, after the event that would have caused it.
    pub async fn drain_until(&mut self, deadline: Instant) {
        while let Ok(true) = self.pull(deadline).await {}
    }
}

/// The message's `type`, as on the wire.
pub fn type_of(m: &ServerMsg) -> String {
    serde_json::to_value(m).unwrap()["type"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Matches messages of one `type`.
pub fn is(kind: &str) -> impl Fn(&ServerMsg) -> bool + '_ {
    move |m| type_of(m) == kind
}

/// Matches an `error` with this code.
pub fn error(code: &str) -> impl Fn(&ServerMsg) -> bool + '_ {
    move |m| matches!(m, ServerMsg::Error { code: c, .. } if c == code)
}
