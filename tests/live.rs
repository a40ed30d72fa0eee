//! Live quizzes over the real protocol: whole games checked against the
//! engine's scoring, reconnects, late joins and late or repeated answers.
//! The server and clients are in `support/live_server.rs`.

use std::collections::HashMap;

use quizline::engine::{LivePolicy, SpeedRule, live_points};
use quizline::live::protocol::{ClientMsg, Entry, ServerMsg};
use quizline::live::{LeaderboardMode, LiveConfig, RoomOptions};

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;
#[path = "support/live_server.rs"]
mod live_server;
#[path = "support/socket.rs"]
mod socket;

use live_server::*;
use socket::is;

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
    assert_eq!(server.live.room_count(), 1);
}
