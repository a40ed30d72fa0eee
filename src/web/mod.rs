//! The self-test web front end: its pages and forms, on the shared HTTP
//! layer of [`crate::http`] (headers, CSRF, cookies, forms, assets, errors).
//!
//! Every state change is a form POST answered by a 303 redirect to a GET, so
//! the app works with JavaScript off. Grading is the engine's: a form is
//! turned into the engine's typed-answer syntax and handed to
//! [`Attempt::answer`](crate::engine::Attempt::answer); nothing here decides
//! whether an answer is right.

mod answer_form;
mod home;
mod pages;
mod quiz;
mod results;
mod util;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};

use crate::http::{assets, browser};
use crate::server::AppState;

pub use crate::http::AppError;
pub use crate::http::browser::{BROWSER_COOKIE, csrf_token};

/// Self-test forms are a few hundred bytes; anything near this is not one.
pub const FORM_LIMIT: usize = 16 * 1024;

pub fn routes() -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(home::home))
        .route("/sets/{set_id}", get(home::start).post(home::create))
        .route("/attempts/{id}", get(quiz::resume))
        .route(
            "/attempts/{id}/questions/{n}",
            get(quiz::question).post(quiz::answer),
        )
        .route("/attempts/{id}/questions/{n}/feedback", get(quiz::feedback))
        .route("/attempts/{id}/time", post(quiz::time))
        .route("/attempts/{id}/results", get(results::results))
        .route("/attempts/{id}/retry", post(results::retry))
        .route("/history", get(results::history))
        .route_layer(middleware::from_fn(browser::ensure_browser));
    // Assets get no cookie: a first visit fetches them in parallel with the
    // page, and each would otherwise hand out a different browser id.
    Router::new()
        .merge(pages)
        .route("/assets/{*path}", get(assets::asset))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

/// The answer for any path nothing else answers: a page, or for an API
/// path the JSON error its clients read.
pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        crate::http::ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "no_endpoint",
            format!("there is no API endpoint {}", uri.path()),
        )
        .into_response()
    } else {
        AppError::NotFound("There is no page at this address.".into()).into_response()
    }
}
