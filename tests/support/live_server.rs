//! The live tests' server and clients: a real server on port 0 in the test
//! process, and a host and players that speak HTTP and WebSocket to it as
//! the pages and `quizline bots` do. Included by `tests/live*.rs` with
//! `#[path]`, next to `support/socket.rs` and the binary's client.

#![allow(dead_code)]

use std::path::PathBuf;

use quizline::live::http::{CreateRequest, CreateResponse, JoinResponse};
use quizline::live::keys::KeyEntry;
use quizline::live::protocol::{ClientMsg, ServerMsg};
use quizline::live::{Live, LiveConfig, RoomOptions};
use quizline::server::{self, ServerConfig};
use tokio::sync::oneshot;

use crate::client::{Base, Client, HttpReply};
use crate::socket::{Inbox, is};

pub struct Server {
    pub client: Client,
    pub live: Live,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

pub fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    vec![dir.join("live-mixed.ron"), dir.join("live-choice.ron")]
}

pub async fn start(config: LiveConfig) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (state, skipped) = server::open(&ServerConfig {
        questions: fixtures(),
        data_dir: dir.path().to_path_buf(),
        live: config,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let live = state.live.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, state, async {
        let _ = stopped.await;
    }));
    Server {
        client: Client::new(Base::parse(&format!("http://{addr}")).unwrap()),
        live,
        _dir: dir,
        _stop: stop,
    }
}

impl Server {
    pub async fn create(&self, set: &str, options: RoomOptions) -> CreateResponse {
        let r = self
            .client
            .post_json(
                "/api/rooms",
                None,
                &CreateRequest {
                    set: set.into(),
                    options,
                },
            )
            .await
            .unwrap();
        assert_eq!(r.status, 201, "{}", r.text());
        r.json().unwrap()
    }

    pub async fn join(&self, code: &str, nickname: &str) -> HttpReply {
        self.client
            .post_json(
                &format!("/api/rooms/{code}/join"),
                None,
                &serde_json::json!({ "nickname": nickname }),
            )
            .await
            .unwrap()
    }

    pub async fn player(&self, code: &str, nickname: &str) -> Player {
        let r = self.join(code, nickname).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let j: JoinResponse = r.json().unwrap();
        let mut p = Player {
            socket: self.socket(code, "play").await,
            token: j.token,
            nickname: j.nickname,
        };
        p.hello().await;
        p
    }

    pub async fn reconnect(&self, code: &str, p: &mut Player) {
        p.socket = self.socket(code, "play").await;
        p.hello().await;
    }

    pub async fn host(&self, code: &str, secret: &str) -> Inbox {
        let mut s = self.socket(code, "host").await;
        s.send(&ClientMsg::Hello {
            token: None,
            secret: Some(secret.into()),
        })
        .await;
        s
    }

    pub async fn socket(&self, code: &str, role: &str) -> Inbox {
        Inbox::new(self.client.socket(code, role).await.unwrap())
    }

    pub async fn key(&self, code: &str, secret: &str) -> Vec<KeyEntry> {
        let r = self
            .client
            .get(&format!("/api/rooms/{code}/key"), Some(secret))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        r.json().unwrap()
    }
}

pub struct Player {
    pub socket: Inbox,
    pub token: String,
    pub nickname: String,
}

impl Player {
    pub async fn hello(&mut self) {
        self.socket
            .send(&ClientMsg::Hello {
                token: Some(self.token.clone()),
                secret: None,
            })
            .await;
    }

    pub async fn answer(&mut self, q: usize, answer: &str) {
        self.socket
            .send(&ClientMsg::Answer {
                q,
                answer: answer.into(),
            })
            .await;
    }
}

pub fn seq_of(m: &ServerMsg) -> u64 {
    match m {
        ServerMsg::Lobby { seq }
        | ServerMsg::Question { seq, .. }
        | ServerMsg::Reveal { seq, .. }
        | ServerMsg::Leaderboard { seq, .. }
        | ServerMsg::Ended { seq, .. } => *seq,
        other => panic!("no seq in {other:?}"),
    }
}

pub async fn host_send(host: &mut Inbox, msg: ClientMsg) {
    host.send(&msg).await;
}

/// No `progress` line is sent twice in a row: the host hears only changes.
pub fn assert_no_repeated_progress(host: &Inbox) {
    let progress: Vec<&ServerMsg> = host.all().filter(|m| is("progress")(m)).collect();
    assert!(!progress.is_empty());
    for pair in progress.windows(2) {
        assert_ne!(pair[0], pair[1], "the same progress was sent twice");
    }
}

/// A results CSV: its header and rows, read by a real CSV parser (quoted
/// fields, doubled quotes, CRLF) after the byte-order mark.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = text
        .strip_prefix('\u{feff}')
        .expect("the CSV starts with a byte-order mark");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// A small room with a host and three players on the choice-only set.
pub async fn small_room(
    server: &Server,
    options: RoomOptions,
) -> (CreateResponse, Inbox, Vec<Player>) {
    let room = server.create("live-choice", options).await;
    let mut host = server.host(&room.code, &room.host_secret).await;
    host.expect("lobby", is("lobby")).await;
    let mut players = Vec::new();
    for name in ["Ann", "Bob", "Cy"] {
        let mut p = server.player(&room.code, name).await;
        p.socket.expect("lobby", is("lobby")).await;
        players.push(p);
    }
    (room, host, players)
}

pub async fn start_game(host: &mut Inbox, players: &mut [Player]) -> u64 {
    host_send(host, ClientMsg::Next { seq: 0 }).await;
    let q = host.expect("question", is("question")).await;
    for p in players.iter_mut() {
        p.socket.expect("question", is("question")).await;
    }
    seq_of(&q)
}

pub fn choice_opts() -> RoomOptions {
    RoomOptions {
        count: None,
        time_limit_s: Some(60),
        seed: Some(3),
        ..RoomOptions::default()
    }
}
