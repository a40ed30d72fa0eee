//! The server's options as the binary takes them: flags, and the same
//! options as `QUIZLINE_…` variables, which only the binary reads.

use std::process::Stdio;

mod support;
use support::fixture;
use support::server::{Server, quizline};

/// The binary's client: `quizline host` and `quizline bots` speak through it.
#[allow(dead_code)]
#[path = "../src/cli/client.rs"]
mod client;

/// Arguments after `serve`, and variables set for it.
type Options = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

fn serve(data: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (Server, String) {
    let mut cmd = quizline();
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--questions"])
        .arg(fixture("live-choice.ron"))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("QUIZLINE_PUBLIC_URL")
        .envs(env.iter().copied())
        .stderr(Stdio::null());
    let server = Server::spawn(cmd);
    let url = server.url.clone();
    (server, url)
}

/// The student link of a room made on this server.
async fn play_url(base: &str) -> String {
    let client = client::Client::new(client::Base::parse(base).unwrap());
    let r = client
        .post_json(
            "/api/rooms",
            None,
            &serde_json::json!({"set": "live-choice", "options": {}}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.text());
    let v: serde_json::Value = r.json().unwrap();
    v["play_url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_public_url_comes_from_the_flag_or_the_variable() {
    let cases: [(Options, Option<&str>); 4] = [
        ((&[], &[]), None),
        (
            (&["--public-url", "http://192.0.2.10:8080/"], &[]),
            Some("http://192.0.2.10:8080"),
        ),
        (
            (&[], &[("QUIZLINE_PUBLIC_URL", "https://quiz.example.org")]),
            Some("https://quiz.example.org"),
        ),
        (
            (
                &["--public-url", "http://192.0.2.11:8080"],
                &[("QUIZLINE_PUBLIC_URL", "http://192.0.2.99")],
            ),
            Some("http://192.0.2.11:8080"),
        ),
    ];
    for ((args, env), want) in cases {
        let data = tempfile::tempdir().unwrap();
        let (_server, base) = serve(data.path(), args, env);
        let url = play_url(&base).await;
        let expected = want.unwrap_or(&base);
        assert!(
            url.starts_with(&format!("{expected}/play/")),
            "{args:?} {env:?}: {url}"
        );
    }
}

#[test]
fn a_bad_option_is_a_usage_error_with_a_message() {
    let cases: [(Options, &str); 4] = [
        (
            (&["--public-url", "192.0.2.10:8080"], &[]),
            "not an http://",
        ),
        (
            (&[], &[("QUIZLINE_PUBLIC_URL", "ftp://x")]),
            "not an http://",
        ),
        (
            (&["--header-timeout", "soon"], &[]),
            "not a number of seconds",
        ),
        (
            (&[], &[("QUIZLINE_HELLO_TIMEOUT", "0")]),
            "not a number of seconds",
        ),
    ];
    for ((args, env), message) in cases {
        let out = quizline()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}: {err}");
        assert!(err.contains(message), "{args:?} {env:?}: {err}");
    }
}
