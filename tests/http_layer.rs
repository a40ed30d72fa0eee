//! The one HTTP layer under both front ends, checked the same way on every
//! page and route: through `router(state)` with tower's `oneshot`, and once
//! through the real binary. Headers and CSP, the cross-site refusal on
//! every state-changing route, hashed immutable assets, malformed JSON, and
//! the join link the host screen offers.

mod support;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use quizline::http::CSP;
use quizline::http::join::{ListenAddr, lan_addresses};
use quizline::live::LiveConfig;
use quizline::server::{self, AppState, ServerConfig};
use quizline::web::{BROWSER_COOKIE, csrf_token};
use support::fixture;
use support::http::Page;
use support::server::{Server, quizline};
use tower::ServiceExt;

struct App {
    state: AppState,
    router: Router,
    _dir: tempfile::TempDir,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Resp {
    fn html(&self) -> Page {
        Page::parse(&self.body)
    }

    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// The text of the first element `css` selects.
fn first(page: &Page, css: &str) -> Option<String> {
    page.texts(css).into_iter().next()
}

async fn app_with(config: LiveConfig, listen: Option<&str>) -> App {
    let dir = tempfile::tempdir().unwrap();
    let (state, skipped) = server::open(&ServerConfig {
        questions: vec![fixture("web-all-kinds.ron"), fixture("live-choice.ron")],
        data_dir: dir.path().to_path_buf(),
        live: config,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    assert!(skipped.is_empty(), "{skipped:?}");
    let mut router = server::router(state.clone());
    if let Some(addr) = listen {
        router = router.layer(axum::Extension(ListenAddr(addr.parse().unwrap())));
    }
    App {
        state,
        router,
        _dir: dir,
    }
}

async fn app() -> App {
    app_with(LiveConfig::default(), Some("127.0.0.1:8080")).await
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
        assert!(!status.is_server_error(), "{status}: {}", resp.body);
        resp
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Resp {
        let mut req = Request::get(path).header(header::HOST, "127.0.0.1:8080");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut req = Request::post(path).header(header::HOST, "127.0.0.1:8080");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// A browser's cookie and form token, as the first page hands them out.
    async fn browser(&self) -> (String, String) {
        let home = self.get("/", &[]).await;
        let set = home.header(header::SET_COOKIE).to_string();
        let id = set
            .split(';')
            .next()
            .and_then(|c| c.strip_prefix(&format!("{BROWSER_COOKIE}=")))
            .unwrap_or_else(|| panic!("no browser cookie: {set:?}"))
            .to_string();
        (format!("{BROWSER_COOKIE}={id}"), csrf_token(&id))
    }

    /// A live room, through the API; its code and host secret.
    async fn room(&self) -> (String, String) {
        let r = self
            .post(
                "/api/rooms",
                &[("content-type", "application/json")],
                r#"{"set":"live-choice"}"#,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        (
            v["code"].as_str().unwrap().to_string(),
            v["host_secret"].as_str().unwrap().to_string(),
        )
    }

    /// An attempt started through the start form; its id.
    async fn attempt(&self, cookie: &str, csrf: &str) -> String {
        let r = self
            .post(
                "/sets/web-moon",
                &[
                    ("cookie", cookie),
                    ("content-type", "application/x-www-form-urlencoded"),
                ],
                &format!("csrf={csrf}&count=3&kind=single-choice&kind=numeric&timer=off"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let loc = r.header(header::LOCATION);
        loc.strip_prefix("/attempts/")
            .and_then(|l| l.split('/').next())
            .unwrap()
            .to_string()
    }
}

/// Every page of both front ends, as (path, extra headers).
async fn every_page(app: &App) -> Vec<(String, Vec<(&'static str, String)>)> {
    let (cookie, csrf) = app.browser().await;
    let attempt = app.attempt(&cookie, &csrf).await;
    let (code, secret) = app.room().await;
    let with_cookie = vec![("cookie", cookie.clone())];
    let as_host = vec![("authorization", format!("Bearer {secret}"))];
    vec![
        ("/".into(), vec![]),
        ("/sets/web-moon".into(), with_cookie.clone()),
        (
            format!("/attempts/{attempt}/questions/1"),
            with_cookie.clone(),
        ),
        (format!("/attempts/{attempt}/results"), with_cookie.clone()),
        ("/history".into(), with_cookie.clone()),
        ("/no/such/page".into(), vec![]),
        ("/host".into(), with_cookie.clone()),
        (format!("/host/{code}"), vec![]),
        (format!("/host/{code}/results"), as_host),
        ("/host/999999".into(), vec![]),
        ("/play".into(), vec![]),
        (format!("/play/{code}"), vec![]),
    ]
}

#[tokio::test]
async fn every_page_has_the_same_headers_layout_and_stylesheet() {
    let app = app().await;
    let mut stylesheets = std::collections::BTreeSet::new();
    for (path, headers) in every_page(&app).await {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.get(&path, &headers).await;
        assert!(
            r.header(header::CONTENT_TYPE).starts_with("text/html"),
            "{path}"
        );
        for (name, want) in [
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "same-origin"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, "no-store"),
        ] {
            assert_eq!(r.header(name.clone()), want, "{path}: {name}");
        }
        assert!(CSP.contains("object-src 'none'"));
        let doc = r.html();
        let css = doc.attrs("link[rel=stylesheet]", "href");
        assert_eq!(css.len(), 1, "{path}: one stylesheet");
        stylesheets.extend(css);
        assert_eq!(doc.attrs("html", "lang"), ["en"], "{path}");
        // Live pages carry the class the stylesheet scopes their rules to;
        // an error is the one error page, whichever part it comes from.
        let live =
            (path.starts_with("/host") || path.starts_with("/play")) && r.status.is_success();
        let body_class = doc.attrs("body", "class").join(" ");
        assert_eq!(
            body_class.split(' ').any(|c| c == "live"),
            live,
            "{path}: {body_class:?}"
        );
        assert_eq!(doc.attrs("a.skip-link", "href"), ["#main"], "{path}");
        assert_eq!(doc.attrs("#main", "id").len(), 1, "{path}: one main");
        // No inline script or style for the CSP to block.
        assert!(
            doc.count("script:not([src]), style, [style]") == 0,
            "{path}: inline script or style"
        );
    }
    assert_eq!(stylesheets.len(), 1, "one design system: {stylesheets:?}");
    // The API answers with the same headers, and in JSON even where there
    // is nothing.
    for path in ["/api/rooms/999999", "/api/no/such/thing"] {
        let api = app.get(path, &[]).await;
        assert_eq!(api.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(api.header(header::CONTENT_SECURITY_POLICY), CSP);
        assert_eq!(api.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert!(api.json()["message"].as_str().is_some(), "{path}");
    }
}

#[tokio::test]
async fn assets_have_hashed_urls_and_are_immutable() {
    let app = app().await;
    let mut urls = std::collections::BTreeSet::new();
    for (path, headers) in every_page(&app).await {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let doc = app.get(&path, &headers).await.html();
        urls.extend(doc.attrs("script[src]", "src"));
        urls.extend(doc.attrs("link[href]", "href"));
    }
    for want in [
        "quizline.css",
        "quizline.js",
        "live/common.js",
        "live/host.js",
        "live/play.js",
        "live/results.js",
        "icon.svg",
    ] {
        assert!(
            urls.iter()
                .any(|u| u.starts_with(&format!("/assets/{want}?v="))),
            "{want} is linked by a hashed URL: {urls:?}"
        );
    }
    for url in &urls {
        let (file, version) = url
            .split_once("?v=")
            .unwrap_or_else(|| panic!("{url} is not versioned"));
        assert_eq!(version.len(), 12, "{url}");
        assert!(version.bytes().all(|b| b.is_ascii_hexdigit()), "{url}");
        let r = app.get(url, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{url}");
        assert_eq!(
            r.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{url}"
        );
        assert!(r.headers.get(header::SET_COOKIE).is_none(), "{url}");
        assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        // The version is the content's: another one is not for keeping.
        for other in [file.to_string(), format!("{file}?v=000000000000")] {
            let r = app.get(&other, &[]).await;
            assert_eq!(r.status, StatusCode::OK, "{other}");
            assert_eq!(r.header(header::CACHE_CONTROL), "no-cache", "{other}");
        }
    }
    // Pages cached before the move still find the live scripts, never for good.
    let old = app.get("/live/assets/play.js", &[]).await;
    assert_eq!(old.status, StatusCode::OK);
    assert_eq!(old.header(header::CACHE_CONTROL), "no-cache");
    for missing in [
        "/assets/nothing.js",
        "/live/assets/host.html",
        "/assets/../Cargo.toml",
    ] {
        assert_eq!(
            app.get(missing, &[]).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[tokio::test]
async fn a_cross_site_request_is_refused_on_every_state_changing_route() {
    let app = app().await;
    let (cookie, csrf) = app.browser().await;
    let attempt = app.attempt(&cookie, &csrf).await;
    let (code, secret) = app.room().await;
    let form = "application/x-www-form-urlencoded";
    let json = "application/json";
    let routes: Vec<(String, &str, String)> = vec![
        (
            "/sets/web-moon".into(),
            form,
            format!("csrf={csrf}&count=3&kind=single-choice&kind=numeric&timer=off"),
        ),
        (
            format!("/attempts/{attempt}/questions/1"),
            form,
            format!("csrf={csrf}&choice=a"),
        ),
        (
            format!("/attempts/{attempt}/time"),
            form,
            format!("csrf={csrf}&change=extend"),
        ),
        (
            format!("/attempts/{attempt}/retry"),
            form,
            format!("csrf={csrf}"),
        ),
        ("/host".into(), form, format!("csrf={csrf}&set=live-choice")),
        ("/api/rooms".into(), json, r#"{"set":"live-choice"}"#.into()),
        (
            format!("/api/rooms/{code}/join"),
            json,
            r#"{"nickname":"Eve"}"#.into(),
        ),
        (
            format!("/api/rooms/{code}/claim"),
            json,
            format!(r#"{{"secret":"{secret}"}}"#),
        ),
    ];
    let forgeries: [&[(&str, &str)]; 3] = [
        &[("sec-fetch-site", "cross-site")],
        &[("sec-fetch-site", "same-site")],
        &[("origin", "http://evil.example")],
    ];
    let rooms = app.state.live.room_count();
    for (path, content_type, body) in &routes {
        for forged in forgeries {
            let mut headers = vec![("content-type", *content_type), ("cookie", cookie.as_str())];
            headers.extend_from_slice(forged);
            let r = app.post(path, &headers, body).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{path} {forged:?}: {}",
                r.body
            );
            if path.starts_with("/api/") {
                assert_eq!(r.json()["error"], "cross_site", "{path}");
            } else {
                assert!(first(&r.html(), "h1").is_some(), "{path}: an HTML page");
                assert!(r.body.contains("another site"), "{path}");
            }
        }
    }
    assert_eq!(app.state.live.room_count(), rooms, "nothing was created");
    let room = app.state.live.room(&code).unwrap();
    assert_eq!(room.player_count(), 0, "nobody joined");
    // The same requests from this server's own pages go through.
    for (path, content_type, body) in &routes {
        for own in [
            &[("sec-fetch-site", "same-origin")][..],
            &[("origin", "http://127.0.0.1:8080")],
        ] {
            let mut headers = vec![("content-type", *content_type), ("cookie", cookie.as_str())];
            headers.extend_from_slice(own);
            let r = app.post(path, &headers, body).await;
            assert_ne!(
                r.status,
                StatusCode::FORBIDDEN,
                "{path} {own:?}: {}",
                r.body
            );
        }
    }
    // A form still needs its token, whatever the headers say.
    let r = app
        .post(
            "/host",
            &[
                ("content-type", form),
                ("cookie", &cookie),
                ("sec-fetch-site", "same-origin"),
            ],
            "set=live-choice",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("security token"), "{}", r.body);
}

#[tokio::test]
async fn malformed_json_gets_a_4xx_with_a_message() {
    let app = app().await;
    let (code, _) = app.room().await;
    let join = format!("/api/rooms/{code}/join");
    let claim = format!("/api/rooms/{code}/claim");
    let cases: Vec<(&str, Option<&str>, &str, StatusCode)> = vec![
        (
            "/api/rooms",
            Some("application/json"),
            "{not json",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/rooms",
            Some("application/json"),
            "",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/rooms",
            Some("application/json"),
            "[]",
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/rooms",
            Some("application/json"),
            r#"{"set":7}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/rooms",
            None,
            r#"{"set":"live-choice"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "/api/rooms",
            Some("text/plain"),
            r#"{"set":"live-choice"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            &join,
            Some("application/json"),
            r#"{"nickname":"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            &join,
            Some("application/json"),
            r#"{"nick":"Ann"}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            &join,
            Some("application/json"),
            "\u{feff}\u{0}",
            StatusCode::BAD_REQUEST,
        ),
        (
            &claim,
            Some("application/json"),
            r#"{"secret":1}"#,
            StatusCode::BAD_REQUEST,
        ),
        (
            &claim,
            Some("application/json"),
            "null",
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (path, content_type, body, status) in cases {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| ("content-type", c))
            .into_iter()
            .collect();
        let r = app.post(path, &headers, body).await;
        assert_eq!(r.status, status, "{path} {body:?}: {}", r.body);
        let v = r.json();
        assert!(
            v["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{}",
            r.body
        );
        assert!(
            v["message"].as_str().is_some_and(|m| m.len() > 10),
            "{path} {body:?}: says what was wrong: {}",
            r.body
        );
    }
    let big = format!(r#"{{"nickname":"{}"}}"#, "x".repeat(64 * 1024));
    let r = app
        .post(&join, &[("content-type", "application/json")], &big)
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.json()["message"].as_str().is_some());
}

/// The host screen's join link, warning and QR code for a request that came
/// in at `host` to a server listening at `listen`.
async fn host_screen(
    config: LiveConfig,
    listen: &str,
    host: &str,
) -> (Option<String>, String, String, Option<String>) {
    let app = app_with(config, Some(listen)).await;
    let (code, _) = app.room().await;
    let mut req = Request::get(format!("/host/{code}"));
    req = req.header(header::HOST, host);
    let r = app.send(req.body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.html();
    let url = first(&doc, ".join-panel .url").unwrap();
    assert!(url.ends_with(&format!("/play/{code}")), "{url}");
    let qr = doc.attrs(".qr-box", "aria-label").pop().unwrap();
    assert!(qr.ends_with(&url), "the QR code opens the link shown: {qr}");
    (
        first(&doc, "#join-warning"),
        url,
        code,
        first(&doc, ".join-also"),
    )
}

#[tokio::test]
async fn the_host_screen_says_when_phones_cannot_join_and_offers_lan_addresses() {
    // Loopback only: said plainly, with the way out.
    let (warning, url, _, _) =
        host_screen(LiveConfig::default(), "127.0.0.1:8080", "127.0.0.1:8080").await;
    let warning = warning.expect("a loopback page warns");
    assert!(warning.contains("Phones cannot join"), "{warning}");
    assert!(
        warning.contains("quizline serve --addr 0.0.0.0:8080"),
        "{warning}"
    );
    assert!(url.starts_with("http://127.0.0.1:8080/"));

    // Listening on every address, opened on loopback: the LAN addresses.
    let lan = lan_addresses();
    let (warning, url, _, also) =
        host_screen(LiveConfig::default(), "0.0.0.0:8080", "localhost:8080").await;
    match lan.iter().find(|ip| ip.is_ipv4()) {
        Some(first) => {
            assert_eq!(warning, None);
            assert!(
                url.starts_with(&format!("http://{first}:8080/play/")),
                "{url}"
            );
            let others = lan.iter().filter(|ip| ip.is_ipv4()).count() - 1;
            assert_eq!(also.is_some(), others > 0, "{also:?}");
        }
        None => assert!(warning.unwrap().contains("no network address")),
    }

    // Opened at a network address: that one, no warning.
    let (warning, url, _, _) =
        host_screen(LiveConfig::default(), "0.0.0.0:8080", "192.0.2.7:8080").await;
    assert_eq!(warning, None);
    assert!(url.starts_with("http://192.0.2.7:8080/play/"), "{url}");

    // A configured public URL wins over both.
    let config = LiveConfig {
        public_url: Some("https://quiz.example.org".into()),
        ..LiveConfig::default()
    };
    let (warning, url, code, _) = host_screen(config, "127.0.0.1:8080", "127.0.0.1:8080").await;
    assert_eq!(warning, None);
    assert_eq!(url, format!("https://quiz.example.org/play/{code}"));
}

#[test]
fn the_real_binary_tells_the_host_page_where_it_listens() {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = quizline();
    cmd.args(["serve", "--addr", "0.0.0.0:0", "--questions"])
        .arg(fixture("live-choice.ron"))
        .arg("--data")
        .arg(data.path())
        .env_remove("QUIZLINE_PUBLIC_URL");
    let server = Server::spawn(cmd);
    let port: u16 = server.addr.rsplit(':').next().unwrap().parse().unwrap();
    assert!(server.addr.starts_with("0.0.0.0:"), "{}", server.addr);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::blocking::Client::new();
    let created = http
        .post(format!("{base}/api/rooms"))
        .header("content-type", "application/json")
        .body(r#"{"set":"live-choice"}"#)
        .send()
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = serde_json::from_str(&created.text().unwrap()).unwrap();
    let code = created["code"].as_str().unwrap();
    let page = Page::parse(
        &http
            .get(format!("{base}/host/{code}"))
            .send()
            .unwrap()
            .text()
            .unwrap(),
    );
    let url = first(&page, ".join-panel .url").unwrap();
    match lan_addresses().into_iter().find(|ip| ip.is_ipv4()) {
        Some(ip) => {
            assert_eq!(url, format!("http://{ip}:{port}/play/{code}"));
            assert_eq!(created["play_url"], url.as_str(), "the API says the same");
            assert_eq!(first(&page, "#join-warning"), None);
        }
        None => assert!(first(&page, "#join-warning").is_some()),
    }
}
