//! The one HTTP layer under both web front ends (self-tests in
//! [`crate::web`], live rooms in [`crate::live`]): the security headers and
//! CSP on every response, the CSRF policy on every state-changing request,
//! cookies, the form and JSON extractors with their error types, hashed
//! assets, the base page layout, secrets and the clock, and where students
//! reach this server.

pub mod assets;
pub mod browser;
pub mod clock;
pub mod csrf;
pub mod error;
pub mod form;
pub mod join;
pub mod json;
pub mod page;
pub mod secret;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use tower_http::set_header::SetResponseHeaderLayer;

pub use error::AppError;
pub use json::{ApiError, Json};

/// Pages load nothing but this site's own files: no CDN, no web font, no
/// inline script, no plug-in, so the app works offline on a classroom LAN
/// and injected markup has nothing to run.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
                       img-src 'self' data:; font-src 'self'; connect-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
                       object-src 'none'";

/// Wraps the whole app: the cross-site check before any handler, and the
/// same headers on every response, error pages and assets included.
pub fn protect<S: Clone + Send + Sync + 'static>(app: Router<S>) -> Router<S> {
    app.layer(middleware::from_fn(csrf::refuse_cross_site))
        // Pages carry form tokens and room state; a cached copy could show
        // another browser's token, and a stale one the wrong state. Assets
        // say their own caching.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
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
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
}
