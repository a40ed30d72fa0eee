//! The one defence against cross-site request forgery, for every request
//! that changes state.
//!
//! 1. [`refuse_cross_site`] runs before every handler: a POST (or any other
//!    unsafe method) that a browser says comes from another site is refused
//!    with 403. Browsers say so with `Sec-Fetch-Site`, or failing that with
//!    `Origin`; a request with neither is not a browser's cross-site request.
//! 2. Forms also carry the token of [`super::browser::Browser`], checked by
//!    [`super::form::CsrfForm`], for browsers too old to send either header.
//!    JSON bodies need no token: a cross-site page cannot send
//!    `Content-Type: application/json` without a preflight this server never
//!    grants.
//! 3. Cookies are `SameSite`, so even a request that slipped through would
//!    arrive without the browser's identity.

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppError};

/// Whether a request comes from a page of this server.
pub fn same_origin(headers: &HeaderMap) -> bool {
    // `none` is an address typed or a bookmark opened.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        Some(origin) => {
            let origin_host = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            origin_host.is_some() && origin_host == host
        }
        // Browsers send an Origin with every POST and WebSocket handshake.
        None => true,
    }
}

/// Middleware: refuses an unsafe request from another site before any
/// handler reads it. API paths get the JSON error, pages the HTML one.
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if req.method().is_safe() || same_origin(req.headers()) {
        return next.run(req).await;
    }
    tracing::debug!(path = %req.uri().path(), "cross-site request refused");
    if req.uri().path().starts_with("/api/") {
        ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "cross_site",
            "this request came from another site; it is accepted only from this server's own pages",
        )
        .into_response()
    } else {
        AppError::Forbidden(
            "This form came from another site. quizline takes forms only from its own pages; \
             go back to quizline, reload the page and send it from there."
                .into(),
        )
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn sites_are_told_apart() {
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[], true),
            (&[("sec-fetch-site", "same-origin")], true),
            (&[("sec-fetch-site", "none")], true),
            (&[("sec-fetch-site", "cross-site")], false),
            (&[("sec-fetch-site", "same-site")], false),
            (&[("host", "a:8080"), ("origin", "http://a:8080")], true),
            (&[("host", "a:8080"), ("origin", "http://b:8080")], false),
            (&[("host", "a:8080"), ("origin", "null")], false),
            (
                &[
                    ("host", "a:8080"),
                    ("origin", "http://evil"),
                    ("sec-fetch-site", "same-origin"),
                ],
                true,
            ),
        ];
        for (pairs, expected) in cases {
            assert_eq!(same_origin(&headers(pairs)), *expected, "{pairs:?}");
        }
    }
}
