//! Clients that hold connections without using them, against the real
//! binary on loopback with short deadlines: headers sent a byte at a time,
//! connections that never send a byte, keep-alive connections left idle
//! after a WebSocket upgrade to an unknown room was refused, and live-quiz
//! sockets that never say hello. Each is closed by its deadline, one address
//! can hold only so many sockets without a hello, and a normal request and
//! a real player go through meanwhile.

mod support;

use std::time::{Duration, Instant};

use support::fixture;
use support::server::{Server, quizline};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;

const HEADER_TIMEOUT: Duration = Duration::from_secs(1);
/// Long enough that the capped sockets are all still waiting when the one
/// over the cap is tried, however slow the machine.
const HELLO_TIMEOUT: Duration = Duration::from_secs(5);
const PER_ADDRESS: usize = 30;
/// Connections of each kind: enough to show none is kept, few enough that
/// the test stays small.
const MANY: usize = 150;
/// The scheduler's and the machine's slack beyond a deadline.
const SLACK: Duration = Duration::from_secs(4);

fn start(data: &std::path::Path) -> Server {
    let mut cmd = quizline();
    cmd.args(["serve", "--limit-loopback"])
        .args([
            "--header-timeout",
            &HEADER_TIMEOUT.as_secs_f64().to_string(),
        ])
        .args(["--hello-timeout", &HELLO_TIMEOUT.as_secs_f64().to_string()])
        .args(["--greeting-per-address", &PER_ADDRESS.to_string()]);
    Server::start(cmd, data, &[fixture("live-choice.ron")])
}

/// Reads (and drops) whatever comes until the server closes the
/// connection; how long that took, or `None` if it was still open at
/// `limit`.
async fn closed_within(
    stream: &mut TcpStream,
    started: Instant,
    limit: Duration,
) -> Option<Duration> {
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(started.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(started.elapsed()),
            Ok(Ok(_)) => continue,
        }
    }
}

/// Opens `n` connections and runs `hold` on each at once; each returns
/// when its connection was closed, and how long after it was opened.
async fn many<F, Fut>(addr: &str, n: usize, hold: F) -> Vec<Option<Duration>>
where
    F: Fn(TcpStream, Instant) -> Fut,
    Fut: std::future::Future<Output = Option<Duration>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        let stream = TcpStream::connect(addr).await.unwrap();
        tasks.spawn(hold(stream, Instant::now()));
    }
    tasks.join_all().await
}

fn all_closed(what: &str, times: &[Option<Duration>], earliest: Duration) {
    let open = times.iter().filter(|t| t.is_none()).count();
    assert_eq!(
        open,
        0,
        "{what}: {open} of {} still open after {:?}",
        times.len(),
        earliest + SLACK
    );
    let first = times.iter().flatten().min().unwrap();
    assert!(
        *first >= earliest.mul_f64(0.9),
        "{what}: closed after {first:?}, before the deadline of {earliest:?}"
    );
}

/// A request that must still be answered while the others are held.
async fn normal_request(base: &str, code: &str) {
    let c = client::Client::new(client::Base::parse(base).unwrap());
    let r = c.get(&format!("/api/rooms/{code}"), None).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
}

fn upgrade(path: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
}

/// Sends an upgrade request and reads the status line of the reply.
async fn ask_upgrade(stream: &mut TcpStream, path: &str) -> String {
    stream.write_all(upgrade(path).as_bytes()).await.unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(SLACK, stream.read(&mut byte))
            .await
            .expect("the server answers an upgrade")
            .unwrap();
        assert_eq!(
            n,
            1,
            "closed in the reply's head: {}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    head.lines().next().unwrap_or_default().to_string()
}

/// A client of the server at `url` and the code of a fresh room on it.
async fn new_room(url: &str) -> (client::Client, String) {
    let c = client::Client::new(client::Base::parse(url).unwrap());
    let room: serde_json::Value = c
        .post_json(
            "/api/rooms",
            None,
            &serde_json::json!({"set": "live-choice", "options": {}}),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    (c, room["code"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_connections_are_closed_by_their_deadlines() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path());
    let addr = server.addr.clone();
    let (_, code) = new_room(&server.url).await;
    let limit = HEADER_TIMEOUT + SLACK;

    // Headers a byte every 200 ms: never a whole head.
    let slow = many(&addr, MANY, |mut s, started| async move {
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .ok()?;
        let (mut read, mut write) = s.split();
        let mut buf = [0u8; 512];
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            let left = limit.checked_sub(started.elapsed())?;
            tokio::select! {
                _ = tick.tick() => if write.write_all(b"a").await.is_err() {
                    return Some(started.elapsed());
                },
                n = read.read(&mut buf) => if !matches!(n, Ok(n) if n > 0) {
                    return Some(started.elapsed());
                },
                () = tokio::time::sleep(left) => return None,
            }
        }
    });
    // Not a byte sent.
    let silent = many(&addr, MANY, |mut s, started| async move {
        closed_within(&mut s, started, limit).await
    });
    // An upgrade to a room that does not exist is refused; the connection
    // then idles in keep-alive.
    let refused = many(&addr, MANY, |mut s, started| async move {
        let status = ask_upgrade(&mut s, "/api/rooms/999999/play").await;
        assert!(status.starts_with("HTTP/1.1 404"), "{status}");
        closed_within(&mut s, started, limit).await
    });
    let (slow, silent, refused, ()) = tokio::join!(slow, silent, refused, async {
        // Meanwhile the server answers as usual.
        tokio::time::sleep(HEADER_TIMEOUT / 2).await;
        normal_request(&server.url, &code).await;
    });
    all_closed("slow headers", &slow, HEADER_TIMEOUT);
    all_closed("silent connections", &silent, HEADER_TIMEOUT);
    all_closed("idle after a refused upgrade", &refused, HEADER_TIMEOUT);
    normal_request(&server.url, &code).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_without_a_hello_are_capped_per_address_and_closed() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path());
    let (c, code) = new_room(&server.url).await;
    let play = format!("/api/rooms/{code}/play");

    // As many silent sockets as the address may hold: all upgraded.
    let mut held = Vec::new();
    for _ in 0..PER_ADDRESS {
        let mut s = TcpStream::connect(&server.addr).await.unwrap();
        let status = ask_upgrade(&mut s, &play).await;
        assert!(status.starts_with("HTTP/1.1 101"), "{status}");
        held.push((s, Instant::now()));
    }
    assert!(
        held[0].1.elapsed() < HELLO_TIMEOUT,
        "the machine took longer than the hello deadline to open {PER_ADDRESS} sockets"
    );
    // One more from the same address is refused with a message.
    let mut extra = TcpStream::connect(&server.addr).await.unwrap();
    let status = ask_upgrade(&mut extra, &play).await;
    assert!(status.starts_with("HTTP/1.1 429"), "{status}");
    // The host's socket is a socket without a hello too.
    let mut host = TcpStream::connect(&server.addr).await.unwrap();
    let status = ask_upgrade(&mut host, &format!("/api/rooms/{code}/host")).await;
    assert!(status.starts_with("HTTP/1.1 429"), "{status}");
    normal_request(&server.url, &code).await;

    // Every one of them is closed at the hello deadline, though it pings.
    let mut tasks = JoinSet::new();
    for (mut s, started) in held {
        tasks.spawn(async move {
            // A masked, empty ping frame.
            let _ = s.write_all(&[0x89, 0x80, 1, 2, 3, 4]).await;
            closed_within(&mut s, started, HELLO_TIMEOUT + SLACK).await
        });
    }
    let times = tasks.join_all().await;
    all_closed("sockets without a hello", &times, HELLO_TIMEOUT);

    // Their places are free again: a real player joins and is welcomed.
    let joined: serde_json::Value = c
        .post_json(
            &format!("/api/rooms/{code}/join"),
            None,
            &serde_json::json!({"nickname": "Ada"}),
        )
        .await
        .unwrap()
        .json()
        .unwrap();
    let mut socket = c.socket(&code, "play").await.unwrap();
    client::send(
        &mut socket,
        &quizline::live::protocol::ClientMsg::Hello {
            token: joined["token"].as_str().map(String::from),
            secret: None,
        },
    )
    .await
    .unwrap();
    let first = tokio::time::timeout(SLACK, client::recv(&mut socket))
        .await
        .expect("a reply to hello")
        .unwrap()
        .expect("the socket stays open");
    assert!(
        !matches!(first, quizline::live::protocol::ServerMsg::Error { .. }),
        "{first:?}"
    );
    // And it stays open past the hello deadline: it said hello. Every
    // message is read (none is dropped unseen); a close fails the test.
    let past = Instant::now() + HELLO_TIMEOUT + Duration::from_millis(500);
    loop {
        let left = past.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, client::recv(&mut socket)).await {
            Err(_) => break,
            Ok(Ok(Some(_))) => continue,
            Ok(other) => panic!("a player's socket was closed at the hello deadline: {other:?}"),
        }
    }
}
