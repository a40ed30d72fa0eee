//! Live quizzes over the real protocol: a server on port 0 in this process,
//! a host and players speaking HTTP and WebSocket to it exactly as the pages
//! and `quizline bots` do.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

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

use client::{Base, Client, HttpReply};

#[path = "support/socket.rs"]
mod socket;
use socket::{Inbox, error, is};

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
            socket: self.socket(code, "play").await,
            token: j.token,
            nickname: j.nickname,
        };
        p.hello().await;
        p
    }

    async fn reconnect(&self, code: &str, p: &mut Player) {
        p.socket = self.socket(code, "play").await;
        p.hello().await;
    }

    async fn host(&self, code: &str, secret: &str) -> Inbox {
        let mut s = self.socket(code, "host").await;
        s.send(&ClientMsg::Hello {
            token: None,
            secret: Some(secret.into()),
        })
        .await;
        s
    }

    async fn socket(&self, code: &str, role: &str) -> Inbox {
        Inbox::new(self.client.socket(code, role).await.unwrap())
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
    socket: Inbox,
    token: String,
    nickname: String,
}

impl Player {
    async fn hello(&mut self) {
        self.socket
            .send(&ClientMsg::Hello {
                token: Some(self.token.clone()),
                secret: None,
            })
            .await;
    }

    async fn answer(&mut self, q: usize, answer: &str) {
        self.socket
            .send(&ClientMsg::Answer {
                q,
                answer: answer.into(),
            })
            .await;
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

async fn host_send(host: &mut Inbox, msg: ClientMsg) {
    host.send(&msg).await;
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
    let lobby = host.expect("lobby", is("lobby")).await;
    let mut players = Vec::new();
    for i in 0..n {
        players.push(server.player(&code, &format!("Player {i:02}")).await);
    }
    for p in &mut players {
        p.socket.expect("lobby", is("lobby")).await;
    }
    host.expect("all players", |m| {
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
        let question = host.expect("question", is("question")).await;
        let ServerMsg::Question { q: hq, kind, .. } = &question else {
            unreachable!()
        };
        assert_eq!(*hq, q);
        assert_eq!(kind, &k.kind);
        if kind == "true-false" {
            let ServerMsg::Question { options, .. } = &question else {
                unreachable!()
            };
            assert_eq!(options, &["True", "False"], "true/false lists its choices");
        }
        for (i, p) in players.iter_mut().enumerate() {
            let m = p.socket.expect("question", is("question")).await;
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
            let ack = p
                .socket
                .expect("ack", |m| {
                    matches!(m, ServerMsg::Ack { .. } | ServerMsg::Error { .. })
                })
                .await;
            assert!(
                matches!(ack, ServerMsg::Ack { q: aq, .. } if aq == q),
                "{ack:?}"
            );
        }
        // Everyone answered: the question closes by itself.
        let reveal = host.expect("reveal", is("reveal")).await;
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
            let r = p.socket.expect("result", is("result")).await;
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
            let lb = host.expect("leaderboard", is("leaderboard")).await;
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
    let ended = host.expect("ended", is("ended")).await;
    assert_no_repeated_progress(&host);
    let ServerMsg::Ended {
        top, players: np, ..
    } = &ended
    else {
        unreachable!()
    };
    assert_eq!(*np as usize, n);
    check_top(top, &players, &score);
    for (i, p) in players.iter_mut().enumerate() {
        let f = p.socket.expect("final", is("final")).await;
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
    let (header, rows) = parse_csv(&csv.text());
    assert_eq!(
        &header[..6],
        &["rank", "nickname", "score", "correct", "answered", "status"]
    );
    assert_eq!(header.len(), 6 + 4 * questions);
    assert_eq!(
        header[6..10],
        ["q1 answer", "q1 result", "q1 points", "q1 time (s)"]
    );
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
        assert_eq!(row[5], "finished", "everyone was there at the end");
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

/// No `progress` line is sent twice in a row: the host hears only changes.
fn assert_no_repeated_progress(host: &Inbox) {
    let progress: Vec<&ServerMsg> = host.all().filter(|m| is("progress")(m)).collect();
    assert!(!progress.is_empty());
    for pair in progress.windows(2) {
        assert_ne!(pair[0], pair[1], "the same progress was sent twice");
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

/// A results CSV: its header and rows, read by a real CSV parser (quoted
/// fields, doubled quotes, CRLF) after the byte-order mark.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
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
async fn small_room(server: &Server, options: RoomOptions) -> (CreateResponse, Inbox, Vec<Player>) {
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

async fn start_game(host: &mut Inbox, players: &mut [Player]) -> u64 {
    host_send(host, ClientMsg::Next { seq: 0 }).await;
    let q = host.expect("question", is("question")).await;
    for p in players.iter_mut() {
        p.socket.expect("question", is("question")).await;
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
    players[0].socket.expect("ack", is("ack")).await;
    players[0].socket.close().await;
    // Bob drops before answering.
    players[1].socket.close().await;

    let code = room.code.clone();
    server.reconnect(&code, &mut players[0]).await;
    let w = players[0].socket.expect("welcome", is("welcome")).await;
    let ServerMsg::Welcome { you: Some(me), .. } = w else {
        panic!("{w:?}")
    };
    assert_eq!(me.nickname, "Ann");
    let q = players[0].socket.expect("question", is("question")).await;
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
    let e = players[0].socket.expect("error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "already_answered"),
        "{e:?}"
    );

    server.reconnect(&code, &mut players[1]).await;
    let q = players[1].socket.expect("question", is("question")).await;
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
    players[1].socket.expect("ack", is("ack")).await;

    host_send(&mut host, ClientMsg::Reveal { seq }).await;
    let r = players[0].socket.expect("result", is("result")).await;
    let ServerMsg::Result { verdict, score, .. } = r else {
        unreachable!()
    };
    assert_eq!(verdict, "correct");
    assert!(score >= 500);
    // Reconnecting in the reveal brings back the score and the result.
    players[0].socket.close().await;
    server.reconnect(&code, &mut players[0]).await;
    let w = players[0].socket.expect("welcome", is("welcome")).await;
    assert!(matches!(w, ServerMsg::Welcome { you: Some(ref me), .. } if me.score == score));
    players[0].socket.expect("reveal", is("reveal")).await;
    let r2 = players[0].socket.expect("result", is("result")).await;
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
    let q = late.socket.expect("question", is("question")).await;
    assert!(matches!(
        q,
        ServerMsg::Question {
            q: 0,
            answered: Some(false),
            ..
        }
    ));
    late.answer(0, &key[0].correct).await;
    late.socket.expect("ack", is("ack")).await;
    let p = host2
        .expect("4 players", |m| {
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
    let a = players[0]
        .socket
        .expect("ack or error", |m| {
            matches!(m, ServerMsg::Ack { .. } | ServerMsg::Error { .. })
        })
        .await;
    let b = players[0]
        .socket
        .expect("ack or error", |m| {
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
    let e = players[0].socket.expect("error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "already_answered"));
    host_send(&mut host, ClientMsg::Reveal { seq }).await;
    let r = players[0].socket.expect("result", is("result")).await;
    assert!(
        matches!(r, ServerMsg::Result { ref verdict, points: 0, score: 0, .. } if verdict == "incorrect"),
        "{r:?}"
    );
    let reveal = host.expect("reveal", is("reveal")).await;
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
    let e = players[0].socket.expect("error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "not_open"),
        "{e:?}"
    );
    start_game(&mut host, &mut players).await;
    // A question not yet open.
    players[0].answer(1, &key[1].correct).await;
    let e = players[0].socket.expect("error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "not_open"),
        "{e:?}"
    );
    // The server's timer closes the question: answers after it are refused.
    let closed = players[1].socket.expect("closed", is("closed")).await;
    assert!(matches!(closed, ServerMsg::Closed { q: 0, .. }));
    players[1].answer(0, &key[0].correct).await;
    let e = players[1].socket.expect("error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "closed"),
        "{e:?}"
    );
    let r = players[1].socket.expect("result", is("result")).await;
    assert!(
        matches!(r, ServerMsg::Result { ref verdict, points: 0, .. } if verdict == "none"),
        "{r:?}"
    );
    let reveal = host.expect("reveal", is("reveal")).await;
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
    let e = fake.expect("error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "not_host"));
    fake.expect_end("a refused host is closed").await;
    // A host socket with no secret and no cookie too.
    let mut anon = server.socket(&code, "host").await;
    anon.send(&ClientMsg::Hello {
        token: None,
        secret: None,
    })
    .await;
    let e = anon.expect("error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "not_host"));

    // A player cannot act as the host.
    players[0].socket.send(&ClientMsg::Next { seq: 0 }).await;
    let e = players[0].socket.expect("error", is("error")).await;
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
        let mut s = server.socket(&code, "play").await;
        s.send(&ClientMsg::Hello {
            token: Some(bad.clone()),
            secret: None,
        })
        .await;
        let e = s.expect("error", is("error")).await;
        assert!(
            matches!(e, ServerMsg::Error { ref code, .. } if code == "bad_token"),
            "{bad}: {e:?}"
        );
    }

    // Kick: the player is told and cannot come back with the same token.
    let players_msg = host
        .expect("Cy among the players", |m| {
            matches!(m, ServerMsg::Players { added, .. } if added.iter().any(|p| p.nickname == "Cy"))
        })
        .await;
    let ServerMsg::Players { added, .. } = players_msg else {
        unreachable!()
    };
    let cy = added.iter().find(|p| p.nickname == "Cy").unwrap().id;
    host_send(&mut host, ClientMsg::Kick { player: cy }).await;
    let k = players[2].socket.expect("kicked", is("kicked")).await;
    assert!(matches!(k, ServerMsg::Kicked { .. }));
    let gone = host
        .expect(
            "removal",
            |m| matches!(m, ServerMsg::Players { removed, .. } if removed.contains(&cy)),
        )
        .await;
    assert!(matches!(gone, ServerMsg::Players { count: 2, .. }));
    let mut s = server.socket(&code, "play").await;
    s.send(&ClientMsg::Hello {
        token: Some(players[2].token.clone()),
        secret: None,
    })
    .await;
    let e = s.expect("error", is("error")).await;
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

    // A socket that sends more than 4 KiB in one message, even before
    // hello, is told why and closed with 1009 (message too big).
    let mut s = server.socket(&code, "play").await;
    let _ = s.send_raw(Message::text("x".repeat(5000))).await;
    s.expect("message_too_big", error("message_too_big")).await;
    assert_eq!(
        s.expect_end("after a too-big message").await.code,
        Some(1009)
    );
    // Garbage and a missing hello are refused with a message.
    let mut s = server.socket(&code, "play").await;
    s.send_raw(Message::text("{}")).await.unwrap();
    let e = s.expect("error", is("error")).await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "bad_message"));
    let mut s = server.socket(&code, "play").await;
    s.send(&ClientMsg::Answer {
        q: 0,
        answer: "a".into(),
    })
    .await;
    let e = s.expect("error", is("error")).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_are_of_stored_players_so_a_reset_lists_them_all() {
    let server = Arc::new(start(LiveConfig::default()).await);
    let room = server.create("live-choice", choice_opts()).await;
    let code = room.code.clone();
    // Forty joins in flight while hosts connect: each host's snapshot must
    // list exactly the players it counts, whatever is still being written.
    let joins: Vec<_> = (0..40)
        .map(|i| {
            let server = server.clone();
            let code = code.clone();
            tokio::spawn(async move { server.join(&code, &format!("J{i}")).await.status })
        })
        .collect();
    let mut hosts = Vec::new();
    for _ in 0..8 {
        hosts.push(server.host(&code, &room.host_secret).await);
    }
    for j in joins {
        assert_eq!(j.await.unwrap(), 201);
    }
    for host in &mut hosts {
        let reset = host
            .expect("the reset list", |m| {
                matches!(m, ServerMsg::Players { reset: true, .. })
            })
            .await;
        let ServerMsg::Players { added, count, .. } = reset else {
            unreachable!()
        };
        assert_eq!(added.len() as u32, count, "a reset is the whole list");
        let progress = host.expect("progress", is("progress")).await;
        assert!(
            matches!(progress, ServerMsg::Progress { players, .. } if players == count),
            "{progress:?} after {count} players"
        );
        // Later changes bring the count to all forty.
        if count < 40 {
            host.expect("all forty", |m| {
                matches!(m, ServerMsg::Players { count: 40, .. })
            })
            .await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_socket_replaces_the_first_and_connected_counts_players() {
    let server = start(LiveConfig::default()).await;
    let (room, mut host, mut players) = small_room(&server, choice_opts()).await;
    host.expect("three connected", |m| {
        matches!(
            m,
            ServerMsg::Progress {
                players: 3,
                connected: 3,
                ..
            }
        )
    })
    .await;
    // Ann opens the game again, three times over (a second tab, a reload).
    let mut old = std::mem::replace(
        &mut players[0].socket,
        server.socket(&room.code, "play").await,
    );
    for round in 0..3 {
        players[0].hello().await;
        players[0].socket.expect("welcome", is("welcome")).await;
        players[0].socket.expect("lobby", is("lobby")).await;
        old.expect("replaced", error("replaced")).await;
        assert_eq!(
            old.expect_end("the replaced socket").await.code,
            Some(4001),
            "round {round}"
        );
        old = std::mem::replace(
            &mut players[0].socket,
            server.socket(&room.code, "play").await,
        );
    }
    players[0].hello().await;
    players[0].socket.expect("welcome", is("welcome")).await;
    // The new socket is the one that plays.
    host_send(&mut host, ClientMsg::Next { seq: 0 }).await;
    players[0].socket.expect("question", is("question")).await;
    let key = server.key(&room.code, &room.host_secret).await;
    players[0].answer(0, &key[0].correct).await;
    players[0].socket.expect("ack", is("ack")).await;
    // A fourth player joins: the last change, after which nothing is pending.
    let _dee = server.player(&room.code, "Dee").await;
    host.expect("four connected", |m| {
        matches!(
            m,
            ServerMsg::Progress {
                players: 4,
                connected: 4,
                answered: 1,
                ..
            }
        )
    })
    .await;
    for m in host.all() {
        if let ServerMsg::Progress {
            players, connected, ..
        } = m
        {
            assert!(connected <= players, "sockets counted as players: {m:?}");
        }
    }
    assert_no_repeated_progress(&host);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_repeated_and_closed_answers_after_an_auto_close() {
    let server = start(LiveConfig::default()).await;
    let (room, mut host, mut players) = small_room(&server, choice_opts()).await;
    let key = server.key(&room.code, &room.host_secret).await;
    start_game(&mut host, &mut players).await;
    // No answer is not an answer: refused, never graded, and the player may
    // still answer.
    for blank in ["", "   "] {
        let mark = players[0].socket.mark();
        players[0].answer(0, blank).await;
        players[0]
            .socket
            .expect_newer(mark, "invalid_answer", error("invalid_answer"))
            .await;
    }
    for p in players.iter_mut() {
        p.answer(0, &key[0].correct).await;
        p.socket.expect("ack", is("ack")).await;
    }
    // Everyone answered: the question closes by itself and is revealed.
    players[0].socket.expect("closed", is("closed")).await;
    players[0].socket.expect("result", is("result")).await;
    // Answering again is a repeat, whether or not the question closed.
    let mark = players[0].socket.mark();
    players[0].answer(0, &key[0].wrong).await;
    let e = players[0]
        .socket
        .expect_newer(mark, "an error", is("error"))
        .await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "already_answered"),
        "{e:?}"
    );
    // Someone who never answered it is too late.
    let mut late = server.player(&room.code, "Late").await;
    late.socket.expect("reveal", is("reveal")).await;
    late.answer(0, &key[0].correct).await;
    let e = late.socket.expect("an error", is("error")).await;
    assert!(
        matches!(e, ServerMsg::Error { ref code, .. } if code == "closed"),
        "{e:?}"
    );
    let reveal = host.expect("reveal", is("reveal")).await;
    assert!(
        matches!(
            reveal,
            ServerMsg::Reveal {
                answered: 3,
                players: 3,
                ..
            }
        ),
        "{reveal:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_csv_says_who_finished_left_or_was_kicked() {
    let server = start(LiveConfig::default()).await;
    let (room, mut host, mut players) = small_room(&server, choice_opts()).await;
    let code = room.code.clone();
    let seq = start_game(&mut host, &mut players).await;
    let csv_now = || async {
        let r = server
            .client
            .get(
                &format!("/api/rooms/{code}/results.csv"),
                Some(&room.host_secret),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        let (header, rows) = parse_csv(&r.text());
        assert_eq!(header[5], "status");
        rows.into_iter()
            .map(|r| (r[1].clone(), r[5].clone()))
            .collect::<HashMap<String, String>>()
    };
    // Mid-game, everyone still in the room is playing.
    let during = csv_now().await;
    assert!(during.values().all(|s| s == "playing"), "{during:?}");
    // Bob is removed; Cy closes the page; Ann stays to the end.
    let bob = host
        .expect("Bob among the players", |m| {
            matches!(m, ServerMsg::Players { added, .. } if added.iter().any(|p| p.nickname == "Bob"))
        })
        .await;
    let ServerMsg::Players { added, .. } = bob else {
        unreachable!()
    };
    let bob = added.iter().find(|p| p.nickname == "Bob").unwrap().id;
    host_send(&mut host, ClientMsg::Kick { player: bob }).await;
    players[1].socket.expect("kicked", is("kicked")).await;
    players[2].socket.close().await;
    host.expect("only Ann connected", |m| {
        matches!(
            m,
            ServerMsg::Progress {
                players: 2,
                connected: 1,
                ..
            }
        )
    })
    .await;
    host_send(&mut host, ClientMsg::End { seq }).await;
    players[0].socket.expect("final", is("final")).await;
    let after = csv_now().await;
    let want: HashMap<String, String> = [("Ann", "finished"), ("Bob", "kicked"), ("Cy", "left")]
        .into_iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    assert_eq!(after, want);
}
