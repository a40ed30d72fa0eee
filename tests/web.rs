//! The self-test web front end, through `router(state)` and tower's
//! `oneshot`: every page, every kind of bad input, and the rule that no page
//! shows an answer before its question is answered.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use quizline::catalog::Catalog;
use quizline::engine::{Attempt, AttemptOptions, View};
use quizline::question::{Body as QBody, Kind, QuestionSet};
use quizline::server::{self, AppState, ServerConfig};
use quizline::store::{AttemptStore, Recorded, Sqlite, SqliteAttempts, StoredAttempt};
use quizline::web::{BROWSER_COOKIE, csrf_token};
use tower::ServiceExt;

fn manifest(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn fixture(name: &str) -> PathBuf {
    manifest(&format!("tests/fixtures/{name}"))
}

struct App {
    router: Router,
    state: AppState,
    _dir: tempfile::TempDir,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no Location on a {} response", self.status))
    }

    /// The page's text: tags gone, spaces collapsed, entities decoded, so
    /// that it can be searched for a set's strings as written.
    fn text(&self) -> String {
        let doc = scraper::Html::parse_document(&self.body);
        let words: Vec<&str> = doc
            .root_element()
            .text()
            .flat_map(str::split_whitespace)
            .collect();
        words.join(" ")
    }

    #[track_caller]
    fn assert_status(&self, status: StatusCode) -> &Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status; body:\n{}",
            &self.body[..self.body.len().min(3000)]
        );
        self
    }

    #[track_caller]
    fn assert_page(&self, status: StatusCode, needle: &str) -> &Self {
        self.assert_status(status);
        assert!(
            self.headers
                .get(header::CONTENT_TYPE)
                .is_some_and(|v| v.to_str().unwrap().starts_with("text/html")),
            "not an HTML page"
        );
        assert!(
            self.text().contains(needle),
            "page lacks {needle:?}:\n{}",
            self.body
        );
        self
    }
}

async fn app_with(questions: Vec<PathBuf>) -> App {
    let dir = tempfile::tempdir().unwrap();
    let (state, _skipped) = server::open(&ServerConfig {
        questions,
        data_dir: dir.path().to_path_buf(),
        ..ServerConfig::default()
    })
    .await
    .expect("server opens");
    App {
        router: server::router(state.clone()),
        state,
        _dir: dir,
    }
}

async fn app() -> App {
    app_with(vec![
        fixture("web-all-kinds.ron"),
        fixture("web-escape.ron"),
    ])
    .await
}

impl App {
    async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        assert!(
            !resp.status.is_server_error(),
            "a server error: {}\n{}",
            resp.status,
            resp.body
        );
        resp
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post_raw(
        &self,
        path: &str,
        cookie: Option<&str>,
        content_type: &str,
        body: impl Into<Body>,
    ) -> Resp {
        let mut req = Request::post(path).header(header::CONTENT_TYPE, content_type);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(body.into()).unwrap()).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, pairs: &[(&str, &str)]) -> Resp {
        self.post_raw(
            path,
            cookie,
            "application/x-www-form-urlencoded",
            serde_urlencoded::to_string(pairs).unwrap(),
        )
        .await
    }

    /// A browser: the cookie the home page hands out, and its form token.
    async fn browser(&self) -> Browser {
        let home = self.get("/", None).await;
        home.assert_status(StatusCode::OK);
        let set_cookie = home
            .headers
            .get(header::SET_COOKIE)
            .expect("a first visit gets a cookie")
            .to_str()
            .unwrap()
            .to_string();
        assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
        assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
        let value = set_cookie
            .split(';')
            .next()
            .unwrap()
            .strip_prefix(&format!("{BROWSER_COOKIE}="))
            .unwrap()
            .to_string();
        Browser {
            cookie: format!("{BROWSER_COOKIE}={value}"),
            csrf: csrf_token(&value),
            id: value,
        }
    }

    async fn stored(&self, id: &str) -> StoredAttempt {
        self.state
            .attempts
            .load_attempt(id)
            .await
            .unwrap()
            .expect("attempt exists")
    }

    fn set(&self, id: &str) -> Arc<QuestionSet> {
        self.state.catalog.get(id).unwrap().clone()
    }

    /// Starts an attempt through the start form; returns its id.
    async fn start(&self, b: &Browser, set: &str, extra: &[(&str, &str)]) -> String {
        let mut pairs = vec![("csrf", b.csrf.as_str())];
        pairs.extend_from_slice(extra);
        let r = self
            .post(&format!("/sets/{set}"), Some(&b.cookie), &pairs)
            .await;
        r.assert_status(StatusCode::SEE_OTHER);
        let loc = r.location().to_string();
        let id = loc
            .strip_prefix("/attempts/")
            .and_then(|l| l.strip_suffix("/questions/1"))
            .unwrap_or_else(|| panic!("unexpected redirect {loc}"))
            .to_string();
        assert_eq!(id.len(), 32);
        id
    }
}

struct Browser {
    id: String,
    cookie: String,
    csrf: String,
}

/// The form fields that give the engine's fully correct answer.
fn correct_fields(view: &View) -> Vec<(String, String)> {
    let input = view.correct_input();
    fields_for(view, &input)
}

/// Form fields for a line of the engine's typed-answer syntax.
fn fields_for(view: &View, input: &str) -> Vec<(String, String)> {
    let tokens: Vec<&str> = input.split_whitespace().collect();
    match view.kind() {
        Kind::SingleChoice | Kind::BeforeAfter | Kind::MultiSelect => tokens
            .iter()
            .map(|t| ("choice".to_string(), t.to_string()))
            .collect(),
        Kind::TrueFalse => vec![(
            "choice".into(),
            if input.starts_with('t') { "t" } else { "f" }.into(),
        )],
        Kind::Numeric => vec![("number".into(), input.into())],
        Kind::Cloze => vec![("text".into(), input.into())],
        Kind::Ordering => tokens
            .iter()
            .enumerate()
            .map(|(k, l)| (format!("position-{l}"), (k + 1).to_string()))
            .collect(),
        Kind::Matching => tokens
            .iter()
            .map(|t| {
                let split = t.find(|c: char| c.is_ascii_digit()).unwrap();
                (format!("match-{}", &t[..split]), t[split..].to_string())
            })
            .collect(),
    }
}

/// Fields for an answer that earns nothing.
fn wrong_fields(view: &View) -> Vec<(String, String)> {
    let n = view.options().len();
    let correct = view.correct_input();
    let input = match view.kind() {
        Kind::SingleChoice | Kind::BeforeAfter => {
            let l = (0..n)
                .map(quizline::engine::letter)
                .find(|l| *l != correct)
                .unwrap();
            l.to_string()
        }
        Kind::MultiSelect => {
            let right: Vec<&str> = correct.split_whitespace().collect();
            (0..n)
                .map(quizline::engine::letter)
                .filter(|l| !right.contains(&l.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        }
        Kind::TrueFalse => if correct == "true" { "f" } else { "t" }.into(),
        Kind::Numeric => match &view.question.body {
            QBody::Numeric { high, .. } => (high + 1000).to_string(),
            _ => unreachable!(),
        },
        Kind::Cloze => "certainly not this".into(),
        Kind::Ordering => {
            let mut l: Vec<&str> = correct.split_whitespace().collect();
            l.reverse();
            l.join(" ")
        }
        Kind::Matching => {
            // Every left item paired with a wrong right one.
            let m = view.right().len();
            correct
                .split_whitespace()
                .map(|t| {
                    let split = t.find(|c: char| c.is_ascii_digit()).unwrap();
                    let r: usize = t[split..].parse().unwrap();
                    format!("{}{}", &t[..split], r % m + 1)
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
    };
    fields_for(view, &input)
}

fn with_csrf<'a>(b: &'a Browser, fields: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![("csrf", b.csrf.as_str())];
    pairs.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    pairs
}

#[tokio::test]
async fn every_page_renders() {
    let app = app().await;
    let home = app.get("/", None).await;
    home.assert_page(StatusCode::OK, "The race to the Moon")
        .assert_page(
            StatusCode::OK,
            "Eight questions on the first crewed Moon landing",
        )
        .assert_page(StatusCode::OK, "Fill in the blank");
    assert!(home.body.contains("<html lang=\"en\">"));
    assert!(home.body.contains("href=\"#main\""), "skip link");
    home.assert_page(StatusCode::OK, "8 questions");
    assert_eq!(
        home.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store",
        "pages carry tokens and state: not cached"
    );
    let csp = home
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'"), "{csp}");
    // Nothing is loaded from anywhere else.
    for attr in [
        "src=\"http",
        "href=\"http",
        "src=\"//",
        "href=\"//",
        "@import",
    ] {
        assert!(!home.body.contains(attr), "external reference {attr}");
    }

    let b = app.browser().await;
    let start = app.get("/sets/web-moon", Some(&b.cookie)).await;
    start
        .assert_page(StatusCode::OK, "Number of questions")
        .assert_page(StatusCode::OK, "No time limit");
    assert!(start.body.contains(&format!("value=\"{}\"", b.csrf)));
    assert!(
        start
            .body
            .contains("id=\"timer-off\" name=\"timer\" value=\"off\" checked"),
        "the timer is off by default"
    );
    assert!(
        start.headers.get(header::SET_COOKIE).is_none(),
        "a known browser keeps its cookie"
    );

    let id = app
        .start(
            &b,
            "web-moon",
            &[
                ("count", "8"),
                ("kind", "single-choice"),
                ("kind", "numeric"),
                ("timer", "off"),
                ("minutes", "10"),
            ],
        )
        .await;
    let stored = app.stored(&id).await;
    assert_eq!(stored.attempt.items.len(), 2, "kinds filter the questions");
    assert_eq!(stored.browser, b.id);
    assert_eq!(stored.deadline_ms, None);

    let q1 = app
        .get(&format!("/attempts/{id}/questions/1"), Some(&b.cookie))
        .await;
    q1.assert_page(StatusCode::OK, "Question 1 of 2")
        .assert_page(StatusCode::OK, "Check my answer");
    assert!(q1.body.contains("<fieldset"));
    assert!(q1.body.contains("<legend>"));
    // Resuming goes to the first question not answered.
    let resume = app.get(&format!("/attempts/{id}"), Some(&b.cookie)).await;
    resume.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(resume.location(), format!("/attempts/{id}/questions/1"));
    // Feedback before answering sends back to the question.
    let early = app
        .get(
            &format!("/attempts/{id}/questions/1/feedback"),
            Some(&b.cookie),
        )
        .await;
    early.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(early.location(), format!("/attempts/{id}/questions/1"));

    let results = app
        .get(&format!("/attempts/{id}/results"), Some(&b.cookie))
        .await;
    results
        .assert_page(StatusCode::OK, "This test is not finished")
        .assert_page(StatusCode::OK, "Not answered");

    let history = app.get("/history", Some(&b.cookie)).await;
    history
        .assert_page(StatusCode::OK, "The race to the Moon")
        .assert_page(StatusCode::OK, "In progress")
        .assert_page(StatusCode::OK, "0 of 2");
    assert!(history.body.contains(&format!("href=\"/attempts/{id}\"")));
    // Another browser sees none of it, and cannot answer: the link shows
    // the results, read-only.
    let other = app.get("/history", None).await;
    other.assert_page(StatusCode::OK, "No attempts in this browser yet");
    let stranger = app.browser().await;
    app.get(
        &format!("/attempts/{id}/questions/1"),
        Some(&stranger.cookie),
    )
    .await
    .assert_page(StatusCode::FORBIDDEN, "started in another browser");
    let r = app
        .get(&format!("/attempts/{id}"), Some(&stranger.cookie))
        .await;
    assert_eq!(r.location(), format!("/attempts/{id}/results"));
    app.get(&format!("/attempts/{id}/results"), Some(&stranger.cookie))
        .await
        .assert_page(StatusCode::OK, "Your results");

    let not_found = app.get("/no/such/page", None).await;
    not_found.assert_page(StatusCode::NOT_FOUND, "Page not found");
    assert!(not_found.body.contains("<h1>"));

    for (path, kind) in [
        ("/assets/quizline.css", "text/css"),
        ("/assets/quizline.js", "text/javascript"),
        ("/assets/icon.svg", "image/svg+xml"),
    ] {
        let r = app.get(path, None).await;
        r.assert_status(StatusCode::OK);
        let ct = r
            .headers
            .get(header::CONTENT_TYPE)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(ct.starts_with(kind), "{path}: {ct}");
        assert!(
            r.headers.get(header::SET_COOKIE).is_none(),
            "{path} sets no cookie"
        );
        for reference in ["url(http", "url(//", "src=\"http", "href=\"http", "import "] {
            assert!(!r.body.contains(reference), "{path} refers elsewhere");
        }
    }
    // The addresses pages use are versioned, and so cached for good.
    let css_href = scraper::Html::parse_document(&home.body)
        .select(&scraper::Selector::parse("link[rel=stylesheet]").unwrap())
        .next()
        .and_then(|l| l.value().attr("href"))
        .unwrap()
        .to_string();
    let css = app.get(&css_href, None).await;
    assert!(
        css.headers
            .get(header::CACHE_CONTROL)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let etag = css
        .headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let again = app
        .send(
            Request::get(&css_href)
                .header(header::IF_NONE_MATCH, &etag)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    again.assert_status(StatusCode::NOT_MODIFIED);
    app.get("/assets/nothing.css", None)
        .await
        .assert_page(StatusCode::NOT_FOUND, "Page not found");
}

#[tokio::test]
async fn a_whole_attempt_is_graded_by_the_engine_and_kept() {
    let app = app().await;
    let b = app.browser().await;
    let id = app
        .start(
            &b,
            "web-moon",
            &[
                ("count", "8"),
                ("kind", "single-choice"),
                ("kind", "multi-select"),
                ("kind", "true-false"),
                ("kind", "numeric"),
                ("kind", "ordering"),
                ("kind", "before-after"),
                ("kind", "matching"),
                ("kind", "cloze"),
                ("timer", "off"),
            ],
        )
        .await;
    let set = app.set("web-moon");
    let plan = app.stored(&id).await;
    assert_eq!(plan.attempt.items.len(), 8);
    let kinds: Vec<Kind> = plan
        .attempt
        .items
        .iter()
        .map(|i| set.questions[i.index].kind())
        .collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(sorted, Kind::ALL.to_vec(), "one question of each kind");

    // What the engine alone makes of the same answers.
    let mut expected = plan.attempt.clone();
    for n in 0..8 {
        let view = plan.attempt.view(&set, n).unwrap();
        let right = n % 2 == 0;
        let fields = if right {
            correct_fields(&view)
        } else {
            wrong_fields(&view)
        };
        let page = app
            .get(
                &format!("/attempts/{id}/questions/{}", n + 1),
                Some(&b.cookie),
            )
            .await;
        page.assert_page(StatusCode::OK, &view.question.prompt);
        // Every field the test sends is one the page has.
        for (name, _) in &fields {
            assert!(
                page.body.contains(&format!("name=\"{name}\"")),
                "{}: page has no field {name}",
                view.kind()
            );
        }
        let r = app
            .post(
                &format!("/attempts/{id}/questions/{}", n + 1),
                Some(&b.cookie),
                &with_csrf(&b, &fields),
            )
            .await;
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(
            r.location(),
            format!("/attempts/{id}/questions/{}/feedback", n + 1)
        );

        let stored = app.stored(&id).await;
        let outcome = stored.attempt.items[n].outcome.clone().expect("recorded");
        let mine = expected
            .answer(&set, n, &outcome.input, outcome.answered_at_ms)
            .unwrap()
            .clone();
        assert_eq!(
            outcome,
            mine,
            "{}: stored outcome is the engine's",
            view.kind()
        );

        let fb = app.get(r.location(), Some(&b.cookie)).await;
        let verdict = if right { "Correct" } else { "Incorrect" };
        fb.assert_page(StatusCode::OK, verdict)
            .assert_page(StatusCode::OK, &view.question.explanation)
            .assert_page(StatusCode::OK, "Correct answer")
            .assert_page(StatusCode::OK, &view.correct_answer());
        assert!(fb.body.contains("role=\"status\""));
        if let Some(source) = &view.question.source {
            fb.assert_page(StatusCode::OK, source);
        }
        let next = if n == 7 {
            "See your results"
        } else {
            "Next question"
        };
        fb.assert_page(StatusCode::OK, next);
    }
    let summary = expected.summary();
    assert_eq!(app.stored(&id).await.attempt.summary(), summary);
    // What the database holds is what was served from memory.
    let fresh = SqliteAttempts::new(Arc::new(Sqlite::open(app._dir.path()).unwrap()));
    assert_eq!(
        fresh.load_attempt(&id).await.unwrap(),
        Some(app.stored(&id).await)
    );

    let results = app
        .get(&format!("/attempts/{id}/results"), Some(&b.cookie))
        .await;
    let score = format!(
        "{} of {} points",
        quizline_points(summary.score),
        quizline_points(plan.max_score)
    );
    results
        .assert_page(StatusCode::OK, &score)
        .assert_page(StatusCode::OK, &format!("{} correct", summary.correct))
        .assert_page(StatusCode::OK, "Try the ones I missed again (4)");
    // The review shows every question with its feedback.
    for item in &plan.attempt.items {
        results.assert_page(StatusCode::OK, &set.questions[item.index].explanation);
    }
    assert!(!results.text().contains("This test is not finished"));

    let history = app.get("/history", Some(&b.cookie)).await;
    history
        .assert_page(StatusCode::OK, "Finished")
        .assert_page(StatusCode::OK, "8 of 8")
        .assert_page(
            StatusCode::OK,
            &format!(
                "{} of {}",
                quizline_points(summary.score),
                quizline_points(plan.max_score)
            ),
        );

    // Try the missed ones again: a new attempt of exactly those.
    let r = app
        .post(
            &format!("/attempts/{id}/retry"),
            Some(&b.cookie),
            &[("csrf", &b.csrf)],
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let retry_id = r
        .location()
        .strip_prefix("/attempts/")
        .and_then(|l| l.strip_suffix("/questions/1"))
        .unwrap()
        .to_string();
    let retry = app.stored(&retry_id).await;
    assert_eq!(retry.retry_of.as_deref(), Some(id.as_str()));
    let mut missed: Vec<&str> = plan
        .attempt
        .items
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 2 == 1)
        .map(|(_, i)| i.question_id.as_str())
        .collect();
    let mut again: Vec<&str> = retry
        .attempt
        .items
        .iter()
        .map(|i| i.question_id.as_str())
        .collect();
    missed.sort();
    again.sort();
    assert_eq!(again, missed);
    let history = app.get("/history", Some(&b.cookie)).await;
    history.assert_page(StatusCode::OK, "missed ones");
}

async fn unanswered(app: &App, id: &str) -> bool {
    app.stored(id)
        .await
        .attempt
        .items
        .iter()
        .all(|i| i.outcome.is_none())
}

fn quizline_points(x: f64) -> String {
    let x = (x * 100.0).round() / 100.0;
    if x.fract() == 0.0 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[tokio::test]
async fn an_answer_is_committed_before_the_response() {
    let app = app().await;
    let b = app.browser().await;
    let id = app
        .start(
            &b,
            "web-moon",
            &[
                ("count", "3"),
                ("kind", "true-false"),
                ("kind", "numeric"),
                ("kind", "single-choice"),
            ],
        )
        .await;
    let set = app.set("web-moon");
    let plan = app.stored(&id).await;
    let view = plan.attempt.view(&set, 0).unwrap();
    let r = app
        .post(
            &format!("/attempts/{id}/questions/1"),
            Some(&b.cookie),
            &with_csrf(&b, &correct_fields(&view)),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    // A separate connection, as another process would open after a crash.
    let db = rusqlite::Connection::open(app._dir.path().join("quizline.db")).unwrap();
    let (item, verdict): (i64, String) = db
        .query_row(
            "SELECT item, verdict FROM answers WHERE attempt_id = ?1",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((item, verdict.as_str()), (0, "correct"));
}

#[tokio::test]
async fn bad_input_gets_a_page_that_says_what_was_wrong() {
    let app = app().await;
    let b = app.browser().await;
    let c = Some(b.cookie.as_str());

    // Unknown things are 404 pages.
    for path in [
        "/sets/no-such-set",
        "/sets/%FF%FE",
        "/attempts/0123456789abcdef0123456789abcdef",
        "/attempts/not-an-id/questions/1",
        "/attempts/../../etc/passwd",
        "/attempts/0123456789abcdef0123456789abcdef/results",
    ] {
        app.get(path, c)
            .await
            .assert_page(StatusCode::NOT_FOUND, "Page not found");
    }
    app.post("/sets/no-such-set", c, &[("csrf", &b.csrf), ("count", "1")])
        .await
        .assert_page(StatusCode::NOT_FOUND, "no question set");

    let id = app
        .start(
            &b,
            "web-moon",
            &[
                ("count", "8"),
                ("kind", "single-choice"),
                ("kind", "multi-select"),
                ("kind", "true-false"),
                ("kind", "numeric"),
                ("kind", "ordering"),
                ("kind", "before-after"),
                ("kind", "matching"),
                ("kind", "cloze"),
            ],
        )
        .await;
    for n in ["0", "9", "abc", "1e3", "-1", "99999999999999999999999"] {
        app.get(&format!("/attempts/{id}/questions/{n}"), c)
            .await
            .assert_page(StatusCode::NOT_FOUND, "no question with that number");
        app.post(
            &format!("/attempts/{id}/questions/{n}"),
            c,
            &[("csrf", &b.csrf)],
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
    }

    let set = app.set("web-moon");
    let plan = app.stored(&id).await;
    let find = |kind: Kind| {
        plan.attempt
            .items
            .iter()
            .position(|i| set.questions[i.index].kind() == kind)
            .unwrap()
    };
    let url = |n: usize| format!("/attempts/{id}/questions/{}", n + 1);
    let single = find(Kind::SingleChoice);

    // Forged or stale forms: 400 with the reason.
    let no_cookie = app
        .post(&url(single), None, &[("csrf", &b.csrf), ("choice", "a")])
        .await;
    no_cookie.assert_page(StatusCode::BAD_REQUEST, "did not send quizline's cookie");
    assert!(
        no_cookie.headers.get(header::SET_COOKIE).is_some(),
        "so a reload can work"
    );
    app.post(&url(single), c, &[("choice", "a")])
        .await
        .assert_page(StatusCode::BAD_REQUEST, "no security token");
    let other = app.browser().await;
    app.post(&url(single), c, &[("csrf", &other.csrf), ("choice", "a")])
        .await
        .assert_page(StatusCode::BAD_REQUEST, "does not match this browser");
    app.post(
        &url(single),
        c,
        &[("csrf", &b.csrf), ("csrf", &b.csrf), ("choice", "a")],
    )
    .await
    .assert_page(StatusCode::BAD_REQUEST, "more than once");
    app.post(&url(single), c, &[("csrf", &b.csrf), ("choice", "z")])
        .await
        .assert_page(
            StatusCode::BAD_REQUEST,
            "option `z`, which this question does not have",
        );
    app.post(
        &url(single),
        c,
        &[("csrf", &b.csrf), ("choice", "a"), ("choice", "b")],
    )
    .await
    .assert_page(StatusCode::BAD_REQUEST, "more than one option");
    let ordering = find(Kind::Ordering);
    app.post(
        &url(ordering),
        c,
        &[
            ("csrf", &b.csrf),
            ("position-a", "9"),
            ("position-b", "1"),
            ("position-c", "2"),
            ("position-d", "3"),
        ],
    )
    .await
    .assert_page(StatusCode::BAD_REQUEST, "must be a number from 1 to 4");
    app.post(&url(ordering), c, &[("csrf", &b.csrf), ("position-a", "1")])
        .await
        .assert_page(StatusCode::BAD_REQUEST, "has no `position-b` field");
    let matching = find(Kind::Matching);
    app.post(
        &url(matching),
        c,
        &[
            ("csrf", &b.csrf),
            ("match-a", "1"),
            ("match-b", "<script>"),
            ("match-c", "1"),
        ],
    )
    .await
    .assert_page(StatusCode::BAD_REQUEST, "must be a number from 1 to 3");
    // Not a form at all, or far too big for one.
    app.post_raw(
        &url(single),
        c,
        "application/json",
        format!("{{\"csrf\":\"{}\"}}", b.csrf),
    )
    .await
    .assert_page(StatusCode::UNSUPPORTED_MEDIA_TYPE, "not a web form");
    let big = format!("csrf={}&choice=a&pad={}", b.csrf, "x".repeat(100_000));
    app.post_raw(&url(single), c, "application/x-www-form-urlencoded", big)
        .await
        .assert_page(StatusCode::PAYLOAD_TOO_LARGE, "too large");
    let huge = format!("csrf={}&pad={}", b.csrf, "x".repeat(1_000_000));
    let r = app
        .post_raw(&url(single), c, "application/x-www-form-urlencoded", huge)
        .await;
    r.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert!(unanswered(&app, &id).await, "no bad form was counted");

    // A person's slips: the question again, with what to do, not counted.
    let r = app.post(&url(single), c, &[("csrf", &b.csrf)]).await;
    r.assert_page(StatusCode::UNPROCESSABLE_ENTITY, "Choose an answer.")
        .assert_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &set.questions[plan.attempt.items[single].index].prompt,
        );
    assert!(r.body.contains("role=\"alert\""));
    let numeric = find(Kind::Numeric);
    let r = app
        .post(
            &url(numeric),
            c,
            &[("csrf", &b.csrf), ("number", "nineteen")],
        )
        .await;
    r.assert_page(StatusCode::UNPROCESSABLE_ENTITY, "Type a whole number");
    assert!(
        r.body.contains("value=\"nineteen\""),
        "what was typed is kept"
    );
    app.post(&url(numeric), c, &[("csrf", &b.csrf), ("number", "3,00")])
        .await
        .assert_page(StatusCode::UNPROCESSABLE_ENTITY, "three digits");
    let r = app
        .post(
            &url(ordering),
            c,
            &[
                ("csrf", &b.csrf),
                ("position-a", "2"),
                ("position-b", "2"),
                ("position-c", "1"),
                ("position-d", "3"),
            ],
        )
        .await;
    r.assert_page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Two items are both in position 2",
    );
    assert!(r.body.contains("<option value=\"2\" selected>"));
    app.post(
        &url(matching),
        c,
        &[
            ("csrf", &b.csrf),
            ("match-a", "1"),
            ("match-b", ""),
            ("match-c", "2"),
        ],
    )
    .await
    .assert_page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Choose a match for every item",
    );
    let cloze = find(Kind::Cloze);
    app.post(&url(cloze), c, &[("csrf", &b.csrf), ("text", "   ")])
        .await
        .assert_page(StatusCode::UNPROCESSABLE_ENTITY, "Type the missing word");
    let multi = find(Kind::MultiSelect);
    app.post(&url(multi), c, &[("csrf", &b.csrf)])
        .await
        .assert_page(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Choose at least one answer",
        );
    assert!(unanswered(&app, &id).await, "no slip was counted");

    // Someone else's attempt cannot be answered, even with their own token.
    app.post(
        &url(single),
        Some(&other.cookie),
        &[("csrf", &other.csrf), ("choice", "a")],
    )
    .await
    .assert_page(StatusCode::FORBIDDEN, "started in another browser");
    assert!(unanswered(&app, &id).await);

    // A second answer changes nothing.
    let view = plan.attempt.view(&set, single).unwrap();
    let right = correct_fields(&view);
    app.post(&url(single), c, &with_csrf(&b, &right))
        .await
        .assert_status(StatusCode::SEE_OTHER);
    let first = app.stored(&id).await.attempt.items[single]
        .outcome
        .clone()
        .unwrap();
    let wrong = wrong_fields(&view);
    let again = app.post(&url(single), c, &with_csrf(&b, &wrong)).await;
    again.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(again.location(), format!("{}/feedback", url(single)));
    assert_eq!(
        app.stored(&id).await.attempt.items[single].outcome,
        Some(first)
    );
    // Even forged, it is not read at all.
    app.post(&url(single), c, &[("csrf", &b.csrf), ("choice", "z")])
        .await
        .assert_status(StatusCode::SEE_OTHER);
    // Its page now leads to its feedback.
    let page = app.get(&url(single), c).await;
    page.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(page.location(), format!("{}/feedback", url(single)));

    // The start form.
    let start = |pairs: Vec<(&'static str, &'static str)>| {
        let app = &app;
        let b = &b;
        async move {
            let mut all = vec![("csrf", b.csrf.as_str())];
            all.extend(pairs);
            app.post("/sets/web-moon", Some(&b.cookie), &all).await
        }
    };
    start(vec![("count", "0"), ("kind", "cloze")])
        .await
        .assert_page(StatusCode::UNPROCESSABLE_ENTITY, "from 1 to 8");
    start(vec![("count", "lots"), ("kind", "cloze")])
        .await
        .assert_page(StatusCode::UNPROCESSABLE_ENTITY, "from 1 to 8");
    start(vec![("count", "9"), ("kind", "cloze")])
        .await
        .assert_page(StatusCode::UNPROCESSABLE_ENTITY, "from 1 to 8");
    let r = start(vec![("count", "3")]).await;
    r.assert_page(StatusCode::UNPROCESSABLE_ENTITY, "Choose at least one kind");
    assert!(
        r.body.contains("value=\"3\""),
        "the form keeps what was chosen"
    );
    start(vec![("count", "3"), ("kind", "essay")])
        .await
        .assert_page(StatusCode::BAD_REQUEST, "kind `essay`");
    start(vec![("count", "3"), ("kind", "cloze"), ("timer", "maybe")])
        .await
        .assert_page(StatusCode::BAD_REQUEST, "must be `on` or `off`");
    start(vec![
        ("count", "3"),
        ("kind", "cloze"),
        ("timer", "on"),
        ("minutes", "0"),
    ])
    .await
    .assert_page(StatusCode::UNPROCESSABLE_ENTITY, "from 1 to 240");
    start(vec![
        ("count", "3"),
        ("kind", "cloze"),
        ("timer", "on"),
        ("minutes", "100000000000"),
    ])
    .await
    .assert_page(StatusCode::UNPROCESSABLE_ENTITY, "from 1 to 240");
    app.post("/sets/web-moon", c, &[("count", "3"), ("kind", "cloze")])
        .await
        .assert_page(StatusCode::BAD_REQUEST, "no security token");

    // Retrying before the end, and time changes without a time limit.
    app.post(&format!("/attempts/{id}/retry"), c, &[("csrf", &b.csrf)])
        .await
        .assert_page(StatusCode::CONFLICT, "not finished yet");
    app.post(
        &format!("/attempts/{id}/time"),
        c,
        &[("csrf", &b.csrf), ("change", "extend")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(
        app.stored(&id).await.deadline_ms,
        None,
        "no limit stays no limit"
    );
    app.post(
        &format!("/attempts/{id}/retry"),
        Some(&other.cookie),
        &[("csrf", &other.csrf)],
    )
    .await
    .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_time_limit_can_be_extended_or_removed_and_ends_the_test() {
    let app = app().await;
    let b = app.browser().await;
    let c = Some(b.cookie.as_str());
    let id = app
        .start(
            &b,
            "web-moon",
            &[
                ("count", "4"),
                ("kind", "single-choice"),
                ("kind", "true-false"),
                ("kind", "numeric"),
                ("kind", "cloze"),
                ("timer", "on"),
                ("minutes", "10"),
            ],
        )
        .await;
    let stored = app.stored(&id).await;
    let deadline = stored.deadline_ms.expect("a time limit");
    assert_eq!(deadline - stored.started_ms, 600_000);
    let page = app.get(&format!("/attempts/{id}/questions/1"), c).await;
    page.assert_page(StatusCode::OK, "Time left")
        .assert_page(StatusCode::OK, "Add 5 minutes")
        .assert_page(StatusCode::OK, "Remove the time limit");

    app.post(
        &format!("/attempts/{id}/time"),
        c,
        &[("csrf", &b.csrf), ("change", "extend")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.stored(&id).await.deadline_ms, Some(deadline + 300_000));
    app.post(
        &format!("/attempts/{id}/time"),
        c,
        &[("csrf", &b.csrf), ("change", "never")],
    )
    .await
    .assert_page(
        StatusCode::BAD_REQUEST,
        "can only `extend` it or turn it `off`",
    );
    app.post(
        &format!("/attempts/{id}/time"),
        c,
        &[("csrf", &b.csrf), ("change", "off")],
    )
    .await
    .assert_status(StatusCode::SEE_OTHER);
    assert_eq!(app.stored(&id).await.deadline_ms, None);
    let page = app.get(&format!("/attempts/{id}/questions/1"), c).await;
    assert!(!page.text().contains("Time left"));

    // An attempt whose time ran out: no more answers, results say why.
    let set = app.set("web-moon");
    let attempt = Attempt::new(
        &set,
        AttemptOptions {
            count: Some(3),
            seed: 5,
            ..Default::default()
        },
    )
    .unwrap();
    let late = StoredAttempt {
        id: "00000000000000000000000000000001".into(),
        browser: b.id.clone(),
        set_title: set.title.clone(),
        started_ms: 1_000,
        deadline_ms: Some(2_000),
        retry_of: None,
        max_score: attempt.max_score(&set),
        attempt,
    };
    app.state.attempts.create_attempt(&late).await.unwrap();
    let q = format!("/attempts/{}/questions/1", late.id);
    let r = app.get(&q, c).await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/attempts/{}/results", late.id));
    let view = late.attempt.view(&set, 0).unwrap();
    let r = app
        .post(&q, c, &with_csrf(&b, &correct_fields(&view)))
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/attempts/{}/results", late.id));
    assert!(
        app.stored(&late.id).await.attempt.items[0]
            .outcome
            .is_none()
    );
    app.get(&format!("/attempts/{}/results", late.id), c)
        .await
        .assert_page(StatusCode::OK, "Time ran out")
        .assert_page(StatusCode::OK, "Try the ones I missed again (3)");
    app.get("/history", c)
        .await
        .assert_page(StatusCode::OK, "Time ran out");
    let r = app.get(&format!("/attempts/{}", late.id), c).await;
    assert_eq!(r.location(), format!("/attempts/{}/results", late.id));
}

#[tokio::test]
async fn answers_racing_for_one_question_record_one() {
    let app = app().await;
    let b = app.browser().await;
    let id = app
        .start(&b, "web-moon", &[("count", "1"), ("kind", "single-choice")])
        .await;
    let set = app.set("web-moon");
    let plan = app.stored(&id).await;
    let view = plan.attempt.view(&set, 0).unwrap();
    let letters: Vec<String> = (0..view.options().len())
        .map(quizline::engine::letter)
        .collect();
    let url = format!("/attempts/{id}/questions/1");
    let posts = letters.iter().cycle().take(16).map(|l| {
        let fields = vec![("choice".to_string(), l.clone())];
        let app = &app;
        let b = &b;
        let url = url.clone();
        async move {
            app.post(&url, Some(&b.cookie), &with_csrf(b, &fields))
                .await
        }
    });
    let results = futures_util::future::join_all(posts).await;
    for r in &results {
        r.assert_status(StatusCode::SEE_OTHER);
        assert_eq!(r.location(), format!("{url}/feedback"));
    }
    let db = rusqlite::Connection::open(app._dir.path().join("quizline.db")).unwrap();
    let rows: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM answers WHERE attempt_id = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 1);
    // The store refuses a second outcome however it is reached.
    let stored = app.stored(&id).await;
    let outcome = stored.attempt.items[0].outcome.clone().unwrap();
    assert_eq!(
        app.state
            .attempts
            .record_answer(&id, 0, &outcome)
            .await
            .unwrap(),
        Recorded::AlreadyAnswered
    );
}

/// Text like `</a>`, which a page holds as markup anyway; it is still
/// checked to be shown as text.
fn lone_tag(t: &str) -> bool {
    t.starts_with('<') && t.ends_with('>') && t.len() < 8 && !t.contains(' ')
}

#[tokio::test]
async fn all_text_is_escaped() {
    let app = app().await;
    let b = app.browser().await;
    let home = app.get("/", Some(&b.cookie)).await;
    for raw in ["<script>alert('title')", "<b>bold?</b>", "<img src=x"] {
        assert!(!home.body.contains(raw), "home shows {raw} unescaped");
        home.assert_page(StatusCode::OK, raw);
    }
    let id = app
        .start(
            &b,
            "web-escape",
            &[
                ("count", "3"),
                ("kind", "single-choice"),
                ("kind", "matching"),
                ("kind", "cloze"),
            ],
        )
        .await;
    let set = app.set("web-escape");
    let plan = app.stored(&id).await;
    for n in 0..3 {
        let page = app
            .get(
                &format!("/attempts/{id}/questions/{}", n + 1),
                Some(&b.cookie),
            )
            .await;
        page.assert_status(StatusCode::OK);
        let view = plan.attempt.view(&set, n).unwrap();
        let mut texts = vec![view.question.prompt.clone()];
        texts.extend(view.options().iter().map(|s| s.to_string()));
        texts.extend(view.right().iter().map(|s| s.to_string()));
        if let Some(c) = view.cloze_text() {
            texts.extend(c.split("___").map(|s| s.to_string()));
        }
        for t in texts.iter().filter(|t| t.contains('<')) {
            assert!(
                lone_tag(t) || !page.body.contains(t.as_str()),
                "{t} unescaped"
            );
            page.assert_page(StatusCode::OK, t);
        }
        let r = app
            .post(
                &format!("/attempts/{id}/questions/{}", n + 1),
                Some(&b.cookie),
                &with_csrf(&b, &correct_fields(&view)),
            )
            .await;
        let fb = app.get(r.location(), Some(&b.cookie)).await;
        fb.assert_page(StatusCode::OK, "Correct");
        for t in [&view.question.explanation, &view.correct_answer()] {
            assert!(
                lone_tag(t) || !fb.body.contains(t.as_str()),
                "{t} unescaped"
            );
            fb.assert_page(StatusCode::OK, t);
        }
    }
    let history = app.get("/history", Some(&b.cookie)).await;
    assert!(!history.body.contains("<script>alert"));
    history.assert_page(StatusCode::OK, "<script>alert('title')</script>");
}

/// A copy of `set` in which every answer, explanation and source differs,
/// while everything a question page may show stays the same.
fn twisted(set: &QuestionSet) -> QuestionSet {
    let mut t = set.clone();
    t.generated = None;
    for q in &mut t.questions {
        q.explanation = format!("TWISTED-EXPLANATION-{}", q.id);
        q.source = Some(format!("TWISTED-SOURCE-{}", q.id).into());
        match &mut q.body {
            QBody::SingleChoice { options, answer } | QBody::BeforeAfter { options, answer } => {
                *answer = (*answer + 1) % options.len();
            }
            QBody::MultiSelect { options, answers } => {
                let rest: Vec<usize> = (0..options.len())
                    .filter(|i| !answers.contains(i))
                    .collect();
                *answers = if rest.is_empty() { vec![0] } else { rest };
            }
            QBody::TrueFalse { answer } => *answer = !*answer,
            QBody::Numeric { low, high, .. } => {
                *low += 7777;
                *high += 7777;
            }
            QBody::Ordering { answer, .. } => answer.reverse(),
            QBody::Matching { answer, .. } => answer.rotate_left(1),
            QBody::Cloze { accept, .. } => *accept = vec!["twisted zzqx".into()],
        }
    }
    t
}

fn write_set(dir: &Path, set: &QuestionSet) -> PathBuf {
    let path = dir.join(format!("{}.ron", set.id));
    std::fs::write(&path, quizline::files::to_ron(set)).unwrap();
    path
}

/// Every set the server would offer from `questions/` (the real sets, once
/// generated), and the web fixtures.
fn every_set() -> Vec<QuestionSet> {
    let mut sets = Vec::new();
    for root in [manifest("questions"), manifest("tests/fixtures")] {
        let loaded = Catalog::load(&[root]);
        for set in loaded.catalog.sets() {
            if !sets.iter().any(|s: &QuestionSet| s.id == set.id) {
                sets.push((**set).clone());
            }
        }
    }
    assert!(!sets.is_empty());
    sets
}

/// No question page shows its answer: a page made from a set and one made
/// from the same set with every answer, explanation and source changed are
/// the same page, byte for byte. And the explanation and source are nowhere
/// on it, though they are on the feedback page once answered.
#[tokio::test]
async fn no_question_page_leaks_its_answer() {
    let sets = every_set();
    let real = tempfile::tempdir().unwrap();
    let fake = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for set in &sets {
        write_set(real.path(), set);
        write_set(fake.path(), &twisted(set));
    }
    let a = app_with(vec![real.path().to_path_buf()]).await;
    let z = app_with(vec![fake.path().to_path_buf()]).await;
    assert_eq!(a.state.catalog.len(), sets.len(), "every set loads");
    assert_eq!(z.state.catalog.len(), sets.len(), "every twisted set loads");
    let b = a.browser().await;
    for (k, set) in sets.iter().enumerate() {
        let attempt = Attempt::new(
            set,
            AttemptOptions {
                seed: 1000 + k as u64,
                ..Default::default()
            },
        )
        .unwrap();
        let stored = StoredAttempt {
            id: format!("{:032x}", k + 1),
            browser: b.id.clone(),
            set_title: set.title.clone(),
            started_ms: 0,
            deadline_ms: None,
            retry_of: None,
            max_score: attempt.max_score(set),
            attempt,
        };
        a.state.attempts.create_attempt(&stored).await.unwrap();
        z.state.attempts.create_attempt(&stored).await.unwrap();
        for n in 0..stored.attempt.items.len() {
            let path = format!("/attempts/{}/questions/{}", stored.id, n + 1);
            let page = a.get(&path, Some(&b.cookie)).await;
            page.assert_status(StatusCode::OK);
            let other = z.get(&path, Some(&b.cookie)).await;
            if page.body != other.body {
                let diff = page
                    .body
                    .lines()
                    .zip(other.body.lines())
                    .find(|(a, b)| a != b);
                panic!(
                    "{}: question {} depends on its answer: {diff:?}",
                    set.id,
                    n + 1
                );
            }
            let view = stored.attempt.view(set, n).unwrap();
            let q = view.question;
            let text = page.text();
            let shown = format!(
                "{} {} {} {}",
                q.prompt,
                view.options().join(" "),
                view.right().join(" "),
                view.cloze_text().unwrap_or("")
            );
            for secret in std::iter::once(q.explanation.as_str()).chain(q.source.as_deref()) {
                if !secret.trim().is_empty() && !shown.contains(secret) {
                    assert!(
                        !text.contains(secret),
                        "{}: question {} shows {secret:?}",
                        set.id,
                        n + 1
                    );
                }
            }
            if let QBody::Cloze { accept, .. } = &q.body {
                for word in accept.iter().filter(|w| !shown.contains(w.as_str())) {
                    assert!(!text.contains(&format!("value=\"{word}\"")));
                }
            }
            // Nothing comes pre-chosen, so nothing can be marked.
            assert!(
                !page.body.contains("\" checked"),
                "{}: a pre-checked option",
                set.id
            );
            if q.kind() == Kind::Matching {
                assert!(
                    !page.body.contains("\" selected"),
                    "{}: a pre-selected match",
                    set.id
                );
            }
            checked += 1;
        }
        // The check can fail: once answered, the real feedback is there.
        let view = stored.attempt.view(set, 0).unwrap();
        let r = a
            .post(
                &format!("/attempts/{}/questions/1", stored.id),
                Some(&b.cookie),
                &with_csrf(&b, &correct_fields(&view)),
            )
            .await;
        let fb = a.get(r.location(), Some(&b.cookie)).await;
        fb.assert_page(StatusCode::OK, &view.question.explanation);
    }
    assert!(checked >= 8, "only {checked} question pages checked");
}

#[tokio::test]
async fn an_attempt_on_a_changed_set_is_refused_not_crashed() {
    let dir = tempfile::tempdir().unwrap();
    let set: QuestionSet = quizline::files::load_set(&fixture("web-all-kinds.ron"))
        .unwrap()
        .0;
    write_set(dir.path(), &set);
    let data = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        questions: vec![dir.path().to_path_buf()],
        data_dir: data.path().to_path_buf(),
        ..ServerConfig::default()
    };
    let id;
    let cookie;
    {
        let (state, _) = server::open(&config).await.unwrap();
        let app = App {
            router: server::router(state.clone()),
            state,
            _dir: tempfile::tempdir().unwrap(),
        };
        let b = app.browser().await;
        id = app
            .start(
                &b,
                "web-moon",
                &[("count", "8"), ("kind", "cloze"), ("kind", "ordering")],
            )
            .await;
        cookie = b.cookie;
    }
    // The set loses its questions' ids: the attempt no longer fits it.
    let mut changed = set.clone();
    for q in &mut changed.questions {
        q.id = format!("{}-v2", q.id);
    }
    write_set(dir.path(), &changed);
    let (state, _) = server::open(&config).await.unwrap();
    let app = App {
        router: server::router(state.clone()),
        state,
        _dir: tempfile::tempdir().unwrap(),
    };
    app.get(&format!("/attempts/{id}/questions/1"), Some(&cookie))
        .await
        .assert_page(StatusCode::CONFLICT, "was changed after this test began");
    app.get(&format!("/attempts/{id}/results"), Some(&cookie))
        .await
        .assert_status(StatusCode::CONFLICT);
    // The history still lists it, by the title it was taken under.
    app.get("/history", Some(&cookie))
        .await
        .assert_page(StatusCode::OK, "The race to the Moon");
}
