//! The list of sets, and starting an attempt at one.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::pages::{Chrome, HomePage, KindChoice, SetCard, StartPage};
use super::util::path_segment;
use crate::engine::{Attempt, AttemptError, AttemptOptions};
use crate::http::AppError;
use crate::http::browser::Browser;
use crate::http::clock::now_ms;
use crate::http::form::{CsrfForm, FormData, PathParams};
use crate::http::secret::{random_id, random_u64};
use crate::question::{Kind, QuestionSet};
use crate::server::AppState;
use crate::store::StoredAttempt;

/// Longest time limit offered, in minutes; also the most one extension adds up to.
pub const MAX_MINUTES: u32 = 240;

pub async fn home(State(state): State<AppState>) -> Result<Html<String>, AppError> {
    let sets = state
        .catalog
        .sets()
        .map(|set| SetCard {
            href: format!("/sets/{}", path_segment(&set.id)),
            title: set.title.clone(),
            description: set.description.clone(),
            questions: set.questions.len(),
            kinds: set.kinds().into_iter().map(Kind::label).collect(),
        })
        .collect();
    Ok(Html(
        HomePage {
            chrome: Chrome::new("home"),
            sets,
        }
        .render()?,
    ))
}

fn find_set(state: &AppState, id: &str) -> Result<Arc<QuestionSet>, AppError> {
    state
        .catalog
        .get(id)
        .cloned()
        .ok_or_else(|| AppError::NotFound("There is no question set with that name here.".into()))
}

/// What the start form holds, as sent or as first shown.
struct StartChoices {
    count: String,
    kinds: Vec<Kind>,
    timer_on: bool,
    minutes: String,
}

fn default_count(set: &QuestionSet) -> usize {
    set.questions.len().min(10)
}

fn start_page(
    set: &QuestionSet,
    browser: &Browser,
    choices: &StartChoices,
    error: Option<FieldError>,
) -> Result<String, AppError> {
    let kinds = set
        .kinds()
        .into_iter()
        .map(|k| KindChoice {
            name: k.as_str(),
            label: k.label(),
            count: set.questions.iter().filter(|q| q.kind() == k).count(),
            checked: choices.kinds.contains(&k),
        })
        .collect();
    let (error_field, error) = match error {
        Some((field, message)) => (field, Some(message)),
        None => ("", None),
    };
    Ok(StartPage {
        chrome: Chrome::new(""),
        csrf: browser.csrf(),
        action: format!("/sets/{}", path_segment(&set.id)),
        title: set.title.clone(),
        description: set.description.clone(),
        total: set.questions.len(),
        kinds,
        count: choices.count.clone(),
        timer_on: choices.timer_on,
        minutes: choices.minutes.clone(),
        error,
        error_field,
    }
    .render()?)
}

pub async fn start(
    State(state): State<AppState>,
    PathParams(set_id): PathParams<String>,
    browser: Browser,
) -> Result<Html<String>, AppError> {
    let set = find_set(&state, &set_id)?;
    let choices = StartChoices {
        count: default_count(&set).to_string(),
        kinds: set.kinds(),
        timer_on: false,
        minutes: default_count(&set).max(5).to_string(),
    };
    Ok(Html(start_page(&set, &browser, &choices, None)?))
}

/// A start-form field that is wrong, and what to say about it.
type FieldError = (&'static str, String);

/// The start form's choices, once they are all right.
struct StartRequest {
    count: usize,
    kinds: Vec<Kind>,
    minutes: Option<u32>,
}

fn read_start(
    set: &QuestionSet,
    form: &FormData,
) -> Result<(StartChoices, Result<StartRequest, FieldError>), AppError> {
    let total = set.questions.len();
    let offered = set.kinds();
    let mut kinds = Vec::new();
    for name in form.all("kind") {
        match Kind::parse(name).filter(|k| offered.contains(k)) {
            Some(k) if !kinds.contains(&k) => kinds.push(k),
            Some(_) => {}
            None => {
                return Err(AppError::BadRequest(format!(
                    "The form asked for questions of kind `{}`, which this set does not have.",
                    name.chars().take(30).collect::<String>()
                )));
            }
        }
    }
    let timer_on = match form.one("timer")? {
        None | Some("off") => false,
        Some("on") => true,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "The form sent `{}` for the timer; it must be `on` or `off`.",
                other.chars().take(30).collect::<String>()
            )));
        }
    };
    let count_text = form.one("count")?.unwrap_or("").trim().to_string();
    let minutes_text = form.one("minutes")?.unwrap_or("").trim().to_string();
    let choices = StartChoices {
        count: count_text.clone(),
        kinds: kinds.clone(),
        timer_on,
        minutes: minutes_text.clone(),
    };
    let count = match count_text.parse::<usize>() {
        Ok(c) if (1..=total).contains(&c) => c,
        _ => {
            return Ok((
                choices,
                Err((
                    "count",
                    format!("The number of questions must be a whole number from 1 to {total}."),
                )),
            ));
        }
    };
    if kinds.is_empty() {
        return Ok((
            choices,
            Err(("kinds", "Choose at least one kind of question.".into())),
        ));
    }
    let minutes = if timer_on {
        match minutes_text.parse::<u32>() {
            Ok(m) if (1..=MAX_MINUTES).contains(&m) => Some(m),
            _ => {
                return Ok((
                    choices,
                    Err((
                        "minutes",
                        format!(
                            "The time limit must be a whole number of minutes from 1 to {MAX_MINUTES}."
                        ),
                    )),
                ));
            }
        }
    } else {
        None
    };
    Ok((
        choices,
        Ok(StartRequest {
            count,
            kinds,
            minutes,
        }),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    PathParams(set_id): PathParams<String>,
    CsrfForm { browser, form }: CsrfForm,
) -> Result<Response, AppError> {
    let set = find_set(&state, &set_id)?;
    let (choices, request) = read_start(&set, &form)?;
    let request = match request {
        Ok(r) => r,
        Err(error) => {
            let html = start_page(&set, &browser, &choices, Some(error))?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
    };
    let options = AttemptOptions {
        count: Some(request.count),
        // Every kind chosen is the same as no filter; say so, so that the
        // stored options read as "all".
        kinds: if request.kinds.len() == set.kinds().len() {
            vec![]
        } else {
            request.kinds
        },
        seed: random_u64(),
        in_order: false,
    };
    let attempt = match Attempt::new(&set, options) {
        Ok(a) => a,
        Err(AttemptError::NoQuestions) => {
            let html = start_page(
                &set,
                &browser,
                &choices,
                Some((
                    "kinds",
                    "No question in this set is of the chosen kinds.".into(),
                )),
            )?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response());
        }
        Err(e) => return Err(AppError::internal(format!("cannot start an attempt: {e}"))),
    };
    let started_ms = now_ms();
    let stored = StoredAttempt {
        id: random_id(),
        browser: browser.id.clone(),
        set_title: set.title.clone(),
        started_ms,
        deadline_ms: request.minutes.map(|m| started_ms + i64::from(m) * 60_000),
        retry_of: None,
        max_score: attempt.max_score(&set),
        attempt,
    };
    state.attempts.create_attempt(&stored).await?;
    Ok(Redirect::to(&format!("/attempts/{}/questions/1", stored.id)).into_response())
}
