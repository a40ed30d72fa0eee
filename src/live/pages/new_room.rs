//! Creating a room: the host's form, read with the one form extractor and
//! its token, and the list of rooms this browser hosts.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

use super::{fmt_time, html};
use crate::engine::SpeedRule;
use crate::http::AppError;
use crate::http::browser::{Browser, ensure_owner_key, owner_key};
use crate::http::form::{CsrfForm, FormData};
use crate::http::page::Chrome;
use crate::live::CreateError;
use crate::live::http::ClientAddr;
use crate::live::room::{LeaderboardMode, RoomOptions};
use crate::live::util::sha256;
use crate::question::Kind;
use crate::server::AppState;

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
        problems.push(e.to_string());
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
        return AppError::TooManyRequests(format!(
            "Too many rooms were created from here at once. Wait {secs} seconds and try again."
        ))
        .into_response();
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
                CreateError::BadOptions(_) | CreateError::NoQuestions(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            new_room_page(&state, &browser, &jar, status, Some(e.to_string()), &form).await
        }
    }
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
