//! Kill -9 in the middle of a question, restart on the same data: the room
//! resumes, no acknowledged answer is lost, and clients come back with their
//! tokens. Runs the real binary.

use std::time::Duration;

use quizline::live::RoomOptions;
use quizline::live::http::{CreateRequest, CreateResponse, JoinResponse};
use quizline::live::keys::KeyEntry;
use quizline::live::protocol::{ClientMsg, ServerMsg};

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;

use client::{Base, Client};

mod support;
use support::server::Server;
use support::socket::Inbox;

fn serve(data: &std::path::Path, addr: &str) -> Server {
    Server::serve_at(data, &[support::fixture("live-choice.ron")], addr)
}

async fn player_socket(c: &Client, code: &str, token: &str) -> Inbox {
    // As the page does: try again until the server is back.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        if let Ok(s) = c.socket(code, "play").await {
            let mut s = Inbox::new(s);
            s.send(&ClientMsg::Hello {
                token: Some(token.into()),
                secret: None,
            })
            .await;
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not reconnect");
}

async fn host_socket(c: &Client, code: &str, secret: &str) -> Inbox {
    let mut s = Inbox::new(c.socket(code, "host").await.unwrap());
    s.send(&ClientMsg::Hello {
        token: None,
        secret: Some(secret.into()),
    })
    .await;
    s
}

async fn setup(
    c: &Client,
    time: u32,
    players: usize,
) -> (CreateResponse, Vec<KeyEntry>, Vec<(String, Inbox)>, Inbox) {
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
        s.expect("lobby", |m| matches!(m, ServerMsg::Lobby { .. }))
            .await;
        ps.push((j.token, s));
    }
    let mut host = host_socket(c, &room.code, &room.host_secret).await;
    host.expect("lobby", |m| matches!(m, ServerMsg::Lobby { .. }))
        .await;
    host.send(&ClientMsg::Next { seq: 0 }).await;
    for (_, s) in ps.iter_mut() {
        s.expect("question", |m| {
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
        s.send(&ClientMsg::Answer {
            q: 0,
            answer: key[0].correct.clone(),
        })
        .await;
        let ack = s
            .expect("ack", |m| matches!(m, ServerMsg::Ack { .. }))
            .await;
        let ServerMsg::Ack { time_ms, .. } = ack else {
            unreachable!()
        };
        acked.push(time_ms);
    }
    // kill -9: no shutdown, no flush beyond what was committed.
    server.guard.kill();
    drop(server);

    let _server = serve(data.path(), &addr);
    // Every client comes back with its token and finds the same question.
    let mut back = Vec::new();
    for (i, (token, _)) in ps.iter().enumerate() {
        let mut s = player_socket(&c, &code, token).await;
        let w = s
            .expect("welcome", |m| matches!(m, ServerMsg::Welcome { .. }))
            .await;
        assert!(
            matches!(w, ServerMsg::Welcome { you: Some(ref me), .. } if me.nickname == format!("P{i}"))
        );
        let q = s
            .expect("question", |m| matches!(m, ServerMsg::Question { .. }))
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
    back[0]
        .send(&ClientMsg::Answer {
            q: 0,
            answer: key[0].wrong.clone(),
        })
        .await;
    let e = back[0]
        .expect("error", |m| matches!(m, ServerMsg::Error { .. }))
        .await;
    assert!(matches!(e, ServerMsg::Error { ref code, .. } if code == "already_answered"));
    back[3]
        .send(&ClientMsg::Answer {
            q: 0,
            answer: key[0].correct.clone(),
        })
        .await;
    back[3]
        .expect("ack", |m| matches!(m, ServerMsg::Ack { .. }))
        .await;
    back[4]
        .send(&ClientMsg::Answer {
            q: 0,
            answer: key[0].wrong.clone(),
        })
        .await;
    back[4]
        .expect("ack", |m| matches!(m, ServerMsg::Ack { .. }))
        .await;

    // Everyone answered: the question closes; the results keep the times
    // acknowledged before the crash.
    for (i, s) in back.iter_mut().enumerate() {
        let r = s
            .expect("result", |m| matches!(m, ServerMsg::Result { .. }))
            .await;
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
    let reveal = host
        .expect("reveal", |m| matches!(m, ServerMsg::Reveal { .. }))
        .await;
    let ServerMsg::Reveal {
        answered: 5, seq, ..
    } = reveal
    else {
        panic!("{reveal:?}")
    };
    host.send(&ClientMsg::End { seq }).await;
    host.expect("ended", |m| matches!(m, ServerMsg::Ended { .. }))
        .await;
    let csv = c
        .get(
            &format!("/api/rooms/{code}/results.csv"),
            Some(&room.host_secret),
        )
        .await
        .unwrap()
        .text();
    let mut reader = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (q1, status) = (column("q1 result"), column("status"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    // By nickname: what each player answered across the crash, and that
    // all five were there at the end.
    let mut results: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r[1].to_string(), r[q1].to_string()))
        .collect();
    results.sort();
    let want: Vec<(String, String)> = ["correct", "correct", "correct", "correct", "incorrect"]
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("P{i}"), v.to_string()))
        .collect();
    assert_eq!(results, want, "{csv}");
    assert!(rows.iter().all(|r| &r[status] == "finished"), "{csv}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_whose_time_ran_out_while_down_reopens_briefly_then_closes() {
    let data = tempfile::tempdir().unwrap();
    let mut server = serve(data.path(), "127.0.0.1:0");
    let addr = server.addr.clone();
    let c = Client::new(Base::parse(&format!("http://{addr}")).unwrap());
    let (room, key, mut ps, _host) = setup(&c, 5, 2).await;
    ps[0]
        .1
        .send(&ClientMsg::Answer {
            q: 0,
            answer: key[0].correct.clone(),
        })
        .await;
    ps[0]
        .1
        .expect("ack", |m| matches!(m, ServerMsg::Ack { .. }))
        .await;
    server.guard.kill();
    drop(server);
    // Down for longer than the question had left.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let _server = serve(data.path(), &addr);
    let mut s = player_socket(&c, &room.code, &ps[1].0).await;
    let q = s
        .expect("question", |m| matches!(m, ServerMsg::Question { .. }))
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
    s.expect("closed", |m| matches!(m, ServerMsg::Closed { q: 0, .. }))
        .await;
    let r = s
        .expect("result", |m| matches!(m, ServerMsg::Result { .. }))
        .await;
    assert!(matches!(r, ServerMsg::Result { ref verdict, .. } if verdict == "none"));
}
