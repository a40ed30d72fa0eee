//! `quizline host` and `quizline bots`, as a teacher runs them: the real
//! binary against a real server on loopback.

use std::process::{Command, Stdio};
use std::time::Duration;

mod support;
use support::fixture;
use support::process::Guard;
use support::server::quizline as bin;

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;

/// Starts a child and collects its stdout lines until `until` matches.
fn spawn_until(mut cmd: Command, until: &str) -> (Guard, Vec<String>) {
    cmd.stderr(Stdio::null());
    let (guard, mut lines) = Guard::spawn(cmd);
    lines.expect(until, Duration::from_secs(30), |l| l.contains(until));
    (guard, lines.seen)
}

fn field<'a>(lines: &'a [String], label: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.trim().strip_prefix(label))
        .unwrap_or_else(|| panic!("no {label} in {lines:?}"))
        .trim()
}

#[test]
fn host_prints_the_links_and_bots_play_the_game() {
    let data = tempfile::tempdir().unwrap();
    let mut serve = bin();
    serve
        .args(["serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .arg("--questions")
        .arg(fixture("live-choice.ron"));
    let (_server, lines) = spawn_until(serve, "quizline: serving");
    let last = lines.last().unwrap();
    let url = last[last.find("http://").unwrap()..]
        .trim_end_matches('/')
        .to_string();

    let out = bin()
        .args([
            "host",
            "live-choice",
            "--url",
            &url,
            "--count",
            "2",
            "--time",
            "10",
        ])
        .args(["--scoring", "accuracy-only", "--leaderboard", "end"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<String> = stdout.lines().map(String::from).collect();
    let code: String = field(&lines, "join code:").replace(' ', "");
    assert_eq!(code.len(), 6);
    assert_eq!(field(&lines, "students:"), format!("{url}/play/{code}"));
    let host = field(&lines, "host screen:");
    let key = host.split("#key=").nth(1).unwrap().to_string();
    assert_eq!(key.len(), 64);

    let out = bin()
        .args([
            "bots", "--url", &url, "--code", &code, "--count", "20", "--key", &key,
        ])
        .args(["--drive", "--think-ms", "10..100", "--timeout", "60"])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("bots: 20 joined of 20"), "{report}");
    assert!(
        report.contains("answers: 40 sent, 40 acknowledged"),
        "{report}"
    );
    assert!(report.contains("errors from the server: none"), "{report}");
    assert!(report.contains("0 dropped, 0 duplicated"), "{report}");
    assert!(report.contains("ack latency: p50"), "{report}");

    // Bad options are refused with a message and a usage exit code.
    let out = bin()
        .args(["host", "live-choice", "--url", &url, "--scoring", "fastest"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("invalid value 'fastest' for '--scoring"),
        "{said}"
    );
    assert!(
        said.contains("speed, linear-decay, accuracy-only"),
        "{said}"
    );
    let out = bin()
        .args(["host", "no-such-set", "--url", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no question set"));
}

#[test]
fn bots_only_target_this_machine() {
    for url in [
        "http://192.168.1.20:8080",
        "http://10.0.0.1",
        "http://8.8.8.8:80",
    ] {
        let out = bin()
            .args(["bots", "--url", url, "--code", "123456", "--count", "1"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not a loopback address"), "{err}");
    }
    let out = bin()
        .args([
            "bots",
            "--url",
            "http://127.0.0.1:9",
            "--code",
            "12345",
            "--count",
            "1",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a join code"));
}

#[test]
fn host_starts_its_own_server() {
    let data = tempfile::tempdir().unwrap();
    let mut host = bin();
    host.args(["host"])
        .arg(fixture("live-mixed.ron"))
        .args(["--addr", "127.0.0.1:0", "--questions"])
        .arg(fixture("live-choice.ron"))
        .arg("--data")
        .arg(data.path());
    let (_guard, lines) = spawn_until(host, "Press Ctrl-C");
    let students = field(&lines, "students:").to_string();
    assert!(students.starts_with("http://127.0.0.1:"), "{students}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Live fixture: rivers and mountains")),
        "{lines:?}"
    );
    // The room is really there: its status answers.
    let code = students.rsplit('/').next().unwrap();
    let base = students
        .trim_end_matches(&format!("/play/{code}"))
        .to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = client::Client::new(client::Base::parse(&base).unwrap());
        let r = client
            .get(&format!("/api/rooms/{code}"), None)
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        let info: serde_json::Value = r.json().unwrap();
        assert_eq!(info["questions"], 8);
        assert_eq!(info["phase"], "lobby");
    });
}
