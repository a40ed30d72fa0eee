//! Durability against a real process: answer half an attempt, kill the
//! server with SIGKILL (no chance to flush anything), start it again on the
//! same data directory, and find every acknowledged answer there, with the
//! attempt resuming at the first question not answered.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The server process; killed however the test ends. `Child::kill` is
/// SIGKILL on Unix: the kill -9 the test is about.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path) -> Server {
    let questions = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/web-all-kinds.ron");
    // No subcommand: the same path as `cargo run --release`.
    let mut child = Command::new(env!("CARGO_BIN_EXE_quizline"))
        .arg("--addr")
        .arg("127.0.0.1:0")
        .arg("--questions")
        .arg(&questions)
        .arg("--data")
        .arg(data)
        .env("QUIZLINE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the quizline binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut server = Server {
        child,
        addr: String::new(),
    };
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its address");
        if let Some(rest) = line.strip_prefix("quizline: serving 1 question set(s) on http://") {
            server.addr = rest.trim_end_matches('/').to_string();
            break;
        }
    }
    server
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn location(&self) -> &str {
        self.header("location").expect("a redirect")
    }
}

/// Plain HTTP/1.1 over a socket: enough for a test, and no client library
/// between the test and what the server really sends.
fn http(addr: &str, method: &str, path: &str, cookie: Option<&str>, form: Option<&str>) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut payload = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &payload[..];
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap().trim(), 16)
                .unwrap();
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[end + 2..end + 2 + size]);
            rest = &rest[end + 2 + size + 2..];
        }
        payload = out;
    }
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&payload).into_owned(),
    }
}

fn attr_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html.find(marker).unwrap_or_else(|| panic!("no {marker}"));
    let rest = &html[at + marker.len()..];
    &rest[..rest.find('"').unwrap()]
}

/// Form fields for some valid answer to the question on `page`.
fn some_answer(page: &str) -> String {
    let kind = attr_after(page, "class=\"question kind-");
    let count = |prefix: &str| page.matches(&format!("name=\"{prefix}")).count();
    let letters = |n: usize| (0..n).map(|i| ((b'a' + i as u8) as char).to_string());
    match kind {
        "single-choice" | "before-after" | "multi-select" => "choice=b".into(),
        "true-false" => "choice=t".into(),
        "numeric" => "number=1969".into(),
        "cloze" => "text=Tranquility".into(),
        "ordering" => letters(count("position-"))
            .enumerate()
            .map(|(k, l)| format!("position-{l}={}", k + 1))
            .collect::<Vec<_>>()
            .join("&"),
        "matching" => letters(count("match-"))
            .map(|l| format!("match-{l}=1"))
            .collect::<Vec<_>>()
            .join("&"),
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn acknowledged_answers_survive_kill_9_and_the_attempt_resumes() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path());
    let addr = server.addr.clone();

    let home = http(&addr, "GET", "/", None, None);
    assert_eq!(home.status, 200);
    let cookie = home
        .header("set-cookie")
        .expect("a browser cookie")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let c = Some(cookie.as_str());
    let start_page = http(&addr, "GET", "/sets/web-moon", c, None);
    let csrf = attr_after(&start_page.body, "name=\"csrf\" value=\"").to_string();
    let kinds = "kind=single-choice&kind=multi-select&kind=true-false&kind=numeric\
                 &kind=ordering&kind=before-after&kind=matching&kind=cloze";
    let created = http(
        &addr,
        "POST",
        "/sets/web-moon",
        c,
        Some(&format!("csrf={csrf}&count=8&{kinds}&timer=off")),
    );
    assert_eq!(created.status, 303, "{}", created.body);
    let first = created.location().to_string();
    let attempt = first.strip_suffix("/questions/1").unwrap().to_string();

    // Half the attempt, each answer acknowledged by its redirect.
    let mut feedback = Vec::new();
    for n in 1..=4 {
        let page = http(&addr, "GET", &format!("{attempt}/questions/{n}"), c, None);
        assert_eq!(page.status, 200, "question {n}");
        let answer = some_answer(&page.body);
        let r = http(
            &addr,
            "POST",
            &format!("{attempt}/questions/{n}"),
            c,
            Some(&format!("csrf={csrf}&{answer}")),
        );
        assert_eq!(r.status, 303, "question {n}: {}", r.body);
        assert_eq!(r.location(), format!("{attempt}/questions/{n}/feedback"));
    }
    for n in 1..=4 {
        let page = http(
            &addr,
            "GET",
            &format!("{attempt}/questions/{n}/feedback"),
            c,
            None,
        );
        assert_eq!(page.status, 200);
        feedback.push(page.body);
    }
    let results_before = http(&addr, "GET", &format!("{attempt}/results"), c, None).body;

    // SIGKILL: nothing gets to run on the way down.
    drop(server);

    let server = start(data.path());
    let addr = server.addr.clone();
    let resume = http(&addr, "GET", &attempt, c, None);
    assert_eq!(resume.status, 303);
    assert_eq!(
        resume.location(),
        format!("{attempt}/questions/5"),
        "resumes at the first question not answered"
    );
    for (k, before) in feedback.iter().enumerate() {
        let n = k + 1;
        let after = http(
            &addr,
            "GET",
            &format!("{attempt}/questions/{n}/feedback"),
            c,
            None,
        );
        assert_eq!(after.status, 200, "feedback {n} after restart");
        assert_eq!(&after.body, before, "feedback {n} is what it was");
        // Answered stays answered: its page leads to its feedback.
        let page = http(&addr, "GET", &format!("{attempt}/questions/{n}"), c, None);
        assert_eq!(page.status, 303);
    }
    assert_eq!(
        http(&addr, "GET", &format!("{attempt}/results"), c, None).body,
        results_before,
        "the results are what they were"
    );
    let history = http(&addr, "GET", "/history", c, None);
    assert!(history.body.contains("4 of 8"), "{}", history.body);
    assert!(history.body.contains("In progress"));

    // And the attempt goes on where it stopped.
    let page = http(&addr, "GET", &format!("{attempt}/questions/5"), c, None);
    assert_eq!(page.status, 200);
    let r = http(
        &addr,
        "POST",
        &format!("{attempt}/questions/5"),
        c,
        Some(&format!("csrf={csrf}&{}", some_answer(&page.body))),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let resume = http(&addr, "GET", &attempt, c, None);
    assert_eq!(resume.location(), format!("{attempt}/questions/6"));
}
