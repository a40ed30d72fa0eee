//! Live quizzes over the real protocol: a server on port 0 in this process,
//! a host and players speaking HTTP and WebSocket to it exactly as the pages
//! and `quizline bots` do.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::SinkExt;
use quizline::engine::{LivePolicy, SpeedRule, live_points};
use quizline::live::http::{CreateRequest, CreateResponse, JoinResponse};
use quizline::live::keys::KeyEntry;
use quizline::live::limit::Rate;
use quizline::live::protocol::{ClientMsg, Entry, ServerMsg};
use quizline::live::{LeaderboardMode, Live, LiveConfig, RoomOptions};
use quizline::server::{self, ServerConfig};
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message;

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;

use client::{Base, Client, HttpReply, Socket};

struct Server {
    client: Client,
    live: Live,
    _dir: tempfile::TempDir,
    _stop: oneshot::Sender<()>,
}

fn fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    vec![dir.join("live-mixed.ron"), dir.join("live-choice.ron")]
}

async fn start(config: LiveConfig) -> Server {
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
    async fn create(&self, set: &str, options: RoomOptions) -> CreateResponse {
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

    async fn join(&self, code: &str, nickname: &str) -> HttpReply {
        self.client
            .post_json(
                &format!("/api/rooms/{code}/join"),
                None,
                &serde_json::json!({ "nickname": nickname }),
            )
            .await
            .unwrap()
    }

    async fn player(&self, code: &str, nickname: &str) -> Player {
        let r = self.join(code, nickname).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let j: JoinResponse = r.json().unwrap();
        let mut p = Player {
            socket: self.client.socket(code, "play").await.unwrap(),
            token: j.token,
            nickname: j.nickname,
        };
        p.hello().await;
        p
    }

    async fn reconnect(&self, code: &str, p: &mut Player) {
        p.socket = self.client.socket(code, "play").await.unwrap();
        p.hello().await;
    }

    async fn host(&self, code: &str, secret: &str) -> Socket {
        let mut s = self.client.socket(code, "host").await.unwrap();
        client::send(
            &mut s,
            &ClientMsg::Hello {
                token: None,
                secret: Some(secret.into()),
            },
        )
        .await
        .unwrap();
        s
    }

    async fn key(&self, code: &str, secret: &str) -> Vec<KeyEntry> {
        let r = self
            .client
            .get(&format!("/api/rooms/{code}/key"), Some(secret))
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        r.json().unwrap()
    }
}

struct Player {
    socket: Socket,
    token: String,
    nickname: String,
}

impl Player {
    async fn hello(&mut self) {
        client::send(
            &mut self.socket,
            &ClientMsg::Hello {
                token: Some(self.token.clone()),
                secret: None,
            },
        )
        .await
        .unwrap();
    }

    async fn answer(&mut self, q: usize, answer: &str) {
        client::send(
            &mut self.socket,
            &ClientMsg::Answer {
                q,
                answer: answer.into(),
            },
        )
        .await
        .unwrap();
    }
}

/// Reads until a message matches, failing after 10 s of nothing matching.
async fn expect(socket: &mut Socket, what: &str, pred: impl Fn(&ServerMsg) -> bool) -> ServerMsg {
    let wait = async {
        loop {
            match client::recv(socket).await {
                Ok(Some(m)) if pred(&m) => return m,
                Ok(Some(_)) => continue,
                Ok(None) => panic!("socket closed while waiting for {what}"),
                Err(e) => panic!("socket error while waiting for {what}: {e}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("no {what} within 10 s"))
}

fn is<'a>(kind: &'a str) -> impl Fn(&ServerMsg) -> bool + 'a {
    move |m| {
        let name = serde_json::to_value(m).unwrap()["type"]
            .as_str()
            .unwrap()
            .to_string();
        name == kind
    }
}

fn seq_of(m: &ServerMsg) -> u64 {
    match m {
        ServerMsg::Lobby { seq }
        | ServerMsg::Question { seq, .. }
        | ServerMsg::Reveal { seq, .. }
        | ServerMsg::Leaderboard { seq, .. }
        | ServerMsg::Ended { seq, .. } => *seq,
        other => panic!("no seq in {other:?}"),
    }
}

async fn host_send(host: &mut Socket, msg: ClientMsg) {
    client::send(host, &msg).await.unwrap();
}

/// Which answer a player gives: wrong, right, or (on a multiple-select) half right.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Plan {
    Wrong,
    Right,
    Half,
}

fn plan(player: usize, q: usize, kind: &str) -> Plan {
    match (player + q) % 3 {
        0 => Plan::Wrong,
        1 => Plan::Right,
        _ if kind == "multi-select" => Plan::Half,
        _ => Plan::Right,
    }
}

fn half(correct: &str) -> String {
    correct.split_whitespace().next().unwrap().to_string()
}

/// A whole game with `n` players; every score, rank, leaderboard, podium
/// and CSV row checked against the engine's formula applied independently.
async fn whole_game(options: RoomOptions, n: usize) {
    let server = start(LiveConfig::default()).await;
    let policy = LivePolicy {
        speed: options.scoring,
        streak_bonus: options.streak_bonus,
        partial_credit: options.partial_credit,
    };
    let limit = options.limit_ms();
    let room = server.create("live-mixed", options.clone()).await;
    let code = room.code.clone();
    let key = server.key(&code, &room.host_secret).await;
    let points_of: HashMap<&str, u32> = [
        ("single-choice", 1),
        ("multi-select", 2),
        ("true-false", 1),
        ("numeric", 1),
        ("ordering", 2),
        ("before-after", 1),
        ("matching", 3),
        ("cloze", 1),
    ]
    .into();
    let mut host = server.host(&code, &room.host_secret).await;
    let lobby = expect(&mut host, "lobby", is("lobby")).await;
    let mut players = Vec::new();
    for i in 0..n {
        players.push(server.player(&code, &format!("Player {i:02}")).await);
    }
    for p in &mut players {
        expect(&mut p.socket, "lobby", is("lobby")).await;
    }
    expect(&mut host, "all players", |m| {
        matches!(m, ServerMsg::Players { count, .. } | ServerMsg::Progress { players: count, .. } if *count as usize == n)
    })
    .await;
    host_send(
        &mut host,
        ClientMsg::Next {
            seq: seq_of(&lobby),
        },
    )
    .await;

    let mut score = vec![0i64; n];
    let mut streak = vec![0u32; n];
    let mut got: Vec<Vec<(String, u32, f64)>> = vec![vec![]; n];
    let mut ranks: Vec<Option<u32>> = vec![None; n];
    let questions = key.len();
    for (q, k) in key.iter().enumerate() {
        let question = expect(&mut host, "question", is("question")).await;
        let ServerMsg::Question { q: hq, kind, .. } = &question else {
            unreachable!()
        };
        assert_eq!(*hq, q);
        assert_eq!(kind, &k.kind);
        for (i, p) in players.iter_mut().enumerate() {
            let m = expect(&mut p.socket, "question", is("question")).await;
            let text = serde_json::to_string(&m).unwrap();
            // Nothing of the answer reaches a player before the reveal.
            assert!(
                !text.contains("correct") && !text.contains("explanation"),
                "{text}"
            );
            let answer = match plan(i, q, kind) {
                Plan::Wrong => k.wrong.clone(),
                Plan::Right => k.correct.clone(),
                Plan::Half => half(&k.correct),
            };
            p.answer(q, &answer).await;
        }
        for p in players.iter_mut() {
            let ack = expect(&mut p.socket, "ack", |m| {
                matches!(m, ServerMsg::Ack { .. } | ServerMsg::Error { .. })
            })
            .await;
            assert!(
                matches!(ack, ServerMsg::Ack { q: aq, .. } if aq == q),
                "{ack:?}"
            );
        }
        // Everyone answered: the question closes by itself.
        let reveal = expect(&mut host, "reveal", is("reveal")).await;
        let ServerMsg::Reveal {
            answered,
            players: np,
            facility,
            distribution,
            explanation,
            seq,
            last,
            ..
        } = &reveal
        else {
            unreachable!()
        };
        assert_eq!(*answered as usize, n);
        assert_eq!(*np as usize, n);
        assert!(!explanation.is_empty());
        assert_eq!(*last, q + 1 == questions);
        let right = (0..n).filter(|i| plan(*i, q, kind) == Plan::Right).count();
        assert!((facility - right as f64 / n as f64).abs() < 1e-9);
        assert_eq!(distribution.last().unwrap().label, "No answer");
        assert_eq!(distribution.last().unwrap().count, 0);
        if kind == "single-choice" || kind == "before-after" || kind == "true-false" {
            let right_bar = distribution
                .iter()
                .find(|b| b.correct == Some(true))
                .unwrap();
            assert_eq!(right_bar.count as usize, right);
        }
        for (i, p) in players.iter_mut().enumerate() {
            let r = expect(&mut p.socket, "result", is("result")).await;
            let ServerMsg::Result {
                q: rq,
                verdict,
                points,
                score: s,
                streak: st,
                rank,
                time_ms,
                ..
            } = r
            else {
                unreachable!()
            };
            assert_eq!(rq, q);
            let credit = match plan(i, q, kind) {
                Plan::Wrong => 0.0,
                Plan::Right => 1.0,
                Plan::Half => 0.5,
            };
            let want = live_points(
                &policy,
                points_of[kind.as_str()],
                credit,
                time_ms.unwrap(),
                limit,
                streak[i],
            );
            assert_eq!(
                points, want,
                "player {i} question {q} ({kind}, credit {credit})"
            );
            score[i] += i64::from(want);
            streak[i] = if credit >= 1.0 { streak[i] + 1 } else { 0 };
            assert_eq!(s, score[i]);
            assert_eq!(st, streak[i]);
            let expected_verdict = match credit {
                c if c >= 1.0 => "correct",
                c if c > 0.0 => "partial",
                _ => "incorrect",
            };
            assert_eq!(verdict, expected_verdict);
            ranks[i] = rank;
            got[i].push((verdict, points, credit));
        }
        // Ranks after everyone's points for this question are in.
        for i in 0..n {
            let better = score.iter().filter(|x| **x > score[i]).count() as u32;
            match options.leaderboard {
                LeaderboardMode::Each => assert_eq!(ranks[i], Some(better + 1), "player {i}"),
                LeaderboardMode::End => assert_eq!(ranks[i], None),
            }
        }
        let next_seq = if q + 1 < questions && options.leaderboard == LeaderboardMode::Each {
            host_send(&mut host, ClientMsg::Next { seq: *seq }).await;
            let lb = expect(&mut host, "leaderboard", is("leaderboard")).await;
            let ServerMsg::Leaderboard { top, .. } = &lb else {
                unreachable!()
            };
            check_top(top, &players, &score);
            seq_of(&lb)
        } else {
            *seq
        };
        host_send(&mut host, ClientMsg::Next { seq: next_seq }).await;
    }
    let ended = expect(&mut host, "ended", is("ended")).await;
    let ServerMsg::Ended {
        top, players: np, ..
    } = &ended
    else {
        unreachable!()
    };
    assert_eq!(*np as usize, n);
    check_top(top, &players, &score);
    for (i, p) in players.iter_mut().enumerate() {
        let f = expect(&mut p.socket, "final", is("final")).await;
        let ServerMsg::Final { rank, score: s, .. } = f else {
            unreachable!()
        };
        assert_eq!(s, score[i]);
        let better = score.iter().filter(|x| **x > score[i]).count() as u32;
        assert_eq!(rank, Some(better + 1));
    }

    // The CSV: one row per player, each question's answer, result, points, time.
    let csv = server
        .client
        .get(
            &format!("/api/rooms/{code}/results.csv"),
            Some(&room.host_secret),
        )
        .await
        .unwrap();
    assert_eq!(csv.status, 200);
    assert!(
        csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = csv.text();
    let text = text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..6],
        &["rank", "nickname", "score", "correct", "answered", "status"]
    );
    assert_eq!(header.len(), 6 + 4 * questions);
    assert_eq!(
        header[6..10],
        ["q1 answer", "q1 result", "q1 points", "q1 time (s)"]
    );
    let rows: Vec<Vec<String>> = lines.map(split_csv).collect();
    assert_eq!(rows.len(), n);
    let mut last_score = i64::MAX;
    for row in &rows {
        let i = players.iter().position(|p| p.nickname == row[1]).unwrap();
        let s: i64 = row[2].parse().unwrap();
        assert_eq!(s, score[i]);
        assert!(s <= last_score, "rows are sorted by score");
        last_score = s;
        let better = score.iter().filter(|x| **x > score[i]).count();
        assert_eq!(row[0], (better + 1).to_string());
        assert_eq!(row[4], questions.to_string());
        for (q, (verdict, points, _)) in got[i].iter().enumerate() {
            let c = &row[6 + 4 * q..10 + 4 * q];
            assert!(!c[0].is_empty(), "the answer given is in the CSV");
            assert_eq!(&c[1], verdict);
            assert_eq!(c[2], points.to_string());
            let secs: f64 = c[3].parse().unwrap();
            assert!((0.0..30.0).contains(&secs));
        }
    }
    // And the statistics agree with the reveals.
    let stats = server
        .client
        .get(&format!("/api/rooms/{code}/stats"), Some(&room.host_secret))
        .await
        .unwrap();
    let stats: serde_json::Value = stats.json().unwrap();
    for (q, k) in key.iter().enumerate() {
        let right = (0..n)
            .filter(|i| plan(*i, q, &k.kind) == Plan::Right)
            .count();
        let s = &stats["questions"][q];
        assert_eq!(s["correct"].as_u64().unwrap() as usize, right);
        assert_eq!(s["answered"].as_u64().unwrap() as usize, n);
        assert!(s["mean_time_ms"].as_u64().is_some());
    }
}

fn check_top(top: &[Entry], players: &[Player], score: &[i64]) {
    let n = players.len();
    assert_eq!(top.len(), n.min(10));
    let mut sorted: Vec<i64> = score.to_vec();
    sorted.sort_by(|a, b| b.cmp(a));
    for (k, e) in top.iter().enumerate() {
        assert_eq!(e.score, sorted[k], "top {k}");
        let i = players
            .iter()
            .position(|p| p.nickname == e.nickname)
            .unwrap();
        assert_eq!(score[i], e.score);
        let better = score.iter().filter(|x| **x > e.score).count() as u32;
        assert_eq!(e.rank, better + 1);
    }
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn opts(scoring: SpeedRule, streak: bool, partial: bool) -> RoomOptions {
    RoomOptions {
        count: None,
        time_limit_s: Some(60),
        scoring,
        streak_bonus: streak,
        partial_credit: partial,
        seed: Some(7),
        ..RoomOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_game_kahoot_speed_with_streaks_and_partial_credit() {
    whole_game(opts(SpeedRule::Speed, true, true), 50).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_game_linear_decay_without_streaks() {
    whole_game(opts(SpeedRule::LinearDecay, false, true), 50).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_game_accuracy_only_without_partial_credit_leaderboard_at_end() {
    let mut o = opts(SpeedRule::AccuracyOnly, true, false);
    o.leaderboard = LeaderboardMode::End;
    whole_game(o, 50).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_game_untimed_host_paced() {
    let mut o = opts(SpeedRule::Speed, true, true);
    o.time_limit_s = None;
    whole_game(o, 50).await;
}

/// A small room with a host and three players on the choice-only set.
async fn small_room(
    server: &Server,
    options: RoomOptions,
) -> (CreateResponse, Socket, Vec<Player>) {
    let room = server.create("live-choice", options).await;
    let mut host = server.host(&room.code, &room.host_secret).await;
    expect(&mut host, "lobby", is("lobby")).await;
    let mut players = Vec::new();
    for name in ["Ann", "Bob", "Cy"] {
        let mut p = server.player(&room.code, name).await;
        expect(&mut p.socket, "lobby", is("lobby")).await;
        players.push(p);
    }
    (room, host, players)
}

async fn start_game(host: &mut Socket, players: &mut [Player]) -> u64 {
    host_send(host, ClientMsg::Next { seq: 0 }).await;
    let q = expect(host, "question", is("question")).await;
    for p in players.iter_mut() {
        expect(&mut p.socket, "question", is("question")).await;
    }
    seq_of(&q)
}

fn choice_opts() -> RoomOptions {
    RoomOptions {
        count: None,
        time_limit_s: Some(60),
        seed: Some(3),
        ..RoomOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnect_mid_question_keeps_nickname_score_and_question() {
    let server = start(LiveConfig::default()).await;
    let (room, mut host, mut players) = small_room(&server, choice_opts()).await;
    let key = server.key(&room.code, &room.host_secret).await;
    let seq = start_game(&mut host, &mut players).await;

    // Ann answers, is acknowledged, then loses her connection.
    players[0].answer(0, &key[0].correct).await;
    expect(&mut players[0].socket, "ack", is("ack")).await;
    players[0].socket.close(None).await.unwrap();
    // Bob drops before answering.
    players[1].socket.close(None).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let code = room.code.clone();
    server.reconnect(&code, &mut players[0]).await;
    let w = expect(&mut players[0].socket, "welcome", is("welcome")).await;
    let ServerMsg::Welcome { you: Some(me), .. } = w else {
        panic!("{w:?}")
    };
    assert_eq!(me.nickname, "Ann");
    let q = expect(&mut players[0].socket, "question", is("question")).await;
    let ServerMsg::Question {
        q: 0,
        answered: Some(true),
        remaining_ms: Some(left),
        ..
    } = q
    else {
        panic!("{q:?}")
    };
    assert!(left > 0 && left <= 60_000);
    // Her answer stands; a second one changes nothing.
    players[0].answer(0, &key[0].wrong).await;
    let e = expect(&mut players[0].socket, "error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "already_answered"),
        "{e:?}"
    );

    server.reconnect(&code, &mut players[1]).await;
    let q = expect(&mut players[1].socket, "question", is("question")).await;
    assert!(
        matches!(
            q,
            ServerMsg::Question {
                q: 0,
                answered: Some(false),
                ..
            }
        ),
        "{q:?}"
    );
    players[1].answer(0, &key[0].correct).await;
    expect(&mut players[1].socket, "ack", is("ack")).await;

    host_send(&mut host, ClientMsg::Reveal { seq }).await;
    let r = expect(&mut players[0].socket, "result", is("result")).await;
    let ServerMsg::Result { verdict, score, .. } = r else {
        unreachable!()
    };
    assert_eq!(verdict, "correct");
    assert!(score >= 500);
    // Reconnecting in the reveal brings back the score and the result.
    players[0].socket.close(None).await.unwrap();
    server.reconnect(&code, &mut players[0]).await;
    let w = expect(&mut players[0].socket, "welcome", is("welcome")).await;
    assert!(matches!(w, ServerMsg::Welcome { you: Some(ref me), .. } if me.score == score));
    expect(&mut players[0].socket, "reveal", is("reveal")).await;
    let r2 = expect(&mut players[0].socket, "result", is("result")).await;
    assert!(matches!(r2, ServerMsg::Result { score: s, .. } if s == score));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_join_locked_and_allowed() {
    let server = start(LiveConfig::default()).await;
    let mut locked = choice_opts();
    locked.late_join = false;
    let (room, mut host, mut players) = small_room(&server, locked).await;
    let info: serde_json::Value = server
        .client
        .get(&format!("/api/rooms/{}", room.code), None)
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(info["joinable"], true);
    start_game(&mut host, &mut players).await;
    let r = server.join(&room.code, "Late Lou").await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("late_join_locked"), "{}", r.text());
    assert!(r.error_message().contains("does not let players join late"));
    let info: serde_json::Value = server
        .client
        .get(&format!("/api/rooms/{}", room.code), None)
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(info["joinable"], false);

    let (room2, mut host2, mut players2) = small_room(&server, choice_opts()).await;
    start_game(&mut host2, &mut players2).await;
    let key = server.key(&room2.code, &room2.host_secret).await;
    let mut late = server.player(&room2.code, "Late Lou").await;
    // A late joiner lands on the open question and may answer it.
    let q = expect(&mut late.socket, "question", is("question")).await;
    assert!(matches!(
        q,
        ServerMsg::Question {
            q: 0,
            answered: Some(false),
            ..
        }
    ));
    late.answer(0, &key[0].correct).await;
    expect(&mut late.socket, "ack", is("ack")).await;
    let p = expect(&mut host2, "4 players", |m| {
        matches!(m, ServerMsg::Progress { players: 4, .. })
    })
    .await;
    assert!(matches!(p, ServerMsg::Progress { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_answers_change_nothing() {
    let server = start(LiveConfig::default()).await;
    let mut o = choice_opts();
    o.scoring = SpeedRule::AccuracyOnly;
    let (room, mut host, mut players) = small_room(&server, o).await;
    let key = server.key(&room.code, &room.host_secret).await;
    let seq = start_game(&mut host, &mut players).await;
    // Wrong first, right second, sent back to back: the first stands.
    players[0].answer(0, &key[0].wrong).await;
    players[0].answer(0, &key[0].correct).await;
    let a = expect(&mut players[0].socket, "ack or error", |m| {
        matches!(m, ServerMsg::Ack { .. } | ServerMsg::Error { .. })
    })
    .await;
    let b = expect(&mut players[0].socket, "ack or error", |m| {
        matches!(m, ServerMsg::Ack { .. } | ServerMsg::Error { .. })
    })
    .await;
    let codes: Vec<String> = [a, b]
        .iter()
        .map(|m| match m {
            ServerMsg::Ack { .. } => "ack".to_string(),
            ServerMsg::Error { code, .. } => code.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert!(
        codes.contains(&"ack".to_string()) && codes.contains(&"already_answered".to_string()),
        "{codes:?}"
    );
    // Even again, later.
    players[0].answer(0, &key[0].correct).await;
    let e = expect(&mut players[0].socket, "error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "already_answered"));
    host_send(&mut host, ClientMsg::Reveal { seq }).await;
    let r = expect(&mut players[0].socket, "result", is("result")).await;
    assert!(
        matches!(r, ServerMsg::Result { ref verdict, points: 0, score: 0, .. } if verdict == "incorrect"),
        "{r:?}"
    );
    let reveal = expect(&mut host, "reveal", is("reveal")).await;
    assert!(
        matches!(reveal, ServerMsg::Reveal { answered: 1, .. }),
        "counted once: {reveal:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_answers_are_refused() {
    let server = start(LiveConfig::default()).await;
    let mut o = choice_opts();
    o.time_limit_s = Some(5);
    let (room, mut host, mut players) = small_room(&server, o).await;
    let key = server.key(&room.code, &room.host_secret).await;
    // Before the game: no question is open.
    players[0].answer(0, &key[0].correct).await;
    let e = expect(&mut players[0].socket, "error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "not_open"),
        "{e:?}"
    );
    start_game(&mut host, &mut players).await;
    // A question not yet open.
    players[0].answer(1, &key[1].correct).await;
    let e = expect(&mut players[0].socket, "error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "not_open"),
        "{e:?}"
    );
    // The server's timer closes the question: answers after it are refused.
    let closed = expect(&mut players[1].socket, "closed", is("closed")).await;
    assert!(matches!(closed, ServerMsg::Closed { q: 0, .. }));
    players[1].answer(0, &key[0].correct).await;
    let e = expect(&mut players[1].socket, "error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "closed"),
        "{e:?}"
    );
    let r = expect(&mut players[1].socket, "result", is("result")).await;
    assert!(
        matches!(r, ServerMsg::Result { ref verdict, points: 0, .. } if verdict == "none"),
        "{r:?}"
    );
    let reveal = expect(&mut host, "reveal", is("reveal")).await;
    let ServerMsg::Reveal {
        answered,
        distribution,
        ..
    } = reveal
    else {
        unreachable!()
    };
    assert_eq!(answered, 0);
    assert_eq!(
        distribution.last().unwrap().count,
        3,
        "three without an answer"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_host_actions_and_stolen_tokens_are_refused() {
    let server = start(LiveConfig::default()).await;
    let (room, mut host, mut players) = small_room(&server, choice_opts()).await;
    let code = room.code.clone();

    // A host socket with a wrong secret is told so and closed.
    let mut fake = server.host(&code, &"0".repeat(64)).await;
    let e = expect(&mut fake, "error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "not_host"));
    assert!(matches!(client::recv(&mut fake).await, Ok(None) | Err(_)));
    // A host socket with no secret and no cookie too.
    let mut anon = server.client.socket(&code, "host").await.unwrap();
    client::send(
        &mut anon,
        &ClientMsg::Hello {
            token: None,
            secret: None,
        },
    )
    .await
    .unwrap();
    let e = expect(&mut anon, "error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "not_host"));

    // A player cannot act as the host.
    client::send(&mut players[0].socket, &ClientMsg::Next { seq: 0 })
        .await
        .unwrap();
    let e = expect(&mut players[0].socket, "error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "not_host"));
    let info: serde_json::Value = server
        .client
        .get(&format!("/api/rooms/{code}"), None)
        .await
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(info["phase"], "lobby", "nothing moved");

    // Host-only HTTP: no secret, a wrong one, a player's token.
    for bearer in [
        None,
        Some("nope".to_string()),
        Some(players[0].token.clone()),
    ] {
        for path in ["results.csv", "stats", "key"] {
            let r = server
                .client
                .get(&format!("/api/rooms/{code}/{path}"), bearer.as_deref())
                .await
                .unwrap();
            assert_eq!(r.status, 403, "{path} with {bearer:?}");
        }
    }
    let r = server
        .client
        .post_json(
            &format!("/api/rooms/{code}/claim"),
            None,
            &serde_json::json!({"secret": "x"}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 403);

    // A player acts only as themself: a token with another player's id fails.
    let (id, secret) = players[0].token.split_once('.').unwrap();
    let other = format!("{}.{secret}", id.parse::<u32>().unwrap() + 1);
    for bad in [
        other,
        format!("{id}.{}", "f".repeat(64)),
        "garbage".to_string(),
    ] {
        let mut s = server.client.socket(&code, "play").await.unwrap();
        client::send(
            &mut s,
            &ClientMsg::Hello {
                token: Some(bad.clone()),
                secret: None,
            },
        )
        .await
        .unwrap();
        let e = expect(&mut s, "error", is("error")).await;
        assert!(
            matches!(e, ServerMsg::Error { ref code, .. } if code == "bad_token"),
            "{bad}: {e:?}"
        );
    }

    // Kick: the player is told and cannot come back with the same token.
    let players_msg = expect(&mut host, "players", is("players")).await;
    let ServerMsg::Players { added, .. } = players_msg else {
        unreachable!()
    };
    let cy = added.iter().find(|p| p.nickname == "Cy").unwrap().id;
    host_send(&mut host, ClientMsg::Kick { player: cy }).await;
    let k = expect(&mut players[2].socket, "kicked", is("kicked")).await;
    assert!(matches!(k, ServerMsg::Kicked { .. }));
    let gone = expect(
        &mut host,
        "removal",
        |m| matches!(m, ServerMsg::Players { removed, .. } if removed.contains(&cy)),
    )
    .await;
    assert!(matches!(gone, ServerMsg::Players { count: 2, .. }));
    let mut s = server.client.socket(&code, "play").await.unwrap();
    client::send(
        &mut s,
        &ClientMsg::Hello {
            token: Some(players[2].token.clone()),
            secret: None,
        },
    )
    .await
    .unwrap();
    let e = expect(&mut s, "error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "kicked"),
        "{e:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_4xx_with_a_message() {
    let server = start(LiveConfig {
        limit_loopback: true,
        join_per_address: Rate::new(8, 0),
        ..LiveConfig::default()
    })
    .await;
    let mut o = choice_opts();
    o.max_players = 3;
    let room = server.create("live-choice", o).await;
    let code = room.code.clone();
    let cases: Vec<(serde_json::Value, u16, &str)> = vec![
        (
            serde_json::json!({"nickname": "x".repeat(25)}),
            400,
            "bad_nickname",
        ),
        (serde_json::json!({"nickname": "   "}), 400, "bad_nickname"),
        (serde_json::json!({"nick": "Ann"}), 400, "bad_request"),
    ];
    for (body, status, err) in cases {
        let r = server
            .client
            .post_json(&format!("/api/rooms/{code}/join"), None, &body)
            .await
            .unwrap();
        assert_eq!(r.status.as_u16(), status, "{body}: {}", r.text());
        assert!(r.text().contains(err), "{}", r.text());
        assert!(!r.error_message().is_empty());
    }
    assert_eq!(server.join(&code, "  Ann  ").await.status, 201);
    let r = server.join(&code, "ANN").await;
    assert_eq!(r.status, 409, "nicknames are unique whatever the case");
    assert!(r.error_message().contains("taken"));
    assert_eq!(server.join(&code, "<b>Bob</b>").await.status, 201);
    assert_eq!(server.join(&code, "Cy").await.status, 201);
    let r = server.join(&code, "Dee").await;
    assert_eq!(r.status, 409);
    assert!(r.text().contains("room_full"));
    // The per-address limit (loopback counted here): 8 at once, then 429.
    let r = server.join(&code, "Eve").await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.headers.contains_key("retry-after"));

    let r = server
        .client
        .post_json(
            "/api/rooms/12ab56/join",
            None,
            &serde_json::json!({"nickname": "A"}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let r = server.client.get("/api/rooms/999999", None).await.unwrap();
    assert!(r.status == 404 || r.status == 200);
    let r = server
        .client
        .request(
            hyper::Method::POST,
            "/api/rooms",
            None,
            Some(b"{not json".to_vec()),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let r = server
        .client
        .post_json("/api/rooms", None, &serde_json::json!({"set": "nope"}))
        .await
        .unwrap();
    assert_eq!(r.status, 404);
    let r = server
        .client
        .post_json(
            "/api/rooms",
            None,
            &serde_json::json!({"set": "live-choice", "options": {"time_limit_s": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    assert!(r.error_message().contains("time per question"));
    let r = server
        .client
        .post_json(
            "/api/rooms",
            None,
            &serde_json::json!({"set": "live-choice", "options": {"bogus": 1}}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 400);
    let r = server
        .client
        .request(
            hyper::Method::POST,
            &format!("/api/rooms/{code}/join"),
            None,
            Some(vec![b' '; 64 * 1024]),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 413, "bodies are small");

    // A socket that sends more than 4 KiB in one message is closed.
    let mut s = server.client.socket(&code, "play").await.unwrap();
    let _ = s.send(Message::text("x".repeat(5000))).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), client::recv(&mut s))
        .await
        .unwrap();
    assert!(matches!(closed, Ok(None) | Err(_)), "{closed:?}");
    // Garbage and a missing hello are refused with a message.
    let mut s = server.client.socket(&code, "play").await.unwrap();
    s.send(Message::text("{}")).await.unwrap();
    let e = expect(&mut s, "error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "bad_message"));
    let mut s = server.client.socket(&code, "play").await.unwrap();
    client::send(
        &mut s,
        &ClientMsg::Answer {
            q: 0,
            answer: "a".into(),
        },
    )
    .await
    .unwrap();
    let e = expect(&mut s, "error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "hello_first"));
    // A socket to a room that does not exist is refused before the upgrade.
    assert!(server.client.socket("999998", "play").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_escape_names_and_titles() {
    let server = start(LiveConfig::default()).await;
    let room = server.create("live-choice", choice_opts()).await;
    let code = room.code.clone();
    assert_eq!(server.join(&code, "<script>x</script>").await.status, 201);
    let host = server
        .client
        .get(&format!("/host/{code}"), None)
        .await
        .unwrap();
    assert_eq!(host.status, 200);
    let html = host.text();
    assert!(
        html.contains("capitals &#60;&#38; quotes &#34;&#62;"),
        "the set's title is escaped"
    );
    assert!(html.contains("<svg"), "the QR code is inline");
    assert!(
        host.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    let results = server
        .client
        .get(&format!("/host/{code}/results"), Some(&room.host_secret))
        .await
        .unwrap();
    assert_eq!(results.status, 200);
    let html = results.text();
    assert!(html.contains("&#60;script&#62;x&#60;/script&#62;"));
    assert!(!html.contains("<script>x"));
    let denied = server
        .client
        .get(&format!("/host/{code}/results"), None)
        .await
        .unwrap();
    assert_eq!(denied.status, 403);
    let play = server
        .client
        .get(&format!("/play/{code}"), None)
        .await
        .unwrap();
    assert!(play.text().contains(&format!("data-code=\"{code}\"")));
    let new = server.client.get("/host", None).await.unwrap();
    assert!(new.text().contains("live-mixed"));
    let js = server
        .client
        .get("/live/assets/play.js", None)
        .await
        .unwrap();
    assert_eq!(js.status, 200);
    let tpl = server
        .client
        .get("/live/assets/host.html", None)
        .await
        .unwrap();
    assert_eq!(tpl.status, 404, "templates are not served raw");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bots_play_a_whole_game_by_themselves() {
    let server = start(LiveConfig::default()).await;
    let mut o = choice_opts();
    o.time_limit_s = Some(20);
    let room = server.create("live-choice", o).await;
    // `quizline bots` as a teacher runs it, with its report as JSON.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_quizline"))
        .args([
            "bots",
            "--url",
            &server.client.base().http,
            "--code",
            &room.code,
        ])
        .args(["--count", "40", "--accuracy", "1", "--think-ms", "10..200"])
        .args(["--drive", "--timeout", "60", "--json"])
        .env("QUIZLINE_HOST_KEY", &room.host_secret)
        .output()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let count = |field: &str| {
        report[field]
            .as_u64()
            .unwrap_or_else(|| panic!("{field}: {text}"))
    };
    assert_eq!(count("joined"), 40, "{text}");
    assert_eq!(count("join_errors") + count("connect_errors"), 0, "{text}");
    assert_eq!(report["errors"], serde_json::json!({}), "{text}");
    assert_eq!(count("answers_acked"), 40 * 4, "{text}");
    assert_eq!(count("finished"), 40);
    assert_eq!(count("dropped_events") + count("duplicate_events"), 0);
    assert_eq!(count("questions_opened"), 4);
    assert_eq!(
        report["fanout"]["count"],
        40 * 4,
        "every bot saw every question live"
    );
    assert_eq!(report["ack"]["count"], 40 * 4);
    assert_eq!(report["timed_out"], false);
    // Accuracy 1: everyone is right every time.
    let stats: serde_json::Value = server
        .client
        .get(
            &format!("/api/rooms/{}/stats", room.code),
            Some(&room.host_secret),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    for q in stats["questions"].as_array().unwrap() {
        assert_eq!(q["correct"], 40);
    }
    let _ = Arc::new(server.live.room_count());
}
