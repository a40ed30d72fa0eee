//! Durability against a real process: answer half an attempt, kill the
//! server with SIGKILL (no chance to flush anything), start it again on the
//! same data directory, and find every acknowledged answer there, with the
//! attempt resuming at the first question not answered.

mod support;

use support::http::{Browser, Page};
use support::server::{Server, quizline};

fn start(data: &std::path::Path) -> Server {
    // No subcommand: the same path as `cargo run --release`.
    Server::start(quizline(), data, &[support::fixture("web-all-kinds.ron")])
}

/// Form fields for some valid answer to the question on `page`.
fn some_answer(page: &Page) -> Vec<(String, String)> {
    let classes = page.attr("form.question", "class");
    let kind = classes
        .split_whitespace()
        .find_map(|c| c.strip_prefix("kind-"))
        .expect("the form names its kind");
    let field = |k: &str, v: &str| (k.to_string(), v.to_string());
    match kind {
        "single-choice" | "before-after" | "multi-select" => vec![field("choice", "b")],
        "true-false" => vec![field("choice", "t")],
        "numeric" => vec![field("number", "1969")],
        "cloze" => vec![field("text", "Tranquility")],
        "ordering" => page
            .attrs("select[name^=position-]", "name")
            .into_iter()
            .enumerate()
            .map(|(k, name)| (name, (k + 1).to_string()))
            .collect(),
        "matching" => page
            .attrs("select[name^=match-]", "name")
            .into_iter()
            .map(|name| (name, "1".to_string()))
            .collect(),
        other => panic!("unknown kind {other}"),
    }
}

/// `fields` after the page's CSRF token.
fn with_csrf(csrf: &str, fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut form = vec![("csrf".to_string(), csrf.to_string())];
    form.extend(fields);
    form
}

#[test]
fn acknowledged_answers_survive_kill_9_and_the_attempt_resumes() {
    let data = tempfile::tempdir().unwrap();
    let server = start(data.path());
    let mut b = Browser::new(&server.url);

    let home = b.get("/");
    assert_eq!(home.status, 200);
    assert!(home.header("set-cookie").is_some(), "a browser cookie");
    let csrf = b.get("/sets/web-moon").page().csrf();
    let mut form = vec![("csrf", csrf.as_str()), ("count", "8"), ("timer", "off")];
    for kind in [
        "single-choice",
        "multi-select",
        "true-false",
        "numeric",
        "ordering",
        "before-after",
        "matching",
        "cloze",
    ] {
        form.push(("kind", kind));
    }
    let created = b.post("/sets/web-moon", &form);
    assert_eq!(created.status, 303, "{}", created.body);
    let first = created.location().to_string();
    let attempt = first.strip_suffix("/questions/1").unwrap().to_string();
    let question = |n: usize| format!("{attempt}/questions/{n}");

    // Half the attempt, each answer acknowledged by its redirect.
    for n in 1..=4 {
        let page = b.get(&question(n));
        assert_eq!(page.status, 200, "question {n}");
        let r = b.post(&question(n), &with_csrf(&csrf, some_answer(&page.page())));
        assert_eq!(r.status, 303, "question {n}: {}", r.body);
        assert_eq!(r.location(), format!("{}/feedback", question(n)));
    }
    let feedback: Vec<String> = (1..=4)
        .map(|n| {
            let page = b.get(&format!("{}/feedback", question(n)));
            assert_eq!(page.status, 200);
            page.body
        })
        .collect();
    let results_before = b.get(&format!("{attempt}/results")).body;

    // SIGKILL: nothing gets to run on the way down.
    drop(server);

    let server = start(data.path());
    let mut b = b.at(&server.url);
    let resume = b.get(&attempt);
    assert_eq!(resume.status, 303);
    assert_eq!(
        resume.location(),
        question(5),
        "resumes at the first question not answered"
    );
    for (k, before) in feedback.iter().enumerate() {
        let n = k + 1;
        let after = b.get(&format!("{}/feedback", question(n)));
        assert_eq!(after.status, 200, "feedback {n} after restart");
        assert_eq!(&after.body, before, "feedback {n} is what it was");
        // Answered stays answered: its page leads to its feedback.
        assert_eq!(b.get(&question(n)).status, 303);
    }
    assert_eq!(
        b.get(&format!("{attempt}/results")).body,
        results_before,
        "the results are what they were"
    );
    let history = b.get("/history");
    let rows = history.page().texts("main");
    assert!(
        rows.iter().any(|t| t.contains("4 of 8")),
        "{}",
        history.body
    );
    assert!(rows.iter().any(|t| t.contains("In progress")));

    // And the attempt goes on where it stopped.
    let page = b.get(&question(5));
    assert_eq!(page.status, 200);
    let r = b.post(&question(5), &with_csrf(&csrf, some_answer(&page.page())));
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(b.get(&attempt).location(), question(6));
}
