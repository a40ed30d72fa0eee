//! The self-test web front end: pages, forms, assets, and the one error type
//! every handler returns.
//!
//! Every state change is a form POST answered by a 303 redirect to a GET, so
//! the app works with JavaScript off. Grading is the engine's: a form is
//! turned into the engine's typed-answer syntax and handed to
//! [`Attempt::answer`](crate::engine::Attempt::answer); nothing here decides
//! whether an answer is right.

mod answer_form;
mod assets;
mod browser;
mod error;
mod form;
mod home;
mod pages;
mod quiz;
mod results;
mod util;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::middleware;
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::server::AppState;

pub use browser::{BROWSER_COOKIE, csrf_token};
pub use error::AppError;

/// Self-test forms are a few hundred bytes; anything near this is not one.
pub const FORM_LIMIT: usize = 16 * 1024;

/// Pages load nothing but this site's own files: no CDN, no web font, no
/// inline script, so the app works offline on a classroom LAN.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                   img-src 'self' data:; font-src 'self'; connect-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
                   object-src 'none'";

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
        // Pages carry a form token tied to the browser; a cached copy could
        // show another browser's token, and a stale one the wrong state.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .route_layer(middleware::from_fn(browser::ensure_browser));
    // Assets get no cookie: a first visit fetches them in parallel with the
    // page, and each would otherwise hand out a different browser id.
    Router::new()
        .merge(pages)
        .route("/assets/{*path}", get(assets::asset))
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
}

/// The page for any path nothing else answers.
pub async fn not_found() -> AppError {
    AppError::NotFound("There is no page at this address.".into())
}
