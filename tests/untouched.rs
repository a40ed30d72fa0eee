//! An untouched control is no answer. Through the real server and its
//! no-JavaScript forms: an ordering never opens in its correct order, its
//! position menus start blank and required, and a form sent without choosing
//! is refused with a 422 that says what to do, and is not graded.

mod support;

use support::http::{Browser, Page};
use support::server::Server;

/// The items of the fixture's ordering question, first to last.
const ORDER: [&str; 4] = ["Sputnik 1", "Vostok 1", "Apollo 8", "Apollo 11"];

/// Starts a one-question test of `kind` and returns its question's path.
fn start(b: &mut Browser, kind: &str) -> String {
    let csrf = b.get("/sets/web-moon").page().csrf();
    let created = b.post(
        "/sets/web-moon",
        &[
            ("csrf", csrf.as_str()),
            ("count", "1"),
            ("kind", kind),
            ("timer", "off"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.body);
    created.location().to_string()
}

fn server() -> (tempfile::TempDir, Server) {
    let data = tempfile::tempdir().unwrap();
    let server = Server::serve(data.path(), &[support::fixture("web-all-kinds.ron")]);
    (data, server)
}

#[test]
fn an_ordering_never_opens_in_its_correct_order() {
    let (_data, server) = server();
    let mut b = Browser::new(&server.url);
    b.get("/");
    // 150 fresh attempts, each with a random seed: with four items, about
    // six would open solved if layouts were left to chance.
    for attempt in 0..150 {
        let question = start(&mut b, "ordering");
        let page = b.get(&question).page();
        let shown = page.texts(".order-item .order-text");
        assert_eq!(shown.len(), ORDER.len(), "{shown:?}");
        assert_ne!(shown, ORDER, "attempt {attempt} opened solved: {question}");
    }
}

#[test]
fn an_ordering_menu_starts_blank_and_required() {
    let (_data, server) = server();
    let mut b = Browser::new(&server.url);
    b.get("/");
    let question = start(&mut b, "ordering");
    let page = b.get(&question).page();
    let menus = page.attrs(".order-item select", "name");
    assert_eq!(menus.len(), ORDER.len());
    assert_eq!(page.count(".order-item select[required]"), menus.len());
    assert_eq!(
        page.count(".order-item option[selected]"),
        0,
        "nothing chosen yet"
    );
    assert_eq!(
        page.attrs(".order-item select option:first-child", "value"),
        vec![""; menus.len()],
        "each menu starts at its blank choice"
    );
}

/// Each case: a kind, the form it sends (as a browser sends menus left at
/// their blank choice), and what the page must say.
#[test]
fn an_untouched_form_is_refused_and_not_graded() {
    let (_data, server) = server();
    let mut b = Browser::new(&server.url);
    b.get("/");
    type Fields = Box<dyn Fn(&Page) -> Vec<(String, String)>>;
    let blank = |prefix: &'static str| {
        move |page: &Page| -> Vec<(String, String)> {
            page.attrs(&format!("select[name^={prefix}]"), "name")
                .into_iter()
                .map(|name| (name, String::new()))
                .collect()
        }
    };
    let cases: [(&str, Fields, &str); 4] = [
        (
            "ordering",
            Box::new(blank("position-")),
            "Give every item a position, from 1 (first) to 4 (last).",
        ),
        (
            "ordering",
            // One menu chosen, the rest left blank.
            Box::new(move |page: &Page| {
                let mut fields = (blank("position-"))(page);
                fields[0].1 = "1".into();
                fields
            }),
            "Give every item a position",
        ),
        (
            "matching",
            Box::new(blank("match-")),
            "Choose a match for every item.",
        ),
        (
            "single-choice",
            Box::new(|_: &Page| vec![]),
            "Choose an answer.",
        ),
    ];
    for (kind, fields, message) in &cases {
        let question = start(&mut b, kind);
        let page = b.get(&question).page();
        let mut form = vec![("csrf".to_string(), page.csrf())];
        form.extend(fields(&page));
        let refused = b.post(&question, &form);
        assert_eq!(refused.status, 422, "{kind}: {}", refused.body);
        let said = refused.page().texts("#answer-error").join(" ");
        assert!(
            said.contains(message),
            "{kind}: the page says {said:?}, not {message:?}"
        );
        // Not graded: no feedback, the question still open, nothing scored.
        let feedback = b.get(&format!("{question}/feedback"));
        assert_ne!(feedback.status, 200, "{kind}: feedback exists");
        assert_eq!(b.get(&question).status, 200, "{kind}: the question is open");
        let attempt = question.strip_suffix("/questions/1").unwrap();
        assert_eq!(
            b.get(attempt).location(),
            question,
            "{kind}: the attempt resumes at its unanswered question"
        );
    }
}
