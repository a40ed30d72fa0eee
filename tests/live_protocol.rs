//! The live protocol's edges over a real server: forged host actions and
//! stolen tokens, bad input, escaping, the counts a host sees, one socket
//! per player, refused answers and what the CSV says of each player.

use std::collections::HashMap;
use std::sync::Arc;

use quizline::live::LiveConfig;
use quizline::live::limit::Rate;
use quizline::live::protocol::{ClientMsg, ServerMsg};
use tokio_tungstenite::tungstenite::Message;

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;
#[path = "support/live_server.rs"]
mod live_server;
#[path = "support/socket.rs"]
mod socket;

use live_server::*;
use socket::{error, is};

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
