//! After a test: the score and a review, another go at what was missed, and
//! the history of this browser's attempts.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, Redirect};

use super::pages::{Chrome, HistoryPage, HistoryRow, ResultsPage, ReviewItem};
use super::quiz::{
    cloze_text, feedback_view, finished, load, owner, question_href, results_href, time_up,
};
use super::util::{self, human_time, iso_time, path_segment};
use crate::engine::{Attempt, AttemptError, Verdict};
use crate::http::AppError;
use crate::http::browser::Browser;
use crate::http::clock::now_ms;
use crate::http::form::{CsrfForm, PathParams};
use crate::http::secret::{random_id, random_u64};
use crate::server::AppState;
use crate::store::StoredAttempt;

/// The history shows this many attempts, newest first.
const HISTORY_LIMIT: usize = 200;

fn missed(attempt: &Attempt) -> usize {
    attempt
        .items
        .iter()
        .filter(|i| {
            i.outcome
                .as_ref()
                .is_none_or(|o| o.grade.verdict != Verdict::Correct)
        })
        .count()
}

pub async fn results(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    browser: Browser,
) -> Result<Html<String>, AppError> {
    let (stored, set) = load(&state, &id).await?;
    let now = now_ms();
    let attempt = &stored.attempt;
    let summary = attempt.summary();
    let max_score = stored.max_score;
    let review = attempt
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let question = set.questions.get(item.index);
            ReviewItem {
                number: i + 1,
                prompt: question.map(|q| q.prompt.clone()).unwrap_or_default(),
                cloze: cloze_text(&set, &stored, i),
                kind_label: question.map(|q| q.kind().label()).unwrap_or(""),
                feedback: attempt.feedback(&set, i).map(feedback_view),
                href: question_href(&id, i),
            }
        })
        .collect();
    let last_answer = attempt
        .items
        .iter()
        .filter_map(|i| i.outcome.as_ref().map(|o| o.answered_at_ms))
        .max();
    let done = finished(&stored, now);
    let missed = missed(attempt);
    let percent = if max_score > 0.0 {
        (summary.score / max_score * 100.0).round().max(0.0) as i64
    } else {
        0
    };
    let html = ResultsPage {
        chrome: Chrome::new(""),
        csrf: browser.csrf(),
        set_title: stored.set_title.clone(),
        start_href: Some(format!("/sets/{}", path_segment(&attempt.set_id))),
        score: util::points(summary.score),
        max_score: util::points(max_score),
        percent,
        total: summary.total,
        answered: summary.answered,
        correct: summary.correct,
        partial: summary.partial,
        incorrect: summary.incorrect,
        finished: done,
        expired: time_up(&stored, now) && !attempt.is_finished(),
        duration: last_answer.map(|t| util::duration(t - stored.started_ms)),
        continue_href: format!("/attempts/{id}"),
        retry_action: format!("/attempts/{id}/retry"),
        missed,
        can_retry: done && missed > 0 && stored.browser == browser.id,
        is_retry: stored.retry_of.is_some(),
        review,
    }
    .render()?;
    Ok(Html(html))
}

/// "Try the ones I missed again": a new attempt of the questions not fully
/// right, in a fresh order, made by the engine.
pub async fn retry(
    State(state): State<AppState>,
    PathParams(id): PathParams<String>,
    CsrfForm { browser, .. }: CsrfForm,
) -> Result<Redirect, AppError> {
    let (stored, set) = load(&state, &id).await?;
    owner(&stored, &browser)?;
    let now = now_ms();
    if !finished(&stored, now) {
        return Err(AppError::Conflict(
            "This test is not finished yet. Answer its questions first, then try the missed \
             ones again from the results."
                .into(),
        ));
    }
    let attempt = match stored.attempt.retry_missed(&set, random_u64()) {
        Ok(a) => a,
        Err(AttemptError::NoQuestions) => {
            return Err(AppError::Conflict(
                "Every question in this test was answered right: there is nothing to try again."
                    .into(),
            ));
        }
        Err(e) => return Err(AppError::internal(format!("cannot retry {id}: {e}"))),
    };
    let retry = StoredAttempt {
        id: random_id(),
        browser: browser.id.clone(),
        set_title: stored.set_title.clone(),
        started_ms: now,
        deadline_ms: None,
        retry_of: Some(stored.id.clone()),
        max_score: attempt.max_score(&set),
        attempt,
    };
    state.attempts.create_attempt(&retry).await?;
    Ok(Redirect::to(&question_href(&retry.id, 0)))
}

pub async fn history(
    State(state): State<AppState>,
    browser: Browser,
) -> Result<Html<String>, AppError> {
    let entries = if browser.fresh {
        vec![]
    } else {
        state.attempts.history(&browser.id, HISTORY_LIMIT).await?
    };
    let now = now_ms();
    let rows = entries
        .into_iter()
        .map(|e| {
            let expired = e.deadline_ms.is_some_and(|d| now >= d);
            let complete = e.answered >= e.items;
            let (status, action) = if complete {
                ("Finished", "See results")
            } else if expired {
                ("Time ran out", "See results")
            } else {
                ("In progress", "Continue")
            };
            HistoryRow {
                href: if complete || expired {
                    results_href(&e.id)
                } else {
                    format!("/attempts/{}", e.id)
                },
                set_title: e.set_title,
                started_iso: iso_time(e.started_ms),
                started: human_time(e.started_ms),
                status,
                progress: format!("{} of {}", e.answered, e.items),
                score: format!("{} of {}", util::points(e.score), util::points(e.max_score)),
                action,
                is_retry: e.retry_of.is_some(),
            }
        })
        .collect();
    let html = HistoryPage {
        chrome: Chrome::new("history"),
        rows,
    }
    .render()?;
    Ok(Html(html))
}
