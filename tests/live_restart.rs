//! Kill -9 in the middle of a question, restart on the same data: the room
//! resumes, no acknowledged answer is lost, and clients come back with their
//! tokens. Runs the real binary.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use quizline::live::RoomOptions;
use quizline::live::http::{CreateRequest, CreateResponse, JoinResponse};
use quizline::live::keys::KeyEntry;
use quizline::live::protocol::{ClientMsg, ServerMsg};

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;

use client::{Base, Client, Socket};

struct Running {
    child: Child,
    addr: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &std::path::Path, addr: &str) -> Running {
    let set = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live-choice.ron");
    // The port of the first run may be taken for a moment after the kill.
    for _ in 0..50 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quizline"))
            .args(["serve", "--addr", addr, "--data"])
            .arg(data)
            .arg("--questions")
            .arg(&set)
            .env("QUIZLINE_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the quizline binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        if let Some(rest) = line
            .trim()
            .strip_prefix("quizline: serving 1 question set(s) on http://")
        {
            return Running {
                child,
                addr: rest.trim_end_matches('/').to_string(),
            };
        }
        let _ = child.kill();
        let _ = child.wait();
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not start on {addr}");
}

async fn expect(socket: &mut Socket, what: &str, pred: impl Fn(&ServerMsg) -> bool) -> ServerMsg {
    let wait = async {
        loop {
            match client::recv(socket).await {
                Ok(Some(m)) if pred(&m) => return m,
                Ok(Some(_)) => continue,
                other => panic!("socket ended while waiting for {what}: {other:?}"),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), wait)
        .await
        .unwrap_or_else(|_| panic!("no {what} within 15 s"))
}

async fn player_socket(c: &Client, code: &str, token: &str) -> Socket {
    // As the page does: try again until the server is back.
    for _ in 0..100 {
        if let Ok(mut s) = c.socket(code, "play").await {
            client::send(
                &mut s,
                &ClientMsg::Hello {
                    token: Some(token.into()),
                    secret: None,
                },
            )
            .await
            .unwrap();
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not reconnect");
}

async fn host_socket(c: &Client, code: &str, secret: &str) -> Socket {
    let mut s = c.socket(code, "host").await.unwrap();
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

async fn setup(
    c: &Client,
    time: u32,
    players: usize,
) -> (CreateResponse, Vec<KeyEntry>, Vec<(String, Socket)>, Socket) {
    let r = c
        .post_json(
            "/api/rooms",
            None,
            &CreateRequest {
                set: "live-choice".into(),
                options: RoomOptions {
                    count: None,
                    time_limit_s: Some(time),
                    seed: Some(11),
                    ..RoomOptions::default()
                },
            },
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    let room: CreateResponse = r.json().unwrap();
    let key: Vec<KeyEntry> = c
        .get(
            &format!("/api/rooms/{}/key", room.code),
            Some(&room.host_secret),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    let mut ps = Vec::new();
    for i in 0..players {
        let j: JoinResponse = c
            .post_json(
                &format!("/api/rooms/{}/join", room.code),
                None,
                &serde_json::json!({ "nickname": format!("P{i}") }),
            )
            .await
            .unwrap()
            .json()
            .unwrap();
        let mut s = player_socket(c, &room.code, &j.token).await;
        expect(&mut s, "lobby", |m| matches!(m, ServerMsg::Lobby { .. })).await;
        ps.push((j.token, s));
    }
    let mut host = host_socket(c, &room.code, &room.host_secret).await;
    expect(&mut host, "lobby", |m| matches!(m, ServerMsg::Lobby { .. })).await;
    client::send(&mut host, &ClientMsg::Next { seq: 0 })
        .await
        .unwrap();
    for (_, s) in ps.iter_mut() {
        expect(s, "question", |m| {
            matches!(m, ServerMsg::Question { q: 0, .. })
        })
        .await;
    }
    (room, key, ps, host)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_question_then_restart_loses_no_acknowledged_answer() {
    let data = tempfile::tempdir().unwrap();
    let mut server = serve(data.path(), "127.0.0.1:0");
    let addr = server.addr.clone();
    let c = Client::new(Base::parse(&format!("http://{addr}")).unwrap());
    let (room, key, mut ps, _host) = setup(&c, 60, 5).await;
    let code = room.code.clone();

    // Three answers acknowledged before the crash, with the server's times.
    let mut acked = Vec::new();
    for (_, s) in ps.iter_mut().take(3) {
        client::send(
            s,
            &ClientMsg::Answer {
                q: 0,
                answer: key[0].correct.clone(),
            },
        )
        .await
        .unwrap();
        let ack = expect(s, "ack", |m| matches!(m, ServerMsg::Ack { .. })).await;
        let ServerMsg::Ack { time_ms, .. } = ack else {
            unreachable!()
        };
        acked.push(time_ms);
    }
    // kill -9: no shutdown, no flush beyond what was committed.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let _server = serve(data.path(), &addr);
    // Every client comes back with its token and finds the same question.
    let mut back = Vec::new();
    for (i, (token, _)) in ps.iter().enumerate() {
        let mut s = player_socket(&c, &code, token).await;
        let w = expect(&mut s, "welcome", |m| {
            matches!(m, ServerMsg::Welcome { .. })
        })
        .await;
        assert!(
            matches!(w, ServerMsg::Welcome { you: Some(ref me), .. } if me.nickname == format!("P{i}"))
        );
        let q = expect(&mut s, "question", |m| {
            matches!(m, ServerMsg::Question { .. })
        })
        .await;
        let ServerMsg::Question {
            q: 0,
            answered: Some(answered),
            remaining_ms: Some(left),
            ..
        } = q
        else {
            panic!("{q:?}")
        };
        assert_eq!(
            answered,
            i < 3,
            "player {i}: acknowledged answers survive, others may answer"
        );
        assert!(left > 0 && left <= 60_000, "{left}");
        back.push(s);
    }
    // The two who had not answered still can; the others cannot again.
    client::send(
        &mut back[0],
        &ClientMsg::Answer {
            q: 0,
            answer: key[0].wrong.clone(),
        },
    )
    .await
    .unwrap();
    let e = expect(&mut back[0], "error", |m| {
        matches!(m, ServerMsg::Error { .. })
    })
    .await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "already_answered"));
    client::send(
        &mut back[3],
        &ClientMsg::Answer {
            q: 0,
            answer: key[0].correct.clone(),
        },
    )
    .await
    .unwrap();
    expect(&mut back[3], "ack", |m| matches!(m, ServerMsg::Ack { .. })).await;
    client::send(
        &mut back[4],
        &ClientMsg::Answer {
            q: 0,
            answer: key[0].wrong.clone(),
        },
    )
    .await
    .unwrap();
    expect(&mut back[4], "ack", |m| matches!(m, ServerMsg::Ack { .. })).await;

    // Everyone answered: the question closes; the results keep the times
    // acknowledged before the crash.
    for (i, s) in back.iter_mut().enumerate() {
        let r = expect(s, "result", |m| matches!(m, ServerMsg::Result { .. })).await;
        let ServerMsg::Result {
            verdict,
            time_ms,
            points,
            ..
        } = r
        else {
            unreachable!()
        };
        if i < 3 {
            assert_eq!(verdict, "correct");
            assert_eq!(time_ms, Some(acked[i]));
            assert!(points >= 500);
        } else if i == 3 {
            assert_eq!(verdict, "correct");
        } else {
            assert_eq!(verdict, "incorrect");
        }
    }
    // The host comes back too and finishes the game; the CSV holds it all.
    let mut host = host_socket(&c, &code, &room.host_secret).await;
    let reveal = expect(&mut host, "reveal", |m| {
        matches!(m, ServerMsg::Reveal { .. })
    })
    .await;
    let ServerMsg::Reveal {
        answered: 5, seq, ..
    } = reveal
    else {
        panic!("{reveal:?}")
    };
    client::send(&mut host, &ClientMsg::End { seq })
        .await
        .unwrap();
    expect(&mut host, "ended", |m| matches!(m, ServerMsg::Ended { .. })).await;
    let csv = c
        .get(
            &format!("/api/rooms/{code}/results.csv"),
            Some(&room.host_secret),
        )
        .await
        .unwrap()
        .text();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 5);
    let body = rows.join("\n");
    assert_eq!(body.matches(",correct,").count(), 4, "{csv}");
    assert_eq!(body.matches(",incorrect,").count(), 1, "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_whose_time_ran_out_while_down_reopens_briefly_then_closes() {
    let data = tempfile::tempdir().unwrap();
    let mut server = serve(data.path(), "127.0.0.1:0");
    let addr = server.addr.clone();
    let c = Client::new(Base::parse(&format!("http://{addr}")).unwrap());
    let (room, key, mut ps, _host) = setup(&c, 5, 2).await;
    client::send(
        &mut ps[0].1,
        &ClientMsg::Answer {
            q: 0,
            answer: key[0].correct.clone(),
        },
    )
    .await
    .unwrap();
    expect(&mut ps[0].1, "ack", |m| matches!(m, ServerMsg::Ack { .. })).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    // Down for longer than the question had left.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let _server = serve(data.path(), &addr);
    let mut s = player_socket(&c, &room.code, &ps[1].0).await;
    let q = expect(&mut s, "question", |m| {
        matches!(m, ServerMsg::Question { .. })
    })
    .await;
    let ServerMsg::Question {
        answered: Some(false),
        remaining_ms: Some(left),
        ..
    } = q
    else {
        panic!("{q:?}")
    };
    assert!((1..=5_000).contains(&left), "a short grace: {left}");
    // The server's timer closes it again without anyone acting.
    expect(&mut s, "closed", |m| {
        matches!(m, ServerMsg::Closed { q: 0, .. })
    })
    .await;
    let r = expect(&mut s, "result", |m| matches!(m, ServerMsg::Result { .. })).await;
    assert!(matches!(r, ServerMsg::Result { ref verdict, .. } if verdict == "none"));
}
