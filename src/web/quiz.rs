//! Taking a test: one question per page, the answer, its feedback, and the
//! time limit.
//!
//! Server authority: a question page is built from the engine's view of the
//! question (prompt and options in the attempt's order) and never from its
//! answer. What is right is known to a page only through
//! [`Attempt::feedback`](crate::engine::Attempt::feedback), which has nothing
//! to say until the question is answered.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::answer_form::{self, Filled};
use super::home::MAX_MINUTES;
use super::pages::{Chrome, ClozeText, FeedbackPage, FeedbackView, QuestionPage, TimerView};
use super::util::{self, clock_time, iso_time};
use crate::engine::{AttemptError, Feedback};
use crate::http::AppError;
use crate::http::browser::Browser;
use crate::http::clock::now_ms;
use crate::http::form::{CsrfForm, PathParams};
use crate::http::secret::is_id;
use crate::question::{Body, QuestionSet};
use crate::server::AppState;
use crate::store::StoredAttempt;

/// An answer sent this soon after the time limit still counts: the person
/// pressed the button in time, the request took a moment.
pub const GRACE_MS: i64 = 10_000;

/// What one press of "more time" adds.
pub const EXTEND_MINUTES: i64 = 5;

/// Loads an attempt with its set, or says why it cannot be shown.
pub(super) async fn load(
    state: &AppState,
    id: &str,
) -> Result<(StoredAttempt, Arc<QuestionSet>), AppError> {
    let unknown = || AppError::NotFound("There is no test at this address.".into());
    if !is_id(id) {
        return Err(unknown());
    }
    let stored = state.attempts.load_attempt(id).await?.ok_or_else(unknown)?;
    let set = state
        .catalog
        .get(&stored.attempt.set_id)
        .cloned()
        .ok_or_else(|| {
            AppError::NotFound(
                "The question set of this test is no longer offered on this server.".into(),
            )
        })?;
    if !stored.attempt.matches(&set) {
        return Err(AppError::Conflict(
            "The question set was changed after this test began, so the test cannot go on. \
             Start it again from the home page."
                .into(),
        ));
    }
    Ok((stored, set))
}

/// The 0-based item of a 1-based question number from the address.
fn item(stored: &StoredAttempt, n: &str) -> Result<usize, AppError> {
    n.parse::<usize>()
        .ok()
        .filter(|n| (1..=stored.attempt.items.len()).contains(n))
        .map(|n| n - 1)
        .ok_or_else(|| AppError::NotFound("This test has no question with that number.".into()))
}

pub(super) fn time_up(stored: &StoredAttempt, now: i64) -> bool {
    stored.deadline_ms.is_some_and(|d| now >= d)
}

pub(super) fn finished(stored: &StoredAttempt, now: i64) -> bool {
    stored.attempt.is_finished() || time_up(stored, now)
}

pub(super) fn owner(stored: &StoredAttempt, browser: &Browser) -> Result<(), AppError> {
    if stored.browser == browser.id {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "This test was started in another browser, so it can only be answered there. \
             Start your own from the home page."
                .into(),
        ))
    }
}

pub(super) fn question_href(id: &str, i: usize) -> String {
    format!("/attempts/{id}/questions/{}", i + 1)
}

fn feedback_href(id: &str, i: usize) -> String {
    format!("/attempts/{id}/questions/{}/feedback", i + 1)
}

pub(super) fn results_href(id: &str) -> String {
    format!("/attempts/{id}/results")
}

pub(super) fn feedback_view(fb: Feedback) -> FeedbackView {
    FeedbackView {
        verdict: fb.verdict,
        verdict_label: fb.verdict.label(),
        points: util::points(fb.points),
        max_points: util::points(fb.max_points),
        points_noun: util::points_noun(fb.max_points),
        given: fb.given,
        correct_answer: fb.correct_answer,
        explanation: fb.explanation,
        source: fb.source,
    }
}

pub(super) fn cloze_text(set: &QuestionSet, stored: &StoredAttempt, i: usize) -> Option<ClozeText> {
    let q = set.questions.get(stored.attempt.items.get(i)?.index)?;
    match &q.body {
        Body::Cloze { text, .. } => Some(ClozeText::new(text)),
        _ => None,
    }
}

fn answered_count(stored: &StoredAttempt) -> usize {
    stored
        .attempt
        .items
        .iter()
        .filter(|i| i.outcome.is_some())
        .count()
}

fn question_page(
    stored: &StoredAttempt,
    set: &QuestionSet,
    i: usize,
    browser: &Browser,
    filled: Option<&Filled>,
    error: Option<String>,
    now: i64,
) -> Result<String, AppError> {
    let view = stored
        .attempt
        .view(set, i)
        .map_err(|e| AppError::Conflict(format!("This question cannot be shown: {e}.")))?;
    let points = f64::from(view.question.points);
    let timer = stored.deadline_ms.map(|d| TimerView {
        remaining_ms: (d - now).max(0),
        remaining: util::duration(d - now),
        ends_at: clock_time(d),
        ends_iso: iso_time(d),
        action: format!("/attempts/{}/time", stored.id),
    });
    Ok(QuestionPage {
        chrome: Chrome::new(""),
        csrf: browser.csrf(),
        action: question_href(&stored.id, i),
        results_href: results_href(&stored.id),
        set_title: stored.set_title.clone(),
        number: i + 1,
        total: stored.attempt.items.len(),
        answered: answered_count(stored),
        prompt: view.question.prompt.clone(),
        kind_label: view.kind().label(),
        kind_name: view.kind().as_str(),
        points: util::points(points),
        points_noun: util::points_noun(points),
        instructions: answer_form::instructions(&view),
        control: answer_form::control(&view, filled),
        error,
        timer,
    }
    .render()?)
}

/// `/attempts/{id}`: where the attempt stands, for links from the history.
pub async fn resume(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    browser: Browser,
) -> Result<Redirect, AppError> {
    let (stored, _set) = load(&state, &id).await?;
    Ok(match stored.attempt.current() {
        Some(i) if !time_up(&stored, now_ms()) && stored.browser == browser.id => {
            Redirect::to(&question_href(&id, i))
        }
        _ => Redirect::to(&results_href(&id)),
    })
}

pub async fn question(
    State(state): State<AppState>,
    PathParams((id, n)): PathParams<(String, String)>,
    browser: Browser,
) -> Result<Response, AppError> {
    let (stored, set) = load(&state, &id).await?;
    let i = item(&stored, &n)?;
    if stored.attempt.items[i].outcome.is_some() {
        return Ok(Redirect::to(&feedback_href(&id, i)).into_response());
    }
    // A form that could only be refused is not offered. Feedback and
    // results stay open to anyone with the link: they are read-only.
    owner(&stored, &browser)?;
    let now = now_ms();
    if time_up(&stored, now) {
        return Ok(Redirect::to(&results_href(&id)).into_response());
    }
    let html = question_page(&stored, &set, i, &browser, None, None, now)?;
    Ok(Html(html).into_response())
}

pub async fn answer(
    State(state): State<AppState>,
    PathParams((id, n)): PathParams<(String, String)>,
    CsrfForm { browser, form }: CsrfForm,
) -> Result<Response, AppError> {
    let (stored, set) = load(&state, &id).await?;
    let i = item(&stored, &n)?;
    owner(&stored, &browser)?;
    let done = Redirect::to(&feedback_href(&id, i)).into_response();
    // A second answer changes nothing: show what the first one earned.
    if stored.attempt.items[i].outcome.is_some() {
        return Ok(done);
    }
    let now = now_ms();
    if stored.deadline_ms.is_some_and(|d| now > d + GRACE_MS) {
        return Ok(Redirect::to(&results_href(&id)).into_response());
    }
    let view = stored
        .attempt
        .view(&set, i)
        .map_err(|e| AppError::Conflict(format!("This question cannot be answered: {e}.")))?;
    let read = answer_form::read(&view, &form)?;
    let retry = |message: String| -> Result<Response, AppError> {
        let html = question_page(
            &stored,
            &set,
            i,
            &browser,
            Some(&read.filled),
            Some(message),
            now,
        )?;
        Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
    };
    let input = match &read.input {
        Ok(input) => input.clone(),
        Err(message) => return retry(message.to_string()),
    };
    let mut attempt = stored.attempt.clone();
    let outcome = match attempt.answer(&set, i, &input, now) {
        Ok(outcome) => outcome.clone(),
        Err(AttemptError::AlreadyAnswered(_)) => return Ok(done),
        // The engine could not read it: shown again, and not counted.
        Err(AttemptError::Input(e)) => return retry(capitalise(&e.message)),
        Err(AttemptError::Grade(e)) => {
            return Err(AppError::BadRequest(format!(
                "That answer could not be graded: {e}."
            )));
        }
        Err(AttemptError::NoSuchItem(_)) => {
            return Err(AppError::NotFound(
                "This test has no question with that number.".into(),
            ));
        }
        Err(e) => {
            return Err(AppError::Conflict(format!(
                "This question cannot be answered: {e}."
            )));
        }
    };
    // Committed and synced before the redirect goes out: an answer the
    // person saw acknowledged survives a crash.
    state.attempts.record_answer(&id, i, &outcome).await?;
    Ok(done)
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    let mut out: String = match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

pub async fn feedback(
    State(state): State<AppState>,
    PathParams((id, n)): PathParams<(String, String)>,
) -> Result<Response, AppError> {
    let (stored, set) = load(&state, &id).await?;
    let i = item(&stored, &n)?;
    let Some(fb) = stored.attempt.feedback(&set, i) else {
        return Ok(Redirect::to(&question_href(&id, i)).into_response());
    };
    let now = now_ms();
    let items = &stored.attempt.items;
    let next = (i + 1..items.len())
        .chain(0..i)
        .find(|&j| items[j].outcome.is_none());
    let (next_href, next_label) = match next {
        Some(j) if !time_up(&stored, now) => (question_href(&id, j), "Next question"),
        _ => (results_href(&id), "See your results"),
    };
    let view = stored
        .attempt
        .view(&set, i)
        .map_err(|e| AppError::Conflict(format!("This question cannot be shown: {e}.")))?;
    let html = FeedbackPage {
        chrome: Chrome::new(""),
        set_title: stored.set_title.clone(),
        number: i + 1,
        total: items.len(),
        answered: answered_count(&stored),
        prompt: view.question.prompt.clone(),
        cloze: cloze_text(&set, &stored, i),
        kind_label: view.kind().label(),
        fb: feedback_view(fb),
        next_href,
        next_label,
        results_href: results_href(&id),
    }
    .render()?;
    Ok(Html(html).into_response())
}

/// More time, or none: WCAG 2.2.1 lets a person extend or turn off a limit.
pub async fn time(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    CsrfForm { browser, form }: CsrfForm,
) -> Result<Redirect, AppError> {
    let (stored, _set) = load(&state, &id).await?;
    owner(&stored, &browser)?;
    let change = form.one("change")?;
    let now = now_ms();
    let Some(deadline) = stored.deadline_ms else {
        return Ok(Redirect::to(&format!("/attempts/{id}")));
    };
    if now > deadline + GRACE_MS || stored.attempt.is_finished() {
        return Ok(Redirect::to(&results_href(&id)));
    }
    let new_deadline = match change {
        Some("extend") => {
            let cap = now + i64::from(MAX_MINUTES) * 60_000;
            Some((deadline.max(now) + EXTEND_MINUTES * 60_000).min(cap.max(deadline)))
        }
        Some("off") => None,
        other => {
            return Err(AppError::BadRequest(format!(
                "The form asked to `{}` the time limit; it can only `extend` it or turn it `off`.",
                other.unwrap_or("").chars().take(30).collect::<String>()
            )));
        }
    };
    if new_deadline != stored.deadline_ms {
        state.attempts.set_deadline(&id, new_deadline).await?;
    }
    Ok(Redirect::to(&format!("/attempts/{id}")))
}
