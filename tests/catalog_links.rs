//! A symbolic link loop under the question directory, through the real
//! binary: the server starts, serves the sets beside the loop, and reports
//! the loop; `quizline check` reports it and ends. A linked-in set
//! directory is still followed.

#![cfg(unix)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

mod support;
use support::fixture;
use support::process::Guard;
use support::server::quizline;

/// questions/
///   a/live-choice.ron
///   a/back -> ..          (a loop: back/a/back/a/…)
///   a/again -> ../a       (another: with two, a walk that follows links
///                          blindly has 2^depth paths to go through)
///   linked -> ../elsewhere (a set directory linked in)
fn tree(root: &Path) -> PathBuf {
    let questions = root.join("questions");
    std::fs::create_dir_all(questions.join("a")).unwrap();
    std::fs::copy(
        fixture("live-choice.ron"),
        questions.join("a/live-choice.ron"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", questions.join("a/back")).unwrap();
    std::os::unix::fs::symlink("../a", questions.join("a/again")).unwrap();
    let elsewhere = root.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(fixture("live-mixed.ron"), elsewhere.join("live-mixed.ron")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, questions.join("linked")).unwrap();
    questions
}

#[test]
fn the_server_starts_reports_the_loop_and_skips_it() {
    let dir = tempfile::tempdir().unwrap();
    let questions = tree(dir.path());
    let mut cmd = quizline();
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--questions"])
        .arg(&questions)
        .arg("--data")
        .arg(dir.path().join("data"))
        .stderr(Stdio::piped());
    let (mut guard, mut lines) = Guard::spawn(cmd);
    let mut stderr = guard.0.stderr.take().unwrap();
    let line = lines
        .wait_for(Duration::from_secs(30), |_| true)
        .expect("the server starts within 30 s despite the loop");
    assert!(
        line.starts_with("quizline: serving 2 question set(s) on http://127.0.0.1:"),
        "both sets, the one beside the loop and the linked one: {line}"
    );
    // Skipped files are reported before the server says it is serving.
    guard.kill();
    let mut err = String::new();
    stderr.read_to_string(&mut err).unwrap();
    let loops: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("symbolic link loop"))
        .collect();
    assert_eq!(loops.len(), 2, "each loop is reported once: {err}");
    assert!(loops.iter().all(|l| l.starts_with("skipped: ")), "{err}");
    for link in ["a/back:", "a/again:"] {
        assert!(
            loops.iter().any(|l| l.contains(link)),
            "the reports name the links: {err}"
        );
    }
}

#[test]
fn check_reports_the_loop_and_ends() {
    let dir = tempfile::tempdir().unwrap();
    let questions = tree(dir.path());
    let out = quizline().arg("check").arg(&questions).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("symbolic link loop"), "{stderr}");
    assert!(
        stdout.contains("ok: ") && stdout.contains("live-choice.ron"),
        "{stdout}"
    );
    assert!(
        stdout.contains("live-mixed.ron"),
        "linked sets are checked: {stdout}"
    );
}
