//! The host's and the students' pages. Templates live in `web/live/` and are
//! filled by [`render`], which escapes every value unless it is marked as
//! markup this module built itself. The pages talk to the server through the
//! same protocol as any other client; nothing here decides a score.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use rust_embed::RustEmbed;

use super::http::{
    ClientAddr, base_url, hosted_room, owner_cookie, owner_key, qr_svg_for, same_origin,
};
use super::room::{LeaderboardMode, RoomOptions};
use super::util::{escape_html, normalize_code, sha256};
use super::{CreateError, results};
use crate::engine::SpeedRule;
use crate::question::Kind;
use crate::server::AppState;

#[derive(RustEmbed)]
#[folder = "web/live/"]
struct Assets;

const LAYOUT: &str = include_str!("../../web/live/layout.html");
const NEW_ROOM: &str = include_str!("../../web/live/new-room.html");
const HOST: &str = include_str!("../../web/live/host.html");
const PLAY: &str = include_str!("../../web/live/play.html");
const RESULTS: &str = include_str!("../../web/live/results.html");
const MESSAGE: &str = include_str!("../../web/live/message.html");

/// A value for a template: text is escaped, markup is not.
pub enum V {
    Text(String),
    Markup(String),
}

fn t(s: impl Into<String>) -> V {
    V::Text(s.into())
}

fn m(s: impl Into<String>) -> V {
    V::Markup(s.into())
}

/// Fills `{{name}}` placeholders. An unknown placeholder is left empty and
/// logged: a typo must not show braces to a class.
pub fn render(template: &str, vars: &[(&str, V)]) -> String {
    let mut out = String::with_capacity(template.len() + 1024);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match vars.iter().find(|(k, _)| *k == name) {
            Some((_, V::Text(s))) => out.push_str(&escape_html(s)),
            Some((_, V::Markup(s))) => out.push_str(s),
            None => tracing::warn!("template placeholder {{{{{name}}}}} has no value"),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

fn page(status: StatusCode, title: &str, page_class: &str, body: String, script: &str) -> Response {
    let scripts = if script.is_empty() {
        String::new()
    } else {
        format!(
            "<script src=\"/live/assets/common.js\" defer></script>\n<script src=\"/live/assets/{script}\" defer></script>"
        )
    };
    let html = render(
        LAYOUT,
        &[
            ("title", t(title)),
            ("page_class", t(page_class)),
            ("body", m(body)),
            ("scripts", m(scripts)),
        ],
    );
    let mut res = (status, html).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn message_page(status: StatusCode, title: &str, text: &str, link: (&str, &str)) -> Response {
    let body = render(
        MESSAGE,
        &[
            ("heading", t(title)),
            ("text", t(text)),
            ("href", t(link.0)),
            ("link", t(link.1)),
        ],
    );
    page(status, title, "message", body, "")
}

// ----- creating a room ---------------------------------------------------------

fn set_choices(state: &AppState, selected: &str) -> String {
    let mut out = String::new();
    for set in state.live.catalog().sets() {
        let kinds = set
            .kinds()
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "<option value=\"{}\"{}>{} ({} questions: {})</option>",
            escape_html(&set.id),
            if set.id == selected { " selected" } else { "" },
            escape_html(&set.title),
            set.questions.len(),
            escape_html(&kinds)
        ));
    }
    out
}

fn kind_choices(checked: &[Kind]) -> String {
    Kind::ALL
        .iter()
        .map(|k| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"kinds\" value=\"{}\"{}> {}</label>",
                k.name(),
                if checked.contains(k) { " checked" } else { "" },
                escape_html(k.label())
            )
        })
        .collect()
}

fn time_choices(selected: Option<u32>) -> String {
    let mut out = String::new();
    for s in [10u32, 15, 20, 30, 45, 60, 90, 120] {
        out.push_str(&format!(
            "<option value=\"{s}\"{}>{s} seconds</option>",
            if selected == Some(s) { " selected" } else { "" }
        ));
    }
    out.push_str(&format!(
        "<option value=\"untimed\"{}>Untimed: I move on myself</option>",
        if selected.is_none() { " selected" } else { "" }
    ));
    out
}

fn fmt_time(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

async fn past_rooms(state: &AppState, headers: &HeaderMap) -> String {
    let Some(key) = owner_cookie(headers) else {
        return "<p>Rooms you host in this browser will be listed here.</p>".into();
    };
    let rooms = state
        .live
        .store()
        .owned_rooms(sha256(&key), 50)
        .await
        .unwrap_or_default();
    if rooms.is_empty() {
        return "<p>Rooms you host in this browser will be listed here.</p>".into();
    }
    let mut out = String::from(
        "<table class=\"table\"><caption class=\"sr-only\">Your rooms, newest first</caption><thead><tr><th scope=\"col\">Code</th><th scope=\"col\">Quiz</th><th scope=\"col\">Created</th><th scope=\"col\">Players</th><th scope=\"col\">State</th><th scope=\"col\">Results</th></tr></thead><tbody>",
    );
    for r in rooms {
        let live = r.phase != "ended";
        out.push_str(&format!(
            "<tr><td>{code_cell}</td><td>{title}</td><td>{created}</td><td>{players}</td><td>{state}</td><td><a href=\"/host/{code}/results\">Results</a> · <a href=\"/api/rooms/{code}/results.csv\" download>CSV</a></td></tr>",
            code_cell = if live {
                format!("<a href=\"/host/{0}\">{0}</a>", escape_html(&r.code))
            } else {
                escape_html(&r.code)
            },
            code = escape_html(&r.code),
            title = escape_html(&r.set_title),
            created = fmt_time(r.created_at_ms),
            players = r.players,
            state = if live { "running" } else { "ended" },
        ));
    }
    out.push_str("</tbody></table>");
    out
}

async fn new_room_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
    form: &RoomForm,
) -> Response {
    let error_html = error
        .map(|e| {
            format!(
                "<div class=\"alert\" role=\"alert\" id=\"form-error\"><p>{}</p></div>",
                escape_html(&e)
            )
        })
        .unwrap_or_default();
    let o = &form.options;
    let checked = |b: bool| if b { " checked" } else { "" };
    let body = render(
        NEW_ROOM,
        &[
            ("error", m(error_html)),
            ("sets", m(set_choices(state, &form.set))),
            (
                "no_sets",
                m(if state.live.catalog().is_empty() {
                    "<p class=\"alert\" role=\"alert\">No question sets are loaded; start the server with <code>--questions DIR</code>.</p>"
                } else {
                    ""
                }),
            ),
            (
                "count",
                t(o.count.map(|c| c.to_string()).unwrap_or_default()),
            ),
            ("kinds", m(kind_choices(&o.kinds))),
            ("times", m(time_choices(o.time_limit_s))),
            ("speed", t(checked(o.scoring == SpeedRule::Speed))),
            ("linear", t(checked(o.scoring == SpeedRule::LinearDecay))),
            ("accuracy", t(checked(o.scoring == SpeedRule::AccuracyOnly))),
            ("streak", t(checked(o.streak_bonus))),
            ("partial", t(checked(o.partial_credit))),
            ("late", t(checked(o.late_join))),
            ("each", t(checked(o.leaderboard == LeaderboardMode::Each))),
            ("end", t(checked(o.leaderboard == LeaderboardMode::End))),
            ("max_players", t(o.max_players.to_string())),
            ("past", m(past_rooms(state, headers).await)),
        ],
    );
    page(status, "Host a live quiz", "new-room", body, "")
}

#[derive(Debug, Default)]
struct RoomForm {
    set: String,
    options: RoomOptions,
}

/// The form as sent, and what is wrong with it if anything.
fn parse_form(body: &[u8]) -> (RoomForm, Option<String>) {
    let pairs: Vec<(String, String)> = form_urlencoded_pairs(body);
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let on = |k: &str| get(k).is_some_and(|v| v == "on" || v == "1" || v == "true");
    let mut form = RoomForm {
        set: get("set").unwrap_or_default(),
        options: RoomOptions {
            streak_bonus: on("streak_bonus"),
            partial_credit: on("partial_credit"),
            late_join: on("late_join"),
            ..RoomOptions::default()
        },
    };
    let mut problems = Vec::new();
    match get("count").as_deref() {
        None | Some("") => form.options.count = None,
        Some(c) => match c.parse::<usize>() {
            Ok(n) => form.options.count = Some(n),
            Err(_) => problems.push("the number of questions must be a whole number".to_string()),
        },
    }
    form.options.kinds = pairs
        .iter()
        .filter(|(k, _)| k == "kinds")
        .filter_map(|(_, v)| Kind::parse(v))
        .collect();
    match get("time").as_deref() {
        Some("untimed") => form.options.time_limit_s = None,
        Some(s) => match s.parse::<u32>() {
            Ok(n) => form.options.time_limit_s = Some(n),
            Err(_) => problems.push("choose a time per question".into()),
        },
        None => {}
    }
    form.options.scoring = match get("scoring").as_deref() {
        Some("linear-decay") => SpeedRule::LinearDecay,
        Some("accuracy-only") => SpeedRule::AccuracyOnly,
        _ => SpeedRule::Speed,
    };
    form.options.leaderboard = match get("leaderboard").as_deref() {
        Some("end") => LeaderboardMode::End,
        _ => LeaderboardMode::Each,
    };
    match get("max_players").as_deref() {
        None | Some("") => {}
        Some(s) => match s.parse::<u32>() {
            Ok(n) => form.options.max_players = n,
            Err(_) => problems.push("the maximum number of players must be a whole number".into()),
        },
    }
    if let Err(e) = form.options.validate() {
        problems.push(e);
    }
    if form.set.is_empty() {
        problems.push("choose a question set".into());
    }
    let problems = (!problems.is_empty()).then(|| problems.join("; "));
    (form, problems)
}

/// `application/x-www-form-urlencoded`, with `+` as space and `%XX` bytes.
fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    let hex = |b: u8| (b as char).to_digit(16);
                    match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                        (Some(h), Some(l)) => {
                            out.push((h * 16 + l) as u8);
                            i += 2;
                        }
                        _ => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

pub async fn new_room(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let form = RoomForm {
        set: state
            .live
            .catalog()
            .sets()
            .next()
            .map(|s| s.id.clone())
            .unwrap_or_default(),
        ..RoomForm::default()
    };
    new_room_page(&state, &headers, StatusCode::OK, None, &form).await
}

pub async fn create_room(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !same_origin(&headers) {
        return message_page(
            StatusCode::FORBIDDEN,
            "Room not created",
            "This form can only be sent from this server's own page.",
            ("/host", "Back to the form"),
        );
    }
    if let Err(wait) = state.live.check_create_rate(addr) {
        let secs = wait.as_secs().max(1);
        return message_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many rooms at once",
            &format!("Wait {secs} seconds and try again."),
            ("/host", "Back to the form"),
        );
    }
    let form = match parse_form(&body) {
        (form, None) => form,
        (form, Some(e)) => {
            return new_room_page(&state, &headers, StatusCode::BAD_REQUEST, Some(e), &form).await;
        }
    };
    let (key, set_cookie) = owner_key(&headers);
    match state
        .live
        .create_room(&form.set, form.options.clone(), Some(sha256(&key)))
        .await
    {
        Ok(created) => {
            let mut res = Redirect::to(&format!(
                "/host/{}#key={}",
                created.code, created.host_secret
            ))
            .into_response();
            if let Some(c) = set_cookie {
                res.headers_mut().insert(header::SET_COOKIE, c);
            }
            res
        }
        Err(e) => {
            let status = match e {
                CreateError::NoSuchSet(_) => StatusCode::NOT_FOUND,
                CreateError::BadOptions(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            new_room_page(&state, &headers, status, Some(e.to_string()), &form).await
        }
    }
}

// ----- the host's screen ----------------------------------------------------------

pub async fn host(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(code) = normalize_code(&code) else {
        return message_page(
            StatusCode::NOT_FOUND,
            "No such room",
            "A join code is six digits.",
            ("/host", "Host a live quiz"),
        );
    };
    let Some(room) = state.live.room(&code) else {
        let past = state.live.store().load_room(&code).await.ok().flatten();
        return match past {
            Some(_) => message_page(
                StatusCode::OK,
                "This game has ended",
                "The room is closed. Its results stay available to its host.",
                (&format!("/host/{code}/results"), "See the results"),
            ),
            None => message_page(
                StatusCode::NOT_FOUND,
                "No such room",
                &format!("There is no room with code {code}."),
                ("/host", "Host a live quiz"),
            ),
        };
    };
    let base = base_url(&state.live, &headers);
    let play_url = format!("{base}/play/{code}");
    let host_of = base
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let info = room.info();
    let settings = format!(
        "{} questions · {} · {}{}{} · leaderboard {}",
        info.questions,
        match info.time_limit_s {
            Some(s) => format!("{s} s per question"),
            None => "untimed".into(),
        },
        match room.options.scoring {
            SpeedRule::Speed => "speed scoring",
            SpeedRule::LinearDecay => "linear decay",
            SpeedRule::AccuracyOnly => "accuracy only",
        },
        if info.streak_bonus {
            ", streak bonus"
        } else {
            ""
        },
        if info.late_join {
            " · late join allowed"
        } else {
            " · late join locked"
        },
        if info.leaderboard == "each" {
            "after every question"
        } else {
            "at the end"
        },
    );
    let body = render(
        HOST,
        &[
            ("code", t(&code)),
            ("code_spaced", t(format!("{} {}", &code[..3], &code[3..]))),
            ("title", t(&room.set.title)),
            ("play_url", t(&play_url)),
            ("join_host", t(format!("{host_of}/play"))),
            ("qr", m(qr_svg_for(&play_url))),
            ("settings", t(settings)),
            ("questions", t(info.questions.to_string())),
        ],
    );
    page(
        StatusCode::OK,
        &format!("Host · {}", room.set.title),
        "host",
        body,
        "host.js",
    )
}

pub async fn results(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let stored = match hosted_room(&state.live, &code, &headers).await {
        Ok(s) => s,
        Err(e) => {
            return message_page(
                e.status,
                "Results not available",
                &e.message,
                ("/host", "Your rooms"),
            );
        }
    };
    let set = state.live.catalog().get(&stored.set_id).cloned();
    let r = results::build(&stored, set.as_deref());
    let mut stats = String::new();
    for q in &r.questions {
        let total: u32 = q.distribution.iter().map(|b| b.count).sum::<u32>().max(1);
        let bars: String = q
            .distribution
            .iter()
            .map(|b| {
                let pct = 100.0 * f64::from(b.count) / f64::from(total);
                format!(
                    "<li class=\"bar{}\"><span class=\"bar-label\">{}{}</span><span class=\"bar-track\" aria-hidden=\"true\"><span class=\"bar-fill\" data-pct=\"{pct:.0}\"></span></span><span class=\"bar-count\">{} ({pct:.0}%)</span></li>",
                    if b.correct == Some(true) { " right" } else { "" },
                    escape_html(&b.label),
                    if b.correct == Some(true) { " <span class=\"tag\">correct</span>" } else { "" },
                    b.count
                )
            })
            .collect();
        stats.push_str(&format!(
            "<section class=\"card\" aria-labelledby=\"q{n}\"><h3 id=\"q{n}\">Question {n}: {prompt}</h3><p>Correct answer: <strong>{correct}</strong></p><dl class=\"facts\"><div><dt>Facility (share fully right)</dt><dd>{fac:.0}%</dd></div><div><dt>Answered</dt><dd>{ans} of {players}</dd></div><div><dt>Mean time</dt><dd>{mean}</dd></div></dl><ul class=\"bars\">{bars}</ul></section>",
            n = q.q + 1,
            prompt = escape_html(&q.prompt),
            correct = escape_html(&q.correct_answer),
            fac = q.facility * 100.0,
            ans = q.answered,
            players = q.answered + q.no_answer,
            mean = q.mean_time_ms.map(|m| format!("{:.1} s", m as f64 / 1000.0)).unwrap_or_else(|| "—".into()),
        ));
    }
    let mut rows = String::new();
    for p in &r.players {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} of {}</td></tr>",
            p.rank
                .map(|r| r.to_string())
                .unwrap_or_else(|| "removed".into()),
            escape_html(&p.nickname),
            p.score,
            p.correct,
            r.questions.len()
        ));
    }
    let body = render(
        RESULTS,
        &[
            ("code", t(&r.code)),
            ("title", t(&r.title)),
            ("created", t(fmt_time(r.created_at_ms))),
            (
                "state",
                t(if r.phase == "ended" {
                    "ended"
                } else {
                    "still running"
                }),
            ),
            (
                "players",
                t(r.players.iter().filter(|p| !p.kicked).count().to_string()),
            ),
            ("rows", m(rows)),
            ("stats", m(stats)),
        ],
    );
    page(
        StatusCode::OK,
        &format!("Results · {}", r.title),
        "results",
        body,
        "results.js",
    )
}

// ----- the students' page -------------------------------------------------------------

pub async fn play() -> Response {
    play_page(String::new())
}

pub async fn play_code(Path(code): Path<String>) -> Response {
    play_page(normalize_code(&code).unwrap_or_default())
}

fn play_page(code: String) -> Response {
    let body = render(PLAY, &[("code", t(code))]);
    page(StatusCode::OK, "Join a live quiz", "play", body, "play.js")
}

pub async fn asset(Path(file): Path<String>) -> Response {
    // Templates are compiled in; only scripts and styles are served as files.
    let servable = file.ends_with(".css") || file.ends_with(".js");
    match Assets::get(&file).filter(|_| servable) {
        Some(content) => {
            let mime = mime_guess::from_path(&file).first_or_octet_stream();
            let mut res = content.data.into_owned().into_response();
            let h = res.headers_mut();
            if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
                h.insert(header::CONTENT_TYPE, v);
            }
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            res
        }
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_escapes_text_and_keeps_markup() {
        let out = render(
            "<p>{{a}}</p>{{ b }}<i>{{missing}}</i>",
            &[("a", t("<x>&")), ("b", m("<b>ok</b>"))],
        );
        assert_eq!(out, "<p>&lt;x&gt;&amp;</p><b>ok</b><i></i>");
    }

    #[test]
    fn forms_decode() {
        let pairs = form_urlencoded_pairs(b"set=a+b&kinds=cloze&kinds=numeric&x=%3Cy%3E&bad=%zz");
        assert_eq!(pairs[0], ("set".into(), "a b".into()));
        assert_eq!(pairs[3], ("x".into(), "<y>".into()));
        assert_eq!(pairs[4], ("bad".into(), "%zz".into()));
        // A multi-byte character after % must not split.
        assert_eq!(form_urlencoded_pairs("a=%é".as_bytes())[0].1, "%é");
        let (f, e) = parse_form(b"set=s&count=5&kinds=cloze&time=untimed&scoring=accuracy-only&leaderboard=end&max_players=40&late_join=on");
        assert_eq!(e, None);
        assert_eq!(f.options.count, Some(5));
        assert_eq!(f.options.kinds, vec![Kind::Cloze]);
        assert_eq!(f.options.time_limit_s, None);
        assert_eq!(f.options.scoring, SpeedRule::AccuracyOnly);
        assert_eq!(f.options.leaderboard, LeaderboardMode::End);
        assert!(f.options.late_join && !f.options.streak_bonus);
        assert!(parse_form(b"set=s&count=0").1.is_some());
        assert!(parse_form(b"set=s&time=3").1.is_some());
        assert!(parse_form(b"count=3").1.is_some());
    }
}
