//! The host's and the students' pages, as askama templates in
//! `web/templates/live/` on the same base layout as the self-tests (every
//! value escaped). The pages talk to the server through the same protocol
//! as any other client; nothing here decides a score.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

use super::http::{ClientAddr, hosted_room, join_base, qr_svg_for};
use super::room::{LeaderboardMode, RoomOptions};
use super::util::{normalize_code, sha256};
use super::{CreateError, results};
use crate::engine::SpeedRule;
use crate::http::AppError;
use crate::http::browser::{Browser, ensure_owner_key, owner_key};
use crate::http::form::{CsrfForm, FormData, PathParams};
use crate::http::join::{JoinBase, ListenAddr};
use crate::http::page::Chrome;
use crate::question::Kind;
use crate::server::AppState;

fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

#[derive(Template)]
#[template(path = "live/message.html")]
struct MessagePage<'a> {
    chrome: Chrome,
    heading: &'a str,
    text: &'a str,
    href: &'a str,
    link: &'a str,
}

fn message_page(status: StatusCode, heading: &str, text: &str, link: (&str, &str)) -> Response {
    html(
        status,
        MessagePage {
            chrome: Chrome::live("host", None),
            heading,
            text,
            href: link.0,
            link: link.1,
        },
    )
}

// ----- creating a room ---------------------------------------------------------

struct SetChoice {
    id: String,
    title: String,
    questions: usize,
    kinds: String,
    selected: bool,
}

struct KindChoice {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

struct Radio {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

struct PastRoom {
    code: String,
    title: String,
    created: String,
    players: u32,
    running: bool,
}

#[derive(Template)]
#[template(path = "live/new_room.html")]
struct NewRoomPage {
    chrome: Chrome,
    csrf: String,
    error: Option<String>,
    sets: Vec<SetChoice>,
    count: String,
    times: Vec<Choice>,
    kinds: Vec<KindChoice>,
    scoring: Vec<Radio>,
    streak: bool,
    partial: bool,
    late: bool,
    leaderboard: Vec<Radio>,
    max_players: String,
    past: Vec<PastRoom>,
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

async fn past_rooms(state: &AppState, jar: &CookieJar) -> Vec<PastRoom> {
    let Some(key) = owner_key(jar) else {
        return vec![];
    };
    let rooms = state
        .live
        .store()
        .owned_rooms(sha256(&key), 50)
        .await
        .unwrap_or_default();
    rooms
        .into_iter()
        .map(|r| PastRoom {
            running: r.phase != "ended",
            code: r.code,
            title: r.set_title,
            created: fmt_time(r.created_at_ms),
            players: r.players,
        })
        .collect()
}

async fn new_room_page(
    state: &AppState,
    browser: &Browser,
    jar: &CookieJar,
    status: StatusCode,
    error: Option<String>,
    form: &RoomForm,
) -> Response {
    let o = &form.options;
    let sets = state
        .live
        .catalog()
        .sets()
        .map(|set| SetChoice {
            id: set.id.clone(),
            title: set.title.clone(),
            questions: set.questions.len(),
            kinds: set
                .kinds()
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(", "),
            selected: set.id == form.set,
        })
        .collect();
    let mut times: Vec<Choice> = [10u32, 15, 20, 30, 45, 60, 90, 120]
        .into_iter()
        .map(|s| Choice {
            value: s.to_string(),
            label: format!("{s} seconds"),
            selected: o.time_limit_s == Some(s),
        })
        .collect();
    times.push(Choice {
        value: "untimed".into(),
        label: "Untimed: I move on myself".into(),
        selected: o.time_limit_s.is_none(),
    });
    let radio = |value, label, checked| Radio {
        value,
        label,
        checked,
    };
    let page = NewRoomPage {
        chrome: Chrome::live("host", None),
        csrf: browser.csrf(),
        error,
        sets,
        count: o.count.map(|c| c.to_string()).unwrap_or_default(),
        times,
        kinds: Kind::ALL
            .iter()
            .map(|k| KindChoice {
                name: k.name(),
                label: k.label(),
                checked: o.kinds.contains(k),
            })
            .collect(),
        scoring: vec![
            radio(
                "speed",
                "Speed counts: full points at once, half at the buzzer",
                o.scoring == SpeedRule::Speed,
            ),
            radio(
                "linear-decay",
                "Linear decay: full points at once, a tenth at the buzzer",
                o.scoring == SpeedRule::LinearDecay,
            ),
            radio(
                "accuracy-only",
                "Accuracy only: speed does not count (the accessible choice)",
                o.scoring == SpeedRule::AccuracyOnly,
            ),
        ],
        streak: o.streak_bonus,
        partial: o.partial_credit,
        late: o.late_join,
        leaderboard: vec![
            radio(
                "each",
                "Leaderboard after every question",
                o.leaderboard == LeaderboardMode::Each,
            ),
            radio(
                "end",
                "Leaderboard only at the end",
                o.leaderboard == LeaderboardMode::End,
            ),
        ],
        max_players: o.max_players.to_string(),
        past: past_rooms(state, jar).await,
    };
    html(status, page)
}

#[derive(Debug, Default)]
struct RoomForm {
    set: String,
    options: RoomOptions,
}

/// The form as sent, and what is wrong with it if anything.
fn parse_form(fields: &FormData) -> (RoomForm, Option<String>) {
    let get = |k: &str| fields.all(k).next().map(|v| v.trim().to_string());
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
    form.options.kinds = fields.all("kinds").filter_map(Kind::parse).collect();
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

pub async fn new_room(State(state): State<AppState>, browser: Browser, jar: CookieJar) -> Response {
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
    new_room_page(&state, &browser, &jar, StatusCode::OK, None, &form).await
}

pub async fn create_room(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    jar: CookieJar,
    CsrfForm { browser, form }: CsrfForm,
) -> Response {
    if let Err(wait) = state.live.check_create_rate(addr) {
        let secs = wait.as_secs().max(1);
        return message_page(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many rooms at once",
            &format!("Wait {secs} seconds and try again."),
            ("/host", "Back to the form"),
        );
    }
    let form = match parse_form(&form) {
        (form, None) => form,
        (form, Some(e)) => {
            return new_room_page(
                &state,
                &browser,
                &jar,
                StatusCode::BAD_REQUEST,
                Some(e),
                &form,
            )
            .await;
        }
    };
    let (key, jar) = ensure_owner_key(jar);
    match state
        .live
        .create_room(&form.set, form.options.clone(), Some(sha256(&key)))
        .await
    {
        Ok(created) => (
            jar,
            Redirect::to(&format!(
                "/host/{}#key={}",
                created.code, created.host_secret
            )),
        )
            .into_response(),
        Err(e) => {
            let status = match e {
                CreateError::NoSuchSet(_) => StatusCode::NOT_FOUND,
                CreateError::BadOptions(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            new_room_page(&state, &browser, &jar, status, Some(e.to_string()), &form).await
        }
    }
}

// ----- the host's screen ----------------------------------------------------------

#[derive(Template)]
#[template(path = "live/host.html")]
struct HostPage {
    chrome: Chrome,
    code: String,
    code_spaced: String,
    title: String,
    settings: String,
    questions: usize,
    play_url: String,
    join_host: String,
    join: JoinBase,
    qr: String,
}

fn settings_line(room: &super::Room) -> String {
    let info = room.info();
    format!(
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
    )
}

pub async fn host(
    State(state): State<AppState>,
    PathParams(code): PathParams<String>,
    listen: Option<Extension<ListenAddr>>,
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
    let join = join_base(&state.live, listen, &headers);
    let play_url = format!("{}/play/{code}", join.url);
    let page = HostPage {
        chrome: Chrome::live("host", Some("live/host.js")).screen(),
        code_spaced: format!("{} {}", &code[..3], &code[3..]),
        title: room.set.title.clone(),
        settings: settings_line(&room),
        questions: room.info().questions,
        join_host: format!("{}/play", join.host()),
        qr: qr_svg_for(&play_url),
        play_url,
        join,
        code,
    };
    html(StatusCode::OK, page)
}

// ----- a past room's results --------------------------------------------------------

struct BarRow {
    label: String,
    right: bool,
    count: u32,
    pct: String,
}

struct QuestionRow {
    number: usize,
    prompt: String,
    correct: String,
    facility: String,
    answered: u32,
    players: u32,
    mean: String,
    bars: Vec<BarRow>,
}

struct PlayerRow {
    rank: String,
    nickname: String,
    score: i64,
    correct: u32,
}

#[derive(Template)]
#[template(path = "live/results.html")]
struct ResultsPage {
    chrome: Chrome,
    code: String,
    title: String,
    created: String,
    players: usize,
    ended: bool,
    rows: Vec<PlayerRow>,
    questions: Vec<QuestionRow>,
}

pub async fn results(
    State(state): State<AppState>,
    PathParams(code): PathParams<String>,
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
    let questions = r
        .questions
        .iter()
        .map(|q| {
            let total: u32 = q.distribution.iter().map(|b| b.count).sum::<u32>().max(1);
            QuestionRow {
                number: q.q + 1,
                prompt: q.prompt.clone(),
                correct: q.correct_answer.clone(),
                facility: format!("{:.0}", q.facility * 100.0),
                answered: q.answered,
                players: q.answered + q.no_answer,
                mean: q
                    .mean_time_ms
                    .map(|m| format!("{:.1} s", m as f64 / 1000.0))
                    .unwrap_or_else(|| "—".into()),
                bars: q
                    .distribution
                    .iter()
                    .map(|b| BarRow {
                        label: b.label.clone(),
                        right: b.correct == Some(true),
                        count: b.count,
                        pct: format!("{:.0}", 100.0 * f64::from(b.count) / f64::from(total)),
                    })
                    .collect(),
            }
        })
        .collect();
    let page = ResultsPage {
        chrome: Chrome::live("host", Some("live/results.js")),
        ended: r.phase == "ended",
        players: r.players.iter().filter(|p| !p.kicked).count(),
        rows: r
            .players
            .iter()
            .map(|p| PlayerRow {
                rank: p
                    .rank
                    .map(|r| r.to_string())
                    .unwrap_or_else(|| "removed".into()),
                nickname: p.nickname.clone(),
                score: p.score,
                correct: p.correct,
            })
            .collect(),
        created: fmt_time(r.created_at_ms),
        code: r.code,
        title: r.title,
        questions,
    };
    html(StatusCode::OK, page)
}

// ----- the students' page -------------------------------------------------------------

#[derive(Template)]
#[template(path = "live/play.html")]
struct PlayPage {
    chrome: Chrome,
    code: String,
}

pub async fn play() -> Response {
    play_page(String::new())
}

pub async fn play_code(PathParams(code): PathParams<String>) -> Response {
    play_page(normalize_code(&code).unwrap_or_default())
}

fn play_page(code: String) -> Response {
    html(
        StatusCode::OK,
        PlayPage {
            chrome: Chrome::live("play", Some("live/play.js")).screen(),
            code,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_read() {
        let form = |pairs: &[(&str, &str)]| parse_form(&FormData::from_pairs(pairs));
        let (f, e) = form(&[
            ("set", " s "),
            ("count", "5"),
            ("kinds", "cloze"),
            ("kinds", "nonsense"),
            ("time", "untimed"),
            ("scoring", "accuracy-only"),
            ("leaderboard", "end"),
            ("max_players", "40"),
            ("late_join", "on"),
        ]);
        assert_eq!(e, None);
        assert_eq!(f.set, "s");
        assert_eq!(f.options.count, Some(5));
        assert_eq!(f.options.kinds, vec![Kind::Cloze]);
        assert_eq!(f.options.time_limit_s, None);
        assert_eq!(f.options.scoring, SpeedRule::AccuracyOnly);
        assert_eq!(f.options.leaderboard, LeaderboardMode::End);
        assert!(f.options.late_join && !f.options.streak_bonus);
        for bad in [
            &[("set", "s"), ("count", "0")][..],
            &[("set", "s"), ("time", "3")],
            &[("count", "3")],
            &[("set", "s"), ("max_players", "many")],
        ] {
            assert!(form(bad).1.is_some(), "{bad:?}");
        }
    }
}
