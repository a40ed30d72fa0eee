//! The `quizline` binary as a person runs it: files with mistakes, piped
//! quiz sessions, JSON output and generation.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn quizline() -> Command {
    Command::cargo_bin("quizline").unwrap()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `quizline check` on `text` saved as `name`, and expects `code` with
/// every `needles` in stderr.
fn check_file(name: &str, text: &str, code: i32, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let out = quizline().arg("check").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{name}: stderr was:\n{stderr}"
    );
    for n in needles {
        let n = n.replace("{path}", &path.display().to_string());
        assert!(stderr.contains(&n), "{name}: expected `{n}` in:\n{stderr}");
    }
}

const SET_HEAD: &str = "#![enable(implicit_some)]\n(\n    format: 1,\n    id: \"t\",\n    title: \"T\",\n    questions: [\n";

fn set_with(questions: &str) -> String {
    format!("{SET_HEAD}{questions}    ],\n)\n")
}

const GOOD_Q: &str = "        (\n            id: \"a\",\n            prompt: \"P?\",\n            body: TrueFalse(answer: true),\n            difficulty: Easy,\n            explanation: \"E.\",\n        ),\n";

const DATASET: &str = r#"#![enable(implicit_some)]
(
    format: 1,
    id: "d",
    title: "D",
    sources: [(id: "s", title: "S")],
    actors: [(id: "someone", name: "Someone", kind: Person)],
    events: [
        (
            id: "e1",
            title: "An event",
            kind: War,
            date: Range(start: Year(year: 1994), end: Year(year: 1992)),
            actors: [(actor: "nobody", role: Party)],
            casualties: [(kind: Deaths, count: (low: 50, high: 10, qualifier: Between))],
            source: (source: "s", text: "It happened."),
        ),
    ],
)
"#;

/// Each case: a file, the exit status, and what stderr must say, with
/// `{path}` for the file's path.
#[test]
fn check_reports_each_mistake_at_its_position() {
    let cases: Vec<(&str, String, i32, &[&str])> = vec![
        ("good.ron", set_with(GOOD_Q), 0, &[]),
        (
            // Missing comma after the prompt.
            "syntax.ron",
            set_with(&GOOD_Q.replace("\"P?\",", "\"P?\"")),
            1,
            &["{path}:10:13: "],
        ),
        (
            "typo.ron",
            set_with(&GOOD_Q.replace("prompt:", "promt:")),
            1,
            &["{path}:9:13: ", "unknown field `promt`", "prompt"],
        ),
        (
            "dup.ron",
            set_with(&format!("{GOOD_Q}{GOOD_Q}")),
            1,
            &["{path}:15:17: duplicate question id `a`"],
        ),
        (
            "answer.ron",
            set_with(&GOOD_Q.replace(
                "TrueFalse(answer: true)",
                "SingleChoice(options: [\"x\", \"y\", \"x\"], answer: 5)",
            )),
            1,
            &[
                "answer 5 is not among the 3 options",
                "duplicate option \"x\"",
            ],
        ),
        (
            "dataset.ron",
            DATASET.to_string(),
            1,
            &[
                "{path}:14:30: event `e1` refers to unknown actor `nobody`",
                "range ends (1992) before it starts (1994)",
                "casualty low 50 is greater than high 10",
            ],
        ),
    ];
    for (name, text, code, needles) in cases {
        check_file(name, &text, code, needles);
    }
}

#[test]
fn check_accepts_the_fixtures_and_the_bundled_files() {
    for path in [fixture("cli-set.ron"), repo("questions")] {
        let out = quizline().arg("check").arg(&path).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["check"][..],
        &["check", "/no/such/file.ron"],
        &["frobnicate"],
        &["play"],
        &["host", "live-choice", "--leaderboard", "sometimes"],
    ] {
        quizline().args(args).assert().code(2);
    }
}

fn show_json(path: &Path) -> Value {
    let out = quizline()
        .arg("show")
        .arg(path)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn play(set: &Path, args: &[&str], stdin: String) -> (Value, String) {
    let out = quizline()
        .arg("play")
        .arg(set)
        .args(args)
        .arg("--json")
        .write_stdin(stdin)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every line `show --json` calls correct, in file order.
fn correct_inputs(set: &Path) -> Vec<String> {
    show_json(set)["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["correct_input"].as_str().unwrap().to_string())
        .collect()
}

fn sets_to_play() -> Vec<PathBuf> {
    let mut sets = vec![fixture("cli-set.ron")];
    let real = repo("questions/karabakh/set.ron");
    if real.exists() {
        sets.push(real);
    }
    sets
}

#[test]
fn play_all_correct_gives_the_full_score() {
    for set in sets_to_play() {
        let inputs = correct_inputs(&set);
        let (result, _) = play(&set, &["--in-order"], inputs.join("\n") + "\n");
        assert_eq!(result["score"], result["max_score"], "{}", set.display());
        assert!(result["max_score"].as_f64().unwrap() > 0.0);
        assert_eq!(result["answered"].as_u64().unwrap() as usize, inputs.len());
    }
}

#[test]
fn play_all_wrong_gives_zero() {
    let set = fixture("cli-set.ron");
    // One wrong but readable answer per question of the fixture, in file order.
    let wrong = ["a", "b", "f", "29999", "c a d b", "a", "a1 b2 c3", "Saturn"];
    let (result, _) = play(&set, &["--in-order"], wrong.join("\n") + "\n");
    assert_eq!(result["score"].as_f64(), Some(0.0));
    assert_eq!(result["incorrect"].as_u64(), Some(8));
}

#[test]
fn garbage_is_reprompted_and_never_counted() {
    let set = fixture("cli-set.ron");
    let mut lines = vec!["zzz".to_string(), "".to_string(), "%$#".to_string()];
    lines.push(correct_inputs(&set)[0].clone());
    let (result, stderr) = play(
        &set,
        &["--in-order", "--count", "1"],
        lines.join("\n") + "\n",
    );
    assert_eq!(stderr.matches("Not understood").count(), 3, "{stderr}");
    assert_eq!(result["score"].as_f64(), Some(1.0));
    assert_eq!(result["answered"].as_u64(), Some(1));
}

#[test]
fn end_of_input_ends_early_with_a_summary() {
    let set = fixture("cli-set.ron");
    let (result, stderr) = play(&set, &["--in-order"], "b\n".into());
    assert_eq!(result["answered"].as_u64(), Some(1));
    assert_eq!(result["total"].as_u64(), Some(8));
    assert!(stderr.contains("Score: 1 / 11"), "{stderr}");
    // Human text without --json goes to stdout.
    let out = quizline()
        .arg("play")
        .arg(&set)
        .arg("--in-order")
        .write_stdin("b\n")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Score: 1 / 11"));
}

#[test]
fn play_prints_its_seed_and_replays_with_it() {
    let set = fixture("cli-set.ron");
    let (a, stderr) = play(&set, &["--seed", "77"], String::new());
    assert!(stderr.contains("--seed 77"), "{stderr}");
    let (b, _) = play(&set, &["--seed", "77"], String::new());
    assert_eq!(a["questions"], b["questions"]);
    let (c, _) = play(&set, &[], String::new());
    assert!(c["seed"].as_u64().is_some());
}

#[test]
fn play_filters_kinds_and_count() {
    let set = fixture("cli-set.ron");
    let (r, _) = play(&set, &["--kinds", "numeric,cloze"], String::new());
    let kinds: Vec<&str> = r["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 2);
    assert!(kinds.iter().all(|k| *k == "numeric" || *k == "cloze"));
    quizline()
        .arg("play")
        .arg(&set)
        .args(["--kinds", "essay"])
        .assert()
        .code(2);
}

#[test]
fn show_json_gives_dates_at_their_precision() {
    let data = show_json(&repo("questions/karabakh/events.ron"));
    let dates: Vec<&str> = data["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["date"].as_str().unwrap())
        .collect();
    for expected in ["1991-09-02", "2020-09", "1923", "1992/1994"] {
        assert!(dates.contains(&expected), "{expected} not in {dates:?}");
    }
}

#[test]
fn generate_is_byte_identical_and_checkable() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = repo("questions/karabakh/events.ron");
    let (a, b) = (dir.path().join("a.ron"), dir.path().join("b.ron"));
    for out in [&a, &b] {
        quizline()
            .arg("generate")
            .arg(&dataset)
            .arg("-o")
            .arg(out)
            .args(["--seed", "5"])
            .assert()
            .success();
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    quizline()
        .arg("generate")
        .arg(&dataset)
        .arg("-o")
        .arg(&a)
        .args(["--seed", "5", "--check"])
        .assert()
        .success();
    quizline()
        .arg("generate")
        .arg(&dataset)
        .arg("-o")
        .arg(&a)
        .args(["--seed", "6", "--check"])
        .assert()
        .code(1);
    // A hand edit of a generated set is caught by `check`.
    let edited =
        std::fs::read_to_string(&a)
            .unwrap()
            .replacen("prompt: \"", "prompt: \"Edited: ", 1);
    std::fs::write(&a, edited).unwrap();
    quizline()
        .arg("check")
        .arg(&a)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("differs from what"));
}

#[test]
fn generate_never_leaves_half_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("set.ron");
    quizline()
        .arg("generate")
        .arg(repo("questions/karabakh/events.ron"))
        .arg("-o")
        .arg(&missing)
        .assert()
        .code(1);
    assert!(!missing.exists());
    let bad = dir.path().join("bad.ron");
    std::fs::write(&bad, "(format: 1, id: ").unwrap();
    let out = dir.path().join("out.ron");
    quizline()
        .arg("generate")
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(1);
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left behind"
    );
}

#[test]
fn every_command_has_help_with_an_example() {
    for cmd in [
        "play", "generate", "check", "show", "synth", "serve", "host", "bots",
    ] {
        let out = quizline().arg(cmd).arg("--help").output().unwrap();
        assert!(out.status.success(), "{cmd}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Example"),
            "`quizline {cmd} --help` has no example:\n{text}"
        );
    }
}
