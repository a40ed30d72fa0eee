//! The WebSocket endpoints: one socket per player and per host screen.
//!
//! Each socket is one task with small buffers (see `limits`); room events
//! arrive as shared, pre-serialized bytes, so fan-out to 10,000 players
//! costs one serialization and 10,000 reference-count increments.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use futures_util::future::BoxFuture;
use tokio::sync::{broadcast, mpsc, oneshot};

use super::greeting::Pass;
use super::http::{ApiError, ClientAddr, is_host, owner_cookie, same_origin, valid_code};
use super::protocol::{ClientMsg, ServerMsg};
use super::room::{Event, Room, RoomError};
use super::util::{ct_eq, sha256};
use crate::server::AppState;

/// Largest client message: answers and hellos are far smaller.
pub const MAX_MESSAGE: usize = 4 * 1024;
/// What the socket layer reads at most. A message between [`MAX_MESSAGE`]
/// and this is read whole and refused with `message_too_big`, so the close
/// that follows reaches the client; one above it breaks the connection
/// mid-frame, and the kernel may reset it before the client reads why.
const READ_LIMIT: usize = 4 * MAX_MESSAGE;
/// Close code of a player's socket that a newer one replaced.
pub const CLOSE_REPLACED: u16 = 4001;
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
const PING_EVERY: Duration = Duration::from_secs(30);
/// A socket that has sent nothing (not even a pong) for this long is gone.
const IDLE_LIMIT: Duration = Duration::from_secs(95);
const HOST_TICK: Duration = Duration::from_millis(250);

/// Small buffers: at 10,000 sockets the defaults (128 KiB read buffer
/// each) alone would be over a gigabyte. Client messages are a hello or an
/// answer of a few dozen bytes; the rare larger one (up to [`MAX_MESSAGE`])
/// is read in several pieces. tungstenite zeroes the free part of the read
/// buffer before each read, so a small one is also cheaper per read.
const READ_BUFFER: usize = 1024;

fn limits(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.max_message_size(READ_LIMIT)
        .max_frame_size(READ_LIMIT)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
}

fn room_for(state: &AppState, code: &str) -> Result<Arc<Room>, ApiError> {
    let code = valid_code(code)?;
    state
        .live
        .room(&code)
        .ok_or_else(|| ApiError::no_room(&code))
}

pub async fn player(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientAddr(addr): ClientAddr,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let room = room_for(&state, &code)?;
    let pass = state.live.greeting().admit(addr)?;
    Ok(limits(ws).on_upgrade(move |socket| player_session(socket, room, pass)))
}

pub async fn host(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let room = room_for(&state, &code)?;
    let pass = state.live.greeting().admit(addr)?;
    // The owner cookie may stand in for the secret, but only from a page of
    // this server: a cross-site page must not drive a teacher's room.
    let by_cookie = owner_cookie(&headers).is_some()
        && same_origin(&headers)
        && is_host(&state.live, &room.code, room.host_hash(), &headers).await;
    Ok(limits(ws).on_upgrade(move |socket| host_session(socket, room, by_cookie, pass)))
}

/// A socket with a send timeout, so one stalled phone cannot hold its task
/// (and its memory) forever.
struct Conn {
    socket: WebSocket,
    last_seen: Instant,
}

impl Conn {
    async fn send(&mut self, text: Utf8Bytes) -> bool {
        matches!(
            tokio::time::timeout(SEND_TIMEOUT, self.socket.send(Message::Text(text))).await,
            Ok(Ok(()))
        )
    }

    async fn send_msg(&mut self, msg: &ServerMsg) -> bool {
        self.send(Utf8Bytes::from(msg.to_text())).await
    }

    async fn send_all(&mut self, msgs: Vec<Utf8Bytes>) -> bool {
        for m in msgs {
            if !self.send(m).await {
                return false;
            }
        }
        true
    }

    async fn close(mut self, code: u16, reason: &'static str) {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.socket.send(Message::Close(Some(CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            }))),
        )
        .await;
    }

    /// What the client sent: `Ok(None)` for control frames.
    fn read(
        &mut self,
        msg: Option<Result<Message, axum::Error>>,
    ) -> Result<Option<ClientMsg>, Read> {
        match msg {
            None | Some(Ok(Message::Close(_))) => Err(Read::End(End::Gone)),
            Some(Err(e)) if is_too_big(&e) => Err(Read::End(End::TooBig)),
            Some(Err(_)) => Err(Read::End(End::Gone)),
            Some(Ok(Message::Text(t))) if t.len() > MAX_MESSAGE => Err(Read::End(End::TooBig)),
            Some(Ok(Message::Binary(b))) if b.len() > MAX_MESSAGE => Err(Read::End(End::TooBig)),
            Some(Ok(Message::Text(t))) => {
                self.last_seen = Instant::now();
                serde_json::from_str::<ClientMsg>(&t)
                    .map(Some)
                    .map_err(|e| {
                        Read::Bad(Box::new(ServerMsg::error(
                            "bad_message",
                            format!("message not understood: {e}"),
                        )))
                    })
            }
            Some(Ok(Message::Binary(_))) => Err(Read::Bad(Box::new(ServerMsg::error(
                "bad_message",
                "send JSON text messages",
            )))),
            Some(Ok(_)) => {
                self.last_seen = Instant::now();
                Ok(None)
            }
        }
    }
}

/// A read that gave no message.
enum Read {
    /// The socket is done, for this reason.
    End(End),
    /// Not understood: the client is told, the socket stays open.
    Bad(Box<ServerMsg>),
}

/// The first message, which must be `hello`; otherwise how to close.
async fn hello(conn: &mut Conn) -> Result<ClientMsg, End> {
    loop {
        let Ok(msg) = tokio::time::timeout(HELLO_TIMEOUT, conn.socket.recv()).await else {
            return Err(End::Refused("hello expected"));
        };
        match conn.read(msg) {
            Ok(Some(m @ ClientMsg::Hello { .. })) => return Ok(m),
            Ok(Some(_)) => {
                conn.send_msg(&ServerMsg::error("hello_first", "send hello first"))
                    .await;
                return Err(End::Refused("hello expected"));
            }
            Ok(None) => continue,
            Err(Read::Bad(e)) => {
                conn.send_msg(&e).await;
                return Err(End::Refused("hello expected"));
            }
            Err(Read::End(End::Gone)) => return Err(End::Refused("hello expected")),
            Err(Read::End(end)) => return Err(end),
        }
    }
}

type Pending = BoxFuture<'static, (usize, Result<u64, RoomError>)>;

async fn player_session(socket: WebSocket, room: Arc<Room>, pass: Pass) {
    let mut conn = Conn {
        socket,
        last_seen: Instant::now(),
    };
    let greeted = pass.greet(hello(&mut conn)).await;
    let token = match greeted.unwrap_or(Err(End::Refused("hello expected"))) {
        Ok(ClientMsg::Hello { token, .. }) => token,
        Ok(_) => unreachable!("hello returns only hellos"),
        Err(end) => return end.close(conn).await,
    };
    let id = match token.as_deref().map(|t| room.authenticate(t)) {
        Some(Ok(id)) => id,
        Some(Err(e)) => {
            conn.send_msg(&ServerMsg::error(e.code(), e.to_string()))
                .await;
            return conn.close(1008, "not a player of this room").await;
        }
        None => {
            conn.send_msg(&ServerMsg::error(
                "bad_token",
                "hello needs the player's token",
            ))
            .await;
            return conn.close(1008, "token expected").await;
        }
    };
    let attached = match room.attach_player(id) {
        Ok(v) => v,
        Err(e) => {
            conn.send_msg(&ServerMsg::error(e.code(), e.to_string()))
                .await;
            return conn.close(1008, "not a player of this room").await;
        }
    };
    let serial = attached.serial;
    let end = if conn.send_all(attached.snapshot).await {
        player_loop(&mut conn, &room, id, attached.events, attached.replaced).await
    } else {
        End::Gone
    };
    room.detach_player(id, serial);
    end.close(conn).await;
}

/// Why a socket's loop stopped, and so how it is closed.
enum End {
    /// Done or unreachable: a normal close.
    Gone,
    /// A newer socket of the same player took over.
    Replaced,
    /// The client sent a message over [`MAX_MESSAGE`].
    TooBig,
    /// The socket never became a player or host (1008, with this reason).
    Refused(&'static str),
}

impl End {
    async fn close(self, mut conn: Conn) {
        match self {
            End::Gone => conn.close(1000, "bye").await,
            End::Replaced => {
                conn.send_msg(&ServerMsg::error(
                    "replaced",
                    "this player opened the game somewhere else",
                ))
                .await;
                conn.close(CLOSE_REPLACED, "replaced").await
            }
            End::TooBig => {
                conn.send_msg(&too_big()).await;
                conn.close(1009, "message too big").await
            }
            End::Refused(reason) => conn.close(1008, reason).await,
        }
    }
}

fn too_big() -> ServerMsg {
    ServerMsg::error(
        "message_too_big",
        format!("messages may be at most {MAX_MESSAGE} bytes"),
    )
}

/// Whether a read failed because the message was over the size limit.
fn is_too_big(e: &axum::Error) -> bool {
    use std::error::Error as _;
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(err) = source {
        if let Some(tokio_tungstenite::tungstenite::Error::Capacity(_)) = err.downcast_ref() {
            return true;
        }
        source = err.source();
    }
    false
}

async fn player_loop(
    conn: &mut Conn,
    room: &Arc<Room>,
    id: u32,
    mut rx: broadcast::Receiver<Event>,
    mut replaced: oneshot::Receiver<()>,
) -> End {
    let mut pending: Option<Pending> = None;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    loop {
        tokio::select! {
            // In this order: a player's own ack before a room event (when
            // both are ready, the ack goes out first), and room events
            // before the socket: when a broadcast
            // wakes this task, the socket's read side is not tried for
            // nothing (tungstenite zeroes its read buffer on every attempt);
            // at 10,000 sockets that is 10,000 fewer reads per question.
            biased;
            _ = &mut replaced => return End::Replaced,
            (q, result) = async { pending.as_mut().expect("guarded").await }, if pending.is_some() => {
                pending = None;
                let msg = match result {
                    Ok(time_ms) => ServerMsg::Ack { q, time_ms },
                    Err(e) => ServerMsg::error(e.code(), e.to_string()),
                };
                if !conn.send_msg(&msg).await { return End::Gone; }
            }
            ev = rx.recv() => {
                let ok = match ev {
                    Ok(Event::Public(m)) => conn.send(m).await,
                    Ok(Event::Reveal { q, msg }) => {
                        conn.send(msg).await && conn.send(room.result_for(id, q)).await
                    }
                    Ok(Event::Ended(msg)) => conn.send(msg).await && conn.send(room.final_for(id)).await,
                    Ok(Event::Kick(who)) if who == id => {
                        conn.send_msg(&ServerMsg::Kicked {
                            message: RoomError::Kicked.to_string(),
                        })
                        .await;
                        return End::Gone;
                    }
                    Ok(Event::Kick(_)) => true,
                    // Fell behind: the current state replaces what was missed.
                    Err(broadcast::error::RecvError::Lagged(_)) => conn.send_all(room.resync_player(id)).await,
                    Err(broadcast::error::RecvError::Closed) => return End::Gone,
                };
                if !ok { return End::Gone; }
            }
            msg = conn.socket.recv() => {
                match conn.read(msg) {
                    Ok(Some(ClientMsg::Answer { q, answer })) => {
                        if pending.is_some() {
                            // One answer in flight per player; the first decides.
                            let e = RoomError::AlreadyAnswered;
                            if !conn.send_msg(&ServerMsg::error(e.code(), e.to_string())).await { return End::Gone; }
                            continue;
                        }
                        let room = room.clone();
                        pending = Some(Box::pin(async move {
                            let r = room.answer(id, q, &answer).await;
                            (q, r)
                        }));
                    }
                    Ok(Some(ClientMsg::Ping {})) => {
                        if !conn.send_msg(&ServerMsg::Pong).await { return End::Gone; }
                    }
                    Ok(Some(ClientMsg::Hello { .. })) => {
                        if !conn.send_all(room.resync_player(id)).await { return End::Gone; }
                    }
                    Ok(Some(_)) => {
                        if !conn.send_msg(&ServerMsg::error("not_host", "only the host may do this")).await { return End::Gone; }
                    }
                    Ok(None) => {}
                    Err(Read::Bad(e)) => {
                        if !conn.send_msg(&e).await { return End::Gone; }
                    }
                    Err(Read::End(end)) => return end,
                }
            }
            _ = ping.tick() => {
                if conn.last_seen.elapsed() > IDLE_LIMIT {
                    return End::Gone;
                }
                if conn.socket.send(Message::Ping(Default::default())).await.is_err() { return End::Gone; }
            }
        }
    }
}

type ActionDone = Result<(), RoomError>;

async fn host_session(socket: WebSocket, room: Arc<Room>, by_cookie: bool, pass: Pass) {
    let mut conn = Conn {
        socket,
        last_seen: Instant::now(),
    };
    let greeted = pass.greet(hello(&mut conn)).await;
    let secret = match greeted.unwrap_or(Err(End::Refused("hello expected"))) {
        Ok(ClientMsg::Hello { secret, .. }) => secret,
        Ok(_) => unreachable!("hello returns only hellos"),
        Err(end) => return end.close(conn).await,
    };
    let authorized = match secret.as_deref() {
        Some(s) => ct_eq(&sha256(s), room.host_hash()),
        None => by_cookie,
    };
    if !authorized {
        conn.send_msg(&ServerMsg::error(
            "not_host",
            "this host link is not valid for this room",
        ))
        .await;
        return conn.close(1008, "not the host").await;
    }
    // Read before the snapshot: a change that lands while the snapshot is
    // being sent then still differs from `seen` at the next tick.
    let mut seen = room.version();
    let (snapshot, mut rx) = room.attach_host();
    let mut cursor = snapshot.cursor;
    // The progress line last sent: an identical one is never sent again.
    let mut progress = snapshot.progress.clone();
    if !conn.send_all(snapshot.msgs).await {
        return;
    }
    let (done_tx, mut done_rx) = mpsc::channel::<ActionDone>(8);
    let mut tick = tokio::time::interval(HOST_TICK);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let end = loop {
        tokio::select! {
            msg = conn.socket.recv() => {
                let action = match conn.read(msg) {
                    Ok(Some(m)) => m,
                    Ok(None) => continue,
                    Err(Read::Bad(e)) => {
                        if !conn.send_msg(&e).await { break End::Gone; }
                        continue;
                    }
                    Err(Read::End(end)) => break end,
                };
                let room = room.clone();
                let done = done_tx.clone();
                // Actions run on their own task: a reveal waits for answers
                // being written, and this socket keeps serving meanwhile.
                let run = |f: BoxFuture<'static, ActionDone>| {
                    tokio::spawn(async move {
                        let _ = done.send(f.await).await;
                    });
                };
                match action {
                    ClientMsg::Next { seq } => run(Box::pin(async move { room.next(seq).await })),
                    ClientMsg::Reveal { seq } => run(Box::pin(async move { room.reveal(seq).await })),
                    ClientMsg::End { seq } => run(Box::pin(async move { room.end(seq).await })),
                    ClientMsg::Kick { player } => run(Box::pin(async move { room.kick(player).await })),
                    ClientMsg::Ping {} => {
                        if !conn.send_msg(&ServerMsg::Pong).await { break End::Gone; }
                    }
                    ClientMsg::Hello { .. } => {
                        let snap = room.resync_host();
                        cursor = snap.cursor;
                        progress = snap.progress.clone();
                        if !conn.send_all(snap.msgs).await { break End::Gone; }
                    }
                    ClientMsg::Answer { .. } => {
                        if !conn.send_msg(&ServerMsg::error("not_player", "the host does not answer")).await { break End::Gone; }
                    }
                }
            }
            Some(done) = done_rx.recv() => {
                if let Err(e) = done {
                    // A stale action is a double click or a race with the
                    // timer; the screen is already right.
                    if e != RoomError::Stale
                        && !conn.send_msg(&ServerMsg::error(e.code(), e.to_string())).await
                    {
                        break End::Gone;
                    }
                }
            }
            ev = rx.recv() => {
                let ok = match ev {
                    Ok(Event::Public(m)) | Ok(Event::Reveal { msg: m, .. }) | Ok(Event::Ended(m)) => conn.send(m).await,
                    Ok(Event::Kick(_)) => true,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let snap = room.resync_host();
                        cursor = snap.cursor;
                        progress = snap.progress.clone();
                        conn.send_all(snap.msgs).await
                    }
                    Err(broadcast::error::RecvError::Closed) => false,
                };
                if !ok { break End::Gone; }
            }
            _ = tick.tick() => {
                let v = room.version();
                if v != seen {
                    seen = v;
                    if let Some((msg, c)) = room.roster_since(cursor) {
                        cursor = c;
                        if !conn.send(msg).await { break End::Gone; }
                    }
                    let now = room.progress();
                    if now != progress {
                        progress = now.clone();
                        if !conn.send(now).await { break End::Gone; }
                    }
                }
            }
            _ = ping.tick() => {
                if conn.last_seen.elapsed() > IDLE_LIMIT {
                    break End::Gone;
                }
                if conn.socket.send(Message::Ping(Default::default())).await.is_err() { break End::Gone; }
            }
        }
    };
    end.close(conn).await;
}
