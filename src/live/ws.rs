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
use tokio::sync::{broadcast, mpsc};

use super::greeting::Pass;
use super::http::{ApiError, ClientAddr, is_host, owner_cookie, same_origin, valid_code};
use super::protocol::{ClientMsg, ServerMsg};
use super::room::{Event, Room, RoomError};
use super::util::{ct_eq, sha256};
use crate::server::AppState;

/// Largest client message: answers and hellos are far smaller.
pub const MAX_MESSAGE: usize = 4 * 1024;
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
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
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

    /// The next text message, `Ok(None)` for other frames, `Err` when the
    /// socket is done.
    fn read(
        &mut self,
        msg: Option<Result<Message, axum::Error>>,
    ) -> Result<Option<ClientMsg>, Option<Box<ServerMsg>>> {
        match msg {
            None | Some(Err(_)) | Some(Ok(Message::Close(_))) => Err(None),
            Some(Ok(Message::Text(t))) => {
                self.last_seen = Instant::now();
                match serde_json::from_str::<ClientMsg>(&t) {
                    Ok(m) => Ok(Some(m)),
                    Err(e) => Err(Some(Box::new(ServerMsg::error(
                        "bad_message",
                        format!("message not understood: {e}"),
                    )))),
                }
            }
            Some(Ok(Message::Binary(_))) => Err(Some(Box::new(ServerMsg::error(
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

async fn hello(conn: &mut Conn) -> Option<ClientMsg> {
    loop {
        let msg = tokio::time::timeout(HELLO_TIMEOUT, conn.socket.recv())
            .await
            .ok()?;
        match conn.read(msg) {
            Ok(Some(m @ ClientMsg::Hello { .. })) => return Some(m),
            Ok(Some(_)) => {
                conn.send_msg(&ServerMsg::error("hello_first", "send hello first"))
                    .await;
                return None;
            }
            Ok(None) => continue,
            Err(Some(e)) => {
                conn.send_msg(&e).await;
                return None;
            }
            Err(None) => return None,
        }
    }
}

type Pending = BoxFuture<'static, (usize, Result<u64, RoomError>)>;

async fn player_session(socket: WebSocket, room: Arc<Room>, pass: Pass) {
    let mut conn = Conn {
        socket,
        last_seen: Instant::now(),
    };
    let Some(ClientMsg::Hello { token, .. }) = pass.greet(hello(&mut conn)).await else {
        return conn.close(1008, "hello expected").await;
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
    let (snapshot, rx) = match room.attach_player(id) {
        Ok(v) => v,
        Err(e) => {
            conn.send_msg(&ServerMsg::error(e.code(), e.to_string()))
                .await;
            return conn.close(1008, "not a player of this room").await;
        }
    };
    if conn.send_all(snapshot).await {
        player_loop(&mut conn, &room, id, rx).await;
    }
    room.detach_player();
    conn.close(1000, "bye").await;
}

async fn player_loop(
    conn: &mut Conn,
    room: &Arc<Room>,
    id: u32,
    mut rx: broadcast::Receiver<Event>,
) {
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
            (q, result) = async { pending.as_mut().expect("guarded").await }, if pending.is_some() => {
                pending = None;
                let msg = match result {
                    Ok(time_ms) => ServerMsg::Ack { q, time_ms },
                    Err(e) => ServerMsg::error(e.code(), e.to_string()),
                };
                if !conn.send_msg(&msg).await { return; }
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
                        return;
                    }
                    Ok(Event::Kick(_)) => true,
                    // Fell behind: the current state replaces what was missed.
                    Err(broadcast::error::RecvError::Lagged(_)) => conn.send_all(room.resync_player(id)).await,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                if !ok { return; }
            }
            msg = conn.socket.recv() => {
                match conn.read(msg) {
                    Ok(Some(ClientMsg::Answer { q, answer })) => {
                        if pending.is_some() {
                            // One answer in flight per player; the first decides.
                            let e = RoomError::AlreadyAnswered;
                            if !conn.send_msg(&ServerMsg::error(e.code(), e.to_string())).await { return; }
                            continue;
                        }
                        let room = room.clone();
                        pending = Some(Box::pin(async move {
                            let r = room.answer(id, q, &answer).await;
                            (q, r)
                        }));
                    }
                    Ok(Some(ClientMsg::Ping {})) => {
                        if !conn.send_msg(&ServerMsg::Pong).await { return; }
                    }
                    Ok(Some(ClientMsg::Hello { .. })) => {
                        if !conn.send_all(room.resync_player(id)).await { return; }
                    }
                    Ok(Some(_)) => {
                        if !conn.send_msg(&ServerMsg::error("not_host", "only the host may do this")).await { return; }
                    }
                    Ok(None) => {}
                    Err(Some(e)) => {
                        if !conn.send_msg(&e).await { return; }
                    }
                    Err(None) => return,
                }
            }
            _ = ping.tick() => {
                if conn.last_seen.elapsed() > IDLE_LIMIT {
                    return;
                }
                if conn.socket.send(Message::Ping(Default::default())).await.is_err() { return; }
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
    let Some(ClientMsg::Hello { secret, .. }) = pass.greet(hello(&mut conn)).await else {
        return conn.close(1008, "hello expected").await;
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
    let (snapshot, mut cursor, mut rx) = room.attach_host();
    if !conn.send_all(snapshot).await {
        return;
    }
    let (done_tx, mut done_rx) = mpsc::channel::<ActionDone>(8);
    let mut tick = tokio::time::interval(HOST_TICK);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let mut seen = room.version();
    loop {
        tokio::select! {
            msg = conn.socket.recv() => {
                let action = match conn.read(msg) {
                    Ok(Some(m)) => m,
                    Ok(None) => continue,
                    Err(Some(e)) => {
                        if !conn.send_msg(&e).await { break; }
                        continue;
                    }
                    Err(None) => break,
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
                        if !conn.send_msg(&ServerMsg::Pong).await { break; }
                    }
                    ClientMsg::Hello { .. } => {
                        let (msgs, c) = room.resync_host();
                        cursor = c;
                        if !conn.send_all(msgs).await { break; }
                    }
                    ClientMsg::Answer { .. } => {
                        if !conn.send_msg(&ServerMsg::error("not_player", "the host does not answer")).await { break; }
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
                        break;
                    }
                }
            }
            ev = rx.recv() => {
                let ok = match ev {
                    Ok(Event::Public(m)) | Ok(Event::Reveal { msg: m, .. }) | Ok(Event::Ended(m)) => conn.send(m).await,
                    Ok(Event::Kick(_)) => true,
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let (msgs, c) = room.resync_host();
                        cursor = c;
                        conn.send_all(msgs).await
                    }
                    Err(broadcast::error::RecvError::Closed) => false,
                };
                if !ok { break; }
            }
            _ = tick.tick() => {
                let v = room.version();
                if v != seen {
                    seen = v;
                    if let Some((msg, c)) = room.roster_since(cursor) {
                        cursor = c;
                        if !conn.send(msg).await { break; }
                    }
                    if !conn.send(room.progress()).await { break; }
                }
            }
            _ = ping.tick() => {
                if conn.last_seen.elapsed() > IDLE_LIMIT {
                    break;
                }
                if conn.socket.send(Message::Ping(Default::default())).await.is_err() { break; }
            }
        }
    }
    conn.close(1000, "bye").await;
}
