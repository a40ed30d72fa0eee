//! The host's projector screen, with where students join, and a room's
//! results page.

use askama::Template;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{fmt_time, html, message_page};
use crate::engine::SpeedRule;
use crate::http::AppError;
use crate::http::form::PathParams;
use crate::http::join::{JoinBase, ListenAddr};
use crate::http::page::Chrome;
use crate::live::http::{hosted_room, join_base, qr_svg_for};
use crate::live::util::normalize_code;
use crate::live::{Room, results};
use crate::server::AppState;

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

fn settings_line(room: &Room) -> String {
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
    let no_room = |why: String| AppError::NotFound(why).into_response();
    let Some(code) = normalize_code(&code) else {
        return no_room("There is no room here: a join code is six digits.".into());
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
            None => no_room(format!("There is no room with code {code}.")),
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
        Err(e) => return AppError::from(e).into_response(),
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
